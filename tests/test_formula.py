"""The formula parser: precedence, references, and errors that name the column."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kpi_scorecard.read.formula import (
    MAX_NESTING,
    MAX_NUMBER_LENGTH,
    BinOp,
    FormulaSyntaxError,
    Neg,
    Number,
    Ref,
    parse,
    references,
)


def test_division_of_two_kpis() -> None:
    assert parse("paid_spend / new_customers") == BinOp(
        "/", Ref("paid_spend"), Ref("new_customers")
    )


def test_multiplication_binds_tighter_than_addition() -> None:
    assert parse("a + b * 2") == BinOp("+", Ref("a"), BinOp("*", Ref("b"), Number(2.0)))


def test_operators_of_equal_precedence_associate_to_the_left() -> None:
    assert parse("a - b - c") == BinOp("-", BinOp("-", Ref("a"), Ref("b")), Ref("c"))
    assert parse("a / b / c") == BinOp("/", BinOp("/", Ref("a"), Ref("b")), Ref("c"))


def test_parentheses_and_unary_minus() -> None:
    assert parse("-(a + b) * 100") == BinOp("*", Neg(BinOp("+", Ref("a"), Ref("b"))), Number(100.0))


@pytest.mark.parametrize(
    ("text", "value"), [("3", 3.0), ("0.25", 0.25), (".5", 0.5), ("1e3", 1000.0)]
)
def test_numbers(text: str, value: float) -> None:
    assert parse(text) == Number(value)


def test_references_are_every_kpi_id_used() -> None:
    assert references(parse("(a + b) / a * 2 - -c")) == {"a", "b", "c"}
    assert references(parse("42")) == set()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a +", "expected a KPI id, a number or '(' but found end of formula at column 4"),
        ("a b", "unexpected 'b' at column 3"),
        ("(a + b", "missing ')' at column 7"),
        ("a ** b", "expected a KPI id, a number or '(' but found '*' at column 4"),
        ("a % b", "unexpected character '%' at column 3"),
        ("__import__('os')", "unexpected character ''' at column 12"),
        ("", "expected a KPI id, a number or '(' but found end of formula at column 1"),
        ("a)", "unexpected ')' at column 2"),
    ],
)
def test_syntax_errors_name_the_column(text: str, message: str) -> None:
    with pytest.raises(FormulaSyntaxError) as caught:
        parse(text)
    assert str(caught.value) == message


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    depth = MAX_NESTING + 1
    with pytest.raises(FormulaSyntaxError, match="nested parentheses"):
        parse("(" * depth + "a" + ")" * depth)
    with pytest.raises(FormulaSyntaxError, match="nested signs"):
        parse("-" * 10_000 + "a")


def test_a_number_too_long_for_python_is_an_error_not_a_crash() -> None:
    assert parse("9" * MAX_NUMBER_LENGTH + " * a") == BinOp(
        "*", Number(Fraction("9" * MAX_NUMBER_LENGTH)), Ref("a")
    )
    with pytest.raises(FormulaSyntaxError, match="a number of 5000 characters"):
        parse("a + " + "9" * 5000)
