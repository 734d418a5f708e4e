"""``kpi readout``: the month's executive summary as Markdown, plain text and an email."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.audit.changes import Change
from kpi_scorecard.audit.history import Entry, History
from kpi_scorecard.cli import main
from kpi_scorecard.figures.compute import compute
from kpi_scorecard.model import Scorecard, parse_month
from kpi_scorecard.render.readout import Readout, build_readout, readout_markdown, readout_text
from kpi_scorecard.render.readout_html import readout_html
from kpi_scorecard.repository import load_repository

from .conftest import FIXTURES, GitRepo
from .fuzz import budget
from .mail_html import mail_findings
from .test_render import check_golden

SITE = "https://kpi.example.com/scorecard/"


def at_month(scorecard: Scorecard, month: str) -> Scorecard:
    settings = dataclasses.replace(scorecard.settings, as_of=parse_month(month))
    return dataclasses.replace(scorecard, settings=settings)


HISTORY = History(
    {
        "orders": (
            Entry(
                "b" * 40,
                "2026-02-03T09:00:00+00:00",
                "Bob Brown",
                "Orders: January corrected",
                (Change("values", "2026-01", 88, 90, "restated"),),
            ),
            Entry(
                "a" * 40,
                "2026-01-20T09:00:00+00:00",
                "Ann Archer",
                "Before the last review",
                (Change("values", "2025-12", 70, 71, "restated"),),
            ),
        )
    }
)


def fixture_readout(month: str = "2026-02", site_url: str | None = SITE) -> Readout:
    scorecard = at_month(load_repository(FIXTURES / "valid").scorecard, month)
    results, _ = compute(scorecard)
    return build_readout(scorecard, results, HISTORY, f"{month}-01", site_url)


@pytest.mark.parametrize(
    ("writer", "golden"),
    [
        (readout_markdown, "readout_2026-02.md"),
        (readout_text, "readout_2026-02.txt"),
        (readout_html, "readout_2026-02.html"),
    ],
)
def test_each_format_matches_its_golden_file(writer, golden: str) -> None:  # type: ignore[no-untyped-def]
    check_golden(golden, writer(fixture_readout()))


def test_content_off_target_with_owner_moves_and_restatements_since_the_review() -> None:
    readout = fixture_readout()
    assert dict(readout.counts) == {"red": 1, "amber": 1, "green": 1}
    assert [(i.kpi.id, i.status) for i in readout.off_target] == [
        ("cost_per_order", "red"),
        ("spend", "amber"),
    ]
    assert readout.off_target[0].note is None and readout.off_target[0].owner == "Cy Clay"
    # The largest relative move first: orders +15.6 %, spend +8.3 %, cost per order -6.3 %.
    assert [m.kpi.id for m in readout.moves] == ["orders", "spend", "cost_per_order"]
    assert [m.better for m in readout.moves] == [True, False, True]
    # The fiscal year (from April) heads for a mean of €51.67 a month against €45.
    assert [(p.kpi.id, p.pace, p.forecast) for p in readout.pacing] == [
        ("cost_per_order", "red", "€51.67")
    ]
    # Only the restatement committed on or after the first day of the month.
    assert [(r.sentence, r.date, r.author) for r in readout.restatements] == [
        ("Jan 2026 restated from 88 to 90", "2026-02-03", "Bob Brown")
    ]


def test_a_percent_kpis_pace_is_off_by_points_not_a_relative_change() -> None:
    from .conftest import PROJECT

    repository = load_repository(PROJECT)
    readout = build_readout(repository.scorecard, repository.results, History({}))
    paces = {pace.kpi.id: pace for pace in readout.pacing}
    pacing = repository.results.pacing["conversion_rate"]
    assert pacing.forecast_fy is not None and pacing.target_fy is not None
    points = round(pacing.forecast_fy - pacing.target_fy, 2)
    assert paces["conversion_rate"].gap == f"{points:+.2f}\u00a0pp"


def test_a_note_explains_the_kpi_and_the_owner_is_named_with_the_github_handle() -> None:
    scorecard = at_month(load_repository(FIXTURES / "valid").scorecard, "2026-02")
    orders = dataclasses.replace(
        scorecard.kpis["orders"],
        target=dataclasses.replace(scorecard.kpis["orders"].target, constant=200.0),  # type: ignore[arg-type]
    )
    scorecard = dataclasses.replace(scorecard, kpis={**scorecard.kpis, "orders": orders})
    results, _ = compute(scorecard)
    readout = build_readout(scorecard, results, History({}))
    item = next(i for i in readout.off_target if i.kpi.id == "orders")
    assert item.note == "Spring promotion."
    assert item.owner == "Ann Archer (@ann-a)"
    assert "Spring promotion\\." in readout_markdown(readout)


def test_without_site_url_nothing_links_anywhere() -> None:
    readout = fixture_readout(site_url=None)
    assert "http" not in readout_html(readout) + readout_markdown(readout) + readout_text(readout)


class Elements(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


EMAIL_TAGS = {
    "html", "head", "meta", "title", "body", "table", "tr", "td", "h1", "h2", "p", "div",
    "span", "strong", "em", "a", "ul", "ol", "li", "code", "pre", "br", "b", "i", "blockquote",
    "del", "sub", "sup",
}  # fmt: skip
LAYOUT_ATTRIBUTES = {
    "style", "role", "width", "cellpadding", "cellspacing", "border", "align", "lang",
    "charset", "name", "content", "href", "title", "rel", "height", "valign", "bgcolor",
}  # fmt: skip


def assert_self_contained(html: str, site_url: str | None) -> None:
    """No script, stylesheet, image or frame; inline styles only, no flexbox or grid; links
    only to the site."""
    parser = Elements()
    parser.feed(html)
    assert parser.tags, "no HTML at all"
    for tag, attributes in parser.tags:
        assert tag in EMAIL_TAGS, tag
        assert set(attributes) <= LAYOUT_ATTRIBUTES, (tag, attributes)
        style = attributes.get("style") or ""
        assert "url(" not in style and "flex" not in style and "grid" not in style, style
        if tag == "a" and "href" in attributes:
            # ours link to the site; a contributor's (sanitised) note may link anywhere on
            # the web, but never by a relative address, which a mail client cannot follow
            href = attributes["href"] or ""
            assert site_url is not None, href
            assert href.startswith((site_url, "https://", "http://", "mailto:")), href
        if tag == "meta":
            assert attributes.get("http-equiv") is None
    assert mail_findings(html) == []


def test_html_is_one_self_contained_file_for_mail_clients() -> None:
    html = readout_html(fixture_readout())
    assert_self_contained(html, SITE)
    assert "<table" in html and "<style" not in html and "<script" not in html


hostile = st.text(alphabet=st.sampled_from(list("<>&\"' /=:ajvscriptimghttp[]()*#\n")), max_size=60)


@budget(60)
@given(name=hostile, note=hostile, title=hostile)
def test_contributor_text_stays_content_in_every_format(name: str, note: str, title: str) -> None:
    scorecard = at_month(load_repository(FIXTURES / "valid").scorecard, "2026-02")
    spend = scorecard.kpis["spend"]
    spend = dataclasses.replace(
        spend,
        name=name or "x",
        notes={parse_month("2026-02"): "<img src=http://x/t.png> " + note},  # type: ignore[dict-item]
    )
    scorecard = dataclasses.replace(
        scorecard,
        kpis={**scorecard.kpis, "spend": spend},
        settings=dataclasses.replace(scorecard.settings, title=title or "t"),
    )
    results, _ = compute(scorecard)
    readout = build_readout(scorecard, results, History({}), None, SITE)
    assert_self_contained(readout_html(readout), SITE)
    assert "<img" not in readout_markdown(readout)


# -- the command ------------------------------------------------------------------------------


def test_command_writes_each_format_and_leaves_internal_kpis_out_for_business(
    kpi_repo: GitRepo, tmp_path: Path
) -> None:
    kpi_repo.edit("kpis/sales/spend.yaml", "better: lower", "better: lower\naudience: [internal]")
    runner = CliRunner()
    everyone = runner.invoke(main, ["readout", "2026-02", "--repo", str(kpi_repo.path)])
    assert everyone.exit_code == 0, everyone.output
    assert "**Spend**" in everyone.output
    business = runner.invoke(
        main, ["readout", "2026-02", "--audience", "business", "--repo", str(kpi_repo.path)]
    )
    assert business.exit_code == 0, business.output
    assert "Spend" not in business.output and "**Orders**" in business.output
    out = tmp_path / "readout.html"
    written = runner.invoke(
        main, ["readout", "--format", "html", "-o", str(out), "--repo", str(kpi_repo.path)]
    )
    assert written.exit_code == 0, written.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    # mkdocs.yml sets site_url (from SITE_URL, else its default): links point there.
    assert 'href="http://127.0.0.1:8000/kpis/' in out.read_text()


def test_command_reports_restatements_from_git(kpi_repo: GitRepo) -> None:
    kpi_repo.edit("kpis/sales/orders.yaml", "2026-01: 90", "2026-01: 92")
    kpi_repo.commit("Orders: January corrected", author="Bob Brown")
    restated = "Orders: Jan 2026 restated from 90 to 92 (2026-03-02, Bob Brown)"
    # The review of January is held on 2026-02-10 (review.day defaults to 10): news in February.
    february = CliRunner().invoke(
        main, ["readout", "2026-02", "--format", "text", "--repo", str(kpi_repo.path)]
    )
    assert february.exit_code == 0, february.output
    assert restated in february.output
    # The review of March is on 2026-04-10: the April readout no longer repeats it.
    april = CliRunner().invoke(
        main, ["readout", "2026-04", "--format", "text", "--repo", str(kpi_repo.path)]
    )
    assert restated not in april.output and "Nothing was restated." in april.output


@pytest.mark.parametrize("month", ["2026-13", "march", "2026-3"])
def test_a_bad_month_is_a_one_line_error(valid_repo: Path, month: str) -> None:
    result = CliRunner().invoke(main, ["readout", month, "--repo", str(valid_repo)])
    assert result.exit_code == 1
    assert result.output == f"error: month '{month}' is not a month (expected YYYY-MM)\n"
