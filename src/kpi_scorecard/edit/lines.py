"""Record values and notes in KPI files, changing only the text they touch.

The file is parsed once with the same YAML parser the validator uses (PyYAML on libyaml), so a
file that validates can always be edited, and positions are counted the way the validator counts
lines. Every node carries its character offsets; each edit becomes a replacement or an insertion
at an offset of the original text, and all of them are applied in one pass. Comments, key order,
quoting, blank lines, line endings, flow style and the spelling of other nulls (``~``, ``null``,
empty) stay byte for byte as they were, and the cost is linear in the size of the file.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml

from kpi_scorecard.errors import ScorecardError, quote
from kpi_scorecard.model import number_literal
from kpi_scorecard.read.load import NULL_WORDS

try:  # the validator's parser: whatever it accepts, the editor accepts
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is part of the PyYAML wheels
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

INDENT = "  "
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""Line breaks as YAML 1.1 (and so the validator) counts them; ``str.splitlines`` counts more."""
BLANK = " \t\r\n\x85\u2028\u2029"
UNSAFE_IN_QUOTES = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
"""Characters json.dumps leaves as they are that YAML reads as line breaks or refuses raw."""

Wanted = dict[str, "str | Wanted"]
"""Key -> a formatted YAML scalar, or the entries wanted in the mapping under that key."""


class EditError(ScorecardError):
    """The file cannot be edited in place (it does not have the shape of a KPI file)."""


@dataclass(frozen=True)
class Edit:
    """One month of one KPI file: a value (None = "not reported") and/or a note; with a
    segment, the value goes to ``segments.<segment>``."""

    month: str
    value: float | None
    set_value: bool = True
    note: str | None = None
    segment: str | None = None


def number_text(value: float | None) -> str:
    """How a value is written: ``null``, ``42``, ``31.4``."""
    return "null" if value is None else number_literal(value)


def note_text(note: str) -> str:
    """A note as a one-line double-quoted YAML scalar: JSON's escapes are YAML's, and the
    characters YAML would read as line breaks (or refuses raw) are escaped too."""
    quoted = json.dumps(note, ensure_ascii=False)
    return UNSAFE_IN_QUOTES.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def apply_edits(text: str, edits: list[Edit]) -> str:
    """The file's text with every edit applied."""
    # The parser does not count a byte order mark at the start in its offsets
    body = text.lstrip("\ufeff")
    return text[: len(text) - len(body)] + _apply(body, edits)


def _apply(text: str, edits: list[Edit]) -> str:
    try:
        events = yaml.parse(text, Loader=_Loader)
        root = next(e for e in events if isinstance(e, yaml.NodeEvent | yaml.CollectionStartEvent))
        tree = _node(events, root)
    except yaml.YAMLError as error:
        raise EditError(f"the file does not parse: {error}") from None
    except StopIteration:
        raise EditError("the file is empty") from None
    if tree.entries is None:
        raise EditError("the file is not a mapping")
    plan = _Plan(text, _newline_of(text))
    plan.fill(tree, wanted_entries(edits))
    return plan.applied()


def wanted_entries(edits: list[Edit]) -> Wanted:
    """The edits as nested entries: ``{"values": {"2026-01": "5"}, "notes": {...}}``."""
    wanted: Wanted = {}
    for edit in edits:
        if edit.set_value:
            path = ["segments", edit.segment] if edit.segment else ["values"]
            _put(wanted, [*path, edit.month], number_text(edit.value))
        if edit.note is not None:
            _put(wanted, ["notes", edit.month], note_text(edit.note))
    return wanted


def _put(wanted: Wanted, keys: list[str], scalar: str) -> None:
    for key in keys[:-1]:
        child = wanted.setdefault(key, {})
        assert isinstance(child, dict)  # only leaves are months, never on the way down
        wanted = child
    wanted[keys[-1]] = scalar


def _newline_of(text: str) -> str:
    """The line ending new lines get: the one most lines of the file use."""
    crlf = text.count("\r\n")
    lf, cr = text.count("\n") - crlf, text.count("\r") - crlf
    counts = {"\r\n": crlf, "\n": lf, "\r": cr}
    return max(counts, key=lambda ending: (counts[ending], ending == "\n"))


@dataclass(slots=True)
class _Node:
    """Where a node is in the text: all the editor needs (the parser's events, without the
    tag resolution and objects of a composed tree)."""

    start: int
    column: int
    """Characters from the start of its line to ``start``."""
    end: int
    flow: bool = False
    text: str | None = None
    """A scalar's value (None for collections)."""
    plain: bool = False
    """A scalar without quotes, block style or tag."""
    block_scalar: bool = False
    entries: list[tuple[_Node, _Node]] | None = None
    """A mapping's keys and values (None for scalars and sequences)."""
    items: list[_Node] | None = None


def _node(events: Iterator[yaml.Event], event: yaml.Event) -> _Node:
    start, column = _position(event.start_mark)
    node = _Node(start, column, _position(event.end_mark)[0])
    if isinstance(event, yaml.ScalarEvent):
        node.text = event.value
        node.plain = not event.style and event.tag is None
        node.block_scalar = event.style in ("|", ">")
    elif isinstance(event, yaml.MappingStartEvent):
        node.flow, node.entries = bool(event.flow_style), []
        for key_event in events:
            if isinstance(key_event, yaml.MappingEndEvent):
                node.end = _position(key_event.end_mark)[0]
                break
            key = _node(events, key_event)
            node.entries.append((key, _node(events, next(events))))
    elif isinstance(event, yaml.SequenceStartEvent):
        node.flow, node.items = bool(event.flow_style), []
        for item_event in events:
            if isinstance(item_event, yaml.SequenceEndEvent):
                node.end = _position(item_event.end_mark)[0]
                break
            node.items.append(_node(events, item_event))
    return node  # an alias: the validator refuses them, so it is never edited


def _position(mark: yaml.error.Mark | yaml._yaml.Mark | None) -> tuple[int, int]:
    """(offset, column); the parser gives every event its marks."""
    return (0, 0) if mark is None else (mark.index, mark.column)


@dataclass(order=True)
class _Change:
    start: int
    order: int
    end: int = field(compare=False)
    text: str = field(compare=False)


class _Plan:
    """Replacements and insertions at offsets of the original text, applied at once."""

    def __init__(self, text: str, newline: str) -> None:
        self.text = text
        self.newline = newline
        self.changes: list[_Change] = []
        self.filled: set[int] = set()
        """Offsets of empty flow mappings ``{}`` that got an entry already."""

    def change(self, start: int, end: int, new: str) -> None:
        self.changes.append(_Change(start, len(self.changes), end, new))

    def applied(self) -> str:
        pieces, position = [], 0
        for change in sorted(self.changes):
            pieces += [self.text[position : change.start], change.text]
            position = change.end
        pieces.append(self.text[position:])
        return "".join(pieces)

    # -- planning ------------------------------------------------------------------------

    def fill(self, mapping: _Node, wanted: Wanted) -> None:
        """Set every wanted entry of ``mapping``: replace, descend, or add."""
        existing = {key.text: (key, value) for key, value in mapping.entries or ()}
        new: Wanted = {}
        for key, want in wanted.items():
            if key not in existing:
                new[key] = want
            elif isinstance(want, str):
                self.replace_scalar(existing[key][1], want)
            else:
                self.fill_child(mapping, *existing[key], want)
        if new:
            self.add(mapping, _in_order(new))

    def fill_child(self, mapping: _Node, key: _Node, value: _Node, want: Wanted) -> None:
        if value.entries is not None:
            self.fill(value, want)
        elif _is_null(value) and mapping.flow:
            self.replace_scalar(value, _flow(want))
        elif _is_null(value):
            start = value.start
            while start > 0 and self.text[start - 1] in " \t":
                start -= 1
            self.change(start, value.end, "")
            indent = _indent(key) + INDENT
            self.insert_lines(_content_end(self.text, value), self.block(_in_order(want), indent))
        else:
            raise EditError(f"{quote(key.text or '')} is not a mapping")

    def replace_scalar(self, node: _Node, scalar: str) -> None:
        if node.text is None:
            raise EditError(f"expected a value at offset {node.start}, found a collection")
        start, end = node.start, _content_end(self.text, node)
        gap = "" if start > 0 and self.text[start - 1] in " \t" else " "
        self.change(start, end, gap + scalar)

    def add(self, mapping: _Node, new: Wanted) -> None:
        """New entries: a month before the next month the mapping has, anything else (and a
        month later than all) at the end."""
        entries = mapping.entries or []
        keys = sorted((key.text or "", index) for index, (key, _) in enumerate(entries))
        for name, want in new.items():
            later = None
            if isinstance(want, str):
                at = bisect.bisect_right(keys, (name, len(keys)))
                later = entries[keys[at][1]][0] if at < len(keys) else None
            if mapping.flow:
                self.add_to_flow(mapping, name, want, later)
            elif later is not None:
                position = later.start - later.column
                self.change(position, position, self.block({name: want}, _indent(later)))
            else:
                lines = self.block({name: want}, _indent(entries[-1][0]))
                self.insert_lines(_content_end(self.text, mapping), lines)

    def add_to_flow(
        self, mapping: _Node, name: str, want: str | Wanted, later: _Node | None
    ) -> None:
        entry = f"{name}: {_flow(want)}"
        if later is not None:
            self.change(later.start, later.start, f"{entry}, ")
        elif not mapping.entries:  # ``{}``: right after the brace
            position = mapping.start + 1
            self.change(position, position, f", {entry}" if position in self.filled else entry)
            self.filled.add(position)
        else:
            end = _content_end(self.text, mapping.entries[-1][1])
            self.change(end, end, f", {entry}")

    def insert_lines(self, after: int, lines: str) -> None:
        """``lines`` at the start of the line after offset ``after``."""
        match = LINE_BREAK.search(self.text, after)
        if match is None:  # the last line has no line break: give it one
            self.change(len(self.text), len(self.text), self.newline + lines)
        else:
            self.change(match.end(), match.end(), lines)

    def block(self, wanted: Wanted, indent: str) -> str:
        lines = []
        for name, want in wanted.items():
            if isinstance(want, str):
                lines.append(f"{indent}{name}: {want}{self.newline}")
            else:
                lines.append(f"{indent}{name}:{self.newline}")
                lines.append(self.block(_in_order(want), indent + INDENT))
        return "".join(lines)


def _in_order(wanted: Wanted) -> Wanted:
    """Months in month order; other keys (segments, sections) as they came."""
    months = sorted(key for key, want in wanted.items() if isinstance(want, str))
    return {**{key: wanted[key] for key in months}, **wanted}


def _flow(want: str | Wanted) -> str:
    if isinstance(want, str):
        return want
    return "{" + ", ".join(f"{key}: {_flow(value)}" for key, value in _in_order(want).items()) + "}"


def _is_null(node: _Node) -> bool:
    return node.plain and node.text in NULL_WORDS


def _content_end(text: str, node: _Node) -> int:
    """The offset just after the last character of ``node``'s content: for a block mapping or
    sequence, the end of its last entry (the parser's own end is the next token, after any
    comments); for a block scalar, its last non-blank character (the parser's end comes after
    the trailing blank lines)."""
    while not node.flow and (node.entries or node.items):
        node = node.entries[-1][1] if node.entries else node.items[-1]  # type: ignore[index]
    end = node.end
    if node.block_scalar:
        header_end = _line_end(text, node.start)
        while end > header_end and text[end - 1] in BLANK:
            end -= 1
    return end


def _indent(key: _Node) -> str:
    return " " * key.column


def _line_end(text: str, offset: int) -> int:
    match = LINE_BREAK.search(text, offset)
    return match.start() if match is not None else len(text)
