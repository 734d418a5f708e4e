"""``/feed.xml``: an Atom feed (RFC 4287) of review packs, restatements and target changes."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_scorecard.audit.changes import Change
from kpi_scorecard.audit.history import Entry, History
from kpi_scorecard.render.feed import atom_feed
from kpi_scorecard.render.pages import render_pages
from kpi_scorecard.repository import load_repository
from kpi_scorecard.site import prepare

from .conftest import FIXTURES, GitRepo

NS = {"a": "http://www.w3.org/2005/Atom"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
SITE = "https://kpi.example.com/s/"


def check_atom(text: str, site_url: str | None = None) -> ET.Element:
    """The parts of RFC 4287 a reader relies on: well-formed XML; the feed's id, title,
    updated, author and links; each entry's id, title, updated, alternate link and content;
    ids unique absolute IRIs (4.2.6); dates RFC 3339; entries newest first; at most one
    alternate link per type (4.1.1); links with an href, absolute under ``site_url`` when it is
    given; text constructs of type text, html or xhtml (3.1)."""
    feed = ET.fromstring(text)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"a:{name}", NS)) == 1, name
    assert feed.find("a:author/a:name", NS) is not None
    rels = {link.get("rel") for link in feed.findall("a:link", NS)}
    assert {"self", "alternate"} <= rels
    for parent in [feed, *feed.findall("a:entry", NS)]:
        alternates = [link.get("type") for link in parent.findall("a:link[@rel='alternate']", NS)]
        assert len(alternates) == len(set(alternates)), "one alternate link per type"
    for link in feed.iter("{http://www.w3.org/2005/Atom}link"):
        href = link.get("href") or ""
        assert href, ET.tostring(link)
        if site_url is not None:
            assert href.startswith(site_url), href
    for element in feed.iter():
        if element.tag.rsplit("}", 1)[-1] in ("title", "subtitle", "content", "summary"):
            assert element.get("type", "text") in ("text", "html", "xhtml"), element.tag
    if site_url is not None:
        self_link = feed.find("a:link[@rel='self']", NS)
        assert self_link is not None and self_link.get("href") == site_url + "feed.xml"
    ids = [feed.findtext("a:id", namespaces=NS)]
    dates = []
    for entry in feed.findall("a:entry", NS):
        for name in ("id", "title", "updated", "content"):
            assert len(entry.findall(f"a:{name}", NS)) == 1, (name, ET.tostring(entry))
        assert entry.find("a:link[@rel='alternate']", NS) is not None
        assert (entry.findtext("a:title", namespaces=NS) or "").strip()
        ids.append(entry.findtext("a:id", namespaces=NS))
        dates.append(entry.findtext("a:updated", namespaces=NS) or "")
    for date in [feed.findtext("a:updated", namespaces=NS) or "", *dates]:
        assert RFC3339.match(date), date
    assert len(ids) == len(set(ids)), "ids are unique"
    assert all(urlsplit(i or "").scheme for i in ids), "ids are absolute IRIs"
    instants = [datetime.fromisoformat(d.replace("Z", "+00:00")) for d in dates]
    assert instants == sorted(instants, reverse=True), "newest first"
    if dates:
        assert feed.findtext("a:updated", namespaces=NS) == dates[0]
    return feed


def titles(feed: ET.Element) -> list[str]:
    return [e.findtext("a:title", namespaces=NS) or "" for e in feed.findall("a:entry", NS)]


def test_the_feed_follows_the_history(kpi_repo: GitRepo) -> None:
    kpi_repo.edit("kpis/sales/orders.yaml", "2026-01: 90", "2026-01: 92")
    kpi_repo.commit("Orders: January corrected", author="Bob Brown")
    kpi_repo.edit("kpis/sales/spend.yaml", "target: 5000", "target: 4800")
    kpi_repo.commit("Spend: a leaner target", author="Cy Clay")
    state, _ = prepare(kpi_repo.path)
    data = dataclasses.replace(state.data, site_url=SITE)
    feed = check_atom(render_pages(data)["feed.xml"], SITE)
    shown = titles(feed)
    # Newest first: the target change (day 3), then the restatement and the pack of January
    # (whose value was last recorded by that restatement, on day 2), then the other packs.
    assert shown[0] == "Spend: Target from €5,000 to €4,800"
    assert set(shown[1:3]) == {"Orders: Jan 2026 restated from 90 to 92", "Review pack Jan 2026"}
    assert {"Review pack Feb 2026", "Review pack Mar 2026", "Review pack Apr 2026"} <= set(shown)
    first = feed.find("a:entry", NS)
    assert first is not None
    assert first.findtext("a:updated", namespaces=NS) == "2026-03-03T12:00:00Z"  # the commit's
    assert first.findtext("a:author/a:name", namespaces=NS) == "Cy Clay"
    link = first.find("a:link", NS)
    assert link is not None and link.get("href") == f"{SITE}kpis/spend/"
    # The KPI files' first commit is not news: no "Target set to" entries for new KPIs.
    assert not any("set to" in title for title in shown)


def test_without_history_or_site_url_the_feed_is_still_valid(tmp_path) -> None:  # type: ignore[no-untyped-def]
    repository = load_repository(FIXTURES / "valid")
    feed = check_atom(atom_feed(repository.scorecard, History({}), {"2026-03"}, None))
    assert feed.findtext("a:updated", namespaces=NS) == "1970-01-01T00:00:00Z"  # never the clock
    ids = {feed.findtext("a:id", namespaces=NS)}
    other = dataclasses.replace(
        repository.scorecard,
        settings=dataclasses.replace(repository.scorecard.settings, title="Another scorecard"),
    )
    ids.add(check_atom(atom_feed(other, History({}), set(), None)).findtext("a:id", namespaces=NS))
    assert len(ids) == 2  # Atom ids are universally unique, not the same in every scorecard
    assert all(i and i.startswith("urn:kpi-scorecard:") and i.endswith(":feed") for i in ids)


def test_without_site_url_ids_are_named_after_the_repositorys_first_commit(
    kpi_repo: GitRepo,
) -> None:
    state, _ = prepare(kpi_repo.path)
    first = state.data.history.revisions[-1].sha
    feed = check_atom(atom_feed(state.data.scorecard, state.data.history, {"2026-03"}, None))
    ids = [e.findtext("a:id", namespaces=NS) or "" for e in feed.findall("a:entry", NS)]
    assert ids and all(i.startswith(f"urn:kpi-scorecard:{first}:") for i in ids)


hostile = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from("<&>\x00\x1b\ufffe]]>"),
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(title=hostile, name=hostile, author=hostile, subject=hostile)
def test_data_text_is_escaped_and_the_feed_stays_well_formed(
    title: str, name: str, author: str, subject: str
) -> None:
    repository = load_repository(FIXTURES / "valid")
    scorecard = repository.scorecard
    orders = dataclasses.replace(scorecard.kpis["orders"], name=name or "n")
    scorecard = dataclasses.replace(
        scorecard,
        kpis={**scorecard.kpis, "orders": orders},
        settings=dataclasses.replace(scorecard.settings, title=title or "t"),
    )
    history = History(
        {
            "orders": (
                Entry(
                    "c" * 40,
                    "2026-03-02T23:30:00-05:00",
                    author,
                    subject,
                    (Change("values", "2026-01", 88, 90, "restated"),),
                ),
            )
        }
    )
    feed = check_atom(atom_feed(scorecard, history, {"2026-01"}, SITE), SITE)
    dates = {e.findtext("a:updated", namespaces=NS) for e in feed.findall("a:entry", NS)}
    assert dates == {"2026-03-03T04:30:00Z"}  # in UTC


def test_the_built_site_serves_the_feed_and_announces_it_on_every_page(kpi_repo: GitRepo) -> None:
    from click.testing import CliRunner

    from kpi_scorecard.cli import main

    result = CliRunner().invoke(main, ["build", str(kpi_repo.path)])
    assert result.exit_code == 0, result.output
    site = kpi_repo.path / "site"
    check_atom((site / "feed.xml").read_text())
    for page, href in [("index.html", "feed.xml"), ("kpis/orders/index.html", "../../feed.xml")]:
        head = (site / page).read_text().split("</head>")[0]
        assert (
            '<link rel="alternate" type="application/atom+xml" '
            f'title="Acme marketing scorecard: changes" href="{href}">'
        ) in head, page


def test_the_feed_matches_its_golden_file() -> None:
    """A review pack, a restatement and a target change, as a reader gets them."""
    from .test_render import check_golden

    history = History(
        {
            "orders": (
                Entry(
                    "b" * 40,
                    "2026-02-03T10:00:00+01:00",
                    "Bob Brown",
                    "Orders: January corrected",
                    (Change("values", "2026-01", 88, 90, "restated"),),
                ),
            ),
            "spend": (
                Entry(
                    "c" * 40,
                    "2026-02-04T09:00:00+00:00",
                    "Cy Clay",
                    "Spend: a leaner target",
                    (Change("target", None, 5000, 4800, "definition"),),
                ),
            ),
        }
    )
    scorecard = load_repository(FIXTURES / "valid").scorecard
    feed = atom_feed(scorecard, history, {"2026-01", "2026-02"}, SITE)
    check_atom(feed, SITE)
    check_golden("feed.xml", feed)
