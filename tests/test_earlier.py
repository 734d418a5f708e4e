"""A KPI file's earlier version read from its later one (read/earlier.py): always the KPI the
parser reads from the earlier text, or nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_scorecard.errors import Problems
from kpi_scorecard.model import Kpi
from kpi_scorecard.read.earlier import kpi_before
from kpi_scorecard.read.validate import ReadCache, read_kpi_file

from .fuzz.mutations import FAMILIES, WEIRD_TEXTS, mutated

PATH = "kpis/orders.yaml"
HEAD = "name: Orders\ndescription: Orders placed.\ncategory: sales\nowner: ann\nbetter: higher\n"
MONTHS = [f"20{y:02d}-{m:02d}" for y in range(24, 27) for m in range(1, 13)]

VALUES = st.sampled_from(["120", "-5", "0.25", "1e3", "null", "~", "", "3  # estimate", "'7'"])
NOTES = st.sampled_from(
    [
        "Spring promotion.",
        "**Launch** of the new page",
        '"Quoted: with a colon"',
        "'single'",
        "|\n    Two\n    lines",
        "first part\n    goes on",
        "- not a list",
        "-5 is a number",
        "&anchor text",
        "# only a comment",
        "text # and a comment",
        "a\n\n    after a blank line",
    ]
)


def parsed(text: str) -> tuple[Kpi | None, Problems]:
    problems = Problems()
    return read_kpi_file(PATH, text.encode(), problems, cache={}), problems


def parsed_bytes(data: bytes) -> Kpi | None:
    """The KPI of a file that reads without a problem, else None."""
    problems = Problems()
    kpi = read_kpi_file(PATH, data, problems, cache={})
    return None if problems.items else kpi


@st.composite
def kpi_texts(draw: st.DrawFn) -> str:
    months = draw(st.lists(st.sampled_from(MONTHS), min_size=1, max_size=8, unique=True))
    indent = draw(st.sampled_from(["  ", "    "]))
    values = "".join(f"{indent}{m}: {draw(VALUES)}\n".replace(": \n", ":\n") for m in months)
    noted = draw(st.lists(st.sampled_from(months), max_size=4, unique=True))
    notes = "".join(f"{indent}{m}: {draw(NOTES)}\n" for m in noted)
    blocks = [f"values:\n{values}", *([f"notes:\n{notes}"] if noted else [])]
    if draw(st.booleans()):
        blocks.reverse()
    tail = draw(st.sampled_from(["", "target: 100\n", "# the end\n", "tags: [a, b]\n"]))
    return HEAD + "".join(blocks) + tail


@st.composite
def edited(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few lines dropped, written otherwise (a month's value or note), or added."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "value", "note", "add"]))
        month = draw(st.sampled_from(MONTHS))
        if action == "drop":
            del lines[index]
        elif action == "add":
            lines.insert(index, f"  {month}: {draw(st.one_of(VALUES, NOTES))}")
        else:
            key = lines[index].split(":", 1)[0]
            new = draw(VALUES if action == "value" else NOTES)
            lines[index] = f"{key}: {new}" if key.strip() else lines[index]
    return "\n".join(lines)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(kpi_texts(), st.data())
def test_the_earlier_kpi_is_the_one_the_parser_reads(later_text: str, data: st.DataObject) -> None:
    later, problems = parsed(later_text)
    earlier_text = data.draw(edited(later_text))
    if later is None or problems.items:
        return
    derived = kpi_before(later, later_text.encode(), earlier_text.encode())
    if derived is None:
        return
    earlier, earlier_problems = parsed(earlier_text)
    assert earlier == derived
    assert not earlier_problems.items


def test_a_restated_month_is_read_by_the_parser_from_its_line() -> None:
    later_text = HEAD + "values:\n  2026-01: 95\n  2026-02: 104\nnotes:\n  2026-01: Sale.\n"
    earlier_text = later_text.replace("95", "0.90").replace("Sale.", "Sale # first")
    later, _ = parsed(later_text)
    assert later is not None
    derived = kpi_before(later, later_text.encode(), earlier_text.encode())
    assert derived is not None and derived == parsed(earlier_text)[0]
    assert derived.values[next(iter(derived.values))] == 0.9 and "Sale" in derived.notes.values()


def test_a_monthly_update_is_read_from_the_later_file() -> None:
    """Not vacuous: the usual case (a month's value and note added) is derived."""
    earlier_text = HEAD + "values:\n  2026-01: 90\nnotes:\n  2026-01: Launch.\ntarget: 100\n"
    later_text = earlier_text.replace("90\n", "90\n  2026-02: -4.5  # est.\n").replace(
        "Launch.\n", "Launch.\n  2026-02: A **slow** month\n"
    )
    later, problems = parsed(later_text)
    assert later is not None and not problems.items
    derived = kpi_before(later, later_text.encode(), earlier_text.encode())
    assert derived is not None and derived == parsed(earlier_text)[0]
    assert derived.lines["target"] == later.lines["target"] - 2


def test_what_is_not_a_whole_month_line_is_left_to_the_parser() -> None:
    later_text = HEAD + "values:\n  2026-01: 90\n  2026-02: 95\nnotes:\n  2026-01: |\n    Two\n"
    later, _ = parsed(later_text)
    assert later is not None
    changed_name = later_text.replace("name: Orders", "name: Sales")
    assert kpi_before(later, later_text.encode(), changed_name.encode()) is None
    duplicate = later_text.replace("  2026-02: 95\n", "  2026-02: 95\n  2026-02: 96\n")
    assert kpi_before(later, later_text.encode(), duplicate.encode()) is None
    not_a_number = later_text.replace("2026-02: 95", "2026-02: many")
    assert kpi_before(later, later_text.encode(), not_a_number.encode()) is None
    block_scalar_gone = later_text.replace("notes:\n  2026-01: |\n    Two\n", "notes:\n")
    assert kpi_before(later, later_text.encode(), block_scalar_gone.encode()) is None
    windows = later_text.replace("\n", "\r\n")
    assert kpi_before(later, later_text.encode(), windows.encode()) is None


def test_a_later_version_with_a_problem_is_not_read_from() -> None:
    """Its problems (an error here) are the parser's to find in the earlier version too."""
    from kpi_scorecard.audit.asreported import _read_from_later

    earlier_text = (HEAD + "values:\n  2026-01: 90\n").replace("higher", "sideways").encode()
    later_text = earlier_text + b"  2026-02: 95\n"
    cache: ReadCache = {}
    problems = Problems()
    assert read_kpi_file(PATH, later_text, problems, cache) is not None and problems.items
    _read_from_later({PATH: earlier_text}, cache)
    assert cache[PATH][0] == later_text  # the earlier one is left to the parser
    clean = later_text.replace(b"sideways", b"higher")
    read_kpi_file(PATH, clean, Problems(), cache)
    _read_from_later({PATH: earlier_text.replace(b"sideways", b"higher")}, cache)
    assert cache[PATH][0] != clean  # read from it


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(kpi_texts(), st.lists(WEIRD_TEXTS, max_size=3), st.data())
def test_damaged_and_odd_files_are_read_as_the_parser_reads_them(
    text: str, odd: list[str], data: st.DataObject
) -> None:
    """Odd notes (line breaks of every kind, quotes, anchors ...) and the fuzz suite's damage
    (flipped bytes, tabs, BOMs, deep nesting ...) in the later file: still the parser's KPI."""
    text += "".join(f"  2027-{month:02d}: {note}\n" for month, note in enumerate(odd, 1))
    later_bytes = text.encode()
    if data.draw(st.booleans()):
        later_bytes = data.draw(mutated(later_bytes, tuple(FAMILIES)))
    problems = Problems()
    later = read_kpi_file(PATH, later_bytes, problems, cache={})
    if data.draw(st.booleans()):
        earlier_bytes = data.draw(edited(text)).encode()
    else:
        lines = later_bytes.split(b"\n")
        dropped = data.draw(st.sets(st.integers(0, len(lines) - 1), max_size=4))
        earlier_bytes = b"\n".join(line for i, line in enumerate(lines) if i not in dropped)
    if later is None or problems.items:
        return
    derived = kpi_before(later, later_bytes, earlier_bytes)
    if derived is not None:
        assert derived == parsed_bytes(earlier_bytes)


def test_a_quoted_value_over_lines_that_look_like_months_is_left_to_the_parser() -> None:
    """A double-quoted description may go on at the top level: its lines are not a block."""
    later_text = HEAD.replace(
        "description: Orders placed.",
        'description: "Orders\nvalues:\n  2026-01: 5\n  2026-02: 6 end"',
    )
    later, problems = parsed(later_text)
    assert later is not None and not problems.items and "2026-01: 5" in later.description
    cut = later_text.replace("  2026-01: 5\n", "")  # the block would still look simple
    assert kpi_before(later, later_text.encode(), cut.encode()) is None
