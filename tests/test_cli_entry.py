"""Data entry that does not go through silently: kpi set and kpi import say what changed,
question a value far outside the KPI's history, and refuse a segment the KPI does not have."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_scorecard.cli import main
from kpi_scorecard.edit.plausible import FACTOR, far_from_history
from kpi_scorecard.model import parse_month

from .conftest import bare_kpi, make_repo

CONVERSION = (
    "name: Conversion rate\ndescription: Orders per visit.\ncategory: sales\nowner: ann\n"
    "better: higher\nunit: percent\ndecimals: 1\n"
    "values:\n  2026-01: 41.2\n  2026-02: 39.8\n  2026-03: 40.5\n  2026-04: 42.1\n"
)
SEGMENTS = (
    "segments:\n  search:\n    2026-01: 3200\n    2026-02: 3050\n    2026-03: 3000\n"
    "    2026-04: 3100\n  social:\n    2026-04: 1800\n"
)


def run(repo: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--repo", str(repo)])
    return result.exit_code, result.stdout, result.stderr


def snapshot(repo: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted((repo / "kpis").rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    (repo / "kpis" / "sales" / "conversion.yaml").write_text(CONVERSION)
    spend = repo / "kpis" / "sales" / "spend.yaml"
    spend.write_text(spend.read_text() + SEGMENTS)
    return repo


# -- what changed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["orders", "2026-02", "110"], "orders Feb 2026: 104 -> 110 (restated)"),
        (["orders", "2026-02", "104"], "orders Feb 2026: 104 (unchanged)"),
        (["orders", "2026-04", "121"], "orders Apr 2026: not reported -> 121 (added)"),
        (["orders", "2026-05", "125"], "orders May 2026: 125 (added)"),
        (["orders", "2026-03", "null"], "orders Mar 2026: 118 -> not reported (removed)"),
        (["spend", "2026-04", "4951"], "spend Apr 2026: €4,900 -> €4,951 (restated)"),
        (["conversion", "2026-04", "42.35"], "conversion Apr 2026: 42.1% -> 42.4% (restated)"),
        (
            ["spend", "2026-04", "3150", "--segment", "search"],
            "spend (search) Apr 2026: €3,100 -> €3,150 (restated)",
        ),
        (
            ["orders", "2026-02", "104", "--note", "Spring   promotion\nended early."],
            "orders Feb 2026: 104 (unchanged); note changed: “Spring promotion ended early.”",
        ),
        (
            ["orders", "2026-03", "119", "--note", "Easter."],
            "orders Mar 2026: 118 -> 119 (restated); note added: “Easter.”",
        ),
    ],
)
def test_kpi_set_says_what_changed(repo: Path, args: list[str], said: str) -> None:
    code, out, err = run(repo, "set", *args)
    assert code == 0, out + err
    assert out == said + "\n"
    assert err.startswith("updated kpis/sales/")


def test_a_note_is_said_without_its_control_characters(repo: Path) -> None:
    code, out, _ = run(repo, "set", "orders", "2026-03", "118", "--note", "a\x1b[31mred\u202eb")
    assert (code, out) == (
        0,
        "orders Mar 2026: 118 (unchanged); note added: “a\\x1b[31mred\\u202eb”\n",
    )


def test_kpi_import_says_what_changed_row_by_row(repo: Path) -> None:
    rows = repo / "rows.csv"
    rows.write_text("kpi,month,value\norders,2026-04,121\nspend,2026-05,5050\n")
    code, out, err = run(repo, "import", str(rows))
    assert code == 0, out + err
    assert out.splitlines() == [
        "orders Apr 2026: not reported -> 121 (added)",
        "spend May 2026: €5,050 (added)",
    ]
    assert err == "2 files updated\n"


# -- far outside the history -----------------------------------------------------------------


def test_a_fraction_in_a_percent_kpi_is_named_and_refused(repo: Path) -> None:
    before = snapshot(repo)
    code, out, _ = run(repo, "set", "conversion", "2026-05", "0.4")
    assert (code, out) == (
        1,
        "error: value: conversion May 2026: 0.4 looks like a fraction; percent KPIs are written "
        "as percentages (40 means 40 %) (if the value is right, run the command again with "
        "--confirm)\n",
    )
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["orders", "2026-05", "1180"],
            "error: value: orders May 2026: 1180 is more than 5 times the highest value around it "
            "(118) (if the value is right, run the command again with --confirm)",
        ),
        (
            ["orders", "2026-05", "11"],
            "error: value: orders May 2026: 11 is less than 1/5 of the lowest value around it "
            "(90) (if the value is right, run the command again with --confirm)",
        ),
        (
            ["spend", "2026-04", "31", "--segment", "search"],
            "error: value: spend (search) Apr 2026: 31 is less than 1/5 of the lowest value around "
            "it (€3,000) (if the value is right, run the command again with --confirm)",
        ),
    ],
)
def test_a_value_far_outside_the_history_is_refused_with_the_reason(
    repo: Path, args: list[str], message: str
) -> None:
    before = snapshot(repo)
    code, out, _ = run(repo, "set", *args)
    assert code == 1
    assert out.splitlines()[0] == message
    assert snapshot(repo) == before


def test_confirm_records_a_value_far_outside_the_history(repo: Path) -> None:
    code, out, _ = run(repo, "set", "conversion", "2026-05", "0.4", "--confirm")
    assert (code, out) == (0, "conversion May 2026: 0.4% (added)\n")
    assert "  2026-05: 0.4\n" in (repo / "kpis/sales/conversion.yaml").read_text()


def test_an_import_with_a_value_far_outside_is_refused_whole_unless_confirmed(repo: Path) -> None:
    rows = repo / "rows.csv"
    rows.write_text("orders,2026-05,120\nconversion,2026-05,0.41\n")
    before = snapshot(repo)
    code, out, _ = run(repo, "import", str(rows))
    assert code == 1
    assert out.splitlines()[0] == (
        f"{rows}:2: error: value: conversion May 2026: 0.41 looks like a fraction; percent KPIs "
        "are written as percentages (41 means 41 %) (if the value is right, run the command "
        "again with --confirm)"
    )
    assert snapshot(repo) == before
    assert run(repo, "import", str(rows), "--confirm")[0] == 0


def test_a_value_with_too_little_history_is_not_judged(repo: Path) -> None:
    """Social has one month: nothing to compare against."""
    assert run(repo, "set", "spend", "2026-05", "9", "--segment", "social")[0] == 0


KPI = bare_kpi("traffic", values={parse_month(f"2026-{m:02d}") or 0: 1000.0 for m in range(1, 13)})
MONTH = parse_month("2026-06") or 0


@given(st.floats(1000 / FACTOR, 1000 * FACTOR))
def test_values_within_the_factor_of_a_steady_history_pass(value: float) -> None:
    assert far_from_history(KPI, None, MONTH, value, None) is None


@settings(max_examples=50)
@given(
    st.floats(1000 * FACTOR, 1e12, exclude_min=True)
    | st.floats(0, 1000 / FACTOR, exclude_min=True, exclude_max=True)
    | st.floats(-1e12, 1000 - FACTOR * 1000, exclude_max=True)
)
def test_values_beyond_the_factor_are_questioned(value: float) -> None:
    """Above 5 times, below a fifth, or (zero and below) further below the lowest value than
    5 times the history's size (here 1000)."""
    assert far_from_history(KPI, None, MONTH, value, None) is not None


@given(st.floats(1000 - FACTOR * 1000, 0))
def test_zero_or_a_loss_near_a_positive_history_is_not_questioned(value: float) -> None:
    """A paused channel (0) or a margin's loss month (-3.5) is not a typing mistake."""
    assert far_from_history(KPI, None, MONTH, value, None) is None


def test_a_history_around_zero_is_judged_by_its_spread() -> None:
    months = [parse_month(f"2026-{m:02d}") or 0 for m in range(1, 7)]
    margin = bare_kpi(
        "margin", values=dict(zip(months, [-2.0, 1.5, 0.5, -1.0, 2.5, 0.0], strict=True))
    )
    month = parse_month("2026-07") or 0
    assert far_from_history(margin, None, month, -3.5, None) is None
    assert far_from_history(margin, None, month, 30.0, None) == (
        "margin Jul 2026: 30 is far outside the values around it (-2 to 2.50)"
    )


# -- segments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi", "segment", "message"),
    [
        (
            "spend",
            "serch",
            "error: segment: spend has no segment 'serch' (did you mean 'search'? "
            "A new segment needs --new-segment)",
        ),
        (
            "spend",
            "email",
            "error: segment: spend has no segment 'email' (its segments: search, social; "
            "a new segment needs --new-segment)",
        ),
        (
            "orders",
            "search",
            "error: segment: orders has no segments yet (a new segment needs --new-segment)",
        ),
    ],
)
def test_an_unknown_segment_is_refused(repo: Path, kpi: str, segment: str, message: str) -> None:
    before = snapshot(repo)
    code, out, _ = run(repo, "set", kpi, "2026-04", "3000", "--segment", segment)
    assert code == 1
    assert out.splitlines()[0] == message
    assert snapshot(repo) == before


def test_new_segment_starts_one(repo: Path) -> None:
    code, out, _ = run(
        repo, "set", "spend", "2026-04", "700", "--segment", "email", "--new-segment"
    )
    assert (code, out) == (0, "spend (email) Apr 2026: €700 (added)\n")
    assert "  email:\n    2026-04: 700\n" in (repo / "kpis/sales/spend.yaml").read_text()


def test_an_import_row_with_an_unknown_segment_is_reported_at_its_line(repo: Path) -> None:
    rows = repo / "rows.csv"
    rows.write_text("kpi,month,value,note,segment\nspend,2026-05,3000,,serch\n")
    code, out, _ = run(repo, "import", str(rows))
    assert code == 1
    assert out.splitlines()[0] == (
        f"{rows}:2: error: segment: spend has no segment 'serch' (did you mean 'search'? "
        "A new segment needs --new-segment)"
    )
