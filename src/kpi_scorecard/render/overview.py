"""The scorecard page (``/``): what needs attention first, then every KPI by category.

An executive opens the site for two minutes: the page opens with the counts by status, each red
and amber KPI with its note for the month (or who has not explained it yet), and the biggest
moves. The tables below keep every KPI with its note, one line each on a wide screen and a card
each on a phone (kpi.css), and can be filtered by owner, tag and status (kpi.js).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from kpi_scorecard.model import Figures, Kpi, Results, Scorecard, Status, month_str
from kpi_scorecard.render.blocks import later, not_searched
from kpi_scorecard.render.html import Links, link, status_badge, table
from kpi_scorecard.render.numbers import (
    STATUS_LABELS,
    TREND_LABELS,
    change_text,
    percent_text,
    trend_arrow,
    value_text,
)
from kpi_scorecard.render.pacing import pace_cell
from kpi_scorecard.render.sparkline import sparkline
from kpi_scorecard.render.text import escape, front_matter_title, inline, rich
from kpi_scorecard.render.wording import excerpt, month_label

SPARKLINE_MONTHS = 12
BIGGEST_MOVES = 5
NOTE_EXCERPT = 90
"""Characters of a note in the overview's tables; the whole note is on the KPI's page."""
HEADERS = (
    "KPI",
    "Status",
    "Value",
    "Target",
    "Change on month",
    "Trend",
    "Pace",
    "Last 12 months",
    "Note",
)
ATTENTION: tuple[Status, ...] = ("red", "amber")
STATUS_ORDER: tuple[Status, ...] = ("red", "amber", "missing", "no_target", "green")
"""Worst first: the order of the counts and of sorting by status."""


def overview_page(scorecard: Scorecard, results: Results, links: Links) -> str:
    """Markdown of the overview: attention, moves, then a heading and a table per category."""
    settings = scorecard.settings
    parts = [
        front_matter_title(settings.title) + f"# {inline(settings.title)}",
        "",
        f'<p class="kpi-as-of">Figures for <strong>{escape(month_label_of(results))}</strong>, '
        f"{len(scorecard.kpis)} KPIs.</p>",
        "",
        "## Needs attention",
        "",
        not_searched(attention(scorecard, results, links)),
        "",
    ]
    moves = biggest_moves(scorecard, results, links)
    if moves:
        parts += ["## Biggest moves", "", not_searched(moves), ""]
    parts += ["## All KPIs", "", not_searched(_filters(scorecard)), ""]
    for category, title in categories_in_order(scorecard):
        kpis = sorted((k for k in scorecard.kpis.values() if k.category == category), key=_by_name)
        rows = [_row(kpi, scorecard, results, links) for kpi in kpis]
        attributes = [_row_attributes(kpi, results.figures[kpi.id]) for kpi in kpis]
        category_table = table(HEADERS, rows, "kpi-overview", row_attributes=attributes)
        parts += [f"### {inline(title)}", "", not_searched(category_table), ""]
    return "\n".join(parts)


def month_label_of(results: Results) -> str:
    return month_label(month_str(results.as_of))


def status_counts(scorecard: Scorecard, results: Results) -> dict[Status, int]:
    """Status -> how many KPIs have it at the reporting month, worst first."""
    statuses = [results.figures[kpi_id].status for kpi_id in scorecard.kpis]
    return {status: statuses.count(status) for status in STATUS_ORDER if status in statuses}


def needing_attention(scorecard: Scorecard, results: Results) -> list[Kpi]:
    """The red KPIs, then the amber ones, each by name."""
    return sorted(
        (k for k in scorecard.kpis.values() if results.figures[k.id].status in ATTENTION),
        key=lambda k: (ATTENTION.index(results.figures[k.id].status), _by_name(k)),
    )


def note_or_owner(kpi: Kpi, scorecard: Scorecard, results: Results) -> str:
    """The month's note as HTML, or who has not explained the number yet."""
    note = kpi.notes.get(results.as_of)
    if note:
        return rich(note)
    owner = scorecard.people.get(kpi.owner)
    name = owner.name if owner else kpi.owner
    return f'<span class="kpi-no-note">No explanation yet: {escape(name)} owns this KPI.</span>'


def attention(scorecard: Scorecard, results: Results, links: Links) -> str:
    counts = status_counts(scorecard, results)
    count_html = "".join(
        f"<span>{status_badge(status)}: <strong>{count}</strong></span>"
        for status, count in counts.items()
    )
    items = []
    currency = scorecard.settings.currency
    for kpi in needing_attention(scorecard, results):
        figures = results.figures[kpi.id]
        items.append(
            f'<li class="kpi-attention--{figures.status}"><div class="kpi-attention-head">'
            f"<strong>{link(links.kpi(kpi.id), kpi.name)}</strong> {status_badge(figures.status)}"
            f" <span>{escape(value_text(kpi, figures.value, currency))} against a target of "
            f"{escape(value_text(kpi, figures.target, currency))}</span></div>"
            f'<div class="kpi-attention-note">{note_or_owner(kpi, scorecard, results)}</div></li>'
        )
    listing = (
        f'<ul class="kpi-attention-list">{"".join(items)}</ul>'
        if items
        else "<p>Every KPI with a target is on target or not reported.</p>"
    )
    return (
        f'<section class="kpi-attention"><p class="kpi-counts">{count_html}</p>{listing}</section>'
    )


def moves(scorecard: Scorecard, results: Results) -> list[Kpi]:
    """The KPIs whose value moved most on the month, relatively, largest first."""
    moved = [
        kpi
        for kpi in scorecard.kpis.values()
        if results.figures[kpi.id].mom_pct is not None and results.figures[kpi.id].mom_pct != 0
    ]
    return sorted(moved, key=lambda k: (-abs(results.figures[k.id].mom_pct or 0.0), _by_name(k)))[
        :BIGGEST_MOVES
    ]


def biggest_moves(scorecard: Scorecard, results: Results, links: Links) -> str:
    currency = scorecard.settings.currency
    items = []
    for kpi in moves(scorecard, results):
        figures = results.figures[kpi.id]
        good = (
            (figures.mom_change or 0) > 0
            if kpi.better == "higher"
            else (figures.mom_change or 0) < 0
        )
        note = kpi.notes.get(results.as_of)
        items.append(
            f"<li><strong>{link(links.kpi(kpi.id), kpi.name)}</strong> "
            f"{escape(percent_text(figures.mom_pct))} on the month "
            f"({'better' if good else 'worse'}), to {escape(value_text(kpi, figures.value, currency))}"
            + (f": {escape(excerpt(note, NOTE_EXCERPT))}" if note else "")
            + "</li>"
        )
    return f'<ul class="kpi-moves">{"".join(items)}</ul>' if items else ""


def categories_in_order(
    scorecard: Scorecard, used: set[str] | None = None
) -> list[tuple[str, str]]:
    """(key, title) for each category that has a KPI (of the scorecard, or ``used``):
    scorecard.yaml's order, then the rest alphabetically, titled from the key."""
    if used is None:
        used = {kpi.category for kpi in scorecard.kpis.values()}
    declared = scorecard.settings.categories or {}
    ordered = [(key, title) for key, title in declared.items() if key in used]
    rest = sorted(used - set(declared))
    return ordered + [(key, key.replace("_", " ").capitalize()) for key in rest]


def pack_sections(
    scorecard: Scorecard,
    table_of: Callable[[list[Kpi]], str],
    kpis: Collection[Kpi] | None = None,
) -> list[str]:
    """A review pack's sections: each category of ``kpis`` (default: the scorecard's) in the
    scorecard's order and titles, its heading and the table of its KPIs by name
    (``table_of``, a later() block: the pack's numbers, rendered last)."""
    kpis = scorecard.kpis.values() if kpis is None else kpis
    parts: list[str] = []
    for category, title in categories_in_order(scorecard, {k.category for k in kpis}):
        in_category = sorted(
            (k for k in kpis if k.category == category), key=lambda k: k.name.casefold()
        )
        parts += [f"## {inline(title)}", "", later(table_of, in_category), ""]
    return parts


def _by_name(kpi: Kpi) -> tuple[str, str]:
    return (kpi.name.casefold(), kpi.id)


def _filters(scorecard: Scorecard) -> str:
    """Filters for the tables below; kpi.js makes them work (without it every row shows)."""
    owners = sorted({k.owner for k in scorecard.kpis.values()})
    names = {o: scorecard.people[o].name if o in scorecard.people else o for o in owners}
    tags = sorted({tag for k in scorecard.kpis.values() for tag in k.tags})

    def select(name: str, label: str, options: list[tuple[str, str]]) -> str:
        choices = "".join(
            f'<option value="{escape(value)}">{escape(text)}</option>' for value, text in options
        )
        return (
            f'<label>{label} <select data-kpi-filter="{name}">'
            f'<option value="">all</option>{choices}</select></label>'
        )

    statuses: list[tuple[str, str]] = [(s, STATUS_LABELS[s][1]) for s in STATUS_ORDER]
    return (
        '<form class="kpi-filters" hidden aria-label="Filter the KPIs">'
        + select("owner", "Owner", [(o, names[o]) for o in sorted(owners, key=lambda o: names[o])])
        + (select("tag", "Tag", [(t, t) for t in tags]) if tags else "")
        + select("status", "Status", statuses)
        + "</form>"
    )


def _row_attributes(kpi: Kpi, figures: Figures) -> str:
    tags = " ".join(kpi.tags)
    rank = STATUS_ORDER.index(figures.status)
    change = "" if figures.mom_pct is None else repr(figures.mom_pct)
    return (
        f' data-owner="{escape(kpi.owner)}" data-tags="{escape(tags)}" '
        f'data-status="{figures.status}" data-rank="{rank}" data-change="{change}"'
    )


def _row(kpi: Kpi, scorecard: Scorecard, results: Results, links: Links) -> list[str]:
    figures = results.figures[kpi.id]
    series = results.series[kpi.id]
    currency = scorecard.settings.currency
    recent = [
        v for m, v in zip(series.months, series.values, strict=True)
        if results.as_of - SPARKLINE_MONTHS < m <= results.as_of
    ]  # fmt: skip
    trend_words = TREND_LABELS[figures.trend]
    note = kpi.notes.get(results.as_of)
    note_cell = (
        f'<span class="kpi-text" title="{escape(" ".join(note.split()))}">'
        f"{escape(excerpt(note, NOTE_EXCERPT))}</span>"
        if note
        else ""
    )
    return [
        link(links.kpi(kpi.id), kpi.name),
        status_badge(figures.status),
        escape(value_text(kpi, figures.value, currency)),
        escape(value_text(kpi, figures.target, currency)),
        escape(change_text(kpi, figures.mom_change, figures.mom_pct, currency)),
        f'<span class="kpi-trend kpi-trend--{figures.trend}">'
        f'<span aria-hidden="true">{trend_arrow(figures.trend, kpi.better)}</span> {trend_words}</span>',
        pace_cell(results.pacing.get(kpi.id)),
        sparkline(recent, escape(f"{kpi.name}, last {SPARKLINE_MONTHS} months")),
        note_cell,
    ]
