"""The quarterly and yearly review packs (``/reviews/FY2027-Q1/``, ``/reviews/FY2027/``).

A pack shows every KPI over the period by its ``aggregate`` (contract 3.6): value, target,
status, the change on the previous period and on the same period a year before, the notes of
its months and who presented them. Packs of periods that ended more than ``FULL_PACK_MONTHS``
before the reporting month are summaries, as the monthly packs are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from kpi_scorecard.model import (
    Kpi,
    Month,
    Period,
    PeriodKind,
    Results,
    Scorecard,
    Status,
    month_str,
)
from kpi_scorecard.render.html import Links, link, status_badge, table
from kpi_scorecard.render.numbers import STATUS_LABELS, change_text, value_text
from kpi_scorecard.render.overview import categories_in_order, pack_sections
from kpi_scorecard.render.reviews import FULL_PACK_MONTHS
from kpi_scorecard.render.text import escape, front_matter_title, rich
from kpi_scorecard.render.wording import month_label

HEADERS = (
    "KPI",
    "Status",
    "Value",
    "Target",
    "Change on previous",
    "Change on a year before",
    "Months",
    "Notes",
    "Presenters",
)


@dataclass(frozen=True)
class PeriodRef:
    """A fiscal quarter or year, by name, with its months."""

    name: str
    kind: PeriodKind
    first: Month
    last: Month


def review_periods(results: Results) -> list[PeriodRef]:
    """Every fiscal quarter and year some KPI has, newest first (a year before its quarters)."""
    found = {
        p.name: PeriodRef(p.name, p.kind, p.first, p.last)
        for periods in results.periods.values()
        for p in periods
    }
    return sorted(found.values(), key=lambda p: (p.last, p.kind == "year"), reverse=True)


PeriodIndex = Mapping[str, Mapping[tuple[str, Month], Period]]
"""KPI id -> (kind, first month) -> its period: what a pack looks up, built once a build."""


def period_index(results: Results) -> dict[str, dict[tuple[str, Month], Period]]:
    return {
        kpi_id: {(p.kind, p.first): p for p in periods}
        for kpi_id, periods in results.periods.items()
    }


def is_full_period_pack(period: PeriodRef, as_of: Month) -> bool:
    return as_of - period.last < FULL_PACK_MONTHS


def period_pack(
    scorecard: Scorecard,
    results: Results,
    period: PeriodRef,
    presenters_of: Callable[[Month], Mapping[str, str]],
    links: Links,
    index: PeriodIndex | None = None,
) -> str:
    """The review pack of a quarter or year: one row per KPI, by category."""
    kind = "Quarterly" if period.kind == "quarter" else "Yearly"
    title = f"{kind} review {period.name}"
    months = [m for m in range(period.first, period.last + 1) if m <= results.as_of]
    complete = period.last <= results.as_of
    span = f"{month_label(month_str(period.first))} to {month_label(month_str(period.last))}"
    state = (
        "complete" if complete else f"not complete: up to {month_label(month_str(results.as_of))}"
    )
    parts = [
        front_matter_title(title, searchable=False)
        + f'# {kind} review <span class="kpi-nowrap">{escape(period.name)}</span>',
        "",
        f"<p>{escape(span)} ({escape(state)}). Each KPI over the period by its aggregate: "
        "the sum, the mean or the last value of its months.</p>",
        "",
    ]
    full = is_full_period_pack(period, results.as_of)
    presenters = {m: presenters_of(m) for m in months} if full else {}
    index = period_index(results) if index is None else index
    table_of = partial(_pack_table, scorecard, index, period, months, presenters, links)
    return "\n".join(parts + pack_sections(scorecard, table_of))


def _pack_table(
    scorecard: Scorecard,
    index: PeriodIndex,
    period: PeriodRef,
    months: list[Month],
    presenters: Mapping[Month, Mapping[str, str]],
    links: Links,
    kpis: list[Kpi],
) -> str:
    rows = [
        _row(k, scorecard, index.get(k.id, {}), period, months, presenters, links) for k in kpis
    ]
    return table(HEADERS, rows, "kpi-period-review")


def _row(
    kpi: Kpi,
    scorecard: Scorecard,
    by_start: Mapping[tuple[str, Month], Period],
    period: PeriodRef,
    months: Sequence[Month],
    presenters: Mapping[Month, Mapping[str, str]],
    links: Links,
) -> list[str]:
    found = by_start.get((period.kind, period.first))
    length = period.last - period.first + 1
    previous = by_start.get((period.kind, period.first - length))
    year_before = by_start.get((period.kind, period.first - 12))
    currency = scorecard.settings.currency
    notes = "".join(
        f'<div class="kpi-period-note"><strong>{escape(month_label(month_str(m)))}</strong>'
        f"{rich(kpi.notes[m])}</div>"
        for m in months
        if m in kpi.notes
    )
    who = [
        f"{escape(month_label(month_str(m)))}: {escape(person.name)}"
        for m in months
        if (person := scorecard.people.get(presenters.get(m, {}).get(kpi.id, ""))) is not None
    ]
    return [
        link(links.kpi(kpi.id), kpi.name),
        status_badge(found.status if found else "missing"),
        escape(value_text(kpi, found.value if found else None, currency)),
        escape(value_text(kpi, found.target if found else None, currency)),
        escape(_change(kpi, found, previous)),
        escape(_change(kpi, found, year_before)),
        str(found.months) if found else "0",
        notes,
        "<br>".join(who),
    ]


def _change(kpi: Kpi, now: Period | None, before: Period | None) -> str:
    if now is None or before is None or now.value is None or before.value is None:
        return change_text(kpi, None, None)
    change = now.value - before.value
    if not math.isfinite(change):  # beyond a float's range: left empty, as on the KPI page
        return change_text(kpi, None, None)
    return change_text(kpi, change, change / abs(before.value) if before.value else None)


def periods_index_links(periods: Sequence[PeriodRef], links: Links) -> tuple[list[str], list[str]]:
    """The index's links to quarters and to years, newest first."""

    def linked(kind: str) -> list[str]:
        return [
            link(links.page(f"reviews/{p.name}"), f"Review {p.name}")
            for p in periods
            if p.kind == kind
        ]

    return linked("quarter"), linked("year")


def period_summary(
    scorecard: Scorecard, results: Results, period: PeriodRef, index: PeriodIndex | None = None
) -> str:
    """An older period's pack: how many KPIs had each status, per category."""
    index = period_index(results) if index is None else index
    key = (period.kind, period.first)
    kind = "Quarterly" if period.kind == "quarter" else "Yearly"
    title = f"{kind} review {period.name}"
    statuses: tuple[Status, ...] = tuple(STATUS_LABELS)
    rows = []
    for category, category_title in categories_in_order(scorecard):
        counts = [
            found.status if (found := index.get(k.id, {}).get(key)) else "missing"
            for k in scorecard.kpis.values()
            if k.category == category
        ]
        rows.append([escape(category_title), *(str(counts.count(s)) for s in statuses)])
    headers = ("Category", *(escape(STATUS_LABELS[s][1].capitalize()) for s in statuses))
    return "\n".join(
        [
            front_matter_title(title, searchable=False)
            + f'# {kind} review <span class="kpi-nowrap">{escape(period.name)}</span>',
            "",
            f"<p>A summary of an older period: packs of periods that ended in the last "
            f"{FULL_PACK_MONTHS} months list every KPI; each KPI's page has all its quarters "
            "and years.</p>",
            "",
            "## Status by category",
            "",
            table(headers, rows, "kpi-review-summary"),
            "",
        ]
    )
