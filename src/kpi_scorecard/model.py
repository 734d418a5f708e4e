"""The validated scorecard: frozen dataclasses, no I/O.

Months are plain ints (``year * 12 + month - 1``) so that month arithmetic is integer arithmetic;
``month_str`` and ``parse_month`` convert at the edges.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache, lru_cache
from typing import Literal, NamedTuple

Month = int
Better = Literal["higher", "lower"]
Unit = Literal["number", "percent", "currency"]
Aggregate = Literal["sum", "mean", "last"]
Status = Literal["green", "amber", "red", "missing", "no_target"]
PeriodKind = Literal["quarter", "year"]
ForecastBasis = Literal["growth", "run_rate"]
Trend = Literal["improving", "worsening", "flat"]

BETTER_CHOICES: tuple[Better, ...] = ("higher", "lower")
UNIT_CHOICES: tuple[Unit, ...] = ("number", "percent", "currency")
AGGREGATE_CHOICES: tuple[Aggregate, ...] = ("sum", "mean", "last")
AUDIENCE_CHOICES: tuple[str, ...] = ("internal", "business")
KPI_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\Z")
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z")


@lru_cache(maxsize=8192)
def parse_month(text: str) -> Month | None:
    """``"2026-03"`` -> its ordinal; None for anything that is not exactly ``YYYY-MM``."""
    match = MONTH_PATTERN.match(text)
    if match is None:
        return None
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


EXACT_INTEGERS = 2.0**53
"""Floats below this in size hold every whole number exactly."""


def number_literal(value: float) -> str:
    """The shortest text that reads back as ``value``: ``42`` for 42.0, ``31.4``, ``0.1``;
    whole numbers never end in ``.0``, however large (1e16 is ``10000000000000000``)."""
    if not value.is_integer():
        return repr(value)
    # below 2**53 a whole float is exactly the integer written; above, its shortest decimal
    return str(int(value)) if abs(value) < EXACT_INTEGERS else str(int(written_decimal(value)))


def written_decimal(value: float) -> Decimal:
    """The decimal a number was written as: the shortest decimal that reads back as ``value``.

    A decimal of at most 15 significant digits is the only one of that length to read as its
    float, so this recovers every number people write (a trillion to the cent) exactly: 0.1 and
    not 0.1000000000000000055511151231257827. Figures are decided on these, never on floats."""
    return Decimal(repr(value))


_exacts: dict[float, Fraction] = {}
MAX_EXACTS = 200_000
"""About 40 MB at most: a scorecard's values come back in every past review's state."""


def exact(value: float) -> Fraction:
    """``written_decimal`` as a fraction, for exact arithmetic across divisions. Remembered:
    making one is most of the time of the figures, and what each past review showed asks for
    the same values again and again (-0.0 and 0.0, the only floats equal but written apart,
    are the same fraction)."""
    found = _exacts.get(value)
    if found is None:
        if len(_exacts) >= MAX_EXACTS:
            _exacts.clear()
        found = _exacts[value] = Fraction(written_decimal(value))
    return found


@cache  # a site writes the same few hundred months half a million times
def month_str(month: Month) -> str:
    """The ordinal back to ``YYYY-MM``."""
    year, index = divmod(month, 12)
    return f"{year:04d}-{index + 1:02d}"


@dataclass(frozen=True)
class Person:
    """Someone in ``people.yaml``."""

    id: str
    """The key in people.yaml, used everywhere else to name the person."""
    name: str
    """Display name."""
    team: str | None = None
    email: str | None = None
    github: str | None = None
    """GitHub handle without the @, for CODEOWNERS."""
    line: int = 1
    """Line of the entry in people.yaml."""


@dataclass(frozen=True)
class Settings:
    """``kpis/scorecard.yaml``; every field has the contract's default."""

    title: str = "KPI scorecard"
    as_of: Month | None = None
    """The reporting month; None means the latest month with any value."""
    fiscal_year_start: int = 1
    """Month number 1-12 on which the fiscal year starts."""
    tolerance: float = 0.05
    """Default amber band, a fraction of the target."""
    currency: str | None = None
    """Default currency code for ``unit: currency``."""
    locale: str = "en"
    """How numbers, currencies and months are written on pages (a Babel locale: en, de, fr-CH)."""
    categories: Mapping[str, str] | None = None
    """Category key -> title, in file order; None when the file does not restrict categories."""
    presenters: tuple[str, ...] | None = None
    """``review.presenters``: person ids; None means everyone in people.yaml."""
    review_day: int = 10
    """``review.day``: the review of month M is held on this day of month M+1 (contract 5.1);
    a day past the end of a short month means its last day."""
    review_held: Mapping[Month, date] = field(default_factory=dict)
    """``review.held``: month -> the date its review was actually held."""
    databases: Mapping[str, Database] = field(default_factory=dict)
    """``databases``: name -> where ``kpi pull`` reads values (contract 8)."""

    def review_date(self, month: Month) -> date:
        """The day the review of ``month`` is (or was) held."""
        held = self.review_held.get(month)
        if held is not None:
            return held
        year, index = divmod(month + 1, 12)
        last = calendar.monthrange(year, index + 1)[1]
        return date(year, index + 1, min(self.review_day, last))


@dataclass(frozen=True)
class Database:
    """A named database of ``scorecard.yaml``; its URL as written, ``${VAR}`` unexpanded."""

    name: str
    url: str
    """An SQLAlchemy URL; ``${VAR}`` is read from the environment when the query runs."""
    line: int = 1
    """Line of ``url`` in scorecard.yaml."""


@dataclass(frozen=True)
class Source:
    """A KPI's ``source``: the query ``kpi pull`` runs for its values (contract 8)."""

    database: str
    """A name of ``databases`` in scorecard.yaml."""
    query: str
    """SQL returning ``month``, ``value`` and optionally ``segment`` columns."""
    line: int = 1
    """Line of ``query`` in the KPI file: where a failed query is reported."""


@dataclass(frozen=True)
class Target:
    """A constant target or a step function of months (contract 3.2)."""

    steps: tuple[tuple[Month, float], ...] = ()
    """(from month, value) in month order; empty when ``constant`` is used."""
    constant: float | None = None
    """The target for every month, when the file gives a single number."""

    def at(self, month: Month) -> float | None:
        """The target that holds at ``month``; None before the first step."""
        if self.constant is not None:
            return self.constant
        current: float | None = None
        for start, value in self.steps:
            if start > month:
                break
            current = value
        return current


@dataclass(frozen=True)
class Benchmark:
    """An outside reference value, drawn on the chart."""

    value: float
    source: str | None = None


@dataclass(frozen=True)
class Daci:
    """Decision roles besides the owner, who is the driver."""

    approver: str | None = None
    contributors: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()

    def people(self) -> tuple[str, ...]:
        """Every person id named here."""
        approver = (self.approver,) if self.approver else ()
        return approver + self.contributors + self.informed


@dataclass(frozen=True)
class Kpi:
    """One KPI file, validated."""

    id: str
    """The file stem; unique across ``kpis/``."""
    path: str
    """The file, relative to the repository root, with forward slashes."""
    name: str
    description: str
    """Markdown, rendered sanitised."""
    category: str
    owner: str
    """Person id of the owner (the DACI driver)."""
    better: Better
    unit: Unit = "number"
    currency: str | None = None
    decimals: int | None = None
    aggregate: Aggregate = "mean"
    target: Target | None = None
    tolerance: float | None = None
    """Overrides the scorecard tolerance when set."""
    benchmark: Benchmark | None = None
    supports: str | None = None
    """Id of the higher-level KPI this one serves."""
    audience: tuple[str, ...] = AUDIENCE_CHOICES
    daci: Daci = field(default_factory=Daci)
    tags: tuple[str, ...] = ()
    formula: str | None = None
    """A calculated KPI's formula; then ``values`` is empty."""
    values: Mapping[Month, float | None] = field(default_factory=dict)
    """Month -> value as written (None = "not reported"), in month order."""
    notes: Mapping[Month, str] = field(default_factory=dict)
    """Month -> Markdown: the story behind the number."""
    segments: Mapping[str, Mapping[Month, float | None]] = field(default_factory=dict)
    """Segment (a channel, a region) -> month -> value, in file order; empty when not split."""
    segment_targets: Mapping[str, Target] = field(default_factory=dict)
    """Segment -> its own target, for the segments that have one."""
    source: Source | None = None
    """Where ``kpi pull`` reads the values; None when they are typed or imported."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each top-level key in the file, for messages found after validation."""

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


@dataclass(frozen=True)
class Scorecard:
    """Everything under ``kpis/``, validated."""

    settings: Settings
    people: Mapping[str, Person]
    kpis: Mapping[str, Kpi]
    """Id -> KPI, sorted by id."""
    events: tuple[Event, ...] = ()
    """``kpis/events.yaml`` in date order (contract 5.2)."""


@dataclass(frozen=True)
class Event:
    """Something that happened to the business, marked on the charts (``kpis/events.yaml``)."""

    date: date
    title: str
    kpis: tuple[str, ...] | None = None
    """The KPIs it concerns; None means every KPI."""
    segments: tuple[str, ...] | None = None
    """The segments it concerns; None means all of them."""
    line: int = 1

    def concerns(self, kpi_id: str) -> bool:
        return self.kpis is None or kpi_id in self.kpis


# Computed figures: filled by compute.py, read by render/ and the exports.


class Figures(NamedTuple):
    """The figures of contract 3.1 for one KPI at the reporting month. Percent fields are
    fractions (0.25 = +25 %); nothing is rounded. A named tuple, not a dataclass: ten years of
    reviews of 1,000 KPIs hold 120,000 of them, which the processes that work out past
    reviews hand over to the build (pickled: a tuple comes back in a fraction of the time)."""

    value: float | None
    previous: float | None
    mom_change: float | None
    mom_pct: float | None
    yoy_change: float | None
    yoy_pct: float | None
    rolling_3: float | None
    ytd: float | None
    target: float | None
    gap: float | None
    gap_pct: float | None
    status: Status
    trend_slope: float | None
    trend: Trend
    streak: int


FIGURE_FIELDS: tuple[str, ...] = Figures._fields
"""The 3.1 field names in contract order, for the exports."""


@dataclass(frozen=True)
class Series:
    """One KPI month by month, from its first to its last month (the table, chart and CSV)."""

    months: tuple[Month, ...]
    values: tuple[float | None, ...]
    targets: tuple[float | None, ...]
    statuses: tuple[Status, ...]
    rolling_3: tuple[float | None, ...]

    def at(self, month: Month) -> tuple[float | None, float | None, Status]:
        """(value, target, status) at a month; outside the series: not reported."""
        if self.months and self.months[0] <= month <= self.months[-1]:
            index = month - self.months[0]
            return self.values[index], self.targets[index], self.statuses[index]
        return None, None, "missing"


@dataclass(frozen=True)
class Pacing:
    """The figures of contract 3.5 for one KPI: its fiscal year so far and where it is heading,
    with what the forecast was made from (for the page). Percent fields are fractions."""

    target_ytd: float | None
    ytd_gap_pct: float | None
    target_fy: float | None
    forecast_fy: float | None
    forecast_gap_pct: float | None
    pace: Status
    fiscal_year: str
    """``FY<Y>``: the fiscal year that holds the reporting month (contract 3.6)."""
    basis: ForecastBasis | None = None
    """How the months without a value were forecast; None when none needed one, or none could."""
    growth: float | None = None
    """The growth so far (g - 1: 0.084 = +8.4 % on last year), when the basis is growth."""
    run_rate: float | None = None
    """The mean of the last 12 months' reported values, when some month used it."""
    forecasts: tuple[tuple[Month, float], ...] = ()
    """Month -> forecast, for every month of the fiscal year that is forecast: those after the
    reporting month and any before it without a value."""


PACING_FIELDS: tuple[str, ...] = (
    "target_ytd",
    "ytd_gap_pct",
    "target_fy",
    "forecast_fy",
    "forecast_gap_pct",
    "pace",
)
"""The 3.5 field names in contract order, for the exports."""


@dataclass(frozen=True)
class Period:
    """One KPI over a fiscal quarter or year (contract 3.6), up to the reporting month."""

    name: str
    """``FY2027`` or ``FY2027-Q1``."""
    kind: PeriodKind
    first: Month
    last: Month
    """The period's last month, whether or not it has passed."""
    value: float | None
    target: float | None
    status: Status
    months: int
    """How many of its months up to the reporting month have a reported value."""
    complete: bool
    """Its last month is on or before the reporting month."""


@dataclass(frozen=True)
class Results:
    """Every KPI's figures at the reporting month and its monthly series."""

    as_of: Month
    figures: Mapping[str, Figures]
    series: Mapping[str, Series]
    segment_figures: Mapping[str, Mapping[str, Figures]] = field(default_factory=dict)
    """KPI id -> segment -> its figures at the reporting month (KPIs with segments only)."""
    segment_series: Mapping[str, Mapping[str, Series]] = field(default_factory=dict)
    """KPI id -> segment -> its monthly series."""
    calculated: Mapping[str, Mapping[Month, Fraction | None]] = field(default_factory=dict)
    """Calculated KPI id -> month -> its exact value; ``series`` has the nearest floats."""
    pacing: Mapping[str, Pacing] = field(default_factory=dict)
    """KPI id -> its pacing (contract 3.5)."""
    periods: Mapping[str, tuple[Period, ...]] = field(default_factory=dict)
    """KPI id -> its fiscal quarters and years (contract 3.6), each year after its quarters."""

    def exact_value(self, kpi_id: str, month: Month) -> Fraction | None:
        """A KPI's value at a month exactly, for decisions made after compute (retrospectives):
        the decimal as written, or a calculated KPI's exact result."""
        if kpi_id in self.calculated:
            return self.calculated[kpi_id].get(month)
        value = self.series[kpi_id].at(month)[0]
        return None if value is None else exact(value)
