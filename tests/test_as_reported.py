"""Contract 5.1 and 5.2: review days, events, and what each review showed."""

from __future__ import annotations

import html
import json
import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.model import Settings, parse_month
from kpi_scorecard.read.events import EVENT_KEYS
from kpi_scorecard.read.schema import events_schema, scorecard_schema
from kpi_scorecard.read.validate import load_scorecard
from kpi_scorecard.render.chart import chart
from kpi_scorecard.render.markers import chart_markers, within
from kpi_scorecard.render.pages import render_pages
from kpi_scorecard.render.wording import Wording
from kpi_scorecard.site import prepare

from .conftest import GitRepo, make_repo


def as_language_server_reads(text: str) -> object:
    """YAML 1.2, as editors read it: a date is text (PyYAML's 1.1 makes it a date)."""
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


SETTINGS = """\
title: Test scorecard
fiscal_year_start: 4
currency: EUR
categories: {sales: Sales, cost: Cost}
review:
  presenters: [ann, bob, cy]
  day: 12
  held: {2026-02: 2026-03-09, '2026-03': '2026-04-20'}
"""

EVENTS = """\
- {date: 2026-03-14, title: Site migration, kpis: [orders, spend]}
- date: 2026-01-05
  title: Price change
"""


def test_review_day_and_held_dates_are_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "kpis" / "scorecard.yaml").write_text(SETTINGS)
    settings = load_scorecard(repo)[0].settings
    february, march, april = (parse_month(m) or 0 for m in ("2026-02", "2026-03", "2026-04"))
    assert settings.review_day == 12
    assert settings.review_date(february) == date(2026, 3, 9)
    assert settings.review_date(march) == date(2026, 4, 20)
    assert settings.review_date(april) == date(2026, 5, 12)
    assert jsonschema.Draft202012Validator(scorecard_schema()).is_valid(
        as_language_server_reads(SETTINGS)
    )


@given(st.integers(2000 * 12, 2100 * 12), st.integers(1, 31))
def test_a_review_is_on_its_day_of_the_next_month_or_that_month_s_last(
    month: int, day: int
) -> None:
    held = Settings(review_day=day).review_date(month)
    assert (held.year * 12 + held.month - 1) == month + 1
    assert held.day == day or date.fromordinal(held.toordinal() + 1).day == 1


def test_the_default_review_day_is_the_tenth() -> None:
    assert Settings().review_date(parse_month("2026-12") or 0) == date(2027, 1, 10)


def test_events_are_read_in_date_order(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "kpis" / "events.yaml").write_text(EVENTS)
    events = load_scorecard(repo)[0].events
    assert [(e.date, e.title, e.kpis) for e in events] == [
        (date(2026, 1, 5), "Price change", None),
        (date(2026, 3, 14), "Site migration", ("orders", "spend")),
    ]
    assert events[0].concerns("orders") and not events[1].concerns("cost_per_order")
    schema = events_schema()
    assert list(schema["items"]["properties"]) == list(EVENT_KEYS)
    assert jsonschema.Draft202012Validator(schema).is_valid(as_language_server_reads(EVENTS))
    assert not jsonschema.Draft202012Validator(schema).is_valid([{"date": "2026-01-05"}])


# -- what each review showed ---------------------------------------------------------------


def reviewed_repo(tmp_path: Path) -> GitRepo:
    """The fixture's history around its reviews (held on the 10th; February's on 4 March):
    set up on 5 Feb, January's orders restated on 20 Feb (after January's review), spend's
    target raised on 5 Mar (after February's review)."""
    repo = GitRepo(make_repo(tmp_path / "repo"))
    repo.edit(
        "kpis/scorecard.yaml",
        "review:\n",
        "review:\n  held: {2026-02: 2026-03-04}\n",
    )
    repo.commit("Start the scorecard", on="2026-02-05")
    repo.edit("kpis/sales/orders.yaml", "2026-01: 90", "2026-01: 95")
    repo.commit("Orders: duplicates removed", author="Bob Brown", on="2026-02-20")
    repo.edit("kpis/sales/spend.yaml", "target: 5000", "target: 5500")
    repo.commit("Spend: new budget", author="Cy Clay", on="2026-03-05")
    return repo


Edit = tuple[str, str, str]
"""(file, text, what it becomes)."""


def edited_after_january_review(tmp_path: Path, before: list[Edit], after: list[Edit]) -> GitRepo:
    """The fixture with ``before``'s edits committed on 5 Feb, then ``after``'s on 20 Feb,
    after January's review (held on the 10th)."""
    repo = GitRepo(make_repo(tmp_path / "repo"))
    for edits, day in ((before, "2026-02-05"), (after, "2026-02-20")):
        for edit in edits:
            repo.edit(*edit)
        repo.commit(f"Edits of {day}", on=day)
    return repo


def build_pages(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The site's pages as a build on HEAD's day renders them."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", repo.git("log", "-1", "--format=%ct"))
    state, _ = prepare(repo.path)
    return {k: v for k, v in render_pages(state.data).items() if isinstance(v, str)}


def review_of(pages: dict[str, str], month: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(pages[f"data/reviews/{month}.json"])
    return document


def test_a_review_shows_the_figures_of_its_day_and_lists_the_restatement_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = reviewed_repo(tmp_path)
    first = repo.git("rev-list", "--max-parents=0", "HEAD")
    january = review_of(build_pages(repo, monkeypatch), "2026-01")
    assert (january["month"], january["held"], january["commit"]) == (
        "2026-01",
        "2026-02-10",
        first,
    )
    orders = next(k for k in january["kpis"] if k["id"] == "orders")
    assert (orders["value"], orders["target"], orders["status"]) == (90, 100, "red")
    assert list(orders)[:2] == ["id", "presenter"] and orders["presenter"] in ("bob", "cy")
    restated = [s for s in january["since"] if s["kind"] == "restated"]
    assert restated == [
        {"kpi": "orders", "field": "values", "month": "2026-01", "old": 90, "new": 95,
         "kind": "restated", "commit": repo.git("rev-parse", "HEAD~1"),
         "date": "2026-02-20T12:00:00+00:00", "author": "Bob Brown",
         "subject": "Orders: duplicates removed"},
    ]  # fmt: skip
    assert any(s["kpi"] == "spend" and s["field"] == "target" for s in january["since"])


def test_a_held_date_overrides_the_review_day_and_a_target_change_after_it_is_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = reviewed_repo(tmp_path)
    february = review_of(build_pages(repo, monkeypatch), "2026-02")
    assert february["held"] == "2026-03-04"
    assert february["commit"] == repo.git("rev-parse", "HEAD~1")
    spend = next(k for k in february["kpis"] if k["id"] == "spend")
    assert (spend["value"], spend["target"]) == (5200, 5000)
    assert [(s["kpi"], s["field"], s["old"], s["new"], s["kind"]) for s in february["since"]] == [
        ("spend", "target", 5000, 5500, "definition")
    ]


def test_a_review_still_ahead_is_a_draft_and_one_before_the_history_has_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(make_repo(tmp_path / "repo"))
    repo.commit("Start the scorecard", on="2026-02-12")
    repo.edit("kpis/sales/spend.yaml", "2026-03: 5100", "2026-03: 5150")
    repo.commit("Spend: March", on="2026-03-20")
    pages = build_pages(repo, monkeypatch)
    assert review_of(pages, "2026-01") == {
        "month": "2026-01", "held": "2026-02-10", "commit": None, "kpis": [], "since": []
    }  # fmt: skip
    assert review_of(pages, "2026-02")["commit"] == repo.git("rev-list", "--max-parents=0", "HEAD")
    assert review_of(pages, "2026-03") == {
        "month": "2026-03", "held": "2026-04-10", "commit": None, "kpis": [], "since": []
    }  # fmt: skip


def test_a_shallow_clone_has_no_record_of_any_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = reviewed_repo(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin.path}", str(clone)], check=True
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", origin.git("log", "-1", "--format=%ct"))
    state, _ = prepare(clone)
    january = state.data.reviews[parse_month("2026-01") or 0]
    assert (january.state, january.commit) == ("no_record", None)
    assert january.reason is not None and "shallow clone" in january.reason


def test_the_pack_shows_the_figures_as_reported_and_marks_each_change_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = build_pages(reviewed_repo(tmp_path), monkeypatch)
    january = pages["reviews/2026-01.md"]
    assert "As reported at the review of 10 February 2026" in january
    orders = next(line for line in january.splitlines() if ">Orders<" in line)
    assert ">90<" in orders
    assert "value now 95: restated by Bob Brown on 2026-02-20: Orders: duplicates removed" in orders
    cost = next(line for line in january.splitlines() if ">Cost per order<" in line)
    assert "recalculated: an input changed" in cost
    february = pages["reviews/2026-02.md"]
    spend = next(line for line in february.splitlines() if ">Spend<" in line)
    # The thousands separator is the locale's.
    assert re.search(
        r"target now €5\D?500: changed by Cy Clay on 2026-03-05: Spend: new budget", spend
    )
    assert "Draft: this review is held on 10 April 2026" in pages["reviews/2026-03.md"]


# -- events and definition changes (5.2), /changes/ -------------------------------------------


def test_charts_mark_the_events_and_definition_changes_of_their_kpi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = reviewed_repo(tmp_path)
    repo.write("kpis/events.yaml", EVENTS)
    repo.commit("Events", on="2026-03-06")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", repo.git("log", "-1", "--format=%ct"))
    data = prepare(repo.path)[0].data
    spend = data.scorecard.kpis["spend"]
    series = data.results.series["spend"]
    wording = Wording.of(data.scorecard, "spend")
    markers = within(
        chart_markers("spend", data.scorecard.events, data.history.of("spend"), wording),
        series.months,
    )
    figure = chart(spend, series, "EUR", None, markers)
    traces = {trace["name"]: trace for trace in figure["data"]}
    assert traces["Events"]["x"] == ["2026-01-05", "2026-03-14"]
    assert traces["Events"]["text"] == ["2026-01-05: Price change", "2026-03-14: Site migration"]
    assert traces["Definition changes"]["x"] == ["2026-03-05"]
    said = traces["Definition changes"]["text"][0].replace("<br>", " ")  # wrapped for the hover
    assert "Cy Clay on 2026-03-05: Spend: new budget" in said
    assert [shape["x0"] for shape in figure["layout"]["shapes"]] == [
        "2026-01-05", "2026-03-05", "2026-03-14"
    ]  # fmt: skip
    orders = chart_markers("orders", data.scorecard.events, data.history.of("orders"), wording)
    cost = chart_markers("cost_per_order", data.scorecard.events, (), wording)
    assert [m.kind for m in orders] == ["event", "event"]  # a restatement is no definition
    assert [m.text for m in cost] == ["2026-01-05: Price change"]  # the event names no KPIs


def test_changes_lists_the_restatements_made_after_a_review_and_the_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = reviewed_repo(tmp_path)
    repo.write("kpis/events.yaml", EVENTS)
    repo.edit("kpis/sales/spend.yaml", "2026-03: 5100", "2026-03: 5150")  # before its review
    repo.commit("Events", on="2026-03-06")
    pages = build_pages(repo, monkeypatch)
    changes = pages["changes.md"]
    restated = changes.split("## Restated after review")[1].split("## Events")[0]
    assert restated.count("<tr>") == 2  # the heading row and the one restatement
    assert "Orders: duplicates removed" in restated and "5150" not in restated
    assert 'href="#restated-after-review"' in changes
    assert "Site migration" in changes.split("## Events")[1]
    assert "Site migration" in pages["reviews/2026-03.md"]
    assert "Price change" in pages["reviews/2026-01.md"]
    assert "Site migration" not in pages["reviews/2026-01.md"]


def test_a_business_build_leaves_internal_kpis_out_of_what_reviews_showed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = edited_after_january_review(
        tmp_path,
        [("kpis/sales/spend.yaml", "target: 5000", "target: 5000\naudience: [internal]")],
        [
            ("kpis/sales/spend.yaml", "2026-01: 4800", "2026-01: 4700"),
            ("kpis/sales/orders.yaml", "2026-01: 90", "2026-01: 95"),
        ],
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", repo.git("log", "-1", "--format=%ct"))
    january = prepare(repo.path, audience="business")[0].data.reviews[parse_month("2026-01") or 0]
    assert "spend" not in january.kpis and "orders" in january.kpis
    assert {item.kpi for item in january.since} == {"orders"}


def test_the_pack_shows_the_note_as_written_on_the_day_sanitised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = edited_after_january_review(
        tmp_path,
        [
            (
                "kpis/sales/orders.yaml",
                "notes:\n",
                "notes:\n  2026-01: Slow start <script>alert(1)</script>\n",
            )
        ],
        [("kpis/sales/orders.yaml", "Slow start", "Rewritten later.")],
    )
    january = build_pages(repo, monkeypatch)["reviews/2026-01.md"]
    orders = next(line for line in january.splitlines() if ">Orders<" in line)
    assert "Slow start" in orders and "Rewritten" not in orders
    assert "<script" not in orders


def test_since_lists_notes_of_the_review_s_months_not_of_later_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = edited_after_january_review(
        tmp_path,
        [("kpis/sales/orders.yaml", "notes:\n", "notes:\n  2026-01: Slow start.\n")],
        [
            ("kpis/sales/orders.yaml", "Slow start.", "Slow start, the site was down."),
            ("kpis/sales/orders.yaml", "Spring promotion.", "Spring promotion, extended."),
        ],
    )
    january = review_of(build_pages(repo, monkeypatch), "2026-01")
    assert [(s["field"], s["month"]) for s in january["since"]] == [("notes", "2026-01")]


def test_a_kpi_page_s_chart_carries_its_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = reviewed_repo(tmp_path)
    repo.write("kpis/events.yaml", EVENTS)
    repo.commit("Events", on="2026-03-06")
    page = build_pages(repo, monkeypatch)["kpis/spend.md"]
    found = re.search(r"data-chart='([^']*)'", page)
    assert found is not None
    figure = json.loads(html.unescape(found.group(1)))
    names = [trace["name"] for trace in figure["data"]]
    assert "Events" in names and "Definition changes" in names
    assert len(figure["layout"]["shapes"]) == 3


def test_an_uncommitted_restatement_is_marked_as_not_committed_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = reviewed_repo(tmp_path)
    repo.edit("kpis/sales/orders.yaml", "2026-02: 104", "2026-02: 101")
    february = build_pages(repo, monkeypatch)["reviews/2026-02.md"]
    orders = next(line for line in february.splitlines() if ">Orders<" in line)
    assert "value now 101: changed in the working tree, not committed yet" in orders
    assert ">104<" in orders


def test_reviews_read_from_later_versions_show_what_parsing_every_file_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team's monthly update (a month added to each file, a note, a restatement): the files
    of past reviews read from their later versions (read/earlier.py) give every review's JSON
    that reading each file with the parser gives."""
    from kpi_scorecard.audit import asreported

    orders, spend = "kpis/sales/orders.yaml", "kpis/sales/spend.yaml"
    repo = GitRepo(make_repo(tmp_path / "repo"))
    repo.edit(orders, "  2026-02: 104\n  2026-03: 118\n  2026-04: null\n", "")
    repo.edit(orders, "  2026-02: Spring promotion.\n", "")
    repo.edit(spend, "  2026-02: 5200\n  2026-03: 5100\n  2026-04: 4900\n", "")
    repo.commit("Start the scorecard", on="2026-02-05")
    repo.edit(orders, "  2026-01: 90\n", "  2026-01: 90\n  2026-02: 104\n")
    repo.edit(orders, "notes:\n", "notes:\n  2026-02: Spring promotion.\n")
    repo.edit(spend, "  2026-01: 4800\n", "  2026-01: 4800\n  2026-02: 5200\n")
    repo.commit("February", on="2026-03-05")
    repo.edit(orders, "  2026-01: 90\n", "  2026-01: 95\n")  # a restatement: parsed
    repo.edit(orders, "  2026-02: 104\n", "  2026-02: 104\n  2026-03: 118\n")
    repo.edit(spend, "  2026-02: 5200\n", "  2026-02: 5200\n  2026-03: 5100\n")
    repo.commit("March", on="2026-04-05")
    repo.edit(orders, "  2026-03: 118\n", "  2026-03: 118\n  2026-04: 121\n")
    repo.edit(spend, "  2026-03: 5100\n", "  2026-03: 5100\n  2026-04: 4900\n")
    repo.commit("April", on="2026-05-05")

    derived: list[str] = []
    kpi_before = asreported.kpi_before

    def counted(later: Any, later_text: bytes, earlier_text: bytes) -> Any:
        kpi = kpi_before(later, later_text, earlier_text)
        derived.extend([] if kpi is None else [kpi.id])
        return kpi

    monkeypatch.setattr(asreported, "kpi_before", counted)
    monkeypatch.setenv("KPI_BUILD_PROCESSES", "1")  # counted here
    read_from_later = build_pages(repo, monkeypatch)
    assert derived.count("spend") >= 3 and "orders" in derived
    asreported._shown.clear()
    monkeypatch.setattr(asreported, "kpi_before", lambda *_: None)
    parsed = build_pages(repo, monkeypatch)
    months = ["2026-01", "2026-02", "2026-03"]
    assert [review_of(read_from_later, m) for m in months] == [review_of(parsed, m) for m in months]
    assert review_of(parsed, "2026-02")["kpis"][1]["value"] == 104
