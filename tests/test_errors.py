"""Problems print on one line whatever text they quote; names in command errors are escaped."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.errors import Problem, one_line


@given(path=st.text(), message=st.text(), expected=st.none() | st.text())
def test_a_problem_is_always_one_line_without_control_characters(
    path: str, message: str, expected: str | None
) -> None:
    problem = Problem(path, 3, f"unknown key '{message}'", expected)
    text = str(problem)
    assert len(text.splitlines()) == 1
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in text)
    assert text.endswith(problem.text())


def test_names_in_command_errors_show_line_breaks_and_bidi_controls_escaped() -> None:
    assert one_line("a\nx.yaml:1: error: forged\r\u2028\x85\u202e\ufeff\t") == (
        "a\\nx.yaml:1: error: forged\\r\\u2028\\x85\\u202e\\ufeff\\t"
    )
    assert one_line("kpis/" + "x" * 600, 500) == "kpis/" + "x" * 494 + "\u2026"


def test_text_that_is_already_safe_is_unchanged() -> None:
    assert one_line("Ventas de café: 1 234 € \u00a0ok") == "Ventas de café: 1 234 € \u00a0ok"
