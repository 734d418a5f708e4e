"""Contract section 5: git history as data-level changes, in fixture repositories."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.audit import history as history_module
from kpi_scorecard.audit.changes import (
    _MAYBE_ALIAS,
    Blob,
    Change,
    diff_blobs,
    diff_documents,
    parse_document,
)
from kpi_scorecard.audit.history import Entry, History, parse_log, pull_request, read_history
from kpi_scorecard.read.validate import load_scorecard
from kpi_scorecard.render.history import (
    MAX_CHANGES_PER_ENTRY_ON_PAGE,
    describe,
    history_section,
)
from kpi_scorecard.render.html import Links
from kpi_scorecard.render.wording import Wording

from .conftest import GitRepo

ORDERS = "kpis/sales/orders.yaml"
PLAIN = Wording(None, {}, {})
"""Numbers as written, ids as written: the changes as data."""


def history_of(root: Path) -> History:
    scorecard, _ = load_scorecard(root)
    return read_history(root, {kpi.path: kpi.id for kpi in scorecard.kpis.values()})


def summary(history: History, kpi_id: str) -> list[tuple[str | None, str | None, str, list[str]]]:
    return [
        (e.author, (e.date or "")[:10] or None, e.subject, [describe(c, PLAIN) for c in e.changes])
        for e in history.of(kpi_id)
    ]


def test_restatement_target_change_rename_merge_and_uncommitted_edit(kpi_repo: GitRepo) -> None:
    kpi_repo.edit(ORDERS, "  2026-04: null\n", "  2026-04: 121\n")
    kpi_repo.commit("Add April orders", author="Bob Brown")
    kpi_repo.edit(ORDERS, "2026-02: 104", "2026-02: 106")
    kpi_repo.commit("Restate February after the refund audit (#12)", author="Cy Clay")
    kpi_repo.edit(
        ORDERS, "target: {2026-01: 100, 2026-03: 120}", "target: {2026-01: 100, 2026-03: 125}"
    )
    kpi_repo.commit("Raise the spring target")
    kpi_repo.git("mv", ORDERS, "kpis/orders.yaml")
    kpi_repo.commit("Move orders to the top folder")
    kpi_repo.git("checkout", "-q", "-b", "may")
    kpi_repo.edit("kpis/orders.yaml", "  2026-04: 121\n", "  2026-04: 121\n  2026-05: 130\n")
    kpi_repo.commit("Add May orders", author="Cy Clay")
    kpi_repo.git("checkout", "-q", "main")
    kpi_repo.merge("may", "Merge pull request #15 from cy/may")
    kpi_repo.edit("kpis/orders.yaml", "2026-05: 130", "2026-05: 131")

    history = history_of(kpi_repo.path)

    assert history.incomplete is None
    entries = summary(history, "orders")
    assert entries[:6] == [
        (None, None, "Uncommitted changes", ["May 2026 restated from 130 to 131"]),
        (
            "Bob Brown",
            "2026-03-07",
            "Merge pull request #15 from cy/may",
            ["May 2026 reported: 130"],
        ),
        (
            "Ann Archer",
            "2026-03-05",
            "Move orders to the top folder",
            ["File moved from kpis/sales/orders.yaml"],
        ),
        (
            "Ann Archer",
            "2026-03-04",
            "Raise the spring target",
            ["Target from 120 to 125 from Mar 2026"],
        ),
        (
            "Cy Clay",
            "2026-03-03",
            "Restate February after the refund audit (#12)",
            ["Feb 2026 restated from 104 to 106"],
        ),
        ("Bob Brown", "2026-03-02", "Add April orders", ["Apr 2026 reported: 121"]),
    ]
    first = history.of("orders")[-1]
    assert first.subject == "Start the scorecard"
    assert "Jan 2026 reported: 90" in [describe(c, PLAIN) for c in first.changes]
    assert [e.pull_request for e in history.of("orders")[1:5]] == [15, None, None, 12]
    assert history.of("orders")[0].commit is None


def test_a_long_history_read_in_groups_by_several_processes_is_the_same(
    kpi_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a history of many versions does (history.VERSIONS_TO_SHARE): each process reads
    the versions of a group of files at a time; the entries are those read in one go."""
    for before, after in (("4900", "4950"), ("4950", "4990")):
        kpi_repo.edit("kpis/sales/spend.yaml", f"2026-04: {before}", f"2026-04: {after}")
        kpi_repo.edit(ORDERS, "2026-02: 104", "2026-02: 105")
        kpi_repo.commit(f"Restate April spend to {after}, February orders to 105")
        kpi_repo.edit(ORDERS, "2026-02: 105", "2026-02: 104")
        kpi_repo.edit(ORDERS, "Spring promotion", f"Spring promotion ({after})")
        kpi_repo.commit("Mend orders")
    kpi_repo.git("mv", ORDERS, "kpis/orders.yaml")
    kpi_repo.commit("Move orders to the top folder")
    whole = history_of(kpi_repo.path)
    history_module._committed_cache.clear()
    monkeypatch.setattr(history_module, "VERSIONS_TO_SHARE", 0)
    monkeypatch.setattr(history_module, "KPIS_PER_READ", 1)
    monkeypatch.setenv("KPI_BUILD_PROCESSES", "2")
    shared = history_of(kpi_repo.path)
    assert shared.entries == whole.entries and len(whole.of("orders")) >= 4
    assert shared.revisions == whole.revisions


def test_a_shallow_clone_never_credits_its_oldest_commit(kpi_repo: GitRepo, tmp_path: Path) -> None:
    kpi_repo.edit(ORDERS, "  2026-04: null\n", "  2026-04: 121\n")
    kpi_repo.commit("Add April orders", author="Bob Brown")
    kpi_repo.edit(ORDERS, "2026-02: 104", "2026-02: 106")
    kpi_repo.commit("Restate February", author="Cy Clay")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{kpi_repo.path}", str(clone)], check=True
    )

    history = history_of(clone)

    assert history.incomplete is not None and "fetch-depth: 0" in history.incomplete
    assert summary(history, "orders") == [
        ("Cy Clay", "2026-03-03", "Restate February", ["Feb 2026 restated from 104 to 106"])
    ]
    assert history.of("spend") == ()


def test_outside_git_the_history_is_empty_and_says_why(kpi_repo: GitRepo, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(kpi_repo.path, copy, ignore=shutil.ignore_patterns(".git"))
    history = history_of(copy)
    assert history.entries == {}
    assert history.incomplete == "the scorecard is not in a git repository, so it has no history"


def test_without_git_installed_the_history_is_empty_and_says_why(
    kpi_repo: GitRepo, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", "/nonexistent/git")
    import git

    monkeypatch.setattr(git.Git, "GIT_PYTHON_GIT_EXECUTABLE", "/nonexistent/git")
    history = history_of(kpi_repo.path)
    assert history.entries == {}
    assert history.incomplete is not None and "git" in history.incomplete


def test_values_changes_are_classified() -> None:
    old = {"values": {"2026-01": 1, "2026-02": 2, "2026-03": 3, "2026-04": None}, "target": 5}
    new = {
        "values": {"2026-01": 1, "2026-02": 4, "2026-04": 7},
        "target": 6,
        "notes": {"2026-02": "x"},
    }
    assert diff_documents(old, new) == (
        Change("values", "2026-02", 2.0, 4.0, "restated"),
        Change("values", "2026-03", 3.0, None, "removed"),
        Change("values", "2026-04", None, 7.0, "added"),
        Change("notes", "2026-02", None, "x", "definition"),
        Change("target", None, 5, 6, "definition"),
    )


def test_pull_request_numbers_come_from_the_subject() -> None:
    assert pull_request("Merge pull request #12 from ann/feb") == 12
    assert pull_request("Restate February (#34)") == 34
    assert pull_request("Fix #12 typo") is None


def build(root: Path) -> str:
    from click.testing import CliRunner

    from kpi_scorecard.cli import main

    result = CliRunner().invoke(main, ["build", str(root)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_site_shows_history_restatements_and_changes(kpi_repo: GitRepo) -> None:
    kpi_repo.edit(ORDERS, "2026-02: 104", "2026-02: 106")
    kpi_repo.commit("Restate February (#12)", author="Cy Clay")
    config = kpi_repo.path / "mkdocs.yml"
    config.write_text(config.read_text() + "repo_url: https://github.com/acme/scorecard\n")
    build(kpi_repo.path)
    site = kpi_repo.path / "site"
    sha = kpi_repo.git("rev-parse", "HEAD")

    document = json.loads((site / "data" / "history.json").read_text())
    assert document["orders"][0] == {
        "commit": sha,
        "date": "2026-03-02T12:00:00+00:00",
        "author": "Cy Clay",
        "subject": "Restate February (#12)",
        "changes": [
            {"field": "values", "month": "2026-02", "old": 104.0, "new": 106.0, "kind": "restated"}
        ],
    }
    assert list(document) == ["cost_per_order", "orders", "spend"]

    page = (site / "kpis" / "orders" / "index.html").read_text()
    assert "Feb 2026 restated from 104 to 106" in page
    assert f'href="https://github.com/acme/scorecard/commit/{sha}"' in page
    assert 'href="https://github.com/acme/scorecard/pull/12"' in page
    assert (
        'class="kpi-restated" title="Restated on 2026-03-02 by Cy Clay from 104 to 106: '
        'Restate February (#12)"'
    ) in page
    assert '"name":"Restated"' in page  # the chart's marker trace

    changes = (site / "changes" / "index.html").read_text()
    assert changes.index("Restate February") < changes.index("Start the scorecard")


def test_a_shallow_build_succeeds_and_says_the_history_is_incomplete(
    kpi_repo: GitRepo, tmp_path: Path
) -> None:
    kpi_repo.edit(ORDERS, "2026-02: 104", "2026-02: 106")
    kpi_repo.commit("Restate February")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{kpi_repo.path}", str(clone)], check=True
    )
    output = build(clone)
    assert "WARNING -  history: this is a shallow clone" in output
    page = (clone / "site" / "kpis" / "orders" / "index.html").read_text()
    assert "History incomplete:" in page and "fetch-depth: 0" in page
    assert "Restate February" not in page


def test_an_alias_bomb_in_an_old_commit_is_read_safely() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 30)]
    assert parse_document("\n".join(lines).encode()) is not None  # refused aliases, no expansion


def test_markdown_emphasis_takes_the_fast_path_and_gives_the_same_data() -> None:
    text = b"name: A\ndescription: Some **bold** text & more\nvalues:\n  2026-01: 1\n"
    assert not _MAYBE_ALIAS.search(text)
    assert parse_document(text) == {
        "name": "A",
        "description": "Some **bold** text & more",
        "values": {"2026-01": 1},
    }


def test_reading_values_lines_directly_gives_what_the_parser_gives() -> None:
    base = b"name: A\n# c\nvalues:\n  2026-01: 1\n  '2026-02': 2.5  # note\n  2026-03:\nnotes:\n  2026-01: x\n"
    edits = [
        base.replace(b"2.5", b"3"),
        base.replace(b"  2026-03:\n", b"  2026-03: 7\n  2026-04: null\n"),
        base.replace(b"2.5", b"1e3"),  # goes to the parser
        base.replace(b"name: A", b"name: B"),  # a definition: goes to the parser
        base.replace(b"  2026-01: 1\n", b""),
    ]
    for edited in edits:
        quick = diff_blobs(Blob(base), Blob(edited))
        assert quick == diff_documents(parse_document(base), parse_document(edited)), edited
        assert quick


def test_any_subject_or_author_git_accepts_is_read_as_written(kpi_repo: GitRepo) -> None:
    subjects = [
        "Restate\x1eFebruary",  # the old record separator
        ":100644 100644 abc def M",  # looks like a --raw line
        "",  # an empty message
    ]
    for number, subject in enumerate(subjects):
        kpi_repo.edit(ORDERS, f"2026-02: {104 + number}", f"2026-02: {105 + number}")
        kpi_repo.day += 1
        kpi_repo.git("add", "-A")
        kpi_repo.git(
            "commit", "-q", "--allow-empty-message", "-m", subject,
            env=kpi_repo.identity("Dee\x1e:Dot"),
        )  # fmt: skip

    history = history_of(kpi_repo.path)

    entries = summary(history, "orders")
    assert [(e[0], e[2]) for e in entries[:3]] == [("Dee\x1e:Dot", s) for s in reversed(subjects)]
    assert entries[0][3] == ["Feb 2026 restated from 106 to 107"]
    assert entries[-1][2] == "Start the scorecard"


_SHA = st.text("123456789abcdef", min_size=40, max_size=40)  # never the null blob
_TEXT = st.text(st.characters(blacklist_characters="\x00\n"))
_PATH = st.text(st.characters(blacklist_characters="\x00"), min_size=1).map(
    lambda name: f"kpis/{name}.yaml"
)


@given(
    st.lists(
        st.tuples(_SHA, _TEXT, _TEXT, _TEXT, st.lists(st.tuples(_SHA, _SHA, _PATH), max_size=3)),
        max_size=4,
    )
)
def test_the_log_reads_back_whatever_git_writes_between_its_nuls(
    commits: list[tuple[str, str, str, str, list[tuple[str, str, str]]]],
) -> None:
    output = "".join(
        f"{sha}\x00{date}\x00{date}\x00{author}\x00{subject}\x00"
        + "".join(f"\n:100644 100644 {old} {new} M\x00{path}\x00" for old, new, path in files)
        for sha, date, author, subject, files in commits
    )
    parsed = [
        (c.sha, c.date, c.author, c.subject, [(o, n, p) for _, p, o, n in c.files])
        for c in parse_log(output)
    ]
    assert parsed == [
        (sha, date, author, subject, [(old, new, path) for old, new, path in files])
        for sha, date, author, subject, files in commits
    ]


def test_a_kpi_page_lists_a_dozen_changes_of_one_commit_and_counts_the_rest() -> None:
    months = [f"{2016 + i // 12}-{i % 12 + 1:02d}" for i in range(30)]
    created = tuple(Change("values", m, None, float(i), "added") for i, m in enumerate(months))
    entry = Entry("a" * 40, "2026-03-01T12:00:00+00:00", "Ann", "Start", created)
    html = history_section((entry,), None, None, Links(1), Wording(None, {}, {}))
    listed = re.findall(r"<li>([^<]*)</li>", html)
    assert len(listed) == MAX_CHANGES_PER_ENTRY_ON_PAGE + 1
    assert listed[-1] == f"and {30 - MAX_CHANGES_PER_ENTRY_ON_PAGE} more changes"
