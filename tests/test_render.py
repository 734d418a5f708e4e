"""Golden files for the generated Markdown and chart JSON of the valid fixture scorecard.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_render.py`` and
review the diff like any other change.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

import markdown
import nh3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.model import Kpi
from kpi_scorecard.render.chart import chart, chart_json
from kpi_scorecard.render.html import Links
from kpi_scorecard.render.numbers import change_text, value_text
from kpi_scorecard.render.pages import remember_pages, render_pages
from kpi_scorecard.render.sparkline import sparkline
from kpi_scorecard.render.text import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    PLAIN_SENTENCE,
    PLAIN_WITH_BOLD,
    front_matter_title,
    inline,
    rich,
)
from kpi_scorecard.site import prepare

from .conftest import FIXTURES, bare_kpi

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs from tests/golden/{name}"


@pytest.fixture(scope="module")
def state():  # type: ignore[no-untyped-def]
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    return state


@pytest.mark.parametrize(
    ("page", "golden"),
    [
        ("index.md", "overview.md"),
        ("kpis/orders.md", "kpi_orders.md"),
        ("kpis/cost_per_order.md", "kpi_cost_per_order.md"),
        ("data/values.csv", "values.csv"),
        ("data/periods.csv", "periods.csv"),
        ("data/scorecard.json", "scorecard.json"),
        ("reviews/2026-03.md", "review_2026-03.md"),
        ("reviews/FY2026-Q4.md", "review_FY2026-Q4.md"),
        ("reviews/FY2026.md", "review_FY2026.md"),
        ("reviews/index.md", "reviews_index.md"),
        ("people/ann.md", "person_ann.md"),
        ("tree.md", "tree.md"),
        ("health.md", "health.md"),
    ],
)
def test_generated_pages_match_their_golden_files(state, page: str, golden: str) -> None:  # type: ignore[no-untyped-def]
    check_golden(golden, render_pages(state.data)[page])


def test_chart_json_matches_its_golden_file(state) -> None:  # type: ignore[no-untyped-def]
    kpi = state.data.scorecard.kpis["orders"]
    figure = chart(kpi, state.data.results.series["orders"], "EUR")
    check_golden("chart_orders.json", json.dumps(figure, indent=1, ensure_ascii=False) + "\n")


def test_chart_json_cannot_end_its_attribute_or_script() -> None:
    figure = {"data": [{"name": "</script><script>x()</script>\"'&"}]}
    text = chart_json(figure)
    assert json.loads(text) == figure  # the escaping is the caller's: html.escape in kpi_page


def test_inline_text_shows_markdown_and_html_as_written() -> None:
    assert inline("a *b* <i>c</i> [d](e) #1") == (r"a \*b\* &lt;i&gt;c&lt;/i&gt; \[d\]\(e\) \#1")


def test_rich_text_keeps_formatting_and_drops_active_content() -> None:
    html = rich("**Bold** [ok](https://example.com) [bad](javascript:alert(1)) <script>x</script>")
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert "javascript:" not in html and "<script" not in html


@given(st.from_regex(PLAIN_SENTENCE, fullmatch=True))
def test_plain_sentences_skip_markdown_with_the_same_result(text: str) -> None:
    rendered = markdown.markdown(text, output_format="html")
    cleaned = nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)
    assert rich(text) == cleaned == rendered == f"<p>{text}</p>"


@pytest.mark.parametrize("text", ["1. first", "- item", "a *b*", "a <b>", "a & b", "a  ", "a_b_"])
def test_text_with_markdown_or_markup_is_not_taken_for_plain(text: str) -> None:
    assert not PLAIN_SENTENCE.fullmatch(text)


WORDS = r"[A-Za-z0-9](?:[A-Za-z0-9 .,;:%()?!/'-]*[A-Za-z0-9.,;:%)?!'])?"
SENTENCES_WITH_BOLD = (
    rf"(?:[A-Za-z]|\*\*{WORDS}\*\*)(?:[A-Za-z0-9 .,;:%()?!/'-]|\*\*{WORDS}\*\*)*[ (/*-]?"
)
"""PLAIN_WITH_BOLD's sentences and more (side by side bold, endings it leaves to Markdown)."""


@given(st.from_regex(SENTENCES_WITH_BOLD, fullmatch=True))
def test_sentences_with_bold_words_skip_markdown_with_the_same_result(text: str) -> None:
    rendered = markdown.markdown(text, output_format="html")
    cleaned = nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)
    assert rich(text) == cleaned
    if PLAIN_WITH_BOLD.fullmatch(text):
        assert cleaned == rendered  # nh3 had nothing to do


@pytest.mark.parametrize(
    "text", ["a ** b", "a **b", "**a****b**", "a **b**  ", "**a** -", "a **b*", "a *b* **c**"]
)
def test_text_with_other_markdown_is_not_taken_for_a_sentence_with_bold(text: str) -> None:
    assert not PLAIN_WITH_BOLD.fullmatch(text)


def test_titles_cannot_carry_markup_into_the_theme() -> None:
    expected = '---\ntitle: "R\uff06D \u2039/title\u203a"\nhide:\n  - navigation\n  - toc\n---\n\n'
    assert front_matter_title("R&D </title>") == expected


def test_links_for_both_url_styles() -> None:
    assert Links(0, index=True).kpi("cpa") == "kpis/cpa/"  # index.md, the site root
    assert Links(0).kpi("cpa") == "../kpis/cpa/"  # tree.md, served at /tree/
    assert Links(1, index=True).kpi("cpa") == "../kpis/cpa/"  # people/index.md
    assert Links(1).kpi("cpa") == "../../kpis/cpa/"
    assert Links(1, directory_urls=False).kpi("cpa") == "../kpis/cpa.html"
    assert Links(0, directory_urls=False).kpi("cpa") == "kpis/cpa.html"


def make_kpi(**fields: Any) -> Kpi:
    return bare_kpi("k", **fields)


def test_values_are_shown_with_their_unit() -> None:
    assert value_text(make_kpi(unit="percent"), 3.25) == "3.25%"
    assert value_text(make_kpi(unit="currency", decimals=2), 45.0, "EUR") == "€45.00"
    assert value_text(make_kpi(unit="currency", currency="CHF"), 12.5, "EUR") == "CHF\xa012.50"
    assert value_text(make_kpi(), 152340.0) == "152,340"
    assert value_text(make_kpi(), None) == "—"
    assert change_text(make_kpi(unit="percent"), -0.3, -0.1) == "-0.30\u00a0pp"
    assert change_text(make_kpi(), 10.0, 0.25) == "+10 (+25.0%)"


def test_sparkline_breaks_at_unreported_months() -> None:
    svg = sparkline([1.0, 2.0, None, 3.0, 4.0], "label")
    assert svg.count("<polyline") == 2
    assert 'aria-label="label"' in svg
    assert sparkline([1.0], "x") == ""


def test_serve_renders_again_only_the_pages_whose_inputs_changed(state) -> None:  # type: ignore[no-untyped-def]
    remember_pages(True)
    try:
        first = render_pages(state.data)
        again = render_pages(state.data)
        assert again["kpis/orders.md"] is first["kpis/orders.md"]
        linked = render_pages(dataclasses.replace(state.data, repo_url="https://example.com/r"))
        assert linked["kpis/orders.md"] is not first["kpis/orders.md"]  # the history links
        # Review packs link to the repository too ("Ask about this number"): rendered again.
        assert linked["reviews/2026-02.md"] is not first["reviews/2026-02.md"]
        assert render_pages(state.data)["reviews/2026-02.md"] == first["reviews/2026-02.md"]
    finally:
        remember_pages(False)
    assert render_pages(state.data)["kpis/orders.md"] is not first["kpis/orders.md"]


def test_serve_renders_again_only_the_review_packs_of_a_changed_month(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "valid", repo)
    remember_pages(True)
    try:
        first = render_pages(prepare(repo, with_history=False)[0].data)
        orders = repo / "kpis" / "sales" / "orders.yaml"
        orders.write_text(orders.read_text().replace("2026-03: 118", "2026-03: 121"))
        again = render_pages(prepare(repo, with_history=False)[0].data)
    finally:
        remember_pages(False)
    for month in ("2026-01", "2026-02"):  # they show 2026-03 nowhere
        assert again[f"reviews/{month}.md"] is first[f"reviews/{month}.md"]
    assert again["reviews/2026-03.md"] != first["reviews/2026-03.md"]
    assert again["kpis/orders.md"] != first["kpis/orders.md"]
    # nothing kept is stale: every page and export is what a build from scratch makes
    assert again == render_pages(prepare(repo, with_history=False)[0].data)
    assert again["data/kpis/orders.csv"] != first["data/kpis/orders.csv"]
    assert again["data/kpis/spend.csv"] is first["data/kpis/spend.csv"]
    assert again["data/values.csv"] != first["data/values.csv"]
    assert again["kpis/spend.md"] is first["kpis/spend.md"]
