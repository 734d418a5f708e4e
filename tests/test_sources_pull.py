"""kpi pull from SQLite (contract 8): values and segments recorded as kpi set records them, what
changed said as kpi diff says it, and every failure a one-line error at the line of the query
with nothing written."""

from __future__ import annotations

import difflib
import socket
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_scorecard.cli import main
from kpi_scorecard.model import number_literal
from kpi_scorecard.read.validate import load_scorecard

from .conftest import make_repo

ORDERS = "kpis/sales/orders.yaml"
SPEND = "kpis/sales/spend.yaml"
SETTINGS = "kpis/scorecard.yaml"
ORDERS_QUERY_LINE = 8
"""The line of ``query:`` in orders.yaml once the source is added."""


def add_source(repo: Path, kpi_file: str, query: str, database: str = "warehouse") -> None:
    """Insert a source block after the ``aggregate``/``better`` line, keeping the rest."""
    path = repo / kpi_file
    lines = path.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("better:"))
    block = f"source:\n  database: {database}\n  query: {query}\n"
    lines.insert(index + 1, block)
    path.write_text("".join(lines))


def add_database(repo: Path, url: str, name: str = "warehouse") -> None:
    with (repo / SETTINGS).open("a") as file:
        file.write(f'databases:\n  {name}: {{url: "{url}"}}\n')


def make_warehouse(path: Path, rows: list[tuple[object, ...]], table: str = "orders") -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(f"CREATE TABLE {table} (month, value, segment)")
        connection.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", rows)
    connection.close()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    add_database(repo, "sqlite:///warehouse.db")
    add_source(repo, ORDERS, "SELECT month, value, segment FROM orders")
    make_warehouse(
        repo / "warehouse.db",
        [("2026-03", 120, None), ("2026-04", 125, None), ("2026-05", 130, None)],
    )
    return repo


def kpi_pull(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["pull", *args, "--repo", str(repo)], env=env)
    return result.exit_code, result.stdout, result.stderr


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*.yaml")}


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_the_source_query_is_at_the_line_the_errors_name(repo: Path) -> None:
    scorecard, _ = load_scorecard(repo)
    source = scorecard.kpis["orders"].source
    assert source is not None
    assert (source.database, source.line) == ("warehouse", ORDERS_QUERY_LINE)
    lines = (repo / ORDERS).read_text().splitlines()
    assert lines[ORDERS_QUERY_LINE - 1].startswith("  query: SELECT")


def test_pull_records_the_values_and_says_what_changed(repo: Path) -> None:
    before = (repo / ORDERS).read_text()
    code, out, err = kpi_pull(repo)
    assert code == 0, out + err
    after = (repo / ORDERS).read_text()
    assert changed_lines(before, after) == [
        "-  2026-03: 118",
        "-  2026-04: null",
        "+  2026-03: 120",
        "+  2026-04: 125",
        "+  2026-05: 130",
    ]
    assert "  2026-02: Spring promotion." in after  # the notes and the rest are kept
    assert out.startswith("### KPI changes from the working tree to `kpi pull`\n")
    assert "- **New values:** Apr 2026: 125, May 2026: 130" in out
    assert "- **Restated:** Mar 2026 from 118 to 120" in out
    assert err == "1 file updated\n"


def test_a_second_pull_changes_nothing(repo: Path) -> None:
    assert kpi_pull(repo)[0] == 0
    before = snapshot(repo)
    assert kpi_pull(repo) == (0, "", "0 files updated\n")
    assert snapshot(repo) == before


def test_a_dry_run_prints_the_changes_and_writes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    code, out, err = kpi_pull(repo, "--dry-run")
    assert code == 0
    assert "- **Restated:** Mar 2026 from 118 to 120" in out
    assert err == "1 file would change\n"
    assert snapshot(repo) == before


def test_month_records_that_month_only(repo: Path) -> None:
    before = (repo / ORDERS).read_text()
    assert kpi_pull(repo, "--month", "2026-05")[0] == 0
    assert changed_lines(before, (repo / ORDERS).read_text()) == ["+  2026-05: 130"]


def test_a_bad_month_option_is_a_usage_error(repo: Path) -> None:
    code, _, err = kpi_pull(repo, "--month", "2026-13")
    assert code == 2
    assert "'2026-13' is not a month (expected YYYY-MM, e.g. 2026-03)" in err


def test_segments_and_dates_are_recorded(repo: Path) -> None:
    add_source(repo, SPEND, "SELECT date(day) AS month, amount AS value, channel AS segment FROM s")
    with sqlite3.connect(repo / "warehouse.db") as connection:
        connection.execute("CREATE TABLE s (day, amount, channel)")
        connection.executemany(
            "INSERT INTO s VALUES (?, ?, ?)",
            [("2026-05-01", 700.5, "search"), ("2026-05-01", 300, "social")],
        )
    connection.close()
    # SQLite hands dates back as text: a date column type makes them dates for SQLAlchemy
    code, out, _ = kpi_pull(repo, "spend")
    assert code == 1
    assert out == (
        f"{SPEND}:8: error: source: row 1: month '2026-05-01' is not a month "
        "(expected YYYY-MM text or a date)\n"
        f"{SPEND}:8: error: source: row 2: month '2026-05-01' is not a month "
        "(expected YYYY-MM text or a date)\n"
    )
    text = (repo / SPEND).read_text().replace("date(day)", "strftime('%Y-%m', day)")
    (repo / SPEND).write_text(text)
    code, out, err = kpi_pull(repo, "spend")
    assert code == 0, out + err
    scorecard, _ = load_scorecard(repo)
    segments = scorecard.kpis["spend"].segments
    assert {name: dict(months) for name, months in segments.items()} == {
        "search": {2026 * 12 + 4: 700.5},
        "social": {2026 * 12 + 4: 300.0},
    }


def test_colons_and_percent_signs_reach_the_database_as_written(repo: Path) -> None:
    query = "\"SELECT '2026-05' AS month, length('a:b %s') AS value\""
    add_source(repo, SPEND, query)
    code, out, err = kpi_pull(repo, "spend")
    assert code == 0, out + err
    assert "  2026-05: 6\n" in (repo / SPEND).read_text()


# -- failures: one line each at the query, nothing written ------------------------------------


def assert_refused(
    repo: Path, expected: str, *args: str, env: dict[str, str] | None = None
) -> None:
    before = snapshot(repo)
    code, out, err = kpi_pull(repo, *args, env=env)
    assert (code, out) == (1, expected), err
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("2026-13", 1, None)],
            "row 1: month '2026-13' is not a month (expected YYYY-MM text or a date)",
        ),
        (
            [("May 2026", 1, None)],
            "row 1: month 'May 2026' is not a month (expected YYYY-MM text or a date)",
        ),
        (
            [(202605, 1, None)],
            "row 1: month '202605' is not a month (expected YYYY-MM text or a date)",
        ),
        (
            [("2026-05", "12,5", None)],
            "row 1: value '12,5' is not a number (expected a number or NULL)",
        ),
        (
            [("2026-05", b"1", None)],
            "row 1: value 'b'1'' is not a number (expected a number or NULL)",
        ),
        ([("2026-05", 1, 7)], "row 1: segment '7' is not a segment name (expected text)"),
        (
            [("2026-05", 1, None), ("2026-05", 2, None)],
            "row 2: 2026-05 is returned twice (first in row 1)",
        ),
    ],
    ids=["month-13", "month-words", "month-number", "comma", "bytes", "segment-number", "twice"],
)
def test_a_bad_row_is_an_error_at_the_query(
    repo: Path, rows: list[tuple[object, ...]], message: str
) -> None:
    (repo / "warehouse.db").unlink()
    make_warehouse(repo / "warehouse.db", rows)
    assert_refused(repo, f"{ORDERS}:{ORDERS_QUERY_LINE}: error: source: {message}\n")


def test_a_failed_query_names_the_kpi_file_and_line(repo: Path) -> None:
    add_source(repo, SPEND, "SELECT month, value FROM no_such_table")
    assert_refused(
        repo, f"{SPEND}:8: error: source: the query failed: no such table: no_such_table\n"
    )


def test_a_query_with_the_wrong_columns_is_refused(repo: Path) -> None:
    add_source(repo, SPEND, "SELECT month, value, 1 AS extra FROM orders")
    text = (repo / ORDERS).read_text().replace("month, value, segment FROM", "month, segment FROM")
    (repo / ORDERS).write_text(text)
    assert_refused(
        repo,
        f"{ORDERS}:8: error: source: the query returns no value column (name it with AS value)\n"
        f"{SPEND}:8: error: source: the query returns a column 'extra' "
        "(expected month, value and optionally segment)\n",
    )


def test_a_value_the_kpi_file_refuses_is_reported_at_the_query(repo: Path) -> None:
    (repo / "warehouse.db").unlink()
    make_warehouse(repo / "warehouse.db", [("2026-05", 1, "bad name!")])
    assert_refused(
        repo,
        f"{ORDERS}:{ORDERS_QUERY_LINE}: error: segment: 'bad name!' is not a segment name "
        "(letters, digits, _ . and -)\n",
    )


def test_a_file_that_is_not_a_database_is_reported_at_every_query(repo: Path) -> None:
    (repo / "warehouse.db").write_bytes(b"not sqlite" * 100)
    add_source(repo, SPEND, "SELECT month, value FROM spend")
    assert_refused(
        repo,
        f"{ORDERS}:{ORDERS_QUERY_LINE}: error: source: the query failed: "
        "file is not a database\n"
        f"{SPEND}:8: error: source: the query failed: file is not a database\n",
    )


def test_a_missing_environment_variable_is_named(repo: Path) -> None:
    text = (repo / SETTINGS).read_text().replace("sqlite:///warehouse.db", "${KPI_TEST_DW}")
    (repo / SETTINGS).write_text(text)
    assert_refused(
        repo,
        f"{ORDERS}:{ORDERS_QUERY_LINE}: error: source: the environment variable KPI_TEST_DW "
        "is not set (the URL of database warehouse (kpis/scorecard.yaml:10))\n",
        env={"KPI_TEST_DW": None},  # type: ignore[dict-item]  # CliRunner unsets None
    )
    code, out, err = kpi_pull(repo, env={"KPI_TEST_DW": "sqlite:///warehouse.db"})
    assert code == 0, out + err


def test_a_missing_driver_names_the_extra(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails
    text = (repo / SETTINGS).read_text().replace("sqlite:///warehouse.db", "${KPI_TEST_DW}")
    (repo / SETTINGS).write_text(text)
    env = {"KPI_TEST_DW": "postgresql+psycopg://kpi:s3cret-pw@127.0.0.1:9/dw"}
    assert_refused(
        repo,
        f"{ORDERS}:{ORDERS_QUERY_LINE}: error: source: the database driver psycopg is not "
        "installed (install kpi-scorecard[postgres])\n",
        env=env,
    )


def test_a_refused_connection_never_shows_the_password(repo: Path) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    text = (repo / SETTINGS).read_text().replace("sqlite:///warehouse.db", "${KPI_TEST_DW}")
    (repo / SETTINGS).write_text(text)
    env = {"KPI_TEST_DW": f"postgresql+psycopg://kpi:s3cret-pw@127.0.0.1:{port}/dw"}
    code, out, err = kpi_pull(repo, env=env)
    assert code == 1
    assert out.startswith(f"{ORDERS}:{ORDERS_QUERY_LINE}: error: source: cannot connect: ")
    assert "Connection refused" in out or "connection refused" in out.lower()
    assert "s3cret-pw" not in out + err
    assert out.count("\n") == 1


def test_an_unknown_kpi_is_a_one_line_error(repo: Path) -> None:
    code, out, err = kpi_pull(repo, "ordres")
    assert (code, out) == (1, "")
    assert err == "error: unknown KPI 'ordres' (did you mean 'orders'?)\n"
    code, _, err = kpi_pull(repo, "spend")
    assert (code, err) == (
        1,
        "error: spend has no source (kpis/sales/spend.yaml names no database query)\n",
    )


# -- any number round-trips ------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12).filter(
        lambda x: x == 0 or abs(x) > 1e-9
    )
    | st.integers(min_value=-(10**12), max_value=10**12)
)
def test_any_number_the_database_holds_is_recorded_exactly(repo: Path, value: float) -> None:
    with sqlite3.connect(repo / "warehouse.db") as connection:
        connection.execute("DELETE FROM orders")
        connection.execute("INSERT INTO orders VALUES ('2026-06', ?, NULL)", (value,))
    connection.close()
    code, out, err = kpi_pull(repo)
    assert code == 0, out + err
    scorecard, _ = load_scorecard(repo)
    assert scorecard.kpis["orders"].values[2026 * 12 + 5] == float(value)
    assert f"  2026-06: {number_literal(float(value))}\n" in (repo / ORDERS).read_text()


def test_a_scorecard_without_sources_has_nothing_to_pull(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    before = snapshot(repo)
    assert kpi_pull(repo) == (0, "", "no KPI has a source: nothing to pull\n")
    assert snapshot(repo) == before


def test_a_kpi_named_twice_is_pulled_once(repo: Path) -> None:
    code, out, err = kpi_pull(repo, "orders", "orders", "--dry-run")
    assert (code, err) == (0, "1 file would change\n"), out


def test_a_missing_sqlite_file_is_not_created(repo: Path) -> None:
    (repo / "warehouse.db").unlink()
    assert_refused(
        repo,
        f"{ORDERS}:{ORDERS_QUERY_LINE}: error: source: the SQLite file 'warehouse.db' of "
        "database warehouse (kpis/scorecard.yaml:10) does not exist\n",
    )
    assert not (repo / "warehouse.db").exists()


def test_the_warehouse_is_opened_read_only(repo: Path) -> None:
    before = (repo / "warehouse.db").read_bytes()
    add_source(repo, SPEND, '"DELETE FROM orders RETURNING month, value"')
    code, out, _ = kpi_pull(repo, "spend")
    assert (code, out) == (
        1,
        f"{SPEND}:8: error: source: the query failed: attempt to write a readonly database\n",
    )
    assert (repo / "warehouse.db").read_bytes() == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql+pymysql://kpi:pw-x9@127.0.0.1/dw",
            "the driver pymysql is not installed (install the Python package pymysql)",
        ),
        (
            "nosuchdb://kpi:pw-x9@127.0.0.1/dw",
            "the URL of database warehouse (kpis/scorecard.yaml:10) names an unknown kind of "
            "database (e.g. postgresql+psycopg)",
        ),
        (
            "not a url pw-x9",
            "the URL of database warehouse (kpis/scorecard.yaml:10) is not an SQLAlchemy URL "
            "(e.g. sqlite:///warehouse.db)",
        ),
    ],
    ids=["other-driver", "unknown-dialect", "not-a-url"],
)
def test_a_url_that_cannot_be_used_is_named_without_its_password(
    repo: Path, url: str, message: str
) -> None:
    text = (repo / SETTINGS).read_text().replace("sqlite:///warehouse.db", "${KPI_TEST_DW}")
    (repo / SETTINGS).write_text(text)
    before = snapshot(repo)
    code, out, err = kpi_pull(repo, env={"KPI_TEST_DW": url})
    assert (code, out) == (1, f"{ORDERS}:{ORDERS_QUERY_LINE}: error: source: {message}\n")
    assert "pw-x9" not in out + err
    assert snapshot(repo) == before


def test_a_query_with_many_bad_rows_lists_ten(repo: Path) -> None:
    (repo / "warehouse.db").unlink()
    make_warehouse(repo / "warehouse.db", [("2026-05", f"n{i}", None) for i in range(500)])
    before = snapshot(repo)
    code, out, _ = kpi_pull(repo)
    lines = out.splitlines()
    assert code == 1
    assert len(lines) == 11
    place = f"{ORDERS}:{ORDERS_QUERY_LINE}: error: source: "
    assert sorted(lines[:10]) == sorted(
        f"{place}row {i + 1}: value 'n{i}' is not a number (expected a number or NULL)"
        for i in range(10)
    )
    assert lines[-1] == f"{place}rows: 490 more are wrong (ten are listed)"
    assert snapshot(repo) == before


def test_a_query_without_the_month_asked_for_is_a_warning(repo: Path) -> None:
    before = snapshot(repo)
    code, out, err = kpi_pull(repo, "--month", "2026-07")
    assert (code, out) == (0, "")
    assert err == (
        f"{ORDERS}:{ORDERS_QUERY_LINE}: warning: source: the query returns no row for 2026-07\n"
        "0 files updated\n"
    )
    assert snapshot(repo) == before


def test_a_value_far_from_the_history_is_recorded_with_a_warning(repo: Path) -> None:
    (repo / "warehouse.db").unlink()
    make_warehouse(repo / "warehouse.db", [("2026-04", 12000, None)])  # two digits too many
    code, out, err = kpi_pull(repo)
    assert code == 0, out + err
    assert "  2026-04: 12000\n" in (repo / ORDERS).read_text()
    warning, count = err.splitlines()
    assert warning.startswith(f"{ORDERS}:{ORDERS_QUERY_LINE}: warning: source: ")
    assert warning.endswith("(check the query)")
    assert "12000" in warning
    assert count == "1 file updated"
