"""Hostile input and accidents at build time (issue 12): the build never crashes, never leaves
the site half replaced, and never turns contributors' text into markup."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main
from kpi_scorecard.workers import PROCESSES_VARIABLE

from .conftest import GitRepo
from .test_site import active_markup

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
    # 1e308 - -1e308 is beyond a float; its ratio to 1e308 is exactly 2 (+200 %)
    assert (
        "kpis/sales/spend.yaml:10: warning: figures at 2026-04: too large to compute, left "
        "empty: mom_change"
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
    assert spend_figures["mom_change"] is None and spend_figures["mom_pct"] == 2.0
    assert "cost_per_order,2026-03,,45,missing" in (data / "values.csv").read_text()


def test_a_failure_while_rendering_leaves_the_last_site(valid_repo: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """In one process, a plain mkdocs build renders everything before mkdocs empties site/.
    (On several cores the pages are rendered while mkdocs builds: there kpi build's staging
    folder keeps the last site, tests/test_workers.py.)"""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    import kpi_scorecard.site

    monkeypatch.setenv(PROCESSES_VARIABLE, "1")

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


class _Killer:
    """Simulates a kill before the n-th step that moves or removes a folder: from that step
    on, every such step fails, as nothing runs after a kill. An audit hook sees these steps
    whatever function makes them; the exchange through ctypes is one system call, which a
    kill happens before or after."""

    STEPS = frozenset({"os.rename", "os.replace", "shutil.rmtree"})

    def __init__(self) -> None:
        self.countdown: int | None = None
        self.killed = False

    def arm(self, step: int) -> None:
        self.countdown, self.killed = step, False

    def disarm(self) -> None:
        self.countdown = None

    def __call__(self, event: str, args: tuple[object, ...]) -> None:
        if self.countdown is None or event not in self.STEPS:
            return
        self.countdown -= 1
        if self.countdown <= 0:
            self.killed = True
            raise KeyboardInterrupt(f"killed at {event}")


_killer = _Killer()
sys.addaudithook(_killer)


def digest(folder: Path) -> str | None:
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return "\n".join(f"{p.relative_to(folder)} {p.stat().st_size}" for p in files)


def test_a_build_killed_at_any_step_leaves_a_whole_site(valid_repo: Path) -> None:
    from kpi_scorecard.site import build_site

    build_site(valid_repo)
    old = digest(valid_repo / "site")
    (valid_repo / "site_src" / "extra.md").write_text("# A new page\n")
    seen = []
    for step in range(1, 200):  # until a build gets through (each export is moved in)
        _killer.arm(step)
        try:
            build_site(valid_repo)
        except KeyboardInterrupt:
            seen.append(digest(valid_repo / "site"))
        finally:
            _killer.disarm()
        if not _killer.killed:
            break
        for leftover in valid_repo.glob(".site-*"):  # each kill starts from the same state
            shutil.rmtree(leftover)
    new = digest(valid_repo / "site")
    assert new != old and len(seen) >= 2
    assert all(state in (old, new) for state in seen), "site/ missing or mixed after a kill"


def test_leftovers_of_killed_builds_are_removed(valid_repo: Path) -> None:
    for leftover in (".site-new-x1y2z3", ".site-old-4242"):
        (valid_repo / leftover / "assets").mkdir(parents=True)
        (valid_repo / leftover / "index.html").write_text("stale")
    from kpi_scorecard.site import build_site

    build_site(valid_repo)
    assert (valid_repo / "site" / "index.html").is_file()
    assert not [p.name for p in valid_repo.iterdir() if p.name.startswith(".site-")]


def kpi_build(repo: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", str(repo), *args])
    return result.exit_code, result.stdout, result.stderr


def test_links_from_mkdocs_yml_must_be_http(valid_repo: Path) -> None:
    config = valid_repo / "mkdocs.yml"
    config.write_text(config.read_text() + "repo_url: javascript://%0aalert(document.domain)\n")
    line = len(config.read_text().splitlines())
    expected = (
        f"mkdocs.yml:{line}: error: repo_url: 'javascript://%0aalert(document.domain)' is not "
        "an http(s) address (expected https://...)"
    )
    code, out, _ = kpi_build(valid_repo)
    assert (code, out) == (1, expected + "\n")
    assert not (valid_repo / "site").exists()
    (valid_repo / "site").mkdir()
    (valid_repo / "site" / "last-good.txt").write_text("kept")
    result = run_mkdocs(valid_repo, "build")
    assert result.returncode != 0
    assert expected in result.stderr
    assert (valid_repo / "site" / "last-good.txt").read_text() == "kept"


def test_a_full_disk_is_one_line_naming_the_file_and_the_last_site_stays(
    valid_repo: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from mkdocs import utils

    code, _, _ = kpi_build(valid_repo)
    assert code == 0
    before = digest(valid_repo / "site")

    def full(content: bytes, output_path: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", output_path)

    monkeypatch.setattr(utils, "write_file", full)
    monkeypatch.chdir(valid_repo)
    code, _, err = kpi_build(valid_repo)
    assert code == 1
    last = err.splitlines()[-1]
    assert re.fullmatch(r"error: \.site-new-\w+/\S+: no space left on device", last), last
    assert "Traceback" not in err
    assert digest(valid_repo / "site") == before
    assert not list(valid_repo.glob(".site-*"))


def test_a_strict_build_with_warnings_stops_before_emptying_the_site(valid_repo: Path) -> None:
    marker = valid_repo / "site" / "last-good.txt"
    marker.parent.mkdir()
    marker.write_text("kept")
    result = run_mkdocs(valid_repo, "build", "--strict")
    assert result.returncode != 0
    assert "warnings in strict mode: the site was not changed" in result.stderr
    assert marker.read_text() == "kept"


HOSTILE_TITLE = "<img src=x onerror=alert('title')> [Open](javascript:alert('title-link'))"
HOSTILE_KPI_NAME = "[Open report](javascript:alert('kpi-link'))"


def test_retrospective_titles_and_kpi_names_are_text_in_every_template(valid_repo: Path) -> None:
    orders = valid_repo / "kpis" / "sales" / "orders.yaml"
    orders.write_text(orders.read_text().replace("name: Orders", f"name: {HOSTILE_KPI_NAME!r}"))
    folder = valid_repo / "site_src" / "retrospectives"
    folder.mkdir()
    (folder / "spring.md").write_text(
        f"---\ntitle: {json.dumps(HOSTILE_TITLE)}\nstart: 2026-01\nend: 2026-03\n"
        "kpis:\n  primary: {orders: 110}\n---\n\nWhat we did.\n"
    )
    code, out, err = kpi_build(valid_repo)
    assert code == 0, out + err
    site = valid_repo / "site"
    for page in site.rglob("*.html"):
        assert not active_markup(page.read_text()), page
    spring = (site / "retrospectives" / "spring" / "index.html").read_text()
    assert "[Open report](javascript:alert(&#x27;kpi-link&#x27;))" in spring
    assert "\u2039img src=x onerror=alert('title')\u203a" in spring.split("<title>")[1]
    search = (site / "search" / "search_index.json").read_text()
    assert "<img" not in search and 'href=\\"javascript' not in search  # text, not markup


def test_kpi_diff_shows_keys_of_a_broken_file_as_text_never_as_links(kpi_repo: GitRepo) -> None:
    kpi_repo.edit(
        "kpis/sales/orders.yaml",
        "  2026-04: null\n",
        '  "[Approve](https://evil.example)": 5\n"**[x](https://evil.example)**": 1\n',
    )
    result = CliRunner().invoke(main, ["diff", "--repo", str(kpi_repo.path)])
    assert result.exit_code == 0
    assert "evil" in result.stdout  # the change is shown, as text
    outside_code = "".join(result.stdout.split("`")[::2])
    assert "](" not in outside_code


def test_a_second_build_of_the_same_site_at_once_is_refused(valid_repo: Path) -> None:
    import fcntl

    descriptor = os.open(valid_repo, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # what a running kpi build holds
        code, _, err = kpi_build(valid_repo)
    finally:
        os.close(descriptor)
    assert code == 1
    assert err.splitlines()[-1] == (
        f"error: another kpi build is replacing {valid_repo / 'site'}; try again"
    )
    assert not (valid_repo / "site").exists()


def test_kpi_diff_never_reads_a_link_out_of_the_repository(
    kpi_repo: GitRepo, tmp_path: Path
) -> None:
    secret = tmp_path / "credentials.yaml"
    secret.write_text("name: ghp_0123456789SECRET\n")
    (kpi_repo.path / "kpis" / "leak.yaml").symlink_to(secret)
    result = CliRunner().invoke(main, ["diff", "--repo", str(kpi_repo.path)])
    assert result.exit_code == 0
    assert "SECRET" not in result.output
