"""A KPI file's earlier version read from its later one, when they differ only by months.

A team's monthly update adds a month to every file, so every past review (contract 5.1) would
parse every file again. When the ``values:`` and ``notes:`` blocks of both versions hold only
entries that are a line of their own (no quotes, block scalars, flow collections, anchors or
tags: nothing that could go on to another line), the YAML of a file is its other lines plus
those entries, in any order. If the other lines are the same, the earlier KPI is the later one
with its months as the earlier blocks have them: a month it does not have is left out, and a
month added or written otherwise is read by the parser from that one line. Anything else (a
changed definition, a note over two lines, a file that did not read cleanly) is left to the
parser. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import re
from typing import NamedTuple

from kpi_scorecard.errors import Problems
from kpi_scorecard.model import Kpi, Month, parse_month
from kpi_scorecard.read.load import load_bytes
from kpi_scorecard.read.validate import read_kpi

MONTH_BLOCKS = ("values", "notes")
_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(.*)")
_TOP_LEVEL_LINE = re.compile(r"^[^ \t#\n][^\n]*", re.MULTILINE)
"""A top-level line (a comment or a blank line is not one)."""
_ENTRY_LINE = re.compile(r"^ +\d{4}-\d{2}:(?:[ \t][^\n]*)?$\n?", re.MULTILINE)
"""An entry of a month block, with its line break."""
_MONTH_AND_ENTRY = re.compile(
    r"^(?= +(\d{4}-\d{2}):)( +\d{4}-\d{2}:(?:[ \t][^\n]*)?)$", re.MULTILINE
)
"""An entry's month as written, and its line."""
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
_ONE_ENTRY = "name: x\ndescription: x\ncategory: x\nowner: x\nbetter: higher\n{block}:\n{line}\n"
"""A KPI file around one entry, for the parser to read that entry as in any file."""


class _Layout(NamedTuple):
    other: list[str]
    """Every line but the entries of the simple month blocks, in order."""
    entries: dict[str, dict[str, str]]
    """Simple month block -> its entries' months as written -> their lines."""
    keys: dict[str, int]
    """Top-level key -> its line (from 1)."""


def kpi_before(later: Kpi, later_text: bytes, earlier_text: bytes) -> Kpi | None:
    """The KPI of ``earlier_text``, read from ``later`` (the KPI of ``later_text``, read without
    a problem); None when the texts differ otherwise than by month entries."""
    now, then = _layout(later_text), _layout(earlier_text)
    if now is None or then is None or now.other != then.other:
        return None
    if now.entries.keys() != then.entries.keys() or not later.lines.keys() <= then.keys.keys():
        return None
    values: dict[Month, float | None] = dict(later.values)
    notes: dict[Month, str] = dict(later.notes)
    added = False  # a month written otherwise, or that the later file has not: sorted again
    for block, entries in now.entries.items():
        earlier = then.entries[block]
        for written in entries.keys() - earlier.keys():
            month = parse_month(written)
            if month is None:  # pragma: no cover - the later file read without a problem
                return None
            (values if block == "values" else notes).pop(month, None)
        for _, line in earlier.items() - entries.items():
            added = True
            if block == "values" and later.segments:
                return None  # its segments may no longer add up: the parser warns
            read = _entry(block, line)
            if read is None:
                return None
            if block == "values":
                values[read[0]] = read[1].values[read[0]]
            else:
                notes[read[0]] = read[1].notes[read[0]]
    return dataclasses.replace(
        later,
        values=dict(sorted(values.items())) if added else values,
        notes=dict(sorted(notes.items())) if added else notes,
        lines={key: then.keys[key] for key in later.lines},
    )


_layouts: dict[bytes, _Layout | None] = {}
"""A file's layout by its text: past reviews read newest first, so each version is the earlier
one of a review and then the later one of the review before."""
MAX_LAYOUTS = 4096


def forget_layouts() -> None:
    """The past reviews are read: the layouts they kept are not needed any more."""
    _layouts.clear()


def _layout(text: bytes) -> _Layout | None:
    if text not in _layouts:
        if len(_layouts) >= MAX_LAYOUTS:
            _layouts.clear()
        _layouts[text] = _read_layout(text)
    return _layouts[text]


def _read_layout(text: bytes) -> _Layout | None:
    """The file's text with the entries of its simple month blocks apart; None when it is not
    UTF-8, has an odd line break, a key twice or a quoted value that goes on to another line
    (which may hold a line that looks like a key: the parser's to read)."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _ODD_BREAKS.search(decoded):
        return None
    tops = list(_TOP_LEVEL_LINE.finditer(decoded))
    other: list[str] = []
    entries: dict[str, dict[str, str]] = {}
    keys: dict[str, int] = {}
    done = 0  # what of the text is in ``other`` or ``entries`` already
    line = 1
    for index, top in enumerate(tops):
        line += decoded.count("\n", tops[index - 1].start() if index else 0, top.start())
        key = _KEY.fullmatch(top.group())
        if key is None:
            continue
        name, value = key.group(1), key.group(2).strip()
        if name in keys or not _closed(value):
            return None
        keys[name] = line
        if name not in MONTH_BLOCKS or (value and not value.startswith("#")):
            continue
        start = top.end() + 1
        end = tops[index + 1].start() - 1 if index + 1 < len(tops) else len(decoded)
        body = decoded[start:end] if start <= end else ""
        if not _SIMPLE_BLOCK.fullmatch(body):
            continue
        pairs = _MONTH_AND_ENTRY.findall(body)
        found = dict(pairs)
        if len(found) != len(pairs):
            return None  # a month twice
        entries[name] = found
        other += [decoded[done:start], _ENTRY_LINE.sub("", body)]  # its blank lines, comments
        done = end
    other.append(decoded[done:])
    return _Layout(other, entries, keys)


def _closed(value: str) -> bool:
    """Whether a top-level value that starts with a quote ends on its line (others do, at the
    top level: a plain or flow value goes on only on lines indented under its key)."""
    if value.startswith('"'):
        return value.endswith('"') and value.count('"') == 2 and "\\" not in value
    if value.startswith("'"):
        return value.endswith("'") and value.count("'") % 2 == 0
    return True


def _entry(block: str, line: str) -> tuple[Month, Kpi] | None:
    """One entry read by the parser, as it reads it in any file: its month, and a KPI that has
    just that month; None when it has a problem."""
    problems = Problems()
    document = load_bytes(
        "entry.yaml", _ONE_ENTRY.format(block=block, line=line).encode(), problems
    )
    kpi = read_kpi(document, problems)
    months = () if kpi is None else tuple(kpi.values if block == "values" else kpi.notes)
    if kpi is None or problems.items or len(months) != 1:
        return None
    return months[0], kpi
