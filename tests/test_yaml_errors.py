"""YAML mistakes said in plain words at the line to fix (read/yaml_errors.py).

The common cases in a whole scorecard are pinned in tests/fixtures/bad/yaml_*; these are the
variants around them, and a property: whatever the text, one problem at a line of the file.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_scorecard.errors import Problems
from kpi_scorecard.read.load import parse_text
from kpi_scorecard.read.yaml_errors import YAML_LINE_BREAK


def problems_of(text: str) -> list[str]:
    problems = Problems()
    parse_text(text, "k.yaml", problems)
    return [str(p) for p in problems.items]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "name: A\nvalues:\n  2026-01:90\n  2026-02: 91\n",
            "k.yaml:3: error: a colon must be followed by a space ('2026-01:90' -> '2026-01: 90')",
            id="missing-space-reported-at-its-own-line-not-the-next",
        ),
        pytest.param(
            "owner:maria\nname: A\n",
            "k.yaml:1: error: a colon must be followed by a space ('owner:maria' -> 'owner: maria')",
            id="missing-space-on-the-first-line",
        ),
        pytest.param(
            "name: A\nowner:maria\n",
            "k.yaml:2: error: a colon must be followed by a space ('owner:maria' -> 'owner: maria')",
            id="missing-space-on-the-last-line",
        ),
        pytest.param(
            "name: Cost: per order\n",
            "k.yaml:1: error: the value holds a colon followed by a space "
            '(put the value in double quotes: name: "Cost: per order")',
            id="colon-in-a-value",
        ),
        pytest.param(
            'note: "a" : b\n',
            "k.yaml:1: error: the value holds a colon followed by a space "
            '(put the value in double quotes: note: "\\"a\\" : b")',
            id="colon-after-quotes-keeps-the-quotes-escaped",
        ),
        pytest.param(
            "name: A\ntarget: {2026-01: 100\nbetter: higher\n",
            "k.yaml:2: error: the { on this line is not closed, or its entries lack a comma "
            "(close it with } and separate the entries with commas)",
            id="unclosed-flow-mapping-at-its-opening-line",
        ),
        pytest.param(
            "name: A\nnote: 'it''s\nbetter: higher\n",
            "k.yaml:2: error: a quote that opens on this line is never closed "
            "(end the text with the same quote mark)",
            id="unclosed-single-quote",
        ),
        pytest.param(
            'name: "a\\qb"\n',
            "k.yaml:1: error: unknown escape (a backslash) in double quotes "
            "(write \\\\ for a backslash, or use single quotes)",
            id="unknown-escape",
        ),
        pytest.param(
            "name: A\nnote: *bold* move\n",
            "k.yaml:2: error: a value cannot start with * "
            '(put the value in double quotes: note: "*bold* move")',
            id="star-starts-an-alias",
        ),
        pytest.param(
            "values:\n  2026-01: 1\n\t2026-02: 2\n",
            "k.yaml:3: error: a tab is used for indentation (indent with spaces only)",
            id="tab-under-a-value",
        ),
        pytest.param(
            "notes:\n  2026-01: Pricing went\n up\n",
            "k.yaml:3: error: the indentation of this line does not match the lines above "
            "(indent it with as many spaces as the keys at its level)",
            id="continued-text-indented-too-little",
        ),
        pytest.param(
            "notes:\n  2026-01: 'it's fine'\n",
            "k.yaml:2: error: a ' inside the text ends it early "
            "(write '' for a ' inside single quotes, or put the text in double quotes)",
            id="single-quote-inside-single-quotes",
        ),
        pytest.param(
            'notes:\n  2026-01: "He said "hi""\n',
            'k.yaml:2: error: a " inside the text ends it early '
            '(write \\" for a " inside double quotes, or put the text in single quotes)',
            id="double-quote-inside-double-quotes",
        ),
        pytest.param(
            "name: A\r\nowner:maria\r\nbetter: higher\r\n",
            "k.yaml:2: error: a colon must be followed by a space ('owner:maria' -> 'owner: maria')",
            id="crlf-lines",
        ),
    ],
)
def test_a_yaml_mistake_is_said_plainly_at_its_line(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_a_case_not_recognised_keeps_the_parsers_words_with_a_hint() -> None:
    assert problems_of("name: |x\n  a\n") == [
        "k.yaml:1: error: YAML syntax: while scanning a block scalar, did not find expected "
        "comment or line break (check the indentation and the quotes of this line and of the "
        "line above)"
    ]


def test_valid_yaml_with_colons_in_urls_and_quotes_is_not_blamed() -> None:
    text = "note: see http://example.com/a:b\nname: \"Cost: per order\"\nurl: 'x: y'\n"
    assert problems_of(text) == []


LINES = st.sampled_from(
    ["name: A", "owner:maria", "  2026-01: 1", "   x: 2", "\tb: 3", "- c", 'q: "open',
     "t: {a: 1", "n: Pricing: up", "v: @x", "values:", " d", "# note", ""]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_any_mistake_is_one_problem_at_a_line_of_the_file(lines: list[str], end: str) -> None:
    text = end.join(lines) + end
    found = problems_of(text)
    line_count = len(YAML_LINE_BREAK.split(text))
    for problem in found:
        number = int(problem.split(":")[1])
        assert 1 <= number <= line_count
        assert "\n" not in problem and "\r" not in problem
