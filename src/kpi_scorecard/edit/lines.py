"""Record values and notes in KPI files, changing only the lines they touch.

ruamel.yaml's round-trip parser locates every key and value (line and column); the edit is then
made on those lines of the original text, so comments, key order, quoting, blank lines and even
the spelling of other nulls (``~``, ``null``, empty) stay byte for byte as they were. A mapping
written in flow style (``values: {2026-01: 1}``) is re-emitted by ruamel.yaml instead.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from kpi_scorecard.model import number_literal

_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>'[^']*'|\"[^\"]*\"|[^\s:#]+)\s*:(?P<rest>.*)$")
INDENT = "  "

Chain = list[tuple[CommentedMap, str]]
"""(mapping, key) from the document down to the entry being edited."""


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


def apply_edits(text: str, edits: list[Edit]) -> str:
    """The file's text with every edit applied, in order."""
    for edit in edits:
        if edit.set_value:
            path = ("segments", edit.segment) if edit.segment else ("values",)
            text = set_month(text, path, edit.month, number_text(edit.value))
        if edit.note is not None:
            text = set_month(
                text, ("notes",), edit.month, json.dumps(edit.note, ensure_ascii=False)
            )
    return text


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def set_month(text: str, path: tuple[str, ...], month: str, scalar: str) -> str:
    """Set ``<path>[month]`` (``("values",)`` or ``("segments", "seo")``) to ``scalar``, a YAML
    scalar already formatted, creating the mappings on the way when they are missing."""
    data = _yaml().load(text)
    if not isinstance(data, CommentedMap):
        raise ValueError("the file is not a mapping")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    chain: Chain = []
    mapping = data
    for depth, key in enumerate(path):
        if not _is_block(mapping):
            return _rewrite(data, path, month, scalar)
        if key not in mapping:
            return _add_entry(lines, chain, mapping, [*path[depth:], month], scalar)
        chain.append((mapping, key))
        child = mapping[key]
        if child is None:
            line = mapping.lc.key(key)[0]
            indent = _indent_of(lines[line]) + INDENT
            lines.insert(
                line + 1, "".join(_nested_lines([*path[depth + 1 :], month], scalar, indent))
            )
            return "".join(lines)
        mapping = child
    if not _is_block(mapping) or not mapping:
        return _rewrite(data, path, month, scalar)
    if month in mapping:
        return _replace_entry(lines, [*chain, (mapping, month)], scalar)
    return _add_entry(lines, chain, mapping, [month], scalar)


def _is_block(node: Any) -> bool:
    return isinstance(node, CommentedMap) and not node.fa.flow_style()


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]


def _nested_lines(keys: list[str], scalar: str, indent: str) -> list[str]:
    """``a:\\n  b:\\n    month: value\\n`` for keys [a, b, month] at ``indent``."""
    lines = []
    for depth, key in enumerate(keys[:-1]):
        lines.append(f"{indent}{INDENT * depth}{key}:\n")
    lines.append(f"{indent}{INDENT * (len(keys) - 1)}{keys[-1]}: {scalar}\n")
    return lines


def _entry_end(lines: list[str], chain: Chain) -> int:
    """The line index after the last line of the entry ``chain[-1]`` (a multi-line note or a
    nested mapping included), leaving out trailing blank and comment lines."""
    mapping, key = chain[-1]
    keys = list(mapping)
    following = keys[keys.index(key) + 1 :]
    if following:
        end = int(mapping.lc.key(following[0])[0])
    elif len(chain) > 1:
        end = _entry_end(lines, chain[:-1])
    else:
        end = len(lines)
    start = int(mapping.lc.key(key)[0])
    while end - 1 > start and _is_blank_or_comment(lines[end - 1]):
        end -= 1
    return end


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _replace_entry(lines: list[str], chain: Chain, scalar: str) -> str:
    mapping, month = chain[-1]
    start = mapping.lc.key(month)[0]
    end = _entry_end(lines, chain)
    match = _KEY_LINE.match(lines[start].rstrip("\n"))
    if match is None:  # pragma: no cover - ruamel found a key on this line
        raise ValueError(f"cannot read line {start + 1}")
    comment = _trailing_comment(match.group("rest")) if end == start + 1 else ""
    lines[start:end] = [f"{match.group('indent')}{match.group('key')}: {scalar}{comment}\n"]
    return "".join(lines)


def _trailing_comment(rest: str) -> str:
    """`` # ...`` after a plain scalar, kept when its value is replaced."""
    stripped = rest.strip()
    if stripped.startswith(("'", '"')):
        return ""
    match = re.search(r"\s+#.*$", rest)
    return match.group(0) if match else ""


def _add_entry(
    lines: list[str], chain: Chain, mapping: CommentedMap, keys: list[str], scalar: str
) -> str:
    """A new entry in ``mapping``: months in order, anything else at the end."""
    existing = [str(k) for k in mapping]
    if not existing:  # only the document itself can be an empty block mapping here
        return "".join(lines) + "".join(_nested_lines(keys, scalar, ""))
    indent = " " * mapping.lc.key(existing[0])[1]
    later = [k for k in existing if k > keys[0]] if len(keys) == 1 else []
    if later:
        position = int(mapping.lc.key(later[0])[0])
    else:
        position = _entry_end(lines, [*chain, (mapping, existing[-1])])
    lines[position:position] = _nested_lines(keys, scalar, indent)
    return "".join(lines)


def _rewrite(data: CommentedMap, path: tuple[str, ...], month: str, scalar: str) -> str:
    """Flow-style mappings: set the key and let ruamel.yaml write the document."""
    value: Any = json.loads(scalar) if scalar != "null" else None
    mapping = data
    for key in path:
        child = mapping.get(key)
        if not isinstance(child, CommentedMap):
            child = CommentedMap()
            mapping[key] = child
        mapping = child
    if month not in mapping:
        position = sum(1 for key in mapping if str(key) < month)
        mapping.insert(position, month, value)
    else:
        mapping[month] = value
    buffer = io.StringIO()
    yaml = _yaml()
    yaml.representer.add_representer(
        type(None),
        lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null"),
    )
    yaml.dump(data, buffer)
    return buffer.getvalue()
