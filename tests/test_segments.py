"""Issue 8: a KPI broken down by segment (channel), figures per segment, the channels page."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main
from kpi_scorecard.render.segments import segment_scores, unscored_reason, verdict
from kpi_scorecard.repository import load_repository

from .conftest import make_repo

SPEND_SEGMENTS = """segments:
  search:
    2026-01: 3000
    2026-02: 3200
    2026-03: 3000
    2026-04: 2900
  social:
    2026-01: 1800
    2026-02: 2000
    2026-03: 2100
    2026-04: 2000
segment_targets:
  search: 3000
  social: 2000
"""
ORDERS_SEGMENTS = """segments:
  search:
    2026-01: 60
    2026-02: 64
    2026-03: 80
  social:
    2026-01: 30
    2026-02: 40
    2026-03: 38
"""


@pytest.fixture
def segmented(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    spend = repo / "kpis/sales/spend.yaml"
    spend.write_text(spend.read_text() + SPEND_SEGMENTS)
    orders = repo / "kpis/sales/orders.yaml"
    orders.write_text(orders.read_text().replace("notes:", ORDERS_SEGMENTS + "notes:"))
    cost = repo / "kpis/cost_per_order.yaml"
    cost.write_text(cost.read_text() + "segment_targets:\n  search: 40\n  social: 60\n")
    return repo


def validate(repo: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(repo)])
    return result.exit_code, result.stdout


def test_figures_per_segment_by_hand(segmented: Path) -> None:
    repository = load_repository(segmented)
    results = repository.results
    assert results.as_of == 12 * 2026 + 3  # 2026-04
    social = results.segment_figures["spend"]["social"]
    # 2026-04: 2000, previous 2100; target 2000, better lower: 2000 <= 2000 is green
    assert (social.value, social.previous, social.mom_change) == (2000.0, 2100.0, -100.0)
    assert social.mom_pct == pytest.approx(-100 / 2100)
    assert (social.target, social.gap, social.status) == (2000.0, 0.0, "green")
    # fiscal year from April: ytd is April alone, summed
    assert social.ytd == 2000.0
    search = results.segment_figures["spend"]["search"]
    # 2026-02 3200 > 3000 red, 2026-03 3000 green, 2026-04 2900 green: a streak of 2
    assert (search.value, search.status, search.streak) == (2900.0, "green", 2)
    # cost per order per segment: spend / orders; April has no orders, so it is missing
    cost = results.segment_figures["cost_per_order"]
    assert set(cost) == {"search", "social"}
    series = results.segment_series["cost_per_order"]["social"]
    assert series.values[:3] == (1800 / 30, 2000 / 40, 2100 / 38)
    # 2026-04: 2900 / null: missing, and no target yet counts as missing first
    assert cost["search"].status == "missing"
    assert results.segment_figures["orders"]["search"].status == "missing"


def test_segments_of_a_summed_kpi_must_add_up(segmented: Path) -> None:
    # orders 2026-03: 80 + 38 = 118 = total; change social to 30 and it does not add up
    orders = segmented / "kpis/sales/orders.yaml"
    orders.write_text(orders.read_text().replace("    2026-03: 38\n", "    2026-03: 30\n"))
    code, output = validate(segmented)
    assert code == 0
    assert (
        "kpis/sales/orders.yaml:13: warning: segments: add up to 110 in 2026-03, the total is 118 "
        "(segments of a KPI with aggregate: sum add up to its value)"
    ) in output.splitlines()
    assert "spend.yaml" not in output  # its segments add up


@pytest.mark.parametrize(
    ("total", "search", "social", "warning"),
    [
        ("0.3", "0.1", "0.2", None),  # 0.30000000000000004 in floats, 0.3 as written
        ("1000000000.5", "1000000000", "0.4", "add up to 1000000000.4 in 2026-03"),
    ],
)
def test_segments_add_up_on_the_decimals_as_written(
    segmented: Path, total: str, search: str, social: str, warning: str | None
) -> None:
    orders = segmented / "kpis/sales/orders.yaml"
    text = orders.read_text().replace("  2026-03: 118\n", f"  2026-03: {total}\n")
    text = text.replace("    2026-03: 80\n", f"    2026-03: {search}\n")
    orders.write_text(text.replace("    2026-03: 38\n", f"    2026-03: {social}\n"))
    code, output = validate(segmented)
    assert code == 0
    found = [line for line in output.splitlines() if "orders.yaml" in line and "add up" in line]
    assert [warning in line for line in found] == ([] if warning is None else [True]), found


def test_segments_of_a_mean_kpi_need_not_add_up(segmented: Path) -> None:
    orders = segmented / "kpis/sales/orders.yaml"
    text = orders.read_text().replace("aggregate: sum", "aggregate: mean")
    orders.write_text(text.replace("    2026-03: 38\n", "    2026-03: 30\n"))
    assert "add up" not in validate(segmented)[1]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("segment_targets:\n  search: 3000", "segment_targets:\n  serch: 3000"),
            "kpis/sales/spend.yaml:27: error: segment_targets: unknown segment 'serch' (did you mean 'search'?)",
        ),
        (
            ("    2026-02: 3200", "    2026-02: lots"),
            "kpis/sales/spend.yaml:18: error: segments search 2026-02: 'lots' is not a number (expected a finite number)",
        ),
        (
            ("    2026-02: 3200", "    2026-2: 3200"),
            "kpis/sales/spend.yaml:18: error: segments search: bad month '2026-2' (expected YYYY-MM, e.g. 2026-03)",
        ),
    ],
)
def test_bad_segments_are_errors(segmented: Path, edit: tuple[str, str], message: str) -> None:
    spend = segmented / "kpis/sales/spend.yaml"
    spend.write_text(spend.read_text().replace(*edit))
    code, output = validate(segmented)
    assert code == 1
    assert message in output.splitlines()


def test_a_formula_kpi_cannot_carry_segments(segmented: Path) -> None:
    cost = segmented / "kpis/cost_per_order.yaml"
    cost.write_text(cost.read_text() + "segments:\n  search:\n    2026-01: 1\n")
    code, output = validate(segmented)
    assert code == 1
    assert (
        "kpis/cost_per_order.yaml:14: error: segments: a formula KPI calculates its segments"
        in output
    )


def test_channels_rank_segments_by_their_gap_to_target(segmented: Path) -> None:
    repository = load_repository(segmented)
    scores = segment_scores(repository.scorecard, repository.results)
    # spend (lower better): search 2900 vs 3000 -> gap -3.33 % -> +3.33 %; social 0 %.
    # cost_per_order 2026-04 is missing for both, so it has no gap.
    assert list(scores) == ["search", "social"]
    assert scores["search"] == pytest.approx(100 / 3000)
    assert scores["social"] == 0.0
    assert verdict(scores["social"]) == "grow: beats its targets"
    assert verdict(-0.05) == "improve: close to its targets"
    assert verdict(-0.2).startswith("review")


def test_the_site_shows_segments_and_exports_them(segmented: Path) -> None:
    from .conftest import add_site_config

    add_site_config(segmented)
    result = CliRunner().invoke(main, ["build", str(segmented)])
    assert result.exit_code == 0, result.output
    site = segmented / "site"
    page = (site / "kpis/spend/index.html").read_text()
    assert 'id="by-segment"' in page and '"type":"bar"' in page
    channels = (site / "channels/index.html").read_text()
    assert channels.index(">search<") < channels.index(">social<")
    document = json.loads((site / "data/segments.json").read_text())
    assert document["kpis"]["spend"]["social"]["status"] == "green"
    rows = list(csv.reader((site / "data/segments.csv").open()))
    assert rows[0] == ["kpi", "segment", "month", "value", "target", "status"]
    assert ["spend", "social", "2026-04", "2000", "2000", "green"] in rows
    assert ["cost_per_order", "social", "2026-02", "50", "60", "green"] in rows
    values = list(csv.reader((site / "data/values.csv").open()))
    assert values[0] == ["kpi", "month", "value", "target", "status"]  # unchanged by segments


def test_kpi_set_and_import_record_segments(segmented: Path) -> None:
    result = CliRunner().invoke(
        main, ["set", "spend", "2026-05", "2100", "--segment", "social", "--repo", str(segmented)]
    )
    assert result.exit_code == 0, result.output
    text = (segmented / "kpis/sales/spend.yaml").read_text()
    assert "    2026-04: 2000\n    2026-05: 2100\nsegment_targets:" in text
    rows = segmented / "rows.csv"
    rows.write_text("segment,kpi,value,month\nemail,orders,5,2026-01\nsearch,spend,2950,2026-05\n")
    result = CliRunner().invoke(
        main, ["import", str(rows), "--new-segment", "--repo", str(segmented)]
    )
    assert result.exit_code == 0, result.output
    orders = (segmented / "kpis/sales/orders.yaml").read_text()
    assert "    2026-03: 38\n  email:\n    2026-01: 5\nnotes:" in orders
    repository = load_repository(segmented)
    assert repository.scorecard.kpis["spend"].segments["search"][12 * 2026 + 4] == 2950


def test_a_bad_segment_name_is_refused(segmented: Path) -> None:
    result = CliRunner().invoke(
        main, ["set", "spend", "2026-05", "1", "--segment", "paid social", "--repo", str(segmented)]
    )
    assert result.exit_code == 1
    assert result.stdout.startswith("error: segment: 'paid social' is not a segment name")


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        # cost_per_order has targets but no value at 2026-04; spend has no segment targets
        ("segment_targets:\n  search: 3000\n", "not reported for Apr 2026"),
        ("", "no targets yet"),
    ],
)
def test_a_segment_without_a_score_says_what_is_missing(
    segmented: Path, targets: str, expected: str
) -> None:
    spend = segmented / "kpis/sales/spend.yaml"
    written = "segment_targets:\n  search: 3000\n  social: 2000\n"
    spend.write_text(spend.read_text().replace(written, targets))
    if not targets:
        cost = segmented / "kpis/cost_per_order.yaml"
        cost.write_text(cost.read_text().split("segment_targets:")[0])
    repository = load_repository(segmented)
    assert segment_scores(repository.scorecard, repository.results)["social"] is None
    assert unscored_reason("social", repository.results) == expected


def test_a_segment_whose_targets_are_zero_says_so(segmented: Path) -> None:
    spend = segmented / "kpis/sales/spend.yaml"
    spend.write_text(spend.read_text().replace("  social: 2000\n", "  social: 0\n"))
    cost = segmented / "kpis/cost_per_order.yaml"
    cost.write_text(cost.read_text().split("segment_targets:")[0])
    repository = load_repository(segmented)
    assert unscored_reason("social", repository.results) == "a target of 0 has no gap in %"
    assert verdict(None, unscored_reason("social", repository.results)).startswith("a target")


def test_a_segment_score_of_exactly_minus_ten_percent_is_on_the_edge() -> None:
    from kpi_scorecard.model import Figures, Results, Scorecard, Settings

    from .conftest import bare_kpi

    blank = Figures(*([None] * 11), "green", None, "flat", 0)  # type: ignore[arg-type]
    gaps = {"a": -0.1, "b": -0.2, "c": 0.0}  # mean -0.1; in floats -0.10000000000000002
    card = Scorecard(Settings(), {}, {k: bare_kpi(k) for k in gaps})
    results = Results(
        0,
        {},
        {},
        {k: {"email": blank._replace(gap_pct=gap)} for k, gap in gaps.items()},
    )
    score = segment_scores(card, results)["email"]
    assert score == -0.1
    assert verdict(score) == "improve: close to its targets"
