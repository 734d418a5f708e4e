"""Contract 3.5 (pacing) and 3.6 (fiscal quarters and years), field by field.

Every expectation is worked out by hand; the arithmetic is in the comment next to it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.figures.compute import compute, status
from kpi_scorecard.figures.pairs import grades
from kpi_scorecard.figures.periods import _quotients, fiscal_year_name
from kpi_scorecard.model import Pacing, Period, Scorecard, Target

from .test_compute import kpi, m, scorecard


def pacing(card: Scorecard, kpi_id: str = "k") -> Pacing:
    results, _ = compute(card)
    return results.pacing[kpi_id]


def periods(card: Scorecard, kpi_id: str = "k") -> dict[str, Period]:
    results, _ = compute(card)
    return {p.name: p for p in results.periods.get(kpi_id, ())}


def grown(aggregate: str, path: str = "decimals") -> Scorecard:
    """2025 at 10 a month; 2026 so far 11, 12, 13 against a target of 10: g = 36 / 30.

    ``path`` picks how the engine adds the numbers up: ``decimals`` as whole numbers of
    0.01; ``tiny`` (everything times 1e-7, seven decimals) and ``calculated`` (k is a formula
    over another KPI) as fractions. Figures scale with the numbers."""
    scale = 1e-7 if path == "tiny" else 1.0
    values: dict[str, float | None] = {f"2025-{n:02d}": 10.0 for n in range(1, 13)}
    values |= {"2026-01": 11.0, "2026-02": 12.0, "2026-03": 13.0}
    values = {month: round(v * scale, 8) for month, v in values.items() if v is not None}
    target = Target(constant=10.0 * scale)
    if path == "calculated":
        return scorecard(
            kpi("k", formula="source * 1", aggregate=aggregate, target=target),
            kpi("source", values),
            as_of=m("2026-03"),
        )
    return scorecard(kpi("k", values, aggregate=aggregate, target=target), as_of=m("2026-03"))


# -- 3.5: growth so far ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggregate", "target_ytd", "target_fy", "forecast_fy", "ytd_gap_pct"),
    [
        # 30 = 3 x 10; 120 = 12 x 10; 144 = 36 + 9 x (10 x 1.2); (36 - 30) / 30
        ("sum", 30.0, 120.0, 144.0, 0.2),
        # 10; 10; 144 / 12; (12 - 10) / 10
        ("mean", 10.0, 10.0, 12.0, 0.2),
        # the target at m; at f12; 2026-12 = 10 x 1.2; (13 - 10) / 10
        ("last", 10.0, 10.0, 12.0, 0.3),
    ],
)
@pytest.mark.parametrize("path", ["decimals", "tiny", "calculated"])
def test_pacing_on_the_growth_so_far(
    aggregate: str,
    target_ytd: float,
    target_fy: float,
    forecast_fy: float,
    ytd_gap_pct: float,
    path: str,
) -> None:
    p = pacing(grown(aggregate, path))
    scale = 1e-7 if path == "tiny" else 1.0
    assert p.target_ytd == pytest.approx(target_ytd * scale)
    assert p.target_fy == pytest.approx(target_fy * scale)
    assert p.forecast_fy == pytest.approx(forecast_fy * scale)
    assert p.ytd_gap_pct == pytest.approx(ytd_gap_pct)
    assert p.forecast_gap_pct == pytest.approx(0.2)  # (forecast - target) / target
    assert p.pace == "green"
    assert p.fiscal_year == "FY2026"
    assert (p.basis, p.growth, p.run_rate) == ("growth", pytest.approx(0.2), None)
    assert [month for month, _ in p.forecasts] == [m(f"2026-{n:02d}") for n in range(4, 13)]
    assert all(value == pytest.approx(12.0 * scale) for _, value in p.forecasts)  # 10 x 1.2


@pytest.mark.parametrize("path", ["decimals", "tiny", "calculated"])
def test_the_quarters_of_the_growth_case(path: str) -> None:
    # 2025-Q1..Q4 at 10 a month (mean 10 = target: green), 2026-Q1 11, 12, 13 (mean 12)
    scale = 1e-7 if path == "tiny" else 1.0
    found = periods(grown("mean", path))
    assert list(found)[-2:] == ["FY2026-Q1", "FY2026"]
    assert len(found) == 7  # FY2025 Q1..Q4 and the year, FY2026 Q1 and the year so far
    quarter = found["FY2026-Q1"]
    assert (quarter.value, quarter.target) == (
        pytest.approx(12 * scale),
        pytest.approx(10 * scale),
    )
    assert (quarter.status, quarter.months, quarter.complete) == ("green", 3, True)
    assert found["FY2025-Q2"].status == "green"  # on its target exactly


def test_growth_only_over_months_reported_in_both_years() -> None:
    # 2026-02 has no year-ago value and 2025-03 none this year: g = 11 / 10 (2026-01 only).
    values: dict[str, float | None] = {"2025-01": 10.0, "2025-02": None, "2025-03": 5.0}
    values |= {"2025-04": 20.0, "2026-01": 11.0, "2026-02": 40.0, "2026-03": None}
    card = scorecard(
        kpi("k", values, aggregate="sum", target=Target(constant=1.0)), as_of=m("2026-03")
    )
    p = pacing(card)
    assert p.growth == pytest.approx(0.1)
    # 2026-03 is not reported: 5 x 1.1; 2026-04: 20 x 1.1; 2026-05..12 have no year-ago value,
    # so the run rate: mean of the reported values of 2025-04..2026-03 = (20 + 11 + 40) / 3
    forecast = {month: value for month, value in p.forecasts}
    assert forecast[m("2026-04")] == pytest.approx(22.0)
    assert forecast[m("2026-05")] == pytest.approx(71 / 3)
    assert p.basis == "growth"
    assert p.run_rate == pytest.approx(71 / 3)
    # 11 + 40 + 5.5 + 22 + 8 x 71 / 3
    assert p.forecast_fy == pytest.approx(11 + 40 + 5.5 + 22 + 8 * 71 / 3)


def test_no_growth_when_last_years_sum_is_not_above_zero() -> None:
    values: dict[str, float | None] = {
        "2025-01": -5.0,
        "2025-02": 5.0,
        "2026-01": 3.0,
        "2026-02": 4.0,
    }
    card = scorecard(kpi("k", values, target=Target(constant=1.0)), as_of=m("2026-02"))
    p = pacing(card)
    # the sum a year before is -5 + 5 = 0: the run rate, mean of 2025-03..2026-02 = 3.5
    assert (p.basis, p.growth, p.run_rate) == ("run_rate", None, 3.5)
    assert p.forecast_fy == pytest.approx(3.5)  # mean of 3, 4 and ten months of 3.5


# -- 3.5: a year with no history before it, a stepped target, fiscal year start 4 -----------------


def new_kpi(aggregate: str) -> Scorecard:
    """FY2027 = 2026-04..2027-03; reported 100, 110, null; the target steps from 100 to 150 in
    2026-10, mid-year."""
    values: dict[str, float | None] = {"2026-04": 100.0, "2026-05": 110.0, "2026-06": None}
    target = Target(steps=((m("2026-04"), 100.0), (m("2026-10"), 150.0)))
    return scorecard(
        kpi("k", values, aggregate=aggregate, target=target),
        as_of=m("2026-06"),
        fiscal_year_start=4,
    )


@pytest.mark.parametrize(
    ("aggregate", "target_ytd", "target_fy", "forecast_fy", "ytd_gap_pct"),
    [
        # 3 x 100; 6 x 100 + 6 x 150; 210 + 10 x 105 (2026-06 and 2026-07..2027-03); -90 / 300
        ("sum", 300.0, 1500.0, 1260.0, -0.3),
        # 100; 1500 / 12; 1260 / 12; (105 - 100) / 100
        ("mean", 100.0, 125.0, 105.0, 0.05),
        # the target at m; at 2027-03; the forecast of 2027-03; (110 - 100) / 100
        ("last", 100.0, 150.0, 105.0, 0.1),
    ],
)
def test_pacing_without_history_uses_the_run_rate(
    aggregate: str, target_ytd: float, target_fy: float, forecast_fy: float, ytd_gap_pct: float
) -> None:
    p = pacing(new_kpi(aggregate))
    assert p.target_ytd == target_ytd
    assert p.target_fy == target_fy
    assert p.forecast_fy == pytest.approx(forecast_fy)
    assert p.ytd_gap_pct == pytest.approx(ytd_gap_pct)
    assert p.forecast_gap_pct == pytest.approx((forecast_fy - target_fy) / target_fy)
    assert p.pace == "red"  # 1260 < 1425, 105 < 118.75, 105 < 142.5 (5 % bands)
    assert (p.fiscal_year, p.basis, p.growth, p.run_rate) == ("FY2027", "run_rate", None, 105.0)


# -- 3.5: nulls and exact decisions ---------------------------------------------------------------


def test_no_target_for_part_of_the_year() -> None:
    target = Target(steps=((m("2026-02"), 10.0),))
    card = scorecard(kpi("k", {"2026-01": 5.0, "2026-02": 6.0}, target=target), as_of=m("2026-02"))
    p = pacing(card)
    assert (p.target_ytd, p.ytd_gap_pct, p.target_fy, p.forecast_gap_pct) == (None,) * 4
    assert p.forecast_fy == pytest.approx(5.5)
    assert p.pace == "no_target"


def test_no_basis_no_forecast() -> None:
    # nothing reported in the 12 months up to m, nothing this year: no growth, no run rate
    card = scorecard(
        kpi("k", {"2024-06": 5.0}, target=Target(constant=1.0)),
        kpi("other", {"2026-03": 1.0}),
        as_of=m("2026-03"),
    )
    p = pacing(card)
    assert (p.forecast_fy, p.forecast_gap_pct, p.basis, p.forecasts) == (None, None, None, ())
    assert p.pace == "missing"
    assert p.target_fy == 1.0


def test_pace_on_the_bands_edge_is_decided_on_the_decimals() -> None:
    # last at f12 = 0.99 against 1.1 - 0.1 x 1.1 = 0.99 exactly: amber (floats: 0.9900000000000001)
    card = scorecard(
        kpi("k", {"2026-12": 0.99}, aggregate="last", target=Target(constant=1.1), tolerance=0.1),
        as_of=m("2026-12"),
    )
    assert pacing(card).pace == "amber"
    assert periods(card)["FY2026"].status == "amber"
    assert periods(card)["FY2026-Q4"].status == "amber"


def test_a_mean_on_its_target_is_green() -> None:
    # (0.1 + 0.2 + 0.3) / 3 = 0.2 exactly, on the target (floats: 0.20000000000000004 > 0.2)
    values = {"2026-01": 0.1, "2026-02": 0.2, "2026-03": 0.3}
    card = scorecard(
        kpi("k", values, better="lower", target=Target(constant=0.2)), as_of=m("2026-03")
    )
    assert periods(card)["FY2026-Q1"].status == "green"
    assert periods(card)["FY2026-Q1"].value == pytest.approx(0.2)


# -- 3.6 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "start", "name"),
    [
        ("2026-03", 1, "FY2026"),
        ("2026-03", 4, "FY2026"),
        ("2026-04", 4, "FY2027"),
        ("2027-03", 4, "FY2027"),
        ("2026-12", 12, "FY2027"),
        ("2026-11", 12, "FY2026"),
    ],
)
def test_a_fiscal_year_is_named_after_the_year_it_ends_in(
    month: str, start: int, name: str
) -> None:
    assert fiscal_year_name(m(month), start) == name


@pytest.mark.parametrize(
    ("aggregate", "q1", "year"),
    [
        # Q1: 100 + 110 against 3 x 100; the year up to as_of: the same months
        ("sum", (210.0, 300.0), (210.0, 300.0)),
        ("mean", (105.0, 100.0), (105.0, 100.0)),
        ("last", (110.0, 100.0), (110.0, 100.0)),
    ],
)
def test_the_quarter_and_year_of_a_new_kpi(
    aggregate: str, q1: tuple[float, float], year: tuple[float, float]
) -> None:
    found = periods(new_kpi(aggregate))
    assert list(found) == ["FY2027-Q1", "FY2027"]  # from the first reported month's year
    quarter, fiscal_year = found["FY2027-Q1"], found["FY2027"]
    assert (quarter.value, quarter.target, quarter.months, quarter.complete) == (*q1, 2, True)
    assert (fiscal_year.value, fiscal_year.target, fiscal_year.months) == (*year, 2)
    assert fiscal_year.complete is False  # ends 2027-03, after as_of
    assert (quarter.first, quarter.last) == (m("2026-04"), m("2026-06"))
    assert (fiscal_year.first, fiscal_year.last) == (m("2026-04"), m("2027-03"))


def test_periods_run_from_the_first_reported_quarter_to_as_of() -> None:
    values: dict[str, float | None] = {
        "2025-05": 1.0,
        "2025-12": 2.0,
        "2026-02": 4.0,
        "2026-04": 9.0,
    }
    card = scorecard(kpi("k", values, aggregate="sum"), as_of=m("2026-02"))
    found = periods(card)
    assert list(found) == [
        "FY2025-Q2",
        "FY2025-Q3",
        "FY2025-Q4",
        "FY2025",
        "FY2026-Q1",
        "FY2026",
    ]  # 2026-04 is after as_of
    assert found["FY2025-Q3"].value is None
    assert (found["FY2025-Q3"].status, found["FY2025-Q3"].months) == ("missing", 0)
    assert found["FY2025"].value == 3.0  # 1 + 2
    assert found["FY2025"].status == "no_target"
    assert found["FY2026"].value == 4.0  # 2026-04 is after as_of
    assert (found["FY2026-Q1"].complete, found["FY2025-Q4"].complete) == (False, True)


def test_a_target_stepping_mid_quarter() -> None:
    # Q4 of FY2026 (start 1): 2026-10..12 with targets 10, 10, 16: mean 12, sum 36, last 16
    target = Target(steps=((m("2026-01"), 10.0), (m("2026-12"), 16.0)))
    values = {"2026-10": 12.0, "2026-11": 12.0, "2026-12": 12.0}
    for aggregate, expected, state in (
        ("mean", 12.0, "green"),
        ("sum", 36.0, "green"),
        ("last", 16.0, "red"),
    ):
        card = scorecard(kpi("k", values, aggregate=aggregate, target=target), as_of=m("2026-12"))
        quarter = periods(card)["FY2026-Q4"]
        assert (quarter.target, quarter.status) == (expected, state), aggregate


def test_a_period_lacking_a_target_in_one_month_has_none() -> None:
    target = Target(steps=((m("2026-02"), 10.0),))
    card = scorecard(kpi("k", {"2026-01": 5.0, "2026-02": 6.0}, target=target), as_of=m("2026-02"))
    quarter = periods(card)["FY2026-Q1"]
    assert (quarter.target, quarter.status) == (None, "no_target")


def test_a_kpi_never_reported_has_no_periods() -> None:
    card = scorecard(
        kpi("k", {"2026-01": None}), kpi("other", {"2026-01": 1.0}), as_of=m("2026-01")
    )
    assert periods(card) == {}
    assert periods(card, "other")["FY2026"].value == 1.0


# -- exact decisions on floats ------------------------------------------------------------------

places = st.integers(min_value=0, max_value=4)


@st.composite
def near_an_edge(draw: st.DrawFn) -> tuple[Decimal, Decimal, Decimal, str]:
    """(value, target, tolerance, better): values on the target, on the band's edge, a last
    decimal either side of them, or anywhere."""
    digits = draw(places)
    target = Decimal(draw(st.integers(-(10**6), 10**6))).scaleb(-digits)
    tolerance = Decimal(draw(st.integers(0, 30))) / 100
    better = draw(st.sampled_from(["higher", "lower"]))
    band = tolerance * abs(target)
    edge = target - band if better == "higher" else target + band
    near = draw(st.sampled_from([target, edge]))
    step = Decimal(draw(st.integers(-2, 2))).scaleb(-digits - 2)
    value = draw(st.sampled_from([near, near + step, Decimal(draw(st.integers(-99, 99)))]))
    return value, target, tolerance, better


@given(case=near_an_edge())
def test_floats_decide_a_status_only_where_they_agree_with_the_decimals(
    case: tuple[Decimal, Decimal, Decimal, str],
) -> None:
    value, target, tolerance, better = case
    graded, unsure = grades(
        np.array([float(value)]),
        np.array([float(target)]),
        np.array([better == "higher"]),
        np.array([float(tolerance)]),
    )
    exactly = status(Fraction(value), Fraction(target), better, Fraction(tolerance))
    assert unsure[0] or graded[0] == exactly, (graded[0], exactly)


# -- fiscal year start 4 with a year of history: growth across the calendar year ----------------


def april_year(aggregate: str) -> Scorecard:
    """FY2026 (2025-04..2026-03) at 20 a month; FY2027 so far 22, 24, 26 (g = 72 / 60); the
    target 20, stepping to 30 in 2027-01, in the middle of FY2027 and after a new calendar year."""
    values: dict[str, float | None] = {f"2025-{n:02d}": 20.0 for n in range(4, 13)}
    values |= {f"2026-{n:02d}": 20.0 for n in range(1, 4)}
    values |= {"2026-04": 22.0, "2026-05": 24.0, "2026-06": 26.0}
    target = Target(steps=((m("2025-04"), 20.0), (m("2027-01"), 30.0)))
    return scorecard(
        kpi("k", values, aggregate=aggregate, target=target),
        as_of=m("2026-06"),
        fiscal_year_start=4,
    )


@pytest.mark.parametrize(
    ("aggregate", "target_ytd", "target_fy", "forecast_fy", "ytd_gap_pct", "pace"),
    [
        # 3 x 20; 9 x 20 + 3 x 30; 72 + 9 x (20 x 1.2); (72 - 60) / 60; 288 > 270
        ("sum", 60.0, 270.0, 288.0, 0.2, "green"),
        # 20; 270 / 12; 288 / 12; (24 - 20) / 20; 24 > 22.5
        ("mean", 20.0, 22.5, 24.0, 0.2, "green"),
        # the target at 2026-06; at 2027-03; 2027-03 = 20 x 1.2; (26 - 20) / 20; 24 < 28.5
        ("last", 20.0, 30.0, 24.0, 0.3, "red"),
    ],
)
def test_pacing_of_a_fiscal_year_from_april_on_last_years_growth(
    aggregate: str,
    target_ytd: float,
    target_fy: float,
    forecast_fy: float,
    ytd_gap_pct: float,
    pace: str,
) -> None:
    p = pacing(april_year(aggregate))
    assert (p.fiscal_year, p.target_ytd, p.target_fy) == ("FY2027", target_ytd, target_fy)
    assert p.forecast_fy == pytest.approx(forecast_fy)
    assert p.ytd_gap_pct == pytest.approx(ytd_gap_pct)
    assert p.forecast_gap_pct == pytest.approx((forecast_fy - target_fy) / target_fy)
    assert (p.pace, p.basis, p.growth) == (pace, "growth", pytest.approx(0.2))
    assert [month for month, _ in p.forecasts] == [m("2026-07") + n for n in range(9)]


def test_quarters_of_a_fiscal_year_from_april() -> None:
    found = periods(april_year("sum"))
    quarters = ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4", "FY2026"]
    assert list(found) == [*quarters, "FY2027-Q1", "FY2027"]
    q4 = found["FY2026-Q4"]  # 2026-01..03: a new calendar year, the same fiscal year
    assert (q4.first, q4.last, q4.value, q4.target, q4.status) == (
        m("2026-01"),
        m("2026-03"),
        60.0,
        60.0,
        "green",
    )
    assert found["FY2026"].value == 240.0  # 12 x 20
    q1, year = found["FY2027-Q1"], found["FY2027"]
    assert (q1.value, q1.target, q1.complete) == (72.0, 60.0, True)  # 22 + 24 + 26; ends at as_of
    assert (year.value, year.target, year.months, year.complete) == (72.0, 60.0, 3, False)


@given(
    numerators=st.lists(
        st.one_of(st.integers(-(2**62), 2**62), st.integers(2**53 + 1, 2**58)),
        min_size=1,
        max_size=20,
    ),
    denominator=st.integers(1, 10**8),
)
def test_quotients_of_whole_columns_round_as_python_divides(
    numerators: list[int], denominator: int
) -> None:
    # numpy's float division is correctly rounded only while both are floats exactly (< 2**53)
    found = _quotients(np.array(numerators), np.full(len(numerators), denominator))
    assert found.tolist() == [n / denominator for n in numerators]
