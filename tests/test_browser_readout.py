"""The HTML readout in a real browser, as a mail client would open it: from a file, with no
network. Screenshots at desktop and phone widths go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from kpi_scorecard.audit.history import History
from kpi_scorecard.render.readout import build_readout
from kpi_scorecard.render.readout_html import readout_html
from kpi_scorecard.repository import load_repository

from .conftest import PROJECT
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
