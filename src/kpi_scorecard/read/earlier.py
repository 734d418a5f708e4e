"""A KPI file's earlier version read from its later one, when they differ only by months.

A team's monthly update adds a month to every file, so every past review (contract 5.1) would
parse every file again. When the earlier text is the later one less some entries of its
``values:`` and ``notes:`` blocks, and every entry of those blocks is a line of its own (no
quotes, block scalars, flow collections, anchors or tags: nothing that could go on to another
line), the earlier file is the same YAML less those keys, so its KPI is the later KPI less
those months. Anything else (a restatement, a changed definition, a note over two lines, a
file that did not read cleanly) is left to the parser. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import re

from kpi_scorecard.model import Kpi, Month, parse_month

MONTH_BLOCKS = ("values", "notes")
_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(.*)")
_ENTRY = re.compile(r" +(\d{4}-\d{2}):(?:[ \t].*)?")
_VALUE = r"(?:[ \t]++(?![\"'|>\[\]{}&*!%@`,]|[-?:](?:[ \t]|\n|\Z))[^\n]*)?"
"""After a month's colon: nothing, or a plain scalar on its line (not something that starts
as a quoted or block scalar, a flow collection, an anchor, an alias or a tag may)."""
_OTHER = r"[ \t]*(?:#[^\n]*)?"
"""A blank line, or a comment."""
_SIMPLE_BLOCK = re.compile(
    rf"(?:{_OTHER}\n)*(?P<i> +)\d{{4}}-\d{{2}}:{_VALUE}"
    rf"(?:\n(?:(?P=i)\d{{4}}-\d{{2}}:{_VALUE}|{_OTHER}))*"
)
"""A block whose every entry is a month and its value on one line, all at one indentation."""
_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Characters that end a line for YAML or for ``str.splitlines`` but not for the other."""


def kpi_before(later: Kpi, later_text: bytes, earlier_text: bytes) -> Kpi | None:
    """The KPI of ``earlier_text``, read from ``later`` (the KPI of ``later_text``, read without
    a problem); None when the texts differ otherwise than by whole month entries."""
    lines = _lines(later_text)
    earlier = _lines(earlier_text)
    removed = None if lines is None or earlier is None else _removed(lines, earlier)
    gone = None if removed is None or lines is None else _months_removed(lines, removed)
    if removed is None or gone is None:
        return None
    return dataclasses.replace(
        later,
        values={m: v for m, v in later.values.items() if m not in gone["values"]},
        notes={m: n for m, n in later.notes.items() if m not in gone["notes"]},
        lines={
            key: line - sum(1 for i in removed if i < line - 1) for key, line in later.lines.items()
        },
    )


def _lines(text: bytes) -> list[str] | None:
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _ODD_BREAKS.search(decoded) else decoded.split("\n")


def _removed(lines: list[str], earlier: list[str]) -> list[int] | None:
    """The indexes of the later lines that the earlier text has not, when it has every other
    one, in order; None when it has more."""
    removed: list[int] = []
    kept = 0
    for index, line in enumerate(lines):
        if kept < len(earlier) and earlier[kept] == line:
            kept += 1
        else:
            removed.append(index)
    return removed if kept == len(earlier) else None


def _months_removed(lines: list[str], removed: list[int]) -> dict[str, set[Month]] | None:
    """``values`` and ``notes`` -> the months of the removed lines, when each is an entry of
    such a block whose every entry is a line of its own; else None."""
    gone: dict[str, set[Month]] = {block: set() for block in MONTH_BLOCKS}
    blocks: dict[int, str | None] = {}  # a block's key line -> its name when it is simple
    for index in removed:
        entry = _ENTRY.fullmatch(lines[index])
        start = _key_line(lines, index)
        if entry is None or start is None:
            return None
        if start not in blocks:
            blocks[start] = _simple_block(lines, start)
        block, month = blocks[start], parse_month(entry.group(1))
        if block is None or month is None:
            return None
        gone[block].add(month)
    return gone


def _key_line(lines: list[str], index: int) -> int | None:
    """The top-level line above ``index`` (blank lines and comments aside)."""
    for above in range(index - 1, -1, -1):
        if _top_level(lines[above]):
            return above
    return None


def _top_level(line: str) -> bool:
    return bool(line) and not line[0].isspace() and not line.startswith("#")


def _simple_block(lines: list[str], start: int) -> str | None:
    """The name of the ``values:`` or ``notes:`` block at ``start`` when every entry of it is
    a line of its own; else None."""
    key = _KEY.fullmatch(lines[start])
    if key is None or key.group(1) not in MONTH_BLOCKS:
        return None
    rest = key.group(2).strip()
    if rest and not rest.startswith("#"):  # a flow mapping on the key's line
        return None
    end = next((i for i in range(start + 1, len(lines)) if _top_level(lines[i])), len(lines))
    body = "\n".join(lines[start + 1 : end])
    return key.group(1) if _SIMPLE_BLOCK.fullmatch(body) else None
