"""Exact numbers as (numerator, denominator) pairs of whole numbers, and contract 3.3 on them.

Pacing and periods (figures/pacing.py, figures/periods.py) add up thousands of values: as whole
numbers of 10**-decimals with numpy, or as fractions where that cannot be done. Both give a
``Pair``, and every decision is made on pairs, exactly: integers compare without rounding.
Floats decide first where their order is certain (``grades``), for whole columns at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from kpi_scorecard.figures.compute import graded
from kpi_scorecard.figures.numbers import exact_sum
from kpi_scorecard.model import Kpi, Status

Pair = tuple[int, int]
"""An exact number as (numerator, denominator > 0): what integers and fractions both give."""


class Statuses:
    """Contract 3.3 on exact (numerator, denominator) pairs."""

    def __init__(self, kpis: Sequence[Kpi], tolerances: Sequence[Fraction]) -> None:
        self.kpis = kpis
        self.tolerances = tolerances
        self.aggregates = np.array([k.aggregate for k in kpis])
        self.higher = np.array([k.better == "higher" for k in kpis], dtype=bool)
        self.tolerance_floats = np.array([float(t) for t in tolerances], dtype=float)

    def of_pair(self, index: int, value: Pair | None, target: Pair | None) -> Status:
        """Value, target and band's edge scaled to one whole denominator, so that ``graded``
        compares integers."""
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


NEAR = 1e-9
"""Relative distance to the target or the band's edge under which floats do not decide: their
rounding errors (a few units in the 16th digit) are far smaller, so beyond it their order is
the exact numbers' order."""


def grades(
    values: np.ndarray, targets: np.ndarray, higher: np.ndarray, tolerance: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Contract 3.3 on the floats nearest to exact values and targets, and where the floats
    are too close to the target or the band's edge to be sure (those need the exact pairs)."""
    with np.errstate(invalid="ignore", over="ignore"):
        band = tolerance * np.abs(targets)
        edge = np.where(higher, targets - band, targets + band)
        sign = np.where(higher, 1.0, -1.0)
        status = np.where(
            sign * (values - targets) >= 0,
            "green",
            np.where(sign * (values - edge) >= 0, "amber", "red"),
        )
        margin = NEAR * (np.abs(values) + np.abs(targets) + band)
        unsure = (
            ~np.isfinite(margin)
            | (np.abs(values - targets) <= margin)
            | (np.abs(values - edge) <= margin)
        )
    return status, unsure


def pair_float(pair: Pair | None) -> float | None:
    """The float nearest to an exact figure (int / int rounds correctly); None beyond a
    float's range."""
    if pair is None:
        return None
    try:
        return pair[0] / pair[1]
    except OverflowError:
        return None


def fraction_pair(number: Fraction | None) -> Pair | None:
    return None if number is None else exact_pair(number)


def exact_pair(number: Fraction) -> Pair:
    return number.numerator, number.denominator


def aggregate_of(
    aggregate: str, total: Fraction, count: int, last: Fraction | None
) -> Fraction | None:
    """The ``aggregate`` of ``count`` numbers with this exact sum and last one."""
    if count == 0:
        return None
    if aggregate == "sum":
        return total
    if aggregate == "last":
        return last
    return total / count


def times(a: Pair, b: Pair) -> Pair:
    return a[0] * b[0], a[1] * b[1]


def plus(a: Pair, b: Pair) -> Pair:
    if a[1] == b[1]:  # the usual case: whole numbers of one unit
        return a[0] + b[0], a[1]
    return a[0] * b[1] + b[0] * a[1], a[1] * b[1]


def relative(value: Pair | None, base: Pair | None) -> Pair | None:
    """(value - base) / abs(base); None if either is None or the base is 0."""
    if value is None or base is None or base[0] == 0:
        return None
    (a, b), (c, d) = value, base
    return a * d - c * b, b * abs(c)


def whole_aggregate(aggregate: str, total: int, count: int, last: int, unit: int) -> Pair | None:
    """The ``aggregate`` of ``count`` whole numbers of 1/unit with this sum and last."""
    if count == 0:
        return None
    if aggregate == "sum":
        return total, unit
    if aggregate == "last":
        return last, unit
    return total, unit * count


def aggregate_all(aggregate: str, numbers: Sequence[Fraction | None]) -> Fraction | None:
    """``agg`` over the numbers, None if any of them is None."""
    if not numbers or any(n is None for n in numbers):
        return None
    present = [n for n in numbers if n is not None]
    return aggregate_of(aggregate, exact_sum(present), len(present), present[-1])
