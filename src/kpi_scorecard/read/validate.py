"""Parsed documents -> the validated model, or every problem at once.

``load_scorecard`` reads ``kpis/`` and returns the ``Scorecard`` with its warnings, or raises
``ValidationFailed`` listing every error (contract section 2). Checks within one file live in
``read_kpi``; checks across files (people, categories, ids, formulas) follow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from kpi_scorecard.errors import Problem, Problems, quote
from kpi_scorecard.model import (
    AGGREGATE_CHOICES,
    AUDIENCE_CHOICES,
    BETTER_CHOICES,
    UNIT_CHOICES,
    Benchmark,
    Daci,
    Kpi,
    Scorecard,
    Source,
    Target,
    month_str,
    number_literal,
    written_decimal,
)
from kpi_scorecard.read.crosscheck import check_formulas, check_ids, check_references
from kpi_scorecard.read.events import events_from, read_events
from kpi_scorecard.read.fields import FieldReader, did_you_mean, is_null
from kpi_scorecard.read.load import (
    RESERVED_FILES,
    Document,
    Scalar,
    YMap,
    YNode,
    kpi_files,
    load_bytes,
    read_inside,
)
from kpi_scorecard.read.settings import people_from, read_people, read_settings, settings_from
from kpi_scorecard.read.sources import check_sources, read_source

KPI_KEYS = (
    "name",
    "description",
    "category",
    "owner",
    "better",
    "unit",
    "currency",
    "decimals",
    "aggregate",
    "target",
    "tolerance",
    "benchmark",
    "supports",
    "audience",
    "daci",
    "tags",
    "formula",
    "source",
    "values",
    "notes",
    "segments",
    "segment_targets",
)
REQUIRED_KPI_KEYS = ("name", "description", "category", "owner", "better")
DACI_KEYS = ("approver", "contributors", "informed")
BENCHMARK_KEYS = ("value", "source")
SEGMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
"""Segment names reach URLs, headings and CSV cells: letters, digits, _ . and -."""
SEGMENT_NAME_EXPECTED = "letters, digits, _ . and -, starting with a letter or digit"
SEGMENTS_EXPECTED = "expected segment: {month: value} entries"
TARGETS_EXPECTED = "expected segment: target entries"


def load_scorecard(root: Path) -> tuple[Scorecard, list[Problem]]:
    """Read and check ``root/kpis``; return the scorecard and its warnings.

    Raises ``ValidationFailed`` with every error and warning when there is any error.
    """
    problems = Problems()
    people = read_people(root, problems)
    settings = read_settings(root, people, problems)
    kpis: list[Kpi] = []
    unreadable: set[str] = set()
    for path in kpi_files(root, problems):
        data = read_inside(root, path, problems)
        kpi = (
            None
            if data is None
            else read_kpi_file(path.relative_to(root).as_posix(), data, problems)
        )
        if kpi is None:
            unreadable.add(kpi_id(path.name))
        else:
            kpis.append(kpi)
    by_id = {k.id: k for k in sorted(kpis, key=lambda k: k.id)}
    scorecard = Scorecard(settings, people, by_id, read_events(root, by_id, problems))
    # A file that could not be read is reported once; KPIs that name it are not blamed too.
    known = set(scorecard.kpis) | unreadable
    check_ids(kpis, problems)
    check_references(scorecard, known, problems)
    check_formulas(scorecard, known, problems)
    check_sources(scorecard.kpis, settings.databases, problems)
    problems.raise_if_errors()
    return scorecard, problems.sorted()


ReadCache = dict[str, tuple[bytes, Kpi | None, tuple[Problem, ...]]]
"""Path -> (content, what reading it gave), one version of each file. The content itself, not
a digest of it: a file that did not change between two past reviews is the very same bytes
object (audit/asreported.py holds them), so comparing them is one look (hashing them was a
tenth of the work)."""
_read_cache: ReadCache = {}
"""``mkdocs serve`` rebuilds after an edit re-read only the files that changed."""


def current_read_cache() -> ReadCache:
    """A copy of the current files' cache, to read another version of the scorecard with: the
    files that did not change since are not read again."""
    return dict(_read_cache)


def read_kpi_file(
    relative: str, data: bytes, problems: Problems, cache: ReadCache | None = None
) -> Kpi | None:
    """One KPI file's content; ``cache`` (default: the current files') skips unchanged files."""
    cache = _read_cache if cache is None else cache
    cached = cache.get(relative)
    if cached is None or cached[0] != data:
        found = Problems()
        kpi = read_kpi(load_bytes(relative, data, found), found)
        cached = cache[relative] = (data, kpi, tuple(found.items))
    problems.extend(cached[2])
    return cached[1]


def scorecard_from_files(files: Mapping[str, bytes], cache: ReadCache) -> Scorecard:
    """The scorecard of a set of files (path under ``kpis/`` -> content), such as the state of
    a repository at an old commit; raises ValidationFailed like ``load_scorecard``."""
    problems = Problems()

    def document(name: str) -> Document:
        data = files.get(name)
        return load_bytes(name, data, problems) if data is not None else Document(name, None)

    people = people_from(document("kpis/people.yaml"), problems)
    settings = settings_from(document("kpis/scorecard.yaml"), people, problems)
    kpis = []
    for path in sorted(files):
        if is_kpi_path(path):
            kpi = read_kpi_file(path, files[path], problems, cache)
            if kpi is not None:
                kpis.append(kpi)
    by_id = {k.id: k for k in sorted(kpis, key=lambda k: k.id)}
    events = events_from(document("kpis/events.yaml"), by_id, problems)
    scorecard = Scorecard(settings, people, by_id, events)
    check_ids(kpis, problems)
    check_references(scorecard, set(by_id), problems)
    check_formulas(scorecard, set(by_id), problems)
    check_sources(scorecard.kpis, settings.databases, problems)
    problems.raise_if_errors()
    return scorecard


def is_kpi_path(path: str) -> bool:
    """A KPI file: a YAML file under ``kpis/`` other than the reserved ones at its top."""
    parts = path.split("/")
    return (
        len(parts) > 1
        and parts[0] == "kpis"
        and path.endswith((".yaml", ".yml"))
        and not (len(parts) == 2 and parts[1] in RESERVED_FILES)
        and not any(part.startswith(".") for part in parts)
    )


def kpi_paths(root: Path) -> dict[str, str]:
    """Path relative to ``root`` -> KPI id of every KPI file ``load_scorecard`` reads."""
    return {path.relative_to(root).as_posix(): kpi_id(path.name) for path in kpi_files(root)}


def kpi_id(path: str) -> str:
    return Path(path).stem


def read_kpi(document: Document, problems: Problems) -> Kpi | None:
    """One KPI file -> Kpi, or None after reporting why not."""
    reader = FieldReader(document.path, problems)
    if document.root is None:
        if not any(p.path == document.path for p in problems.items):
            reader.error(1, "the file is empty", "expected the fields of a KPI")
        return None
    node = reader.mapping(document.root, "the file", "expected the fields of a KPI")
    if node is None:
        return None
    reader.check_keys(node, KPI_KEYS, REQUIRED_KPI_KEYS)
    fields = _KpiFields(reader, node)
    kpi = Kpi(
        id=kpi_id(document.path),
        path=document.path,
        name=fields.text("name") or "",
        description=fields.text("description") or "",
        category=fields.text("category") or "",
        owner=fields.text("owner") or "",
        better=fields.choice("better", BETTER_CHOICES) or "higher",  # type: ignore[arg-type]
        unit=fields.choice("unit", UNIT_CHOICES) or "number",  # type: ignore[arg-type]
        currency=fields.text("currency"),
        decimals=fields.decimals(),
        aggregate=fields.choice("aggregate", AGGREGATE_CHOICES) or "mean",  # type: ignore[arg-type]
        target=fields.target(),
        tolerance=fields.tolerance(),
        benchmark=fields.benchmark(),
        supports=fields.text("supports"),
        audience=fields.audience(),
        daci=fields.daci(),
        tags=fields.text_list("tags"),
        formula=fields.text("formula"),
        source=fields.source(),
        values=fields.values(),
        notes=fields.notes(),
        segments=(segments := fields.segments()),
        segment_targets=fields.segment_targets(segments, "formula" in node.entries),
        lines={key: line for key, (line, _) in node.entries.items()},
    )
    check_segment_sums(kpi, reader)
    if kpi.currency is not None and kpi.unit != "currency":
        reader.error(kpi.line_of("currency"), "currency: only applies to unit: currency")
    # A KPI with errors is still returned: the checks across files then report their
    # problems too, and the author sees everything at once.
    return kpi


class _KpiFields:
    """The optional and required fields of one KPI mapping."""

    def __init__(self, reader: FieldReader, node: YMap) -> None:
        self.reader = reader
        self.node = node

    def get(self, key: str) -> YNode | None:
        entry = self.node.entries.get(key)
        if entry is None:
            return None
        value = entry[1]
        if isinstance(value, Scalar) and is_null(value) and key not in REQUIRED_KPI_KEYS:
            return None
        return value

    def text(self, key: str) -> str | None:
        node = self.get(key)
        return None if node is None else self.reader.text(node, key)

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        node = self.get(key)
        return None if node is None else self.reader.choice(node, key, choices)

    def source(self) -> Source | None:
        node = self.get("source")
        return None if node is None else read_source(node, self.reader)

    def decimals(self) -> int | None:
        node = self.get("decimals")
        return None if node is None else self.reader.integer(node, "decimals", 0, 10)

    def tolerance(self) -> float | None:
        node = self.get("tolerance")
        if node is None:
            return None
        value = self.reader.number(node, "tolerance")
        if value is not None and value < 0:
            self.reader.error(node.line, "tolerance: must not be negative", "e.g. 0.05 for 5 %")
            return None
        return value

    def target(self) -> Target | None:
        node = self.get("target")
        return None if node is None else self.read_target(node, "target")

    def read_target(self, node: YNode, name: str) -> Target | None:
        """A number, or month -> number steps."""
        if not isinstance(node, YMap):
            value = self.reader.number(node, name)
            return None if value is None else Target(constant=value)
        steps = []
        for month, _, value_node in self.reader.months(node, name):
            value = self.reader.number(value_node, f"{name} {_month_text(month)}")
            if value is not None:
                steps.append((month, value))
        return Target(steps=tuple(sorted(steps)))

    def benchmark(self) -> Benchmark | None:
        node = self.get("benchmark")
        if node is None:
            return None
        if not isinstance(node, YMap):
            constant = self.reader.number(node, "benchmark")
            return None if constant is None else Benchmark(constant)
        self.reader.check_keys(node, BENCHMARK_KEYS, ("value",), "benchmark: ")
        value = _sub(node, "value")
        source = _sub(node, "source")
        number = None if value is None else self.reader.number(value, "benchmark value")
        text = None if source is None else self.reader.text(source, "benchmark source")
        return None if number is None else Benchmark(number, text)

    def audience(self) -> tuple[str, ...]:
        node = self.get("audience")
        items = None if node is None else self.reader.items(node, "audience", "")
        if items is None:
            return AUDIENCE_CHOICES
        chosen = [self.reader.choice(item, "audience", AUDIENCE_CHOICES) for item in items]
        return tuple(c for c in chosen if c is not None)

    def text_list(self, key: str) -> tuple[str, ...]:
        node = self.get(key)
        items = None if node is None else self.reader.items(node, key, "expected a list of text")
        texts = [self.reader.text(item, key) for item in items or []]
        return tuple(t for t in texts if t is not None)

    def daci(self) -> Daci:
        node = self.get("daci")
        if node is None:
            return Daci()
        mapping = self.reader.mapping(node, "daci", "expected approver, contributors, informed")
        if mapping is None:
            return Daci()
        self.reader.check_keys(mapping, DACI_KEYS, where="daci: ")
        sub = _KpiFields(self.reader, mapping)
        return Daci(sub.text("approver"), sub.text_list("contributors"), sub.text_list("informed"))

    def values(self) -> dict[int, float | None]:
        node = self.get("values")
        return {} if node is None else self.read_values(node, "values")

    def read_values(self, node: YNode, name: str) -> dict[int, float | None]:
        """Month -> number or null, in month order."""
        mapping = self.reader.mapping(node, name, "expected month: value lines")
        values: dict[int, float | None] = {}
        for month, _, value_node in self.reader.months(mapping or YMap(0), name):
            ok, value = self.reader.optional_number(value_node, f"{name} {_month_text(month)}")
            if ok:
                values[month] = value
        return dict(sorted(values.items()))

    def segments(self) -> dict[str, dict[int, float | None]]:
        """Segment -> month -> value (``segments: {seo: {2026-01: 120}}``)."""
        node = self.get("segments")
        mapping = None if node is None else self.reader.mapping(node, "segments", SEGMENTS_EXPECTED)
        segments = {}
        for segment, (line, values) in (mapping.entries if mapping else {}).items():
            if self.segment_name(segment, line, "segments"):
                segments[segment] = self.read_values(values, f"segments {segment}")
        return segments

    def segment_name(self, segment: str, line: int, name: str) -> bool:
        if SEGMENT_NAME.match(segment):
            return True
        self.reader.error(
            line, f"{name}: {quote(segment)} is not a segment name", SEGMENT_NAME_EXPECTED
        )
        return False

    def segment_targets(self, segments: Mapping[str, object], formula: bool) -> dict[str, Target]:
        """Segment -> target; the segments must exist unless the KPI calculates them."""
        node = self.get("segment_targets")
        mapping = (
            None if node is None else self.reader.mapping(node, "segment_targets", TARGETS_EXPECTED)
        )
        targets = {}
        for segment, (line, target_node) in (mapping.entries if mapping else {}).items():
            if not self.segment_name(segment, line, "segment_targets"):
                continue
            if not formula and segment not in segments:
                hint = did_you_mean(segment, segments, "expected a segment of segments:")
                self.reader.error(line, f"segment_targets: unknown segment {quote(segment)}", hint)
                continue
            target = self.read_target(target_node, f"segment_targets {segment}")
            if target is not None:
                targets[segment] = target
        return targets

    def notes(self) -> dict[int, str]:
        node = self.get("notes")
        if node is None:
            return {}
        mapping = self.reader.mapping(node, "notes", "expected month: text lines")
        notes: dict[int, str] = {}
        for month, _, note_node in self.reader.months(mapping or YMap(0), "notes"):
            text = self.reader.text(note_node, f"notes {_month_text(month)}")
            if text is not None:
                notes[month] = text
        return dict(sorted(notes.items()))


def check_segment_sums(kpi: Kpi, reader: FieldReader) -> None:
    """Segments of a summed KPI (counts, spend) must add up to its total; rates and other
    means need not. One warning per month that does not add up."""
    if kpi.aggregate != "sum" or not kpi.segments:
        return
    for month, total in kpi.values.items():
        parts = [series.get(month) for series in kpi.segments.values()]
        if total is None or any(part is None for part in parts):
            continue
        # on the decimals as written: 0.1 + 0.2 is 0.3, and 1000000000.4 is not 1000000000.5
        added = sum((written_decimal(p) for p in parts if p is not None), Decimal(0))
        if added != written_decimal(total):
            reader.warning(
                kpi.line_of("segments"),
                f"segments: add up to {added.normalize():f} in {_month_text(month)}, "
                f"the total is {number_literal(total)}",
                "segments of a KPI with aggregate: sum add up to its value",
            )


def _sub(node: YMap, key: str) -> YNode | None:
    entry = node.entries.get(key)
    return None if entry is None else entry[1]


def _month_text(month: int) -> str:
    return month_str(month)
