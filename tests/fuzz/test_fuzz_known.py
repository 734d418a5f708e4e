"""The findings of the fuzz suite, one test each: issue 12's points and what ``make fuzz``
found on main before the fixes of issue 12 were merged. A finding still open is an xfail."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.model import parse_month
from kpi_scorecard.read.validate import load_scorecard

from . import budget
from .harness import BASES, PROBLEM_LINE, output_findings, run_kpi, scorecard, snapshot
from .mutations import LINE_SEPARATORS

EXAMPLE = BASES["example"]
CPC = "kpis/efficiency/cpc.yaml"


@budget(short=20)
@given(
    note=st.lists(st.one_of(st.sampled_from(LINE_SEPARATORS), st.text(max_size=3)), min_size=1)
    .map("".join)
    .filter(lambda n: n.strip() and any(c in n for c in LINE_SEPARATORS))
)
def test_a_note_with_a_line_separator_reads_back(note: str) -> None:
    with scorecard(EXAMPLE) as root:
        run = run_kpi("set", "--repo", str(root), "--note", note, "--", "cpc", "2026-11", "1")
        assert run.exit_code == 0, run.describe()
        month = parse_month("2026-11")
        assert load_scorecard(root)[0].kpis["cpc"].notes[month] == note


def test_kpi_set_in_a_file_with_a_tab_before_a_comment() -> None:
    files = dict(EXAMPLE)
    files[CPC] = files[CPC].replace(b"target: 1.20\n", b"target: 1.20\t# per click\n")
    with scorecard(files) as root:
        run = run_kpi("set", "--repo", str(root), "--", "cpc", "2026-11", "1.5")
        assert (run.exit_code, run.crash) == (0, None), run.describe()
        assert b"  2026-11: 1.5\n" in (root / CPC).read_bytes()


@pytest.mark.parametrize(
    "arguments",
    [
        ["--", "c\npc", "2026-11", "1"],
        ["--segment", "x\ny", "--", "cpc", "2026-11", "1"],
        ["--", "cpc", "2026-11\nkpis/x.yaml:1: error: injected", "1"],
    ],
)
def test_kpi_set_prints_one_line_per_problem_whatever_the_arguments(arguments: list[str]) -> None:
    with scorecard(EXAMPLE) as root:
        run = run_kpi("set", "--repo", str(root), *arguments)
        assert run.exit_code == 1
        assert output_findings(run, argument_problems=True) == [], run.describe()
        assert snapshot(root) == EXAMPLE


def test_kpi_validate_prints_one_line_per_problem_whatever_the_file_says() -> None:
    files = dict(EXAMPLE)
    files[CPC] = files[CPC].replace(b"owner: maria", b'owner: "x\\nkpis/x.yaml:1: error: injected"')
    with scorecard(files) as root:
        run = run_kpi("validate", str(root))
    assert run.exit_code == 1
    assert output_findings(run) == [], run.describe()


def test_kpi_import_reports_a_row_with_fewer_cells_than_its_header() -> None:
    with scorecard(EXAMPLE) as root:
        (root / "values.csv").write_text("month,kpi,note,value\n2026-11,cpc,x\n")
        run = run_kpi("import", str(root / "values.csv"), "--repo", str(root))
        assert (run.exit_code, run.crash) == (1, None), run.describe()
        problem = PROBLEM_LINE.match(run.stdout)
        assert problem and problem["line"] == "2", run.describe()


AOV = "kpis/revenue/average_order_value.yaml"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"name: Average order value", b"name: !!int 1.5"),  # ruamel constructs the tag
        (b"name: Average order value", b"name: " + b"9" * 4301),  # int() digit limit
        (b"tags: [revenue, pricing]", b"tags: [rev\tenue, pricing]"),  # ruamel refuses the tab
        (b"\n", b"\r"),  # CR line ends: the new line ends with a CR too
    ],
    ids=["int-tag", "4301-digits", "tab-in-flow", "cr-line-ends"],
)
def test_kpi_set_in_a_file_the_validator_accepts(old: bytes, new: bytes) -> None:
    files = dict(EXAMPLE)
    files[AOV] = files[AOV].replace(old, new)
    with scorecard(files) as root:
        run = run_kpi("set", "--repo", str(root), "--", "average_order_value", "2019-01", "7")
        assert (run.exit_code, run.crash) == (0, None), run.describe()
        after = (root / AOV).read_bytes()
    assert (
        after.replace(b"  2019-01: 7" + new[-1:] if new == b"\r" else b"  2019-01: 7\n", b"")
        == files[AOV]
    )


def test_kpi_import_writes_control_characters_of_notes_escaped() -> None:
    with scorecard(EXAMPLE) as root:
        rows = "average_order_value,2023-01,0,\x7f\x9b,\naverage_order_value,2023-02,0,,\n"
        (root / "values.csv").write_text(rows)
        run = run_kpi("import", str(root / "values.csv"), "--repo", str(root))
        assert (run.exit_code, run.crash) == (0, None), run.describe()
        notes = load_scorecard(root)[0].kpis["average_order_value"].notes
    assert notes[parse_month("2023-01") or 0] == "\x7f\x9b"


def test_kpi_set_of_year_zero_fails_cleanly_or_records() -> None:
    with scorecard(EXAMPLE) as root:
        run = run_kpi("set", "--repo", str(root), "--", "cpc", "0000-01", "1.5")
        assert run.crash is None, run.describe()
        assert run.exit_code == 0 or snapshot(root) == EXAMPLE
