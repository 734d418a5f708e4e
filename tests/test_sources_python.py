"""kpi_scorecard.open (contract 9): the validated scorecard as pandas DataFrames that agree with
the site's exports, every problem in one exception, and an import that stays light."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import kpi_scorecard
from kpi_scorecard.figures.compute import compute
from kpi_scorecard.model import FIGURE_FIELDS, month_str
from kpi_scorecard.read.validate import load_scorecard
from kpi_scorecard.render.exports import periods_csv, scorecard_json, values_csv

from .conftest import FIXTURES, PROJECT, copy_example, make_repo


def cell(number: float | None) -> str:
    return "" if number is None or math.isnan(number) else repr(float(number))


def test_importing_the_package_loads_neither_pandas_nor_a_database_library() -> None:
    code = "import sys, kpi_scorecard; print(sorted({'pandas', 'sqlalchemy', 'yaml'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out == "[]\n"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("example"))


def test_values_are_the_values_export_plus_notes_and_segments(example: Path) -> None:
    sc = kpi_scorecard.open(example)
    frame = sc.values()
    assert list(frame.columns) == ["kpi", "month", "value", "target", "status", "note", "segment"]
    totals = frame[frame["segment"].isna()]
    scorecard, _ = load_scorecard(example)
    results, _ = compute(scorecard)
    exported = list(csv.DictReader(io.StringIO(values_csv(scorecard, results))))
    assert len(exported) == len(totals)
    for row, (_, got) in zip(exported, totals.iterrows(), strict=True):
        assert (got["kpi"], got["month"], got["status"]) == (
            row["kpi"],
            row["month"],
            row["status"],
        )
        assert cell(got["value"]) == cell(float(row["value"]) if row["value"] else None)
        assert cell(got["target"]) == cell(float(row["target"]) if row["target"] else None)
    notes = {
        (kpi.id, month_str(month)): text
        for kpi in scorecard.kpis.values()
        for month, text in kpi.notes.items()
    }
    with_notes = totals[totals["note"].notna()]
    assert (
        dict(
            zip(
                zip(with_notes["kpi"], with_notes["month"], strict=True),
                with_notes["note"],
                strict=True,
            )
        )
        == notes
    )
    segmented = frame[frame["segment"].notna()]
    assert not segmented.empty
    pairs = {(k, s) for k, segments in results.segment_series.items() for s in segments}
    assert set(zip(segmented["kpi"], segmented["segment"], strict=True)) == pairs
    for (kpi_id, segment), rows in segmented.groupby(["kpi", "segment"]):
        written = scorecard.kpis[str(kpi_id)].segments.get(str(segment), {})  # or calculated
        for month, value in written.items():
            found = rows[rows["month"] == month_str(month)]["value"]
            assert cell(found.iloc[0]) == cell(value)


def test_figures_are_one_row_per_kpi_with_every_figure_of_the_export(example: Path) -> None:
    frame = kpi_scorecard.open(example).figures()
    scorecard, _ = load_scorecard(example)
    results, _ = compute(scorecard)
    exported = json.loads(scorecard_json(scorecard, results, {}))["kpis"]
    assert list(frame["kpi"]) == [kpi["id"] for kpi in exported]
    assert set(FIGURE_FIELDS) <= set(frame.columns)
    for entry, (_, row) in zip(exported, frame.iterrows(), strict=True):
        for name in FIGURE_FIELDS:
            expected, got = entry[name], row[name]
            if isinstance(expected, str) or name == "streak":
                assert got == expected, name
            else:
                assert cell(got) == cell(expected), name


def test_figures_have_the_pacing_and_periods_are_the_periods_export(example: Path) -> None:
    scorecard_ = kpi_scorecard.open(example)
    figures = scorecard_.figures()
    scorecard, _ = load_scorecard(example)
    results, _ = compute(scorecard)
    exported = json.loads(scorecard_json(scorecard, results, {}))["kpis"]
    for entry, (_, row) in zip(exported, figures.iterrows(), strict=True):
        assert row["pace"] == entry["pace"]
        assert cell(row["forecast_fy"]) == cell(entry["forecast_fy"])
    periods = scorecard_.periods()
    lines = periods_csv(scorecard, results).splitlines()
    assert list(periods.columns) == lines[0].split(",")
    assert len(periods) == len(lines) - 1 > 0
    first = lines[1].split(",")
    assert list(periods.iloc[0][["kpi", "period", "status"]]) == [first[0], first[1], first[4]]


def test_the_reporting_month_is_given(example: Path) -> None:
    scorecard, _ = load_scorecard(example)
    assert kpi_scorecard.open(example).as_of == month_str(compute(scorecard)[0].as_of)


def test_validation_errors_raise_with_every_problem(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FIXTURES / "bad" / "many_errors_at_once")
    with pytest.raises(kpi_scorecard.ValidationFailed) as failed:
        kpi_scorecard.open(repo)
    expected = (FIXTURES / "bad" / "many_errors_at_once" / "expected.txt").read_text()
    assert "".join(f"{p}\n" for p in failed.value.problems) == expected


def test_a_folder_without_kpis_is_refused(tmp_path: Path) -> None:
    with pytest.raises(kpi_scorecard.ScorecardError, match="no kpis/ folder"):
        kpi_scorecard.open(tmp_path)


def test_the_default_is_the_current_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    assert kpi_scorecard.open().root == Path(".")
