"""A generated page as a Markdown skeleton plus the HTML blocks that go back into it.

Generated pages are Markdown whose tables, charts and contributor text sit in raw HTML blocks
(see html.py). Given those to Python-Markdown, html.parser reads every block twice (its raw-HTML
preprocessor and mkdocs' anchor scan) only to pass it through unchanged, and the search plugin
reads it a third time. So mkdocs gets a skeleton: the front matter, the headings and one
placeholder paragraph per block; the blocks are put back into the converted page in two steps:

1. ``for_search``: the blocks that search should see (names, descriptions, notes, people), before
   the search plugin reads the page;
2. ``for_reader``: the others (chart data, tables of numbers, histories), after it has; blocks
   written only for search (a KPI's notes without their table) are dropped there.

A block says how it is searched by an attribute of its outermost element (``not_searched`` and
``search_only`` below):
``data-search-exclude`` is mkdocs-material's own "do not index", ``data-search-only`` marks text
for the index that readers see elsewhere on the page. Pure: no mkdocs, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from functools import partial
from typing import ParamSpec

Arguments = ParamSpec("Arguments")

SEARCH_EXCLUDE = "data-search-exclude"
SEARCH_ONLY = "data-search-only"
_TOKEN = "KPISCORECARDBLOCK"
"""Letters only, so no Markdown extension rewrites it; a heading can never render as this
paragraph (headings are escaped, and render as <h1>..<h6>)."""
_PLACEHOLDER = re.compile(f"<p>{_TOKEN}(\\d+)x(\\d+)</p>")
_HELD = re.compile(f"<!--{_TOKEN}(\\d+)-->.*?<!--/{_TOKEN}-->", re.DOTALL)
_FIRST_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_INDENTATION = re.compile(r"\n\s+")
_KEEPS_WHITESPACE = re.compile(r"<(pre|textarea)\b", re.IGNORECASE)


def not_searched(html: str) -> str:
    """An HTML block that readers see and search does not index (chart data, numbers). Its
    outermost element must not hold another of its tag: mkdocs-material's search parser, where
    it reads the page (hooks of an older kpi init), would end the exclusion there."""
    return _mark(html, SEARCH_EXCLUDE)


_deferred: ContextVar[list[Callable[[], str]] | None] = ContextVar("deferred", default=None)
_LATER = re.compile(f'<div data-kpi-later="(\\d+)" {SEARCH_EXCLUDE}></div>')
"""A later() block's placeholder (``not_searched`` marks it); text never holds a ``"`` as it
is (escaped)."""


@contextmanager
def deferring() -> Iterator[list[Callable[[], str]]]:
    """Pages rendered in this block leave out what ``later`` marks: each such block is a
    placeholder, and the list this gives holds how to render it (``filled`` puts them in).
    What mkdocs needs first of a page (its skeleton, and the blocks search reads) comes
    quickly, the rest later, without rendering the page twice (site.py renders the pages so
    while mkdocs builds)."""
    deferred: list[Callable[[], str]] = []
    token = _deferred.set(deferred)
    try:
        yield deferred
    finally:
        _deferred.reset(token)


def later(
    render: Callable[Arguments, str], *args: Arguments.args, **kwargs: Arguments.kwargs
) -> str:
    """A block search does not read (``not_searched``), costly to render: a chart's data, a
    table of numbers, a history. In a page rendered ``deferring``, a placeholder in its
    place: the skeleton does not depend on what it holds."""
    deferred = _deferred.get()
    if deferred is None:
        return not_searched(render(*args, **kwargs))
    # rendered later as now: with the number locale (a context variable) of this moment
    deferred.append(partial(copy_context().run, render, *args, **kwargs))
    return not_searched(f'<div data-kpi-later="{len(deferred) - 1}"></div>')


def filled(text: str, deferred: list[Callable[[], str]]) -> str:
    """A page rendered ``deferring``, whole: as if rendered without it."""
    found = 0

    def put_in(match: re.Match[str]) -> str:
        nonlocal found
        found += 1
        html = not_searched(deferred[int(match.group(1))]())
        if "\n\n" in html:  # a programming error: rendered pages keep blocks in one chunk
            raise ValueError("a later() block holds a blank line")
        return html

    page = _LATER.sub(put_in, text)
    if found != len(deferred):
        raise ValueError("a later() block is not in the page")
    return page


def search_only(html: str) -> str:
    """An HTML block that search indexes and readers do not see, since the page shows the same
    text elsewhere (a KPI's notes, which readers find in its monthly table)."""
    return _mark(html, SEARCH_ONLY)


def _mark(html: str, attribute: str) -> str:
    tag = _FIRST_TAG.match(html)
    if tag is None:
        raise ValueError("a search mark needs an HTML element")  # a programming error
    end = tag.end() - (2 if tag.group().endswith("/>") else 1)
    return f"{html[:end]} {attribute}{html[end:]}"


@dataclass(frozen=True)
class Block:
    html: str
    indexed: bool = True
    """The search plugin reads it."""
    shown: bool = True
    """Readers see it."""


@dataclass(frozen=True)
class Skeleton:
    markdown: str
    """The page for Python-Markdown: front matter, headings, one placeholder per block."""
    blocks: tuple[Block, ...]


def skeleton(markdown: str) -> Skeleton:
    """Split a generated page: each blank-line separated chunk that starts with ``<`` is a raw
    HTML block (rendered pages never put blank lines inside one). Blocks in a row share one
    placeholder, ``<token><first>x<count>`` (a third fewer paragraphs for Markdown)."""
    chunks: list[str] = []
    blocks: list[Block] = []
    first = 0
    for chunk in markdown.split("\n\n"):
        if not chunk.startswith("<"):
            chunks.append(chunk)
            continue
        if not chunks or not chunks[-1].startswith(_TOKEN):
            first = len(blocks)
            chunks.append("")
        blocks.append(_block(chunk.strip("\n")))
        chunks[-1] = f"{_TOKEN}{first}x{len(blocks) - first}"
    return Skeleton("\n\n".join(chunks), tuple(blocks))


def _block(html: str) -> Block:
    tag = _FIRST_TAG.match(html)
    attributes = tag.group() if tag else ""
    if re.search(rf"\s{SEARCH_ONLY}\b", attributes):
        return Block(html, indexed=True, shown=False)
    if re.search(rf"\s{SEARCH_EXCLUDE}\b", attributes):
        return Block(without_optional_end_tags(html), indexed=False)
    return Block(html, indexed=True)


def without_optional_end_tags(html: str) -> str:
    """The HTML without the end tags of table cells and rows, which HTML makes optional (the
    next cell or row, or the end of the table, ends them; browsers build the same table): a
    scorecard of 1,000 KPIs shows about a million cells, and ``</td>`` alone was 5 MB of its
    site. Only for blocks search does not read: mkdocs-material's search parser needs every
    element ended. Text never holds these as characters: it is escaped, and so is ``<`` in
    the attributes of sanitised Markdown."""
    return html.replace("</td>", "").replace("</th>", "").replace("</tr>", "")


def searched(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """The blocks as ``for_search`` needs them: the others emptied (the same number, in the
    same places), so that what search does not read need not be held until ``for_reader``."""
    return tuple(block if block.indexed else Block("", False, block.shown) for block in blocks)


def for_search(html: str, blocks: tuple[Block, ...]) -> str:
    """Step 1: the converted skeleton with the indexed blocks in place; the others are held as
    comments (which the search plugin skips) until ``for_reader``."""

    found = 0

    def put_back(match: re.Match[str]) -> str:
        nonlocal found
        first, count = int(match.group(1)), int(match.group(2))
        found += count
        return "\n".join(map(for_search_one, range(first, first + count)))

    def for_search_one(index: int) -> str:
        block = blocks[index]
        if block.indexed and block.shown:
            return block.html
        held = block.html if block.indexed else ""
        return f"<!--{_TOKEN}{index}-->{held}<!--/{_TOKEN}-->"

    page = _PLACEHOLDER.sub(put_back, html)
    if found != len(blocks):  # a Markdown extension of mkdocs.yml rewrote a placeholder
        raise ValueError(f"{len(blocks) - found} of the page's HTML blocks could not be put back")
    return page


def for_reader(html: str, blocks: tuple[Block, ...]) -> str:
    """Step 2: every held block in place, search-only text dropped, and the theme's
    indentation removed (a tenth of a page; no element of such a page keeps its whitespace
    unless it has a <pre> or <textarea>, and then the page is left as it is)."""

    def put_back(match: re.Match[str]) -> str:
        block = blocks[int(match.group(1))]
        return block.html if block.shown else ""

    page = _HELD.sub(put_back, html)
    return page if _KEEPS_WHITESPACE.search(page) else _INDENTATION.sub("\n", page)
