""" "Ask about this number": a link that opens a new GitHub issue prefilled with the KPI, the
month, the value and its owner mentioned, so that the discussion lives in git beside the data.
Only when mkdocs.yml sets ``repo_url`` (there is nowhere to ask otherwise)."""

from __future__ import annotations

from urllib.parse import urlencode

from kpi_scorecard.model import Kpi, Month, Scorecard, month_str
from kpi_scorecard.render.numbers import value_text
from kpi_scorecard.render.text import escape
from kpi_scorecard.render.wording import month_label

LABEL = "Ask about this number"
TITLE_LIMIT = 200
"""GitHub cuts longer issue titles; KPI names are short, so this only stops hostile ones."""


def ask_url(
    kpi: Kpi, scorecard: Scorecard, month: Month, value: float | None, repo_url: str
) -> str:
    """``{repo_url}/issues/new?title=...&body=...`` with every part URL-encoded."""
    shown = value_text(kpi, value, scorecard.settings.currency)
    label = month_label(month_str(month))
    owner = scorecard.people.get(kpi.owner)
    mention = f"@{owner.github}" if owner and owner.github else (owner.name if owner else kpi.owner)
    title = " ".join(f"{kpi.name}: {shown} in {label}".split())[:TITLE_LIMIT]
    body = (
        f"A question about **{kpi.name}** (`{kpi.id}`) in {label} ({month_str(month)}): "
        f"{shown}.\n\n{mention} (owner)\n\nThe KPI file: `{kpi.path}`\n"
    )
    query = urlencode({"title": title, "body": body})
    return f"{repo_url.rstrip('/')}/issues/new?{query}"


def ask_link(
    kpi: Kpi, scorecard: Scorecard, month: Month, value: float | None, repo_url: str | None
) -> str:
    """The link as HTML (empty without ``repo_url``); it opens in a new tab, away from the
    scorecard."""
    if not repo_url:
        return ""
    href = escape(ask_url(kpi, scorecard, month, value, repo_url))
    # Many of these links share a page: the label says which number each one is about.
    label = escape(f"{LABEL}: {' '.join(kpi.name.split())}, {month_label(month_str(month))}")
    return (
        f'<a class="kpi-ask" href="{href}" aria-label="{label}" target="_blank" '
        f'rel="noopener noreferrer">{LABEL}</a>'
    )
