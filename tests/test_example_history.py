"""scripts/example_history.py: the example as a team would have committed it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kpi_scorecard.audit.history import read_history
from kpi_scorecard.read.load import kpi_files

from .conftest import EXAMPLE, PROJECT

SCRIPT = PROJECT / "scripts" / "example_history.py"


def generate(destination: Path) -> Path:
    subprocess.run([sys.executable, str(SCRIPT), str(destination)], check=True, capture_output=True)
    return destination


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def example_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("history") / "example")


def test_the_last_commit_holds_the_example_exactly(example_repo: Path) -> None:
    assert git(example_repo, "status", "--porcelain") == ""
    for name in EXAMPLE:
        tracked = git(example_repo, "ls-files", name).split()
        assert tracked, name
        for relative in tracked:
            assert (example_repo / relative).read_bytes() == (PROJECT / relative).read_bytes()


def test_two_runs_make_the_same_commits(example_repo: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again")
    assert git(again, "rev-parse", "HEAD") == git(example_repo, "rev-parse", "HEAD")


def test_values_are_credited_to_their_owners_with_a_restatement_and_a_merged_pull_request(
    example_repo: Path,
) -> None:
    files = {p.relative_to(example_repo).as_posix(): p.stem for p in kpi_files(example_repo)}
    history = read_history(example_repo, files)
    assert history.incomplete is None
    traffic = history.of("traffic")
    authors = {entry.author for entry in traffic}
    assert "Ben Carter" in authors  # the owner closes the month
    restatements = [
        entry for entry in traffic if any(change.kind == "restated" for change in entry.changes)
    ]
    assert [entry.subject for entry in restatements] == [
        "Restate September website traffic: bot traffic from a scraper filtered out"
    ]
    target_changes = [
        entry
        for entry in history.of("mrr")
        if any(change.field == "target" for change in entry.changes)
    ]
    assert any(entry.pull_request is not None for entry in target_changes)
    merges = git(example_repo, "log", "--merges", "--format=%an %s").splitlines()
    assert merges and all(line.startswith("Ana Sousa Merge pull request #") for line in merges)
