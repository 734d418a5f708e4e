"""The machine-readable exports of contract section 4: scorecard.json, values.csv and
periods.csv."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from kpi_scorecard.model import (
    FIGURE_FIELDS,
    PACING_FIELDS,
    Kpi,
    Results,
    Scorecard,
    Series,
    month_str,
    number_literal,
)
from kpi_scorecard.read.load import DECIMAL

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
FORMULA_FIRST = frozenset(FORMULA_START)
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def scorecard_json(scorecard: Scorecard, results: Results, presenters: Mapping[str, str]) -> str:
    """``{"as_of", "kpis": [...]}``: identity fields, the presenter, then every 3.1 figure and
    every 3.5 figure, unrounded; KPIs in id order."""
    kpis: list[dict[str, Any]] = []
    for kpi_id, kpi in scorecard.kpis.items():
        figures = results.figures[kpi_id]._asdict()
        entry: dict[str, Any] = {
            "id": kpi.id,
            "name": kpi.name,
            "category": kpi.category,
            "owner": kpi.owner,
            "better": kpi.better,
            "unit": kpi.unit,
            "presenter": presenters.get(kpi_id),
        }
        entry.update((name, figures[name]) for name in FIGURE_FIELDS)
        pacing = results.pacing.get(kpi_id)
        entry.update((name, getattr(pacing, name, None)) for name in PACING_FIELDS)
        kpis.append(entry)
    document = {"as_of": month_str(results.as_of), "kpis": kpis}
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def values_csv(scorecard: Scorecard, results: Results) -> str:
    """``kpi,month,value,target,status``: one row per KPI and month of its series (first to
    last reported month, unreported months included with an empty value)."""
    return csv_text(
        ("kpi", "month", "value", "target", "status"),
        (
            (kpi_id, *row)
            for kpi_id in scorecard.kpis
            for row in series_rows(results.series[kpi_id])
        ),
    )


def kpi_csv(kpi: Kpi, series: Series) -> str:
    """``/data/kpis/<id>.csv``: ``month,value,target,status,note`` of one KPI, for a spreadsheet."""
    return csv_text(
        ("month", "value", "target", "status", "note"),
        (
            (*row, kpi.notes.get(month, ""))
            for month, row in zip(series.months, series_rows(series), strict=True)
        ),
    )


def periods_csv(scorecard: Scorecard, results: Results) -> str:
    """``kpi,period,value,target,status,months,complete``: one row per KPI and fiscal quarter or
    year (contract 3.6), KPIs in id order, each year after its quarters."""
    return csv_text(
        ("kpi", "period", "value", "target", "status", "months", "complete"),
        (
            (
                kpi_id,
                period.name,
                number_cell(period.value),
                number_cell(period.target),
                period.status,
                str(period.months),
                "true" if period.complete else "false",
            )
            for kpi_id in scorecard.kpis
            for period in results.periods.get(kpi_id, ())
        ),
    )


def series_rows(series: Series) -> Iterator[tuple[str, str, str, str]]:
    """``month,value,target,status`` cells of a series."""
    for month, value, target, status in zip(
        series.months, series.values, series.targets, series.statuses, strict=True
    ):
        yield month_str(month), number_cell(value), number_cell(target), status


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV export, every cell neutralised (see safe_cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def safe_cell(text: str) -> str:
    """A cell a spreadsheet would run as a formula (``=HYPERLINK(...)``) gets a leading ``'``,
    as OWASP advises; numbers stay as they are, since a negative number is data."""
    if text[:1] in FORMULA_FIRST and not DECIMAL.match(text):
        return "'" + text
    return text


def number_cell(number: float | None) -> str:
    """Shortest text that reads back as the same float; whole numbers without ``.0``."""
    return "" if number is None else number_literal(number)
