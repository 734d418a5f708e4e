"""kpi import FILE.xlsx: the first sheet read like the CSV, all or nothing, errors at FILE.xlsx:ROW.
The workbooks are written with openpyxl, as Excel would save them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_scorecard.cli import main
from kpi_scorecard.read.validate import load_scorecard

from .conftest import make_repo

MAY = 2026 * 12 + 4
JUNE = MAY + 1


def workbook(path: Path, rows: list[list[object]], first_row: int = 1) -> Path:
    """A workbook whose first sheet holds ``rows`` from ``first_row`` on; a second sheet is
    there to show that only the first is read."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for offset, row in enumerate(rows):
        for column, cell in enumerate(row, start=1):
            sheet.cell(row=first_row + offset, column=column, value=cell)  # type: ignore[arg-type]
    book.create_sheet("ignored").append(["orders", "2026-07", 999])
    book.save(path)
    return path


def kpi_import(repo: Path, file: Path, *options: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["import", str(file), *options, "--repo", str(repo)])
    return result.exit_code, result.stdout, result.stderr


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*.yaml")}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def test_dates_text_months_numbers_notes_and_segments_are_recorded(
    repo: Path, tmp_path: Path
) -> None:
    file = workbook(
        tmp_path / "may.xlsx",
        [
            ["KPI", "Month", "Value", "Note", "Segment"],
            ["orders", dt.datetime(2026, 5, 1), 130, "Launch week.", None],
            ["orders", "2026-06", None, None, None],
            ["spend", dt.date(2026, 5, 31), 5100.25, None, None],
            ["spend", "2026-05", 5100.25, None, "search"],
        ],
    )
    code, out, err = kpi_import(repo, file, "--new-segment")
    assert (code, err) == (0, "2 files updated\n")
    assert out.splitlines() == [
        "orders May 2026: 130 (added); note added: “Launch week.”",
        "orders Jun 2026: not reported",
        "spend May 2026: €5,100 (added)",
        "spend (search) May 2026: €5,100 (added)",
    ]
    kpis = load_scorecard(repo)[0].kpis
    assert kpis["orders"].values[MAY] == 130
    assert kpis["orders"].values[JUNE] is None
    assert kpis["orders"].notes[MAY] == "Launch week."
    assert kpis["spend"].values[MAY] == 5100.25
    assert kpis["spend"].segments["search"][MAY] == 5100.25
    assert 2026 * 12 + 6 not in kpis["orders"].values  # the second sheet is not read


def test_rows_are_numbered_as_the_spreadsheet_shows_them(repo: Path, tmp_path: Path) -> None:
    file = workbook(
        tmp_path / "bad.xlsx",
        [
            ["orders", "2026-05", 130],
            [],
            ["ordrs", "2026-05", 1],
            ["orders", "May 2026", 1],
            ["orders", dt.time(10, 30), 1],
            ["orders", "2026-06", "12.5"],
            ["orders", "2026-06", True],
            [42, "2026-06", 1],
            ["orders", "2026-07", 1, "note", "seg", "extra"],
        ],
        first_row=3,
    )
    before = snapshot(repo)
    code, out, _ = kpi_import(repo, file)
    name = str(file)
    assert code == 1
    assert out == (
        f"{name}:5: error: unknown KPI 'ordrs' (did you mean 'orders'?)\n"
        f"{name}:6: error: bad month 'May 2026' (expected YYYY-MM, e.g. 2026-03)\n"
        f"{name}:7: error: month: '10:30:00' is not a month "
        "(expected a date cell or YYYY-MM text)\n"
        f"{name}:8: error: value: '12.5' is not a number cell "
        "(expected a number cell: format the cell as a number)\n"
        f"{name}:9: error: value: 'True' is not a number cell "
        "(expected a number cell: format the cell as a number)\n"
        f"{name}:10: error: kpi: '42' is not a KPI id (expected text)\n"
        f"{name}:11: error: expected at most 5 columns, found 6 "
        "(kpi, month, value, note, segment)\n"
    )
    assert snapshot(repo) == before


def test_a_header_may_order_the_columns(repo: Path, tmp_path: Path) -> None:
    file = workbook(tmp_path / "h.xlsx", [["month", "value", "kpi"], ["2026-05", 117, "orders"]])
    assert kpi_import(repo, file)[0] == 0
    assert load_scorecard(repo)[0].kpis["orders"].values[MAY] == 117


def test_a_bad_header_is_reported_at_its_row(repo: Path, tmp_path: Path) -> None:
    file = workbook(tmp_path / "h.xlsx", [["kpi", "month", "valeu"], ["orders", "2026-05", 7]])
    code, out, _ = kpi_import(repo, file)
    assert code == 1
    assert out == (
        f"{file}:1: error: the header has no 'value' column (kpi, month and value)\n"
        f"{file}:1: error: unknown column 'valeu' (did you mean 'value'?)\n"
    )


def test_a_file_that_is_not_a_workbook_is_a_one_line_error(repo: Path, tmp_path: Path) -> None:
    file = tmp_path / "fake.xlsx"
    file.write_text("kpi,month,value\n")
    code, out, err = kpi_import(repo, file)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {file}: cannot read the workbook: ")
    assert err.count("\n") == 1


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12).filter(
        lambda x: x == 0 or abs(x) > 1e-9
    )
    | st.integers(min_value=-(10**12), max_value=10**12),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)),
)
def test_any_number_in_any_date_cell_month_is_recorded_exactly(
    repo: Path, tmp_path: Path, value: float, day: dt.date
) -> None:
    file = workbook(tmp_path / "one.xlsx", [["orders", day, value]])
    code, out, err = kpi_import(repo, file, "--confirm")
    assert code == 0, out + err
    month = day.year * 12 + day.month - 1
    sheet = openpyxl.load_workbook(file).active
    assert sheet is not None
    held = sheet["C1"].value  # a workbook keeps 17 significant digits at most
    assert isinstance(held, int | float)
    assert load_scorecard(repo)[0].kpis["orders"].values[month] == float(held)


def test_a_header_below_the_data_is_refused(repo: Path, tmp_path: Path) -> None:
    file = workbook(tmp_path / "h.xlsx", [["orders", "2026-05", 117], ["kpi", "month", "value"]])
    before = snapshot(repo)
    assert kpi_import(repo, file)[:2] == (
        1,
        f"{file}:2: error: a header row belongs above the data\n",
    )
    assert snapshot(repo) == before
