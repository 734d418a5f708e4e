"""Contract 5.1 and 5.2: review days, events, and what each review showed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.model import Settings, parse_month
from kpi_scorecard.read.events import EVENT_KEYS
from kpi_scorecard.read.schema import events_schema, scorecard_schema
from kpi_scorecard.read.validate import load_scorecard

from .conftest import make_repo


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
