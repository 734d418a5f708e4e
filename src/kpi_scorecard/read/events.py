"""``kpis/events.yaml``: what happened to the business, marked on the charts (contract 5.2).

A list of ``{date, title, kpis?, segments?}``. The KPI ids and segments are checked against the
KPI files, so a misspelt id is an error with the closest id, like anywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kpi_scorecard.errors import Problems, quote
from kpi_scorecard.model import Event, Kpi
from kpi_scorecard.read.fields import FieldReader, did_you_mean
from kpi_scorecard.read.load import Document, YMap, YNode, load_bytes, read_inside
from kpi_scorecard.read.settings import read_date

EVENTS_FILE = "kpis/events.yaml"
EVENT_KEYS = ("date", "title", "kpis", "segments")
REQUIRED_EVENT_KEYS = ("date", "title")
EXPECTED = "expected a list of {date: YYYY-MM-DD, title: ..., kpis: [ids]} entries"


def read_events(root: Path, kpis: Mapping[str, Kpi], problems: Problems) -> tuple[Event, ...]:
    """The events of ``root/kpis/events.yaml`` in date order (none when the file is absent)."""
    path = root / EVENTS_FILE
    if not path.is_file() and not path.is_symlink():
        return ()
    data = read_inside(root, path, problems)
    if data is None:
        return ()
    return events_from(load_bytes(EVENTS_FILE, data, problems), kpis, problems)


def events_from(
    document: Document, kpis: Mapping[str, Kpi], problems: Problems
) -> tuple[Event, ...]:
    reader = FieldReader(document.path, problems)
    if document.root is None:
        return ()
    items = reader.items(document.root, "events.yaml", EXPECTED)
    events = []
    for item in items or []:
        event = _event(item, kpis, reader)
        if event is not None:
            events.append(event)
    return tuple(sorted(events, key=lambda e: (e.date, e.line)))


def _event(node: YNode, kpis: Mapping[str, Kpi], reader: FieldReader) -> Event | None:
    mapping = reader.mapping(node, "event", EXPECTED)
    if mapping is None:
        return None
    reader.check_keys(mapping, EVENT_KEYS, REQUIRED_EVENT_KEYS, "event: ")
    entries = mapping.entries
    day = read_date(entries["date"][1], "event date", reader) if "date" in entries else None
    title = reader.text(entries["title"][1], "event title") if "title" in entries else None
    named = _kpi_ids(mapping, kpis, reader)
    segments = _segments(mapping, [kpis[k] for k in named or kpis if k in kpis], reader)
    if day is None or title is None:
        return None
    return Event(day, title, named, segments, mapping.line)


def _names(mapping: YMap, key: str, reader: FieldReader) -> list[tuple[str, int]] | None:
    entry = mapping.entries.get(key)
    if entry is None:
        return None
    items = reader.items(entry[1], f"event {key}", f"expected a list of {key}")
    names = []
    for item in items or []:
        text = reader.text(item, f"event {key}")
        if text is not None:
            names.append((text, item.line))
    return names


def _kpi_ids(mapping: YMap, kpis: Mapping[str, Kpi], reader: FieldReader) -> tuple[str, ...] | None:
    names = _names(mapping, "kpis", reader)
    if names is None:
        return None
    for name, line in names:
        if name not in kpis:
            hint = did_you_mean(name, kpis, "expected a KPI id (a file stem under kpis/)")
            reader.error(line, f"event kpis: unknown KPI {quote(name)}", hint)
    return tuple(name for name, _ in names if name in kpis)


def _segments(mapping: YMap, kpis: list[Kpi], reader: FieldReader) -> tuple[str, ...] | None:
    names = _names(mapping, "segments", reader)
    if names is None:
        return None
    known = sorted({segment for kpi in kpis for segment in kpi.segments})
    for name, line in names:
        if name not in known:
            hint = did_you_mean(name, known, "expected a segment of the KPIs the event names")
            reader.error(line, f"event segments: unknown segment {quote(name)}", hint)
    return tuple(name for name, _ in names if name in known)
