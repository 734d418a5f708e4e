"""The scorecard page (``/``): every KPI grouped by category."""

from __future__ import annotations

from kpi_scorecard.model import Kpi, Results, Scorecard, month_str
from kpi_scorecard.render.blocks import not_searched
from kpi_scorecard.render.html import Links, link, status_badge, table
from kpi_scorecard.render.numbers import TREND_LABELS, change_text, trend_arrow, value_text
from kpi_scorecard.render.sparkline import sparkline
from kpi_scorecard.render.text import escape, front_matter_title, inline

SPARKLINE_MONTHS = 12
HEADERS = ("KPI", "Status", "Value", "Target", "Change on month", "Trend", "Last 12 months")


def overview_page(scorecard: Scorecard, results: Results, links: Links) -> str:
    """Markdown of the overview: a heading per category, an HTML table under each."""
    settings = scorecard.settings
    parts = [
        front_matter_title(settings.title) + f"# {inline(settings.title)}",
        "",
        f'<p class="kpi-as-of">Figures for <strong>{month_str(results.as_of)}</strong>, '
        f"{len(scorecard.kpis)} KPIs.</p>",
        "",
    ]
    for category, title in categories_in_order(scorecard):
        kpis = [k for k in scorecard.kpis.values() if k.category == category]
        rows = [_row(kpi, scorecard, results, links) for kpi in sorted(kpis, key=_by_name)]
        category_table = not_searched(table(HEADERS, rows, "kpi-overview"))
        parts += [f"## {inline(title)}", "", category_table, ""]
    return "\n".join(parts)


def categories_in_order(scorecard: Scorecard) -> list[tuple[str, str]]:
    """(key, title) for each category that has a KPI: scorecard.yaml's order, then the rest
    alphabetically, titled from the key."""
    used = {kpi.category for kpi in scorecard.kpis.values()}
    declared = scorecard.settings.categories or {}
    ordered = [(key, title) for key, title in declared.items() if key in used]
    rest = sorted(used - set(declared))
    return ordered + [(key, key.replace("_", " ").capitalize()) for key in rest]


def _by_name(kpi: Kpi) -> tuple[str, str]:
    return (kpi.name.casefold(), kpi.id)


def _row(kpi: Kpi, scorecard: Scorecard, results: Results, links: Links) -> list[str]:
    figures = results.figures[kpi.id]
    series = results.series[kpi.id]
    currency = scorecard.settings.currency
    recent = [
        v for m, v in zip(series.months, series.values, strict=True)
        if results.as_of - SPARKLINE_MONTHS < m <= results.as_of
    ]  # fmt: skip
    trend_words = TREND_LABELS[figures.trend]
    return [
        link(links.kpi(kpi.id), kpi.name),
        status_badge(figures.status),
        escape(value_text(kpi, figures.value, currency)),
        escape(value_text(kpi, figures.target, currency)),
        escape(change_text(kpi, figures.mom_change, figures.mom_pct)),
        f'<span class="kpi-trend kpi-trend--{figures.trend}">'
        f'<span aria-hidden="true">{trend_arrow(figures.trend, kpi.better)}</span> {trend_words}</span>',
        sparkline(recent, escape(f"{kpi.name}, last {SPARKLINE_MONTHS} months")),
    ]
