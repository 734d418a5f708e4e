"""Numbers as people read them: units, currencies, changes, statuses and trends.

Rounding is half up on the decimal, as people and spreadsheets do (2.675 at two decimals is
2.68, 2.5 at none is 3), never on the binary float, and a number that rounds to zero has no sign.

Separators, currency symbols and where they go come from Babel's data for the scorecard's
``locale`` (scorecard.yaml, default ``en``): ``€5,000.00`` in en, ``5.000,00 €`` in de. A site
shows hundreds of thousands of numbers, so Babel is asked once per locale and currency for the
symbols and patterns, and each number is formatted by Python's own digit grouping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)

from kpi_scorecard.model import Kpi, Status, Trend, written_decimal

DEFAULT_LOCALE = "en"
_locale: ContextVar[str] = ContextVar("kpi_scorecard_locale", default=DEFAULT_LOCALE)
_NUMBER_PART = re.compile(r"[#0,.]+")


@contextmanager
def number_locale(locale: str) -> Iterator[None]:
    """Numbers and months written while this block runs follow ``locale``."""
    token = _locale.set(locale)
    try:
        yield
    finally:
        _locale.reset(token)


def current_locale() -> str:
    return _locale.get()


def is_known_locale(locale: str) -> bool:
    try:
        Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class _Style:
    decimal: str
    group: str
    minus: str
    percent: tuple[str, str]
    """What stands before and after a percentage's digits: ("", "%") in en, ("", "\xa0%") in de."""


@cache
def _style(locale: str) -> _Style:
    parsed = Locale.parse(locale.replace("-", "_"))
    percent_pattern = parsed.percent_formats[None].pattern.split(";")[0]
    before, after = _affixes(percent_pattern)
    sign = parsed.number_symbols.get("latn", {}).get("percentSign", "%")
    return _Style(
        get_decimal_symbol(parsed),
        get_group_symbol(parsed),
        get_minus_sign_symbol(parsed),
        (before.replace("%", sign), after.replace("%", sign)),
    )


@cache
def _currency_affixes(locale: str, code: str) -> tuple[str, str]:
    """What stands before and after an amount in ``code``: ("€", "") in en, ("", "\xa0€") in de."""
    parsed = Locale.parse(locale.replace("-", "_"))
    pattern = parsed.currency_formats["standard"].pattern.split(";")[0]
    symbol = get_currency_symbol(code, parsed)
    before, after = (part.replace("¤", symbol) for part in _affixes(pattern))
    # CLDR's currency spacing: a symbol made of letters (CHF) is kept apart from the digits.
    if before[-1:].isalpha():
        before += "\xa0"
    if after[:1].isalpha():
        after = "\xa0" + after
    return before, after


def _affixes(pattern: str) -> tuple[str, str]:
    match = _NUMBER_PART.search(pattern)
    if match is None:
        return "", ""
    return pattern[: match.start()].replace("\u200f", ""), pattern[match.end() :]


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
    """The number rounded half up, with the locale's grouping and decimal symbols."""
    style = _style(_locale.get())
    text = f"{rounded(value, decimals):,f}"
    if style.group != "," or style.decimal != ".":
        text = text.translate({ord(","): "\0", ord("."): style.decimal}).replace("\0", style.group)
    return style.minus + text[1:] if text.startswith("-") else text


def _sign(value: float | Decimal, decimals: int) -> str:
    """``+`` for what shows as more than zero; a change that rounds to zero has no sign."""
    return "+" if rounded(value, decimals) > 0 else ""


_value_texts: dict[tuple[object, ...], str] = {}
"""(locale, unit, decimals, currency, value's type, value) -> its text: a page of 120 months
writes each value and target three or four times (chart, table, packs)."""
MAX_REMEMBERED = 500_000


def value_text(kpi: Kpi, value: float | None, currency: str | None = None) -> str:
    """A KPI value with its unit: ``3.2 %``, ``€45.00``, ``12 400``."""
    if value is None:
        return EMPTY
    code = kpi.currency or currency
    key = (_locale.get(), kpi.unit, kpi.decimals, code, type(value), value)
    text = _value_texts.get(key)
    if text is None:
        if len(_value_texts) >= MAX_REMEMBERED:
            _value_texts.clear()
        text = _value_texts[key] = _unit_text(kpi, value, code)
    return text


def _unit_text(kpi: Kpi, value: float, code: str | None) -> str:
    decimals = decimals_for(kpi, value)
    if kpi.unit == "percent":
        return _with_affixes(value, decimals, _style(_locale.get()).percent)
    if kpi.unit == "currency" and code:
        return _with_affixes(value, decimals, _currency_affixes(_locale.get(), code))
    return number(value, decimals)


def _with_affixes(value: float | Decimal, decimals: int, affixes: tuple[str, str]) -> str:
    """``-€5.00`` rather than ``€-5.00``: the sign goes before the currency or percent sign."""
    before, after = affixes
    text = number(value, decimals)
    minus = _style(_locale.get()).minus
    if text.startswith(minus):
        return f"{minus}{before}{text[len(minus) :]}{after}"
    return f"{before}{text}{after}"


def change_text(
    kpi: Kpi, change: float | None, pct: float | None, currency: str | None = None
) -> str:
    """A month-on-month or year-on-year change with the KPI's unit: ``+€340 (+2.5%)``; a
    percent KPI's change is in percentage points (``+1.2 pp``), never read as a relative one."""
    if change is None:
        return EMPTY
    if kpi.unit == "percent":
        decimals = decimals_for(kpi, change)
        return f"{_sign(change, decimals)}{number(change, decimals)}\u00a0pp"  # kept on one line
    text = _sign(change, decimals_for(kpi, change)) + value_text(kpi, change, currency)
    return text if pct is None else f"{text} ({percent_text(pct)})"


def gap_text(kpi: Kpi, gap: float | None, pct: float | None, currency: str | None) -> str:
    """The gap to target, said as a change: ``+€40.00 (+5.0%)``, ``-0.8 pp``."""
    return change_text(kpi, gap, pct, currency)


def slope_text(kpi: Kpi, slope: float | None, currency: str | None = None) -> str:
    """A trend's slope at the KPI's decimals and in its unit: ``+€1,200 a month``."""
    return EMPTY if slope is None else f"{change_text(kpi, slope, None, currency)} a month"


def unit_affixes(kpi: Kpi, currency: str | None = None) -> tuple[str, str]:
    """What stands before and after the KPI's numbers (``("€", "")``, ``("", "%")``), for the
    axes of charts, whose numbers plotly writes."""
    if kpi.unit == "percent":
        return _style(_locale.get()).percent
    code = kpi.currency or currency
    if kpi.unit == "currency" and code:
        return _currency_affixes(_locale.get(), code)
    return "", ""


def separators() -> str:
    """The locale's decimal and grouping symbols, in the order plotly's ``separators`` takes."""
    style = _style(_locale.get())
    return style.decimal + style.group


def percent_text(fraction: float | None) -> str:
    """A fraction as a percentage with one decimal: ``+2.5 %``."""
    if fraction is None:
        return EMPTY
    percent = written_decimal(fraction).scaleb(2)
    return _sign(percent, 1) + _with_affixes(percent, 1, _style(_locale.get()).percent)


def trend_arrow(trend: Trend, better: str) -> str:
    """The arrow points the way the values move; the words say whether that is good."""
    if trend == "flat":
        return "→"
    rising = (trend == "improving") == (better == "higher")
    return "↗" if rising else "↘"
