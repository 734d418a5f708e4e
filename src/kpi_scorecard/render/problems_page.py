"""The page ``mkdocs serve`` shows while the scorecard has errors, instead of a browser that
waits for a build that never comes (pure: no mkdocs, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kpi_scorecard.errors import Problem
from kpi_scorecard.render.text import escape, front_matter_title

TITLE = "The scorecard has errors"


def problems_page(problems: Iterable[Problem]) -> str:
    """Markdown with every problem as ``path:line: severity: message``, escaped: messages
    quote the files, and text from files is content, never markup."""
    items = "\n".join(
        f"<li><code>{escape(problem.path)}:{problem.line}</code> "
        f"{problem.severity}: {escape(problem.text())}</li>"
        for problem in problems
    )
    return (
        front_matter_title(TITLE, searchable=False)
        + f"# {TITLE}\n\n"
        + "The preview comes back as soon as the files are fixed: save them and this page "
        + "reloads by itself.\n\n"
        + f'<ul class="kpi-problems">\n{items}\n</ul>\n'
    )


def nav_pages(nav: Any) -> list[str]:
    """The Markdown files named in mkdocs.yml's ``nav``, at any depth: the pages to show the
    problems on when no build has succeeded yet."""
    if isinstance(nav, str):
        return [nav] if nav.endswith(".md") and "://" not in nav else []
    if isinstance(nav, dict):
        return [path for value in nav.values() for path in nav_pages(value)]
    if isinstance(nav, list):
        return [path for item in nav for path in nav_pages(item)]
    return []
