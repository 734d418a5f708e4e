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


_ONE_LINE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


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
        text = f"{self.path}:{self.line}: {self.severity}: {self.message}"
        if self.expected:
            text += f" ({self.expected})"
        # One problem, one line, whatever a message quotes (see quote()).
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
