"""The figures of contract section 3: calculated KPIs, then 3.1 to 3.3 for every KPI.

Plain Python over month -> value dicts: a KPI holds at most a few hundred months, so vectorising
buys nothing here and the definitions read one to one against the contract.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from kpi_scorecard.errors import Problem
from kpi_scorecard.model import (
    Figures,
    Kpi,
    Month,
    Results,
    Scorecard,
    Series,
    Status,
    Trend,
    month_str,
)
from kpi_scorecard.read import formula

Values = Mapping[Month, float | None]
TREND_WINDOW = 12
MIN_TREND_POINTS = 3
MAX_LISTED_MONTHS = 5
NEAR_ZERO = 1e-9
"""A float slope this small next to the values may be rounding noise: it is worked out exactly."""


def compute(scorecard: Scorecard) -> tuple[Results, list[Problem]]:
    """Every KPI's figures at the reporting month and its monthly series, with the warnings
    (formula months that could not be computed)."""
    plan = formula_plan(scorecard)
    values, warnings = evaluate_formulas(scorecard, plan)
    as_of = reporting_month(scorecard, values)
    settings = scorecard.settings
    figures = {}
    series = {}
    for kpi_id, kpi in scorecard.kpis.items():
        context = _KpiContext(kpi, values[kpi_id], settings.tolerance)
        figures[kpi_id] = _in_range(
            context.figures(as_of, settings.fiscal_year_start), kpi, as_of, "", warnings
        )
        series[kpi_id] = context.series()
    segment_figures: dict[str, dict[str, Figures]] = {}
    segment_series: dict[str, dict[str, Series]] = {}
    for kpi_id, segments in evaluate_segments(scorecard, plan).items():
        kpi = scorecard.kpis[kpi_id]
        for segment, segment_values in segments.items():
            target = kpi.segment_targets.get(segment)
            context = _KpiContext(
                dataclasses.replace(kpi, target=target), segment_values, settings.tolerance
            )
            segment_figures.setdefault(kpi_id, {})[segment] = _in_range(
                context.figures(as_of, settings.fiscal_year_start),
                kpi,
                as_of,
                f"segment {segment} ",
                warnings,
            )
            segment_series.setdefault(kpi_id, {})[segment] = context.series()
    return Results(as_of, figures, series, segment_figures, segment_series), warnings


def _in_range(
    figures: Figures, kpi: Kpi, as_of: Month, where: str, warnings: list[Problem]
) -> Figures:
    """Figures that overflow a float (sums or differences of values near 1e308) are left
    empty, with a warning: the exports must stay valid JSON, and the build must not fail."""
    too_large = [
        name
        for name, value in dataclasses.asdict(figures).items()
        if isinstance(value, float) and not math.isfinite(value)
    ]
    if not too_large:
        return figures
    warnings.append(
        Problem(
            kpi.path,
            kpi.line_of("formula" if kpi.formula else "values"),
            f"{where}figures at {month_str(as_of)}: too large to compute, left empty: "
            + ", ".join(too_large),
            "values of a size a float can add up",
            "warning",
        )
    )
    emptied: dict[str, Any] = dict.fromkeys(too_large)
    if "trend_slope" in too_large:
        emptied["trend"] = "flat"
    return dataclasses.replace(figures, **emptied)


def reporting_month(scorecard: Scorecard, values: Mapping[str, Values]) -> Month:
    """``as_of`` from scorecard.yaml, else the latest month in which at least half of the KPIs
    with values of their own report one (so one owner entering next month early does not move
    the whole scorecard), else this month."""
    if scorecard.settings.as_of is not None:
        return scorecard.settings.as_of
    reporting: Counter[Month] = Counter()
    kpis_with_values = 0
    for kpi in scorecard.kpis.values():
        if kpi.formula is not None:
            continue
        months = [m for m, v in values[kpi.id].items() if v is not None]
        kpis_with_values += bool(months)
        reporting.update(months)
    quorum = [month for month, count in reporting.items() if 2 * count >= kpis_with_values]
    return max(quorum) if quorum else current_month()


def current_month() -> Month:
    """This month, or the month of SOURCE_DATE_EPOCH so that rebuilds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return now.year * 12 + now.month - 1


# -- formulas ---------------------------------------------------------------------------------


Plan = list[tuple[Kpi, formula.Expr]]
"""The calculated KPIs with their parsed formulas, each after the KPIs it reads."""


def evaluate_formulas(scorecard: Scorecard, plan: Plan) -> tuple[dict[str, Values], list[Problem]]:
    """KPI id -> month -> value, with calculated KPIs filled in dependency order."""
    values: dict[str, Values] = {k: kpi.values for k, kpi in scorecard.kpis.items()}
    warnings = []
    for kpi, expression in plan:
        computed, gaps = evaluate(expression, values)
        values[kpi.id] = computed
        if gaps:
            warnings.append(_gap_warning(kpi, gaps))
    return values, warnings


def evaluate_segments(scorecard: Scorecard, plan: Plan) -> dict[str, dict[str, Values]]:
    """KPI id -> segment -> month -> value. A calculated KPI has the segments that all its
    inputs share, each computed from the inputs' same segment (CPA per channel = spend per
    channel / customers per channel)."""
    segments: dict[str, dict[str, Values]] = {
        k: dict(kpi.segments) for k, kpi in scorecard.kpis.items() if kpi.segments
    }
    for kpi, expression in plan:
        refs = sorted(formula.references(expression))
        shared = set.intersection(*(set(segments.get(ref, {})) for ref in refs)) if refs else set()
        computed: dict[str, Values] = {}
        for segment in sorted(shared):
            computed[segment] = evaluate(expression, {ref: segments[ref][segment] for ref in refs})[
                0
            ]
        if computed:
            segments[kpi.id] = computed
    return segments


def formula_plan(scorecard: Scorecard) -> Plan:
    """Each formula parsed once, in dependency order (validation refused cycles)."""
    parsed = {k.id: formula.parse(k.formula) for k in scorecard.kpis.values() if k.formula}
    ordered: Plan = []
    done: set[str] = set()

    def visit(kpi: Kpi) -> None:
        if kpi.id in done or kpi.id not in parsed:
            return
        done.add(kpi.id)  # no cycles, so marking before the inputs is safe
        for ref in sorted(formula.references(parsed[kpi.id])):
            visit(scorecard.kpis[ref])
        ordered.append((kpi, parsed[kpi.id]))

    for kpi in scorecard.kpis.values():
        visit(kpi)
    return ordered


def evaluate(
    expression: formula.Expr, values: Mapping[str, Values]
) -> tuple[dict[Month, float | None], dict[Month, str]]:
    """The formula month by month over the months any input has; months that come out null
    -> why (an input not reported, or a division by zero)."""
    refs = sorted(formula.references(expression))
    months = sorted({m for ref in refs for m in values[ref]})
    result: dict[Month, float | None] = {}
    gaps: dict[Month, str] = {}
    for month in months:
        missing = [ref for ref in refs if values[ref].get(month) is None]
        if missing:
            result[month] = None
            gaps[month] = f"{', '.join(missing)} not reported"
            continue
        value = _evaluate_at(expression, values, month)
        if value is not None and not math.isfinite(value):
            result[month] = None
            gaps[month] = "too large"
            continue
        result[month] = value
        if value is None:
            gaps[month] = "division by zero"
    return result, gaps


def _evaluate_at(
    expression: formula.Expr, values: Mapping[str, Values], month: Month
) -> float | None:
    if isinstance(expression, formula.Number):
        return expression.value
    if isinstance(expression, formula.Ref):
        return values[expression.name].get(month)
    if isinstance(expression, formula.Neg):
        operand = _evaluate_at(expression.operand, values, month)
        return None if operand is None else -operand
    left = _evaluate_at(expression.left, values, month)
    right = _evaluate_at(expression.right, values, month)
    if left is None or right is None:
        return None
    if expression.op == "+":
        return left + right
    if expression.op == "-":
        return left - right
    if expression.op == "*":
        return left * right
    return None if right == 0 else left / right


def _gap_warning(kpi: Kpi, gaps: Mapping[Month, str]) -> Problem:
    listed = [f"{month_str(m)} ({why})" for m, why in list(gaps.items())[:MAX_LISTED_MONTHS]]
    more = len(gaps) - len(listed)
    text = ", ".join(listed) + (f" and {more} more" if more else "")
    return Problem(
        kpi.path, kpi.line_of("formula"), f"formula: no value for {text}", severity="warning"
    )


# -- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _KpiContext:
    kpi: Kpi
    values: Values
    default_tolerance: float

    @property
    def tolerance(self) -> float:
        return self.default_tolerance if self.kpi.tolerance is None else self.kpi.tolerance

    def value(self, month: Month) -> float | None:
        return self.values.get(month)

    def target(self, month: Month) -> float | None:
        return None if self.kpi.target is None else self.kpi.target.at(month)

    def status(self, month: Month) -> Status:
        return status(self.value(month), self.target(month), self.kpi.better, self.tolerance)

    def figures(self, m: Month, fiscal_year_start: int) -> Figures:
        value, previous, year_ago = self.value(m), self.value(m - 1), self.value(m - 12)
        target = self.target(m)
        slope = trend_slope({x: self.value(x) for x in range(m - TREND_WINDOW + 1, m + 1)})
        gap = _difference(value, target)
        return Figures(
            value=value,
            previous=previous,
            mom_change=_difference(value, previous),
            mom_pct=_relative(_difference(value, previous), previous),
            yoy_change=_difference(value, year_ago),
            yoy_pct=_relative(_difference(value, year_ago), year_ago),
            rolling_3=rolling_mean(self.values, m),
            ytd=self.year_to_date(m, fiscal_year_start),
            target=target,
            gap=gap,
            gap_pct=_relative(gap, target),
            status=self.status(m),
            trend_slope=slope,
            trend=trend(slope, self.kpi.better),
            streak=self.streak(m),
        )

    def year_to_date(self, m: Month, fiscal_year_start: int) -> float | None:
        start = fiscal_year_begin(m, fiscal_year_start)
        reported = [v for x in range(start, m + 1) if (v := self.value(x)) is not None]
        if not reported:
            return None
        if self.kpi.aggregate == "sum":
            return sum(reported)
        if self.kpi.aggregate == "last":
            return reported[-1]
        return mean(reported)

    def streak(self, m: Month) -> int:
        first = min(self.values, default=m)
        count = 0
        while m - count >= first and self.status(m - count) == "green":
            count += 1
        return count

    def series(self) -> Series:
        if not self.values:
            return Series((), (), (), (), ())
        months = tuple(range(min(self.values), max(self.values) + 1))
        return Series(
            months=months,
            values=tuple(self.value(m) for m in months),
            targets=tuple(self.target(m) for m in months),
            statuses=tuple(self.status(m) for m in months),
            rolling_3=tuple(rolling_mean(self.values, m) for m in months),
        )


def status(value: float | None, target: float | None, better: str, tolerance: float) -> Status:
    """Contract 3.3; a month without a value is ``missing`` even when it has no target."""
    if value is None:
        return "missing"
    if target is None:
        return "no_target"
    band = tolerance * abs(target)
    if better == "higher":
        if value >= target:
            return "green"
        return "amber" if value >= target - band else "red"
    if value <= target:
        return "green"
    return "amber" if value <= target + band else "red"


def rolling_mean(values: Values, m: Month) -> float | None:
    window = [v for x in (m - 2, m - 1, m) if (v := values.get(x)) is not None]
    return mean(window) if window else None


def mean(values: list[float]) -> float:
    result = sum(values) / len(values)
    if math.isinf(result):  # the sum overflowed; the mean itself is in range
        result = sum(value / len(values) for value in values)
    return result


def fiscal_year_begin(m: Month, fiscal_year_start: int) -> Month:
    """The first month of the fiscal year that contains ``m``."""
    year, index = divmod(m, 12)
    start_index = fiscal_year_start - 1
    return year * 12 + start_index if index >= start_index else (year - 1) * 12 + start_index


def trend_slope(window: Mapping[Month, float | None]) -> float | None:
    """Least-squares slope per month of the reported values; None with fewer than 3.

    Floats make the slope of a flat or symmetric series come out as +-1e-17 instead of 0, which
    would read as improving or worsening. Near zero, the slope is therefore computed exactly
    (the values are exact binary fractions), so that ``flat`` means a slope of exactly 0."""
    points = [(x, y) for x, y in window.items() if y is not None]
    if len(points) < MIN_TREND_POINTS:
        return None
    origin = points[0][0]  # centring x keeps the sums small
    xs = [float(x - origin) for x, _ in points]
    ys = [y for _, y in points]
    slope = float(_least_squares(xs, ys))
    if abs(slope) <= NEAR_ZERO * max(abs(y) for y in ys):
        slope = float(_least_squares([Fraction(x) for x in xs], [Fraction(y) for y in ys]))
    return slope


def _least_squares(xs: list[Any], ys: list[Any]) -> Any:
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def trend(slope: float | None, better: str) -> Trend:
    if slope is None or slope == 0:
        return "flat"
    return "improving" if (slope > 0) == (better == "higher") else "worsening"


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _relative(change: float | None, base: float | None) -> float | None:
    return None if change is None or base is None or base == 0 else change / abs(base)
