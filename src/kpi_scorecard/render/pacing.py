"""Pacing and fiscal periods on a KPI's page and the overview (contract 3.5, 3.6): the pacing
line of the headline, the pace column, the table of a KPI's quarters and years, the forecast on
the chart and the cumulative chart of a summed KPI's year."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from kpi_scorecard.figures.compute import fiscal_year_begin
from kpi_scorecard.model import Kpi, Month, Pacing, Period, Series, month_str
from kpi_scorecard.render.chart import Figure, base_layout, value_axis
from kpi_scorecard.render.html import Links, link, status_badge, table
from kpi_scorecard.render.numbers import gap_text, percent_text, value_text
from kpi_scorecard.render.text import escape
from kpi_scorecard.render.wording import month_label

FORECAST_RULE = (
    "Forecast: each month still to come is the same month last year times the growth so far "
    "(this year's months against the same months last year); without last year's month, the "
    "mean of the last 12 months."
)
"""How the forecast is made, in one sentence, as the page says it."""
TABLE_YEARS = 3
"""Fiscal years in a KPI page's table of quarters and years."""
PACE_WORDS = {"green": "on pace", "amber": "slightly behind", "red": "behind"}


def periods_table(kpi: Kpi, periods: Sequence[Period], currency: str | None, links: Links) -> str:
    """A KPI's quarters and years of the last ``TABLE_YEARS`` fiscal years, newest first
    (periods.csv has them all: ten years of them would double the page)."""
    newest = sorted(periods, key=lambda p: (p.last, p.kind == "year"), reverse=True)
    years = [p.name for p in newest if p.kind == "year"][:TABLE_YEARS]
    rows = [
        [
            link(links.page(f"reviews/{p.name}"), p.name),
            status_badge(p.status),
            escape(value_text(kpi, p.value, currency)),
            escape(value_text(kpi, p.target, currency)),
            str(p.months),
            "complete" if p.complete else "so far",
        ]
        for p in newest
        if p.name[:6] in years
    ]
    headers = ("Period", "Status", "Value", "Target", "Months reported", "")
    return table(headers, rows, "kpi-periods")


def pacing_line(
    kpi: Kpi, pacing: Pacing, currency: str | None, fiscal_year_start: int | None = None
) -> str:
    """``On pace`` or ``behind`` for the fiscal year, the forecast against the target, its
    basis, and how the forecast is made. With ``fiscal_year_start``, the fiscal year's months
    too: FY2027 alone does not say whether it started in 2026."""
    year = pacing.fiscal_year
    if fiscal_year_start is not None:
        year += f" ({fiscal_year_span(pacing.fiscal_year, fiscal_year_start)})"
    if pacing.pace == "missing":
        head = f"{year}: no forecast (no value in the last 12 months)."
    else:
        state = PACE_WORDS.get(pacing.pace, "no target for the year")
        head = (
            f"{year}: {state}. Forecast {value_text(kpi, pacing.forecast_fy, currency)}"
            f" against a target of {value_text(kpi, pacing.target_fy, currency)}"
        )
        if pacing.forecast_fy is not None and pacing.target_fy is not None:
            head += f": {forecast_gap_text(kpi, pacing, currency)}"  # as every gap is said
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


def forecast_gap_text(kpi: Kpi, pacing: Pacing, currency: str | None) -> str:
    """Said as the off-target gaps are: ``+€1.28 (+0.9%)``, and a percent KPI's in points
    (``-0.07 pp``), never as a relative change that reads like points."""
    if pacing.forecast_fy is None or pacing.target_fy is None:
        return percent_text(pacing.forecast_gap_pct)
    gap = pacing.forecast_fy - pacing.target_fy
    return gap_text(kpi, gap, pacing.forecast_gap_pct, currency)


def fiscal_year_span(name: str, fiscal_year_start: int) -> str:
    """``Apr 2026 to Mar 2027`` for FY2027 starting in April: a fiscal year is named after
    the calendar year in which it ends (contract 3.6)."""
    last = int(name.removeprefix("FY")) * 12 + (fiscal_year_start - 2) % 12
    return f"{month_label(month_str(last - 11))} to {month_label(month_str(last))}"


def pace_cell(pacing: Pacing | None) -> str:
    """The overview's pace column: on pace, behind, or a dash."""
    if pacing is None or pacing.pace in ("missing", "no_target"):
        return "—"
    words = PACE_WORDS[pacing.pace]
    return f'<span class="kpi-pace kpi-pace--{pacing.pace}">{escape(words)}</span>'


# -- on the chart --------------------------------------------------------------------------------


def forecast_trace(
    kpi: Kpi, pacing: Pacing, series: Series, as_of: Month, currency: str | None = None
) -> Figure | None:
    """The forecast months as a dotted continuation of the actual line, from the reporting
    month's value when there is one; the hover as the Actual line's."""
    ahead = [(m, v) for m, v in pacing.forecasts if m >= as_of]
    if not ahead:
        return None
    start = [(as_of, value)] if (value := series.at(as_of)[0]) is not None else []
    points = start + ahead
    return {
        "type": "scatter",
        "mode": "lines",
        "name": f"Forecast {pacing.fiscal_year}",
        "meta": "forecast",
        "x": [month_str(m) for m, _ in points],
        "y": [v for _, v in points],
        "line": {"dash": "dot", "width": 2},
        **hover(kpi, currency, points, ["reported"] * len(start) + ["forecast"] * len(ahead)),
    }


def hover(
    kpi: Kpi,
    currency: str | None,
    points: Sequence[tuple[Month, float | None]],
    words: str | Sequence[str],
) -> Figure:
    """A trace's hover: each month and value written as the tables write them, then what it is
    (``Jun 2026: €1,260.00 forecast``), never plotly's raw number. ``words``: one for all
    points, or one each."""
    each = [words] * len(points) if isinstance(words, str) else words
    return {
        "customdata": [
            [month_label(month_str(m)), escape(value_text(kpi, v, currency)), escape(word)]
            for (m, v), word in zip(points, each, strict=True)
        ],
        "hovertemplate": "%{customdata[0]}: <b>%{customdata[1]}</b> %{customdata[2]}"
        "<extra></extra>",
    }


def cumulative_chart(
    kpi: Kpi,
    pacing: Pacing,
    series: Series,
    as_of: Month,
    fiscal_year_start: int,
    currency: str | None = None,
) -> Figure | None:
    """For a KPI whose months add up (``aggregate: sum``): the fiscal year so far, summed
    month by month, and its forecast, against the summed target path. None for the others or
    without any target in the year."""
    if kpi.aggregate != "sum" or kpi.target is None:
        return None
    begin = fiscal_year_begin(as_of, fiscal_year_start)
    months = list(range(begin, begin + 12))
    targets = [kpi.target.at(m) for m in months]
    if any(t is None for t in targets):
        return None
    target_path = list(itertools.accumulate(t or 0.0 for t in targets))
    forecast = dict(pacing.forecasts)
    reported = {m: v for m in months if m <= as_of and (v := series.at(m)[0]) is not None}
    so_far = list(itertools.accumulate(reported.get(m, 0.0) for m in months if m <= as_of))
    filled = [reported.get(m, forecast.get(m)) for m in months]
    x = [month_str(m) for m in months]
    actual = [(m, so_far[m - begin]) for m in reported]
    traces: list[Figure] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Actual, summed",
            "meta": "actual",
            "x": [month_str(m) for m, _ in actual],
            "y": [v for _, v in actual],
            **hover(kpi, currency, actual, "so far this year"),
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Target, summed",
            "meta": "target",
            "x": x,
            "y": target_path,
            "line": {"dash": "dash", "width": 1.5},
            **hover(kpi, currency, list(zip(months, target_path, strict=True)), "target by then"),
        },
    ]
    if None not in filled and as_of < begin + 11:
        path = list(itertools.accumulate(v or 0.0 for v in filled))
        start = as_of - begin
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Forecast, summed",
                "meta": "forecast",
                "x": x[start:],
                "y": path[start:],
                "line": {"dash": "dot", "width": 2},
                **hover(
                    kpi, currency, list(zip(months, path, strict=True))[start:], "forecast by then"
                ),
            }
        )
    layout = {
        **base_layout(300, months),
        "hovermode": "closest",
        "yaxis": value_axis(kpi, currency),
    }
    # one label a fiscal quarter: four fit a phone's width without turning
    quarters = months[::3]
    layout["xaxis"] |= {
        "tickvals": [month_str(m) for m in quarters],
        "ticktext": [month_label(month_str(m)) for m in quarters],
    }
    return {"data": traces, "layout": layout}
