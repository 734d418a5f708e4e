"""The machine-readable exports of contract section 4: scorecard.json and values.csv."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from kpi_scorecard.model import FIGURE_FIELDS, Results, Scorecard, month_str, number_literal


def scorecard_json(scorecard: Scorecard, results: Results, presenters: Mapping[str, str]) -> str:
    """``{"as_of", "kpis": [...]}``: identity fields, the presenter, then every 3.1 figure,
    unrounded; KPIs in id order."""
    kpis: list[dict[str, Any]] = []
    for kpi_id, kpi in scorecard.kpis.items():
        figures = asdict(results.figures[kpi_id])
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
        kpis.append(entry)
    document = {"as_of": month_str(results.as_of), "kpis": kpis}
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def values_csv(scorecard: Scorecard, results: Results) -> str:
    """``kpi,month,value,target,status``: one row per KPI and month of its series (first to
    last reported month, unreported months included with an empty value)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("kpi", "month", "value", "target", "status"))
    for kpi_id in scorecard.kpis:
        series = results.series[kpi_id]
        for month, value, target, status in zip(
            series.months, series.values, series.targets, series.statuses, strict=True
        ):
            writer.writerow(
                (kpi_id, month_str(month), number_cell(value), number_cell(target), status)
            )
    return buffer.getvalue()


def number_cell(number: float | None) -> str:
    """Shortest text that reads back as the same float; whole numbers without ``.0``."""
    return "" if number is None else number_literal(number)
