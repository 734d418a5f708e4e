"""kpi set: one value recorded, only the touched lines change, refusals change nothing."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main
from kpi_scorecard.edit.lines import Edit, apply_edits

from .conftest import PROJECT, make_repo

ORDERS = "kpis/sales/orders.yaml"


def kpi_set(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["set", *args, "--repo", str(repo)])
    return result.exit_code, result.output


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


EXAMPLE_KPIS_WITH_VALUES = sorted(
    p for p in (PROJECT / "kpis").rglob("*.yaml") if "\nvalues:" in p.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("path", EXAMPLE_KPIS_WITH_VALUES, ids=lambda p: p.stem)
def test_only_the_touched_lines_change_in_the_example_files(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    after = apply_edits(text, [Edit("2026-10", 1.5), Edit("2026-11", 2.0, note="New: month")])
    diff = changed_lines(text, after)
    assert [line for line in diff if line.startswith("-")] == [
        line for line in diff if line.startswith("-") and "2026-10:" in line and "notes" not in line
    ]
    assert "+  2026-10: 1.5" in diff
    assert "+  2026-11: 2" in diff
    assert '+  2026-11: "New: month"' in diff
    assert len(diff) == 4 if any(d.startswith("-  2026-10:") for d in diff) else len(diff) == 3


def test_comments_nulls_and_quoting_elsewhere_are_kept_byte_for_byte() -> None:
    text = (
        "# Orders, counted at checkout\n"
        "name: 'Orders'   # the title\n"
        "values:\n"
        "  '2026-01': 90    # January\n"
        "  2026-02: ~\n"
        "\n"
        "  2026-03:\n"
        "  # April is still open\n"
        "notes:\n"
        "  2026-01: >-\n"
        "    A long note\n"
        "    over two lines.\n"
        "  2026-03: Kept.\n"
    )
    after = apply_edits(text, [Edit("2026-01", 91.0, note="Short now."), Edit("2026-04", 5.0)])
    assert after == (
        "# Orders, counted at checkout\n"
        "name: 'Orders'   # the title\n"
        "values:\n"
        "  '2026-01': 91    # January\n"
        "  2026-02: ~\n"
        "\n"
        "  2026-03:\n"
        "  2026-04: 5\n"
        "  # April is still open\n"
        "notes:\n"
        '  2026-01: "Short now."\n'
        "  2026-03: Kept.\n"
    )


def test_a_flow_style_section_and_a_missing_section() -> None:
    text = "name: A\nvalues: {2026-01: 1, 2026-03: 3}\n"
    assert apply_edits(text, [Edit("2026-02", 2.0)]) == (
        "name: A\nvalues: {2026-01: 1, 2026-02: 2, 2026-03: 3}\n"
    )
    assert apply_edits("name: A", [Edit("2026-02", None)]) == "name: A\nvalues:\n  2026-02: null\n"


def test_set_writes_the_value_and_note(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    before = (repo / ORDERS).read_text()
    code, output = kpi_set(repo, "orders", "2026-04", "121", "--note", "Easter <b>week</b>")
    assert code == 0, output
    diff = changed_lines(before, (repo / ORDERS).read_text())
    assert diff == ["-  2026-04: null", "+  2026-04: 121", '+  2026-04: "Easter <b>week</b>"']


def test_crlf_and_byte_order_mark_survive(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / ORDERS
    original = b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(original)
    assert kpi_set(repo, "orders", "2026-05", "7")[0] == 0
    assert path.read_bytes() == original.replace(
        b"  2026-04: null\r\n", b"  2026-04: null\r\n  2026-05: 7\r\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ordrs", "2026-04", "1"), "error: unknown KPI 'ordrs' (did you mean 'orders'?)"),
        (("orders", "2026-4", "1"), "error: bad month '2026-4' (expected YYYY-MM, e.g. 2026-03)"),
        (
            ("orders", "2026-04", "1,5"),
            "error: value: '1,5' is not a number (expected a number such as 1250 or 3.5, or null)",
        ),
        (
            ("cost_per_order", "2026-04", "1"),
            "error: cost_per_order is calculated by its formula (spend / orders), so it has no "
            "values to set (set the KPIs of the formula instead)",
        ),
    ],
)
def test_refusals_name_the_problem_and_change_no_file(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    before = {p: p.read_bytes() for p in (repo / "kpis").rglob("*") if p.is_file()}
    code, output = kpi_set(repo, *args)
    assert code == 1
    assert output.splitlines()[0] == message
    assert {p: p.read_bytes() for p in (repo / "kpis").rglob("*") if p.is_file()} == before
