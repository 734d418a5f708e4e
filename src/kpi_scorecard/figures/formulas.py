"""Calculated KPIs (contract 1): each formula evaluated month by month, exactly.

A formula's numbers are fractions of what is written and its inputs are exact (see numbers.py),
so a divisor such as 0.3 - 0.1 - 0.2 is exactly zero and its month is null, with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from kpi_scorecard.errors import Problem
from kpi_scorecard.figures.numbers import Numbers, as_float
from kpi_scorecard.model import Kpi, Month, Scorecard, month_str
from kpi_scorecard.read import formula

MAX_LISTED_MONTHS = 5
"""Months named in a formula's warning before "and N more"."""

Plan = list[tuple[Kpi, formula.Expr]]
"""The calculated KPIs with their parsed formulas, each after the KPIs it reads."""


def evaluate_formulas(scorecard: Scorecard, plan: Plan) -> tuple[dict[str, Numbers], list[Problem]]:
    """KPI id -> its values, with calculated KPIs filled in dependency order."""
    values = {k: Numbers(kpi.values) for k, kpi in scorecard.kpis.items()}
    warnings = []
    for kpi, expression in plan:
        computed, gaps = evaluate(expression, values)
        values[kpi.id] = Numbers.calculated(computed)
        if gaps:
            warnings.append(_gap_warning(kpi, gaps))
    return values, warnings


def evaluate_segments(scorecard: Scorecard, plan: Plan) -> dict[str, dict[str, Numbers]]:
    """KPI id -> segment -> month -> value. A calculated KPI has the segments that all its
    inputs share, each computed from the inputs' same segment (CPA per channel = spend per
    channel / customers per channel)."""
    segments: dict[str, dict[str, Numbers]] = {
        k: {name: Numbers(written) for name, written in kpi.segments.items()}
        for k, kpi in scorecard.kpis.items()
        if kpi.segments
    }
    for kpi, expression in plan:
        refs = sorted(formula.references(expression))
        shared = set.intersection(*(set(segments.get(ref, {})) for ref in refs)) if refs else set()
        computed: dict[str, Numbers] = {}
        for segment in sorted(shared):
            inputs = {ref: segments[ref][segment] for ref in refs}
            computed[segment] = Numbers.calculated(evaluate(expression, inputs)[0])
        if computed:
            segments[kpi.id] = computed
    return segments


def formula_plan(scorecard: Scorecard) -> Plan:
    """Each formula parsed once, in dependency order (validation refused cycles)."""
    parsed = {k.id: formula.parse(k.formula) for k in scorecard.kpis.values() if k.formula}
    ordered: Plan = []
    done: set[str] = set()
    for kpi in scorecard.kpis.values():
        _visit(kpi, scorecard, parsed, done, ordered)
    return ordered


def _visit(
    kpi: Kpi,
    scorecard: Scorecard,
    parsed: Mapping[str, formula.Expr],
    done: set[str],
    ordered: Plan,
) -> None:
    """``kpi``'s formula after those of its inputs. (Not a function nested in formula_plan:
    one that calls itself refers to itself, a cycle that kept every past review's scorecard
    in memory until Python's cycle collector ran.)"""
    if kpi.id in done or kpi.id not in parsed:
        return
    done.add(kpi.id)  # no cycles, so marking before the inputs is safe
    for ref in sorted(formula.references(parsed[kpi.id])):
        _visit(scorecard.kpis[ref], scorecard, parsed, done, ordered)
    ordered.append((kpi, parsed[kpi.id]))


def evaluate(
    expression: formula.Expr, values: Mapping[str, Numbers]
) -> tuple[dict[Month, Fraction | None], dict[Month, str]]:
    """The formula month by month over the months any input has, exactly (a divisor of
    0.3 - 0.1 - 0.2 is zero); months that come out null -> why (an input not reported, or a
    division by zero)."""
    refs = sorted(formula.references(expression))
    months = sorted({m for ref in refs for m in values[ref].floats})
    result: dict[Month, Fraction | None] = {}
    gaps: dict[Month, str] = {}
    for month in months:
        missing = [ref for ref in refs if values[ref].floats.get(month) is None]
        if missing:
            result[month] = None
            gaps[month] = f"{', '.join(missing)} not reported"
            continue
        value = _evaluate_at(expression, values, month)
        if value is not None and math.isinf(as_float(value) or 0.0):
            result[month] = None  # exact, but beyond what the exports and charts can hold
            gaps[month] = "too large"
            continue
        result[month] = value
        if value is None:
            gaps[month] = "division by zero"
    return result, gaps


def _evaluate_at(
    expression: formula.Expr, values: Mapping[str, Numbers], month: Month
) -> Fraction | None:
    if isinstance(expression, formula.Number):
        return expression.value
    if isinstance(expression, formula.Ref):
        return values[expression.name].exact(month)
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
