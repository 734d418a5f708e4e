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
_ENTRY = re.compile(r"( +)(\d{4}-\d{2}):(?:[ \t](.*))?")
_NOT_PLAIN = re.compile(r"[\"'|>\[\]{}&*!%@`,]|[-?:](?:[ \t]|$)")
"""How a value starts that is not a plain scalar on its line (it may go on over more lines)."""
_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Characters that end a line for YAML or for ``str.splitlines`` but not for the other."""


def kpi_before(later: Kpi, later_text: bytes, earlier_text: bytes) -> Kpi | None:
    """The KPI of ``earlier_text``, read from ``later`` (the KPI of ``later_text``, read without
    a problem); None when the texts differ otherwise than by whole month entries."""
    lines = _lines(later_text)
    earlier = _lines(earlier_text)
    if lines is None or earlier is None:
        return None
    removable = _month_entries(lines)
    removed: list[int] = []  # the later text's lines that the earlier one has not
    kept = 0
    for index, line in enumerate(lines):
        if kept < len(earlier) and earlier[kept] == line:
            kept += 1
        elif index in removable:
            removed.append(index)
        else:
            return None
    if kept != len(earlier):
        return None
    gone: dict[str, set[Month]] = {block: set() for block in MONTH_BLOCKS}
    for index in removed:
        block, month = removable[index]
        gone[block].add(month)
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


def _month_entries(lines: list[str]) -> dict[int, tuple[str, Month]]:
    """Line index -> (block, month) of each entry of the ``values:`` and ``notes:`` blocks
    whose every entry is a line of its own at one indentation."""
    entries: dict[int, tuple[str, Month]] = {}
    block: str | None = None
    found: dict[int, tuple[str, Month]] = {}
    indentation: str | None = None
    for index, line in enumerate([*lines, ""]):  # the last block ends at the end
        stripped = line.strip()
        if index < len(lines) and (not stripped or stripped.startswith("#")):
            continue
        if index == len(lines) or not line[0].isspace():  # a top-level line: a block ends
            if block is not None:
                entries.update(found)
            key = _KEY.fullmatch(line)
            rest = key.group(2).strip() if key else "x"
            block = key.group(1) if key and key.group(1) in MONTH_BLOCKS else None
            if block is not None and rest and not rest.startswith("#"):
                block = None  # a flow mapping on the key's line
            found, indentation = {}, None
            continue
        if block is None:
            continue
        entry = _ENTRY.fullmatch(line)
        month = parse_month(entry.group(2)) if entry else None
        value = (entry.group(3) or "").strip() if entry else ""
        if (
            entry is None
            or month is None
            or (indentation is not None and entry.group(1) != indentation)
            or _NOT_PLAIN.match(value)
        ):
            block = None  # not every entry is a line of its own: the parser reads it
            continue
        indentation = entry.group(1)
        found[index] = (block, month)
    return entries
