"""Two versions of a KPI file -> data-level changes (contract section 5).

A month's value that appears is ``added``, one that changes is ``restated``, one that
disappears is ``removed``; any other field that changes (a target, the owner, a note) is
``definition``. A long history holds thousands of versions of each file and most commits touch
a few month lines of ``values``: ``Blob`` compares the files' top-level sections as text first
and reads changed ``values`` lines directly, parsing YAML only when something else changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

from kpi_scorecard.model import parse_month
from kpi_scorecard.read.load import DECIMAL, NULL_WORDS, parse_bytes, plain


class Change(NamedTuple):
    """One change of one field (and month) of a KPI. A named tuple, not a dataclass: a long
    history holds a hundred thousand of them, which the process that reads it hands over to
    the build (pickled: a tuple comes back in half the time)."""

    field: str
    month: str | None
    old: Any
    new: Any
    kind: str
    """added | restated | removed | definition"""


_MAYBE_ALIAS = re.compile(rb"(?m)(?:^[ \t]*|[:?,\[{-][ \t]*)[&*]")
"""Where a node can start with an anchor (&) or an alias (*): at the start of a line, or after
``:``, ``-``, ``?``, ``,``, ``[`` or ``{``. Text without such a place cannot hold one; Markdown
like ``**bold**`` inside a plain sentence does not match."""


def parse_document(data: bytes) -> dict[str, Any] | None:
    """A KPI file's content as plain data, or None when it does not parse (old broken commits
    are part of history too; they just have nothing to compare)."""
    if not _MAYBE_ALIAS.search(data):
        # No anchor or alias can be in this text, so the C loader cannot be made to expand
        # one: the fast path for the thousands of blobs of a long history.
        try:
            document: object = yaml.load(data.decode("utf-8-sig"), Loader=yaml.CSafeLoader)
        except (yaml.YAMLError, UnicodeDecodeError):
            return None
    else:
        node = parse_bytes(data)
        document = None if node is None else plain(node)
    return document if isinstance(document, dict) else None


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(.*)$")
_MONTH_LINE = re.compile(r"^[ \t]+(['\"]?)(\d{4}-\d{2})\1[ \t]*:[ \t]*(.*?)[ \t]*(?:[ \t]#.*)?$")
_PLAIN_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")
"""Numbers that every YAML reader and the validator read alike (no exponent, no leading zero)."""


@dataclass
class Blob:
    """One version of a KPI file, read as little as a comparison needs."""

    data: bytes
    _sections: dict[str, tuple[str, ...]] | None = field(default=None, repr=False)
    _document: dict[str, Any] | None = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    def document(self) -> dict[str, Any] | None:
        if not self._parsed:
            self._document, self._parsed = self._read_document(), True
        return self._document

    def _read_document(self) -> dict[str, Any] | None:
        """The whole file as data. ``values`` (most of a file) is read line by line when it
        can be, and the YAML parser gets only the rest."""
        sections = self.sections()
        values = sections.get("values") if sections else None
        quick = (
            None
            if values is None or _flow_style(values[0])
            else _read_month_lines(iter(values[1:]))
        )
        if sections is None or quick is None:
            return parse_document(self.data)
        rest = "\n".join(
            line for key, lines in sections.items() if key != "values" for line in lines
        )
        document = parse_document(rest.encode("utf-8"))
        if document is None:
            return None
        document["values"] = quick
        return document

    def sections(self) -> dict[str, tuple[str, ...]] | None:
        """Top-level key -> its lines, or None when the text is not a plain block mapping."""
        if self._sections is None:
            self._sections = _split_sections(self.data)
        return self._sections or None


def _split_sections(data: bytes) -> dict[str, tuple[str, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = _TOP_KEY.match(line)
        if match:
            current = sections.setdefault(match.group(1), [])
        elif current is None and line.strip() and not line.lstrip().startswith("#"):
            return {}  # something other than comments before the first key
        if current is not None:
            current.append(line)
    return {key: tuple(lines) for key, lines in sections.items()}


def _changed_values(
    before: tuple[str, ...], after: tuple[str, ...]
) -> tuple[dict[str, float | None], dict[str, float | None]] | None:
    """The month lines of ``values`` that differ, read directly: (old, new) month -> value for
    just those months; None when a line needs a YAML parser."""
    if before[0] != after[0] or _flow_style(before[0]):
        return None
    old_lines, new_lines = set(before[1:]), set(after[1:])
    old = _read_month_lines(line for line in before[1:] if line not in new_lines)
    new = _read_month_lines(line for line in after[1:] if line not in old_lines)
    if old is None or new is None:
        return None
    return old, new


def _flow_style(key_line: str) -> bool:
    match = _TOP_KEY.match(key_line)
    return match is None or bool(match.group(2).split("#")[0].strip())


def _read_month_lines(lines: Iterator[str]) -> dict[str, float | None] | None:
    values: dict[str, float | None] = {}
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _MONTH_LINE.match(line)
        if match is None or parse_month(match.group(2)) is None or match.group(2) in values:
            return None
        value = match.group(3)
        if value in NULL_WORDS:
            values[match.group(2)] = None
        elif _PLAIN_NUMBER.match(value):
            values[match.group(2)] = float(value)
        else:
            return None  # anything YAML might read otherwise goes to the parser
    return values


def diff_blobs(old: Blob | None, new: Blob | None) -> tuple[Change, ...]:
    """``diff_documents`` of two versions, reading as little of them as it can."""
    if old is not None and new is not None:
        before, after = old.sections(), new.sections()
        if before is not None and after is not None:
            changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            if not changed:
                return ()
            if changed == {"values"}:
                lines = _changed_values(before["values"], after["values"])
                if lines is not None:
                    return tuple(_value_changes(*lines))
    return diff_documents(
        None if old is None else old.document(), None if new is None else new.document()
    )


def diff_documents(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> tuple[Change, ...]:
    """Data-level changes from one version of a KPI file to the next."""
    old = old or {}
    new = new or {}
    changes = list(_value_changes(_months(old.get("values")), _months(new.get("values"))))
    old_notes, new_notes = _months(old.get("notes")), _months(new.get("notes"))
    for month in sorted(set(old_notes) | set(new_notes)):
        if old_notes.get(month) != new_notes.get(month):
            changes.append(
                Change("notes", month, old_notes.get(month), new_notes.get(month), "definition")
            )
    for key in sorted((set(old) | set(new)) - {"values", "notes"}):
        before, after = _plain(old.get(key)), _plain(new.get(key))
        if before != after:
            changes.append(Change(key, None, before, after, "definition"))
    return tuple(changes)


def _value_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    for month in sorted(set(old) | set(new)):
        before, after = _number(old.get(month)), _number(new.get(month))
        if before == after:
            continue
        if before is None:
            yield Change("values", month, None, after, "added")
        elif after is None:
            yield Change("values", month, before, None, "removed")
        else:
            yield Change("values", month, before, after, "restated")


def _months(section: Any) -> dict[str, Any]:
    """A month mapping with ``YYYY-MM`` keys; entries that are not months are ignored."""
    if not isinstance(section, dict):
        return {}
    return {
        str(k).strip(): v for k, v in section.items() if parse_month(str(k).strip()) is not None
    }


def _number(value: Any) -> float | None:
    """A month's value as the validator reads it (``1e6`` is a number there, text to YAML 1.1)."""
    if isinstance(value, str) and DECIMAL.match(value.strip()):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _plain(value: Any) -> Any:
    """JSON-safe form of a YAML value (dates and odd keys become text, numbers floats, as
    whichever loader read the blob)."""
    return json.loads(json.dumps(value, default=str, sort_keys=True), parse_int=float)
