"""kpi import: many values from CSV, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main
from kpi_scorecard.edit import record

from .conftest import make_repo


def snapshot(repo: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted((repo / "kpis").rglob("*")) if p.is_file()}


def kpi_import(repo: Path, csv_text: bytes) -> tuple[int, str]:
    path = repo / "import.csv"
    path.write_bytes(csv_text)
    result = CliRunner().invoke(main, ["import", str(path), "--repo", str(repo)])
    return result.exit_code, result.output.replace(str(path), "import.csv")


def test_rows_are_recorded_with_bom_crlf_and_header(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    csv_text = (
        "\ufeffkpi,month,value,note\r\n"
        "orders,2026-04,121,\r\n"
        'spend,2026-05,5300,"Trade fair, Berlin"\r\n'
        "orders,2026-05,130\r\n"
    ).encode()
    code, output = kpi_import(repo, csv_text)
    assert code == 0, output
    orders = (repo / "kpis/sales/orders.yaml").read_text()
    assert "  2026-04: 121\n  2026-05: 130\n" in orders
    spend = (repo / "kpis/sales/spend.yaml").read_text()
    assert "  2026-05: 5300\n" in spend and 'notes:\n  2026-05: "Trade fair, Berlin"\n' in spend
    assert "2 files updated" in output


def test_every_bad_row_is_reported_and_no_file_changes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    before = snapshot(repo)
    csv_text = (
        b"kpi,month,value\n"
        b"orders,2026-05,130\n"
        b"ordrs,2026-05,1\n"
        b"spend,2026-5,1\n"
        b"spend,2026-06,lots\n"
        b"cost_per_order,2026-06,3\n"
        b"orders,2026-05,131\n"
        b"orders,2026-06\n"
    )
    code, output = kpi_import(repo, csv_text)
    assert code == 1
    assert output.splitlines()[:7] == [
        "import.csv:3: error: unknown KPI 'ordrs' (did you mean 'orders'?)",
        "import.csv:4: error: bad month '2026-5' (expected YYYY-MM, e.g. 2026-03)",
        "import.csv:5: error: value: 'lots' is not a number (expected a number such as 1250 or 3.5, or null)",
        "import.csv:6: error: cost_per_order is calculated by its formula (spend / orders), so it has "
        "no values to set (set the KPIs of the formula instead)",
        "import.csv:7: error: orders 2026-05 is given twice (first at line 2)",
        "import.csv:8: error: expected 3 columns, found 2 (kpi,month,value)",
        "6 errors, 0 warnings",
    ]
    assert snapshot(repo) == before


def test_a_failure_after_the_first_file_is_written_restores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    before = snapshot(repo)
    real_replace = os.replace
    calls = []

    def crash_on_second(source: str | Path, target: str | Path) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(record.os, "replace", crash_on_second)
    with pytest.raises(OSError, match="disk full"):
        record.record_csv(
            repo, _write(tmp_path, b"orders,2026-05,130\nspend,2026-05,1\n"), "import.csv"
        )
    assert len(calls) == 2
    assert snapshot(repo) == before  # the first file got its old bytes back; no temp files left


def _write(folder: Path, content: bytes) -> Path:
    path = folder / "rows.csv"
    path.write_bytes(content)
    return path


def test_an_empty_flow_mapping_is_filled(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    spend = repo / "kpis/sales/spend.yaml"
    text = spend.read_text()
    spend.write_text(text[: text.index("values:")] + "values: {}\n")
    assert kpi_import(repo, b"spend,2026-05,1\n")[0] == 0
    assert spend.read_text().endswith("values:\n  2026-05: 1\n")


def test_a_scorecard_with_errors_is_not_edited(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    orders = repo / "kpis/sales/orders.yaml"
    orders.write_text(orders.read_text().replace("owner: ann", "owner: anna"))
    before = snapshot(repo)
    code, output = kpi_import(repo, b"spend,2026-05,1\n")
    assert code == 1
    assert "kpis/sales/orders.yaml:4: error: owner: unknown person 'anna'" in output
    assert snapshot(repo) == before
