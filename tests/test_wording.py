"""Changes said as sentences, with the KPI's unit and people's names (render/wording.py)."""

from __future__ import annotations

import pytest

from kpi_scorecard.audit.changes import Change
from kpi_scorecard.render.wording import Wording, excerpt, month_label, status_words

from .conftest import bare_kpi

EURO_KPI = bare_kpi("cpa", unit="currency", currency="EUR", decimals=0)
WORDING = Wording(EURO_KPI, {"maria": "María López", "ben": "Ben Carter"}, {"paid": "Paid media"})


def say(
    field: str, old: object, new: object, month: str | None = None, kind: str = "definition"
) -> list[str]:
    return WORDING.sentences(Change(field, month, old, new, kind))


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        ("added", None, 15463, "Oct 2026 reported: €15,463"),
        ("restated", 15463, 15600, "Oct 2026 restated from €15,463 to €15,600"),
        ("removed", 15463, None, "Oct 2026 value removed (was €15,463)"),
    ],
)
def test_values_are_said_in_the_kpis_unit(
    kind: str, old: object, new: object, expected: str
) -> None:
    assert say("values", old, new, "2026-10", kind) == [expected]


def test_a_stepped_target_says_each_step_that_changed() -> None:
    old = {"2025-04": 150, "2026-04": 150}
    new = {"2025-04": 150, "2026-04": 140, "2026-10": 130}
    assert say("target", old, new) == [
        "Target from €150 to €140 from Apr 2026",
        "Target of €130 from Oct 2026 added",
    ]
    assert say("target", 150, 140) == ["Target from €150 to €140"]
    assert say("target", None, {"2026-01": 5}) == ["Target of €5 from Jan 2026 added"]


def test_people_categories_and_lists_are_named() -> None:
    assert say("owner", "maria", "ben") == ["Owner from María López to Ben Carter"]
    assert say("owner", "maria", "nobody") == ["Owner from María López to nobody"]
    assert say("category", "paid", "other") == ["Category from Paid media to other"]
    assert say("daci", None, {"approver": "maria", "informed": ["ben"]}) == [
        "DACI set to approver María López; informed Ben Carter"
    ]
    assert say("tags", ["a", "b"], ["a"]) == ["Tags from a, b to a"]
    assert say("benchmark", None, {"value": 55, "source": "Report"}) == [
        "Benchmark set to €55 (Report)"
    ]


def test_notes_and_descriptions_are_not_definitions_and_stay_on_one_line() -> None:
    assert say("notes", None, "Paused the\nbroad-match campaign.", "2026-02") == [
        "Note for Feb 2026 added: “Paused the broad-match campaign.”"
    ]
    assert say("notes", "a", None, "2026-02") == ["Note for Feb 2026 removed"]
    assert say("description", "old text", "new text") == ["Description changed"]
    long_name = "x" * 200
    (sentence,) = say("name", "Short", long_name)
    assert sentence.startswith("Name from “Short” to “xxx") and sentence.endswith("…”")
    assert len(sentence) < 100


def test_segments_are_said_per_segment_and_month() -> None:
    old = {"search": {"2026-09": 10, "2026-10": 11}}
    new = {"search": {"2026-09": 10, "2026-10": 12}, "social": {"2026-10": 3}}
    assert say("segments", old, new) == [
        "Segment “search” Oct 2026 restated from €11 to €12",
        "Segment “social” Oct 2026 reported: €3",
    ]


def test_without_a_kpi_numbers_are_written_as_in_the_file() -> None:
    plain = Wording(None, {}, {})
    change = Change("values", "2026-03", 118.0, 121.5, "restated")
    assert plain.sentences(change) == ["Mar 2026 restated from 118 to 121.5"]
    assert plain.sentences(Change("owner", None, "ann", "bob", "definition")) == [
        "Owner from ann to bob"
    ]


def test_months_statuses_and_excerpts() -> None:
    assert month_label("2026-10") == "Oct 2026"
    assert month_label("not a month") == "not a month"
    assert status_words("amber") == "near target"
    assert excerpt("a\nb\u2028c", 10) == "a b c"
    assert excerpt("abcdefghijkl", 5) == "abcd…"
