"""Problems found in a scorecard repository, reported the way editors and CI annotate them.

Every stage collects problems instead of stopping at the first, so an author sees all of them at
once: ``path:line: error: what is wrong (expected ...)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
EXCERPT_LENGTH = 40
"""The most of a file's text a message quotes: enough to find the place, never a whole file."""


def excerpt(text: str) -> str:
    """Text from a file as a message shows it: its first line only, at most EXCERPT_LENGTH
    characters, control characters as ``?``. A message must not echo a file (a pasted
    document, or a secret behind a link) or break the one-line format."""
    lines = text.splitlines() or [""]
    shown = "".join(c if c.isprintable() else "?" for c in lines[0])
    if len(shown) > EXCERPT_LENGTH:
        return shown[: EXCERPT_LENGTH - 1] + "…"
    return shown + ("…" if len(lines) > 1 else "")


def quote(text: str) -> str:
    """``excerpt`` in quotes."""
    return f"'{excerpt(text)}'"


_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""Line breaks, control characters and lone surrogates (which cannot even be printed)."""
MESSAGE_LIMIT = 500
"""No command error is longer, however long the text it names."""
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""Characters that reorder or hide text on a terminal without being seen."""


def one_line(text: str, limit: int | None = None) -> str:
    """A name (a path, a folder) inside a one-line message: line breaks, control and bidi
    characters escaped (``\\n``, ``\\u2028``), cut to ``limit`` characters with an ellipsis."""
    text = _BIDI.sub(_escape, _ONE_LINE.sub(_escape, text))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at one place in one file."""

    path: str
    """The file, relative to the repository root, with forward slashes."""
    line: int
    """1-based line number in that file (1 when the problem is about the whole file)."""
    message: str
    """What is wrong, starting with the field it concerns when there is one."""
    expected: str | None = None
    """What was expected instead, shown in parentheses; None when there is nothing to add."""
    severity: Severity = "error"

    def __str__(self) -> str:
        # One problem, one line, whatever a message quotes (see quote()).
        return _ONE_LINE.sub(" ", f"{self.path}:{self.line}: {self.severity}: {self.text()}")

    def text(self) -> str:
        """The message and its expectation, on one line."""
        text = self.message + (f" ({self.expected})" if self.expected else "")
        return _ONE_LINE.sub(" ", text)


@dataclass
class Problems:
    """A collector: stages add to it, the caller reports everything once."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: str, expected: str | None = None) -> None:
        self.items.append(Problem(path, line, message, expected, "error"))

    def warning(self, path: str, line: int, message: str, expected: str | None = None) -> None:
        self.items.append(Problem(path, line, message, expected, "warning"))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        """In file order, so the report reads top to bottom."""
        return sorted(self.items, key=lambda p: (p.path, p.line, p.severity, p.message))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationFailed(self.sorted())


class ScorecardError(Exception):
    """Base of every error the library reports to a user (printed without a traceback)."""


class ValidationFailed(ScorecardError):
    """The repository has errors; ``problems`` holds all of them (and the warnings)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = sum(1 for p in problems if p.severity == "error")
        super().__init__(f"{errors} error{'s' if errors != 1 else ''} in the scorecard")

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)
