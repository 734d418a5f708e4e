"""Find and parse the YAML files under ``kpis/``, keeping the line of every key and value.

PyYAML's C composer does the parsing (fast: about 1 s for 1,000 files of 120 months), and the
node tree it returns is turned into small ``YMap``/``YSeq``/``Scalar`` objects that remember
lines. Scalars stay as written (text, resolved tag, quoted or not): validate.py decides what a
value means, so that YAML 1.1 surprises (``no`` as false, ``.nan``, ``1:30``) become errors
instead of silent conversions. This module knows nothing about KPIs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from kpi_scorecard.errors import Problems, quote
from kpi_scorecard.read.yaml_errors import explain

try:  # the C composer keeps loading fast; the pure-Python one gives the same nodes
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - libyaml is part of the PyYAML wheels
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

MAX_REMEMBERED_TAGS = 200_000


class _Loader(_SafeLoader):
    """The safe loader, remembering the tag each plain scalar resolves to: a scorecard
    writes the same months, keys and words thousands of times, and resolving one is a
    dozen regular expressions (a quarter of composing a file). The safe loader's resolvers
    are fixed, so the tag depends on the text alone."""

    _tags: ClassVar[dict[tuple[str, tuple[bool, bool]], str]] = {}

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode or not isinstance(value, str):
            return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
        key = (value, tuple(implicit))
        tag = self._tags.get(key)
        if tag is None:
            if len(self._tags) >= MAX_REMEMBERED_TAGS:
                self._tags.clear()
            tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            self._tags[key] = tag = str(tag)
        return tag


MAX_DEPTH = 20
"""No scorecard file nests deeper; a deeper one is refused rather than recursed into."""

RESERVED_FILES = ("scorecard.yaml", "people.yaml", "events.yaml")
"""Files at the top of kpis/ that are not KPIs."""

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
DECIMAL = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
"""What a number looks like in a scorecard: 12, -3.5, .5, 1.2e6."""
NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
"""How "not reported" is written."""
NOT_IN_YAML = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
"""Characters YAML does not allow anywhere in a file (control characters, NUL)."""
LINK_OUTSIDE = "a link that leads out of the repository: it is not read"
LINK_EXPECTED = "a file or folder inside the repository"
REFUSED_TAG = "!refused"
"""Stands in for a node that was refused (and reported) here, so validation stays quiet on it."""


@dataclass(frozen=True, slots=True)
class Scalar:
    """A scalar as written in the file."""

    text: str
    tag: str
    """The tag YAML 1.1 resolves it to (str, int, float, bool, null, timestamp, ...)."""
    quoted: bool
    """Written in quotes or as a block scalar, so it is text whatever it looks like."""
    line: int


@dataclass(slots=True)
class YMap:
    """A mapping with text keys in file order; ``entries[key] = (key line, value)``."""

    line: int
    entries: dict[str, tuple[int, YNode]] = field(default_factory=dict)


@dataclass(slots=True)
class YSeq:
    line: int
    items: list[YNode] = field(default_factory=list)


YNode = Scalar | YMap | YSeq


@dataclass(frozen=True)
class Document:
    """One parsed file; ``root`` is None when the file is empty or could not be read."""

    path: str
    """Relative to the repository root, with forward slashes."""
    root: YNode | None


def kpi_files(root: Path, problems: Problems | None = None) -> list[Path]:
    """Every KPI file under ``kpis/`` in a stable order (the reserved files excluded).

    Folders that cannot be listed and links to folders outside the repository go to
    ``problems``; links to folders inside it are followed once each."""
    kpis = root / "kpis"
    problems = Problems() if problems is None else problems
    found = [p for p in _walk(root, kpis, problems, {kpis.resolve()}) if _is_yaml(p)]
    return sorted(p for p in found if p.parent != kpis or p.name not in RESERVED_FILES)


def check_links(root: Path, folder: str, problems: Problems) -> None:
    """Report every link under ``root/folder`` that leads out of the repository (mkdocs
    would publish what ``site_src/`` links to)."""
    start = root / folder
    if not start.is_dir():
        return
    for path in _walk(root, start, problems, {start.resolve()}):
        if path.is_symlink() and not _inside(root, path):
            problems.error(_relative(root, path), 1, LINK_OUTSIDE, LINK_EXPECTED)


def _is_yaml(path: Path) -> bool:
    return path.name.endswith((".yaml", ".yml"))


def _walk(root: Path, folder: Path, problems: Problems, seen: set[Path]) -> Iterator[Path]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        problems.error(_relative(root, folder), 1, f"the folder cannot be read: {_reason(error)}")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if not entry.name.isprintable():  # a line break in a name would add a CODEOWNERS rule
            shown = "".join(c if c.isprintable() else "?" for c in _relative(root, path))
            problems.error(shown, 1, "the name has a control character", "rename it")
            continue
        if _is_dir(entry):
            if entry.is_symlink() and not _inside(root, path):
                problems.error(_relative(root, path), 1, LINK_OUTSIDE, LINK_EXPECTED)
                continue
            real = path.resolve()
            if real not in seen:  # a link back up the tree is followed no further
                seen.add(real)
                yield from _walk(root, path, problems, seen)
        elif entry.is_file() or entry.is_symlink():  # never a pipe, which would block a read
            yield path  # links are checked when the file is read


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # pragma: no cover - a broken entry is read, and reported, as a file
        return False


def read_inside(root: Path, path: Path, problems: Problems) -> bytes | None:
    """A file's bytes, or None after reporting why not: a link that leaves the repository is
    never read (it could lead to a secret), and an OS error is one line naming the file."""
    relative = _relative(root, path)
    if not _inside(root, path):  # the file, or a folder on its way, is such a link
        problems.error(relative, 1, LINK_OUTSIDE, LINK_EXPECTED)
        return None
    if path.exists() and not path.is_file():  # a pipe would block the read
        problems.error(relative, 1, "is not a regular file", "a text file")
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        problems.error(relative, 1, f"the file cannot be read: {_reason(error)}")
        return None


def _inside(root: Path, path: Path) -> bool:
    """Whether ``path``, with every link on the way resolved, stays in the repository."""
    return path.resolve().is_relative_to(root.resolve())


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


def load_file(root: Path, path: Path, problems: Problems) -> Document:
    """Parse one file; problems go to ``problems`` and leave ``root`` None."""
    data = read_inside(root, path, problems)
    if data is None:
        return Document(_relative(root, path), None)
    return load_bytes(_relative(root, path), data, problems)


def load_bytes(relative: str, data: bytes, problems: Problems) -> Document:
    """Parse a file's content; ``relative`` names it in messages."""
    text = _decode(data, relative, problems)
    if text is None:
        return Document(relative, None)
    return Document(relative, parse_text(text, relative, problems))


def parse_text(text: str, relative: str, problems: Problems) -> YNode | None:
    """Parse YAML text that belongs to ``relative`` (for messages); None when it is empty or
    does not parse."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        explained = explain(error, text)
        problems.error(relative, explained.line, explained.message, explained.expected)
        return None
    except yaml.YAMLError:
        _report_unreadable_character(text, relative, problems)
        return None
    if node is None:
        return None
    return _Converter(relative, problems).convert(node, 0)


def parse_bytes(data: bytes, label: str = "<blob>") -> YNode | None:
    """Parse a file's bytes with the same safeguards, ignoring problems (for old versions of
    files in git history, which may have been broken once)."""
    problems = Problems()
    text = _decode(data, label, problems)
    if text is None:
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    return None if node is None else _Converter(label, problems).convert(node, 0)


def plain(node: YNode) -> object:
    """Lenient plain data: numbers as float, null as None, everything else as written."""
    if isinstance(node, YMap):
        return {key: plain(value) for key, (_, value) in node.entries.items()}
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    if not node.quoted and node.tag in (NULL_TAG,):
        return None
    if not node.quoted and node.tag.endswith((":int", ":float")) and DECIMAL.match(node.text):
        return float(node.text)
    return node.text


def _decode(data: bytes, relative: str, problems: Problems) -> str | None:
    """UTF-8 with or without a byte order mark; anything else names the file and line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.error(
            relative,
            line,
            f"the file is not valid UTF-8: byte 0x{data[error.start]:02x}",
            "save it as UTF-8",
        )
        return None


def _report_unreadable_character(text: str, relative: str, problems: Problems) -> None:
    """YAML's reader refuses control characters before parsing, with a position that counts
    characters (pure Python) or bytes (libyaml): the character is looked up again here, so
    that the message names its line either way."""
    found = NOT_IN_YAML.search(text)
    if found is None:  # pragma: no cover - the reader refuses nothing else
        problems.error(relative, 1, "YAML syntax: the file cannot be read")
        return
    line = text.count("\n", 0, found.start()) + 1
    code = ord(found.group())
    problems.error(
        relative,
        line,
        f"YAML does not allow the control character U+{code:04X}",
        f"remove it, or write it in double quotes as \\x{code:02x}"
        if code < 0x100
        else "remove it",
    )


class _Converter:
    """Node tree -> YMap/YSeq/Scalar, refusing what a scorecard never needs."""

    def __init__(self, relative: str, problems: Problems) -> None:
        self.relative = relative
        self.problems = problems
        # The composer shares one node object for an anchor and all its aliases; seeing a node
        # twice means an alias. Refusing it keeps an alias bomb from expanding.
        self.seen: set[int] = set()
        self.alias_reported = False

    def convert(self, node: yaml.Node, depth: int, parent_line: int = 1) -> YNode:
        line = node.start_mark.line + 1
        if id(node) in self.seen:
            # An alias shares its anchor's node and marks: the parent says where it is used.
            return self._refuse_alias(parent_line)
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            return self._refuse(line, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.ScalarNode):
            return Scalar(str(node.value), node.tag, bool(node.style), line)
        if isinstance(node, yaml.SequenceNode):
            return YSeq(line, [self.convert(item, depth + 1, line) for item in node.value])
        return self._mapping(node, line, depth)

    def _mapping(self, node: yaml.Node, line: int, depth: int) -> YMap:
        result = YMap(line)
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._refuse(key_line, "merge keys (<<) are not supported", "write the keys")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._refuse(key_line, "a key must be plain text")
                continue
            key = str(key_node.value)
            if key in result.entries:
                first = result.entries[key][0]
                self.problems.error(
                    self.relative, key_line, f"duplicate key {quote(key)} (first at line {first})"
                )
                continue
            result.entries[key] = (key_line, self.convert(value_node, depth + 1, key_line))
        return result

    def _refuse_alias(self, line: int) -> Scalar:
        """One message per file: an alias bomb repeats its aliases thousands of times."""
        if not self.alias_reported:
            self.alias_reported = True
            self._refuse(
                line, "anchors and aliases (&, *) are not supported", "write the value out"
            )
        return Scalar("", REFUSED_TAG, False, line)

    def _refuse(self, line: int, message: str, expected: str | None = None) -> Scalar:
        self.problems.error(self.relative, line, message, expected)
        return Scalar("", REFUSED_TAG, False, line)
