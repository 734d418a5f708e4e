"""Hostile input and accidents at build time (issue 12): the build never crashes, never leaves
the site half replaced, and never turns contributors' text into markup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import GitRepo

KPI = Path(sys.executable).parent / "kpi"


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
