"""kpi serve / mkdocs serve with a file that has errors: the pages list the errors (the browser
does not wait for a build that never comes), and fixing the file brings the site back."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpi_scorecard import site
from kpi_scorecard.errors import Problem
from kpi_scorecard.render.problems_page import nav_pages, problems_page
from kpi_scorecard.repository import load_repository

from .conftest import FIXTURES

KPI = Path(sys.executable).parent / "kpi"
ORDERS = "kpis/sales/orders.yaml"
BROKEN_OWNER = "owner: <b>Ann</b>"
"""An unknown person whose name is markup: the page must show it as text."""
WAIT = 60.0
"""The longest any step waits for the server (seconds); each poll is short."""


def mkdocs_build(repo: Path) -> Path:
    """One build as mkdocs serve runs it (a fresh config, the site in a folder of its own)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(repo / "mkdocs.yml"), site_dir=str(repo / "served"))
    config.plugins.on_startup(command="serve", dirty=False)
    build(config)
    return repo / "served"


@pytest.fixture
def serving(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(site, "_last_pages", ("index.md",))
    yield
    # on_startup set it all for the process (serving, dirty, pages remembered): later builds
    # are builds
    site.on_startup(command="build", dirty=False)


def break_orders(repo: Path) -> str:
    path = repo / ORDERS
    text = path.read_text()
    path.write_text(text.replace("owner: ann", BROKEN_OWNER))
    return text


def test_serving_a_scorecard_with_errors_shows_them_on_every_page_it_had(
    valid_repo: Path, serving: None
) -> None:
    served = mkdocs_build(valid_repo)
    assert "Orders" in (served / "kpis/orders/index.html").read_text()
    good = break_orders(valid_repo)
    served = mkdocs_build(valid_repo)
    expected = (
        "<code>kpis/sales/orders.yaml:4</code> error: owner: unknown person "
        "&#x27;&lt;b&gt;Ann&lt;/b&gt;&#x27; (expected a person id from kpis/people.yaml)"
    )
    for page in ("index.html", "kpis/orders/index.html", "tree/index.html"):
        html = (served / page).read_text()
        assert expected in html, page
        assert "<b>Ann</b>" not in html
    (valid_repo / ORDERS).write_text(good)
    served = mkdocs_build(valid_repo)
    assert "has errors" not in (served / "kpis/orders/index.html").read_text()
    assert (served / "data/scorecard.json").is_file()


def test_a_first_build_with_errors_shows_them_on_the_pages_the_navigation_names(
    valid_repo: Path, serving: None
) -> None:
    break_orders(valid_repo)
    served = mkdocs_build(valid_repo)
    for page in ("index.html", "changes/index.html", "reviews/index.html"):
        assert "owner: unknown person" in (served / page).read_text(), page


def test_a_build_that_is_not_serving_still_fails(valid_repo: Path) -> None:
    from mkdocs.exceptions import Abort

    break_orders(valid_repo)
    site._serving = False
    with pytest.raises(Abort):
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        build(load_config(str(valid_repo / "mkdocs.yml"), site_dir=str(valid_repo / "out")))


def test_the_problems_page_escapes_every_message() -> None:
    page = problems_page([Problem("kpis/<x>.yaml", 3, "name: '<script>' & more", "a <b>")])
    assert (
        "<li><code>kpis/&lt;x&gt;.yaml:3</code> error: name: &#x27;&lt;script&gt;&#x27; "
        "&amp; more (a &lt;b&gt;)</li>"
    ) in page
    assert "<script>" not in page


# -- the real server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str | None:
    """The page, or None while the server is not answering yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, wanted: str) -> str:
    deadline = time.monotonic() + WAIT
    page = None
    while time.monotonic() < deadline:
        page = fetch(url)
        if page is not None and wanted in page:
            return page
        time.sleep(0.3)
    raise AssertionError(f"{url} did not show {wanted!r} within {WAIT} s; last: {page!r:.300}")


def test_kpi_serve_shows_the_errors_and_comes_back_when_the_file_is_fixed(
    valid_repo: Path, tmp_path: Path
) -> None:
    good = break_orders(valid_repo)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:  # a file, not a pipe that could fill up and block the server
        server = subprocess.Popen(
            [str(KPI), "serve", str(valid_repo), "-a", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=output,
            env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"},
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            page = wait_for(url, "The scorecard has errors")
            assert "owner: unknown person &#x27;&lt;b&gt;Ann&lt;/b&gt;&#x27;" in page
            (valid_repo / ORDERS).write_text(good)
            wait_for(url + "kpis/orders/", "Orders placed.")
            assert "has errors" not in (fetch(url) or "")
        finally:
            server.terminate()
            server.wait(timeout=WAIT)
    assert "the scorecard has errors; the preview lists them" in log.read_text()


def test_the_pages_named_in_the_navigation_are_found_at_any_depth() -> None:
    nav = [
        {"Scorecard": "index.md"},
        "tree.md",
        {"Reviews": [{"All": "reviews/index.md"}, {"Site": "https://example.com/x.md"}]},
        {"Empty": None},
    ]
    assert nav_pages(nav) == ["index.md", "tree.md", "reviews/index.md"]


def test_a_scorecard_read_again_unchanged_is_not_computed_again(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "valid", repo)
    first = load_repository(repo)
    assert load_repository(repo).results is first.results  # kpi build reads it twice
    orders = repo / "kpis" / "sales" / "orders.yaml"
    orders.write_text(orders.read_text().replace("2026-03: 118", "2026-03: 121"))
    changed = load_repository(repo)
    assert changed.results is not first.results
    assert changed.results.figures["orders"] != first.results.figures["orders"]


# -- kpi serve's dirty rebuilds -------------------------------------------------------------------

SPEND = "kpis/sales/spend.yaml"


def serve_build(repo: Path, site_dir: Path) -> None:
    """One rebuild as kpi serve runs it: mkdocs' dirty build, plugins told so."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(repo / "mkdocs.yml"), site_dir=str(site_dir))
    config.plugins.on_startup(command="serve", dirty=True)
    build(config, dirty=True)


def whole_build(repo: Path, site_dir: Path) -> None:
    """The same site built from nothing, in a process of its own (this one keeps kpi serve's
    memory of what it wrote)."""
    subprocess.run(
        [str(KPI.parent / "mkdocs"), "build", "-q", "-d", str(site_dir)],
        cwd=repo,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "1"},
    )


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def written_at(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*.html")}


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text()
    assert old in text, (path, old)
    file.write_text(text.replace(old, new, 1))


def test_a_serve_rebuild_writes_only_what_changed_and_leaves_the_site_a_whole_build_makes(
    valid_repo: Path, tmp_path: Path, serving: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the same dates in both builds
    served = tmp_path / "served"
    serve_build(valid_repo, served)
    edits = [
        ("a value restated", lambda: edit(valid_repo, ORDERS, "2026-03: 118", "2026-03: 121")),
        ("a month added", lambda: edit(valid_repo, ORDERS, "2026-04: null", "2026-04: 130")),
        (
            "a KPI added",
            lambda: (valid_repo / "kpis/sales/leads.yaml").write_text(
                "name: Leads\ndescription: New leads.\ncategory: sales\nowner: bob\n"
                "better: higher\ntarget: 10\nvalues: {2026-01: 12}\n"
            ),
        ),
        ("a KPI removed", lambda: (valid_repo / "kpis/sales/leads.yaml").unlink()),
        ("a written page", lambda: edit(valid_repo, "site_src/how-to-edit.md", "# How", "# So")),
        ("mkdocs.yml", lambda: edit(valid_repo, "mkdocs.yml", "site_name: ", "site_name: Our ")),
    ]
    for step, (what, change) in enumerate(edits):
        before = written_at(served)
        change()
        serve_build(valid_repo, served)
        whole_build(valid_repo, tmp_path / f"whole{step}")
        assert contents(served) == contents(tmp_path / f"whole{step}"), what
        rewritten = {page for page, time in written_at(served).items() if before.get(page) != time}
        if what == "a value restated":
            assert "kpis/orders/index.html" in rewritten
            assert "kpis/spend/index.html" not in rewritten  # the point of it
        if what == "mkdocs.yml":
            assert rewritten == set(written_at(served))


def test_a_serve_rebuild_after_errors_are_fixed_writes_the_pages_again(
    valid_repo: Path, tmp_path: Path, serving: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    served = tmp_path / "served"
    serve_build(valid_repo, served)
    good = break_orders(valid_repo)
    serve_build(valid_repo, served)
    assert "owner: unknown person" in (served / "kpis/spend/index.html").read_text()
    (valid_repo / ORDERS).write_text(good)
    serve_build(valid_repo, served)
    whole_build(valid_repo, tmp_path / "whole")
    assert contents(served) == contents(tmp_path / "whole")
