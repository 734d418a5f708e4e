"""The scorecard as pandas DataFrames, for notebooks (contract 9): ``kpi_scorecard.open``.

The tables are the exports' long forms, so an analyst can chart or join the scorecard without
parsing YAML: ``values()`` (values.csv plus note and segment), ``figures()`` (one row per KPI,
every figure of contract 3.1) and ``periods()`` (periods.csv). Numbers are floats, missing
ones NaN; months are ``YYYY-MM`` text, as in the exports
(``pd.PeriodIndex(df["month"], freq="M")`` makes them periods for a chart).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi_scorecard.errors import Problem, ScorecardError
from kpi_scorecard.model import (
    FIGURE_FIELDS,
    PACING_FIELDS,
    Results,
    Scorecard,
    Series,
    month_str,
)
from kpi_scorecard.read.validate import load_scorecard

if TYPE_CHECKING:
    import pandas as pd

VALUE_COLUMNS = ("kpi", "month", "value", "target", "status", "note", "segment")
IDENTITY_COLUMNS = ("kpi", "name", "category", "owner", "better", "unit")
PERIOD_COLUMNS = ("kpi", "period", "value", "target", "status", "months", "complete")
"""The columns of ``periods()``: those of periods.csv (contract 3.6)."""


def open_scorecard(path: str | os.PathLike[str] = ".") -> LoadedScorecard:
    root = Path(path)
    if not (root / "kpis").is_dir():
        raise ScorecardError(f"{root} is not a scorecard repository (no kpis/ folder)")
    from kpi_scorecard.figures.compute import compute

    scorecard, warnings = load_scorecard(root)
    results, compute_warnings = compute(scorecard)
    return LoadedScorecard(root, scorecard, results, sorted([*warnings, *compute_warnings]))


@dataclass(frozen=True)
class LoadedScorecard:
    """A validated scorecard repository and its figures."""

    root: Path
    model: Scorecard
    """The validated files (kpi_scorecard.model.Scorecard)."""
    results: Results
    """The figures at the reporting month and the monthly series."""
    warnings: list[Problem]
    """What validation and computing warned about (errors raise instead)."""

    @property
    def as_of(self) -> str:
        """The reporting month, ``YYYY-MM``."""
        return month_str(self.results.as_of)

    def values(self) -> pd.DataFrame:
        """One row per KPI, month and segment (empty for the total): kpi, month, value,
        target, status, note, segment; months run from each series' first to last month."""
        import pandas as pd

        rows: list[tuple[Any, ...]] = []
        for kpi_id, kpi in self.model.kpis.items():
            rows.extend(_series_rows(kpi_id, self.results.series[kpi_id], kpi.notes, None))
            for segment, series in self.results.segment_series.get(kpi_id, {}).items():
                rows.extend(_series_rows(kpi_id, series, {}, segment))
        frame = pd.DataFrame.from_records(rows, columns=list(VALUE_COLUMNS))
        return frame.astype({"value": "float64", "target": "float64"})

    def figures(self) -> pd.DataFrame:
        """One row per KPI: its identity, then every figure of contract 3.1 (and 3.5)."""
        import pandas as pd

        rows = []
        for kpi_id, kpi in self.model.kpis.items():
            figures = self.results.figures[kpi_id]._asdict()
            row = {
                "kpi": kpi_id,
                "name": kpi.name,
                "category": kpi.category,
                "owner": kpi.owner,
                "better": kpi.better,
                "unit": kpi.unit,
            }
            row.update((name, figures[name]) for name in FIGURE_FIELDS)
            row.update(_pacing(self.results, kpi_id))
            rows.append(row)
        columns = [*IDENTITY_COLUMNS, *FIGURE_FIELDS, *PACING_FIELDS]
        frame = pd.DataFrame.from_records(rows, columns=columns)
        texts = ("status", "trend", "streak", "pace")
        numbers = [name for name in (*FIGURE_FIELDS, *PACING_FIELDS) if name not in texts]
        return frame.astype(dict.fromkeys(numbers, "float64"))

    def periods(self) -> pd.DataFrame:
        """Fiscal quarters and years (contract 3.6): the rows of ``periods.csv``."""
        import pandas as pd

        rows = [
            (kpi_id, p.name, p.value, p.target, p.status, p.months, p.complete)
            for kpi_id in self.model.kpis
            for p in self.results.periods.get(kpi_id, ())
        ]
        frame = pd.DataFrame.from_records(rows, columns=list(PERIOD_COLUMNS))
        return frame.astype({"value": "float64", "target": "float64"})


def _series_rows(
    kpi_id: str, series: Series, notes: Any, segment: str | None
) -> list[tuple[Any, ...]]:
    return [
        (kpi_id, month_str(month), value, target, status, notes.get(month), segment)
        for month, value, target, status in zip(
            series.months, series.values, series.targets, series.statuses, strict=True
        )
    ]


def _pacing(results: Results, kpi_id: str) -> dict[str, Any]:
    """The 3.5 pacing fields of a KPI (None each when it has no pacing)."""
    pacing = results.pacing.get(kpi_id)
    return {name: getattr(pacing, name) if pacing else None for name in PACING_FIELDS}
