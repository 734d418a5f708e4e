"""Pacing on pages: the headline's line, the overview's cell, the forecast on the chart and
the cumulative chart of a summed KPI (render/pacing.py)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from kpi_scorecard.figures.compute import compute
from kpi_scorecard.render.numbers import value_text
from kpi_scorecard.render.pacing import (
    FORECAST_RULE,
    cumulative_chart,
    fiscal_year_span,
    forecast_trace,
    pace_cell,
    pacing_line,
)
from kpi_scorecard.render.periods import period_summary, review_periods
from kpi_scorecard.render.wording import month_label
from kpi_scorecard.site import prepare

from .conftest import FIXTURES
from .test_compute import m
from .test_periods import grown, new_kpi


def test_the_headline_says_on_pace_the_forecast_and_its_basis() -> None:
    card = grown("sum")
    results, _ = compute(card)
    line = pacing_line(card.kpis["k"], results.pacing["k"], None)
    # 144 against 120 (+20 %), growth 36 / 30 = +20 %
    assert "FY2026: on pace. Forecast 144 against a target of 120: +24 (+20.0%)." in line
    assert "Growth so far +20.0% on last year." in line
    assert FORECAST_RULE.replace("'", "&#x27;") in line
    assert pace_cell(results.pacing["k"]) == '<span class="kpi-pace kpi-pace--green">on pace</span>'


def test_a_kpi_without_history_is_forecast_on_its_run_rate() -> None:
    card = new_kpi("sum")
    results, _ = compute(card)
    line = pacing_line(card.kpis["k"], results.pacing["k"], None)
    assert "FY2027: behind. Forecast 1,260 against a target of 1,500: -240 (-16.0%)." in line
    assert "Run rate 105 a month." in line


def test_the_forecast_continues_the_line_from_the_reporting_month() -> None:
    card = grown("mean")
    results, _ = compute(card)
    trace = forecast_trace(card.kpis["k"], results.pacing["k"], results.series["k"], results.as_of)
    assert trace is not None
    assert trace["x"][0] == "2026-03" and trace["y"][0] == 13.0  # the last reported value
    assert trace["x"][1:] == [f"2026-{n:02d}" for n in range(4, 13)]
    assert trace["line"]["dash"] == "dot"


def test_the_cumulative_chart_ends_on_the_forecast_and_the_years_target() -> None:
    card = new_kpi("sum")
    results, _ = compute(card)
    figure = cumulative_chart(
        card.kpis["k"], results.pacing["k"], results.series["k"], m("2026-06"), 4
    )
    assert figure is not None
    actual, target, forecast = figure["data"]
    assert (actual["x"], actual["y"]) == (["2026-04", "2026-05"], [100.0, 210.0])
    assert target["y"][-1] == 1500.0  # 6 x 100 + 6 x 150
    assert target["y"][5:7] == [600.0, 750.0]  # the step in 2026-10
    assert forecast["x"][0] == "2026-06" and forecast["y"][0] == 315.0  # 210 + 105
    assert forecast["y"][-1] == results.pacing["k"].forecast_fy == 1260.0
    mean = new_kpi("mean")
    results, _ = compute(mean)
    kpi = mean.kpis["k"]
    assert cumulative_chart(kpi, results.pacing["k"], results.series["k"], m("2026-06"), 4) is None


def test_an_older_periods_pack_counts_statuses_by_category() -> None:
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    scorecard, results = state.data.scorecard, state.data.results
    year = next(p for p in review_periods(results) if p.name == "FY2026")
    summary = period_summary(scorecard, results, year)
    # FY2026: orders no target (sales); cost per order red, spend green (cost)
    rows = re.findall(r"<tr><td>([^<]+)</td>((?:<td>\d+</td>)+)</tr>", summary)
    counts = {title: re.findall(r"\d+", cells) for title, cells in rows}
    assert counts == {"Sales": ["0", "0", "0", "0", "1"], "Cost": ["1", "0", "1", "0", "0"]}


def test_the_forecast_and_cumulative_hovers_write_values_as_the_tables_do() -> None:
    card = new_kpi("sum")
    kpi = dataclasses.replace(card.kpis["k"], unit="currency")
    results, _ = compute(card)
    pacing, series = results.pacing["k"], results.series["k"]
    forecast = forecast_trace(kpi, pacing, series, m("2026-06"), "EUR")
    cumulative = cumulative_chart(kpi, pacing, series, m("2026-06"), 4, "EUR")
    assert forecast is not None and cumulative is not None
    traces = [forecast, *cumulative["data"]]
    assert [t["meta"] for t in traces] == ["forecast", "actual", "target", "forecast"]
    for trace in traces:
        assert "%{y}" not in trace["hovertemplate"]
        assert "%{customdata[1]}" in trace["hovertemplate"]
        months = [month_label(x) for x in trace["x"]]
        shown = [value_text(kpi, y, "EUR") for y in trace["y"]]
        assert [row[:2] for row in trace["customdata"]] == [
            [month, text] for month, text in zip(months, shown, strict=True)
        ]
    # 2026-06 has no value: the forecast line starts with its forecast, 105 (the run rate)
    assert forecast["customdata"][0] == ["Jun 2026", "€105", "forecast"]
    actual, target, _ = cumulative["data"]
    assert actual["customdata"][-1] == ["May 2026", "€210", "so far this year"]
    assert target["customdata"][-1] == ["Mar 2027", "€1,500", "target by then"]
    assert cumulative["layout"]["yaxis"]["tickprefix"] == "€"


def test_the_forecast_line_starts_at_the_reported_month() -> None:
    card = grown("sum")
    results, _ = compute(card)
    trace = forecast_trace(card.kpis["k"], results.pacing["k"], results.series["k"], m("2026-03"))
    assert trace is not None
    assert trace["customdata"][0] == ["Mar 2026", "13", "reported"]
    assert trace["customdata"][1] == ["Apr 2026", "12", "forecast"]  # 10 x 1.2


@pytest.mark.parametrize(
    ("name", "start", "span"),
    [
        ("FY2027", 4, "Apr 2026 to Mar 2027"),
        ("FY2026", 1, "Jan 2026 to Dec 2026"),
        ("FY2027", 12, "Dec 2026 to Nov 2027"),
    ],
)
def test_a_fiscal_years_months(name: str, start: int, span: str) -> None:
    assert fiscal_year_span(name, start) == span


def test_the_pacing_line_says_the_fiscal_years_months() -> None:
    card = new_kpi("sum")
    results, _ = compute(card)
    line = pacing_line(card.kpis["k"], results.pacing["k"], None, 4)
    assert "FY2027 (Apr 2026 to Mar 2027): behind." in line


def test_the_cumulative_chart_is_labelled_by_fiscal_quarter() -> None:
    card = new_kpi("sum")
    results, _ = compute(card)
    kpi = card.kpis["k"]
    figure = cumulative_chart(kpi, results.pacing["k"], results.series["k"], m("2026-06"), 4)
    assert figure is not None
    axis = figure["layout"]["xaxis"]
    assert axis["ticktext"] == ["Apr 2026", "Jul 2026", "Oct 2026", "Jan 2027"]


def test_a_percent_kpis_forecast_is_off_by_points() -> None:
    card = grown("mean")
    kpi = dataclasses.replace(card.kpis["k"], unit="percent", decimals=1)
    card = dataclasses.replace(card, kpis={"k": kpi})
    results, _ = compute(card)
    pacing = results.pacing["k"]
    assert pacing.forecast_fy is not None and pacing.target_fy is not None
    points = pacing.forecast_fy - pacing.target_fy
    line = pacing_line(kpi, pacing, None)
    assert f"against a target of {pacing.target_fy:.1f}%: {points:+.1f}\u00a0pp." in line
