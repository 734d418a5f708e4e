"""Whether a value typed into ``kpi set`` or ``kpi import`` fits the KPI's history, and what
a recorded value changed, said the way people read it.

A value is far outside the history when, against the values of the 12 months either side, it
is more than FACTOR times the highest or less than 1/FACTOR of the lowest (a value and a
history above zero: a digit too many or too few is a factor of 10), or else (zero, a change
of sign, a history that reaches zero) further beyond the history's range than FACTOR times
its size. A fraction typed into a percent
KPI (``0.4`` where the history is near 40) is named as such. Too little history (fewer than
MIN_HISTORY values around the month) is never judged.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kpi_scorecard.errors import one_line
from kpi_scorecard.model import Kpi, Month, month_str, number_literal
from kpi_scorecard.render.numbers import value_text
from kpi_scorecard.render.wording import excerpt, month_label

FACTOR = 5
"""How far from the history a value must be to be questioned."""
WINDOW = 12
"""Months either side of the month being set that make its history."""
MIN_HISTORY = 3
"""Values the window must hold before a value is judged against them."""
CONFIRM_HINT = "if the value is right, run the command again with --confirm"


def series_of(kpi: Kpi, segment: str | None) -> Mapping[Month, float | None]:
    """The values a request writes into: the KPI's own, or one segment's."""
    return kpi.values if segment is None else kpi.segments.get(segment, {})


def far_from_history(
    kpi: Kpi, segment: str | None, month: Month, value: float | None, currency: str | None
) -> str | None:
    """Why ``value`` is implausible for ``kpi`` at ``month`` (a sentence), or None."""
    if value is None:
        return None
    series = series_of(kpi, segment)
    around = [
        known
        for other in range(month - WINDOW, month + WINDOW + 1)
        if other != month and (known := series.get(other)) is not None
    ]
    if len(around) < MIN_HISTORY:
        return None
    reason = _outside(around, value, lambda v: value_text(kpi, v, currency))
    if reason is None:
        return None
    where = f"{_where(kpi, segment, month)}: {number_literal(value)}"
    as_percent = float(Decimal(repr(value)) * 100)
    if kpi.unit == "percent" and 0 < abs(value) <= 1 and _outside(around, as_percent) is None:
        shown = number_literal(as_percent)
        return (
            f"{where} looks like a fraction; percent KPIs are written as percentages "
            f"({shown} means {shown} %)"
        )
    return f"{where} {reason}"


def _outside(
    around: list[float], value: float, show: Callable[[float], str] = number_literal
) -> str | None:
    """Why ``value`` is far from the values ``around`` it (shown with ``show``), or None."""
    low, high = min(around), max(around)
    if low > 0 and value > 0:  # a digit too many or too few is a factor of 10
        if value > high * FACTOR:
            return f"is more than {FACTOR} times the highest value around it ({show(high)})"
        if value < low / FACTOR:
            return f"is less than 1/{FACTOR} of the lowest value around it ({show(low)})"
        return None
    # Zero or a change of sign (a loss month of a margin) is judged by the history's size.
    spread = max(high - low, abs(statistics.median(around)))
    if spread and not low - FACTOR * spread <= value <= high + FACTOR * spread:
        return f"is far outside the values around it ({show(low)} to {show(high)})"
    return None


def _where(kpi: Kpi, segment: str | None, month: Month) -> str:
    """``traffic Oct 2026``, or ``paid_spend (search) Oct 2026`` for a segment."""
    name = kpi.id if segment is None else f"{kpi.id} ({excerpt(segment, 30)})"
    return f"{name} {month_label(month_str(month))}"


@dataclass(frozen=True)
class Recorded:
    """One value (and note) as it was and as it is now recorded."""

    kpi: Kpi
    """The KPI as it was before."""
    month: Month
    segment: str | None
    new: float | None
    note: str | None
    currency: str | None = None

    def sentence(self) -> str:
        """``traffic Oct 2026: 15 463 -> 15 600 (restated)``; ``; note added`` when it has one."""
        series = series_of(self.kpi, self.segment)
        old = series.get(self.month)
        if old is None:
            change = f"{self._shown(self.new)} (added)" if self.new is not None else "not reported"
            if self.month in series and self.new is not None:
                change = f"not reported -> {change}"
        elif self.new is None:
            change = f"{self._shown(old)} -> not reported (removed)"
        elif old == self.new:
            change = f"{self._shown(old)} (unchanged)"
        else:
            change = f"{self._shown(old)} -> {self._shown(self.new)} (restated)"
        return f"{_where(self.kpi, self.segment, self.month)}: {change}{self._note_change()}"

    def _shown(self, value: float | None) -> str:
        return value_text(self.kpi, value, self.currency)

    def _note_change(self) -> str:
        if self.note is None:
            return ""
        old = self.kpi.notes.get(self.month)
        if old == self.note:
            return ""
        # one_line: a note from a CSV file may hold terminal escapes and bidi controls
        return f"; note {'added' if old is None else 'changed'}: “{one_line(excerpt(self.note))}”"
