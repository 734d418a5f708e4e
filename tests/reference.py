"""Contract section 3, written again from the contract alone, for the differential test.

Plain Python over exact fractions of the decimals as written; nothing here comes from the
engine (kpi_scorecard is not imported). It is meant to be read against the contract line by
line, and to grow with it: pacing (3.5) and fiscal periods (3.6) are more methods on
``RefKpi`` over the same ``value``, ``target`` and ``status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Month = tuple[int, int]
"""(year, month 1-12)."""


def shift(month: Month, months: int) -> Month:
    year, number = month
    index = year * 12 + (number - 1) + months
    return (index // 12, index % 12 + 1)


def months_between(first: Month, last: Month) -> list[Month]:
    result = [first]
    while result[-1] != last:
        result.append(shift(result[-1], 1))
    return result


def month_number(month: Month) -> int:
    """A month's position on the time axis, for the slope: one step per month."""
    return month[0] * 12 + month[1]


# -- formulas: a tree of ("num", Fraction) | ("ref", id) | ("neg", e) | (op, left, right) --------

Expr = tuple[Any, ...]


def refs_of(expr: Expr) -> set[str]:
    if expr[0] == "num":
        return set()
    if expr[0] == "ref":
        return {expr[1]}
    if expr[0] == "neg":
        return refs_of(expr[1])
    return refs_of(expr[1]) | refs_of(expr[2])


def evaluate(expr: Expr, value_of: dict[str, Fraction | None]) -> Fraction | None:
    """None when an input is null or a divisor is exactly zero (contract 1)."""
    kind = expr[0]
    if kind == "num":
        return Fraction(expr[1])
    if kind == "ref":
        return value_of[expr[1]]
    if kind == "neg":
        inner = evaluate(expr[1], value_of)
        return None if inner is None else -inner
    left, right = evaluate(expr[1], value_of), evaluate(expr[2], value_of)
    if left is None or right is None:
        return None
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    return None if right == 0 else left / right


# -- a KPI ------------------------------------------------------------------------------------


@dataclass
class RefKpi:
    id: str
    better: str
    aggregate: str
    tolerance: Fraction
    """The KPI's own, else the scorecard's."""
    constant_target: Fraction | None = None
    target_steps: dict[Month, Fraction] = field(default_factory=dict)
    values: dict[Month, Fraction | None] = field(default_factory=dict)
    """Month -> value as written; for a calculated KPI, filled by ``Reference``."""

    def value(self, month: Month) -> Fraction | None:
        return self.values.get(month)

    def target(self, month: Month) -> Fraction | None:
        """3.2: a constant holds every month; a step holds from its month to the next one."""
        if self.constant_target is not None:
            return self.constant_target
        held = None
        for start in sorted(self.target_steps):
            if start <= month:
                held = self.target_steps[start]
        return held

    def status(self, month: Month) -> str:
        """3.3 (and decisions.md: no value is `missing` even without a target)."""
        v, t = self.value(month), self.target(month)
        if v is None:
            return "missing"
        if t is None:
            return "no_target"
        band = self.tolerance * abs(t)
        if self.better == "higher":
            if v >= t:
                return "green"
            return "amber" if v >= t - band else "red"
        if v <= t:
            return "green"
        return "amber" if v <= t + band else "red"

    def series_months(self) -> list[Month]:
        """From the first to the last month written (decisions.md)."""
        if not self.values:
            return []
        return months_between(min(self.values), max(self.values))

    def figures(self, m: Month, fiscal_year_start: int) -> dict[str, object]:
        """Every field of 3.1 at m, exactly."""
        value, previous, year_ago = (
            self.value(m),
            self.value(shift(m, -1)),
            self.value(shift(m, -12)),
        )
        target = self.target(m)
        slope = self.slope(m)
        gap = difference(value, target)
        return {
            "value": value,
            "previous": previous,
            "mom_change": difference(value, previous),
            "mom_pct": relative(difference(value, previous), previous),
            "yoy_change": difference(value, year_ago),
            "yoy_pct": relative(difference(value, year_ago), year_ago),
            "rolling_3": mean([self.value(shift(m, -k)) for k in (2, 1, 0)]),
            "ytd": self.ytd(m, fiscal_year_start),
            "target": target,
            "gap": gap,
            "gap_pct": relative(gap, target),
            "status": self.status(m),
            "trend_slope": slope,
            "trend": self.trend(slope),
            "streak": self.streak(m),
        }

    def ytd(self, m: Month, fiscal_year_start: int) -> Fraction | None:
        start = (
            (m[0], fiscal_year_start)
            if m[1] >= fiscal_year_start
            else (m[0] - 1, fiscal_year_start)
        )
        reported = [v for month in months_between(start, m) if (v := self.value(month)) is not None]
        if not reported:
            return None
        if self.aggregate == "sum":
            return sum(reported, Fraction(0))
        if self.aggregate == "last":
            return reported[-1]
        return sum(reported, Fraction(0)) / len(reported)

    def slope(self, m: Month) -> Fraction | None:
        points = [
            (Fraction(month_number(month)), v)
            for month in months_between(shift(m, -11), m)
            if (v := self.value(month)) is not None
        ]
        if len(points) < 3:
            return None
        mean_x = sum((x for x, _ in points), Fraction(0)) / len(points)
        mean_y = sum((y for _, y in points), Fraction(0)) / len(points)
        sxy = sum(((x - mean_x) * (y - mean_y) for x, y in points), Fraction(0))
        sxx = sum(((x - mean_x) ** 2 for x, _ in points), Fraction(0))
        return sxy / sxx

    def trend(self, slope: Fraction | None) -> str:
        if slope is None or slope == 0:
            return "flat"
        rising = slope > 0
        return "improving" if rising == (self.better == "higher") else "worsening"

    def streak(self, m: Month) -> int:
        count = 0
        while self.status(shift(m, -count)) == "green":
            count += 1
        return count


def difference(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return None if a is None or b is None else a - b


def relative(change: Fraction | None, base: Fraction | None) -> Fraction | None:
    return None if change is None or base is None or base == 0 else change / abs(base)


def mean(values: list[Fraction | None]) -> Fraction | None:
    reported = [v for v in values if v is not None]
    return sum(reported, Fraction(0)) / len(reported) if reported else None


class Reference:
    """A scorecard: written KPIs, then calculated ones in the order given (inputs first)."""

    def __init__(self, kpis: list[RefKpi], formulas: dict[str, Expr]) -> None:
        self.kpis = {k.id: k for k in kpis}
        for kpi_id, expr in formulas.items():
            inputs = [self.kpis[ref] for ref in sorted(refs_of(expr))]
            months = sorted({month for kpi in inputs for month in kpi.values})
            self.kpis[kpi_id].values = {
                month: evaluate(expr, {kpi.id: kpi.value(month) for kpi in inputs})
                for month in months
            }
