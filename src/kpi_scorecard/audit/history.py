"""Git history of the KPI files (contract section 5); the only module that talks to git.

One ``git log`` over ``kpis/`` lists every first-parent commit with the blobs it changed (renames
followed); ``git cat-file --batch`` reads the versions of a hundred files at a time, and
changes.py turns consecutive versions into data-level changes, after which they are let go
(what a past review showed reads its files again, ``read_blobs``). The committed history is
cached by HEAD, so ``mkdocs serve`` rebuilds pay only for uncommitted edits.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

# GitPython looks for git when imported and refuses to load without it; without git the build
# still succeeds (the site says the history is incomplete), so the lookup waits for first use.
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
import git

from kpi_scorecard.audit.changes import Blob, Change, diff_blobs
from kpi_scorecard.errors import ScorecardError
from kpi_scorecard.workers import process_count, run_shares, shares

PR_PATTERNS = (re.compile(r"^Merge pull request #(\d+)"), re.compile(r"\(#(\d+)\)\s*$"))
SHALLOW_FIX = "fetch the full history (actions/checkout: fetch-depth: 0, or git fetch --unshallow)"


@dataclass(frozen=True)
class Entry:
    """One commit's changes to one KPI; ``commit`` is None for uncommitted edits."""

    commit: str | None
    date: str | None
    author: str | None
    subject: str
    changes: tuple[Change, ...]

    @property
    def pull_request(self) -> int | None:
        return pull_request(self.subject)


@dataclass(frozen=True)
class Revision:
    """One first-parent commit and what it did to the files under ``kpis/`` (paths relative to
    the scorecard), so that the state at any commit is known without asking git again."""

    sha: str
    committed: str
    """Committer date, ISO 8601."""
    files: tuple[tuple[str | None, str | None, str | None, str | None], ...]
    """(old path, new path, old blob, new blob), as in the log."""


@dataclass(frozen=True)
class History:
    """Every KPI's entries, newest first, and why the history may be incomplete."""

    entries: Mapping[str, tuple[Entry, ...]]
    incomplete: str | None = None
    """None when complete; else the reason and the fix, for the build log and the site."""
    revisions: tuple[Revision, ...] = ()
    """Every first-parent commit, newest first; empty outside git and in a shallow clone,
    where the state at an old commit is not known (contract 5.1: no record)."""
    repository: str | None = None
    """The git folder it was read from, where the files of a past review are read
    (``read_blobs``)."""

    def of(self, kpi_id: str) -> tuple[Entry, ...]:
        return self.entries.get(kpi_id, ())


def pull_request(subject: str) -> int | None:
    for pattern in PR_PATTERNS:
        match = pattern.search(subject)
        if match:
            return int(match.group(1))
    return None


# -- reading git ------------------------------------------------------------------------------


_Committed = tuple[dict[str, list[Entry]], str | None, tuple[Revision, ...]]


_committed_cache: dict[tuple[str, str, str], _Committed] = {}
"""The committed history by repository, HEAD and files: it survives between the builds of
one ``mkdocs serve`` session."""
KPIS_PER_READ = 100
"""Every version of this many KPI files is read and compared at once: a long history of
many files (1,000 KPIs with a commit a month: 120,000 versions) held whole took gigabytes."""
VERSIONS_TO_SHARE = 10_000
"""From this many versions on, the comparing is shared between processes (one per core):
the build waits for it. Below, it is done before the build has read today's files (which
takes longer for 1,000 files than comparing 3,000 versions), and a second process would only
take the core from them."""


def read_history(root: Path, current_files: Mapping[str, str]) -> History:
    """The history of the KPIs in ``current_files`` (path relative to root -> KPI id)."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return History({}, "the scorecard is not in a git repository, so it has no history")
    except git.GitCommandNotFound:  # pragma: no cover - depends on the machine
        return History({}, "git is not installed, so the history could not be read")
    try:
        return _read(repo, root, current_files)
    except git.GitCommandNotFound:
        return History({}, "git is not installed, so the history could not be read")
    except git.GitCommandError as error:
        return History({}, f"git failed ({error.stderr.strip() or error.status})")


def _locate(repo: git.Repo, root: Path) -> tuple[Path, str]:
    """The repository's top folder, and the scorecard's folder within it as a path prefix
    (``""`` when the scorecard is the repository itself)."""
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    return top, "" if prefix == "." else prefix + "/"


def _read(repo: git.Repo, root: Path, current_files: Mapping[str, str]) -> History:
    top, prefix = _locate(repo, root)
    in_repo = {prefix + path: kpi_id for path, kpi_id in current_files.items()}
    head = _head(repo)
    incomplete = None
    entries: dict[str, list[Entry]] = {}
    revisions: tuple[Revision, ...] = ()
    if head is not None:
        # The repository is part of the key: a shallow clone has the same HEAD as its origin.
        key = (str(repo.git_dir), head, json.dumps(sorted(in_repo.items())))
        if key not in _committed_cache:
            _committed_cache[key] = _committed(repo, prefix, in_repo)
        committed, incomplete, revisions = _committed_cache[key]
        entries = {k: list(v) for k, v in committed.items()}
    for kpi_id, entry in _uncommitted(repo, top, prefix, in_repo, head is not None):
        entries.setdefault(kpi_id, []).insert(0, entry)
    return History(
        {k: tuple(v) for k, v in sorted(entries.items())},
        incomplete,
        revisions,
        str(repo.git_dir),
    )


def _head(repo: git.Repo) -> str | None:
    try:
        return repo.head.commit.hexsha
    except ValueError:  # a repository without commits
        return None


def _committed(repo: git.Repo, prefix: str, in_repo: Mapping[str, str]) -> _Committed:
    shallow = repo.git.rev_parse("--is-shallow-repository") == "true"
    commits = list(_log(repo, prefix))
    if shallow:
        # The oldest commit of a shallow clone has no parent here, so it would seem to create
        # every value: its changes are left out and the site says the history is incomplete.
        grafted = set(_shallow_commits(repo))
        commits = [c for c in commits if c.sha not in grafted]
    versions = _versions(commits, in_repo)
    kpi_ids = sorted(versions)
    groups = [
        kpi_ids[start : start + KPIS_PER_READ] for start in range(0, len(kpi_ids), KPIS_PER_READ)
    ]
    count = process_count() if sum(map(len, versions.values())) >= VERSIONS_TO_SHARE else 1
    work = partial(_entries_of, str(repo.git_dir), versions)
    entries: dict[str, list[Entry]] = {}
    for part in run_shares(work, shares(groups, count)):
        entries.update(part)
    if shallow:
        incomplete = f"this is a shallow clone, so the history is incomplete: {SHALLOW_FIX}"
        return entries, incomplete, ()
    return entries, None, tuple(_revision(commit, prefix) for commit in commits)


def _entries_of(
    repository: str, versions: Mapping[str, list[_Version]], groups: list[list[str]]
) -> dict[str, list[Entry]]:
    """The entries of the KPIs of ``groups``, each group's versions read at once."""
    entries: dict[str, list[Entry]] = {}
    for group in groups:
        shas = {sha for kpi_id in group for *_, old, new in versions[kpi_id] for sha in (old, new)}
        blobs = _read_blobs(repository, shas)
        for kpi_id in group:
            for commit, old_path, new_path, old_sha, new_sha in versions[kpi_id]:
                changes = diff_blobs(blobs.get(old_sha or ""), blobs.get(new_sha or ""))
                if old_path and old_path != new_path:
                    changes = (Change("file", None, old_path, new_path, "definition"), *changes)
                if changes:
                    entry = Entry(commit.sha, commit.date, commit.author, commit.subject, changes)
                    entries.setdefault(kpi_id, []).append(entry)
    return entries


_Version = tuple["_Commit", str | None, str | None, str | None, str | None]
"""A commit's change to one KPI file: (commit, old path, new path, old blob, new blob)."""


def _versions(commits: list[_Commit], in_repo: Mapping[str, str]) -> dict[str, list[_Version]]:
    """KPI id -> the commits' changes to its file, newest first, renames followed back."""
    alias = dict(in_repo)  # path at this point of history -> current KPI id
    versions: dict[str, list[_Version]] = {}
    for commit in commits:  # newest first
        for old_path, new_path, old_sha, new_sha in commit.files:
            kpi_id = alias.get(new_path or "") if new_path else None
            if kpi_id is None:
                continue
            if old_path and old_path != new_path:
                alias[old_path] = kpi_id
            versions.setdefault(kpi_id, []).append((commit, old_path, new_path, old_sha, new_sha))
    return versions


def _revision(commit: _Commit, prefix: str) -> Revision:
    def inside(path: str | None) -> str | None:
        return None if path is None else path[len(prefix) :]

    files = tuple((inside(o), inside(n), old, new) for o, n, old, new in commit.files)
    return Revision(commit.sha, commit.committed, files)


def read_blobs(repository: str, shas: Iterable[str]) -> dict[str, bytes]:
    """Blobs of ``repository`` (a git folder) by their id, through one ``git cat-file --batch``
    process; those it does not hold are left out."""
    return dict(_batch_objects(_cat_file(repository, "--batch", shas)))


def blob_sizes(repository: str, shas: Iterable[str]) -> dict[str, int]:
    """...and only their sizes (``--batch-check``: nothing is read)."""
    output = _cat_file(repository, "--batch-check", shas)
    sizes = {}
    for line in output.decode().splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] == "blob":
            sizes[fields[0]] = int(fields[2])
    return sizes


def _shallow_commits(repo: git.Repo) -> list[str]:
    path = Path(repo.git_dir) / "shallow"
    return path.read_text().split() if path.is_file() else []


@dataclass(frozen=True)
class _Commit:
    sha: str
    date: str
    author: str
    subject: str
    files: list[tuple[str | None, str | None, str | None, str | None]]
    """(old path, new path, old blob, new blob); None for a side that does not exist."""
    committed: str = ""
    """The committer date (ISO 8601): what decides which commit a review showed (5.1)."""


NULL_SHA = "0" * 40


def _log(repo: git.Repo, prefix: str) -> Iterator[_Commit]:
    output = repo.git.log(
        "--first-parent",
        "--sparse",  # every first-parent commit, also those that leave kpis/ alone (5.1)
        "--diff-merges=first-parent",
        "--raw",
        "-M",
        "--no-abbrev",
        "-z",
        "--format=%H%x00%aI%x00%cI%x00%an%x00%s",
        "--",
        f"{prefix}kpis",
    )
    return parse_log(output)


def parse_log(output: str) -> Iterator[_Commit]:
    """``git log -z --raw --format=%H%x00%aI%x00%cI%x00%an%x00%s``: every field ends with NUL,
    the one byte git never puts in a subject or a name, so the output is read field by field,
    the five fields of a commit by position (a subject may look like anything else)."""
    fields = iter(output.split("\x00"))
    commit: _Commit | None = None
    for field_text in fields:
        token = field_text.lstrip("\n")
        if token.startswith(":") and commit is not None:
            status = token.split()[-1]
            paths = [next(fields, "") for _ in range(2 if status[0] in "RC" else 1)]
            commit.files.extend(_raw_file(token, paths))
        elif token:
            if commit is not None:
                yield commit
            date, committed, author, subject = (next(fields, "") for _ in range(4))
            commit = _Commit(token, date, author, subject, [], committed)
    if commit is not None:
        yield commit


def _raw_file(
    meta: str, paths: list[str]
) -> Iterator[tuple[str | None, str | None, str | None, str | None]]:
    """One ``--raw`` entry, ``:modes shas status`` and its one or two paths."""
    _, _, old_sha, new_sha, status = meta[1:].split()
    old_path, new_path = paths[0], paths[-1]
    if not _is_kpi_path(new_path) and not _is_kpi_path(old_path):
        return
    yield (
        None if status == "A" else old_path,
        None if status == "D" else new_path,
        None if old_sha == NULL_SHA else old_sha,
        None if new_sha == NULL_SHA else new_sha,
    )


def _is_kpi_path(path: str) -> bool:
    return path.endswith((".yaml", ".yml"))


def _read_blobs(repository: str, shas: Iterable[str | None]) -> dict[str, Blob]:
    """Each blob read once, through one ``git cat-file --batch`` process."""
    wanted = {sha for sha in shas if sha}
    return {sha: Blob(data) for sha, data in read_blobs(repository, wanted).items()}


def _batch_objects(output: bytes) -> Iterator[tuple[str, bytes]]:
    position = 0
    while position < len(output):
        end = output.index(b"\n", position)
        header = output[position:end].decode().split()
        position = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        yield header[0], output[position : position + size]
        position += size + 1


def _uncommitted(
    repo: git.Repo, top: Path, prefix: str, in_repo: Mapping[str, str], has_head: bool
) -> Iterator[tuple[str, Entry]]:
    """Working-tree edits against HEAD, as a first entry with commit None. ``git status``
    names the changed files, so only those are read."""
    status = repo.git.status("--porcelain=v1", "-z", "--untracked-files=all", "--", f"{prefix}kpis")
    fields = status.split("\x00")
    changed: dict[str, str] = {}  # path now -> path in HEAD
    index = 0
    while index < len(fields):
        item = fields[index]
        index += 1
        if len(item) < 4:
            continue
        code, path = item[:2], item[3:]
        if "R" in code:
            changed[path] = fields[index]
            index += 1
        else:
            changed[path] = path
    head_blobs = (
        _head_blobs(repo, [changed[p] for p in changed if p in in_repo]) if has_head else {}
    )
    in_head = _read_blobs(str(repo.git_dir), head_blobs.values())
    for path in sorted(p for p in changed if p in in_repo):
        file = top / path
        current = Blob(file.read_bytes()) if file.is_file() else None
        before_path = changed[path]
        before_sha = head_blobs.get(before_path)
        changes = diff_blobs(in_head.get(before_sha) if before_sha else None, current)
        if before_sha and before_path != path:
            changes = (Change("file", None, before_path, path, "definition"), *changes)
        if changes:
            yield in_repo[path], Entry(None, None, None, "Uncommitted changes", changes)


def _head_blobs(repo: git.Repo, paths: list[str]) -> dict[str, str]:
    if not paths:
        return {}
    listing = repo.git.ls_tree("-z", "HEAD", "--", *paths)
    blobs = {}
    for line in listing.split("\x00"):
        if "\t" in line:
            meta, path = line.split("\t", 1)
            blobs[path] = meta.split()[2]
    return blobs


def commit_timestamp(root: Path) -> int | None:
    """When HEAD was committed (seconds since the epoch); None outside git."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
        return int(repo.head.commit.committed_date)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandNotFound, ValueError):
        return None


# -- whole trees at a revision (for kpi diff) -------------------------------------------------


class RevisionError(Exception):
    """A revision that does not name a commit, or no repository to look in."""


class GitMissing(ScorecardError):
    """A command that compares revisions cannot run without git."""


def _open(root: Path) -> git.Repo:
    try:
        repo = git.Repo(root, search_parent_directories=True)
        repo.git.version()
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise RevisionError(f"{root} is not in a git repository") from None
    except git.GitCommandNotFound:
        raise GitMissing("this command needs git, and git is not installed (not on PATH)") from None
    return repo


def resolve(root: Path, revision: str) -> str:
    """The commit a revision names; RevisionError when it names none."""
    repo = _open(root)
    try:
        return str(repo.git.rev_parse("--verify", "--quiet", f"{revision}^{{commit}}"))
    except git.GitCommandError:
        raise RevisionError(f"unknown revision '{revision}'") from None


def default_base(root: Path) -> str:
    """The merge base of HEAD with the default branch (origin's HEAD, else main or master)."""
    repo = _open(root)
    candidates = []
    with contextlib.suppress(git.GitCommandError):
        candidates.append(repo.git.symbolic_ref("--quiet", "refs/remotes/origin/HEAD"))
    candidates += ["origin/main", "origin/master", "main", "master"]
    for branch in candidates:
        try:
            return str(repo.git.merge_base("HEAD", branch))
        except git.GitCommandError:
            continue
    raise RevisionError("no default branch found (origin/HEAD, main or master): name a BASE")


def files_at(root: Path, commit: str) -> dict[str, bytes]:
    """The KPI folder's files at a commit: path relative to ``root`` -> content."""
    repo = _open(root)
    _, prefix = _locate(repo, root)
    listing = repo.git.ls_tree("-r", "-z", commit, "--", f"{prefix}kpis")
    blobs = {}
    for line in listing.split("\x00"):
        if "\t" in line:
            meta, path = line.split("\t", 1)
            blobs[path[len(prefix) :]] = meta.split()[2]
    contents = read_blobs(str(repo.git_dir), blobs.values())
    return {path: contents[sha] for path, sha in blobs.items() if sha in contents}


def _cat_file(repository: str, mode: str, shas: Iterable[str]) -> bytes:
    wanted = sorted(set(shas))
    if not wanted:
        return b""
    process = subprocess.run(
        ["git", "cat-file", mode],
        cwd=repository,
        input="\n".join(wanted).encode() + b"\n",
        capture_output=True,
        check=True,
    )
    return process.stdout
