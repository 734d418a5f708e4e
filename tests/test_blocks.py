"""Generated pages as a Markdown skeleton plus HTML blocks (render/blocks.py): the page readers
get is the page Python-Markdown would have made of the whole text; search sees only what it
should."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.render.blocks import (
    deferring,
    filled,
    for_reader,
    for_search,
    later,
    not_searched,
    search_only,
    searched,
    skeleton,
    without_optional_end_tags,
)
from kpi_scorecard.render.pages import page_jobs, render_pages
from kpi_scorecard.render.text import escape
from kpi_scorecard.site import prepare

from .conftest import FIXTURES

EXTENSIONS = ["toc", "tables", "admonition"]
"""The markdown_extensions of the project's mkdocs.yml."""


def convert(text: str) -> str:
    body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    return markdown.markdown(body, extensions=EXTENSIONS)


def both_ways(text: str) -> tuple[str, str]:
    """(Markdown of the whole page, the skeleton's Markdown with its blocks put back)."""
    page = skeleton(text)
    rebuilt = for_reader(for_search(convert(page.markdown), page.blocks), page.blocks)
    return convert(text), rebuilt


def same_html(html: str) -> str:
    """Whitespace between tags and around the page, and the end tags of cells and rows, do
    not change what a browser shows (tests/test_browser.py checks that last in a browser)."""
    html = without_optional_end_tags(html)
    html = re.sub(r"<(div|p)[^>]*\shidden data-search-only>.*?</\1>", "", html, flags=re.DOTALL)
    html = re.sub(r" data-search-(exclude|only)\b", "", html)
    return re.sub(r">\s+<", "><", html).strip()


@pytest.fixture(scope="module")
def fixture_pages() -> dict[str, str]:
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    return {path: text for path, text in render_pages(state.data).items() if path.endswith(".md")}


def test_every_generated_page_reads_as_it_would_through_markdown(
    fixture_pages: dict[str, str],
) -> None:
    assert len(fixture_pages) > 10
    for path, text in fixture_pages.items():
        whole, rebuilt = both_ways(text)
        assert same_html(rebuilt) == same_html(whole), path
        assert "KPISCORECARDBLOCK" not in rebuilt, path


def test_the_skeleton_keeps_front_matter_and_headings_and_no_html(
    fixture_pages: dict[str, str],
) -> None:
    page = skeleton(fixture_pages["kpis/orders.md"])
    assert page.markdown.startswith(
        '---\ntitle: "Orders"\nhide:\n  - navigation\n  - toc\n---\n\n# Orders\n'
    )
    assert "## Monthly values" in page.markdown
    assert "<" not in page.markdown.split("---\n", 2)[2]
    counts = [int(n) for n in re.findall(r"KPISCORECARDBLOCK\d+x(\d+)", page.markdown)]
    assert sum(counts) == len(page.blocks) and max(counts) > 1  # blocks in a row share one
    assert page.markdown.count("KPISCORECARDBLOCK") == len(counts)


def test_search_sees_names_descriptions_and_notes_but_not_numbers(
    fixture_pages: dict[str, str],
) -> None:
    page = skeleton(fixture_pages["kpis/orders.md"])
    searched = for_search(convert(page.markdown), page.blocks)
    shown = for_reader(searched, page.blocks)
    assert "Orders placed." in searched  # the description
    assert "Spring promotion." in searched  # a note, from the search-only list
    assert "data-chart" not in searched and "kpi-monthly" not in searched
    assert "data-chart" in shown and "kpi-monthly" in shown
    assert "kpi-notes" not in shown  # readers find the notes in the monthly table


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40)


@given(
    st.lists(
        st.tuples(TEXT, st.sampled_from(["shown", "not_searched", "search_only"])),
        min_size=1,
        max_size=6,
    )
)
def test_blocks_come_back_in_order_and_each_where_it_belongs(
    contents: list[tuple[str, str]],
) -> None:
    marks = {"shown": lambda html: html, "not_searched": not_searched, "search_only": search_only}
    parts = ["# Title"]
    for text, kind in contents:
        parts += ["## Part", marks[kind](f'<div class="x">{escape(text)}</div>')]
    page = skeleton("\n\n".join(parts) + "\n")
    searched = for_search(convert(page.markdown), page.blocks)
    shown = for_reader(searched, page.blocks)
    expected_shown = [escape(t) for t, kind in contents if kind != "search_only"]
    expected_searched = [escape(t) for t, kind in contents if kind != "not_searched"]
    assert re.findall(r'<div class="x"[^>]*>(.*?)</div>', shown, re.DOTALL) == expected_shown
    visible_to_search = re.sub(r"<!--.*?-->", "", searched, flags=re.DOTALL)
    assert (
        re.findall(r'<div class="x"[^>]*>(.*?)</div>', visible_to_search, re.DOTALL)
        == expected_searched
    )


def test_blocks_search_does_not_read_leave_out_optional_end_tags(
    fixture_pages: dict[str, str],
) -> None:
    page = skeleton(fixture_pages["kpis/orders.md"])
    monthly = next(block.html for block in page.blocks if "kpi-monthly" in block.html)
    assert "<td>" in monthly and "</td>" not in monthly and "</tr>" not in monthly
    assert "</th>" not in monthly and monthly.endswith("</tbody></table></div>")
    people = skeleton(fixture_pages["people/index.md"])
    searched_table = next(block for block in people.blocks if "<table" in block.html)
    assert searched_table.indexed and "</td>" in searched_table.html  # search's parser needs them


def test_a_mark_needs_an_element() -> None:
    with pytest.raises(ValueError, match="needs an HTML element"):
        not_searched("plain text")
    assert not_searched("<br/>") == "<br data-search-exclude/>"


def test_the_theme_indentation_goes_unless_a_pre_keeps_whitespace() -> None:
    page = skeleton("# T\n\n<div>a</div>\n")
    themed = "<body>\n    <main>\n      " + convert(page.markdown) + "\n    </main>\n</body>"
    shown = for_reader(for_search(themed, page.blocks), page.blocks)
    assert shown == '<body>\n<main>\n<h1 id="t">T</h1>\n<div>a</div>\n</main>\n</body>'
    kept = themed.replace("<main>", "<main><pre>x\n    y</pre>")
    shown = for_reader(for_search(kept, page.blocks), page.blocks)
    assert "<pre>x\n    y</pre>\n      <h1" in shown and "<div>a</div>" in shown


def test_a_marked_element_holds_no_element_of_its_own_tag(
    fixture_pages: dict[str, str],
) -> None:
    """mkdocs-material's search parser ends an exclusion at the first closing tag of the same
    name, so a marked <ul> must not hold another <ul> (on a page search reads: review packs
    are not searched at all, and are marked only to be put back after the search plugin)."""
    marked = [
        block.html
        for text in fixture_pages.values()
        if "search:\n  exclude: true" not in text.partition("\n---\n")[0]
        for block in skeleton(text).blocks
        if not (block.indexed and block.shown)
    ]
    assert marked
    for html in marked:
        tag = re.match(r"<(\w+)", html)
        assert tag is not None
        assert len(re.findall(rf"<{tag.group(1)}[\s>]", html)) == 1, html[:80]


def test_a_placeholder_that_markdown_changed_is_an_error_not_a_broken_page() -> None:
    page = skeleton("# T\n\n<div>a</div>\n\n<div>b</div>\n\n## U\n\n<div>c</div>\n")
    changed = convert(page.markdown).replace("<p>", '<p class="x">', 1)
    with pytest.raises(ValueError, match="2 of the page's HTML blocks could not be put back"):
        for_search(changed, page.blocks)


def test_a_page_rendered_with_its_later_blocks_left_for_later_is_the_page_s_own(
    fixture_pages: dict[str, str],
) -> None:
    """What the forked renderers rely on (site._render_in_background): a page rendered with
    its costly blocks left for later splits into the same skeleton, with the same blocks for
    search, and with those blocks filled in is the very page; the KPI pages and the review
    packs leave something for later."""
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    jobs = page_jobs(state.data)
    left_for_later = 0
    for path, text in fixture_pages.items():
        whole = skeleton(text)
        with deferring() as deferred:
            quick_text = jobs[path]()
        quick = skeleton(quick_text)
        assert quick.markdown == whole.markdown, path
        assert searched(quick.blocks) == searched(whole.blocks), path
        assert filled(quick_text, deferred) == text, path
        left_for_later += bool(deferred)
    assert left_for_later >= len(state.data.scorecard.kpis)  # every KPI page, and the packs


def test_a_later_block_is_rendered_as_it_would_have_been_then() -> None:
    """Filled in after the locale of the moment it was left for later has changed."""
    from kpi_scorecard.render.numbers import number, number_locale

    with number_locale("de_DE"), deferring() as deferred:
        text = "# Numbers\n\n" + later(lambda: f"<p>{number(1234.5, 1)}</p>")
    assert filled(text, deferred) == "# Numbers\n\n<p data-search-exclude>1.234,5</p>"


def test_filling_in_a_page_checks_that_each_later_block_is_one_block() -> None:
    with deferring() as deferred:
        text = later(lambda: "<div>a</div>\n\n<div>b</div>")
    with pytest.raises(ValueError, match="blank line"):
        filled(text, deferred)
    with deferring() as deferred:
        later(lambda: "<div>lost</div>")
    with pytest.raises(ValueError, match="not in the page"):
        filled("# A page without it", deferred)


@given(st.text(max_size=40))
def test_escaped_text_stays_on_one_line_of_the_page(text: str) -> None:
    """A blank line would end the raw HTML block the text sits in (render/text.py escape)."""
    escaped = escape(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert unescape(escaped) == text.replace("\r\n", "\n").replace("\r", "\n")


def test_a_kpi_named_over_two_paragraphs_keeps_its_page_whole() -> None:
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    scorecard = state.data.scorecard
    kpi_id = next(iter(scorecard.kpis))
    renamed = dataclasses.replace(scorecard.kpis[kpi_id], name="Orders\n\n<b>not bold</b>")
    scorecard = dataclasses.replace(scorecard, kpis={**scorecard.kpis, kpi_id: renamed})
    data = dataclasses.replace(state.data, scorecard=scorecard)
    text = page_jobs(data)[f"kpis/{kpi_id}.md"]()
    with deferring() as deferred:
        quick_text = page_jobs(data)[f"kpis/{kpi_id}.md"]()
    whole = skeleton(text)
    assert skeleton(quick_text).markdown == whole.markdown
    assert filled(quick_text, deferred) == text
    assert "<b>not bold</b>" not in text
    assert all(not chunk.startswith(("&lt;", "plus")) for chunk in whole.markdown.split("\n\n"))
