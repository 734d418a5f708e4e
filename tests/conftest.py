"""Shared fixtures: scorecard repositories copied into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).parent.parent


def make_repo(destination: Path, *overlays: Path) -> Path:
    """The valid fixture scorecard with each overlay's files copied over it."""
    shutil.copytree(FIXTURES / "valid", destination)
    for overlay in overlays:
        shutil.copytree(overlay, destination, dirs_exist_ok=True)
    (destination / "expected.txt").unlink(missing_ok=True)
    return destination


@pytest.fixture
def valid_repo(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/valid with the project's mkdocs.yml and hooks, ready to build."""
    repo = make_repo(tmp_path / "repo")
    add_site_config(repo)
    return repo


def add_site_config(repo: Path) -> None:
    shutil.copy(PROJECT / "mkdocs.yml", repo / "mkdocs.yml")
    shutil.copytree(PROJECT / "hooks", repo / "hooks", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "site_src").mkdir(exist_ok=True)
    (repo / "site_src" / "how-to-edit.md").write_text("# How to edit a KPI\n")
