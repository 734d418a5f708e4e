"""kpi pull against a real PostgreSQL server: a throwaway cluster (initdb in a temporary folder,
listening on 127.0.0.1 on a free port, its socket in that folder), started for this module and
stopped after it. ``make test`` installs Debian's postgresql when it is missing
(.ci/install-postgresql)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main
from kpi_scorecard.read.validate import load_scorecard

from .conftest import make_repo

USER = "kpi"
PASSWORD = "pw-Zq81-secret"
ORDERS = "kpis/sales/orders.yaml"
SPEND = "kpis/sales/spend.yaml"
MAY = 2026 * 12 + 4


def postgres_bin() -> Path | None:
    """The folder of pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    return Path(folders[-1]) if folders else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    port: int

    def url(self, password: str = PASSWORD, query: str = "") -> str:
        return f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{self.port}/postgres{query}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    folder = postgres_bin()
    if folder is None:
        pytest.skip("PostgreSQL is not installed (make test installs it: .ci/install-postgresql)")
    base = Path(tempfile.mkdtemp(prefix="kpi-pg-"))
    # the server refuses to run as root: then it runs as Debian's postgres user (or nobody)
    prefix: list[str] = []
    if os.geteuid() == 0:
        name = "postgres" if _user_exists("postgres") else "nobody"
        shutil.chown(base, name)
        prefix = ["runuser", "-u", name, "--"]
    (base / "password").write_text(PASSWORD + "\n")
    port = free_port()
    data = base / "data"
    try:
        initdb = [str(folder / "initdb"), "-D", str(data), "-U", USER, "--no-sync"]
        auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={base}/password"]
        _run([*prefix, *initdb, *auth])
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
        start = [str(folder / "pg_ctl"), "start", "-w", "-D", str(data)]
        _run([*prefix, *start, "-l", str(base / "log"), "-o", options])
        try:
            yield Server(port)
        finally:
            _run([*prefix, str(folder / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(data)])
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def warehouse(server: Server) -> Server:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=server.port, user=USER, password=PASSWORD, dbname="postgres"
    ) as connection:
        connection.execute(
            "CREATE TABLE orders (month date, value numeric, segment text);"
            "INSERT INTO orders VALUES ('2026-05-01', 130.5, NULL), ('2026-05-01', 80, 'web'),"
            " ('2026-05-01', 50.5, 'shop')"
        )
    return server


def repo_with(tmp_path: Path, url: str, query: str) -> Path:
    repo = make_repo(tmp_path / "repo")
    path = repo / ORDERS
    text = path.read_text().replace(
        "better: higher\n", f"better: higher\nsource:\n  database: dw\n  query: {query}\n"
    )
    path.write_text(text)
    with (repo / "kpis/scorecard.yaml").open("a") as file:
        file.write('databases:\n  dw: {url: "${KPI_TEST_PG}"}\n')
    return repo


def pull(repo: Path, url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["pull", *args, "--repo", str(repo)], env={"KPI_TEST_PG": url}
    )
    return result.exit_code, result.stdout, result.stderr


def test_dates_numerics_and_segments_are_recorded(warehouse: Server, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, warehouse.url(), "SELECT month, value, segment FROM orders")
    code, out, err = pull(repo, warehouse.url())
    assert code == 0, out + err
    kpi = load_scorecard(repo)[0].kpis["orders"]
    assert kpi.values[MAY] == 130.5
    assert {name: months[MAY] for name, months in kpi.segments.items()} == {
        "web": 80,
        "shop": 50.5,
    }
    assert "- **New values:** May 2026: 130" in out


def test_percent_signs_reach_the_server_as_written(warehouse: Server, tmp_path: Path) -> None:
    query = "\"SELECT '2026-05' AS month, length('a%sb:x') AS value\""
    repo = repo_with(tmp_path, warehouse.url(), query)
    code, out, err = pull(repo, warehouse.url())
    assert code == 0, out + err
    assert load_scorecard(repo)[0].kpis["orders"].values[MAY] == 6


def test_a_query_of_100000_rows_is_read(warehouse: Server, tmp_path: Path) -> None:
    query = (
        "\"SELECT to_char(DATE '1200-01-01' + make_interval(months => i), 'YYYY-MM') AS month,"
        ' i * 0.5 AS value FROM generate_series(0, 99999) AS i"'
    )
    repo = repo_with(tmp_path, warehouse.url(), query)
    code, out, err = pull(repo, warehouse.url(), "--month", "2026-05")
    assert code == 0, out + err
    months_since_1200 = (2026 - 1200) * 12 + 4
    assert load_scorecard(repo)[0].kpis["orders"].values[MAY] == months_since_1200 * 0.5


def test_a_failed_query_does_not_stop_the_next_one(warehouse: Server, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, warehouse.url(), "SELECT month, value FROM no_such_table")
    spend = repo / SPEND
    spend.write_text(
        spend.read_text().replace(
            "better: lower\n",
            "better: lower\nsource: {database: dw, query: \"SELECT 'x' AS month, 1 AS value\"}\n",
        )
    )
    before = (repo / ORDERS).read_bytes(), spend.read_bytes()
    code, out, _ = pull(repo, warehouse.url())
    assert code == 1
    assert out == (
        f'{ORDERS}:8: error: source: the query failed: relation "no_such_table" does not exist\n'
        f"{SPEND}:6: error: source: row 1: month 'x' is not a month "
        "(expected YYYY-MM text or a date)\n"
    )
    assert ((repo / ORDERS).read_bytes(), spend.read_bytes()) == before


def test_a_statement_timeout_is_an_error_at_the_query(warehouse: Server, tmp_path: Path) -> None:
    url = warehouse.url(query="?options=-c%20statement_timeout%3D200")
    repo = repo_with(tmp_path, url, "SELECT '2026-05' AS month, 1 AS value FROM pg_sleep(5)")
    code, out, _ = pull(repo, url)
    assert (code, out) == (
        1,
        f"{ORDERS}:8: error: source: the query failed: "
        "canceling statement due to statement timeout\n",
    )


def test_a_wrong_password_is_refused_without_showing_it(warehouse: Server, tmp_path: Path) -> None:
    url = warehouse.url(password="wrong-Pw-77")
    repo = repo_with(tmp_path, url, "SELECT month, value FROM orders")
    code, out, err = pull(repo, url)
    assert code == 1
    assert out.startswith(f"{ORDERS}:8: error: source: cannot connect: ")
    assert f'password authentication failed for user "{USER}"' in out
    assert "wrong-Pw-77" not in out + err
    assert out.count("\n") == 1


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    url = f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{port}/dw?connect_timeout=2"
    repo = repo_with(tmp_path, url, "SELECT month, value FROM orders")
    try:
        code, out, err = pull(repo, url)
    finally:
        for connection in accepted:
            connection.close()
        listener.close()
    assert code == 1
    assert out.startswith(f"{ORDERS}:8: error: source: cannot connect: ")
    assert "timeout" in out
    assert PASSWORD not in out + err
