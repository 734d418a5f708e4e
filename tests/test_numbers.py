"""Numbers on pages and in values.csv: half-up rounding on the decimal, unsigned zeros,
percent gaps in percentage points, whole numbers without '.0' (issue 13)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard import model
from kpi_scorecard.errors import ValidationFailed
from kpi_scorecard.model import exact, number_literal, written_decimal
from kpi_scorecard.read.validate import load_scorecard
from kpi_scorecard.render.exports import number_cell
from kpi_scorecard.render.numbers import (
    change_text,
    gap_text,
    number,
    number_locale,
    percent_text,
    value_text,
)
from kpi_scorecard.render.wording import month_label

from .conftest import bare_kpi, make_repo

GROUP = ","  # en groups thousands with a comma


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2.675, 2, "2.68"),  # the float is 2.67499999999999982236431605997495353221893310546875
        (2.5, 0, "3"),
        (3.5, 0, "4"),
        (-2.5, 0, "-3"),  # away from zero on a tie, as spreadsheets do
        (1.005, 2, "1.01"),
        (0.125, 2, "0.13"),
        (1234567.125, 2, f"1{GROUP}234{GROUP}567.13"),
        (-0.001, 2, "0.00"),  # no negative zero
        (1e16, 0, f"10{GROUP}000{GROUP}000{GROUP}000{GROUP}000{GROUP}000"),
    ],
)
def test_display_rounds_half_up_on_the_decimal(value: float, decimals: int, expected: str) -> None:
    assert number(value, decimals) == expected


@pytest.mark.parametrize(
    ("unit", "change", "expected"),
    [
        ("percent", -0.04, "0.0\u00a0pp"),
        ("percent", 0.04, "0.0\u00a0pp"),
        ("percent", 0.05, "+0.1\u00a0pp"),
        ("number", -0.4, "0 (0.0%)"),
        ("number", 0.5, "+1 (0.0%)"),
    ],
)
def test_a_change_that_rounds_to_zero_has_no_sign(unit: str, change: float, expected: str) -> None:
    kpi = bare_kpi("k", unit=unit, decimals=1 if unit == "percent" else 0)
    pct = None if unit == "percent" else change / 5000
    assert change_text(kpi, change, pct) == expected


def test_percent_text_rounds_the_exact_percentage() -> None:
    # 0.00145 * 100 in floats is 0.14500000000000002 (fine), 0.0145 * 100 is 1.4499999999999997
    assert percent_text(0.0145) == "+1.5%"
    assert percent_text(-0.0004) == "0.0%"


def test_a_percent_kpis_gap_is_in_percentage_points() -> None:
    kpi = bare_kpi("k", unit="percent", decimals=1)
    assert gap_text(kpi, -0.8, -0.2, None) == "-0.8\u00a0pp"
    assert change_text(kpi, -0.8, None) == "-0.8\u00a0pp"


def test_other_gaps_keep_their_unit_and_the_relative_gap() -> None:
    kpi = bare_kpi("k", unit="currency", currency="EUR", decimals=0)
    assert gap_text(kpi, 40.0, 0.05, None) == "+€40 (+5.0%)"
    assert gap_text(kpi, 0.4, 0.0001, None) == "€0 (0.0%)"
    assert value_text(kpi, -2.5) == "-€3"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (42.0, "42"),
        (1e15, "1000000000000000"),
        (1e16, "10000000000000000"),
        (-2.5e20, "-250000000000000000000"),
        (31.4, "31.4"),
        (0.1, "0.1"),
    ],
)
def test_values_csv_writes_whole_numbers_without_a_decimal_point(
    value: float, expected: str
) -> None:
    assert number_cell(value) == expected
    assert float(number_cell(value)) == value


@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-(2**60), 2**60).map(float),  # whole numbers about 2**53 too
    )
)
def test_a_number_literal_reads_back_as_the_same_float(value: float) -> None:
    text = number_literal(value)
    assert float(text) == value
    assert not text.endswith(".0")
    if value.is_integer():  # the integer written: the shortest decimal, without a point
        assert text == str(int(written_decimal(value)))


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: len(d.normalize().as_tuple().digits) <= 15 and abs(d.adjusted()) < 300
    )
)
def test_the_written_decimal_is_recovered_from_its_float(written: Decimal) -> None:
    # every decimal of up to 15 significant digits is the shortest to read as its float
    assert written_decimal(float(written)) == written
    assert exact(float(written)) == written


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30))
def test_remembered_exact_values_are_the_written_decimals_also_past_the_memory(
    values: list[float],
) -> None:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(model, "MAX_EXACTS", 7)  # forgets as it goes
    try:
        for value in [*values, *reversed(values), -0.0, 0.0]:
            assert exact(value) == Fraction(written_decimal(value))
            assert exact(value) == exact(value)
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize(
    ("locale", "expected_amount", "expected_percent", "expected_month"),
    [
        ("en", "-€1,234.50", "12.5%", "Oct 2026"),
        ("de", "-1.234,50\xa0€", "12,5\xa0%", "Okt. 2026"),
        ("fr", "-1\u202f234,50\xa0€", "12,5\xa0%", "oct. 2026"),
    ],
)
def test_numbers_currencies_and_months_follow_the_scorecards_locale(
    locale: str, expected_amount: str, expected_percent: str, expected_month: str
) -> None:
    euro = bare_kpi("k", unit="currency", currency="EUR", decimals=2)
    share = bare_kpi("s", unit="percent", decimals=1)
    with number_locale(locale):
        assert value_text(euro, -1234.5) == expected_amount
        assert value_text(share, 12.5) == expected_percent
        assert month_label("2026-10") == expected_month
    assert value_text(euro, -1234.5) == "-€1,234.50"  # the default again after the block


def test_an_unknown_locale_is_an_error_at_its_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    settings = repo / "kpis" / "scorecard.yaml"
    settings.write_text(settings.read_text() + "locale: xx-nowhere\n")
    with pytest.raises(ValidationFailed) as failure:
        load_scorecard(repo)
    line = len(settings.read_text().splitlines())
    assert [str(p) for p in failure.value.problems] == [
        f"kpis/scorecard.yaml:{line}: error: locale: unknown locale 'xx-nowhere' "
        "(expected a language code such as en, de, fr or fr-CH)"
    ]
