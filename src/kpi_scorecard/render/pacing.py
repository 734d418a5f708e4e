"""Pacing and fiscal periods on a KPI's page and the overview (contract 3.5, 3.6): the pacing
line of the headline, the pace column, the table of a KPI's quarters and years."""

from __future__ import annotations

from collections.abc import Sequence

from kpi_scorecard.model import Kpi, Pacing, Period
from kpi_scorecard.render.html import Links, link, status_badge, table
from kpi_scorecard.render.numbers import percent_text, value_text
from kpi_scorecard.render.text import escape

FORECAST_RULE = (
    "Forecast: each month still to come is the same month last year times the growth so far "
    "(this year's months against the same months last year); without last year's month, the "
    "mean of the last 12 months."
)
"""How the forecast is made, in one sentence, as the page says it."""
PACE_WORDS = {"green": "on pace", "amber": "slightly behind", "red": "behind"}


def periods_table(kpi: Kpi, periods: Sequence[Period], currency: str | None, links: Links) -> str:
    """A KPI's quarters and years, newest first."""
    rows = [
        [
            link(links.page(f"reviews/{p.name}"), p.name),
            status_badge(p.status),
            escape(value_text(kpi, p.value, currency)),
            escape(value_text(kpi, p.target, currency)),
            str(p.months),
            "complete" if p.complete else "so far",
        ]
        for p in sorted(periods, key=lambda p: (p.last, p.kind == "year"), reverse=True)
    ]
    headers = ("Period", "Status", "Value", "Target", "Months reported", "")
    return table(headers, rows, "kpi-periods")


def pacing_line(kpi: Kpi, pacing: Pacing, currency: str | None) -> str:
    """``On pace`` or ``behind`` for the fiscal year, the forecast against the target, its
    basis, and how the forecast is made."""
    if pacing.pace == "missing":
        head = f"{pacing.fiscal_year}: no forecast (no value in the last 12 months)."
    else:
        state = PACE_WORDS.get(pacing.pace, "no target for the year")
        head = (
            f"{pacing.fiscal_year}: {state}. Forecast {value_text(kpi, pacing.forecast_fy, currency)}"
            f" against a target of {value_text(kpi, pacing.target_fy, currency)}"
        )
        if pacing.forecast_gap_pct is not None:
            head += f" ({percent_text(pacing.forecast_gap_pct)})"
        head += "."
    basis = ""
    if pacing.basis == "growth":
        basis = f" Growth so far {percent_text(pacing.growth)} on last year."
    elif pacing.basis == "run_rate":
        basis = f" Run rate {value_text(kpi, pacing.run_rate, currency)} a month."
    return (
        f'<p class="kpi-pacing kpi-pacing--{pacing.pace}">{escape(head + basis)} '
        f'<span class="kpi-pacing-rule">{escape(FORECAST_RULE)}</span></p>'
    )


def pace_cell(pacing: Pacing | None) -> str:
    """The overview's pace column: on pace, behind, or a dash."""
    if pacing is None or pacing.pace in ("missing", "no_target"):
        return "—"
    words = PACE_WORDS[pacing.pace]
    return f'<span class="kpi-pace kpi-pace--{pacing.pace}">{escape(words)}</span>'
