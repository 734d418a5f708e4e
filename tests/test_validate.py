"""Contract section 2: every problem reported at once, one line each, with file and line.

Each folder under tests/fixtures/bad/ holds the files that differ from tests/fixtures/valid/ and
``expected.txt``, the exact output of ``kpi validate``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main
from kpi_scorecard.errors import ValidationFailed
from kpi_scorecard.read.crosscheck import find_cycles
from kpi_scorecard.read.validate import load_scorecard

from .conftest import FIXTURES, make_repo

BAD_CASES = sorted(p.name for p in (FIXTURES / "bad").iterdir())


def validate(repo: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(repo)])
    return result.exit_code, result.stdout


def test_the_valid_fixture_validates_with_its_formula_and_quality_warnings(tmp_path: Path) -> None:
    code, out = validate(make_repo(tmp_path / "repo"))
    assert code == 0
    assert out == (
        "kpis/cost_per_order.yaml:10: warning: formula: no value for 2026-04 (orders not reported)\n"
        "kpis/sales/orders.yaml:8: warning: overdue: no value for 2026-04 (owner: Ann Archer) "
        "(add values: 2026-04: ...)\n"
    )


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_reported_exactly(case: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FIXTURES / "bad" / case)
    code, out = validate(repo)
    assert out == (FIXTURES / "bad" / case / "expected.txt").read_text()
    assert code == 1


def test_there_are_at_least_25_bad_input_cases() -> None:
    assert len(BAD_CASES) >= 25


def test_errors_and_warnings_come_together_in_file_order(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FIXTURES / "bad" / "many_errors_at_once")
    with pytest.raises(ValidationFailed) as failed:
        load_scorecard(repo)
    lines = [(p.path, p.line) for p in failed.value.problems]
    assert lines == sorted(lines)
    assert len(failed.value.problems) == 3


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / "kpis" / "sales" / "orders.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    scorecard, _ = load_scorecard(repo)
    assert scorecard.kpis["orders"].name == "Orders"


def test_quoted_months_and_yml_files_are_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "kpis" / "extra.yml").write_text(
        "name: Extra\ndescription: x\ncategory: sales\nowner: bob\nbetter: lower\n"
        "values:\n  '2026-01': 1.5\n  \"2026-02\": -2e3\n  2026-03: ~\n"
    )
    scorecard, _ = load_scorecard(repo)
    values = scorecard.kpis["extra"].values
    assert list(values.values()) == [1.5, -2000.0, None]


def test_a_usage_error_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "no kpis/ folder" in result.output


def test_cycles_are_found_with_their_chain() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert find_cycles(graph) == {
        "a": ["a", "b", "c", "a"],
        "b": ["b", "c", "a", "b"],
        "c": ["c", "a", "b", "c"],
        "e": ["e", "e"],
    }
