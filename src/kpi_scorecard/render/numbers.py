"""Numbers as people read them: units, currencies, changes, statuses and trends.

Rounding is half up on the decimal, as people and spreadsheets do (2.675 at two decimals is
2.68, 2.5 at none is 3), never on the binary float, and a number that rounds to zero has no sign.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from kpi_scorecard.model import Kpi, Status, Trend, written_decimal

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
STATUS_LABELS: dict[Status, tuple[str, str]] = {
    "green": ("✔", "on target"),
    "amber": ("▲", "near target"),
    "red": ("✖", "off target"),
    "missing": ("…", "not reported"),
    "no_target": ("○", "no target"),
}
"""Status -> (icon, words): the status is always written out, never shown by colour alone."""
TREND_LABELS: dict[Trend, str] = {
    "improving": "improving",
    "worsening": "worsening",
    "flat": "flat",
}
EMPTY = "—"
_WIDE = Context(prec=1000)
"""Room for every digit of the largest float, so that rounding to a few decimals is exact."""


def decimals_for(kpi: Kpi, value: float) -> int:
    if kpi.decimals is not None:
        return kpi.decimals
    return 0 if float(value).is_integer() or abs(value) >= 1000 else 2


def rounded(value: float | Decimal, decimals: int) -> Decimal:
    """Half up (away from zero on a tie) on the decimal; -0.00 becomes 0.00."""
    exact = value if isinstance(value, Decimal) else written_decimal(value)
    result = exact.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP, _WIDE)
    return result if result else abs(result)


def number(value: float | Decimal, decimals: int) -> str:
    # A thin space groups thousands: readable in every locale, never mistaken for a decimal.
    return f"{rounded(value, decimals):,f}".replace(",", "\u202f")


def _sign(value: float | Decimal, decimals: int) -> str:
    """``+`` for what shows as more than zero; a change that rounds to zero has no sign."""
    return "+" if rounded(value, decimals) > 0 else ""


def value_text(kpi: Kpi, value: float | None, currency: str | None = None) -> str:
    """A KPI value with its unit: ``3.2 %``, ``€45.00``, ``12 400``."""
    if value is None:
        return EMPTY
    text = number(value, decimals_for(kpi, value))
    if kpi.unit == "percent":
        return f"{text} %"
    if kpi.unit == "currency":
        code = kpi.currency or currency
        symbol = CURRENCY_SYMBOLS.get(code or "")
        if symbol:
            return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
        return f"{text} {code}" if code else text
    return text


def change_text(kpi: Kpi, change: float | None, pct: float | None) -> str:
    """A month-on-month or year-on-year change: ``+1.2 pp``, ``+340 (+2.5 %)``."""
    if change is None:
        return EMPTY
    decimals = decimals_for(kpi, change)
    text = f"{_sign(change, decimals)}{number(change, decimals)}"
    if kpi.unit == "percent":
        return f"{text} pp"
    return text if pct is None else f"{text} ({percent_text(pct)})"


def gap_text(kpi: Kpi, gap: float | None, pct: float | None, currency: str | None) -> str:
    """The gap to target with its unit, ``+€40.00 (+5.0 %)``; a percent KPI's gap is in
    percentage points, like its changes (``-0.8 pp``), so it never reads as a relative gap."""
    if gap is None:
        return EMPTY
    if kpi.unit == "percent":
        return change_text(kpi, gap, None)
    text = _sign(gap, decimals_for(kpi, gap)) + value_text(kpi, gap, currency)
    return text if pct is None else f"{text} ({percent_text(pct)})"


def percent_text(fraction: float | None) -> str:
    """A fraction as a percentage with one decimal: ``+2.5 %``."""
    if fraction is None:
        return EMPTY
    percent = written_decimal(fraction).scaleb(2)
    return f"{_sign(percent, 1)}{number(percent, 1)} %"


def trend_arrow(trend: Trend, better: str) -> str:
    """The arrow points the way the values move; the words say whether that is good."""
    if trend == "flat":
        return "→"
    rising = (trend == "improving") == (better == "higher")
    return "↗" if rising else "↘"
