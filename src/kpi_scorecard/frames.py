"""The scorecard as pandas DataFrames, for notebooks (contract 9): ``kpi_scorecard.open``.

The tables are the exports' long forms, so an analyst can chart or join the scorecard without
parsing YAML: ``values()`` (values.csv plus note and segment), ``figures()`` (one row per KPI,
every figure of contract 3.1) and ``periods()`` (periods.csv). Numbers are floats, missing
ones NaN; months are ``YYYY-MM`` text, as in the exports
(``pd.PeriodIndex(df["month"], freq="M")`` makes them periods for a chart).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi_scorecard.errors import Problem, ScorecardError
from kpi_scorecard.model import FIGURE_FIELDS, Results, Scorecard, Series, month_str
from kpi_scorecard.read.validate import load_scorecard

if TYPE_CHECKING:
    import pandas as pd

VALUE_COLUMNS = ("kpi", "month", "value", "target", "status", "note", "segment")
IDENTITY_COLUMNS = ("kpi", "name", "category", "owner", "better", "unit")
PACING_FIELDS: tuple[str, ...] = ()
"""The figures of contract 3.5 (pacing), appended to ``figures()`` once figures/ computes
them: name each field here and return it from ``_pacing``."""


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
            figures = asdict(self.results.figures[kpi_id])
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
        numbers = [name for name in FIGURE_FIELDS if name not in ("status", "trend", "streak")]
        return frame.astype(dict.fromkeys(numbers, "float64"))

    def periods(self) -> pd.DataFrame:
        """Fiscal quarters and years (contract 3.6, ``periods.csv``)."""
        raise NotImplementedError(
            "periods() needs the fiscal periods of contract 3.6, which figures/ does not "
            "compute yet (figures/periods.py)"
        )


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
    """The 3.5 pacing fields of a KPI; none until figures/ computes them (see PACING_FIELDS)."""
    del results, kpi_id
    return {}
