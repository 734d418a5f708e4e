"""The YAML parser's complaints in words a KPI owner can act on, at the line to fix.

libyaml says "mapping values are not allowed in this context" or "could not find expected ':'",
often one line after the mistake (a plain value runs on until the next line's colon). Each
common case is recognised from the parser's words and the text around its mark, then said
plainly with the fix: a colon without a space after it, a value that holds ``: ``, uneven
indentation, a tab, a quote or bracket never closed, a value starting with ``@`` or `````.
Anything else keeps the parser's own words, with a hint where to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from kpi_scorecard.errors import excerpt, quote

YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""What YAML 1.1 (and so the parser's line numbers) counts as the end of a line."""
COLON_WITHOUT_SPACE = re.compile(r"^(\s*(?:- )?[^\s:#'\"][^:#]*?):(?=[^\s:/])")
"""``owner:maria`` at the start of a line: a key whose colon has no space after it."""
KEY_AND_VALUE = re.compile(r"^\s*(?:- )?([^\s:#'\"][^:#]*?):\s+(.*?)\s*$")
"""``key: value`` on one line (the first ``: `` ends the key)."""
MAX_PARSER_WORDS = 100
"""The longest parser message shown (they are short unless they quote a long tag)."""
LOOK_ABOVE = "check the indentation and the quotes of this line and of the line above"


@dataclass(frozen=True)
class Explained:
    """A parser error as a problem: where, what, and how to fix it."""

    line: int
    message: str
    expected: str | None


def explain(error: yaml.MarkedYAMLError, text: str) -> Explained:
    """The problem to report for ``error`` raised while parsing ``text``."""
    lines = YAML_LINE_BREAK.split(text)
    at = _Mark.of(error.problem_mark or error.context_mark, lines)
    start = _Mark.of(error.context_mark, lines) if error.context_mark else at
    problem, context = error.problem or "", error.context or ""
    if problem.startswith("mapping values are not allowed"):
        return _colon_in_value(at, lines)
    if problem.startswith("could not find expected ':'"):
        return _no_colon(start)
    if problem.startswith(("did not find expected key", "did not find expected <document")):
        return _unexpected_here(at)
    if "tab character" in problem or (problem.startswith("found character") and at.char == "\t"):
        return Explained(at.line, "a tab is used for indentation", "indent with spaces only")
    if problem.startswith("found character that cannot start any token") or "alias" in context:
        return _reserved_start(at)
    if "quoted scalar" in context:
        return _quoted(start, problem)
    if context.startswith("while parsing a flow"):
        return _unclosed_bracket(start, problem)
    if context.startswith("expected a single document"):
        return Explained(
            at.line, "a second document starts here", "a file holds one document: remove the ---"
        )
    return Explained(at.line, f"YAML syntax: {_parser_words(error)}", LOOK_ABOVE)


@dataclass(frozen=True)
class _Mark:
    """A place in the text: its 1-based line, the line's text and the character there."""

    line: int
    column: int
    text: str

    @classmethod
    def of(cls, mark: yaml.Mark | None, lines: list[str]) -> _Mark:
        if mark is None:
            return cls(1, 0, lines[0] if lines else "")
        index = min(mark.line, len(lines) - 1)
        return cls(index + 1, mark.column, lines[index])

    @property
    def char(self) -> str:
        return self.text[self.column : self.column + 1]


def _colon_in_value(at: _Mark, lines: list[str]) -> Explained:
    """``: `` where a value was being read: in the value itself (``note: Pricing: up``), or at
    the next key because the line above never ended its value (``owner:maria``), or because
    this line is indented more than the one above."""
    before = at.text[: at.column]
    if re.search(r":\s", before):
        return Explained(
            at.line, "the value holds a colon followed by a space", _in_quotes(at.text)
        )
    above = _content_line_above(lines, at.line)
    if above is not None and COLON_WITHOUT_SPACE.match(lines[above - 1]):
        return _missing_space(above, lines[above - 1])
    if above is not None and _indent(at.text) > _indent(lines[above - 1]):
        return Explained(
            at.line,
            "this line is indented more than the line above",
            "indent it as far as the line above",
        )
    return Explained(at.line, "a colon where YAML did not expect one", LOOK_ABOVE)


def _no_colon(start: _Mark) -> Explained:
    """A line that starts like a key but never reaches ``: ``."""
    if COLON_WITHOUT_SPACE.match(start.text):
        return _missing_space(start.line, start.text)
    words = start.text.strip()
    return Explained(
        start.line,
        f"{quote(words)} is not followed by a colon",
        "write key: value, or indent text that continues the value above",
    )


def _missing_space(line: int, text: str) -> Explained:
    return Explained(line, "a colon must be followed by a space", _with_space(text))


def missing_space_hint(text: str) -> str | None:
    """For text that YAML read as one value but was meant as ``key: value`` (``2026-01:90``
    alone under ``values:``): the fix, or None."""
    if not COLON_WITHOUT_SPACE.match(text):
        return None
    return f"a colon must be followed by a space: {_with_space(text)}"


def _with_space(text: str) -> str:
    """``'owner:maria' -> 'owner: maria'``."""
    fixed = COLON_WITHOUT_SPACE.sub(r"\1: ", text, count=1)
    return f"{quote(text.strip())} -> {quote(fixed.strip())}"


def _unexpected_here(at: _Mark) -> Explained:
    """The parser wanted the next key: a list item, text after a value, or a line whose
    indentation matches no level above."""
    if at.char == "-":
        return Explained(
            at.line,
            "a list item (- ...) where a key was expected",
            "indent the list under its key, or check the indentation of the line above",
        )
    before = at.text[: at.column]
    if before.endswith(('"', "'")) and at.column > _indent(at.text):
        return _quote_inside(at.line, before[-1])
    if at.column > _indent(at.text):
        return Explained(
            at.line,
            f"unexpected text after the value: {quote(at.text[at.column :].strip())}",
            "keep the whole value inside one pair of quotes",
        )
    return Explained(
        at.line,
        "the indentation of this line does not match the lines above",
        "indent it with as many spaces as the keys at its level",
    )


def _quote_inside(line: int, mark: str) -> Explained:
    """``'it's fine'``: the quote mark inside the text closed it."""
    if mark == "'":
        hint = "write '' for a ' inside single quotes, or put the text in double quotes"
    else:
        hint = 'write \\" for a " inside double quotes, or put the text in single quotes'
    return Explained(line, f"a {mark} inside the text ends it early", hint)


def _reserved_start(at: _Mark) -> Explained:
    """``owner: @maria``: YAML reserves ``@`` and `````; ``*`` and ``&`` start an alias or an
    anchor, ``%`` a directive."""
    char = at.char or at.text.lstrip()[:1]
    return Explained(at.line, f"a value cannot start with {char}", _in_quotes(at.text))


def _in_quotes(text: str) -> str:
    """The hint for a value YAML cannot read plainly: the line with the value in quotes."""
    found = KEY_AND_VALUE.match(text)
    if found is None:
        return "put the value in double quotes"
    value = found.group(2).replace("\\", "\\\\").replace('"', '\\"')
    line = found.group(1) + ': "' + value + '"'
    return f"put the value in double quotes: {excerpt(line)}"


def _quoted(start: _Mark, problem: str) -> Explained:
    if "escape" in problem:
        return Explained(
            start.line,
            "unknown escape (a backslash) in double quotes",
            "write \\\\ for a backslash, or use single quotes",
        )
    if "end of stream" in problem or "document" in problem:
        return Explained(
            start.line,
            "a quote that opens on this line is never closed",
            "end the text with the same quote mark",
        )
    return Explained(start.line, f"YAML syntax: {excerpt(problem)}", LOOK_ABOVE)


def _unclosed_bracket(start: _Mark, problem: str) -> Explained:
    opening, closing = ("{", "}") if "'}'" in problem else ("[", "]")
    return Explained(
        start.line,
        f"the {opening} on this line is not closed, or its entries lack a comma",
        f"close it with {closing} and separate the entries with commas",
    )


def _content_line_above(lines: list[str], line: int) -> int | None:
    """The number of the nearest line above ``line`` that holds more than a comment."""
    for number in range(line - 1, 0, -1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _parser_words(error: yaml.MarkedYAMLError) -> str:
    """The parser's words; they may quote the file (a tag, an escape), so they are cut short."""
    text = ", ".join(p for p in (error.context, error.problem) if p)
    return text if len(text) <= MAX_PARSER_WORDS else text[: MAX_PARSER_WORDS - 1] + "…"
