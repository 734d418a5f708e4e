"""Exact numbers, fast: floats where they decide correctly, fractions where they might not.

A float read from a decimal, or converted from a fraction, is the nearest float to the exact
value. Rounding to the nearest float never reverses an order: it can only turn two different
values into the same float. So two floats that differ are ordered as their exact values are,
and only a tie needs the exact values (an edge case, like 0.99 against 1.1 - 0.1 * 1.1). That
keeps scorecards of thousands of KPIs as fast as with floats and decisions as exact as with
fractions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

from kpi_scorecard.model import Month, exact


class Numbers:
    """A month -> value series: the floats for speed and display, each value exactly on
    demand (the decimal as written, or a calculated KPI's exact result)."""

    __slots__ = ("_exact", "_whole", "floats")

    def __init__(
        self,
        floats: Mapping[Month, float | None],
        exact_values: dict[Month, Fraction | None] | None = None,
    ) -> None:
        self.floats = floats
        """Month -> the float nearest to the exact value (None = not reported), month order."""
        self._exact: dict[Month, Fraction | None] = {} if exact_values is None else exact_values
        self._whole: Whole | bool | None = False  # False: not worked out yet

    @classmethod
    def calculated(cls, exact_values: dict[Month, Fraction | None]) -> Numbers:
        """A calculated KPI's exact results."""
        return cls({m: as_float(v) for m, v in exact_values.items()}, exact_values)

    def exact(self, month: Month) -> Fraction | None:
        """The value at ``month`` exactly; None when not reported."""
        if month in self._exact:
            return self._exact[month]
        value = self.floats.get(month)
        found = self._exact[month] = None if value is None else exact(value)
        return found

    def exact_values(self) -> dict[Month, Fraction | None]:
        """Every month exactly."""
        return {month: self.exact(month) for month in self.floats}

    def whole(self) -> Whole | None:
        """The reported values as whole numbers of one small unit (a hundredth, for values
        written with two decimals), for sums, means and slopes in whole-number arithmetic:
        several times faster than fractions, and as exact. None when the values share no
        small unit (a calculated KPI's quotients, thirds and sevenths)."""
        if self._whole is False:
            self._whole = _whole(self)
        return self._whole if isinstance(self._whole, Whole) else None


class Whole:
    """Values as multiples of ``1 / scale``: ``multiples[month] / scale`` is the exact value of
    every reported month."""

    __slots__ = ("multiples", "scale")

    def __init__(self, scale: int, multiples: dict[Month, int]) -> None:
        self.scale = scale
        self.multiples = multiples

    def change(self, month: Month, before: Month) -> tuple[Fraction | None, Fraction | None]:
        """(the change from ``before`` to ``month``, that change relative to the value at
        ``before``) exactly; None where a month is not reported or the value before is 0."""
        now, then = self.multiples.get(month), self.multiples.get(before)
        if now is None or then is None:
            return None, None
        change = now - then
        return Fraction(change, self.scale), (Fraction(change, abs(then)) if then else None)

    def sum(self, months: Sequence[Month]) -> tuple[int, int]:
        """(the sum of the reported values of ``months`` in units, how many were reported)."""
        found = [n for month in months if (n := self.multiples.get(month)) is not None]
        return sum(found), len(found)


MAX_SCALE_BITS = 128
"""A unit finer than this (2**-128) is not worth whole-number arithmetic: fractions then."""


def _whole(numbers: Numbers) -> Whole | None:
    exact_values = {m: x for m in numbers.floats if (x := numbers.exact(m)) is not None}
    scale = math.lcm(*(x.denominator for x in exact_values.values())) if exact_values else 1
    if scale.bit_length() > MAX_SCALE_BITS:
        return None
    return Whole(
        scale, {m: x.numerator * (scale // x.denominator) for m, x in exact_values.items()}
    )


def exact_sum(numbers: Sequence[Fraction], weights: Sequence[int] | None = None) -> Fraction:
    """The sum of the numbers (each times its whole weight) exactly, over one common
    denominator: whole-number arithmetic, several times faster than adding fractions."""
    denominator = math.lcm(*(n.denominator for n in numbers)) if numbers else 1
    scaled = [n.numerator * (denominator // n.denominator) for n in numbers]
    if weights is not None:
        scaled = [weight * n for weight, n in zip(weights, scaled, strict=True)]
    return Fraction(sum(scaled), denominator)


def as_float(number: Fraction | None) -> float | None:
    """The float nearest to an exact figure, for the exports and the charts (infinite beyond
    the floats' range, as a float calculation would have been)."""
    if number is None:
        return None
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf
