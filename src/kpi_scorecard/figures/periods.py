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
from typing import NamedTuple

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

    def of_pair(self, index: int, value: Pair | None, target: Pair | None) -> Status:
        """The same on (numerator, denominator) pairs: value, target and band's edge scaled
        to one whole denominator, so that ``graded`` compares integers."""
        if value is None:
            return "missing"
        if target is None:
            return "no_target"
        (a, b), (c, d) = value, target
        tolerance = self.tolerances[index]
        scaled_value = a * d * tolerance.denominator
        scaled_target = c * b * tolerance.denominator
        band = tolerance.numerator * abs(c) * b
        better = self.kpis[index].better
        edge = scaled_target - band if better == "higher" else scaled_target + band
        return graded(scaled_value, scaled_target, edge, better)


# -- the frame ----------------------------------------------------------------------------------


def _month_frame(
    kpis: Sequence[Kpi], values: Mapping[str, Numbers], as_of: Month, fiscal_year_start: int
) -> pd.DataFrame:
    """One row per KPI (by position) and month: ``kpi, month, begin`` (of its fiscal year),
    ``quarter``, ``x`` and ``tx`` (the value reported up to ``as_of`` and the target, as
    floats, NaN where none), ``v`` and ``t`` (the same exactly, None where none; ``v`` only
    where needed, see below), ``year_ago`` (``v`` twelve months before) and ``scale`` (of the
    KPI's integers, see ``_scales``), sorted by KPI and month."""
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
    frame["x"] = _floats(reported, frame)
    frame["tx"] = _written_targets(kpis, frame)
    frame["t"] = _exact_targets(frame["tx"])
    scales = _scales(kpis, frame)
    frame["scale"] = scales[kpi]
    # Exact fractions where integers cannot do: KPIs of other numbers, and the two years pacing
    # looks at; the rest of the history is summed as integers (see _integer_groups).
    wanted = (frame["scale"].to_numpy() < 0) | (frame["month"].to_numpy() >= year_begin - 12)
    frame["v"] = _exact_values(kpis, values, frame, wanted)
    year_ago = frame.groupby("kpi")["v"].shift(12)  # the grid has no gaps
    frame["year_ago"] = year_ago.where(year_ago.notna(), None)
    return frame


def _fiscal_begin(months: np.ndarray, fiscal_year_start: int) -> np.ndarray:
    offset = fiscal_year_start - 1
    return (months - offset) // 12 * 12 + offset


def _floats(reported: Sequence[Mapping[Month, float]], frame: pd.DataFrame) -> np.ndarray:
    """The value of every row reported up to ``as_of``, NaN elsewhere."""
    rows = pd.DataFrame(
        [(index, month, value) for index, r in enumerate(reported) for month, value in r.items()],
        columns=["kpi", "month", "x"],
    ).astype({"kpi": np.int64, "month": np.int64, "x": float})
    joined = frame[["kpi", "month"]].merge(rows, on=["kpi", "month"], how="left")
    return joined["x"].to_numpy()


def _exact_values(
    kpis: Sequence[Kpi], values: Mapping[str, Numbers], frame: pd.DataFrame, wanted: np.ndarray
) -> pd.Series:
    """The exact value of the wanted rows that have one, None elsewhere."""
    exact_values: list[Fraction | None] = [None] * len(frame)
    present = wanted & ~np.isnan(frame["x"].to_numpy())
    for row, kpi, month in zip(
        np.flatnonzero(present).tolist(),
        frame["kpi"].to_numpy()[present].tolist(),
        frame["month"].to_numpy()[present].tolist(),
        strict=True,
    ):
        exact_values[row] = values[kpis[kpi].id].exact(month)
    return pd.Series(exact_values, index=frame.index, dtype=object)


def _written_targets(kpis: Sequence[Kpi], frame: pd.DataFrame) -> np.ndarray:
    """The target that holds at every row as written (contract 3.2), NaN where none does: each
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
    return joined["written"].reindex(frame.index).to_numpy()


def _exact_targets(written: pd.Series) -> pd.Series:
    """The written targets exactly, each distinct one converted once."""
    exact_of = {w: exact(w) for w in written.dropna().unique().tolist()}
    return written.map(exact_of).astype(object).where(written.notna(), None)


# -- integers -----------------------------------------------------------------------------------

MAX_SCALE = 6
"""Decimals of the values and targets that are summed as integers; more go through fractions."""
SAFE_INTEGER = 2**50
"""Below this, a float times a power of ten rounds to the right integer, and the decimals a
scale apart read back as different floats: the integer is the decimal as written."""


def _scales(kpis: Sequence[Kpi], frame: pd.DataFrame) -> np.ndarray:
    """Per KPI, the number of decimals S such that all its values and targets are whole
    numbers of 10**-S, exactly as written; -1 when not (more decimals, sizes beyond
    ``SAFE_INTEGER``, or a calculated KPI, whose exact values are fractions of any kind)."""
    codes = frame["kpi"].to_numpy()
    needed = np.maximum(_row_scales(frame["x"].to_numpy()), _row_scales(frame["tx"].to_numpy()))
    scales = np.full(len(kpis), -1, dtype=np.int64)
    np.maximum.at(scales, codes, needed)
    calculated = np.array([k.formula is not None for k in kpis], dtype=bool)
    scales[calculated | (scales > MAX_SCALE)] = -1
    # a small number written with few decimals may be too large at its KPI's scale
    for column in ("x", "tx"):
        numbers = frame[column].to_numpy()
        power = 10.0 ** np.maximum(scales[codes], 0)
        whole = np.rint(numbers * power)
        unsafe = ~np.isnan(numbers) & ((np.abs(whole) >= SAFE_INTEGER) | (whole / power != numbers))
        scales[np.unique(codes[unsafe])] = -1
    return scales


def _row_scales(numbers: np.ndarray) -> np.ndarray:
    """The fewest decimals each number is written with, up to MAX_SCALE; MAX_SCALE + 1 when it
    has more, or is too large; -1 for NaN."""
    found = np.where(np.isnan(numbers), -1, MAX_SCALE + 1)
    for scale in range(MAX_SCALE, -1, -1):
        whole = np.rint(numbers * 10.0**scale)
        exact_here = (np.abs(whole) < SAFE_INTEGER) & (whole / 10.0**scale == numbers)
        found = np.where(exact_here, scale, found)
    return found


def _integers(numbers: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Each number times 10**scale as a whole number (0 where NaN or the scale is -1)."""
    usable = ~np.isnan(numbers) & (scales >= 0)
    scaled: np.ndarray = np.rint(np.where(usable, numbers, 0.0) * 10.0 ** np.maximum(scales, 0))
    return scaled.astype(np.int64)


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


class _Group(NamedTuple):
    """A KPI's quarter or year: its value and target exactly, as (numerator, denominator)."""

    kpi: int
    begin: Month
    last: Month
    months: int
    value: Pair | None
    target: Pair | None


Pair = tuple[int, int]
"""An exact number as (numerator, denominator > 0): what integers and fractions both give."""


def _periods(
    kpis: Sequence[Kpi], statuses: _Statuses, frame: pd.DataFrame, as_of: Month
) -> dict[str, tuple[Period, ...]]:
    """Every KPI's quarters and years from the one that holds its first reported month to the
    one that holds ``as_of``, months after ``as_of`` left out; each year after its quarters."""
    passed = frame[(frame["month"] <= as_of) & (frame["first"] <= as_of)]
    firsts = frame.groupby("kpi")["first"].first().to_numpy()
    found: dict[int, list[Period]] = {}
    for kind, keys in (("quarter", ["kpi", "begin", "quarter"]), ("year", ["kpi", "begin"])):
        integral = passed["scale"].to_numpy() >= 0
        groups = _integer_groups(passed[integral], keys, kpis, kind)
        groups += _fraction_groups(passed[~integral], keys, kpis, kind)
        for group in groups:
            if group.last < firsts[group.kpi]:
                continue  # a quarter of the first year before the first reported month
            found.setdefault(group.kpi, []).append(
                Period(
                    name=_period_name(group.begin, group.last, kind),
                    kind="quarter" if kind == "quarter" else "year",
                    first=group.last - (2 if kind == "quarter" else 11),
                    last=group.last,
                    value=_pair_float(group.value),
                    target=_pair_float(group.target),
                    status=statuses.of_pair(group.kpi, group.value, group.target),
                    months=group.months,
                    complete=group.last <= as_of,
                )
            )
    return {
        kpis[index].id: tuple(sorted(periods, key=_period_order))
        for index, periods in sorted(found.items())
    }


def _group_lasts(frame: pd.DataFrame, keys: list[str], kind: str) -> tuple[np.ndarray, ...]:
    """(row where each group starts, its KPI, fiscal year begin, last month): the frame is
    sorted by KPI and month and the keys rise with the month, so groups are runs of rows."""
    changes = np.zeros(max(len(frame) - 1, 0), dtype=bool)
    for key in keys:
        column = frame[key].to_numpy()
        changes |= column[1:] != column[:-1]
    starts = np.flatnonzero(np.r_[True, changes]) if len(frame) else np.zeros(0, dtype=np.int64)
    begin = frame["begin"].to_numpy()[starts]
    quarter = frame["quarter"].to_numpy()[starts] if kind == "quarter" else 4
    last = begin + quarter * 3 - 1
    return starts, frame["kpi"].to_numpy()[starts], begin, last


def _integer_groups(
    frame: pd.DataFrame, keys: list[str], kpis: Sequence[Kpi], kind: str
) -> list[_Group]:
    """The groups of KPIs whose numbers are whole numbers of 10**-scale: sums, counts and
    last values of integers, on the whole frame at once."""
    if frame.empty:
        return []
    starts, kpi_of, begin, last = _group_lasts(frame, keys, kind)
    scale = frame["scale"].to_numpy()
    rows = np.arange(len(frame))
    found: dict[str, list[int]] = {}
    for name, column in (("v", "x"), ("t", "tx")):
        numbers = frame[column].to_numpy()
        present = ~np.isnan(numbers)
        integers = _integers(numbers, scale)
        found[name + "_sum"] = np.add.reduceat(integers, starts).tolist()
        found[name + "_count"] = np.add.reduceat(present.astype(np.int64), starts).tolist()
        last_row = np.maximum.reduceat(np.where(present, rows, -1), starts)
        found[name + "_last"] = integers[np.maximum(last_row, 0)].tolist()
    sizes = np.diff(np.r_[starts, len(frame)]).tolist()
    unit = [10 ** int(s) for s in scale[starts].tolist()]
    return [
        _Group(
            kpi,
            first_month,
            last_month,
            v_count,
            _pair(kpis[kpi].aggregate, v_sum, v_count, v_last, denominator),
            None
            if t_count < size
            else _pair(kpis[kpi].aggregate, t_sum, t_count, t_last, denominator),
        )
        for kpi, first_month, last_month, size, denominator, v_sum, v_count, v_last, t_sum, t_count, t_last in zip(
            kpi_of.tolist(),
            begin.tolist(),
            last.tolist(),
            sizes,
            unit,
            found["v_sum"],
            found["v_count"],
            found["v_last"],
            found["t_sum"],
            found["t_count"],
            found["t_last"],
            strict=True,
        )
    ]


def _pair(aggregate: str, total: int, count: int, last: int, denominator: int) -> Pair | None:
    """The ``aggregate`` of ``count`` whole numbers of 1/denominator with this sum and last."""
    if count == 0:
        return None
    if aggregate == "sum":
        return total, denominator
    if aggregate == "last":
        return last, denominator
    return total, denominator * count


def _fraction_groups(
    frame: pd.DataFrame, keys: list[str], kpis: Sequence[Kpi], kind: str
) -> list[_Group]:
    """The groups of the other KPIs (calculated ones, many decimals), on exact fractions."""
    if frame.empty:
        return []
    _, kpi_of, begin, last = _group_lasts(frame, keys, kind)
    groups = _groups(frame, keys)
    records = _records(groups, [kpis[k].aggregate for k in kpi_of.tolist()])
    return [
        _Group(kpi, b, end, months, _fraction_pair(value), _fraction_pair(target))
        for kpi, b, end, months, (value, target) in zip(
            kpi_of.tolist(),
            begin.tolist(),
            last.tolist(),
            groups["v_count"].tolist(),
            records,
            strict=True,
        )
    ]


def _fraction_pair(number: Fraction | None) -> Pair | None:
    return None if number is None else (number.numerator, number.denominator)


def _pair_float(pair: Pair | None) -> float | None:
    """The float nearest to an exact figure (int / int rounds correctly); None beyond a
    float's range."""
    if pair is None:
        return None
    try:
        return pair[0] / pair[1]
    except OverflowError:
        return None


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
