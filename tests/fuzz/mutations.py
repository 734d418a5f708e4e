"""Hypothesis strategies that damage valid scorecard files the way accidents and attackers do.

Each family is one kind of damage (a byte flipped, a control character, a byte order mark in the
middle, deep nesting ...), applied at a place hypothesis chooses, so a failing example shrinks to
the one edit that matters. The properties run each family on its own (so a known bug in one
family does not hide the others) and all of them mixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import strategies as st

Draw = Callable[[st.SearchStrategy[object]], object]
Mutation = Callable[[st.DrawFn, bytes], bytes]

LINE_SEPARATORS = ("\u2028", "\u2029", "\x85")
CONTROL_CHARS = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]] + [
    chr(c) for c in range(0x80, 0xA0) if c != 0x85
]
"""What YAML refuses anywhere in a file (U+0085 is a line break to YAML: LINE_SEPARATORS)."""
BOM = "\ufeff".encode()
FAKE_PROBLEM = "kpis/x.yaml:1: error: injected"
"""A line that looks like a problem: it must never appear as one of the command's own lines."""

WEIRD_TEXTS = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "a\nb",
        f"ok\n{FAKE_PROBLEM}",
        f"\n{FAKE_PROBLEM}\n",
        "a\r\nb",
        "a\rb",
        "a\u2028b",
        "a\u2029b",
        "a\x85b",
        "tab\there",
        "# not a comment",
        "a: b",
        "- item",
        "'quoted'",
        '"double"',
        "back\\slash",
        "{flow: 1}",
        "[1, 2]",
        "&anchor",
        "*alias",
        "!!python/object:os.system",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "\ufeffbom",
        "nul\x00byte",
        "bell\x07",
        "esc\x1b[31mred",
        "\U0001f600 emoji",
        "über",
        "x" * 5000,
        "%TAG ! tag:x,2000:",
        "---",
        "...",
    ]
)
"""Text for values and notes that has broken tools before: newlines, fake problem lines, ..."""


def _position(draw: st.DrawFn, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


def _line_starts(data: bytes) -> list[int]:
    return [0, *(m.end() for m in re.finditer(rb"\n", data) if m.end() < len(data))]


def _insert(draw: st.DrawFn, data: bytes, piece: bytes) -> bytes:
    at = _position(draw, data)
    return data[:at] + piece + data[at:]


def byte_flip(draw: st.DrawFn, data: bytes) -> bytes:
    if not data:
        return bytes([draw(st.integers(0, 255))])
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]


def control_char(draw: st.DrawFn, data: bytes) -> bytes:
    return _insert(draw, data, draw(st.sampled_from(CONTROL_CHARS)).encode())


def line_separator(draw: st.DrawFn, data: bytes) -> bytes:
    return _insert(draw, data, draw(st.sampled_from(LINE_SEPARATORS)).encode())


def bom(draw: st.DrawFn, data: bytes) -> bytes:
    return _insert(draw, data, BOM)


def bom_at_start(draw: st.DrawFn, data: bytes) -> bytes:
    return data if data.startswith(BOM) else BOM + data


def tab(draw: st.DrawFn, data: bytes) -> bytes:
    """A tab somewhere, as indentation, or before a comment."""
    where = draw(st.sampled_from(["anywhere", "indent", "comment"]))
    if where == "comment" and b" #" in data:
        spots = [m.start() for m in re.finditer(rb" #", data)]
        at = draw(st.sampled_from(spots))
        return data[:at] + b"\t" + data[at + 1 :]
    if where == "indent":
        at = draw(st.sampled_from(_line_starts(data)))
        return data[:at] + b"\t" + data[at:]
    return _insert(draw, data, b"\t")


def line_ends(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["crlf", "cr", "one_cr", "no_final", "mixed"]))
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    if kind == "cr":
        return data.replace(b"\n", b"\r")
    if kind == "no_final":
        return data.rstrip(b"\n")
    ends = [m.start() for m in re.finditer(rb"\n", data)]
    if not ends:
        return data + b"\r"
    at = draw(st.sampled_from(ends))
    return data[:at] + (b"\r" if kind == "one_cr" else b"\r\n") + data[at + 1 :]


SCALAR_VALUE = re.compile(
    rb"^[ \t]*[^\s#:-][^:#\n]*:[ \t]+(?P<value>[^\s#{\[][^\n#]*?)[ \t]*$", re.M
)
"""A ``key: value`` line's value, where a mutation can put other text."""


def _replace_value(draw: st.DrawFn, data: bytes, piece: bytes) -> bytes:
    spots = [m.span("value") for m in SCALAR_VALUE.finditer(data)]
    if not spots:
        return data + piece
    start, end = draw(st.sampled_from(spots))
    return data[:start] + piece + data[end:]


def deep_nesting(draw: st.DrawFn, data: bytes) -> bytes:
    depth = draw(st.integers(1, 2000))
    style = draw(st.sampled_from(["flow_seq", "flow_map", "mixed"]))
    if style == "flow_seq":
        piece = "[" * depth + "1" + "]" * depth
    elif style == "flow_map":
        piece = "{a: " * depth + "1" + "}" * depth
    else:
        piece = "[{a: " * depth + "1" + "}]" * depth
    if draw(st.booleans()):
        piece = piece[: draw(st.integers(0, len(piece)))]  # unbalanced
    return _replace_value(draw, data, piece.encode())


HUGE_NUMBERS = st.one_of(
    st.integers(300, 6000).map(lambda n: "9" * n),
    st.integers(300, 6000).map(lambda n: "0." + "0" * n + "1"),
    st.integers(300, 6000).map(lambda n: "1" + "0" * n + ".5"),
    st.sampled_from(
        ["1e400", "-1e400", "1e-400", "-0", "0x10", "0o17", "1_000", ".inf", "-.Inf", ".nan"]
    ),
    st.sampled_from(["1:30", "190:20:30", "0b101", "+12", "1.2.3", "1e", "--1", "12e+"]),
)


def huge_number(draw: st.DrawFn, data: bytes) -> bytes:
    return _replace_value(draw, data, draw(HUGE_NUMBERS).encode())


NODE_PROPERTIES = st.sampled_from(
    [
        "!!str 12",
        "!!float 12",
        "!!int 1.5",
        "!!binary aGVsbG8=",
        "!!timestamp 2026-01-01",
        "!!python/name:os.system",
        "!!python/object/apply:os.system [echo]",
        "!custom 1",
        "!<tag:yaml.org,2002:str> x",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "&a 12",
        "*a",
        "*undefined",
        "&a [*a]",
        "{<<: {x: 1}}",
        "!!null",
        "!!bool yes",
        "? complex\n  : key",
    ]
)


def yaml_node_properties(draw: st.DrawFn, data: bytes) -> bytes:
    """Tags, anchors and aliases (an alias also where its anchor comes later or never)."""
    data = _replace_value(draw, data, draw(NODE_PROPERTIES).encode())
    if draw(st.booleans()):
        data = _replace_value(draw, data, b"&a 1")
    return data


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def duplicate_line(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    at = draw(st.integers(0, len(lines) - 1))
    target = draw(st.integers(0, len(lines)))
    lines.insert(target, lines[at])
    return b"\n".join(lines)


def truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: _position(draw, data)]


def line_edit(draw: st.DrawFn, data: bytes) -> bytes:
    """A line deleted, moved, indented or dedented."""
    lines = _lines(data)
    at = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["delete", "move", "indent", "dedent"]))
    if kind == "delete":
        del lines[at]
    elif kind == "move":
        lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(at))
    elif kind == "indent":
        lines[at] = b" " * draw(st.integers(1, 5)) + lines[at]
    else:
        lines[at] = lines[at].lstrip(b" ")
    return b"\n".join(lines)


def text_value(draw: st.DrawFn, data: bytes) -> bytes:
    """A value replaced by text that has broken tools before, plain, quoted or as a block."""
    text = draw(WEIRD_TEXTS)
    style = draw(st.sampled_from(["plain", "double", "single", "block"]))
    if style == "double":
        piece = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif style == "single":
        piece = "'" + text.replace("'", "''") + "'"
    elif style == "block":
        indicator = draw(st.sampled_from(["|", ">", "|-", ">-", "|+", "|2"]))
        piece = indicator + "".join(f"\n    {line}" for line in text.split("\n"))
    else:
        piece = text
    return _replace_value(draw, data, piece.encode("utf-8", "surrogatepass"))


FAMILIES: dict[str, Mutation] = {
    "byte_flip": byte_flip,
    "control_char": control_char,
    "line_separator": line_separator,
    "bom": bom,
    "tab": tab,
    "line_ends": line_ends,
    "deep_nesting": deep_nesting,
    "huge_number": huge_number,
    "yaml_node_properties": yaml_node_properties,
    "duplicate_line": duplicate_line,
    "truncate": truncate,
    "line_edit": line_edit,
    "text_value": text_value,
}


@st.composite
def mutated(draw: st.DrawFn, data: bytes, families: tuple[str, ...]) -> bytes:
    """``data`` after one to three mutations of the given families (a BOM at the start on
    top sometimes: a file saved by Notepad)."""
    for _ in range(draw(st.integers(1, 3))):
        family = FAMILIES[draw(st.sampled_from(families))]
        data = family(draw, data)
    if draw(st.integers(0, 9)) == 0:
        data = bom_at_start(draw, data)
    return data
