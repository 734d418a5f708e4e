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

    # -- 3.5 pacing ------------------------------------------------------------------------------

    def agg(self, numbers: list[Fraction]) -> Fraction | None:
        if not numbers:
            return None
        if self.aggregate == "sum":
            return sum(numbers, Fraction(0))
        if self.aggregate == "last":
            return numbers[-1]
        return sum(numbers, Fraction(0)) / len(numbers)

    def target_agg(self, months: list[Month]) -> Fraction | None:
        """`agg` of the targets that hold in the months; None if any month has none."""
        targets = [self.target(month) for month in months]
        if any(t is None for t in targets):
            return None
        return self.agg([t for t in targets if t is not None])

    def pacing(self, m: Month, fiscal_year_start: int) -> dict[str, object]:
        """Every field of 3.5 at m; the months of the fiscal year after m are forecast
        (decisions.md: values after the reporting month are not used)."""
        f1 = fiscal_start(m, fiscal_year_start)
        year = months_between(f1, shift(f1, 11))
        so_far = months_between(f1, m)
        ytd = self.agg([v for month in so_far if (v := self.value(month)) is not None])
        target_ytd = self.target_agg(so_far)
        target_fy = self.target_agg(year)
        filled = [
            self.value(r) if r <= m and self.value(r) is not None else self.forecast(r, m, f1)
            for r in year
        ]
        forecast_fy = None if None in filled else self.agg([v for v in filled if v is not None])
        return {
            "target_ytd": target_ytd,
            "ytd_gap_pct": relative(difference(ytd, target_ytd), target_ytd),
            "target_fy": target_fy,
            "forecast_fy": forecast_fy,
            "forecast_gap_pct": relative(difference(forecast_fy, target_fy), target_fy),
            "pace": self.graded(forecast_fy, target_fy),
        }

    def forecast(self, r: Month, m: Month, f1: Month) -> Fraction | None:
        now = before = Fraction(0)
        for i in months_between(f1, m):
            v, year_ago = self.value(i), self.value(shift(i, -12))
            if v is not None and year_ago is not None:
                now, before = now + v, before + year_ago
        year_ago_r = self.value(shift(r, -12))
        if before > 0 and year_ago_r is not None:
            return year_ago_r * (now / before)
        return mean([self.value(month) for month in months_between(shift(m, -11), m)])

    def graded(self, v: Fraction | None, t: Fraction | None) -> str:
        """3.3 for any value against any target."""
        if v is None:
            return "missing"
        if t is None:
            return "no_target"
        band = self.tolerance * abs(t)
        if self.better == "higher":
            return "green" if v >= t else "amber" if v >= t - band else "red"
        return "green" if v <= t else "amber" if v <= t + band else "red"

    # -- 3.6 fiscal quarters and years --------------------------------------------------------

    def periods(self, as_of: Month, fiscal_year_start: int) -> dict[str, dict[str, object]]:
        """Name -> `value, target, status, months, complete` of every quarter and year from the
        one that holds the first reported month up to the one that holds as_of."""
        reported = sorted(k for k, v in self.values.items() if v is not None and k <= as_of)
        if not reported:
            return {}
        found = {}
        year_start = fiscal_start(reported[0], fiscal_year_start)
        while year_start <= as_of:
            name = f"FY{shift(year_start, 11)[0]}"
            for q in range(4):
                first = shift(year_start, 3 * q)
                last = shift(first, 2)
                if last >= reported[0] and first <= as_of:
                    found[f"{name}-Q{q + 1}"] = self.period(first, last, as_of)
            found[name] = self.period(year_start, shift(year_start, 11), as_of)
            year_start = shift(year_start, 12)
        return found

    def period(self, first: Month, last: Month, as_of: Month) -> dict[str, object]:
        months = [month for month in months_between(first, last) if month <= as_of]
        reported = [v for month in months if (v := self.value(month)) is not None]
        value, target = self.agg(reported), self.target_agg(months)
        return {
            "value": value,
            "target": target,
            "status": self.graded(value, target),
            "months": len(reported),
            "complete": last <= as_of,
        }


def fiscal_start(month: Month, fiscal_year_start: int) -> Month:
    year, number = month
    return (
        (year, fiscal_year_start) if number >= fiscal_year_start else (year - 1, fiscal_year_start)
    )


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
