"""Numbers as people read them: units, currencies, changes, statuses and trends."""

from __future__ import annotations

from kpi_scorecard.model import Kpi, Status, Trend

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


def decimals_for(kpi: Kpi, value: float) -> int:
    if kpi.decimals is not None:
        return kpi.decimals
    return 0 if float(value).is_integer() or abs(value) >= 1000 else 2


def number(value: float, decimals: int) -> str:
    # A thin space groups thousands: readable in every locale, never mistaken for a decimal.
    return f"{value:,.{decimals}f}".replace(",", "\u202f")


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
    sign = "+" if change > 0 else ""
    if kpi.unit == "percent":
        return f"{sign}{number(change, decimals_for(kpi, change))} pp"
    text = f"{sign}{number(change, decimals_for(kpi, change))}"
    return text if pct is None else f"{text} ({percent_text(pct)})"


def percent_text(fraction: float | None) -> str:
    if fraction is None:
        return EMPTY
    sign = "+" if fraction > 0 else ""
    return f"{sign}{fraction * 100:.1f} %"


def trend_arrow(trend: Trend, better: str) -> str:
    """The arrow points the way the values move; the words say whether that is good."""
    if trend == "flat":
        return "→"
    rising = (trend == "improving") == (better == "higher")
    return "↗" if rising else "↘"
