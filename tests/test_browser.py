"""The built example site in a real browser: Playwright driving Debian's chromium headless.

A session fixture builds the project's own example (kpis/, site_src/, hooks/, mkdocs.yml) in a
temporary copy and serves it on a free localhost port. Chromium comes from apt
(``make browser-deps``, or ``.ci/install-chromium``), axe-core from ``npm ci`` in tests/browser/;
when chromium is missing these tests fail with a message saying so, they never skip.
Screenshots of both palettes, and of the emails at a phone's and a mail client's width, are
written to test-artifacts/.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    expect,
    sync_playwright,
)

from kpi_scorecard.cli import main
from kpi_scorecard.figures.compute import compute
from kpi_scorecard.model import Kpi, Results, Scorecard
from kpi_scorecard.read.validate import load_scorecard
from kpi_scorecard.render.blocks import without_optional_end_tags
from kpi_scorecard.render.numbers import STATUS_LABELS
from kpi_scorecard.render.pages import render_pages
from kpi_scorecard.site import prepare

from .conftest import PROJECT, GitRepo, copy_example

ARTIFACTS = PROJECT / "test-artifacts"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A slow machine parses plotly.js and builds the search index on every load.
expect.set_options(timeout=15_000)
BROWSER_JS = Path(__file__).parent / "browser"
AXE = BROWSER_JS / "node_modules" / "axe-core" / "axe.min.js"

DESKTOP = {"width": 1280, "height": 900}
TABS = 6
"""Tabs loading pages at once when every page of the site is visited."""
PHONE = {"width": 390, "height": 844}

# Pages by their path under the site's URL. mkdocs-material makes the links in a page absolute:
# tests find them by how their href ends, a[href$='/kpis/traffic/'].
OVERVIEW = ""
KPI = "traffic"
"""The KPI page under test where one is enough: its description has a link in running text."""
KPI_PAGE = f"kpis/{KPI}/"
PAGES = {"overview": OVERVIEW, "kpi": KPI_PAGE}

SCHEMES = {"light": "default", "dark": "slate"}
"""Palette -> mkdocs-material's data-md-color-scheme."""
TOGGLES = {"light": "label[for='__palette_0']", "dark": "label[for='__palette_1']"}
"""Palette -> the header button that switches to it (only the other palette's is shown)."""


# -- the example site, served ------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def example_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("example")


@pytest.fixture(scope="session")
def server_url(example_dir: Path) -> Iterator[str]:
    """An HTTP server on a free port of localhost for the example's site/ folder."""
    handler = functools.partial(_QuietHandler, directory=str(example_dir / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def example(example_dir: Path, server_url: str) -> Path:
    """A copy of the project's example scorecard, built with ``kpi build`` into the folder the
    server serves.

    The copy's mkdocs.yml gets the server's URL as ``site_url``, as a deployment sets its own:
    mkdocs-material's instant navigation only follows links to the URLs of sitemap.xml, which
    mkdocs writes from ``site_url`` (the protocol and host name may differ, the port may not).
    """
    copy_example(example_dir)
    config = example_dir / "mkdocs.yml"
    lines = [line for line in config.read_text().splitlines() if not line.startswith("site_url:")]
    config.write_text("\n".join([*lines, f"site_url: {server_url}", ""]))
    result = CliRunner().invoke(main, ["build", str(example_dir)])
    assert result.exit_code == 0, result.output or repr(result.exception)
    return example_dir


@pytest.fixture(scope="session")
def site_url(example: Path, server_url: str) -> str:
    """The URL of the built example site, ending in '/'."""
    return server_url


@pytest.fixture(scope="session")
def scorecard(example: Path) -> Scorecard:
    return load_scorecard(example)[0]


@pytest.fixture(scope="session")
def results(scorecard: Scorecard) -> Results:
    return compute(scorecard)[0]


# -- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"the browser tests need Debian's chromium at {CHROMIUM}, which is missing: "
            "run `make browser-deps` (or `.ci/install-chromium`)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (own storage, so the palette starts light) at desktop size."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from tests/browser/node_modules, installed with ``npm ci`` when missing."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                f"axe-core is not installed in {BROWSER_JS} and npm is missing: "
                "run `make browser-deps`",
                pytrace=False,
            )
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_JS, check=True, timeout=300
        )
    return AXE


# -- helpers -----------------------------------------------------------------------------------


def open_page(page: Page, site_url: str, path: str) -> None:
    """Load a page and wait until its charts are drawn."""
    page.goto(site_url + path)
    wait_for_charts(page)


def wait_for_charts(page: Page) -> None:
    """Every chart drawn in the current palette (kpi.js sets data-scheme when it is)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll(".kpi-chart")].every(
            (chart) => chart.querySelector("svg.main-svg")
                && chart.dataset.scheme === document.body.dataset.mdColorScheme)"""
    )


def use_palette(page: Page, palette: str) -> None:
    if page.get_attribute("body", "data-md-color-scheme") != SCHEMES[palette]:
        page.click(TOGGLES[palette])
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES[palette])
    wait_for_charts(page)


def chart_colours(page: Page) -> dict[str, str]:
    return dict(
        page.evaluate(
            """() => ({
                background: getComputedStyle(document.querySelector(".kpi-chart svg.main-svg"))
                    .backgroundColor,
                font: getComputedStyle(document.querySelector(".kpi-chart .xtick text")).fill,
                page: getComputedStyle(document.body).backgroundColor,
            })"""
        )
    )


def watch(page: Page) -> list[str]:
    """Console errors, uncaught exceptions and failed requests of ``page``, as they happen."""
    seen: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.append(f"console error: {message.text}")

    def response(response: Response) -> None:
        if response.status >= 400:
            seen.append(f"HTTP {response.status}: {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(f"uncaught: {error}"))
    page.on(
        "requestfailed", lambda request: seen.append(f"failed: {request.url} {request.failure}")
    )
    page.on("response", response)
    return seen


def html_pages(example: Path) -> list[str]:
    """The URL path of every HTML page of the built site."""
    site = example / "site"
    paths = []
    for file in sorted(site.rglob("*.html")):
        relative = file.relative_to(site).as_posix()
        paths.append(relative.removesuffix("index.html"))
    return paths


# -- 1. pages, charts, palette, errors ---------------------------------------------------------


def test_the_overview_shows_every_kpi_with_its_status(
    page: Page, site_url: str, scorecard: Scorecard, results: Results
) -> None:
    open_page(page, site_url, OVERVIEW)
    kpis: list[Kpi] = list(scorecard.kpis.values())
    assert len(kpis) > 10
    for kpi in kpis:
        status = results.figures[kpi.id].status
        row = page.locator("table.kpi-overview tr", has=page.locator(f"a[href$='/kpis/{kpi.id}/']"))
        expect(row).to_have_count(1)
        expect(row.locator("a")).to_have_text(kpi.name)
        expect(row.locator(f".kpi-status--{status}")).to_contain_text(STATUS_LABELS[status][1])


def test_a_kpi_chart_draws_on_a_direct_load(page: Page, site_url: str) -> None:
    page.goto(site_url + KPI_PAGE)
    expect(page.locator(".kpi-chart svg.main-svg").first).to_be_visible()


def test_a_kpi_chart_draws_after_instant_navigation_from_the_overview(
    page: Page, site_url: str, scorecard: Scorecard
) -> None:
    open_page(page, site_url, OVERVIEW)
    page.evaluate("window.sameDocument = true")
    page.click(f"table.kpi-overview a[href$='/{KPI_PAGE}']")
    expect(page).to_have_url(site_url + KPI_PAGE)
    expect(page.locator(".md-content h1")).to_contain_text(scorecard.kpis[KPI].name)
    expect(page.locator(".kpi-chart svg.main-svg").first).to_be_visible()
    assert page.evaluate("window.sameDocument"), "the page was reloaded, not instant navigation"


def test_the_palette_toggle_rethemes_the_chart(page: Page, site_url: str) -> None:
    open_page(page, site_url, KPI_PAGE)
    light = chart_colours(page)
    use_palette(page, "dark")
    dark = chart_colours(page)
    assert dark["background"] != light["background"]
    assert dark["font"] != light["font"]
    assert dark["background"] == dark["page"], "the chart does not sit on the page's background"
    use_palette(page, "light")
    assert chart_colours(page) == light


SEGMENTED_KPI_PAGE = "kpis/paid_spend/"
"""A KPI page with a target, notes, a tolerance band and a chart by segment."""


def drawn_trace_colours(page: Page) -> list[dict[str, str]]:
    """Each drawn trace's role, the colour plotly drew it in, and its role's palette colour."""
    return page.evaluate(
        """() => [...document.querySelectorAll(".kpi-chart")].flatMap((chart) =>
            chart._fullData.filter((t) => typeof t.meta === "string").map((t) => ({
                role: t.meta,
                drawn: t.fill && t.fill !== "none" ? t.fillcolor
                    : t.mode && !t.mode.includes("lines")
                        ? (String(t.marker.symbol).endsWith("-open") ? t.marker.line : t.marker).color
                    : t.type === "bar" ? t.marker.color : t.line.color,
                palette: getComputedStyle(document.body)
                    .getPropertyValue("--kpi-chart-" + t.meta).trim(),
            })))"""
    )


@pytest.mark.parametrize("palette", SCHEMES)
def test_each_trace_is_drawn_in_its_roles_colour_and_only_the_target_in_red(
    page: Page, site_url: str, palette: str
) -> None:
    open_page(page, site_url, SEGMENTED_KPI_PAGE)
    use_palette(page, palette)
    traces = drawn_trace_colours(page)
    assert {"actual", "target", "band", "note", "segment-0"} <= {t["role"] for t in traces}
    target = next(t["palette"] for t in traces if t["role"] == "target")
    for trace in traces:
        assert trace["palette"], f"{trace['role']} has no colour in the palette"
        assert trace["drawn"].replace(" ", "") == trace["palette"].replace(" ", ""), trace
        assert trace["role"] == "target" or trace["palette"] != target, trace


HOVER_LONGEST_NOTE = """() => {
    const chart = document.querySelector(".kpi-chart");
    const curve = chart.data.findIndex((t) => t.meta === "actual");
    const notes = chart.data[curve].customdata.map((row) => row[4].length);
    const point = notes.indexOf(Math.max(...notes));
    Plotly.Fx.hover(chart, [{curveNumber: curve, pointNumber: point}]);
    return chart.data[curve].customdata[point][0];
}"""
"""Hover the Actual point of the month with the longest note; returns that month's label."""


def test_the_hover_of_a_noted_month_fits_a_phone_and_says_what_the_table_says(
    browser: Browser, site_url: str
) -> None:
    context = browser.new_context(viewport=PHONE, color_scheme="light")
    page = context.new_page()
    open_page(page, site_url, "kpis/conversion_rate/")
    month = page.evaluate(HOVER_LONGEST_NOTE)
    label = page.locator(".kpi-chart .hoverlayer .hovertext").first
    expect(label).to_be_visible()
    row = page.locator(".kpi-monthly tbody tr", has=page.locator(f"td:text-is('{month}')"))
    value = row.locator("td").nth(1).inner_text()
    note = " ".join(row.locator("td").nth(4).inner_text().split())
    lines = "el => [...el.querySelectorAll('tspan.line')].map((t) => t.textContent).join(' ')"
    said = " ".join(label.evaluate(lines).split())
    assert said.startswith(f"{month}: {value}"), said
    assert note[:40] in said, (note, said)
    box, chart = label.bounding_box(), page.locator(".kpi-chart").first.bounding_box()
    assert box and chart
    assert chart["x"] <= box["x"] and box["x"] + box["width"] <= chart["x"] + chart["width"]
    context.close()


def test_no_page_has_console_errors_or_failed_requests(
    browser: Browser, site_url: str, example: Path
) -> None:
    paths = html_pages(example)
    assert KPI_PAGE in paths and "404.html" in paths
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    # A few tabs load pages side by side: their waits for a quiet network overlap.
    tabs = [context.new_page() for _ in range(TABS)]
    problems = {tab: watch(tab) for tab in tabs}
    failures = {}
    try:
        for start in range(0, len(paths), TABS):
            batch = list(zip(tabs, paths[start : start + TABS], strict=False))
            for tab, path in batch:
                tab.goto(site_url + path, wait_until="commit")
            for tab, path in batch:
                tab.wait_for_load_state("networkidle")  # the search index comes after the load
                wait_for_charts(tab)
                if problems[tab]:
                    failures[path] = problems[tab].copy()
                    problems[tab].clear()
    finally:
        context.close()
    assert failures == {}


# -- 2. search ---------------------------------------------------------------------------------


def search(page: Page, query: str) -> None:
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query)


@pytest.mark.parametrize(
    ("query", "kpi"),
    [
        pytest.param("Cost per acquisition", "cpa", id="by-name"),
        pytest.param("churn", "customer_lifetime_value", id="by-a-word-of-the-description"),
        pytest.param("recalibrated", "customer_lifetime_value", id="by-a-word-of-a-note"),
    ],
)
def test_search_finds_a_kpi(
    page: Page, site_url: str, scorecard: Scorecard, query: str, kpi: str
) -> None:
    known = scorecard.kpis[kpi]
    written = [known.name, known.description, *known.notes.values()]
    assert any(query in text for text in written), "the example data changed"
    open_page(page, site_url, OVERVIEW)
    search(page, query)
    hit = page.locator(f".md-search-result__item a[href*='/kpis/{kpi}/?']")
    expect(hit.first).to_be_visible()
    expect(hit.first).to_contain_text(known.name)


# -- 3. a phone-sized screen -------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_no_horizontal_page_scroll_on_a_phone(browser: Browser, site_url: str, name: str) -> None:
    context = browser.new_context(viewport=PHONE, color_scheme="light")
    try:
        page = context.new_page()
        open_page(page, site_url, PAGES[name])
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_wide_tables_scroll_inside_their_box_on_a_phone(browser: Browser, site_url: str) -> None:
    context = browser.new_context(viewport=PHONE, color_scheme="light")
    try:
        page = context.new_page()
        open_page(page, site_url, "kpis/paid_spend/")  # its segments' table is wide
        wrap = page.locator(".kpi-table-wrap:has(table.kpi-segments)").first
        assert wrap.evaluate("(box) => box.scrollWidth > box.clientWidth"), "the table fits"
        assert wrap.evaluate("(box) => getComputedStyle(box).overflowX") == "auto"
        scrolled = wrap.evaluate("(box) => { box.scrollLeft = 100; return box.scrollLeft; }")
        assert scrolled > 0
        assert page.evaluate("window.scrollX") == 0
    finally:
        context.close()


# -- 3b. insight first: widths, words, notes -----------------------------------------------

WIDTHS = {"wide": {"width": 1400, "height": 900}, "phone": PHONE}
READ_PAGES = {
    "overview": OVERVIEW,
    "kpi": KPI_PAGE,
    "review": "reviews/2026-10/",
    "changes": "changes/",
}
"""The pages people read in the review meeting and in two minutes between meetings."""

SPLIT_WORDS = """() => {
    const split = [];
    for (const cell of document.querySelectorAll("table.kpi-table td, table.kpi-table th")) {
        if (!cell.offsetParent) continue;  // hidden (a filtered row)
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            // A word may end a line at its own hyphen (mid-market), as in print.
            for (const match of node.data.matchAll(/[^\\s-]+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                if (tops.size > 1) split.push(match[0]);
            }
        }
    }
    return split;
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", READ_PAGES)
def test_no_sideways_scroll_and_no_word_split_across_lines(
    browser: Browser, site_url: str, name: str, width: str
) -> None:
    context = browser.new_context(viewport=WIDTHS[width], color_scheme="light")
    try:
        page = context.new_page()
        open_page(page, site_url, READ_PAGES[name])
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.evaluate(SPLIT_WORDS) == []
    finally:
        context.close()


def noted_off_target(scorecard: Scorecard, results: Results) -> list[Kpi]:
    kpis = [
        kpi
        for kpi in scorecard.kpis.values()
        if results.figures[kpi.id].status in ("red", "amber") and results.as_of in kpi.notes
    ]
    assert kpis, "the example has red or amber KPIs with a note"
    return kpis


def first_words(note: str) -> str:
    return " ".join(note.split()[:6])


@pytest.mark.parametrize("width", WIDTHS)
def test_every_red_and_amber_note_is_visible_on_the_overview(
    browser: Browser, site_url: str, scorecard: Scorecard, results: Results, width: str
) -> None:
    context = browser.new_context(viewport=WIDTHS[width], color_scheme="light")
    try:
        page = context.new_page()
        open_page(page, site_url, OVERVIEW)
        for kpi in noted_off_target(scorecard, results):
            item = page.locator(
                ".kpi-attention-list li", has=page.locator(f"a[href$='/kpis/{kpi.id}/']")
            )
            note = item.locator(".kpi-attention-note")
            expect(note).to_be_visible()
            expect(note).to_contain_text(first_words(kpi.notes[results.as_of]))
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_kpi_pages_note_is_above_its_chart(
    browser: Browser, site_url: str, scorecard: Scorecard, results: Results, width: str
) -> None:
    context = browser.new_context(viewport=WIDTHS[width], color_scheme="light")
    try:
        page = context.new_page()
        for kpi in noted_off_target(scorecard, results)[:3]:
            open_page(page, site_url, f"kpis/{kpi.id}/")
            note = page.locator(".kpi-headline-note")
            expect(note).to_be_visible()
            expect(note).to_contain_text(first_words(kpi.notes[results.as_of]))
            note_box, chart_box = (
                note.bounding_box(),
                page.locator(".kpi-chart").first.bounding_box(),
            )
            assert note_box and chart_box and note_box["y"] < chart_box["y"]
    finally:
        context.close()


def test_tables_without_optional_end_tags_are_the_same_tables_to_the_browser(
    page: Page, example: Path
) -> None:
    """render/blocks.py leaves out </td>, </th> and </tr> in the blocks search does not read:
    the browser must build the very same document from them."""
    state, _ = prepare(example, with_history=False)
    tables = [
        chunk.strip("\n")
        for path, text in render_pages(state.data).items()
        if path.endswith(".md")
        for chunk in text.split("\n\n")
        if chunk.startswith("<") and "<table" in chunk and "data-search-exclude" in chunk
    ]
    assert len(tables) > 20
    different = page.evaluate(
        """(pairs) => {
            const parse = (html) =>
                new DOMParser().parseFromString(html, "text/html").body.innerHTML;
            return pairs.filter(([whole, short]) => parse(whole) !== parse(short)).length;
        }""",
        [[table, without_optional_end_tags(table)] for table in tables],
    )
    assert different == 0


def test_the_overview_filters_by_status(page: Page, site_url: str, results: Results) -> None:
    open_page(page, site_url, OVERVIEW)
    rows = page.locator("table.kpi-overview tbody tr")
    total = rows.count()
    page.select_option("select[data-kpi-filter=status]", "red")
    reds = sum(1 for f in results.figures.values() if f.status == "red")
    expect(page.locator("table.kpi-overview tbody tr:not([hidden])")).to_have_count(reds)
    page.select_option("select[data-kpi-filter=status]", "")
    expect(page.locator("table.kpi-overview tbody tr:not([hidden])")).to_have_count(total)


@pytest.mark.parametrize("palette", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", READ_PAGES)
def test_screenshots_of_the_pages_people_read(
    browser: Browser, site_url: str, name: str, width: str, palette: str
) -> None:
    context = browser.new_context(viewport=WIDTHS[width], color_scheme="light")
    try:
        page = context.new_page()
        open_page(page, site_url, READ_PAGES[name])
        use_palette(page, palette)
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}-{width}-{palette}.png"
        path.unlink(missing_ok=True)
        page.screenshot(path=path, full_page=True)
        assert path.read_bytes().startswith(b"\x89PNG")
    finally:
        context.close()


# -- 4. accessibility --------------------------------------------------------------------------


def status_texts(page: Page) -> list[str]:
    """The words of every status, without its aria-hidden icon."""
    return list(
        page.eval_on_selector_all(
            "[class^='kpi-status--']",
            """(statuses) => statuses.map((status) => {
                const words = status.cloneNode(true);
                words.querySelectorAll("[aria-hidden=true]").forEach((icon) => icon.remove());
                return words.textContent.trim();
            })""",
        )
    )


@pytest.mark.parametrize("name", PAGES)
def test_a_status_is_never_told_by_colour_alone(page: Page, site_url: str, name: str) -> None:
    open_page(page, site_url, PAGES[name])
    texts = status_texts(page)
    assert texts, "no status on the page"
    assert all(texts), texts


def test_every_chart_has_a_text_alternative(
    page: Page, site_url: str, scorecard: Scorecard
) -> None:
    for kpi in scorecard.kpis:
        open_page(page, site_url, f"kpis/{kpi}/")
        charts = page.locator(".kpi-chart")
        # the KPI's chart, a chart by segment (its table follows it) when it has segments, and
        # the year summed against its target path for a summed KPI
        segments = 1 if page.locator("#by-segment").count() else 0
        summed = page.locator(".kpi-chart--cumulative").count()
        expect(charts).to_have_count(1 + segments + summed)
        name = scorecard.kpis[kpi].name
        for chart in charts.all():
            expect(chart).to_have_attribute("role", "img")
            expect(chart).to_have_attribute("aria-label", re.compile(f"^{re.escape(name)}\\b.+"))
        expect(page.locator(".kpi-chart-alt a[href$='#monthly-values']")).to_have_count(1)
        expect(page.locator("#monthly-values")).to_have_count(1)


# axe-core rules left out, each for a third-party element we cannot change: none so far.
AXE_DISABLED: dict[str, str] = {}


@pytest.mark.parametrize("palette", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violations(
    page: Page, site_url: str, axe_script: Path, name: str, palette: str
) -> None:
    open_page(page, site_url, PAGES[name])
    use_palette(page, palette)
    page.add_script_tag(path=axe_script)
    violations = page.evaluate(
        """(disabled) => axe.run(document, {
            resultTypes: ["violations"],
            rules: Object.fromEntries(disabled.map((id) => [id, {enabled: false}])),
        }).then((results) => results.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({
                rule: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((node) => node.target.join(" ") + ": " + node.failureSummary),
            })))""",
        list(AXE_DISABLED),
    )
    assert violations == []


# -- 5. screenshots ----------------------------------------------------------------------------


@pytest.mark.parametrize("palette", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_screenshots_in_both_palettes(page: Page, site_url: str, name: str, palette: str) -> None:
    open_page(page, site_url, PAGES[name])
    use_palette(page, palette)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{palette}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG")


# -- issue 17: the HTML readout as a mail client opens it, the feed and ask links ---------------

READOUT_SITE = "https://kpi.example.com/"


@pytest.fixture(scope="module")
def emails(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The emails people get, as files: the example's monthly readout (red and amber KPIs,
    notes, moves) and its initiative's end summary, and the kick-off of the initiative
    fixture (every section of a plan)."""
    import dataclasses

    from kpi_scorecard.audit.history import History
    from kpi_scorecard.render.initiative import initiative_message, message_html
    from kpi_scorecard.render.readout import build_readout
    from kpi_scorecard.render.readout_html import readout_html
    from kpi_scorecard.repository import load_repository

    from .conftest import FIXTURES

    example = load_repository(PROJECT)
    readout = build_readout(example.scorecard, example.results, History({}), None, READOUT_SITE)
    (retro,) = example.retrospectives
    end = initiative_message(retro, example.scorecard, example.results, READOUT_SITE)
    plan = load_repository(FIXTURES / "initiative")
    before = dataclasses.replace(plan.scorecard.settings, as_of=plan.retrospectives[0].start - 1)
    scorecard = dataclasses.replace(plan.scorecard, settings=before)
    kick_off = initiative_message(
        plan.retrospectives[0], scorecard, compute(scorecard)[0], READOUT_SITE
    )
    assert (end.kind, kick_off.kind) == ("end summary", "kick-off")
    folder = tmp_path_factory.mktemp("emails")
    files = {
        "readout": readout_html(readout),
        "initiative-end-summary": message_html(end),
        "initiative-kick-off": message_html(kick_off),
    }
    for name, html in files.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    return {name: folder / f"{name}.html" for name in files}


MAIL_WIDTHS = {"phone": 390, "desktop": 800}
"""A phone, and the reading pane of a desktop mail client."""
EMAILS = {
    "readout": "readout",
    "initiative-end-summary": "end summary",
    "initiative-kick-off": "kick-off",
}
"""Each email of the emails fixture and how its heading ends."""


@pytest.mark.parametrize("width", MAIL_WIDTHS)
@pytest.mark.parametrize("name", EMAILS)
def test_emails_render_without_fetching_anything_and_fit_the_screen(
    browser: Browser, emails: dict[str, Path], name: str, width: str
) -> None:
    """Screenshots land in test-artifacts/email-<name>-<width>.png."""
    from playwright.sync_api import Route

    pixels = MAIL_WIDTHS[width]
    context = browser.new_context(viewport={"width": pixels, "height": 900})
    page = context.new_page()
    fetched: list[str] = []

    def record(route: Route) -> None:
        if route.request.url != emails[name].as_uri():
            fetched.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", record)
    page.goto(emails[name].as_uri())
    assert fetched == [], "an email loads nothing: mail clients block remote content"
    assert page.locator("h1").inner_text().endswith(EMAILS[name])
    if name == "readout":
        # Each status is written out, and a KPI name links back to the site.
        assert page.get_by_text("off target").first.is_visible()
        link = page.locator("a", has_text="Marketing qualified leads").first
        assert link.get_attribute("href") == f"{READOUT_SITE}kpis/mqls/"
    else:
        link = page.get_by_role("link", name="The initiative on the scorecard")
        assert (link.get_attribute("href") or "").startswith(f"{READOUT_SITE}retrospectives/")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, f"the email scrolls sideways at {pixels} px"
    # The message's column: 640 px on a desktop, the screen less a margin on a phone.
    column = page.locator("body > table table").first.bounding_box()
    assert column is not None and column["width"] == min(640, pixels - 16)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"email-{name}-{pixels}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG")
    context.close()


# -- the new links on the site ----------------------------------------------------------------

ASK_REPO = "https://github.com/acme/scorecard"


@pytest.fixture
def served_fixture(kpi_repo: GitRepo) -> Iterator[str]:
    """The fixture scorecard, with a restatement and a repo_url, built and served on
    localhost."""
    kpi_repo.edit("kpis/sales/orders.yaml", "2026-01: 90", "2026-01: 92")
    kpi_repo.commit("Orders: January corrected", author="Bob Brown")
    config = kpi_repo.path / "mkdocs.yml"
    config.write_text(f"repo_url: {ASK_REPO}\n" + config.read_text())
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


def test_the_feed_and_ask_links_work_in_the_browser(browser: Browser, served_fixture: str) -> None:
    import xml.etree.ElementTree as ET
    from urllib.parse import parse_qs, urlsplit

    from playwright.sync_api import Route

    context = browser.new_context(viewport={"width": 1280, "height": 900})
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
    # A click opens GitHub's new issue form in a new tab; GitHub is answered here (no network).
    asked: list[str] = []

    def github(route: Route) -> None:
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>New issue</title>")

    context.route(f"{ASK_REPO}/**", github)
    with context.expect_page() as opened:
        row_link.click()
    opened.value.wait_for_load_state()
    assert page.url == served_fixture + "reviews/2026-03/", "the scorecard stays open"
    (url,) = asked
    assert url.startswith(f"{ASK_REPO}/issues/new?")
    query = parse_qs(urlsplit(url).query)
    assert query["title"] == ["Spend: €5,100 in Mar 2026"]
    assert "**Spend** (`spend`) in Mar 2026" in query["body"][0]
    assert "Bob Brown (owner)" in query["body"][0]  # no github handle: the name
    context.close()
