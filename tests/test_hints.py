"""Hints that turn a near miss into the fix: numbers written another way, people by name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.model import Person
from kpi_scorecard.read.fields import number_hint, person_hint

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
