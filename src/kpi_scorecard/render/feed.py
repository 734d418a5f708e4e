"""``/feed.xml``: an Atom feed (RFC 4287) of the review packs, restatements and target changes,
newest first, so that people follow the scorecard in a feed reader or a chat integration.

Everything comes from the history (audit/history.py): an entry's date is its commit's author
date, a review pack's the last commit that recorded a value of its month, and the feed's the
newest entry's, so two builds of one commit give the same feed. Uncommitted edits are not news.
Text is written by ElementTree (escaped) after removing the characters XML cannot hold.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from kpi_scorecard.audit.history import Entry, History
from kpi_scorecard.model import Scorecard
from kpi_scorecard.render.html import Links
from kpi_scorecard.render.text import escape
from kpi_scorecard.render.wording import Wording, month_label

ATOM = "http://www.w3.org/2005/Atom"
FEED_PATH = "feed.xml"
MAX_ENTRIES = 100
EPOCH = "1970-01-01T00:00:00Z"
"""The feed's date when nothing was ever committed: a fixed date, never the clock."""
URN = "urn:kpi-scorecard:"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    key: str
    """Unique within the feed: ``review:2026-03``, ``restated:<commit>:<kpi>``."""
    title: str
    updated: str
    """RFC 3339 in UTC."""
    path: str
    """The page on the site, relative to its root: ``reviews/2026-03/``."""
    author: str
    content: str


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters and lone surrogates removed."""
    return _NOT_XML.sub("", text)


def utc(date: str) -> str:
    """A commit's ISO date as RFC 3339 in UTC (``2026-03-02T12:00:00Z``), for one order of
    entries whatever the committers' time zones."""
    parsed = datetime.fromisoformat(date).astimezone(UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_entries(
    scorecard: Scorecard, history: History, packs: Collection[str], links: Links
) -> list[FeedEntry]:
    """Every entry of the feed, newest first (at most MAX_ENTRIES); ``packs`` are the months
    (``YYYY-MM``) that have a review pack on the site."""
    entries = list(_review_entries(scorecard, history, packs, links)) + list(
        _change_entries(scorecard, history, links)
    )
    entries.sort(key=lambda e: (e.updated, e.key), reverse=True)
    return entries[:MAX_ENTRIES]


def _committed(history: History, scorecard: Scorecard) -> Iterator[tuple[str, Entry]]:
    for kpi_id, entries in history.entries.items():
        if kpi_id in scorecard.kpis:
            for entry in entries:
                if entry.commit is not None and entry.date:
                    yield kpi_id, entry


def _review_entries(
    scorecard: Scorecard, history: History, packs: Collection[str], links: Links
) -> Iterator[FeedEntry]:
    """A review pack per month that has values: dated by the last commit that recorded one."""
    dates: dict[str, str] = {}
    recorded: dict[str, set[str]] = {}
    for kpi_id, entry in _committed(history, scorecard):
        date = utc(entry.date or "")
        for change in entry.changes:
            if change.field != "values" or change.month is None or change.kind == "removed":
                continue
            dates[change.month] = max(dates.get(change.month, date), date)
            recorded.setdefault(change.month, set()).add(kpi_id)
    for month, date in dates.items():
        if month not in packs:
            continue
        kpis = recorded[month]
        names = sorted(scorecard.kpis[k].name for k in kpis)
        yield FeedEntry(
            f"review:{month}",
            f"Review pack {month_label(month)}",
            date,
            links.page(f"reviews/{month}"),
            scorecard.settings.title,
            f"The review pack of {month_label(month)}, with values of "
            f"{len(names)} KPI{'' if len(names) == 1 else 's'}: {', '.join(names)}.",
        )


def _change_entries(scorecard: Scorecard, history: History, links: Links) -> Iterator[FeedEntry]:
    """A restatement or a target change: one entry per commit and KPI."""
    for kpi_id, entry in _committed(history, scorecard):
        if any(c.field == "name" and c.old is None for c in entry.changes):
            continue  # a new KPI: its first target and values are not changes
        wording = Wording.of(scorecard, kpi_id)
        for kind, fields in (("restated", ("values",)), ("target", ("target",))):
            sentences = [
                sentence
                for change in entry.changes
                if change.field in fields and (kind != "restated" or change.kind == "restated")
                for sentence in wording.sentences(change)
            ]
            if not sentences:
                continue
            name = scorecard.kpis[kpi_id].name
            yield FeedEntry(
                f"{kind}:{entry.commit}:{kpi_id}",
                f"{name}: {'; '.join(sentences)}",
                utc(entry.date or ""),
                links.kpi(kpi_id),
                entry.author or "",
                "\n".join([*sentences, f"Commit: {entry.subject}"]),
            )


def atom_feed(
    scorecard: Scorecard,
    history: History,
    packs: Collection[str],
    site_url: str | None,
    directory_urls: bool = True,
) -> str:
    """The feed as XML. Links are absolute under ``site_url``, else relative to the feed (which
    sits at the site's root); ids are the pages' addresses, or ``urn:kpi-scorecard:`` names of
    this scorecard's own (see ``_urn``)."""
    base = site_url.rstrip("/") + "/" if site_url else ""
    urn = _urn(scorecard, history)
    entries = feed_entries(scorecard, history, packs, Links(0, directory_urls, index=True))
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", base + FEED_PATH if base else urn + "feed")
    _text(feed, "title", scorecard.settings.title)
    _text(feed, "subtitle", "Review packs, restatements and target changes")
    _text(feed, "updated", entries[0].updated if entries else EPOCH)
    _link(feed, base + FEED_PATH, "self", "application/atom+xml")
    _link(feed, base or "./", "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", scorecard.settings.title)
    for item in entries:
        element = ET.SubElement(feed, f"{{{ATOM}}}entry")
        anchor = "" if item.key.startswith("review:") else "#" + item.key.replace(":", "-")
        _text(element, "id", base + item.path + anchor if base else urn + item.key)
        _text(element, "title", item.title)
        _text(element, "updated", item.updated)
        _link(element, base + item.path, "alternate", "text/html")
        entry_author = ET.SubElement(element, f"{{{ATOM}}}author")
        _text(entry_author, "name", item.author or scorecard.settings.title)
        _text(element, "content", item.content).set("type", "text")
    ET.indent(feed)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def _urn(scorecard: Scorecard, history: History) -> str:
    """Without ``site_url``, ids are names of this scorecard's own: after its repository's
    first commit (no other repository has it), else a digest of its title."""
    if history.revisions:
        return f"{URN}{history.revisions[-1].sha}:"
    digest = hashlib.sha256(scorecard.settings.title.encode()).hexdigest()[:16]
    return f"{URN}{digest}:"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = xml_text(text)
    return element


def _link(parent: ET.Element, href: str, rel: str, media_type: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"href": href, "rel": rel, "type": media_type})


def with_feed_link(page_html: str, href: str, title: str) -> str:
    """A built page with the feed announced in its head, so browsers and readers find it."""
    link = (
        f'<link rel="alternate" type="application/atom+xml" title="{escape(title)}" '
        f'href="{escape(href)}">'
    )
    return page_html.replace("</head>", link + "</head>", 1)
