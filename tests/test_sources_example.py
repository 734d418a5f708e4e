"""The example's warehouse: kpi pull works on a fresh clone, and the committed database is what
scripts/example_warehouse.py builds."""

from __future__ import annotations

import difflib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kpi_scorecard.cli import main

from .conftest import PROJECT, copy_example

WAREHOUSE = PROJECT / "examples" / "warehouse.db"


def dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_the_committed_warehouse_is_what_the_script_builds(tmp_path: Path) -> None:
    built = tmp_path / "warehouse.db"
    subprocess.run(
        [sys.executable, str(PROJECT / "scripts" / "example_warehouse.py"), str(built)],
        check=True,
        capture_output=True,
    )
    assert dump(built) == dump(WAREHOUSE), "run scripts/example_warehouse.py"


def test_pull_on_the_example_adds_the_next_close_and_restates_nothing(tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "example")
    shutil.copytree(PROJECT / "examples", repo / "examples")
    before = {p: p.read_text() for p in repo.rglob("*.yaml")}
    dry = CliRunner().invoke(main, ["pull", "--dry-run", "--repo", str(repo)])
    assert dry.exit_code == 0, dry.output
    assert {p: p.read_text() for p in repo.rglob("*.yaml")} == before
    assert "- **New values:** Nov 2026: 151,872" in dry.stdout
    assert "Restated" not in dry.stdout
    result = CliRunner().invoke(main, ["pull", "--repo", str(repo)])
    assert (result.exit_code, result.stdout) == (0, dry.stdout)
    assert result.stderr == "2 files updated\n"
    changed = {
        path.relative_to(repo).as_posix(): [
            line
            for line in difflib.unified_diff(
                text.splitlines(), path.read_text().splitlines(), lineterm="", n=0
            )
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        for path, text in before.items()
        if path.read_text() != text
    }
    assert changed == {
        "kpis/acquisition/traffic.yaml": ["+  2026-11: 151872"],
        "kpis/efficiency/paid_spend.yaml": [
            "+  2026-11: 75745.75",
            "+    2026-11: 41250",
            "+    2026-11: 22115.5",
            "+    2026-11: 12380.25",
        ],
    }
