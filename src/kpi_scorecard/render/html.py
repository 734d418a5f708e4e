"""Small HTML pieces shared by the generated pages: links, tables, status badges.

Generated pages are Markdown whose tables and contributor text sit in raw HTML blocks, so
Markdown never re-reads contributor text (a second pass could turn escaped text into links).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from kpi_scorecard.model import Status
from kpi_scorecard.render.numbers import STATUS_LABELS
from kpi_scorecard.render.text import escape


@dataclass(frozen=True)
class Links:
    """Relative URLs from one generated page, for either setting of ``use_directory_urls``."""

    depth: int
    """Folders between the site root and the page's source file (0 for tree.md)."""
    directory_urls: bool = True
    index: bool = False
    """The page is a folder's index.md, whose URL is the folder itself."""

    @property
    def _up(self) -> int:
        # With directory URLs, tree.md is served as tree/index.html: one folder deeper.
        extra = self.directory_urls and not self.index
        return self.depth + (1 if extra else 0)

    def page(self, path: str) -> str:
        """``path`` is a source path without ``.md``, e.g. ``kpis/cpa``."""
        prefix = "../" * self._up
        if path == "index":
            return prefix or "./"
        return f"{prefix}{path}/" if self.directory_urls else f"{prefix}{path}.html"

    def kpi(self, kpi_id: str) -> str:
        return self.page(f"kpis/{kpi_id}")

    def asset(self, path: str) -> str:
        return "../" * self._up + path


def json_attribute(json_text: str) -> str:
    """JSON for a single-quoted HTML attribute: ``'``, ``&``, ``<`` and ``>`` become entities,
    so the data cannot end its attribute or open a tag, and its many ``"`` stay one byte each
    (a KPI page carries 120 months of chart data)."""
    return (
        json_text.replace("&", "&amp;")
        .replace("'", "&#x27;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


@functools.cache
def status_badge(status: Status) -> str:
    """The status in words; its colour and icon come from kpi.css (the icon is generated
    content with empty alternative text, so screen readers read the words only). Cached, and
    one class only: a large scorecard shows a few hundred thousand of the five."""
    return f'<span class="kpi-status--{status}">{escape(STATUS_LABELS[status][1])}</span>'


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    css_class: str,
    caption: str = "",
    row_attributes: Sequence[str] | None = None,
) -> str:
    """A table in its own scrolling box; cells are HTML already escaped by the caller, and so
    are ``row_attributes`` (one string of attributes per row, for scripts that sort or filter)."""
    for row in rows:
        if len(row) != len(headers):  # a programming error: a column without its heading
            raise ValueError(f"a {css_class} row has {len(row)} cells for {len(headers)} headings")
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    attributes = row_attributes or [""] * len(rows)
    body = "".join(
        f"<tr{extra}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for row, extra in zip(rows, attributes, strict=True)
    )
    caption_html = f"<caption>{caption}</caption>" if caption else ""
    return (
        f'<div class="kpi-table-wrap"><table class="kpi-table {css_class}">{caption_html}'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def definition_list(items: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<dt>{escape(term)}</dt><dd>{value}</dd>" for term, value in items)
    return f'<dl class="kpi-definition">{body}</dl>'
