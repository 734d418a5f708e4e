"""Real builds of fixture scorecards in temporary copies (contract section 4)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kpi_scorecard import site
from kpi_scorecard.cli import main
from kpi_scorecard.model import FIGURE_FIELDS, PACING_FIELDS

MKDOCS = Path(sys.executable).parent / "mkdocs"


def build(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(repo), *args])
    return result.exit_code, result.output


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def built(valid_repo: Path) -> Path:
    code, output = build(valid_repo)
    assert code == 0, output
    return valid_repo / "site"


def test_the_site_has_the_contract_urls(built: Path) -> None:
    for page in ("index.html", "kpis/orders/index.html", "kpis/cost_per_order/index.html"):
        assert (built / page).is_file(), page
    assert (built / "data" / "scorecard.json").is_file()
    assert (built / "data" / "values.csv").is_file()


def test_scorecard_json_has_every_figure_and_the_presenter(built: Path) -> None:
    document = json.loads((built / "data" / "scorecard.json").read_text())
    assert document["as_of"] == "2026-04"
    orders = next(k for k in document["kpis"] if k["id"] == "orders")
    identity = ["id", "name", "category", "owner", "better", "unit", "presenter"]
    assert list(orders) == identity + list(FIGURE_FIELDS) + list(PACING_FIELDS)
    assert orders["value"] is None and orders["status"] == "missing"
    assert orders["previous"] == 118
    assert orders["presenter"] in {"bob", "cy"}  # never the owner, ann
    spend = next(k for k in document["kpis"] if k["id"] == "spend")
    # fiscal year from April: 2026-04 alone; sum aggregate
    assert spend["ytd"] == 4900
    assert spend["mom_change"] == -200
    assert spend["mom_pct"] == pytest.approx(-200 / 5100)
    # everyone on the roster is close to spend: anyone but its owner bob presents it
    assert spend["presenter"] in {"ann", "cy"}


def test_scorecard_json_has_the_pacing_of_the_fiscal_year(built: Path) -> None:
    document = json.loads((built / "data" / "scorecard.json").read_text())
    spend = next(k for k in document["kpis"] if k["id"] == "spend")
    # FY2027 from 2026-04, target 5000 a month, summed; nothing a year before, so the run
    # rate: the mean of 2026-01..04 = 5000; 4900 + 11 x 5000 = 59900 against 60000
    assert (spend["target_ytd"], spend["target_fy"], spend["forecast_fy"]) == (5000, 60000, 59900)
    assert spend["ytd_gap_pct"] == pytest.approx(-0.02)  # (4900 - 5000) / 5000
    assert spend["forecast_gap_pct"] == pytest.approx(-100 / 60000)
    assert spend["pace"] == "green"  # lower is better
    orders = next(k for k in document["kpis"] if k["id"] == "orders")
    assert orders["ytd_gap_pct"] is None  # nothing reported in FY2027 yet
    assert orders["forecast_fy"] == 12 * 104  # run rate (90 + 104 + 118) / 3, twelve months


def test_quarterly_and_yearly_review_packs(built: Path) -> None:
    quarter = (built / "reviews" / "FY2027-Q1" / "index.html").read_text()
    assert "Quarterly review FY2027-Q1" in quarter
    assert "not complete: up to Apr 2026" in quarter
    year = (built / "reviews" / "FY2026" / "index.html").read_text()
    assert "Yearly review FY2026" in year and "(complete)" in year
    assert "Spring promotion." in year  # the note of 2026-02, a month of FY2026
    index = (built / "reviews" / "index.html").read_text()
    assert 'href="../reviews/FY2027-Q1/"' in index and 'href="../reviews/FY2026/"' in index
    kpi = (built / "kpis" / "spend" / "index.html").read_text()
    assert (
        "FY2027 (Apr 2026 to Mar 2027): on pace. Forecast €59" in kpi
        and 'href="../../reviews/FY2026-Q4/"' in kpi
    )


def test_periods_csv_has_every_fiscal_quarter_and_year(built: Path) -> None:
    rows = list(csv.reader((built / "data" / "periods.csv").open()))
    assert rows[0] == ["kpi", "period", "value", "target", "status", "months", "complete"]
    spend = [row[1:] for row in rows if row[0] == "spend"]
    assert spend == [
        ["FY2026-Q4", "15100", "15000", "amber", "3", "true"],  # 4800 + 5200 + 5100
        ["FY2026", "15100", "60000", "green", "3", "true"],  # against all 12 months' targets
        ["FY2027-Q1", "4900", "5000", "green", "1", "false"],  # 2026-04 only, up to as_of
        ["FY2027", "4900", "5000", "green", "1", "false"],
    ]
    # orders has no target before 2026-01: none for FY2026, which starts 2025-04
    assert ["orders", "FY2026", "312", "", "no_target", "3", "true"] in rows


def test_values_csv_is_long_format(built: Path) -> None:
    rows = list(csv.reader((built / "data" / "values.csv").open()))
    assert rows[0] == ["kpi", "month", "value", "target", "status"]
    assert ["orders", "2026-02", "104", "100", "green"] in rows
    assert ["orders", "2026-03", "118", "120", "amber"] in rows
    assert ["orders", "2026-04", "", "120", "missing"] in rows
    assert ["cost_per_order", "2026-01", str(4800 / 90), "45", "red"] in rows
    assert len(rows) == 1 + 4 + 4 + 4


def test_plotly_is_served_from_the_site_once(built: Path) -> None:
    bundle = (built / "assets" / "kpi" / "plotly-basic.min.js").read_text()
    assert bundle.startswith("/**\n* plotly.js (basic - minified) v")
    assert "MIT" in (built / "assets" / "kpi" / "plotly-basic.LICENSE.txt").read_text()
    assert not (built / "assets" / "kpi" / "plotly.min.js").exists()  # the full bundle is not
    pages = [p.read_text() for p in built.rglob("*.html")]
    assert not any("cdn.plot.ly" in page or "cdn.jsdelivr" in page for page in pages)
    assert not any("fonts.googleapis" in page for page in pages)
    assert sum("plotly-basic.min.js" in page for page in pages) == 0  # loaded by kpi.js
    assert "plotly-basic.min.js" in (built / "assets" / "kpi" / "kpi.js").read_text()


def test_search_indexes_names_descriptions_notes_and_people_not_numbers(built: Path) -> None:
    index = json.loads((built / "search" / "search_index.json").read_text())
    text = {doc["location"]: f"{doc['title']} {doc['text']}" for doc in index["docs"]}
    orders = " ".join(t for place, t in text.items() if place.startswith("kpis/orders/"))
    assert "Orders placed." in orders  # the description
    assert "Spring promotion." in orders  # a note
    assert "Ann" in orders and "sales" in orders  # the owner and category of the definition
    assert "Tolerance" not in orders  # the definition's list of numbers is not searched
    assert "104" not in orders and "data-chart" not in orders  # values, chart data
    assert any(place.startswith("people/ann/") for place in text)
    assert not any(place.startswith("reviews/20") for place in text)
    page = (built / "kpis" / "orders" / "index.html").read_text()
    assert "KPISCORECARDBLOCK" not in page and "kpi-notes" not in page
    assert page.count('class="kpi-chart"') == 1 and "<td><p>Spring promotion.</p>" in page


def test_anchors_of_generated_pages_are_checked_from_hand_written_pages(
    valid_repo: Path,
) -> None:
    config = valid_repo / "mkdocs.yml"
    config.write_text(config.read_text() + "validation:\n  anchors: warn\n")
    page = valid_repo / "site_src" / "how-to-edit.md"
    page.write_text("# How to edit\n\nSee [the months](kpis/orders.md#monthly-values).\n")
    assert run_mkdocs(valid_repo, "build").returncode == 0
    page.write_text("# How to edit\n\nSee [the months](kpis/orders.md#no-such-part).\n")
    result = run_mkdocs(valid_repo, "build")
    assert "does not contain an anchor '#no-such-part'" in result.stderr


def test_kpi_pages_stay_out_of_the_navigation(built: Path) -> None:
    overview = (built / "index.html").read_text()
    kpi = (built / "kpis" / "orders" / "index.html").read_text()
    assert 'href="kpis/spend/"' in overview
    assert "Cost per order" not in kpi.split('class="md-content"')[0]


def test_a_failed_build_leaves_the_last_site_as_it_was(valid_repo: Path) -> None:
    code, _ = build(valid_repo)
    assert code == 0
    before = tree_digest(valid_repo / "site")
    orders = valid_repo / "kpis" / "sales" / "orders.yaml"
    orders.write_text(orders.read_text().replace("owner: ann", "owner: anna"))
    code, output = build(valid_repo)
    assert code == 1
    assert "kpis/sales/orders.yaml:4: error: owner: unknown person 'anna'" in output
    assert tree_digest(valid_repo / "site") == before
    assert not list(valid_repo.glob(".site-*"))


def test_plain_mkdocs_build_stops_before_cleaning_the_site(valid_repo: Path) -> None:
    marker = valid_repo / "site" / "last-good.txt"
    marker.parent.mkdir()
    marker.write_text("kept")
    orders = valid_repo / "kpis" / "sales" / "orders.yaml"
    orders.write_text(orders.read_text().replace("2026-02: 104", "2026-02: .nan"))
    result = run_mkdocs(valid_repo, "build")
    assert result.returncode != 0
    assert "kpis/sales/orders.yaml:10: error: values 2026-02: .nan is not a finite number" in (
        result.stderr
    )
    assert marker.read_text() == "kept"


def test_strict_build_fails_on_a_scorecard_warning(valid_repo: Path) -> None:
    result = run_mkdocs(valid_repo, "build", "--strict")
    assert result.returncode != 0
    assert "kpis/cost_per_order.yaml:10: warning: formula: no value for 2026-04" in result.stderr


def run_mkdocs(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    return subprocess.run(
        [str(MKDOCS), *args], cwd=repo, capture_output=True, text=True, env=env, timeout=120
    )


def test_links_work_without_directory_urls(valid_repo: Path) -> None:
    config = valid_repo / "mkdocs.yml"
    config.write_text(config.read_text() + "use_directory_urls: false\n")
    code, output = build(valid_repo)
    assert code == 0, output
    overview = (valid_repo / "site" / "index.html").read_text()
    assert 'href="kpis/orders.html"' in overview
    page = (valid_repo / "site" / "kpis" / "cost_per_order.html").read_text()
    assert 'href="../kpis/orders.html"' in page


HOSTILE_NAME = "<script>alert('name')</script> & *stars*"
HOSTILE_DESCRIPTION = (
    "See [this](javascript:alert('link')) and <img src=x onerror=alert('img')>"
    " <script>alert('desc')</script>"
)
HOSTILE_NOTE = "</td></tr></table><script>alert('note')</script>\"'><b onclick=alert(1)>x</b>"


def test_contributor_text_is_content_never_markup(valid_repo: Path) -> None:
    orders = valid_repo / "kpis" / "sales" / "orders.yaml"
    text = orders.read_text()
    text = text.replace("name: Orders", f"name: {json.dumps(HOSTILE_NAME)}")
    text = text.replace(
        "description: Orders placed.", f"description: {json.dumps(HOSTILE_DESCRIPTION)}"
    )
    text = text.replace("2026-02: Spring promotion.", f"2026-02: {json.dumps(HOSTILE_NOTE)}")
    orders.write_text(text)
    people = valid_repo / "kpis" / "people.yaml"
    people.write_text(people.read_text().replace("Ann Archer", "'<i>Ann</i>'"))
    code, output = build(valid_repo)
    assert code == 0, output
    for page in (valid_repo / "site").rglob("*.html"):
        html = page.read_text()
        assert "<i>Ann</i>" not in html
        assert not active_markup(html), page
    page = (valid_repo / "site" / "kpis" / "orders" / "index.html").read_text()
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in page
    assert "*stars*" in page  # shown as written, not emphasis


class _ActiveMarkup(HTMLParser):
    """Collects what a browser would run from contributors: event handlers, javascript: URLs,
    and inline scripts that carry the hostile fixtures' alert() calls."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in {"href", "src"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        self.in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and "alert(" in data:
            self.found.append(f"<script>{data}")


def active_markup(html: str) -> list[str]:
    parser = _ActiveMarkup()
    parser.feed(html)
    return parser.found


def test_hooks_written_before_skeleton_pages_still_build_whole_pages(valid_repo: Path) -> None:
    (valid_repo / "hooks" / "scorecard.py").write_text(
        "from kpi_scorecard.site import on_nav, on_page_markdown, on_post_build, on_pre_build\n"
    )
    code, output = build(valid_repo)
    assert code == 0, output
    page = (valid_repo / "site" / "kpis" / "orders" / "index.html").read_text()
    assert "KPISCORECARDBLOCK" not in page
    assert 'class="kpi-chart"' in page and "<td><p>Spring promotion.</p>" in page


def copy_of(repo: Path, folder: Path) -> Path:
    """The scorecard's files (not its site) in ``folder``."""
    for name in ("kpis", "site_src", "hooks", "mkdocs.yml"):
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            shutil.copy(source, folder / name)
    return folder


def without_hooks(repo: Path, *names: str) -> None:
    """hooks/scorecard.py as an older ``kpi init`` wrote it, before it re-exported ``names``."""
    hooks = repo / "hooks" / "scorecard.py"
    text = hooks.read_text()
    for name in names:
        text = text.replace(f"    {name},\n", "").replace(f'    "{name}",\n', "")
    hooks.write_text(text)


def test_hooks_from_before_in_memory_files_get_the_same_site(
    built: Path, valid_repo: Path, tmp_path: Path
) -> None:
    older = copy_of(valid_repo, tmp_path / "older")
    without_hooks(older, "on_files")  # the gen-files script writes the files instead
    code, output = build(older)
    assert code == 0, output
    assert "does not re-export on_files" in output  # and says how to be faster
    # the same, but for mkdocs-material's files no page loads, which on_files leaves out
    theme_extras = {
        path: digest
        for path, digest in tree_digest(older / "site").items()
        if path.endswith(".map") or path.startswith("assets/javascripts/lunr/")
    }
    assert theme_extras and tree_digest(older / "site") == {**tree_digest(built), **theme_extras}


def test_hooks_from_before_skeleton_pages_still_build_every_page(
    built: Path, valid_repo: Path, tmp_path: Path
) -> None:
    older = copy_of(valid_repo, tmp_path / "older")
    without_hooks(older, "on_files", "on_page_content", "on_post_page")
    code, output = build(older)
    assert code == 0, output
    assert "go through Markdown whole" in output
    assert tree_digest(older / "site").keys() >= tree_digest(built).keys()
    page = (older / "site" / "kpis" / "orders" / "index.html").read_text()
    assert "Monthly values" in page and "kpi-chart" in page


def site_files(site: Path, under: str) -> set[str]:
    return {p.relative_to(site).as_posix() for p in (site / under).rglob("*") if p.is_file()}


def test_the_site_leaves_out_the_theme_files_no_page_loads(built: Path) -> None:
    assets = site_files(built, "assets")
    assert not any(path.endswith(".map") for path in assets)  # for the theme's own developers
    assert not any(path.startswith("assets/javascripts/lunr/") for path in assets)  # English
    assert any(path.startswith("assets/javascripts/workers/search.") for path in assets)
    assert any(path.startswith("assets/javascripts/bundle.") for path in assets)


def test_a_search_in_other_languages_keeps_the_files_its_worker_loads(valid_repo: Path) -> None:
    config = valid_repo / "mkdocs.yml"
    text = config.read_text()
    assert "\n  - search\n" in text
    config.write_text(text.replace("\n  - search\n", "\n  - search:\n      lang: [en, de, ja]\n"))
    code, output = build(valid_repo)
    assert code == 0, output
    lunr = {
        path.removeprefix("assets/javascripts/lunr/")
        for path in site_files(valid_repo / "site", "assets/javascripts/lunr")
    }
    expected = {"min/lunr.de.min.js", "min/lunr.ja.min.js", "tinyseg.js", "min/lunr.multi.min.js"}
    assert lunr == expected | {"min/lunr.stemmer.support.min.js"}


def test_a_gen_files_script_of_the_team_can_add_to_a_generated_page(valid_repo: Path) -> None:
    (valid_repo / "hooks" / "extra.py").write_text(
        "import mkdocs_gen_files\n\n"
        "with mkdocs_gen_files.open('index.md', 'a') as page:\n"
        "    page.write('\\n\\nWords the team adds to the overview.\\n')\n"
    )
    config = valid_repo / "mkdocs.yml"
    text = config.read_text()
    assert "        - hooks/gen_pages.py\n" in text
    config.write_text(
        text.replace("- hooks/gen_pages.py\n", "- hooks/gen_pages.py\n        - hooks/extra.py\n")
    )
    code, output = build(valid_repo)
    assert code == 0, output
    overview = (valid_repo / "site" / "index.html").read_text()
    assert "Words the team adds to the overview." in overview
    assert "Needs attention" in overview  # still the generated overview


def _mkdocs_build(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    mkdocs = Path(sys.executable).parent / "mkdocs"
    return subprocess.run(
        [str(mkdocs), "build", "-q", *args], cwd=repo, capture_output=True, text=True
    )


def test_mkdocs_build_leaves_nothing_of_the_last_site_but_what_mkdocs_keeps(
    valid_repo: Path,
) -> None:
    """The last site's files are deleted while the build goes on (site._start_emptying):
    afterwards site/ is what a build writes, plus the hidden files mkdocs never deletes."""
    assert _mkdocs_build(valid_repo).returncode == 0
    built = tree_digest(valid_repo / "site")
    (valid_repo / "site" / "stale.html").write_text("from an older build")
    (valid_repo / "site" / "kpis" / "gone").mkdir()
    (valid_repo / "site" / ".nojekyll").write_text("")
    ran = _mkdocs_build(valid_repo)
    assert ran.returncode == 0, ran.stderr
    after = tree_digest(valid_repo / "site")
    assert after.pop(".nojekyll") == hashlib.sha256(b"").hexdigest()
    assert after == built
    assert not (valid_repo / "site" / site.OLD_SITE).exists()
    (valid_repo / "site" / "stale.html").write_text("kept by --dirty")
    assert _mkdocs_build(valid_repo, "--dirty").returncode == 0
    assert (valid_repo / "site" / "stale.html").read_text() == "kept by --dirty"


def test_mkdocs_build_ends_as_it_would_without_freeing_its_objects(valid_repo: Path) -> None:
    """on_shutdown ends the process: what it printed and its exit handlers are all there."""
    hook = valid_repo / "hooks" / "at_exit.py"
    hook.write_text(
        "import atexit, pathlib\n"
        "atexit.register(pathlib.Path('exit-handler-ran').write_text, 'yes')\n"
    )
    config = valid_repo / "mkdocs.yml"
    config.write_text(config.read_text().replace("hooks:\n", "hooks:\n  - hooks/at_exit.py\n", 1))
    result = run_mkdocs(valid_repo, "build")
    assert result.returncode == 0, result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("INFO    -  Documentation built in")
    assert (valid_repo / "exit-handler-ran").read_text() == "yes"
    assert (valid_repo / "site" / "kpis" / "orders" / "index.html").is_file()


def test_a_build_that_fails_after_its_pages_still_exits_with_an_error(valid_repo: Path) -> None:
    """A plugin that fails after our on_post_build (as mkdocs' strict mode does there)."""
    hook = valid_repo / "hooks" / "late.py"
    hook.write_text(
        "from mkdocs.plugins import event_priority\n"
        "@event_priority(-50)\n"
        "def on_post_build(config):\n"
        "    raise RuntimeError('a late failure')\n"
    )
    config = valid_repo / "mkdocs.yml"
    config.write_text(config.read_text().replace("hooks:\n", "hooks:\n  - hooks/late.py\n", 1))
    result = run_mkdocs(valid_repo, "build")
    assert result.returncode == 1
    assert "a late failure" in result.stderr


def test_a_program_that_runs_mkdocs_build_in_its_process_goes_on(valid_repo: Path) -> None:
    from mkdocs.__main__ import cli

    from kpi_scorecard import site

    result = CliRunner().invoke(cli, ["build", "-q", "-f", str(valid_repo / "mkdocs.yml")])
    assert result.exit_code == 0, result.output
    assert site._built and site._command == "build"  # on_shutdown ran, and returned


def test_the_build_reads_with_the_collector_paused_and_gives_it_back(
    valid_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    seen: list[bool] = []
    prepare = site.prepare

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return prepare(*args, **kwargs)

    monkeypatch.setattr(site, "prepare", watched)
    site.build_site(valid_repo)
    assert seen == [False]
    assert gc.isenabled() and gc.get_freeze_count() == 0  # as the build found it
    gc.disable()  # a program that runs without the collector keeps it so
    try:
        site.build_site(valid_repo)
        assert not gc.isenabled()
    finally:
        gc.enable()
