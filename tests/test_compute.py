"""Contract section 3: the figures, targets, status, trend, streak, as_of, formulas and series.

Every expectation is worked out by hand; the arithmetic is in the comment next to it.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.figures import compute as compute_module
from kpi_scorecard.figures.compute import (
    FiguresAt,
    compute,
    fiscal_year_begin,
    status,
    trend_slope,
)
from kpi_scorecard.figures.numbers import Numbers
from kpi_scorecard.model import Kpi, Person, Scorecard, Settings, Target, month_str, parse_month

from .conftest import bare_kpi


def m(text: str) -> int:
    month = parse_month(text)
    assert month is not None
    return month


def kpi(
    id: str,
    values: dict[str, float | None] | None = None,
    *,
    better: str = "higher",
    target: Target | None = None,
    aggregate: str = "mean",
    formula: str | None = None,
    tolerance: float | None = None,
) -> Kpi:
    return bare_kpi(
        id,
        better=better,
        aggregate=aggregate,
        target=target,
        tolerance=tolerance,
        formula=formula,
        values={m(month): v for month, v in (values or {}).items()},
        lines={"formula": 7},
    )


def scorecard(*kpis: Kpi, **settings: object) -> Scorecard:
    return Scorecard(
        Settings(**settings),  # type: ignore[arg-type]
        {"ann": Person("ann", "Ann")},
        {k.id: k for k in sorted(kpis, key=lambda k: k.id)},
    )


def figures(card: Scorecard, kpi_id: str = "k"):
    results, _ = compute(card)
    return results.figures[kpi_id]


# -- 3.1 value, previous, month on month, year on year ------------------------------------------


def test_value_previous_mom_and_yoy() -> None:
    f = figures(scorecard(kpi("k", {"2025-03": 80.0, "2026-02": 90.0, "2026-03": 100.0})))
    assert f.value == 100.0
    assert f.previous == 90.0
    assert f.mom_change == pytest.approx(10.0)  # 100 - 90
    assert f.mom_pct == pytest.approx(0.111111111)  # 10 / 90
    assert f.yoy_change == pytest.approx(20.0)  # 100 - 80 (2025-03 = m-12)
    assert f.yoy_pct == pytest.approx(0.25)  # 20 / 80


def test_mom_pct_divides_by_abs_of_a_negative_previous() -> None:
    f = figures(scorecard(kpi("k", {"2026-02": -50.0, "2026-03": -40.0})))
    assert f.mom_change == pytest.approx(10.0)  # -40 - -50
    assert f.mom_pct == pytest.approx(0.2)  # 10 / abs(-50)


def test_mom_pct_is_null_when_previous_is_zero() -> None:
    f = figures(scorecard(kpi("k", {"2026-02": 0.0, "2026-03": 5.0})))
    assert f.previous == 0.0
    assert f.mom_change == pytest.approx(5.0)  # 5 - 0
    assert f.mom_pct is None


@pytest.mark.parametrize("values", [{"2026-03": 5.0}, {"2026-02": None, "2026-03": 5.0}])
def test_mom_is_null_when_previous_is_null(values: dict[str, float | None]) -> None:
    f = figures(scorecard(kpi("k", values)))
    assert f.previous is None
    assert f.mom_change is None
    assert f.mom_pct is None


def test_yoy_is_null_without_the_month_a_year_before() -> None:
    # 2025-04 is m-11, not m-12: it must not be used as the year-ago value.
    f = figures(scorecard(kpi("k", {"2025-04": 80.0, "2026-03": 100.0})))
    assert f.yoy_change is None
    assert f.yoy_pct is None


# -- rolling_3 ----------------------------------------------------------------------------------


def test_rolling_3_skips_nulls_and_ignores_m_minus_3() -> None:
    card = scorecard(kpi("k", {"2025-12": 100.0, "2026-01": 3.0, "2026-02": None, "2026-03": 6.0}))
    assert figures(card).rolling_3 == pytest.approx(4.5)  # (3 + 6) / 2; 2025-12 is m-3


def test_rolling_3_is_null_when_the_three_months_are_null() -> None:
    card = scorecard(
        kpi("k", {"2025-12": 5.0, "2026-01": None, "2026-03": None}), as_of=m("2026-03")
    )
    assert figures(card).rolling_3 is None


# -- ytd ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        ("sum", 5.0),  # 1 + 4 (2025-12 is the previous fiscal year)
        ("mean", 2.5),  # (1 + 4) / 2
        ("last", 4.0),  # 2026-03
    ],
)
def test_ytd_calendar_fiscal_year(aggregate: str, expected: float) -> None:
    values = {"2025-12": 100.0, "2026-01": 1.0, "2026-02": None, "2026-03": 4.0}
    card = scorecard(kpi("k", values, aggregate=aggregate), fiscal_year_start=1)
    assert figures(card).ytd == pytest.approx(expected)


def test_ytd_last_is_the_last_non_null_value() -> None:
    values = {"2026-01": 1.0, "2026-02": 7.0, "2026-03": None}
    card = scorecard(kpi("k", values, aggregate="last"), as_of=m("2026-03"))
    assert figures(card).ytd == 7.0  # 2026-03 is null, so 2026-02


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        ("sum", 60.0),  # 10 + 20 + 30 over 2025-04..2026-02
        ("mean", 20.0),  # 60 / 3
        ("last", 30.0),  # 2026-02
    ],
)
def test_ytd_fiscal_year_starting_in_april(aggregate: str, expected: float) -> None:
    values = {
        "2025-03": 1000.0,  # previous fiscal year
        "2025-04": 10.0,
        "2025-12": 20.0,
        "2026-02": 30.0,
        "2026-03": 5000.0,  # after as_of
    }
    card = scorecard(kpi("k", values, aggregate=aggregate), fiscal_year_start=4, as_of=m("2026-02"))
    assert figures(card).ytd == pytest.approx(expected)


def test_ytd_restarts_on_the_fiscal_start_month() -> None:
    values = {"2026-02": 30.0, "2026-03": 40.0, "2026-04": 7.0}
    card = scorecard(kpi("k", values, aggregate="sum"), fiscal_year_start=4)
    assert figures(card).ytd == pytest.approx(7.0)  # fiscal year 2026-04.. holds only 7


def test_ytd_is_null_without_values_in_the_fiscal_year() -> None:
    card = scorecard(kpi("k", {"2025-11": 5.0}, aggregate="sum"), as_of=m("2026-03"))
    assert figures(card).ytd is None


@pytest.mark.parametrize(
    ("month", "start", "expected"),
    [
        ("2026-02", 4, "2025-04"),
        ("2026-04", 4, "2026-04"),
        ("2026-03", 4, "2025-04"),
        ("2026-03", 1, "2026-01"),
        ("2026-12", 1, "2026-01"),
        ("2026-11", 12, "2025-12"),
        ("2026-12", 12, "2026-12"),
    ],
)
def test_fiscal_year_begin(month: str, start: int, expected: str) -> None:
    assert fiscal_year_begin(m(month), start) == m(expected)


# -- 3.2 targets, gap ---------------------------------------------------------------------------


def test_constant_target_gap_and_gap_pct() -> None:
    card = scorecard(kpi("k", {"2026-03": 54.0}, better="lower", target=Target(constant=45.0)))
    f = figures(card)
    assert f.target == 45.0
    assert f.gap == pytest.approx(9.0)  # 54 - 45
    assert f.gap_pct == pytest.approx(0.2)  # 9 / 45
    assert f.status == "red"  # 54 > 45 + 0.05 * 45 = 47.25


def test_gap_pct_uses_abs_of_a_negative_target() -> None:
    card = scorecard(kpi("k", {"2026-03": -30.0}, target=Target(constant=-40.0)))
    f = figures(card)
    assert f.gap == pytest.approx(10.0)  # -30 - -40
    assert f.gap_pct == pytest.approx(0.25)  # 10 / abs(-40)


def test_gap_pct_is_null_when_target_is_zero() -> None:
    f = figures(scorecard(kpi("k", {"2026-03": 3.0}, target=Target(constant=0.0))))
    assert f.target == 0.0
    assert f.gap == pytest.approx(3.0)  # 3 - 0
    assert f.gap_pct is None
    assert f.status == "green"  # 3 >= 0


STEPPED = Target(steps=((m("2026-01"), 50.0), (m("2026-07"), 45.0)))


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2026-01", 50.0), ("2026-06", 50.0), ("2026-07", 45.0), ("2026-12", 45.0)],
)
def test_stepped_target_holds_until_the_next_step(as_of: str, expected: float) -> None:
    card = scorecard(kpi("k", {as_of: 48.0}, target=STEPPED))
    f = figures(card)
    assert f.target == expected
    assert f.gap == pytest.approx(48.0 - expected)


def test_no_target_before_the_first_step() -> None:
    f = figures(scorecard(kpi("k", {"2025-12": 40.0}, target=STEPPED)))
    assert f.target is None
    assert f.gap is None
    assert f.gap_pct is None
    assert f.status == "no_target"


# -- 3.3 status ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "better", "expected"),
    [
        # higher, t = 100, band = 0.05 * 100 = 5
        (100.0, 100.0, "higher", "green"),
        (130.0, 100.0, "higher", "green"),
        (99.99, 100.0, "higher", "amber"),
        (95.0, 100.0, "higher", "amber"),  # exactly t - 5
        (94.99, 100.0, "higher", "red"),
        # lower, t = 100
        (100.0, 100.0, "lower", "green"),
        (50.0, 100.0, "lower", "green"),
        (105.0, 100.0, "lower", "amber"),  # exactly t + 5
        (105.01, 100.0, "lower", "red"),
        # negative target: band = 0.05 * abs(-200) = 10
        (-200.0, -200.0, "higher", "green"),
        (-210.0, -200.0, "higher", "amber"),  # exactly -200 - 10
        (-210.5, -200.0, "higher", "red"),
        (-200.0, -200.0, "lower", "green"),
        (-190.0, -200.0, "lower", "amber"),  # exactly -200 + 10
        (-189.0, -200.0, "lower", "red"),
    ],
)
def test_status_boundaries(value: float, target: float, better: str, expected: str) -> None:
    assert status(value, target, better, 0.05) == expected


@pytest.mark.parametrize(
    ("target", "better"), [(100.0, "higher"), (None, "higher"), (1.0, "lower")]
)
def test_status_of_a_null_value_is_missing(target: float | None, better: str) -> None:
    assert status(None, target, better, 0.05) == "missing"


def test_status_without_target_is_no_target() -> None:
    assert status(5.0, None, "higher", 0.05) == "no_target"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (200.0, "green"),
        (180.0, "amber"),  # exactly 200 - 0.1 * 200
        (185.0, "amber"),  # red with the default 0.05 (190), amber with the override
        (179.0, "red"),
    ],
)
def test_kpi_tolerance_overrides_the_scorecard_default(value: float, expected: str) -> None:
    card = scorecard(kpi("k", {"2026-03": value}, target=Target(constant=200.0), tolerance=0.1))
    assert figures(card).status == expected


@pytest.mark.parametrize(("value", "expected"), [(80.0, "amber"), (79.0, "red")])
def test_scorecard_tolerance_applies_without_override(value: float, expected: str) -> None:
    # band = 0.2 * 100 = 20, so amber down to 80
    card = scorecard(kpi("k", {"2026-03": value}, target=Target(constant=100.0)), tolerance=0.2)
    assert figures(card).status == expected


def test_status_through_compute_missing_and_no_target() -> None:
    card = scorecard(
        kpi("a", {"2026-03": None}, target=Target(constant=1.0)),
        kpi("b", {"2026-03": None}),
        kpi("c", {"2026-03": 5.0}),
        as_of=m("2026-03"),
    )
    results, _ = compute(card)
    assert results.figures["a"].status == "missing"
    assert results.figures["b"].status == "missing"  # missing even without a target
    assert results.figures["c"].status == "no_target"


# -- trend --------------------------------------------------------------------------------------


def test_trend_slope_of_a_straight_line() -> None:
    window = {m("2026-01"): Fraction(1), m("2026-02"): Fraction(2), m("2026-03"): Fraction(3)}
    assert trend_slope(window) == 1


def test_trend_slope_with_gaps() -> None:
    # x = 0, 2, 5; y = 1, 5, 4; mean x = 7/3, mean y = 10/3
    # Sxy = ((-7)(-7) + (-1)(5) + (8)(2)) / 9 = 60/9; Sxx = (49 + 1 + 64) / 9 = 114/9
    # slope = 60 / 114 = 10/19
    window = {m("2025-04"): Fraction(1), m("2025-06"): Fraction(5), m("2025-09"): Fraction(4)}
    assert trend_slope(window) == Fraction(10, 19)  # exactly


def test_trend_window_is_m_minus_11_to_m() -> None:
    # 2025-03 is m-12 and must be left out; the rest is the gapped case above: 10/19
    values = {"2025-03": 1000.0, "2025-04": 1.0, "2025-06": 5.0, "2025-09": 4.0}
    f = figures(scorecard(kpi("k", values), as_of=m("2026-03")))
    assert f.trend_slope == pytest.approx(10 / 19)
    assert f.trend == "improving"


def test_fewer_than_three_values_give_no_slope() -> None:
    f = figures(scorecard(kpi("k", {"2025-12": 1.0, "2026-01": None, "2026-03": 9.0})))
    assert f.trend_slope is None
    assert f.trend == "flat"


@pytest.mark.parametrize(("better", "expected"), [("lower", "improving"), ("higher", "worsening")])
def test_falling_series_trend(better: str, expected: str) -> None:
    values = {"2026-01": 10.0, "2026-02": 8.0, "2026-03": 6.0}
    f = figures(scorecard(kpi("k", values, better=better)))
    assert f.trend_slope == pytest.approx(-2.0)  # drops 2 a month
    assert f.trend == expected


def test_a_symmetric_series_is_exactly_flat() -> None:
    # the true slope is 0; plain floats give 5.5e-12 here, which would read as improving
    series = [
        841349.70,
        158382.42,
        382359.51,
        117882.78,
        117882.78,
        382359.51,
        158382.42,
        841349.70,
    ]
    values = {f"2026-{i + 1:02d}": v for i, v in enumerate(series)}
    f = figures(scorecard(kpi("k", values)))
    assert f.trend_slope == 0.0
    assert f.trend == "flat"


def test_a_tiny_but_real_slope_is_not_flat() -> None:
    values = {"2026-01": 0.0, "2026-02": 0.0000000000005, "2026-03": 0.000000000001}
    f = figures(scorecard(kpi("k", values)))
    assert f.trend_slope == pytest.approx(5e-13)
    assert f.trend == "improving"


# -- streak -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # target 10, higher; 9.5 is the amber boundary
        ({"2025-12": 12.0, "2026-01": 11.0, "2026-02": 10.0, "2026-03": 15.0}, 4),
        ({"2025-11": 12.0, "2026-01": 11.0, "2026-02": 10.0, "2026-03": 15.0}, 3),  # 12 missing
        ({"2025-12": 12.0, "2026-01": 9.8, "2026-02": 10.0, "2026-03": 15.0}, 2),  # 01 amber
        ({"2025-12": 12.0, "2026-01": 11.0, "2026-02": None, "2026-03": 15.0}, 1),  # 02 null
        ({"2026-01": 11.0, "2026-02": 10.0, "2026-03": 9.0}, 0),  # as_of amber
    ],
)
def test_streak(values: dict[str, float | None], expected: int) -> None:
    card = scorecard(kpi("k", values, target=Target(constant=10.0)))
    assert figures(card).streak == expected


def test_streak_is_zero_when_as_of_is_missing() -> None:
    values = {"2026-01": 11.0, "2026-02": 12.0}
    card = scorecard(kpi("k", values, target=Target(constant=10.0)), as_of=m("2026-03"))
    assert figures(card).streak == 0


# -- as_of --------------------------------------------------------------------------------------


def test_settings_as_of_wins() -> None:
    card = scorecard(kpi("k", {"2025-05": 1.0, "2025-06": 2.0, "2026-03": 3.0}), as_of=m("2025-06"))
    results, _ = compute(card)
    assert results.as_of == m("2025-06")
    assert results.figures["k"].value == 2.0
    assert results.figures["k"].previous == 1.0


def test_as_of_is_the_latest_month_with_a_value_across_kpis() -> None:
    card = scorecard(
        kpi("a", {"2026-01": 1.0, "2026-03": 2.0, "2026-04": None}),  # trailing null ignored
        kpi("b", {"2025-12": 1.0, "2026-02": 5.0}),
    )
    results, _ = compute(card)
    assert results.as_of == m("2026-03")
    assert results.figures["a"].value == 2.0
    assert results.figures["b"].value is None


def test_one_owner_entering_next_month_early_does_not_move_the_scorecard() -> None:
    months = {"2026-01": 1.0, "2026-02": 2.0}
    card = scorecard(
        kpi("a", {**months, "2026-03": 3.0}),  # one of three reports March already
        kpi("b", months),
        kpi("c", months),
        kpi("d", {"2026-01": None}),  # no value of its own: not counted
        kpi("r", formula="a / b"),  # calculated: not counted
    )
    assert compute(card)[0].as_of == m("2026-02")
    card = scorecard(
        kpi("a", {**months, "2026-03": 3.0}), kpi("b", {**months, "2026-03": 1.0}), kpi("c", months)
    )
    assert compute(card)[0].as_of == m("2026-03")  # two of three: at least half


def test_without_any_value_the_reporting_month_is_the_builds_month(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # 2026-09-21
    assert compute(scorecard(kpi("a", {"2026-01": None})))[0].as_of == m("2026-09")


# -- formulas -----------------------------------------------------------------------------------


def test_formula_ratio_month_by_month_with_one_warning() -> None:
    card = scorecard(
        kpi("a", {"2026-01": 10.0, "2026-02": 6.0, "2026-03": None, "2026-04": 8.0}),
        kpi("b", {"2026-01": 2.0, "2026-02": 0.0, "2026-03": 4.0, "2026-04": 4.0}),
        kpi("c", formula="a / b"),
    )
    results, warnings = compute(card)
    series = results.series["c"]
    assert series.months == (m("2026-01"), m("2026-02"), m("2026-03"), m("2026-04"))
    # 10/2 = 5; 6/0 -> null; null/4 -> null; 8/4 = 2
    assert series.values == (pytest.approx(5.0), None, None, pytest.approx(2.0))
    assert results.figures["c"].value == pytest.approx(2.0)
    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.path == "kpis/c.yaml"
    assert warning.line == 7
    assert warning.severity == "warning"
    text = str(warning)
    assert "2026-02" in text
    assert "2026-03" in text
    assert "2026-01" not in text
    assert "2026-04" not in text


def test_formula_without_gaps_gives_no_warning() -> None:
    card = scorecard(
        kpi("a", {"2026-01": 3.0}), kpi("b", {"2026-01": 4.0}), kpi("c", formula="a + b")
    )
    results, warnings = compute(card)
    assert warnings == []
    assert results.figures["c"].value == pytest.approx(7.0)  # 3 + 4


def test_formula_chain_is_evaluated_in_dependency_order() -> None:
    # "aa" sorts before "bb", so id order alone would evaluate aa before its input exists
    card = scorecard(
        kpi("aa", formula="bb * 2"),
        kpi("bb", formula="x / y"),
        kpi("x", {"2026-01": 9.0, "2026-02": 12.0}),
        kpi("y", {"2026-01": 3.0, "2026-02": 4.0}),
    )
    results, warnings = compute(card)
    assert warnings == []
    # bb = 9/3 = 3, 12/4 = 3; aa = 3 * 2 = 6
    assert results.series["bb"].values == (pytest.approx(3.0), pytest.approx(3.0))
    assert results.series["aa"].values == (pytest.approx(6.0), pytest.approx(6.0))
    assert results.figures["aa"].value == pytest.approx(6.0)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("-(a - b) * 2", -16.0),  # -(10 - 2) * 2
        ("-a + b", -8.0),  # (-10) + 2
        ("a - (b - 1)", 9.0),  # 10 - (2 - 1)
        ("(a + b) / (a - b)", 1.5),  # 12 / 8
        ("a - -b", 12.0),  # 10 - (-2)
    ],
)
def test_formula_unary_minus_and_parentheses(expression: str, expected: float) -> None:
    card = scorecard(
        kpi("a", {"2026-01": 10.0}), kpi("b", {"2026-01": 2.0}), kpi("c", formula=expression)
    )
    results, warnings = compute(card)
    assert warnings == []
    assert results.figures["c"].value == pytest.approx(expected)


# -- series -------------------------------------------------------------------------------------


def test_series_runs_from_first_to_last_month_with_gaps() -> None:
    card = scorecard(
        kpi("a", {"2026-01": 1.0, "2026-03": 3.0}, target=Target(constant=2.0)),
        kpi("b", {"2025-10": 1.0, "2026-06": 1.0}),
    )
    results, _ = compute(card)
    series = results.series["a"]
    assert series.months == (m("2026-01"), m("2026-02"), m("2026-03"))
    assert series.values == (1.0, None, 3.0)
    assert series.targets == (2.0, 2.0, 2.0)
    # 1 < 2 - 0.1 = 1.9 -> red; gap -> missing; 3 >= 2 -> green
    assert series.statuses == ("red", "missing", "green")
    # (1)/1, (1)/1, (1 + 3)/2
    assert series.rolling_3 == (pytest.approx(1.0), pytest.approx(1.0), pytest.approx(2.0))
    assert len(results.series["b"].months) == 9  # 2025-10 .. 2026-06


def test_series_targets_follow_the_steps() -> None:
    card = scorecard(kpi("k", {"2025-12": 1.0, "2026-07": 1.0}, target=STEPPED))
    targets = compute(card)[0].series["k"].targets
    # 2025-12 none, 2026-01..06 50, 2026-07 45
    assert targets == (None, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 45.0)


def test_a_scorecard_without_values_reports_on_the_source_date_month(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1772323200")  # 2026-03-01T00:00:00Z
    results, _ = compute(Scorecard(Settings(), {}, {}))
    assert month_str(results.as_of) == "2026-03"


# -- decisions on the decimals as written (issue 13) -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "better", "expected"),
    [
        (0.99, 1.1, "higher", "amber"),  # 1.1 - 0.1 * 1.1 is 0.99; in floats 0.9900000000000001
        (0.98, 1.1, "higher", "red"),
        (0.33, 0.3, "lower", "amber"),  # 0.3 + 0.03 is 0.33; in floats 0.32999999999999996
        (0.34, 0.3, "lower", "red"),
        (-1.21, -1.1, "higher", "amber"),
        (0.3, 0.3, "higher", "green"),
    ],
)
def test_status_on_the_edge_of_the_band_is_decided_on_the_decimals(
    value: float, target: float, better: str, expected: str
) -> None:
    card = scorecard(
        kpi("k", {"2026-03": value}, target=Target(constant=target), better=better, tolerance=0.1)
    )
    assert figures(card).status == expected
    assert compute(card)[0].series["k"].statuses == (expected,)


def test_a_formula_that_lands_exactly_on_its_target_is_green_and_counts_in_the_streak() -> None:
    card = scorecard(
        kpi("a", {"2026-02": 0.3, "2026-03": 0.3}),
        kpi("b", {"2026-02": 3.0, "2026-03": 3.0}),
        kpi("k", formula="a / b", target=Target(constant=0.1)),
    )
    f = figures(card)
    assert (f.value, f.status, f.streak, f.gap) == (0.1, "green", 2, 0.0)


def test_a_divisor_that_is_exactly_zero_gives_null_and_a_warning() -> None:
    card = scorecard(
        kpi("a", {"2026-03": 1.0}),
        kpi("b", {"2026-03": 0.3}),
        kpi("c", {"2026-03": 0.1}),
        kpi("d", {"2026-03": 0.2}),
        kpi("k", formula="a / (b - c - d)", target=Target(constant=1.0)),
    )
    results, warnings = compute(card)
    assert results.figures["k"].value is None
    assert results.figures["k"].status == "missing"
    assert [w.message for w in warnings] == ["formula: no value for 2026-03 (division by zero)"]


def test_formula_numbers_are_exact_decimals() -> None:
    card = scorecard(kpi("a", {"2026-03": 0.7}), kpi("k", formula="1 / (a - 0.6 - 0.1)"))
    assert figures(card).value is None


def test_a_slope_of_exactly_zero_on_the_decimals_is_flat() -> None:
    values = {"2025-12": 0.1, "2026-01": 0.2, "2026-02": 0.5, "2026-03": 0.0}
    f = figures(scorecard(kpi("k", values)))
    assert (f.trend_slope, f.trend) == (0.0, "flat")


def test_figures_are_the_nearest_floats_to_the_exact_results() -> None:
    values = {"2026-01": 0.1, "2026-02": 0.2, "2026-03": 0.4}
    f = figures(scorecard(kpi("k", values, aggregate="sum", target=Target(constant=0.3))))
    assert f.ytd == 0.7  # 0.1 + 0.2 + 0.4 in floats is 0.7000000000000001
    assert f.rolling_3 == float(Fraction(7, 30))
    assert f.gap == 0.1  # 0.4 - 0.3 in floats is 0.10000000000000003


# -- whole-number arithmetic and the figures of past reviews ------------------------------------

WRITTEN = st.one_of(
    st.none(),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False).map(float),
)


@st.composite
def reviewed_kpis(draw: st.DrawFn) -> tuple[Kpi, Settings, int]:
    start = m("2024-01")
    months = draw(st.lists(WRITTEN, min_size=1, max_size=30))
    values = {start + i: v for i, v in enumerate(months)}
    constant = draw(st.one_of(st.none(), WRITTEN.filter(lambda v: v is not None)))
    card_kpi = bare_kpi(
        "k",
        better=draw(st.sampled_from(["higher", "lower"])),
        aggregate=draw(st.sampled_from(["sum", "mean", "last"])),
        target=None if constant is None else Target(constant=constant),
        tolerance=draw(st.one_of(st.none(), st.sampled_from([0.0, 0.05, 0.1]))),
        values=values,
    )
    settings = Settings(fiscal_year_start=draw(st.integers(1, 12)))  # type: ignore[call-arg]
    return card_kpi, settings, start + draw(st.integers(0, len(months) + 2))


@given(reviewed_kpis())
def test_figures_in_whole_units_are_the_figures_in_fractions(
    case: tuple[Kpi, Settings, int],
) -> None:
    card_kpi, settings, month = case
    card = scorecard(card_kpi, as_of=month, **_settings_of(settings))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compute_module, "WHOLE_AFTER", 0)
        whole = compute(card, with_series=False)[0].figures["k"]
        patch.setattr(Numbers, "whole", lambda self: None)
        in_fractions = compute(card, with_series=False)[0].figures["k"]
    assert whole == in_fractions


@given(reviewed_kpis())
def test_a_past_review_takes_the_figures_of_the_scorecard_now_only_where_they_are_the_same(
    case: tuple[Kpi, Settings, int],
) -> None:
    card_kpi, settings, month = case
    now = scorecard(card_kpi, **_settings_of(settings))
    reviews = FiguresAt(now)
    # an older version: the same months up to the review's, later ones not yet written
    older = dataclasses.replace(
        card_kpi, values={x: v for x, v in card_kpi.values.items() if x <= month}
    )
    then = scorecard(older, as_of=month, **_settings_of(settings))
    assert reviews.same_figures(older, month, then.settings)
    # other months too, in both orders (what each review asks for builds on the last)
    for earlier in [*range(month, month - 10, -1), *range(month - 16, month + 1)]:
        at = scorecard(card_kpi, as_of=earlier, **_settings_of(settings))
        assert reviews.figures("k", earlier) == compute(at, with_series=False)[0].figures["k"]
    # restated before the review's month: not the same
    restated = {**older.values, month: 1.5 if older.values.get(month) != 1.5 else 2.5}
    assert not reviews.same_figures(
        dataclasses.replace(older, values=restated), month, then.settings
    )


def _settings_of(settings: Settings) -> dict[str, object]:
    return {"fiscal_year_start": settings.fiscal_year_start}


def test_planning_the_formulas_leaves_no_cycle_that_keeps_the_scorecard() -> None:
    """Every past review plans its scorecard's formulas: that scorecard must go as soon as the
    review is done, not when Python's cycle collector next runs (the build pauses it)."""
    import gc
    import weakref

    from kpi_scorecard.figures.formulas import formula_plan
    from kpi_scorecard.read.validate import load_scorecard

    from .conftest import FIXTURES

    scorecard, _ = load_scorecard(FIXTURES / "valid")
    assert formula_plan(scorecard)  # the fixture has a formula
    gone = weakref.ref(scorecard)
    gc.disable()
    try:
        formula_plan(scorecard)
        del scorecard
        assert gone() is None
    finally:
        gc.enable()
