"""kpi import: many values from CSV, all or nothing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main

from .conftest import make_repo


def snapshot(repo: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted((repo / "kpis").rglob("*")) if p.is_file()}


def kpi_import(repo: Path, csv_text: bytes, *options: str) -> tuple[int, str]:
    path = repo / "import.csv"
    path.write_bytes(csv_text)
    result = CliRunner().invoke(main, ["import", str(path), *options, "--repo", str(repo)])
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
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", crash_on_second)
    code, output = kpi_import(repo, b"orders,2026-05,130\nspend,2026-05,5000\n")
    assert code == 1
    assert output == "error: kpis/sales/spend.yaml: cannot write: no space left on device\n"
    assert [Path(c).name for c in calls] == ["orders.yaml", "spend.yaml", "orders.yaml"]
    assert snapshot(repo) == before  # the first file got its old bytes back; no temp files left


def test_an_empty_flow_mapping_is_filled_in_flow_style(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    spend = repo / "kpis/sales/spend.yaml"
    text = spend.read_text()
    spend.write_text(text[: text.index("values:")] + "values: {}\n")
    assert kpi_import(repo, b"spend,2026-05,1\n")[0] == 0
    assert spend.read_text().endswith("values: {2026-05: 1}\n")


def test_a_scorecard_with_errors_is_not_edited(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    orders = repo / "kpis/sales/orders.yaml"
    orders.write_text(orders.read_text().replace("owner: ann", "owner: anna"))
    before = snapshot(repo)
    code, output = kpi_import(repo, b"spend,2026-05,1\n")
    assert code == 1
    assert "kpis/sales/orders.yaml:4: error: owner: unknown person 'anna'" in output
    assert snapshot(repo) == before


# -- strict CSV: what cannot be read for sure is an error at its line --------------------------


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        (
            b'orders,2026-05,130\nvisits,2026-04,5,"open\norders,2026-06,1\nspend,2026-06,2\n',
            "import.csv:2: error: a quoted field that starts on this line is never closed "
            '(close it with ")',
        ),
        (
            b'orders,2026-05,130,"a"b\n',
            "import.csv:1: error: not valid CSV: ',' expected after '\"' "
            '(quote fields that hold , or " (doubling the " inside))',
        ),
        (
            b"\n\nkpi,month,value\norders,2026-05,130\n",
            "import.csv:3: error: a header row belongs on the first line (move it up or remove it)",
        ),
        (
            b"orders,2026-05,130\nkpi,month,value\n",
            "import.csv:2: error: a header row belongs on the first line (move it up or remove it)",
        ),
        (
            b"kpi,month,note\norders,2026-05,130\n",
            "import.csv:1: error: the header has no 'value' column "
            "(kpi, month and value are required)",
        ),
        (
            b"kpi,month,value,note,note\norders,2026-05,130,a,b\n",
            "import.csv:1: error: the column 'note' is named twice",
        ),
        (
            b'kpi,month,value,note\norders,2026-05,130,"' + b"x" * 200_000 + b'"\n',
            "import.csv:2: error: a field is too long (field larger than field limit (131072)) "
            "(split it or shorten the note)",
        ),
    ],
    ids=[
        "unclosed-quote",
        "text-after-a-quote",
        "header-after-blank-lines",
        "header-after-data",
        "header-without-value",
        "duplicated-column",
        "field-over-the-limit",
    ],
)
def test_csv_that_cannot_be_read_strictly_is_an_error_at_its_line(
    tmp_path: Path, csv_text: bytes, message: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    before = snapshot(repo)
    code, output = kpi_import(repo, csv_text)
    assert code == 1
    assert output.splitlines() == [message, "1 error, 0 warnings"]
    assert snapshot(repo) == before


def test_a_header_may_name_the_columns_in_any_order(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, output = kpi_import(
        repo, b"Value,KPI,segment,Month\n5,spend,search,2026-05\n", "--new-segment"
    )
    assert code == 0, output
    assert "segments:\n  search:\n    2026-05: 5\n" in (repo / "kpis/sales/spend.yaml").read_text()


def test_a_kpi_named_like_a_column_is_data_not_a_header(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, output = kpi_import(repo, b"value,2026-05,1,note\n")
    assert code == 1
    assert (
        output.splitlines()[0]
        == "import.csv:1: error: unknown KPI 'value' (expected the id of a KPI)"
    )


def test_a_row_needs_every_cell_up_to_the_last_required_column(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, output = kpi_import(repo, b"value,kpi,segment,month\n5,spend,search\n")
    assert code == 1
    assert output.splitlines()[0] == (
        "import.csv:2: error: expected 4 columns, found 3 (value,kpi,segment,month)"
    )


def test_each_bad_row_is_one_line_whatever_its_cells_hold(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    before = snapshot(repo)
    forged = "\nimport.csv:1: error: forged\r\u2028"
    csv_text = (
        f'"orders{forged}",2026-05,1\n'
        f'orders,"2026-05{forged}",1\n'
        f'orders,2026-06,"1{forged}"\n'
        f'orders,2026-07,1,note,"seo{forged}"\n'
    ).encode()
    code, output = kpi_import(repo, csv_text)
    assert code == 1
    *problems, count = output.splitlines()
    assert count == "4 errors, 0 warnings"
    assert [line.split(":")[1] for line in problems] == ["1", "4", "7", "10"]
    assert all(line.isprintable() and "\u2026" in line for line in problems)
    assert snapshot(repo) == before


def test_a_line_is_what_the_csv_module_calls_a_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, output = kpi_import(repo, b"orders,2026-05,1\rorders,2026-06,\xff\n")
    assert code == 1
    assert output.splitlines()[0] == (
        "import.csv:2: error: the file is not valid UTF-8: byte 32 (save it as UTF-8)"
    )


def test_imported_notes_with_line_separators_keep_later_edits_on_their_line(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    rows = 'orders,2026-01,91,"one\u2028two\x85three"\norders,2026-05,107,"Easter\u2029week"\n'
    assert kpi_import(repo, rows.encode())[0] == 0
    path = repo / "kpis/sales/orders.yaml"
    assert '  2026-01: "one\\u2028two\\u0085three"\n' in path.read_text()
    before = path.read_text()
    assert kpi_import(repo, b"orders,2026-03,101\n")[0] == 0
    assert path.read_text() == before.replace("  2026-03: 118\n", "  2026-03: 101\n")
