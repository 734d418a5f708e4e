"""One KPI's page (``/kpis/<id>/``): definition, status, chart, figures, links, monthly table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kpi_scorecard.audit.history import Entry
from kpi_scorecard.model import Figures, Kpi, Results, Scorecard, Series, month_str
from kpi_scorecard.read.formula import FormulaSyntaxError, parse, references
from kpi_scorecard.render.ask import ask_link
from kpi_scorecard.render.blocks import later, not_searched, search_only
from kpi_scorecard.render.chart import chart, chart_json
from kpi_scorecard.render.history import history_section, restatements
from kpi_scorecard.render.html import (
    Links,
    definition_list,
    json_attribute,
    link,
    status_badge,
    table,
)
from kpi_scorecard.render.markers import chart_markers, within
from kpi_scorecard.render.numbers import (
    TREND_LABELS,
    change_text,
    gap_text,
    percent_text,
    slope_text,
    trend_arrow,
    value_text,
)
from kpi_scorecard.render.overview import note_or_owner
from kpi_scorecard.render.pacing import (
    cumulative_chart,
    forecast_trace,
    pacing_line,
    periods_table,
)
from kpi_scorecard.render.segments import segments_section
from kpi_scorecard.render.text import escape, front_matter_title, inline, rich
from kpi_scorecard.render.wording import Wording, month_label

MONTHLY_HEADERS = ("Month", "Value", "Target", "Status", "Note")


@dataclass(frozen=True)
class PageHistory:
    """What the audit trail adds to a KPI page."""

    entries: tuple[Entry, ...] = ()
    incomplete: str | None = None
    repo_url: str | None = None


def kpi_page(
    kpi: Kpi,
    scorecard: Scorecard,
    results: Results,
    links: Links,
    history: PageHistory | None = None,
) -> str:
    """Markdown of a KPI page; contributor text is escaped or sanitised, never raw. Search
    indexes the name, description, definition (people), related KPIs and notes; not the
    numbers, the chart's data or the history. Search reads the definition's words (people,
    category, tags) from one line, not from the definition list of numbers."""
    history = history or PageHistory()
    wording = Wording.of(scorecard, kpi.id)
    figures = results.figures[kpi.id]
    series = results.series[kpi.id]
    currency = scorecard.settings.currency
    as_of = month_label(month_str(results.as_of))
    summary = headline(kpi, scorecard, results, links, history.repo_url)
    pacing = results.pacing.get(kpi.id)
    start = scorecard.settings.fiscal_year_start
    parts = [
        front_matter_title(kpi.name) + f"# {inline(kpi.name)}",
        "",
        not_searched(summary),
        "",
        *([not_searched(pacing_line(kpi, pacing, currency, start)), ""] if pacing else []),
        f'<div class="kpi-description">{rich(kpi.description)}</div>',
        "",
        "## Chart",
        "",
        later(_chart_block, kpi, scorecard, results, history.entries),
        "",
        *_cumulative(kpi, results, scorecard.settings.fiscal_year_start, currency),
        f"## Figures for {as_of}",
        "",
        later(_figures_table, kpi, figures, currency),
        "",
        "## Definition",
        "",
        not_searched(definition_list(_definition(kpi, scorecard))),
        "",
        search_only(
            f'<p class="kpi-searched-definition" hidden>{_searched_definition(kpi, scorecard)}</p>'
        ),
        "",
    ]
    periods = results.periods.get(kpi.id)
    if periods:
        parts += [
            "## Quarters and years",
            "",
            later(periods_table, kpi, periods, currency, links),
            "",
        ]
    breakdown = segments_section(kpi, results, currency)
    if breakdown:
        parts += ["## By segment", "", breakdown]  # its blocks are not searched
    related = _related(kpi, scorecard, links)
    if related:
        parts += ["## Related KPIs", "", related, ""]
    parts += [
        "## Monthly values",
        "",
        later(_monthly_table, kpi, series, currency, history.entries, wording),
        "",
        *_notes_for_search(kpi, series),
        "## History",
        "",
        later(
            history_section, history.entries, history.incomplete, history.repo_url, links, wording
        ),
        "",
    ]
    return "\n".join(parts)


def _chart_block(
    kpi: Kpi, scorecard: Scorecard, results: Results, entries: tuple[Entry, ...]
) -> str:
    """The chart: actual, target and its band, rolling mean, notes, restatements, events and
    the forecast of the year."""
    wording = Wording.of(scorecard, kpi.id)
    series = results.series[kpi.id]
    currency = scorecard.settings.currency
    markers = within(chart_markers(kpi.id, scorecard.events, entries, wording), series.months)
    pacing = results.pacing.get(kpi.id)
    ahead = [month for month, _ in pacing.forecasts] if pacing else []
    restated = restatements(entries, wording)
    figure = chart(kpi, series, currency, restated, markers, _tolerance(kpi, scorecard), ahead)
    forecast = forecast_trace(kpi, pacing, series, results.as_of, currency) if pacing else None
    if forecast is not None:
        figure["data"].append(forecast)
    label = f"{kpi.name} by month: the monthly table below has the same data"
    return (
        _chart_element("kpi-chart", figure, label)
        + '<p class="kpi-chart-alt"><a href="#monthly-values">The chart as a table</a></p>'
    )


def headline(
    kpi: Kpi, scorecard: Scorecard, results: Results, links: Links, repo_url: str | None
) -> str:
    """What the page opens with: value, status, target and gap at the reporting month, the
    month's note (or who has not explained it yet), and where to edit or download the KPI."""
    figures = results.figures[kpi.id]
    currency = scorecard.settings.currency
    month = month_label(month_str(results.as_of))
    note = kpi.notes.get(results.as_of)
    if note:
        note_html = f'<div class="kpi-headline-note">{rich(note)}</div>'
    elif figures.status in ("red", "amber"):
        note_html = f'<div class="kpi-headline-note">{note_or_owner(kpi, scorecard, results)}</div>'
    else:
        note_html = ""
    gap = (
        f"<span>gap {escape(_gap(kpi, figures, currency))}</span>"
        if figures.gap is not None
        else ""
    )
    page_links = [link(links.asset(f"data/kpis/{kpi.id}.csv"), "Data as CSV")]
    if repo_url:
        edit = f"{repo_url.rstrip('/')}/edit/HEAD/{kpi.path}"
        page_links.insert(0, link(edit, "Edit on GitHub"))
        # Issue 17: a question about this month's number, as a prefilled GitHub issue.
        page_links.append(ask_link(kpi, scorecard, results.as_of, figures.value, repo_url))
    return (
        f'<section class="kpi-headline kpi-headline--{figures.status}">'
        f'<div class="kpi-headline-figures">{status_badge(figures.status)}'
        f'<span class="kpi-headline-value">{escape(value_text(kpi, figures.value, currency))}</span>'
        f"<span>in {escape(month)}</span>"
        f"<span>target {escape(value_text(kpi, figures.target, currency))}</span>{gap}</div>"
        f"{note_html}"
        f'<p class="kpi-page-links">{"".join(f"<span>{a}</span>" for a in page_links)}</p>'
        "</section>"
    )


def _cumulative(
    kpi: Kpi, results: Results, fiscal_year_start: int, currency: str | None
) -> list[str]:
    """The year summed month by month against the target path, for a summed KPI."""
    pacing = results.pacing.get(kpi.id)
    series = results.series[kpi.id]
    figure = (
        cumulative_chart(kpi, pacing, series, results.as_of, fiscal_year_start, currency)
        if pacing
        else None
    )
    if figure is None or pacing is None:
        return []
    label = f"{kpi.name}, {pacing.fiscal_year} summed month by month against the target path"
    html = later(_chart_element, "kpi-chart kpi-chart--cumulative", figure, label)
    return [f"### {pacing.fiscal_year} so far, summed", "", html, ""]


def _chart_element(css_class: str, figure: dict[str, Any], label: str) -> str:
    return (
        f"<div class=\"{css_class}\" data-chart='{json_attribute(chart_json(figure))}' "
        f'role="img" aria-label="{escape(label)}"></div>'
    )


def _notes_for_search(kpi: Kpi, series: Series) -> list[str]:
    """The notes of the monthly table as search reads them: the table itself is not searched."""
    notes = "".join(
        f"{month_label(month_str(month))} {rich(kpi.notes[month])}"
        for month in reversed(series.months)
        if month in kpi.notes
    )
    return [search_only(f'<div class="kpi-notes" hidden>{notes}</div>'), ""] if notes else []


def _figures_table(kpi: Kpi, f: Figures, currency: str | None) -> str:
    def value(number: float | None) -> str:
        return escape(value_text(kpi, number, currency))

    rows = [
        ["Value", value(f.value)],
        ["Previous month", value(f.previous)],
        ["Change on month", escape(change_text(kpi, f.mom_change, f.mom_pct, currency))],
        ["Change on year", escape(change_text(kpi, f.yoy_change, f.yoy_pct, currency))],
        ["3-month rolling mean", value(f.rolling_3)],
        [f"Year to date ({kpi.aggregate})", value(f.ytd)],
        ["Target", value(f.target)],
        ["Gap to target", escape(_gap(kpi, f, currency))],
        ["Status", status_badge(f.status)],
        ["Trend (12 months)", _trend(kpi, f, currency)],
        ["Months on target in a row", str(f.streak)],
    ]
    return table(("Figure", "Value"), rows, "kpi-figures")


def _gap(kpi: Kpi, f: Figures, currency: str | None) -> str:
    return gap_text(kpi, f.gap, f.gap_pct, currency)


def _trend(kpi: Kpi, f: Figures, currency: str | None) -> str:
    slope = "" if f.trend_slope is None else f", {slope_text(kpi, f.trend_slope, currency)}"
    return escape(f"{trend_arrow(f.trend, kpi.better)} {TREND_LABELS[f.trend]}{slope}")


def _definition(kpi: Kpi, scorecard: Scorecard) -> list[tuple[str, str]]:
    def person(person_id: str) -> str:
        found = scorecard.people.get(person_id)
        return escape(found.name if found else person_id)

    items = [
        ("Owner (driver)", person(kpi.owner)),
        ("Category", escape(kpi.category)),
        ("Better", escape(f"{kpi.better} is better")),
        ("Unit", escape(kpi.unit)),
        ("Months roll up by", escape(kpi.aggregate)),
        ("Target", escape(_target_text(kpi, scorecard.settings.currency))),
        ("Tolerance", escape(percent_text(_tolerance(kpi, scorecard)).lstrip("+"))),
    ]
    if kpi.daci.approver:
        items.append(("Approver", person(kpi.daci.approver)))
    if kpi.daci.contributors:
        items.append(("Contributors", ", ".join(person(p) for p in kpi.daci.contributors)))
    if kpi.daci.informed:
        items.append(("Informed", ", ".join(person(p) for p in kpi.daci.informed)))
    if kpi.benchmark is not None:
        source = f" ({kpi.benchmark.source})" if kpi.benchmark.source else ""
        benchmark = value_text(kpi, kpi.benchmark.value, scorecard.settings.currency) + source
        items.append(("Benchmark", escape(benchmark)))
    if kpi.formula:
        items.append(("Formula", f"<code>{escape(kpi.formula)}</code>"))
    if kpi.tags:
        items.append(("Tags", escape(", ".join(kpi.tags))))
    items.append(("Audience", escape(", ".join(kpi.audience))))
    items.append(("Source file", f"<code>{escape(kpi.path)}</code>"))
    return items


def _searched_definition(kpi: Kpi, scorecard: Scorecard) -> str:
    """The people, category and tags of the definition, as search reads them."""
    people = [kpi.owner, kpi.daci.approver, *kpi.daci.contributors, *kpi.daci.informed]
    names = [scorecard.people[p].name if p in scorecard.people else p for p in people if p]
    return escape(" ".join([*names, kpi.category, *kpi.tags]))


def _tolerance(kpi: Kpi, scorecard: Scorecard) -> float:
    return scorecard.settings.tolerance if kpi.tolerance is None else kpi.tolerance


def _target_text(kpi: Kpi, currency: str | None) -> str:
    target = kpi.target
    if target is None:
        return "none"
    if target.constant is not None:
        return value_text(kpi, target.constant, currency)
    return ", ".join(
        f"{value_text(kpi, v, currency)} from {month_label(month_str(m))}" for m, v in target.steps
    )


_supporters_index: tuple[Mapping[str, Kpi], dict[str, list[Kpi]]] | None = None


def _supporters(kpis: Mapping[str, Kpi]) -> dict[str, list[Kpi]]:
    """KPI id -> the KPIs that support it, in the scorecard's order: made once per scorecard
    (the index holds the scorecard's mapping, so it is never mistaken for another's)."""
    global _supporters_index
    if _supporters_index is None or _supporters_index[0] is not kpis:
        index: dict[str, list[Kpi]] = {}
        for kpi in kpis.values():
            if kpi.supports:
                index.setdefault(kpi.supports, []).append(kpi)
        _supporters_index = (kpis, index)
    return _supporters_index[1]


def _related(kpi: Kpi, scorecard: Scorecard, links: Links) -> str:
    items = []
    if kpi.supports and kpi.supports in scorecard.kpis:
        target = scorecard.kpis[kpi.supports]
        items.append(("Supports", link(links.kpi(target.id), target.name)))
    supporters = _supporters(scorecard.kpis).get(kpi.id, [])
    if supporters:
        items.append(("Supported by", ", ".join(link(links.kpi(k.id), k.name) for k in supporters)))
    used = _inputs(kpi.formula)
    inputs = [k for k in scorecard.kpis.values() if k.id in used] if used else []
    if inputs:
        items.append(("Calculated from", ", ".join(link(links.kpi(k.id), k.name) for k in inputs)))
    return definition_list(items) if items else ""


def _inputs(formula_text: str | None) -> set[str]:
    """The KPI ids a formula reads; none when there is no formula or it was masked for an
    audience (its inputs are not published)."""
    try:
        return references(parse(formula_text)) if formula_text else set()
    except FormulaSyntaxError:
        return set()


def _monthly_table(
    kpi: Kpi, series: Series, currency: str | None, entries: tuple[Entry, ...], wording: Wording
) -> str:
    restated = restatements(entries, wording)
    rows = []
    targets: dict[float | None, str] = {}  # a target holds for many months: written once each
    for month, value, target, status in reversed(
        list(zip(series.months, series.values, series.targets, series.statuses, strict=True))
    ):
        if target not in targets:
            targets[target] = escape(value_text(kpi, target, currency))
        note = kpi.notes.get(month)
        mark = restated.get(month)
        month_cell = escape(month_label(month_str(month))) + (
            f' <span class="kpi-restated" title="{escape(mark)}">restated</span>' if mark else ""
        )
        rows.append(
            [
                month_cell,
                escape(value_text(kpi, value, currency)),
                targets[target],
                status_badge(status),
                rich(note) if note else "",
            ]
        )
    return table(MONTHLY_HEADERS, rows, "kpi-monthly", caption=f"{escape(kpi.name)}, newest first")
