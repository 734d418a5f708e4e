"""Contract 3.5 (pacing) and 3.6 (fiscal quarters and years), for every KPI at once.

One pandas frame holds every KPI's months, from a year before the reporting month's fiscal year
(or the fiscal year of its first reported month, if earlier) to the end of the reporting month's
fiscal year: fiscal labels, the target that holds, and the groups of months are computed on the
whole frame, never in a loop per KPI.

Aggregates stay exact. A KPI whose values and targets are all written with at most
``MAX_SCALE`` decimals is summed as whole numbers of 10**-decimals with numpy; the others
(calculated KPIs, more decimals) as ``Fraction``. Either way a figure is an exact
(numerator, denominator) pair (figures/pairs.py) until it becomes a float in ``Pacing`` and
``Period``, and statuses and pace are decided on those pairs (floats first, where their order
is certain: see ``grades``), never on floats alone. Pacing itself is figures/pacing.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from itertools import chain
from typing import NamedTuple

import numpy as np
import pandas as pd

from kpi_scorecard.figures.compute import fiscal_year_begin
from kpi_scorecard.figures.numbers import Numbers, exact_sum
from kpi_scorecard.figures.pacing import every_pacing
from kpi_scorecard.figures.pairs import (
    Pair,
    Statuses,
    aggregate_of,
    fraction_pair,
    grades,
    pair_float,
)
from kpi_scorecard.model import Kpi, Month, Pacing, Period, Scorecard, exact


def fiscal_year_name(month: Month, fiscal_year_start: int) -> str:
    """``FY<Y>``, Y the calendar year in which the fiscal year holding ``month`` ends."""
    return f"FY{(fiscal_year_begin(month, fiscal_year_start) + 11) // 12}"


def pacing_and_periods(
    scorecard: Scorecard, values: Mapping[str, Numbers], as_of: Month, tolerance: Fraction
) -> tuple[dict[str, Pacing], dict[str, tuple[Period, ...]]]:
    """Every KPI's pacing at ``as_of`` and its fiscal quarters and years up to ``as_of``."""
    kpis = list(scorecard.kpis.values())
    start = scorecard.settings.fiscal_year_start
    frame = _month_frame(kpis, values, as_of, start)
    tolerances = [tolerance if k.tolerance is None else exact(k.tolerance) for k in kpis]
    statuses = Statuses(kpis, tolerances)
    integral = frame["scale"].to_numpy() >= 0
    fractional = _fraction_columns(kpis, values, frame[~integral])
    periods = _periods(kpis, statuses, frame[integral], fractional, as_of)
    name = fiscal_year_name(as_of, start)
    pacing = every_pacing(kpis, statuses, frame, fractional, as_of, start, name)
    return pacing, periods


# -- the frame ----------------------------------------------------------------------------------


def _month_frame(
    kpis: Sequence[Kpi], values: Mapping[str, Numbers], as_of: Month, fiscal_year_start: int
) -> pd.DataFrame:
    """One row per KPI (by position) and month: ``kpi, month, begin`` (of its fiscal year),
    ``quarter``, ``first`` (the KPI's first reported month), ``x`` and ``tx`` (the value
    reported up to ``as_of`` and the target, as floats, NaN where none), ``scale`` (of the
    KPI's integers, see ``_scales``) and ``xi``, ``ti`` (``x`` and ``tx`` as those integers,
    0 where none), sorted by KPI and month; each KPI's rows end with the
    twelve of the reporting month's fiscal year, after at least the twelve before."""
    year_begin = fiscal_year_begin(as_of, fiscal_year_start)
    owner, months, numbers = _reported(kpis, values, as_of)
    # never reported up to as_of: a first month after it, so that it has no periods
    firsts = np.full(len(kpis), as_of + 1, dtype=np.int64)
    np.minimum.at(firsts, owner, months)
    starts = np.minimum(_fiscal_begin(firsts, fiscal_year_start), year_begin - 12)
    lengths = year_begin + 12 - starts
    offsets = np.cumsum(lengths) - lengths
    kpi = np.repeat(np.arange(len(kpis)), lengths)
    month = np.arange(lengths.sum()) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)
    x = np.full(len(month), np.nan)
    x[offsets[owner] + months - starts[owner]] = numbers
    frame = pd.DataFrame({"kpi": kpi, "month": month})
    frame["begin"] = _fiscal_begin(month, fiscal_year_start)
    frame["quarter"] = (frame["month"] - frame["begin"]) // 3 + 1
    frame["first"] = firsts[kpi]
    frame["x"] = x
    frame["tx"] = _written_targets(kpis, frame)
    scale = _scales(kpis, frame)[kpi]
    frame["scale"] = scale
    frame["xi"] = _integers(x, scale)
    frame["ti"] = _integers(frame["tx"].to_numpy(), scale)
    return frame


def _reported(
    kpis: Sequence[Kpi], values: Mapping[str, Numbers], as_of: Month
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(KPI position, month, value) of every value reported up to ``as_of``, as arrays made
    in one pass over all KPIs' months."""
    floats = [values[k.id].floats for k in kpis]
    sizes = np.fromiter((len(f) for f in floats), np.int64, len(floats))
    total = int(sizes.sum())
    owner = np.repeat(np.arange(len(kpis)), sizes)
    months = np.fromiter(chain.from_iterable(floats), np.int64, total)
    # None (not reported) becomes NaN
    numbers = np.array(list(chain.from_iterable(f.values() for f in floats)), dtype=float)
    keep = (months <= as_of) & ~np.isnan(numbers)
    return owner[keep], months[keep], numbers[keep]


def _fiscal_begin(months: np.ndarray, fiscal_year_start: int) -> np.ndarray:
    offset = fiscal_year_start - 1
    return (months - offset) // 12 * 12 + offset


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


# -- integers -----------------------------------------------------------------------------------

MAX_SCALE = 6
"""Decimals of the values and targets that are summed as integers; more go through fractions."""
SAFE_INTEGER = 2**50
"""Below this, a float times a power of ten rounds to the right integer, and the decimals a
scale apart read back as different floats: the integer is the decimal as written. Sums of a
few hundred stay far within int64."""
EXACT_FLOAT = 2**53
"""Whole numbers below this are floats exactly: their quotient is correctly rounded."""


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
    with np.errstate(invalid="ignore", over="ignore"):
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


def _quotients(numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
    """numerator / denominator, correctly rounded as ``int / int`` is: numpy's quotient of
    the two floats, which are exact below ``EXACT_FLOAT``; Python's above."""
    quotients: np.ndarray = numerators / denominators
    for row in np.flatnonzero(np.abs(numerators) >= EXACT_FLOAT).tolist():
        quotients[row] = int(numerators[row]) / int(denominators[row])
    return quotients


# -- KPIs of other numbers: fractions -----------------------------------------------------------


def _fraction_columns(
    kpis: Sequence[Kpi], values: Mapping[str, Numbers], frame: pd.DataFrame
) -> pd.DataFrame:
    """The rows of the KPIs whose numbers are not whole numbers of 10**-scale, with ``v``
    and ``t`` (the value and the target exactly, None where none) and ``year_ago`` (``v``
    twelve months before)."""
    if frame.empty:
        return frame.assign(v=[], t=[], year_ago=[])
    present = ~np.isnan(frame["x"].to_numpy())
    exact_values: list[Fraction | None] = [None] * len(frame)
    for row, kpi, month in zip(
        np.flatnonzero(present).tolist(),
        frame["kpi"].to_numpy()[present].tolist(),
        frame["month"].to_numpy()[present].tolist(),
        strict=True,
    ):
        exact_values[row] = values[kpis[kpi].id].exact(month)
    frame = frame.assign(v=pd.Series(exact_values, index=frame.index, dtype=object))
    written = frame["tx"]
    exact_of = {w: exact(w) for w in written.dropna().unique().tolist()}
    frame["t"] = written.map(exact_of).astype(object).where(written.notna(), None)
    year_ago = frame.groupby("kpi")["v"].shift(12)  # the grid has no gaps
    frame["year_ago"] = year_ago.where(year_ago.notna(), None)
    return frame


Groups = pd.DataFrame
"""Per group of months: ``v_sum``, ``v_count``, ``v_last`` of the reported values, ``t_sum``,
``t_count``, ``t_last`` of the targets, and ``size`` (months in the group), exact."""


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


def _records(groups: Groups, aggregates: Sequence[str]) -> list[tuple[Pair | None, Pair | None]]:
    """(value, target) of every group: the ``aggregate`` of its reported values, and of the
    targets of all its months (None if any month lacks one)."""
    return [
        (
            fraction_pair(aggregate_of(aggregate, v_sum, v_count, v_last)),
            None
            if t_count < size
            else fraction_pair(aggregate_of(aggregate, t_sum, t_count, t_last)),
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


class _Columns(NamedTuple):
    """Quarters or years of KPIs, one entry each: value and target as floats (NaN: none)."""

    kpi: np.ndarray
    year: np.ndarray
    """True for a year, False for a quarter."""
    begin: np.ndarray
    last: np.ndarray
    months: np.ndarray
    value: np.ndarray
    target: np.ndarray
    status: np.ndarray


def _periods(
    kpis: Sequence[Kpi],
    statuses: Statuses,
    integral: pd.DataFrame,
    fractional: pd.DataFrame,
    as_of: Month,
) -> dict[str, tuple[Period, ...]]:
    """Every KPI's quarters and years from the one that holds its first reported month to the
    one that holds ``as_of``, months after ``as_of`` left out; each year after its quarters."""
    found: list[_Columns] = []
    for kind, keys in (("quarter", ["kpi", "begin", "quarter"]), ("year", ["kpi", "begin"])):
        for frame, grouped in ((integral, _integer_groups), (fractional, _fraction_groups)):
            passed = frame[(frame["month"] <= as_of) & (frame["first"] <= as_of)]
            if not passed.empty:
                found.append(grouped(passed, keys, kind, statuses))
    if not found:
        return {}
    every = _Columns(*(np.concatenate(column) for column in zip(*found, strict=True)))
    firsts = np.full(len(kpis), as_of + 1, dtype=np.int64)
    np.minimum.at(firsts, integral["kpi"].to_numpy(), integral["first"].to_numpy())
    np.minimum.at(firsts, fractional["kpi"].to_numpy(), fractional["first"].to_numpy())
    # a quarter of the first year before the first reported month is left out
    keep = every.last >= firsts[every.kpi]
    order = np.argsort(_period_keys(every), kind="stable")
    order = order[keep[order]]
    return _period_tuples(kpis, every, order, as_of)


def _period_tuples(
    kpis: Sequence[Kpi], every: _Columns, order: np.ndarray, as_of: Month
) -> dict[str, tuple[Period, ...]]:
    """The ``Period`` of every entry in ``order`` (sorted by KPI), column by column: a loop
    over tens of thousands of periods would cost more than computing them."""
    kpi, year, begin, last = (
        every.kpi[order],
        every.year[order],
        every.begin[order],
        every.last[order],
    )
    # each distinct period named once
    _, first_of, where = np.unique(
        _period_keys(every)[order] & PERIOD_MASK, return_index=True, return_inverse=True
    )
    distinct = [
        _period_name(b, e, y)
        for b, e, y in zip(
            begin[first_of].tolist(), last[first_of].tolist(), year[first_of].tolist(), strict=True
        )
    ]
    periods = list(
        map(
            Period,
            [distinct[i] for i in where.reshape(-1).tolist()],
            np.where(year, "year", "quarter").tolist(),
            (last - np.where(year, 11, 2)).tolist(),
            last.tolist(),
            _floats_or_none(every.value[order]),
            _floats_or_none(every.target[order]),
            every.status[order].tolist(),
            every.months[order].tolist(),
            (last <= as_of).tolist(),
        )
    )
    bounds = np.flatnonzero(np.diff(kpi)) + 1
    return {
        kpis[index].id: tuple(periods[start:end])
        for index, start, end in zip(
            kpi[np.r_[0, bounds]].tolist() if len(kpi) else [],
            np.r_[0, bounds].tolist(),
            np.r_[bounds, len(kpi)].tolist(),
            strict=True,
        )
    }


PERIOD_MASK = 2**32 - 1
"""The bits of ``_period_keys`` that tell the period, below the KPI's."""


def _period_keys(every: _Columns) -> np.ndarray:
    """One whole number per entry, in the order of the packs: by KPI, fiscal year, each year
    after its quarters."""
    quarter = (every.last - every.begin) // 3
    key: np.ndarray = (every.kpi << 32) | (every.begin << 3) | quarter
    key |= every.year.astype(np.int64) << 2  # a year (its last quarter is 3) after Q4
    return key


def _floats_or_none(numbers: np.ndarray) -> list[float | None]:
    """The numbers as Python floats, None for NaN (none)."""
    found = numbers.astype(object)
    found[np.isnan(numbers)] = None
    result: list[float | None] = found.tolist()
    return result


def _group_lasts(frame: pd.DataFrame, keys: list[str], kind: str) -> tuple[np.ndarray, ...]:
    """(row where each group starts, its KPI, fiscal year begin, last month): the frame is
    sorted by KPI and month and the keys rise with the month, so groups are runs of rows."""
    changes = np.zeros(max(len(frame) - 1, 0), dtype=bool)
    for key in keys:
        column = frame[key].to_numpy()
        changes |= column[1:] != column[:-1]
    starts = np.flatnonzero(np.r_[True, changes])
    begin = frame["begin"].to_numpy()[starts]
    quarter = frame["quarter"].to_numpy()[starts] if kind == "quarter" else 4
    last = begin + quarter * 3 - 1
    return starts, frame["kpi"].to_numpy()[starts], begin, last


def _integer_groups(
    frame: pd.DataFrame, keys: list[str], kind: str, statuses: Statuses
) -> _Columns:
    """The groups of KPIs whose numbers are whole numbers of 10**-scale: sums, counts and
    last values of integers, and statuses, on the whole frame at once."""
    starts, kpi_of, begin, last = _group_lasts(frame, keys, kind)
    unit = 10 ** frame["scale"].to_numpy()[starts]
    aggregate = statuses.aggregates[kpi_of]
    rows = np.arange(len(frame))
    exact: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for column, whole in (("x", "xi"), ("tx", "ti")):
        present = ~np.isnan(frame[column].to_numpy())
        integers = frame[whole].to_numpy()
        total = np.add.reduceat(integers, starts)
        count = np.add.reduceat(present.astype(np.int64), starts)
        last_row = np.maximum.reduceat(np.where(present, rows, -1), starts)
        numerator = np.where(aggregate == "last", integers[np.maximum(last_row, 0)], total)
        denominator = unit * np.where(aggregate == "mean", np.maximum(count, 1), 1)
        exact[column] = numerator, denominator, count
    (v_num, v_den, v_count), (t_num, t_den, t_count) = exact["x"], exact["tx"]
    has_value = v_count > 0
    has_target = t_count == np.diff(np.r_[starts, len(frame)])
    value = np.where(has_value, _quotients(v_num, v_den), np.nan)
    target = np.where(has_target, _quotients(t_num, t_den), np.nan)
    graded, unsure = grades(
        value, target, statuses.higher[kpi_of], statuses.tolerance_floats[kpi_of]
    )
    status = np.where(has_value, np.where(has_target, graded, "no_target"), "missing")
    status = status.astype(object)
    for row in np.flatnonzero(unsure & has_value & has_target).tolist():
        status[row] = statuses.of_pair(
            int(kpi_of[row]),
            (int(v_num[row]), int(v_den[row])),
            (int(t_num[row]), int(t_den[row])),
        )
    year = np.full(len(starts), kind == "year")
    return _Columns(kpi_of, year, begin, last, v_count, value, target, status)


def _fraction_groups(
    frame: pd.DataFrame, keys: list[str], kind: str, statuses: Statuses
) -> _Columns:
    """The groups of the other KPIs (calculated ones, many decimals), on exact fractions."""
    _, kpi_of, begin, last = _group_lasts(frame, keys, kind)
    groups = _groups(frame, keys)
    records = _records(groups, statuses.aggregates[kpi_of].tolist())
    status = np.array(
        [
            statuses.of_pair(kpi, value, target)
            for kpi, (value, target) in zip(kpi_of.tolist(), records, strict=True)
        ],
        dtype=object,
    )
    value, target = (
        np.array([_nan_for_none(pair_float(pairs[i])) for pairs in records], dtype=float)
        for i in (0, 1)
    )
    year = np.full(len(kpi_of), kind == "year")
    return _Columns(
        kpi_of, year, begin, last, groups["v_count"].to_numpy(np.int64), value, target, status
    )


def _nan_for_none(number: float | None) -> float:
    return math.nan if number is None else number


def _period_name(begin: Month, last: Month, year: bool) -> str:
    name = f"FY{(begin + 11) // 12}"
    return name if year else f"{name}-Q{(last - begin) // 3 + 1}"
