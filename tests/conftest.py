"""Shared fixtures: scorecard repositories copied into a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kpi_scorecard.model import Kpi

from .fuzz import register_profiles

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).parent.parent


EXAMPLE = ("kpis", "site_src", "hooks", "mkdocs.yml")
"""The project's own example scorecard: what `make site` builds."""


def copy_example(destination: Path) -> Path:
    """A copy of the example scorecard (without git history) in ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLE:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(
                source, destination / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(source, destination / name)
    return destination


def bare_kpi(kpi_id: str, **fields: Any) -> Kpi:
    """A KPI built in Python, with the required fields filled in unless given."""
    required = {
        "path": f"kpis/{kpi_id}.yaml",
        "name": kpi_id,
        "description": "d",
        "category": "c",
        "owner": "ann",
        "better": "higher",
    }
    return Kpi(id=kpi_id, **{**required, **fields})


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


class GitRepo:
    """A scorecard in a temporary git repository with fixed authors and dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.day = 0
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Setup")
        self.git("config", "user.email", "setup@example.com")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **(env or {})},
        )
        return result.stdout.strip()

    def write(self, relative: str, text: str) -> None:
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.path / relative
        text = path.read_text()
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new))

    def commit(self, subject: str, author: str = "Ann Archer", on: str | None = None) -> str:
        """Commit everything on the next day (2026-03-01, 02, ...) at noon UTC, or at ``on``
        (``YYYY-MM-DD``, noon UTC, or a full ISO 8601 time)."""
        self.day += 1
        env = self.identity(author, on)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", subject, env=env)
        return self.git("rev-parse", "HEAD")

    def identity(self, author: str, on: str | None = None) -> dict[str, str]:
        date = f"2026-03-{self.day:02d}T12:00:00+00:00"
        if on is not None:
            date = on if "T" in on else f"{on}T12:00:00+00:00"
        email = author.split()[0].lower() + "@example.com"
        return {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": date,
        }

    def merge(self, branch: str, subject: str, author: str = "Bob Brown") -> str:
        self.day += 1
        self.git("merge", "-q", "--no-ff", "-m", subject, branch, env=self.identity(author))
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def kpi_repo(tmp_path: Path) -> GitRepo:
    """The valid fixture scorecard committed as a first commit of a new repository."""
    repo = GitRepo(make_repo(tmp_path / "repo"))
    add_site_config(repo.path)
    repo.commit("Start the scorecard")
    return repo


register_profiles()  # before pytest reads --hypothesis-profile
