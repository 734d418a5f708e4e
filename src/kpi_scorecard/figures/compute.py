"""The figures of contract section 3: calculated KPIs (formulas.py), then 3.1 to 3.3 for every
KPI.

Plain Python over month -> value dicts: a KPI holds at most a few hundred months, so vectorising
buys nothing here and the definitions read one to one against the contract.

Every number is carried exactly, as a ``Fraction`` of the decimal that was written (see
``model.exact``), through formulas, statuses, means and slopes: 0.99 is amber against 1.1 with
a tolerance of 0.1, 0.3 - 0.1 - 0.2 is a zero divisor, a symmetric series has a slope of 0.
Figures become floats only in ``Figures`` and ``Series``, for the exports and the charts.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from kpi_scorecard.errors import Problem
from kpi_scorecard.figures.formulas import evaluate_formulas, evaluate_segments, formula_plan
from kpi_scorecard.figures.numbers import Numbers, Whole, as_float, exact_sum
from kpi_scorecard.model import (
    FIGURE_FIELDS,
    Figures,
    Kpi,
    Month,
    Pacing,
    Period,
    Results,
    Scorecard,
    Series,
    Settings,
    Status,
    Trend,
    exact,
    month_str,
)

TREND_WINDOW = 12
WHOLE_AFTER = 3
"""The figures asked for at this many months: worth the values in whole units (_whole)."""
MIN_TREND_POINTS = 3


def compute(
    scorecard: Scorecard, with_series: bool = True, only: Collection[str] | None = None
) -> tuple[Results, list[Problem]]:
    """Every KPI's figures at the reporting month and its monthly series, with the warnings
    (formula months that could not be computed). Without series (what a past review showed
    needs only the figures of 3.1), ``series``, pacing and periods are empty: more than half
    of the time is saved. ``only``: the KPIs whose figures are worked out (the others'
    are left out; formulas still read every KPI's values)."""
    plan = formula_plan(scorecard)
    values, warnings = evaluate_formulas(scorecard, plan)
    as_of = reporting_month(scorecard, values)
    settings = scorecard.settings
    tolerance = exact(settings.tolerance)
    figures = {}
    series = {}
    for kpi_id, kpi in scorecard.kpis.items():
        if only is not None and kpi_id not in only:
            continue
        context = _KpiContext(kpi, values[kpi_id], tolerance)
        figures[kpi_id] = _in_range(
            context.figures(as_of, settings.fiscal_year_start), kpi, as_of, "", warnings
        )
        if with_series:
            series[kpi_id] = context.series()
    segment_figures: dict[str, dict[str, Figures]] = {}
    segment_series: dict[str, dict[str, Series]] = {}
    for kpi_id, segments in evaluate_segments(scorecard, plan).items():
        if only is not None and kpi_id not in only:
            continue
        kpi = scorecard.kpis[kpi_id]
        for segment, segment_values in segments.items():
            target = kpi.segment_targets.get(segment)
            context = _KpiContext(
                dataclasses.replace(kpi, target=target), segment_values, tolerance
            )
            segment_figures.setdefault(kpi_id, {})[segment] = _in_range(
                context.figures(as_of, settings.fiscal_year_start),
                kpi,
                as_of,
                f"segment {segment} ",
                warnings,
            )
            if with_series:
                segment_series.setdefault(kpi_id, {})[segment] = context.series()
    calculated = {kpi.id: values[kpi.id].exact_values() for kpi, _ in plan}
    pacing: dict[str, Pacing] = {}
    periods: dict[str, tuple[Period, ...]] = {}
    if with_series:
        from kpi_scorecard.figures.periods import pacing_and_periods  # pandas, when used

        pacing, periods = pacing_and_periods(scorecard, values, as_of, tolerance)
    results = Results(
        as_of, figures, series, segment_figures, segment_series, calculated, pacing, periods
    )
    return results, warnings


class FiguresAt:
    """The figures of a scorecard's KPIs at any month, for what the past reviews showed: a
    KPI whose file then gives the same figures at the review's month (``same_figures``) takes
    them from here, where its statuses and exact values are worked out once for every
    review, instead of from a scorecard of its own at each review's commit."""

    def __init__(self, scorecard: Scorecard) -> None:
        self._kpis = scorecard.kpis
        self._settings = scorecard.settings
        self._tolerance = exact(scorecard.settings.tolerance)
        self._contexts: dict[str, _KpiContext] = {}

    def same_figures(self, kpi: Kpi, month: Month, settings: Settings) -> bool:
        """Whether ``kpi`` (another version of one of these KPIs, under ``settings``) has the
        figures at ``month`` that this scorecard's version has: the same definition of its
        figures and the same values up to that month (later months do not count), and values
        of its own (a calculated KPI's depend on other KPIs)."""
        mine = self._kpis.get(kpi.id)
        if mine is None or mine.formula is not None or kpi.formula is not None:
            return False
        if mine is kpi:  # the same file: read once, shared by the reviews
            return self._same_settings(settings)
        return (
            (mine.target, mine.better, mine.tolerance, mine.aggregate)
            == (kpi.target, kpi.better, kpi.tolerance, kpi.aggregate)
            and self._same_settings(settings)
            and _up_to(mine.values, month) == _up_to(kpi.values, month)
        )

    def _same_settings(self, settings: Settings) -> bool:
        return (settings.tolerance, settings.fiscal_year_start) == (
            self._settings.tolerance,
            self._settings.fiscal_year_start,
        )

    def figures(self, kpi_id: str, month: Month) -> Figures:
        """The figures of one of these KPIs (with values of its own) at ``month``, as
        ``compute`` gives them with that month as the reporting month."""
        context = self._contexts.get(kpi_id)
        if context is None:
            kpi = self._kpis[kpi_id]
            context = self._contexts[kpi_id] = _KpiContext(
                kpi, Numbers(kpi.values), self._tolerance
            )
        figures = context.figures(month, self._settings.fiscal_year_start)
        return _in_range(figures, context.kpi, month, "", [])


def _up_to(values: Mapping[Month, float | None], month: Month) -> dict[Month, float | None]:
    return {m: v for m, v in values.items() if m <= month}


def _in_range(
    figures: Figures, kpi: Kpi, as_of: Month, where: str, warnings: list[Problem]
) -> Figures:
    """Figures beyond a float's range (differences of values near 1e308) are left empty, with
    a warning: the exports must stay valid JSON, and the build must not fail."""
    # getattr, not dataclasses.asdict: asdict deep-copies, a sixth of compute's time.
    too_large = [
        name
        for name in FIGURE_FIELDS
        if isinstance(value := getattr(figures, name), float) and not math.isfinite(value)
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
    return figures._replace(**emptied)


def reporting_month(scorecard: Scorecard, values: Mapping[str, Numbers]) -> Month:
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
        months = [m for m, v in values[kpi.id].floats.items() if v is not None]
        kpis_with_values += bool(months)
        reporting.update(months)
    quorum = [month for month, count in reporting.items() if 2 * count >= kpis_with_values]
    return max(quorum) if quorum else current_month()


def current_month() -> Month:
    """This month, or the month of SOURCE_DATE_EPOCH so that rebuilds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return now.year * 12 + now.month - 1


# -- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Held:
    """The target that holds in a month with the far edge of its amber band, exactly and as
    nearest floats."""

    target: Fraction
    edge: Fraction
    target_float: float
    edge_float: float


class _KpiContext:
    """One KPI (or one segment of it): its values, targets, band and statuses."""

    def __init__(self, kpi: Kpi, values: Numbers, default_tolerance: Fraction) -> None:
        self.kpi = kpi
        self.values = values
        self.tolerance = default_tolerance if kpi.tolerance is None else exact(kpi.tolerance)
        self._held: dict[float, _Held] = {}
        """Written target -> what holds with it, worked out once per target."""
        self._statuses: dict[Month, Status] = {}
        self._streaks: dict[Month, int] = {}
        self._asked = 0
        """How many times the figures were asked for (see _whole)."""
        self._first: Month | None = None

    def value(self, month: Month) -> Fraction | None:
        return self.values.exact(month)

    def written_target(self, month: Month) -> float | None:
        return None if self.kpi.target is None else self.kpi.target.at(month)

    def held(self, written: float) -> _Held:
        found = self._held.get(written)
        if found is None:
            target = exact(written)
            edge = band_edge(target, self.kpi.better, self.tolerance)
            found = self._held[written] = _Held(target, edge, written, as_float(edge) or 0.0)
        return found

    def status(self, month: Month, written_target: float | None = None) -> Status:
        """Contract 3.3 at ``month``: floats decide, the exact values break ties."""
        found = self._statuses.get(month)
        if found is not None:
            return found
        value = self.values.floats.get(month)
        target = self.written_target(month) if written_target is None else written_target
        if value is None:
            found = "missing"
        elif target is None:
            found = "no_target"
        else:
            found = self._graded(month, value, self.held(target))
        self._statuses[month] = found
        return found

    def _graded(self, month: Month, value: float, held: _Held) -> Status:
        """Floats that differ are ordered as their exact values are (see figures/numbers.py);
        only a tie with the target or the band's edge needs the exact value."""
        if value in (held.target_float, held.edge_float):
            precise = self.values.exact(month)
            assert precise is not None  # the value is reported
            return graded(precise, held.target, held.edge, self.kpi.better)
        if self.kpi.better == "higher":
            return (
                "green"
                if value > held.target_float
                else "amber"
                if value > held.edge_float
                else "red"
            )
        return (
            "green" if value < held.target_float else "amber" if value < held.edge_float else "red"
        )

    def _whole(self) -> Whole | None:
        """The values in whole units once the figures were asked for at a few months (past
        reviews ask for every month): converting every value is worth it then, not for the
        one reporting month of a build."""
        return self.values.whole() if self._asked >= WHOLE_AFTER else None

    def figures(self, m: Month, fiscal_year_start: int) -> Figures:
        self._asked += 1
        value, previous, year_ago = self.value(m), self.value(m - 1), self.value(m - 12)
        written = self.written_target(m)
        target = None if written is None else self.held(written).target
        slope = self.trend_slope(m)
        gap = _difference(value, target)
        whole = self._whole()
        if whole is not None:
            on_month, mom_pct = whole.change(m, m - 1)
            on_year, yoy_pct = whole.change(m, m - 12)
        else:
            on_month, on_year = _difference(value, previous), _difference(value, year_ago)
            mom_pct, yoy_pct = _relative(on_month, previous), _relative(on_year, year_ago)
        return Figures(
            value=as_float(value),
            previous=as_float(previous),
            mom_change=as_float(on_month),
            mom_pct=as_float(mom_pct),
            yoy_change=as_float(on_year),
            yoy_pct=as_float(yoy_pct),
            rolling_3=as_float(self.rolling_mean(m)),
            ytd=as_float(self.year_to_date(m, fiscal_year_start)),
            target=written,
            gap=as_float(gap),
            gap_pct=as_float(_relative(gap, target)),
            status=self.status(m),
            trend_slope=as_float(slope),
            trend=trend(slope, self.kpi.better),
            streak=self.streak(m),
        )

    def trend_slope(self, m: Month) -> Fraction | None:
        months = range(m - TREND_WINDOW + 1, m + 1)
        whole = self._whole()
        if whole is None:
            return trend_slope({x: self.value(x) for x in months})
        points = [(x, n) for x in months if (n := whole.multiples.get(x)) is not None]
        return slope_in_units(points, whole.scale)

    def rolling_mean(self, m: Month) -> Fraction | None:
        months = (m - 2, m - 1, m)
        whole = self._whole()
        if whole is not None:
            total, count = whole.sum(months)
            return Fraction(total, whole.scale * count) if count else None
        window = [v for x in months if (v := self.value(x)) is not None]
        return exact_sum(window) / len(window) if window else None

    def year_to_date(self, m: Month, fiscal_year_start: int) -> Fraction | None:
        months = range(fiscal_year_begin(m, fiscal_year_start), m + 1)
        whole = self._whole()
        if whole is not None and self.kpi.aggregate != "last":
            total, count = whole.sum(months)
            if not count:
                return None
            return Fraction(total, whole.scale * (1 if self.kpi.aggregate == "sum" else count))
        reported = [v for x in months if (v := self.value(x)) is not None]
        if not reported:
            return None
        if self.kpi.aggregate == "sum":
            return exact_sum(reported)
        if self.kpi.aggregate == "last":
            return reported[-1]
        return exact_sum(reported) / len(reported)

    def streak(self, m: Month) -> int:
        """Months on target in a row up to ``m``; remembered, since the figures of every
        past review ask for the months before too."""
        if self._first is None:
            self._first = min(self.values.floats, default=m)
        start = m
        while start >= self._first and start not in self._streaks:
            if self.status(start) != "green":
                self._streaks[start] = 0
                break
            start -= 1
        count = self._streaks.get(start, 0)
        for month in range(start + 1, m + 1):
            count += 1
            self._streaks[month] = count
        return count

    def series(self) -> Series:
        floats = self.values.floats
        if not floats:
            return Series((), (), (), (), ())
        months = tuple(range(min(floats), max(floats) + 1))
        values = tuple(floats.get(m) for m in months)
        targets = tuple(self.written_target(m) for m in months)
        return Series(
            months=months,
            values=values,
            targets=targets,
            statuses=tuple(self.status(m, t) for m, t in zip(months, targets, strict=True)),
            rolling_3=_chart_rolling_means(values),
        )


def status(
    value: Fraction | None, target: Fraction | None, better: str, tolerance: Fraction
) -> Status:
    """Contract 3.3 on exact numbers; a month without a value is ``missing`` even when it has
    no target."""
    if value is None:
        return "missing"
    if target is None:
        return "no_target"
    return graded(value, target, band_edge(target, better, tolerance), better)


def graded(
    value: Fraction | int, target: Fraction | int, edge: Fraction | int, better: str
) -> Status:
    """green on the right side of the target (or on it), amber up to the band's edge (or on
    it), red beyond. Exact numbers, or whole numbers over one common denominator."""
    if better == "higher":
        return "green" if value >= target else "amber" if value >= edge else "red"
    return "green" if value <= target else "amber" if value <= edge else "red"


def band_edge(target: Fraction, better: str, tolerance: Fraction) -> Fraction:
    """The far edge of the amber band: below the target when higher is better, else above."""
    band = tolerance * abs(target)
    return target - band if better == "higher" else target + band


def _chart_rolling_means(values: tuple[float | None, ...]) -> tuple[float | None, ...]:
    """The rolling mean of every month, for the chart's line only: in floats, since a line
    decides nothing and exact means of every month would cost more than all the rest."""
    means: list[float | None] = []
    before_last: float | None = None
    last: float | None = None
    for value in values:
        reported = [v for v in (before_last, last, value) if v is not None]
        means.append(_float_mean(reported) if reported else None)
        before_last, last = last, value
    return tuple(means)


def _float_mean(values: list[float]) -> float:
    result = sum(values) / len(values)
    if math.isinf(result):  # the sum overflowed; the mean itself is in range
        result = sum(value / len(values) for value in values)
    return result


def fiscal_year_begin(m: Month, fiscal_year_start: int) -> Month:
    """The first month of the fiscal year that contains ``m``."""
    year, index = divmod(m, 12)
    start_index = fiscal_year_start - 1
    return year * 12 + start_index if index >= start_index else (year - 1) * 12 + start_index


def trend_slope(window: Mapping[Month, Fraction | None]) -> Fraction | None:
    """Least-squares slope per month of the reported values; None with fewer than 3. Exact, so
    that ``flat`` means a slope of exactly 0 and never a rounding error of 1e-17."""
    points = [(x, y) for x, y in window.items() if y is not None]
    scale = math.lcm(*(y.denominator for _, y in points)) if points else 1
    return slope_in_units([(x, y.numerator * (scale // y.denominator)) for x, y in points], scale)


def slope_in_units(points: list[tuple[Month, int]], scale: int) -> Fraction | None:
    """``trend_slope`` of points (month, value in units of ``1 / scale``), in whole-number
    arithmetic: the same fraction."""
    if len(points) < MIN_TREND_POINTS:
        return None
    origin = points[0][0]  # small whole x keep the sums small
    n = len(points)
    xs = [x - origin for x, _ in points]
    sum_x = sum(xs)
    spread = n * sum(x * x for x in xs) - sum_x * sum_x
    sum_y = sum(y for _, y in points)
    sum_xy = sum(x * y for x, (_, y) in zip(xs, points, strict=True))
    return Fraction(n * sum_xy - sum_x * sum_y, spread * scale)


def trend(slope: Fraction | None, better: str) -> Trend:
    if slope is None or slope == 0:
        return "flat"
    return "improving" if (slope > 0) == (better == "higher") else "worsening"


def _difference(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return None if a is None or b is None else a - b


def _relative(change: Fraction | None, base: Fraction | None) -> Fraction | None:
    return None if change is None or base is None or base == 0 else change / abs(base)
