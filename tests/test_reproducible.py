"""Reproducible builds: the same example, built twice with SOURCE_DATE_EPOCH set, gives the same
site, byte for byte.

Each build runs ``kpi build`` in its own process with its own PYTHONHASHSEED, so that an order
that depends on set or dict hashing shows up as a difference, in its own copy of the example, so
that no absolute path leaks into the output.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import copy_example as copy_project_example

KPI = Path(sys.executable).parent / "kpi"
SOURCE_DATE_EPOCH = "1772323200"  # 2026-03-01T00:00:00Z


def copy_example(destination: Path, site_url: str | None, in_git: bool) -> Path:
    destination.mkdir()
    copy_project_example(destination)
    if site_url:
        config = destination / "mkdocs.yml"
        config.write_text(config.read_text() + f"\nsite_url: {site_url}\n")
    if in_git:
        commit_everything(destination)
    return destination


def commit_everything(repo: Path) -> None:
    """One commit with a fixed author and date: the same commit id in every copy."""
    identity = {"NAME": "Ann Archer", "EMAIL": "ann@example.com", "DATE": "2026-03-01T12:00:00Z"}
    env = {**os.environ}
    for role in ("AUTHOR", "COMMITTER"):
        env.update({f"GIT_{role}_{key}": value for key, value in identity.items()})
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "The example scorecard"],
    ):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def build(repo: Path, hash_seed: str, source_date_epoch: str | None = SOURCE_DATE_EPOCH) -> Path:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONHASHSEED"] = hash_seed
    if source_date_epoch is not None:
        env["SOURCE_DATE_EPOCH"] = source_date_epoch
    result = subprocess.run(
        [str(KPI), "build", str(repo)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith(f"site written to {repo / 'site'}\n")  # all of it, flushed
    return repo / "site"


def tree(site: Path) -> dict[str, bytes]:
    return {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


def differences(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    """One line per differing file, with the first differing lines of a text file."""
    report = [f"only in one build: {name}" for name in sorted(first.keys() ^ second.keys())]
    for name in sorted(first.keys() & second.keys()):
        if first[name] == second[name]:
            continue
        digests = [
            hashlib.sha256(content).hexdigest()[:12] for content in (first[name], second[name])
        ]
        report.append(f"differs: {name} ({digests[0]} != {digests[1]})")
        try:
            lines = [content.decode().splitlines() for content in (first[name], second[name])]
        except UnicodeDecodeError:
            continue
        diff = difflib.unified_diff(*lines, lineterm="", n=0)
        report.extend(f"    {line[:200]}" for line in list(diff)[2:8])
    return report


@pytest.mark.parametrize(
    ("site_url", "in_git"),
    [
        pytest.param(None, False, id="as-configured"),
        # With a site_url mkdocs writes dated sitemap entries and a gzipped sitemap.
        pytest.param("https://scorecard.example.com/", False, id="with-site-url"),
        # In git, the KPI pages, /changes/ and data/history.json show the history.
        pytest.param("https://scorecard.example.com/", True, id="with-site-url-in-git"),
    ],
)
def test_two_builds_of_the_example_are_byte_identical(
    tmp_path: Path, site_url: str | None, in_git: bool
) -> None:
    first = build(copy_example(tmp_path / "first", site_url, in_git), hash_seed="1")
    second = build(copy_example(tmp_path / "second", site_url, in_git), hash_seed="2")
    first_tree, second_tree = tree(first), tree(second)
    assert len(first_tree) > 20
    assert differences(first_tree, second_tree) == []


def test_without_source_date_epoch_the_dates_come_from_the_commit(tmp_path: Path) -> None:
    """Builds of one commit at different times agree: the sitemap is dated by the commit."""
    site_url = "https://scorecard.example.com/"
    first = build(copy_example(tmp_path / "first", site_url, True), "1", source_date_epoch=None)
    second = build(copy_example(tmp_path / "second", site_url, True), "2", source_date_epoch=None)
    assert differences(tree(first), tree(second)) == []
    assert "<lastmod>2026-03-01</lastmod>" in (first / "sitemap.xml").read_text()
