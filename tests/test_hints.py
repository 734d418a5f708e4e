"""Hints that turn a near miss into the fix: numbers written another way, people by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.cli import main
from kpi_scorecard.model import Person
from kpi_scorecard.read.fields import number_hint, person_hint

from .conftest import make_repo

PEOPLE = {
    "maria": Person("maria", "María López"),
    "ben": Person("ben", "Ben Okafor"),
    "chen": Person("chen", "Chén Wěi"),
}


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("36,96", "write decimals with a dot: 36.96"),
        ("-3,5", "write decimals with a dot: -3.5"),
        ("548,900", "write 548900 without the thousands separator, or 548.900 for decimals"),
        ("1,250,000", "write 1250000 without thousands separators"),
        ("3.2 %", "write the number alone, without its unit: 3.2"),
        ("€45", "write the number alone, without its unit: 45"),
        ("45 EUR", "write the number alone, without its unit: 45"),
        ("lots", "expected a finite number"),
        ("1.2.3", "expected a finite number"),
    ],
)
def test_a_number_written_another_way_gets_the_way_to_write_it(text: str, hint: str) -> None:
    assert number_hint(text) == hint


@given(st.integers(0, 10**9), st.integers(0, 10**6).filter(lambda n: len(str(n)) != 3))
def test_a_decimal_comma_hint_reads_back_as_the_same_number(whole: int, fraction: int) -> None:
    hint = number_hint(f"{whole},{fraction}")
    assert hint == f"write decimals with a dot: {whole}.{fraction}"
    assert float(hint.rsplit(" ", 1)[1]) == float(f"{whole}.{fraction}")


@pytest.mark.parametrize(
    ("written", "person_id"),
    [
        ("María López", "maria"),
        ("maria lopez", "maria"),
        ("MARÍA LÓPEZ", "maria"),
        ("Maria", "maria"),
        ("Ben Okafor", "ben"),
        ("Chen Wei", "chen"),
        ("bne", "ben"),
    ],
)
def test_a_person_written_by_name_suggests_their_id(written: str, person_id: str) -> None:
    assert person_hint(written, PEOPLE) == f"did you mean '{person_id}'?"


def test_a_person_like_nobody_gets_the_rule() -> None:
    assert person_hint("Zoe Quinn", PEOPLE) == "expected a person id from kpis/people.yaml"


def test_kpi_new_with_an_owner_written_by_name_suggests_the_id(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    result = CliRunner().invoke(
        main,
        ["new", "leads", "--name", "Leads", "--owner", "Ann Archer", "--category", "sales",
         "--better", "higher", "--repo", str(repo)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout == ("error: owner: unknown person 'Ann Archer' (did you mean 'ann'?)\n")
    assert not (repo / "kpis" / "sales" / "leads.yaml").exists()


def test_a_presenter_written_by_name_suggests_the_id(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    settings_file = repo / "kpis" / "scorecard.yaml"
    settings_file.write_text(
        settings_file.read_text().replace("presenters: [ann, bob, cy]", "presenters: [ann, Bob]")
    )
    result = CliRunner().invoke(main, ["validate", str(repo)])
    assert result.stdout == (
        "kpis/scorecard.yaml:8: error: review presenters: unknown person 'Bob' "
        "(did you mean 'bob'?)\n"
    )
