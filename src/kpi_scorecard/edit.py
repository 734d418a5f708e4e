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

_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>'[^']*'|\"[^\"]*\"|[^\s:#]+)\s*:(?P<rest>.*)$")


@dataclass(frozen=True)
class Edit:
    """One month of one KPI file: a value (None = "not reported") and/or a note."""

    month: str
    value: float | None
    set_value: bool = True
    note: str | None = None


def number_text(value: float | None) -> str:
    """How a value is written: ``null``, ``42``, ``31.4``."""
    if value is None:
        return "null"
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def apply_edits(text: str, edits: list[Edit]) -> str:
    """The file's text with every edit applied, in order."""
    for edit in edits:
        if edit.set_value:
            text = set_month(text, "values", edit.month, number_text(edit.value))
        if edit.note is not None:
            text = set_month(text, "notes", edit.month, json.dumps(edit.note, ensure_ascii=False))
    return text


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def set_month(text: str, section: str, month: str, scalar: str) -> str:
    """Set ``section[month]`` to the YAML scalar ``scalar`` (already formatted)."""
    data = _yaml().load(text)
    if not isinstance(data, CommentedMap):
        raise ValueError("the file is not a mapping")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    mapping = data.get(section)
    if section not in data:
        return "".join(lines) + f"{section}:\n  {month}: {scalar}\n"
    if mapping is None:
        line = data.lc.key(section)[0]
        lines.insert(line + 1, f"  {month}: {scalar}\n")
        return "".join(lines)
    if not isinstance(mapping, CommentedMap) or mapping.fa.flow_style() or not mapping:
        return _rewrite(data, section, month, scalar)
    if month in mapping:
        return _replace_entry(lines, data, section, mapping, month, scalar)
    return _insert_entry(lines, data, section, mapping, month, scalar)


def _entry_end(
    lines: list[str], data: CommentedMap, section: str, mapping: CommentedMap, key: str
) -> int:
    """The line index after the last line of ``mapping[key]`` (a multi-line note included)."""
    keys = list(mapping)
    following = keys[keys.index(key) + 1 :]
    end = mapping.lc.key(following[0])[0] if following else _section_end(lines, data, section)
    start = mapping.lc.key(key)[0]
    while end - 1 > start and _is_blank_or_comment(lines[end - 1]):
        end -= 1
    return end


def _section_end(lines: list[str], data: CommentedMap, section: str) -> int:
    top = list(data)
    following = top[top.index(section) + 1 :]
    return int(data.lc.key(following[0])[0]) if following else len(lines)


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _replace_entry(
    lines: list[str],
    data: CommentedMap,
    section: str,
    mapping: CommentedMap,
    month: str,
    scalar: str,
) -> str:
    start = mapping.lc.key(month)[0]
    end = _entry_end(lines, data, section, mapping, month)
    match = _KEY_LINE.match(lines[start].rstrip("\n"))
    if match is None:  # pragma: no cover - ruamel found a key on this line
        return _rewrite(data, section, month, scalar)
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


def _insert_entry(
    lines: list[str],
    data: CommentedMap,
    section: str,
    mapping: CommentedMap,
    month: str,
    scalar: str,
) -> str:
    keys = [str(k) for k in mapping]
    before = [k for k in keys if k < month]
    after = [k for k in keys if k > month]
    indent = " " * mapping.lc.key(keys[0])[1] if keys else "  "
    if after:
        position = mapping.lc.key(after[0])[0]
    else:
        position = _entry_end(lines, data, section, mapping, before[-1])
    lines.insert(position, f"{indent}{month}: {scalar}\n")
    return "".join(lines)


def _rewrite(data: CommentedMap, section: str, month: str, scalar: str) -> str:
    """Flow-style sections: set the key and let ruamel.yaml write the document."""
    value: Any = json.loads(scalar) if scalar != "null" else None
    mapping = data.get(section)
    if not isinstance(mapping, CommentedMap):
        mapping = CommentedMap()
        data[section] = mapping
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
