"""Hostile input and accidents at build time (issue 12): the build never crashes, never leaves
the site half replaced, and never turns contributors' text into markup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import GitRepo

KPI = Path(sys.executable).parent / "kpi"
MKDOCS = Path(sys.executable).parent / "mkdocs"


def without_git(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH holds python and nothing else: no git."""
    bin_dir = tmp_path / "bin-without-git"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    return {**env, "PATH": str(bin_dir), "NO_MKDOCS_2_WARNING": "1"}


def test_without_git_the_build_succeeds_and_says_the_history_is_incomplete(
    kpi_repo: GitRepo, tmp_path: Path
) -> None:
    result = subprocess.run(
        [str(KPI), "build", str(kpi_repo.path)],
        env=without_git(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "history: git is not installed, so the history could not be read" in result.stderr
    page = (kpi_repo.path / "site" / "kpis" / "orders" / "index.html").read_text()
    assert "git is not installed" in page


def test_without_git_kpi_diff_says_it_needs_git(kpi_repo: GitRepo, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(KPI), "diff", "--repo", str(kpi_repo.path)],
        env=without_git(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr == "error: this command needs git, and git is not installed (not on PATH)\n"
    )


def run_mkdocs(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    return subprocess.run(
        [str(MKDOCS), *args], cwd=repo, capture_output=True, text=True, env=env, timeout=120
    )


def test_figures_that_overflow_are_left_empty_with_a_warning(valid_repo: Path) -> None:
    spend = valid_repo / "kpis" / "sales" / "spend.yaml"
    spend.write_text(
        spend.read_text()
        .replace("2026-03: 5100", "2026-03: -1e308")
        .replace("2026-04: 4900", "2026-04: 1e308")
    )
    formula = valid_repo / "kpis" / "cost_per_order.yaml"
    formula.write_text(formula.read_text().replace("spend / orders", "spend * orders * 1e300"))
    result = run_mkdocs(valid_repo, "build")
    assert result.returncode == 0, result.stderr
    assert (
        "kpis/sales/spend.yaml:10: warning: figures at 2026-04: too large to compute, left "
        "empty: mom_change, mom_pct"
    ) in result.stderr
    assert (
        "kpis/cost_per_order.yaml:10: warning: formula: no value for 2026-03 (too large), "
        "2026-04 (orders not reported)"
    ) in result.stderr
    data = valid_repo / "site" / "data"
    spend_figures = next(
        k for k in json.loads((data / "scorecard.json").read_text())["kpis"] if k["id"] == "spend"
    )
    assert spend_figures["value"] == 1e308
    assert spend_figures["mom_change"] is None and spend_figures["mom_pct"] is None
    assert "cost_per_order,2026-03,,45,missing" in (data / "values.csv").read_text()


def test_a_failure_while_rendering_leaves_the_last_site(valid_repo: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    import kpi_scorecard.site

    marker = valid_repo / "site" / "last-good.txt"
    marker.parent.mkdir()
    marker.write_text("kept")

    def broken(*args: object, **kwargs: object) -> dict[str, str]:
        raise RuntimeError("a bug of ours while rendering")

    monkeypatch.setattr(kpi_scorecard.site, "render_pages", broken)
    monkeypatch.chdir(valid_repo)
    with pytest.raises(Exception, match="a bug of ours while rendering"):
        build(load_config(str(valid_repo / "mkdocs.yml")))
    assert marker.read_text() == "kept"
