"""kpi diff: Markdown for reviewers, between two revisions of a fixture repository."""

from __future__ import annotations

from click.testing import CliRunner

from kpi_scorecard.cli import main

from .conftest import GitRepo

ORDERS = "kpis/sales/orders.yaml"


def kpi_diff(repo: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["diff", *args, "--repo", str(repo.path)])
    return result.exit_code, result.output


def test_nothing_changed_prints_nothing(kpi_repo: GitRepo) -> None:
    assert kpi_diff(kpi_repo) == (0, "")


def test_values_restatements_definitions_statuses_and_kpis_added_removed(kpi_repo: GitRepo) -> None:
    base = kpi_repo.git("rev-parse", "--short", "HEAD")
    kpi_repo.edit(ORDERS, "  2026-04: null\n", "  2026-04: 100\n  2026-05: 130\n")
    kpi_repo.edit(ORDERS, "2026-03: 118", "2026-03: 121")
    kpi_repo.edit(ORDERS, "owner: ann", "owner: bob")
    kpi_repo.edit("kpis/sales/spend.yaml", "target: 5000", "target: 4000")
    kpi_repo.edit(
        "kpis/cost_per_order.yaml", "formula: spend / orders", "formula: spend / (orders + 1)"
    )
    kpi_repo.write(
        "kpis/sales/leads.yaml",
        "name: Leads\ndescription: x\ncategory: sales\nowner: cy\nbetter: higher\n",
    )
    code, output = kpi_diff(kpi_repo)
    assert code == 0
    assert output == (
        f"### KPI changes from `{base}` to the working tree\n"
        "\n"
        "#### Cost per order (`cost_per_order`)\n"
        "\n"
        "- **Definition:** Formula from “spend / orders” to “spend / \\(orders \\+ 1\\)”\n"
        "\n"
        "#### Orders (`orders`)\n"
        "\n"
        "- **Status** in May 2026: not reported → on target\n"
        "- **New values:** Apr 2026: 100, May 2026: 130\n"
        "- **Restated:** Mar 2026 from 118 to 121\n"
        "- **Definition:** Owner from Ann Archer to Bob Brown\n"
        "\n"
        "#### Spend (`spend`)\n"
        "\n"
        "- **Definition:** Target from €5,000 to €4,000\n"
        "\n"
        "#### Added KPIs\n"
        "\n"
        "- Leads (`leads`)\n"
    )


def test_two_commits_and_a_removed_kpi(kpi_repo: GitRepo) -> None:
    first = kpi_repo.git("rev-parse", "HEAD")
    kpi_repo.git("rm", "-q", "kpis/cost_per_order.yaml")
    kpi_repo.edit("kpis/sales/spend.yaml", "  2026-04: 4900\n", "  2026-04: 6000\n")
    kpi_repo.commit("Drop cost per order; restate April spend")
    code, output = kpi_diff(kpi_repo, first, "HEAD")
    assert code == 0
    assert output == (
        f"### KPI changes from `{first}` to `HEAD`\n"
        "\n"
        "#### Spend (`spend`)\n"
        "\n"
        "- **Status** in Apr 2026: on target → off target\n"
        "- **Restated:** Apr 2026 from €4,900 to €6,000\n"
        "\n"
        "#### Removed KPIs\n"
        "\n"
        "- Cost per order (`cost_per_order`)\n"
    )


def test_an_unknown_revision_is_a_usage_error(kpi_repo: GitRepo) -> None:
    code, output = kpi_diff(kpi_repo, "no-such-branch")
    assert code == 2
    assert "unknown revision 'no-such-branch'" in output


def test_a_broken_side_still_shows_its_changes(kpi_repo: GitRepo) -> None:
    kpi_repo.edit(ORDERS, "owner: ann", "owner: nobody")
    kpi_repo.edit(ORDERS, "2026-03: 118", "2026-03: 119")
    code, output = kpi_diff(kpi_repo)
    assert code == 0
    assert "_Statuses are not compared: the scorecard at the working tree has errors" in output
    assert "- **Restated:** Mar 2026 from 118 to 119\n" in output
    # People's names come from the side that validates.
    assert "- **Definition:** Owner from Ann Archer to nobody\n" in output
