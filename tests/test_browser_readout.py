"""The HTML readout in a real browser, as a mail client would open it: from a file, with no
network. Screenshots at desktop and phone widths go to test-artifacts/."""

from __future__ import annotations

import functools
import http.server
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Route, sync_playwright

from kpi_scorecard.audit.history import History
from kpi_scorecard.cli import main
from kpi_scorecard.render.readout import build_readout
from kpi_scorecard.render.readout_html import readout_html
from kpi_scorecard.repository import load_repository

from .conftest import PROJECT, GitRepo
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

SITE = "https://kpi.example.com/"


@pytest.fixture(scope="module")
def readout_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example scorecard's readout (it has red and amber KPIs, notes and moves)."""
    repository = load_repository(PROJECT)
    readout = build_readout(repository.scorecard, repository.results, History({}), None, SITE)
    path = tmp_path_factory.mktemp("readout") / "readout.html"
    path.write_text(readout_html(readout), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mail_browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"the browser tests need chromium at {CHROMIUM}", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_readout_renders_without_fetching_anything_and_fits_the_screen(
    mail_browser: Browser, readout_file: Path, width: int
) -> None:
    context = mail_browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    fetched: list[str] = []

    def record(route: Route) -> None:
        if route.request.url != readout_file.as_uri():
            fetched.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", record)
    page.goto(readout_file.as_uri())
    assert fetched == [], "the readout loads nothing: mail clients block remote content"
    assert page.locator("h1").inner_text().endswith("readout")
    # Each status is written out, and a KPI name links back to the site.
    assert page.get_by_text("off target").first.is_visible()
    link = page.locator("a", has_text="Marketing qualified leads").first
    assert link.get_attribute("href") == f"{SITE}kpis/mqls/"
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, f"the readout scrolls sideways at {width} px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"readout-{width}.png"), full_page=True)
    context.close()


# -- the new links on the site ----------------------------------------------------------------

REPO = "https://github.com/acme/scorecard"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served_fixture(kpi_repo: GitRepo) -> Iterator[str]:
    """The fixture scorecard, with a restatement and a repo_url, built and served on
    localhost."""
    kpi_repo.edit("kpis/sales/orders.yaml", "2026-01: 90", "2026-01: 92")
    kpi_repo.commit("Orders: January corrected", author="Bob Brown")
    config = kpi_repo.path / "mkdocs.yml"
    config.write_text(f"repo_url: {REPO}\n" + config.read_text())
    result = CliRunner().invoke(main, ["build", str(kpi_repo.path)])
    assert result.exit_code == 0, result.output
    handler = functools.partial(_QuietHandler, directory=str(kpi_repo.path / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_feed_and_ask_links_work_in_the_browser(
    mail_browser: Browser, served_fixture: str
) -> None:
    context = mail_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(served_fixture + "changes/")
    feed = page.get_by_role("link", name="Subscribe to the feed")
    assert feed.is_visible()
    with page.expect_response(lambda r: r.url.endswith("/feed.xml")) as response:
        feed.click()
    assert response.value.ok
    atom = ET.fromstring(response.value.body())
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in atom.iter()]
    assert "Orders: Jan 2026 restated from 90 to 92" in titles
    page.goto(served_fixture + "kpis/orders/")
    ask = page.get_by_role("link", name="Ask about this number: Orders, Apr 2026")
    assert ask.is_visible()
    query = parse_qs(urlsplit(ask.get_attribute("href") or "").query)
    assert query["title"] == ["Orders: — in Apr 2026"] and "@ann-a" in query["body"][0]
    page.goto(served_fixture + "reviews/2026-03/")
    row_link = page.get_by_role("link", name="Ask about this number: Spend, Mar 2026")
    assert row_link.is_visible()
    assert row_link.get_attribute("href", timeout=1000).startswith(f"{REPO}/issues/new?")  # type: ignore[union-attr]
    context.close()
