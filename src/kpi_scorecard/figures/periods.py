"""Contract 3.5 (pacing) and 3.6 (fiscal quarters and years), for every KPI at once.

One pandas frame holds every KPI's months, from a year before the reporting month's fiscal year
(or the fiscal year of its first reported month, if earlier) to the end of the reporting month's
fiscal year: fiscal labels, the target that holds, the value a year before, and the groups of
months are computed on the whole frame, never in a loop per KPI.

Aggregates stay exact: the frame carries every value and target also as the ``Fraction`` of its
decimal as written, each group's fractions are added over one common denominator
(``exact_sum``), and statuses and pace are decided by ``compute.status`` on those exact numbers,
never on floats. Figures become floats only in ``Pacing`` and ``Period``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from kpi_scorecard.figures.compute import band_edge, fiscal_year_begin, graded
from kpi_scorecard.figures.numbers import Numbers, as_float, exact_sum
from kpi_scorecard.model import (
    ForecastBasis,
    Kpi,
    Month,
    Pacing,
    Period,
    Scorecard,
    Status,
    exact,
)

Groups = pd.DataFrame
"""Per group of months: ``v_sum``, ``v_count``, ``v_last`` of the reported values, ``t_sum``,
``t_count``, ``t_last`` of the targets, and ``size`` (months in the group), exact."""


def fiscal_year_name(month: Month, fiscal_year_start: int) -> str:
    """``FY<Y>``, Y the calendar year in which the fiscal year holding ``month`` ends."""
    return f"FY{(fiscal_year_begin(month, fiscal_year_start) + 11) // 12}"


def pacing_and_periods(
    scorecard: Scorecard, values: Mapping[str, Numbers], as_of: Month, tolerance: Fraction
) -> tuple[dict[str, Pacing], dict[str, tuple[Period, ...]]]:
    """Every KPI's pacing at ``as_of`` and its fiscal quarters and years up to ``as_of``."""
    kpis = list(scorecard.kpis.values())
    start = scorecard.settings.fiscal_year_start
    months = _month_frame(kpis, values, as_of, start)
    tolerances = [tolerance if k.tolerance is None else exact(k.tolerance) for k in kpis]
    statuses = _Statuses(kpis, tolerances)
    periods = _periods(kpis, statuses, months, as_of)
    pacing = _pacing(kpis, statuses, months, as_of, start)
    return pacing, periods


class _Statuses:
    """Contract 3.3 on exact numbers (``compute.graded``), each band's edge worked out once
    per KPI and target: a year of constant targets has one."""

    def __init__(self, kpis: Sequence[Kpi], tolerances: Sequence[Fraction]) -> None:
        self.kpis = kpis
        self.tolerances = tolerances
        self.edges: dict[tuple[int, Fraction], Fraction] = {}

    def of(self, index: int, value: Fraction | None, target: Fraction | None) -> Status:
        if value is None:
            return "missing"
        if target is None:
            return "no_target"
        better = self.kpis[index].better
        edge = self.edges.get((index, target))
        if edge is None:
            edge = self.edges[index, target] = band_edge(target, better, self.tolerances[index])
        return graded(value, target, edge, better)


# -- the frame ----------------------------------------------------------------------------------


def _month_frame(
    kpis: Sequence[Kpi], values: Mapping[str, Numbers], as_of: Month, fiscal_year_start: int
) -> pd.DataFrame:
    """One row per KPI (by position) and month: ``kpi, month, begin`` (of its fiscal year),
    ``quarter``, ``v`` (exact value reported up to ``as_of``, else None), ``t`` (exact target),
    ``year_ago`` (``v`` twelve months before), sorted by KPI and month."""
    year_begin = fiscal_year_begin(as_of, fiscal_year_start)
    reported = [
        {m: v for m, v in values[k.id].floats.items() if v is not None and m <= as_of} for k in kpis
    ]
    # never reported up to as_of: a first month after it, so that it has no periods
    firsts = np.array([min(r, default=as_of + 1) for r in reported], dtype=np.int64)
    starts = np.minimum(_fiscal_begin(firsts, fiscal_year_start), year_begin - 12)
    lengths = year_begin + 12 - starts
    kpi = np.repeat(np.arange(len(kpis)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    frame = pd.DataFrame({"kpi": kpi, "month": np.repeat(starts, lengths) + offsets})
    frame["begin"] = _fiscal_begin(frame["month"].to_numpy(), fiscal_year_start)
    frame["quarter"] = (frame["month"] - frame["begin"]) // 3 + 1
    frame["first"] = firsts[kpi]
    frame["v"] = _exact_values(kpis, values, reported, frame)
    frame["t"] = _targets(kpis, frame)
    year_ago = frame.groupby("kpi")["v"].shift(12)  # the grid has no gaps
    frame["year_ago"] = year_ago.where(year_ago.notna(), None)
    return frame


def _fiscal_begin(months: np.ndarray, fiscal_year_start: int) -> np.ndarray:
    offset = fiscal_year_start - 1
    return (months - offset) // 12 * 12 + offset


def _exact_values(
    kpis: Sequence[Kpi],
    values: Mapping[str, Numbers],
    reported: Sequence[Mapping[Month, float]],
    frame: pd.DataFrame,
) -> pd.Series:
    """The exact value of every row reported up to ``as_of``, None elsewhere."""
    rows = pd.DataFrame(
        [
            (index, month, values[kpi.id].exact(month))
            for index, kpi in enumerate(kpis)
            for month in reported[index]
        ],
        columns=["kpi", "month", "v"],
    )
    joined = frame[["kpi", "month"]].merge(rows, on=["kpi", "month"], how="left")
    return joined["v"].astype(object).where(joined["v"].notna(), None)


def _targets(kpis: Sequence[Kpi], frame: pd.DataFrame) -> pd.Series:
    """The exact target that holds at every row (contract 3.2), None where none does: each
    step joined to the months from its own to the next (an as-of join)."""
    steps = pd.DataFrame(
        [
            (index, month, written)
            for index, kpi in enumerate(kpis)
            if kpi.target is not None
            for month, written in (
                ((0, kpi.target.constant),) if kpi.target.constant is not None else kpi.target.steps
            )
        ],
        columns=["kpi", "from", "written"],
    ).astype({"kpi": np.int64, "from": np.int64, "written": float})
    joined = pd.merge_asof(
        frame[["kpi", "month"]].reset_index().sort_values("month"),
        steps.sort_values("from"),
        left_on="month",
        right_on="from",
        by="kpi",
    ).set_index("index")
    written = joined["written"].reindex(frame.index)
    exact_of = {w: exact(w) for w in written.dropna().unique().tolist()}
    return written.map(exact_of).astype(object).where(written.notna(), None)


def _groups(frame: pd.DataFrame, keys: list[str]) -> Groups:
    """Exact sums, counts and the last of values and targets per group of ``keys``, in key
    order. The frame is sorted by KPI and month and the keys rise with the month, so each
    group's rows are adjacent and in month order."""
    grouped = frame.groupby(keys, sort=True)
    result = grouped.agg(
        size=("month", "size"),
        v_count=("v", "count"),
        v_last=("v", "last"),
        t_count=("t", "count"),
        t_last=("t", "last"),
    )
    codes = grouped.ngroup().to_numpy()
    for column in ("v", "t"):
        sums = _exact_sums(frame[column], codes, len(result))
        result[f"{column}_sum"] = pd.Series(sums, index=result.index, dtype=object)
    return result


def _exact_sums(column: pd.Series, codes: np.ndarray, groups: int) -> list[Fraction]:
    """The exact sum of each group's non-null fractions (groups numbered by ``codes``, whose
    rows are adjacent)."""
    present = column.notna().to_numpy()
    numbers = column[present].tolist()
    codes = codes[present]
    sums = [Fraction(0)] * groups
    if not numbers:
        return sums
    bounds = np.flatnonzero(np.diff(codes)) + 1
    starts, ends = np.r_[0, bounds], np.r_[bounds, len(numbers)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        sums[codes[start]] = exact_sum(numbers[start:end])
    return sums


def _value(aggregate: str, total: Fraction, count: int, last: Fraction | None) -> Fraction | None:
    """The ``aggregate`` of ``count`` numbers with this exact sum and last one."""
    if count == 0:
        return None
    if aggregate == "sum":
        return total
    if aggregate == "last":
        return last
    return total / count


def _records(
    groups: Groups, aggregates: Sequence[str]
) -> list[tuple[Fraction | None, Fraction | None]]:
    """(value, target) of every group: the ``aggregate`` of its reported values, and of the
    targets of all its months (None if any month lacks one)."""
    return [
        (
            _value(aggregate, v_sum, v_count, v_last),
            None if t_count < size else _value(aggregate, t_sum, t_count, t_last),
        )
        for aggregate, size, v_sum, v_count, v_last, t_sum, t_count, t_last in zip(
            aggregates,
            groups["size"].tolist(),
            groups["v_sum"].tolist(),
            groups["v_count"].tolist(),
            groups["v_last"].tolist(),
            groups["t_sum"].tolist(),
            groups["t_count"].tolist(),
            groups["t_last"].tolist(),
            strict=True,
        )
    ]


# -- 3.6 ----------------------------------------------------------------------------------------


def _periods(
    kpis: Sequence[Kpi], statuses: _Statuses, frame: pd.DataFrame, as_of: Month
) -> dict[str, tuple[Period, ...]]:
    """Every KPI's quarters and years from the one that holds its first reported month to the
    one that holds ``as_of``, months after ``as_of`` left out; each year after its quarters."""
    passed = frame[(frame["month"] <= as_of) & (frame["first"] <= as_of)]
    found: dict[int, list[Period]] = {}
    first_reported = passed.groupby("kpi")["first"].first()
    for kind, keys in (("quarter", ["kpi", "begin", "quarter"]), ("year", ["kpi", "begin"])):
        groups = _groups(passed, keys).reset_index()
        quarter = groups["quarter"] if kind == "quarter" else 4
        groups["last"] = groups["begin"] + quarter * 3 - 1
        shown = groups["last"].to_numpy() >= first_reported.reindex(groups["kpi"]).to_numpy()
        groups = groups[shown]
        kpi_of = groups["kpi"].tolist()
        records = _records(groups, [kpis[k].aggregate for k in kpi_of])
        for index, begin, last, months, (value, target) in zip(
            kpi_of,
            groups["begin"].tolist(),
            groups["last"].tolist(),
            groups["v_count"].tolist(),
            records,
            strict=True,
        ):
            found.setdefault(index, []).append(
                Period(
                    name=_period_name(begin, last, kind),
                    kind="quarter" if kind == "quarter" else "year",
                    first=last - (2 if kind == "quarter" else 11),
                    last=last,
                    value=_nearest(value),
                    target=_nearest(target),
                    status=statuses.of(index, value, target),
                    months=months,
                    complete=last <= as_of,
                )
            )
    return {
        kpis[index].id: tuple(sorted(periods, key=_period_order))
        for index, periods in sorted(found.items())
    }


def _period_name(begin: Month, last: Month, kind: str) -> str:
    year = f"FY{(begin + 11) // 12}"
    return year if kind == "year" else f"{year}-Q{(last - begin) // 3 + 1}"


def _period_order(period: Period) -> tuple[str, bool, Month]:
    """By fiscal year, each year after its quarters."""
    return period.name[:6], period.kind == "year", period.first


# -- 3.5 ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Forecast:
    """One KPI's fiscal year, month by month: the value where reported, else the forecast."""

    months: list[Fraction | None]
    predicted: list[tuple[Month, Fraction]]
    """The months that are forecast (not reported up to ``as_of``), with their forecast."""
    basis: ForecastBasis | None
    growth: Fraction | None
    run_rate: Fraction | None


def _pacing(
    kpis: Sequence[Kpi],
    statuses: _Statuses,
    frame: pd.DataFrame,
    as_of: Month,
    fiscal_year_start: int,
) -> dict[str, Pacing]:
    year_begin = fiscal_year_begin(as_of, fiscal_year_start)
    aggregates = [k.aggregate for k in kpis]
    year = frame[frame["month"].between(year_begin, year_begin + 11)]
    so_far = _records(_groups(year[year["month"] <= as_of], ["kpi"]), aggregates)
    whole = _records(_groups(year, ["kpi"]), aggregates)
    growth = _growth(frame, year_begin, as_of, len(kpis))
    run_rate = _run_rate(frame, as_of, len(kpis))
    forecasts = _forecasts(year, as_of, growth, run_rate)
    name = fiscal_year_name(as_of, fiscal_year_start)
    pacing = {}
    for index, kpi in enumerate(kpis):
        (ytd, target_ytd), (_, target_fy) = so_far[index], whole[index]
        forecast = forecasts[index]
        reached = _aggregate_all(kpi.aggregate, forecast.months)
        pacing[kpi.id] = Pacing(
            target_ytd=_nearest(target_ytd),
            ytd_gap_pct=_nearest(_relative(ytd, target_ytd)),
            target_fy=_nearest(target_fy),
            forecast_fy=_nearest(reached),
            forecast_gap_pct=_nearest(_relative(reached, target_fy)),
            pace=statuses.of(index, reached, target_fy),
            fiscal_year=name,
            basis=forecast.basis,
            growth=_nearest(None if forecast.growth is None else forecast.growth - 1),
            run_rate=_nearest(forecast.run_rate),
            forecasts=tuple((month, float(number)) for month, number in forecast.predicted),
        )
    return pacing


def _growth(
    frame: pd.DataFrame, year_begin: Month, as_of: Month, kpis: int
) -> list[Fraction | None]:
    """g of contract 3.5 per KPI: the sum of the values of the year so far over the sum of the
    same months a year before, over the months where both are reported; None unless the
    sum a year before is above 0."""
    both = frame[
        frame["month"].between(year_begin, as_of) & frame["v"].notna() & frame["year_ago"].notna()
    ]
    codes = both["kpi"].to_numpy()
    now = _exact_sums(both["v"], codes, kpis)
    before = _exact_sums(both["year_ago"], codes, kpis)
    return [n / b if b > 0 else None for n, b in zip(now, before, strict=True)]


def _run_rate(frame: pd.DataFrame, as_of: Month, kpis: int) -> list[Fraction | None]:
    """The mean of the reported values of the 12 months up to ``as_of`` per KPI."""
    window = frame[frame["month"].between(as_of - 11, as_of) & frame["v"].notna()]
    codes = window["kpi"].to_numpy()
    sums = _exact_sums(window["v"], codes, kpis)
    counts = np.bincount(codes, minlength=kpis).tolist()
    return [s / c if c else None for s, c in zip(sums, counts, strict=True)]


def _forecasts(
    year: pd.DataFrame,
    as_of: Month,
    growth: Sequence[Fraction | None],
    run_rate: Sequence[Fraction | None],
) -> list[_Forecast]:
    """Each KPI's twelve months: reported up to ``as_of``, else the value a year before times
    the growth so far, else the run rate."""
    found: dict[int, tuple[list[Fraction | None], set[ForecastBasis]]] = {}
    predicted: dict[int, list[tuple[Month, Fraction]]] = {}
    for kpi, month, value, year_ago in zip(
        year["kpi"].tolist(),
        year["month"].tolist(),
        year["v"].tolist(),
        year["year_ago"].tolist(),
        strict=True,
    ):
        months, bases = found.setdefault(kpi, ([], set()))
        g = growth[kpi]
        if month <= as_of and value is not None:
            months.append(value)
            continue
        if g is not None and year_ago is not None:
            guess: Fraction | None = year_ago * g
            bases.add("growth")
        else:
            guess = run_rate[kpi]
            if guess is not None:
                bases.add("run_rate")
        months.append(guess)
        if guess is not None:
            predicted.setdefault(kpi, []).append((month, guess))
    return [
        _Forecast(
            months,
            predicted.get(kpi, []),
            "growth" if "growth" in bases else "run_rate" if bases else None,
            growth[kpi] if "growth" in bases else None,
            run_rate[kpi] if "run_rate" in bases else None,
        )
        for kpi, (months, bases) in sorted(found.items())
    ]


def _aggregate_all(aggregate: str, months: Sequence[Fraction | None]) -> Fraction | None:
    """``agg`` over the months, None if any of them is None."""
    if not months or any(m is None for m in months):
        return None
    numbers = [m for m in months if m is not None]
    return _value(aggregate, exact_sum(numbers), len(numbers), numbers[-1])


def _nearest(number: Fraction | None) -> float | None:
    """The float nearest to an exact figure; None beyond a float's range (sums of values near
    1e308), as for the figures of 3.1, so that the exports stay valid JSON."""
    nearest = as_float(number)
    return nearest if nearest is not None and math.isfinite(nearest) else None


def _relative(value: Fraction | None, base: Fraction | None) -> Fraction | None:
    """(value - base) / abs(base); None if either is None or the base is 0."""
    if value is None or base is None or base == 0:
        return None
    return (value - base) / abs(base)
