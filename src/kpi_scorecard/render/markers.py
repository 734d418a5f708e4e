"""What a KPI's chart marks besides its numbers (contract 5.2): the events of
``kpis/events.yaml`` that concern it, and the months in which its formula, unit or target
changed (from the history), each with hover text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kpi_scorecard.audit.history import Entry
from kpi_scorecard.model import Event, Month, month_str
from kpi_scorecard.render.wording import Wording

DEFINITION_FIELDS = ("formula", "unit", "target")
"""The changes of a definition that move the line (5.2)."""


@dataclass(frozen=True)
class Marker:
    day: str
    """YYYY-MM-DD, where the marker stands on the month axis."""
    kind: str
    """event | definition"""
    text: str
    """The hover text (plain: the chart escapes it)."""


def chart_markers(
    kpi_id: str, events: Iterable[Event], entries: Iterable[Entry], wording: Wording
) -> list[Marker]:
    """The KPI's events and definition changes, in date order."""
    markers = [
        Marker(event.date.isoformat(), "event", f"{event.date.isoformat()}: {event.title}")
        for event in events
        if event.concerns(kpi_id)
    ]
    for entry in entries:
        if entry.date is None or _creates(entry):
            continue  # uncommitted edits have no date yet; a new KPI's definition is no change
        for change in entry.changes:
            if change.field in DEFINITION_FIELDS:
                said = "; ".join(wording.sentences(change))
                text = f"{said} ({entry.author} on {entry.date[:10]}: {entry.subject})"
                markers.append(Marker(entry.date[:10], "definition", text))
    return sorted(markers, key=lambda m: (m.day, m.kind))


def within(markers: list[Marker], months: tuple[Month, ...]) -> list[Marker]:
    """The markers inside the chart's months (one outside would stretch its axis)."""
    if not months:
        return []
    first, last = month_str(months[0]), month_str(months[-1])
    return [m for m in markers if first <= m.day[:7] <= last]


def _creates(entry: Entry) -> bool:
    """The commit that added the KPI's file (its name appears: every KPI has one)."""
    return any(c.field == "name" and c.old is None for c in entry.changes)
