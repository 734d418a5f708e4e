""" "Ask about this number": a prefilled new GitHub issue from every KPI page and review row."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_scorecard.model import parse_month
from kpi_scorecard.render.ask import ask_link
from kpi_scorecard.render.pages import render_pages
from kpi_scorecard.site import prepare

from .conftest import FIXTURES

REPO = "https://github.com/acme/scorecard"


class AskLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and dict(attrs).get("class") == "kpi-ask":
            self.links.append(dict(attrs))


def ask_links(html: str) -> list[dict[str, str | None]]:
    parser = AskLinks()
    parser.feed(html)
    return parser.links


def issue_fields(href: str | None) -> tuple[str, str]:
    assert href is not None and href.startswith(f"{REPO}/issues/new?"), href
    query = parse_qs(urlsplit(href).query)
    return query["title"][0], query["body"][0]


def pages(repo_url: str | None) -> dict[str, str]:
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    return render_pages(dataclasses.replace(state.data, repo_url=repo_url))


def test_kpi_pages_and_review_rows_ask_with_the_kpi_month_value_and_owner() -> None:
    rendered = pages(REPO + "/")
    (kpi_link,) = ask_links(rendered["kpis/orders.md"])
    title, body = issue_fields(kpi_link["href"])
    # The reporting month of the fixture is Apr 2026, when orders were not reported.
    assert title == "Orders: — in Apr 2026"
    assert "**Orders** (`orders`) in Apr 2026 (2026-04)" in body
    assert "@ann-a (owner)" in body  # people.yaml: ann's github handle
    assert kpi_link["target"] == "_blank" and "noopener" in (kpi_link["rel"] or "")
    review = ask_links(rendered["reviews/2026-03.md"])
    assert len(review) == 3  # one per row
    titles = sorted(issue_fields(link["href"])[0] for link in review)
    assert titles == [
        "Cost per order: €43.22 in Mar 2026",
        "Orders: 118 in Mar 2026",
        "Spend: €5,100 in Mar 2026",
    ]
    spend = next(link for link in review if "Spend" in (link["aria-label"] or ""))
    assert spend["aria-label"] == "Ask about this number: Spend, Mar 2026"
    assert "Bob Brown (owner)" in issue_fields(spend["href"])[1]  # no handle: the name


def test_without_repo_url_there_is_nowhere_to_ask() -> None:
    rendered = pages(None)
    assert not any("kpi-ask" in text for text in rendered.values())


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=40))
def test_the_kpi_name_stays_text_in_the_link_and_the_issue(name: str) -> None:
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    scorecard = state.data.scorecard
    kpi = dataclasses.replace(scorecard.kpis["spend"], name=name)
    month = parse_month("2026-03")
    assert month is not None
    html = ask_link(kpi, scorecard, month, 5100.0, REPO)
    (found,) = ask_links(html)
    title, body = issue_fields(found["href"])
    assert title.startswith(" ".join(name.split())[:50].strip()) or not name.strip()
    assert "€5,100" in body
