"""Read typed values out of parsed YAML, reporting what is wrong in the contract's words.

A ``FieldReader`` is bound to one file and a problem collector; each method returns the value or
None after reporting why it could not. Strings and numbers are read strictly: YAML 1.1 reads
``no`` as false, ``.nan`` as a float and ``1:30`` as 90; where the scorecard expects text or a
finite number those are errors with a hint, never silent conversions.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

from kpi_scorecard.errors import Problems, excerpt, quote
from kpi_scorecard.model import Month, Person, parse_month
from kpi_scorecard.read.load import (
    DECIMAL,
    NULL_TAG,
    NULL_WORDS,
    REFUSED_TAG,
    STR_TAG,
    Scalar,
    YMap,
    YNode,
    YSeq,
)
from kpi_scorecard.read.yaml_errors import missing_space_hint

LEADING_ZERO = re.compile(r"^[-+]?0\d+$")
DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
"""``36,96``: a decimal comma, as many spreadsheets write numbers."""
THOUSANDS_COMMAS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+$")
"""``548,900`` or ``1,250,000``: thousands separators (or, once, a decimal comma)."""
UNIT_AROUND = re.compile(r"^[\s€$£¥%]*(?:EUR|USD|GBP)?\s*(.*?)\s*(?:EUR|USD|GBP|pp)?[\s€$£¥%]*$")
"""A number written with its unit: ``3.2 %``, ``€45``, ``45 EUR``."""
NUMBER_EXPECTED = "expected a finite number"
PERSON_EXPECTED = "expected a person id from kpis/people.yaml"
"""YAML 1.1 reads 012 as octal 10: refused rather than guessed."""
BOOL_TAG = "tag:yaml.org,2002:bool"


def suggestion(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to a misspelt ``word``, if any is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str], fallback: str) -> str:
    """The parenthesised hint of a message: the closest choice, or ``fallback``."""
    close = suggestion(word, choices)
    return f"did you mean '{close}'?" if close else fallback


def number_hint(text: str, fallback: str = NUMBER_EXPECTED) -> str:
    """How to write ``text`` as a number: a dot for decimals, no thousands separators, no
    unit; ``fallback`` when it is not a number written another way."""
    text = text.strip()
    dotted = text.replace(",", ".")
    if THOUSANDS_COMMAS.match(text):
        whole = text.replace(",", "")
        if text.count(",") == 1:
            return f"write {whole} without the thousands separator, or {dotted} for decimals"
        return f"write {whole} without thousands separators"
    if DECIMAL_COMMA.match(text):
        return f"write decimals with a dot: {dotted}"
    bare = UNIT_AROUND.match(text)
    if bare and bare.group(1) != text and DECIMAL.match(bare.group(1).replace(",", ".")):
        return f"write the number alone, without its unit: {bare.group(1).replace(',', '.')}"
    return fallback


def fold(text: str) -> str:
    """``María López`` -> ``maria lopez``: case and accents ignored, to match a name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def person_hint(word: str, people: Mapping[str, Person]) -> str:
    """The hint for an unknown person: the id whose id or name matches ``word`` with case and
    accents folded (``María López`` -> ``maria``), else the closest one."""
    by_fold: dict[str, str] = {}
    for person_id in people:
        by_fold.setdefault(fold(person_id), person_id)
    for person_id, person in people.items():
        by_fold.setdefault(fold(person.name), person_id)
    folded = fold(word)
    match = by_fold.get(folded)
    if match is None:
        close = suggestion(folded, by_fold)
        match = by_fold[close] if close is not None else None
    return f"did you mean '{match}'?" if match else PERSON_EXPECTED


def one_of(choices: Iterable[str]) -> str:
    return "expected one of: " + ", ".join(choices)


def kind_of(node: YNode) -> str:
    """How a node reads to a person, for "wrong type" messages."""
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    return quote(node.text)


class FieldReader:
    """Typed access to one file's nodes; every failure is reported once, with its line."""

    def __init__(self, path: str, problems: Problems) -> None:
        self.path = path
        self.problems = problems

    def error(self, line: int, message: str, expected: str | None = None) -> None:
        self.problems.error(self.path, line, message, expected)

    def warning(self, line: int, message: str, expected: str | None = None) -> None:
        self.problems.warning(self.path, line, message, expected)

    # -- structure -------------------------------------------------------------------------

    def mapping(self, node: YNode, name: str, expected: str) -> YMap | None:
        if isinstance(node, YMap):
            return node
        if not _refused(node):
            if isinstance(node, Scalar) and not node.quoted:
                expected = missing_space_hint(node.text) or expected
            self.error(node.line, f"{name}: expected a mapping, found {kind_of(node)}", expected)
        return None

    def items(self, node: YNode, name: str, expected: str) -> list[YNode] | None:
        """A list; a single scalar is accepted as a list of one (``tags: paid``)."""
        if isinstance(node, YSeq):
            return node.items
        if isinstance(node, Scalar) and not _refused(node):
            return [node] if not is_null(node) else []
        if isinstance(node, YMap):
            self.error(node.line, f"{name}: expected a list, found a mapping", expected)
        return None

    def check_keys(
        self, node: YMap, known: Iterable[str], required: Iterable[str] = (), where: str = ""
    ) -> None:
        """Unknown keys, with the closest known key; then missing required keys, unless a
        misspelt key already points at it (one mistake, one message)."""
        known = list(known)
        suggested = set()
        for key, (line, _) in node.entries.items():
            if key not in known:
                close = suggestion(key, known)
                suggested.add(close)
                hint = f"did you mean '{close}'?" if close else one_of(known)
                self.error(line, f"{where}unknown key {quote(key)}", hint)
        for key in required:
            if key not in node.entries and key not in suggested:
                self.error(node.line, f"{where}missing required key '{key}'")

    # -- scalars ---------------------------------------------------------------------------

    def text(self, node: YNode, name: str) -> str | None:
        """Text, written plainly or in quotes; a YAML 1.1 boolean or special float is refused."""
        if not isinstance(node, Scalar):
            self.error(node.line, f"{name}: expected text, found {kind_of(node)}")
            return None
        if _refused(node):
            return None
        if node.quoted or node.tag == STR_TAG:
            if not node.text.strip():
                self.error(node.line, f"{name}: is empty", "expected text")
                return None
            return node.text
        if is_null(node):
            self.error(node.line, f"{name}: is empty", "expected text")
            return None
        if node.tag == BOOL_TAG or not DECIMAL.match(node.text):
            self.error(
                node.line,
                f"{name}: YAML reads {excerpt(node.text)} as {_yaml_reading(node)}",
                f"expected text: write it in quotes, {quote(node.text)}",
            )
            return None
        return node.text

    def number(self, node: YNode, name: str) -> float | None:
        """A finite number written as a plain decimal."""
        if not isinstance(node, Scalar):
            self.error(node.line, f"{name}: expected a number, found {kind_of(node)}")
            return None
        if _refused(node):
            return None
        text = node.text.strip()
        if node.quoted:
            hint = "remove the quotes" if DECIMAL.match(text) else "expected a finite number"
            self.error(
                node.line, f"{name}: {quote(node.text)} is text in quotes, not a number", hint
            )
            return None
        if LEADING_ZERO.match(text):
            self.error(
                node.line,
                f"{name}: {excerpt(text)} has a leading zero, which YAML reads as octal",
                f"write {excerpt(text.lstrip('+-').lstrip('0') or '0')}",
            )
            return None
        if not DECIMAL.match(text):
            self.error(node.line, f"{name}: {_not_a_number(node)}", number_hint(text))
            return None
        value = float(text)
        if not math.isfinite(value):
            self.error(
                node.line, f"{name}: {excerpt(text)} is too large", "expected a finite number"
            )
            return None
        return value

    def optional_number(self, node: YNode, name: str) -> tuple[bool, float | None]:
        """(ok, value) where null is a valid "not reported"."""
        if isinstance(node, Scalar) and is_null(node):
            return True, None
        value = self.number(node, name)
        return value is not None, value

    def integer(self, node: YNode, name: str, low: int, high: int) -> int | None:
        value = self.number(node, name)
        if value is None:
            return None
        if not value.is_integer() or not low <= value <= high:
            self.error(
                node.line, f"{name}: {_shown(node)} is out of range", f"a whole number {low}-{high}"
            )
            return None
        return int(value)

    def choice(self, node: YNode, name: str, choices: Iterable[str]) -> str | None:
        choices = list(choices)
        value = self.text(node, name)
        if value is None:
            return None
        if value not in choices:
            hint = did_you_mean(value, choices, one_of(choices))
            if hint.startswith("did"):
                hint = f"{one_of(choices)}; {hint}"
            self.error(node.line, f"{name}: unknown value {quote(value)}", hint)
            return None
        return value

    def month(self, text: str, line: int, name: str) -> Month | None:
        month = parse_month(text.strip())
        if month is None:
            self.error(line, f"{name}: bad month {quote(text)}", "expected YYYY-MM, e.g. 2026-03")
        return month

    def months(self, node: YMap, name: str) -> Iterator[tuple[Month, int, YNode]]:
        """The entries of a month -> something mapping whose keys are valid months."""
        for key, (line, value) in node.entries.items():
            month = self.month(key, line, name)
            if month is not None:
                yield month, line, value


def is_null(node: Scalar) -> bool:
    return not node.quoted and (node.tag == NULL_TAG or node.text in NULL_WORDS)


def _refused(node: YNode) -> bool:
    return isinstance(node, Scalar) and node.tag == REFUSED_TAG


def _shown(node: YNode) -> str:
    return excerpt(node.text) if isinstance(node, Scalar) else kind_of(node)


def _yaml_reading(node: Scalar) -> str:
    if node.tag == BOOL_TAG:
        return "true" if node.text.lower() in {"yes", "y", "true", "on"} else "false"
    if node.tag.endswith(":float"):
        return "a special number"
    if node.tag.endswith(":int"):
        return "a number"
    if node.tag.endswith(":timestamp"):
        return "a date"
    return "something other than text"


def _not_a_number(node: Scalar) -> str:
    text = node.text
    if node.tag.endswith(":float") and text.lower().lstrip("+-") in {".nan", ".inf"}:
        return f"{excerpt(text)} is not a finite number"
    if ":" in text and node.tag.endswith((":int", ":float")):
        return f"{excerpt(text)} is read by YAML as a base-60 number"
    if "_" in text and node.tag.endswith((":int", ":float")):
        return f"{excerpt(text)} uses _ separators"
    if is_null(node):
        return "is empty"
    return f"{quote(text)} is not a number"
