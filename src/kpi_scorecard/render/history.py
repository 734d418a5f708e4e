"""The audit trail on the site: a KPI's History section, the /changes/ page, history.json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kpi_scorecard.audit.changes import Change
from kpi_scorecard.audit.history import Entry, History
from kpi_scorecard.model import Scorecard, number_literal, parse_month
from kpi_scorecard.render.blocks import not_searched
from kpi_scorecard.render.feed import FEED_PATH
from kpi_scorecard.render.html import Links, link, table
from kpi_scorecard.render.text import escape, front_matter_title
from kpi_scorecard.render.wording import Wording, excerpt

MAX_ENTRIES_ON_PAGE = 20
MAX_CHANGES_PAGE_ENTRIES = 100
MAX_CHANGES_LISTED = 6
MAX_CHANGES_PER_ENTRY_ON_PAGE = 12
"""A KPI page lists this many changes of one commit (a file's first commit has every month);
data/history.json has them all."""


def number_text(value: Any) -> str:
    """A value as written in the file (``kpi diff``'s fallback when a side does not validate)."""
    if value is None:
        return "none"
    if isinstance(value, float):
        return number_literal(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def describe(change: Change, wording: Wording) -> str:
    """One change as people say it: ``Oct 2026 restated from 95 to 97``."""
    return "; ".join(wording.sentences(change))


def _who_when(entry: Entry, repo_url: str | None) -> tuple[str, str]:
    if entry.commit is None:
        return "uncommitted", '<em class="kpi-uncommitted">not committed yet</em>'
    date = (entry.date or "")[:10]
    short = entry.commit[:7]
    commit = link(f"{repo_url.rstrip('/')}/commit/{entry.commit}", short) if repo_url else short
    return date, f"{escape(entry.author or '')}, <code>{commit}</code>"


def _subject(entry: Entry, repo_url: str | None) -> str:
    text = escape(entry.subject)
    number = entry.pull_request
    if number is None:
        return text
    label = f"#{number}"
    pr = link(f"{repo_url.rstrip('/')}/pull/{number}", label) if repo_url else escape(label)
    return f"{text} ({pr})"


def _changes_list(changes: tuple[Change, ...], wording: Wording, limit: int | None = None) -> str:
    """The sentences of the first changes, up to ``limit`` sentences, and how many changes are
    left (those are not put into words: a file's first commit has hundreds)."""
    shown: list[str] = []
    told = 0
    for change in changes:
        if limit is not None and len(shown) >= limit:
            break
        shown += wording.sentences(change)
        told += 1
    items = "".join(f"<li>{escape(sentence)}</li>" for sentence in shown)
    more = len(changes) - told
    if more:
        items += f"<li>and {more} more {'change' if more == 1 else 'changes'}</li>"
    return f'<ul class="kpi-changes">{items}</ul>'


def incomplete_notice(reason: str | None) -> str:
    if reason is None:
        return ""
    return f'<p class="kpi-history-incomplete"><strong>History incomplete:</strong> {escape(reason)}.</p>'


def history_section(
    entries: tuple[Entry, ...],
    incomplete: str | None,
    repo_url: str | None,
    links: Links,
    wording: Wording,
) -> str:
    """The KPI page's History, newest first, uncommitted edits on top."""
    notice = incomplete_notice(incomplete)
    if not entries:
        return notice + '<p class="kpi-history-empty">No recorded changes.</p>'
    rows = []
    for entry in entries[:MAX_ENTRIES_ON_PAGE]:
        date, who = _who_when(entry, repo_url)
        rows.append(
            [
                escape(date),
                who,
                _subject(entry, repo_url),
                _changes_list(entry.changes, wording, MAX_CHANGES_PER_ENTRY_ON_PAGE),
            ]
        )
    older = len(entries) - MAX_ENTRIES_ON_PAGE
    footer = (
        f'<p class="kpi-history-more">{older} older entries are in '
        f"{link(links.asset('data/history.json'), 'data/history.json')}.</p>"
        if older > 0
        else ""
    )
    headers = ("Date", "Who", "Commit", "Changes")
    return notice + table(headers, rows, "kpi-history") + footer


def restatements(entries: tuple[Entry, ...], wording: Wording) -> dict[int, str]:
    """Month -> a line about its latest restatement (when, by whom, from what to what, why)."""
    found: dict[int, str] = {}
    for entry in entries:  # newest first: the first restatement seen is the latest
        for change in entry.changes:
            month = parse_month(change.month or "")
            if change.kind != "restated" or month is None or month in found:
                continue
            when = f"on {entry.date[:10]}" if entry.date else "in an uncommitted edit"
            who = entry.author or "you"
            found[month] = (
                f"Restated {when} by {who} from {wording.value(change.old)} to "
                f"{wording.value(change.new)}: {excerpt(entry.subject, 100)}"
            )
    return found


def feed_link(links: Links) -> str:
    """Where to subscribe: the Atom feed of review packs, restatements and target changes."""
    return (
        f'<p class="kpi-feed"><a href="{escape(links.asset(FEED_PATH))}" '
        'type="application/atom+xml">Subscribe to the feed</a> (Atom) to follow new review '
        "packs, restatements and target changes in a feed reader or a chat.</p>"
    )


def changes_page(scorecard: Scorecard, history: History, links: Links, repo_url: str | None) -> str:
    """``/changes/``: the latest changes across all KPIs, newest first."""
    flat = [
        (entry, kpi_id)
        for kpi_id, entries in history.entries.items()
        if kpi_id in scorecard.kpis
        for entry in entries
    ]
    flat.sort(key=lambda item: (item[0].commit is None, item[0].date or "", item[1]), reverse=True)
    rows = []
    for entry, kpi_id in flat[:MAX_CHANGES_PAGE_ENTRIES]:
        date, who = _who_when(entry, repo_url)
        kpi = scorecard.kpis[kpi_id]
        rows.append(
            [
                escape(date),
                link(links.kpi(kpi_id), kpi.name),
                who,
                _subject(entry, repo_url),
                _changes_list(entry.changes, Wording.of(scorecard, kpi_id), MAX_CHANGES_LISTED),
            ]
        )
    body = (
        not_searched(table(("Date", "KPI", "Who", "Commit", "Changes"), rows, "kpi-history"))
        if rows
        else "<p>No recorded changes.</p>"
    )
    intro = (
        "<p>The latest changes to the scorecard's data, newest first, read from git: "
        "values added or restated, targets and definitions changed.</p>"
    ) + feed_link(links)
    return "\n".join(
        [
            front_matter_title("Changes") + "# Changes",
            "",
            incomplete_notice(history.incomplete) + intro,
            "",
            body,
            "",
        ]
    )


def history_json(history: History, kpi_ids: Mapping[str, object]) -> str:
    """``{"<id>": [{"commit", "date", "author", "subject", "changes": [...]}]}``, newest first."""
    document = {
        kpi_id: [
            {
                "commit": entry.commit,
                "date": entry.date,
                "author": entry.author,
                "subject": entry.subject,
                "changes": [
                    {"field": c.field, "month": c.month, "old": c.old, "new": c.new, "kind": c.kind}
                    for c in entry.changes
                ],
            }
            for entry in history.of(kpi_id)
        ]
        for kpi_id in kpi_ids
    }
    # Compact: the file grows with every commit, and json's C encoder only runs without indent.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"
