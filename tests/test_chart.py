"""Issue 14.7: charts say every number as the tables do, shade the tolerance band, mark the
notes, and colour each trace by a fixed meaning; changes and trends keep the KPI's unit."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.model import Benchmark, Kpi, Results, Series, Status, Target, parse_month
from kpi_scorecard.render.chart import (
    COMPACTED,
    MAX_NOTE_CHARS,
    NOTE_LINE_CHARS,
    ROLES,
    SEGMENT_COLOURS,
    chart,
    chart_json,
    drawn,
    wrapped,
)
from kpi_scorecard.render.numbers import (
    change_text,
    number_locale,
    slope_text,
    value_text,
)
from kpi_scorecard.render.segments import segment_chart
from kpi_scorecard.render.text import escape
from kpi_scorecard.site import prepare

from .conftest import FIXTURES, bare_kpi

OCT = parse_month("2026-10") or 0
BASIC_BUNDLE_TYPES = {"scatter", "bar", "pie"}
"""The trace types of plotly.js's basic bundle, the one the site serves."""


def series_of(
    values: list[float | None], targets: list[float | None] | None = None, first: int = OCT
) -> Series:
    targets = targets if targets is not None else [None] * len(values)
    statuses: tuple[Status, ...] = tuple(
        "missing" if v is None else "no_target" if t is None else "green"
        for v, t in zip(values, targets, strict=True)
    )
    return Series(
        months=tuple(range(first, first + len(values))),
        values=tuple(values),
        targets=tuple(targets),
        statuses=statuses,
        rolling_3=tuple(values),
    )


def trace(figure: dict[str, Any], role: str) -> dict[str, Any]:
    return next(t for t in figure["data"] if t.get("meta") == role)


def roles(figure: dict[str, Any]) -> list[str]:
    return [t.get("meta") for t in figure["data"]]


def euro_kpi(**fields: Any) -> Kpi:
    return bare_kpi("spend", unit="currency", currency="EUR", **fields)


def test_the_hover_says_each_value_and_target_as_the_monthly_table_does() -> None:
    kpi = euro_kpi(decimals=0)
    series = series_of([435653.0, 470000.5, None], [470000.0] * 3)
    actual = trace(chart(kpi, series), "actual")
    assert [row[1] for row in actual["customdata"]] == ["€435,653", "€470,001", "—"]
    assert actual["customdata"][0][2] == "<br>Target: €470,000"
    assert [row[0] for row in actual["customdata"]] == ["Oct 2026", "Nov 2026", "Dec 2026"]
    assert "%{y}" not in actual["hovertemplate"]  # plotly's own "435.653k" is never shown


def test_the_hover_and_axis_follow_the_scorecards_locale() -> None:
    kpi = bare_kpi("share", unit="percent", decimals=2)
    with number_locale("de"):
        figure = chart(kpi, series_of([2.18]))
        assert trace(figure, "actual")["customdata"][0][:2] == ["Okt. 2026", value_text(kpi, 2.18)]
    assert figure["layout"]["separators"] == ",."
    assert figure["layout"]["yaxis"]["ticksuffix"] == "\xa0%"
    assert figure["layout"]["yaxis"]["tickformat"] == ",.2~f"


def test_the_value_axis_has_the_currency_sign_and_the_kpis_decimals() -> None:
    axis = chart(euro_kpi(decimals=0), series_of([1.0]))["layout"]["yaxis"]
    assert (axis["tickprefix"], axis["ticksuffix"], axis["tickformat"]) == ("€", "", ",.0~f")
    number_axis = chart(bare_kpi("n"), series_of([1.0]), "EUR")["layout"]["yaxis"]
    assert (number_axis["tickprefix"], number_axis["ticksuffix"]) == ("", "")


def test_a_one_month_chart_labels_its_month_once() -> None:
    axis = chart(bare_kpi("n"), series_of([5.0]))["layout"]["xaxis"]
    assert axis["ticktext"] == ["Oct 2026"]
    assert axis["tickvals"] == ["2026-10"]


@given(st.integers(min_value=1, max_value=400), st.integers(min_value=0, max_value=11))
def test_month_labels_are_few_distinct_and_on_the_axis(length: int, start: int) -> None:
    first = parse_month("2020-01") or 0
    axis = chart(bare_kpi("n"), series_of([1.0] * length, first=first + start))["layout"]["xaxis"]
    assert 1 <= len(axis["ticktext"]) <= 6
    assert len(set(axis["ticktext"])) == len(axis["ticktext"])
    months = [f"{2020 + (start + i) // 12}-{(start + i) % 12 + 1:02d}" for i in range(length)]
    assert set(axis["tickvals"]) <= set(months)


def test_the_band_lies_below_the_target_when_higher_is_better_and_steps_with_it() -> None:
    higher = chart(bare_kpi("n"), series_of([1.0, 2.0], [100.0, 200.0]), tolerance=0.1)
    edge, top = (t for t in higher["data"] if t.get("meta") == "band")
    assert (edge["y"], top["y"], top["fill"]) == ([90.0, 180.0], [100.0, 200.0], "tonexty")
    assert edge["line"]["shape"] == top["line"]["shape"] == "hv"
    lower = chart(bare_kpi("n", better="lower"), series_of([1.0], [-50.0]), tolerance=0.1)
    assert [t["y"] for t in lower["data"] if t.get("meta") == "band"] == [[-45.0], [-50.0]]


def test_a_kpi_without_a_target_has_no_target_band_or_target_colour() -> None:
    figure = chart(bare_kpi("n"), series_of([1.0, 2.0]), tolerance=0.05)
    assert roles(figure) == ["actual", "rolling"]
    assert "Target" not in trace(figure, "actual")["hovertemplate"] + str(
        trace(figure, "actual")["customdata"]
    )


def test_every_trace_names_a_role_of_the_palette_and_a_type_of_the_basic_bundle() -> None:
    kpi = euro_kpi(benchmark=Benchmark(55.0, "Industry"), notes={OCT: "Why."})
    figure = chart(kpi, series_of([1.0, 2.0], [2.0, 2.0]), restated={OCT: "was 3"}, tolerance=0.1)
    assert set(roles(figure)) == {
        "band",
        "actual",
        "target",
        "rolling",
        "benchmark",
        "note",
        "restated",
    }
    assert set(roles(figure)) <= set(ROLES)
    assert {t["type"] for t in figure["data"]} <= BASIC_BUNDLE_TYPES
    assert trace(figure, "benchmark")["name"] == "Benchmark (€55, Industry)"


def test_months_with_a_note_are_marked_and_their_hover_has_the_note() -> None:
    kpi = bare_kpi("n", notes={OCT + 1: "Paused the <b>broad</b> campaign."})
    figure = chart(kpi, series_of([1.0, 2.0, 3.0]))
    assert trace(figure, "note")["x"] == ["2026-11"]
    notes = [row[4] for row in trace(figure, "actual")["customdata"]]
    assert notes == ["", "<br>Paused the &lt;b&gt;broad&lt;/b&gt; campaign.", ""]


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=600))
def test_a_note_in_the_hover_is_escaped_wrapped_and_keeps_its_words(note: str) -> None:
    text = wrapped(note)
    lines = text.split("<br>") if text else []
    plain = [re.sub(r"&(lt|gt|amp|quot|#x27);", "x", line) for line in lines]
    assert all(len(line) <= NOTE_LINE_CHARS for line in plain)
    assert "<" not in text.replace("<br>", "")
    flat = " ".join(note.split())
    if len(flat) <= MAX_NOTE_CHARS:
        assert " ".join(lines).replace(" ", "") == escape(flat).replace(" ", "")


def test_the_segment_chart_never_takes_the_targets_colour_and_says_its_unit() -> None:
    kpi = euro_kpi(aggregate="sum", decimals=0)
    segments = {f"s{i}": series_of([10.0 * i], [12.0 * i]) for i in range(8)}
    total = series_of([280.0], [300.0])
    results = Results(OCT, {}, {kpi.id: total}, segment_series={kpi.id: segments})
    figure = segment_chart(kpi, results, "EUR")
    bars = [t for t in figure["data"] if t["type"] == "bar"]
    assert [t["meta"] for t in bars] == [f"segment-{i % SEGMENT_COLOURS}" for i in range(8)]
    assert roles(figure).count("target") == 1  # the total's target over the stack
    assert bars[3]["customdata"][0] == ["Oct 2026", "€30", "<br>Target: €36"]
    assert figure["layout"]["yaxis"]["tickprefix"] == "€"


def test_segments_drawn_as_lines_draw_their_own_targets_in_their_colour() -> None:
    kpi = bare_kpi("rate", unit="percent", aggregate="mean")
    segments = {"search": series_of([2.0], [2.5]), "social": series_of([1.0])}
    results = Results(OCT, {}, {}, segment_series={kpi.id: segments})
    figure = segment_chart(kpi, results)
    assert roles(figure) == ["segment-0", "segment-0", "segment-1"]
    assert figure["data"][1]["y"] == [2.5] and figure["data"][1]["line"]["dash"] == "dash"


def test_changes_keep_the_currency_sign_and_trends_the_kpis_decimals() -> None:
    kpi = euro_kpi(decimals=0)
    assert change_text(kpi, 340.0, 0.025) == "+€340 (+2.5%)"
    assert change_text(kpi, -340.0, None) == "-€340"
    assert change_text(bare_kpi("n", unit="currency"), 5.5, None, "EUR") == "+€5.50"
    assert slope_text(kpi, 1234.4) == "+€1,234 a month"
    assert slope_text(bare_kpi("r", unit="percent", decimals=1), -0.04) == "0.0\u00a0pp a month"
    with number_locale("de"):
        assert change_text(kpi, 340.0, None) == "+340\xa0€"


def test_the_target_and_its_band_run_on_over_the_forecast_months() -> None:
    # the target steps from 100 to 150 in 2027-01; the series ends in 2026-11
    target = Target(steps=((OCT, 100.0), (OCT + 3, 150.0)))
    kpi = bare_kpi("n", target=target)
    series = series_of([90.0, 95.0], [100.0, 100.0])
    ahead = [OCT + 1, OCT + 2, OCT + 3, OCT + 4]  # 2026-11 is in the series already
    figure = chart(kpi, series, tolerance=0.1, ahead=ahead)
    line = trace(figure, "target")
    assert line["x"] == ["2026-10", "2026-11", "2026-12", "2027-01", "2027-02"]
    assert line["y"] == [100.0, 100.0, 100.0, 150.0, 150.0]
    edge = next(t for t in figure["data"] if t["meta"] == "band")
    assert edge["y"][-2:] == [135.0, 135.0]  # 150 - 0.1 x 150
    assert trace(figure, "actual")["x"] == ["2026-10", "2026-11"]  # values stay as they are
    assert figure["layout"]["xaxis"]["ticktext"][-1] == "Feb 2027"  # the axis spans the forecast


def expanded(value: Any) -> Any:
    """What kpi.js does with a list chart_json wrote shorter."""
    if not isinstance(value, dict):
        return value
    if "runs" in value:
        return [item for item, times in value["runs"] for _ in range(times)]
    if "from" in value:
        year, month = map(int, value["from"].split("-"))
        start = year * 12 + month - 1
        months = [divmod(start + i, 12) for i in range(value["count"])]
        if "labels" in value:
            return [value["labels"][m].replace("{y}", str(y)) for y, m in months]
        return [f"{y}-{m + 1:02d}" for y, m in months]
    return [list(row) for row in zip(*map(expanded, value["columns"]), strict=True)]


def with_lists(figure: dict[str, Any]) -> dict[str, Any]:
    """What kpi.js does with a chart's JSON before drawing it."""
    for trace in figure["data"]:
        for key in COMPACTED:
            if key in trace:
                trace[key] = expanded(trace[key])
    return figure


def test_a_chart_is_written_shorter_and_drawn_as_it_was() -> None:
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    results = state.data.results
    for kpi_id, kpi in state.data.scorecard.kpis.items():
        figure = chart(kpi, results.series[kpi_id], "EUR", tolerance=0.1)
        written = chart_json(figure)
        assert len(written) < len(json.dumps(figure, separators=(",", ":"))), kpi_id
        assert with_lists(json.loads(written)) == json.loads(json.dumps(figure)), kpi_id


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["on target", "off target", "", "2026-01"]),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-5, 5),
        ),
        max_size=30,
    ),
    st.integers(0, 4),
)
def test_any_list_of_a_trace_comes_back_as_it_was(values: list[Any], columns: int) -> None:
    months = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(len(values))]
    rows = [[value] * columns for value in values] if columns else values
    trace = {"x": months, "y": values, "customdata": rows}
    written = json.loads(chart_json({"data": [trace]}))
    assert with_lists(written)["data"][0] == json.loads(json.dumps(trace))


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_a_line_only_drawn_loses_nothing_a_chart_can_show(value: float) -> None:
    [point] = drawn([value])
    assert point is not None and abs(point - value) <= abs(value) * 1e-11


def test_a_float_s_noise_stays_out_of_the_lines_json() -> None:
    assert drawn([80749.99999999999, 71234.56666666667, None]) == [80750.0, 71234.5666667, None]


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.booleans(),
            st.text(max_size=8),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(),
            st.lists(st.integers(), max_size=3),
        ),
        max_size=30,
    )
)
def test_the_shortest_a_list_could_be_in_json_is_never_more_than_it_is(values: list[Any]) -> None:
    """chart_json decides on it, without writing the list out, that a shorter form is."""
    from kpi_scorecard.render.chart import _json, _least_json_length

    assert _least_json_length(values) <= len(_json(values))
