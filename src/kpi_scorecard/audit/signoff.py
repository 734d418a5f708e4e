"""The approver's sign-off checked against git (contract 6): the commit that added ``approved``
to an initiative's file must be authored by the approver, known by their ``email`` or
``github`` in people.yaml.

For each file, the commits that touched it are read newest first (one ``git log``; the
versions through GitPython's single ``cat-file`` process); the commit that added the sign-off
is the oldest of the latest run of versions whose ``approved`` equals the current one. Unlike
the history pages, this log is not ``--first-parent``: when a pull request is merged, git's
history simplification follows the side the file came from, so the approver's own commit is
found rather than the merge commit of whoever merged it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import git
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from kpi_scorecard.errors import Problem, one_line, quote
from kpi_scorecard.figures.retrospectives import readouts_due, stage
from kpi_scorecard.model import Month, Person, Scorecard, month_str
from kpi_scorecard.read.retrospectives import Approval, Retrospective

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_NOREPLY = re.compile(r"^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$", re.I)


@dataclass(frozen=True)
class Author:
    name: str
    email: str
    commit: str


def approved_in(text: str) -> object:
    """The ``approved`` value of a file's front matter as plain data, None when absent."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if match is None:
        return None
    try:
        data = YAML(typ="safe", pure=True).load(match.group(1))
    except YAMLError:
        return None
    return data.get("approved") if isinstance(data, dict) else None


def signoff_author(root: Path, path: str) -> Author | None:
    """Who committed the current sign-off of ``path`` (relative to root); None when it is not
    committed (or there is no git)."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
        top = Path(repo.working_tree_dir or root).resolve()
        in_repo = (root.resolve() / path).relative_to(top).as_posix()
        current = approved_in((root / path).read_text("utf-8", errors="replace"))
        if current is None:
            return None
        found: Author | None = None
        for commit in repo.iter_commits(paths=in_repo):
            try:
                blob = commit.tree / in_repo
            except KeyError:
                break
            text = blob.data_stream.read().decode("utf-8", errors="replace")
            if approved_in(text) != current:
                break
            found = Author(commit.author.name or "", commit.author.email or "", commit.hexsha)
        return found
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, ValueError):
        return None
    except (git.GitCommandNotFound, OSError):  # pragma: no cover - depends on the machine
        return None


def is_person(author: Author, person: Person) -> bool:
    """The author's email is the person's, or a GitHub no-reply address of their handle."""
    email = author.email.strip().lower()
    if person.email and email == person.email.strip().lower():
        return True
    handle = _NOREPLY.match(email)
    return bool(person.github and handle and handle.group(1).lower() == person.github.lower())


def initiative_warnings(
    root: Path, scorecard: Scorecard, as_of: Month, retros: list[Retrospective]
) -> list[Problem]:
    """Quality warnings of contract 6: a sign-off not committed by the approver, an
    initiative running without one, a readout due this month."""
    warnings: list[Problem] = []
    for retro in retros:
        approved = retro.plan.approved
        current = stage(retro, as_of)
        if approved is not None:
            warnings += _signoff_warnings(root, scorecard, retro, approved)
        elif current == "running":
            warnings.append(
                Problem(
                    retro.path,
                    1,
                    "the initiative is running without the approver's sign-off",
                    "approved: {by: <approver>, on: YYYY-MM-DD}, committed by the approver",
                    "warning",
                )
            )
        warnings += [
            Problem(
                retro.path,
                1,
                f"the {name} of {month_str(month)} is due",
                f"kpi readout --initiative {retro.slug}",
                "warning",
            )
            for name, month in readouts_due(retro, as_of)
            if month == as_of
        ]
    return warnings


def _signoff_warnings(
    root: Path, scorecard: Scorecard, retro: Retrospective, approved: Approval
) -> list[Problem]:
    def warn(message: str, expected: str) -> Problem:
        return Problem(retro.path, approved.line, message, expected, "warning")

    approvers = [person for role, person in retro.people if role == "approver"]
    problems = []
    if approvers and approved.by not in approvers:
        problems.append(
            warn(
                f"approved: by {quote(approved.by)}, who is not the initiative's approver",
                f"the daci approver, {quote(approvers[0])}",
            )
        )
    author = signoff_author(root, retro.path)
    person = scorecard.people[approved.by]
    if author is None:
        problems.append(
            warn(
                "approved: the sign-off is not committed, so git cannot confirm it",
                f"a commit by {person.name}",
            )
        )
    elif not is_person(author, person):
        problems.append(
            warn(
                f"approved: the sign-off by {quote(approved.by)} was committed by "
                f"{one_line(author.name)} <{one_line(author.email)}> ({author.commit[:7]})",
                f"a commit by {person.name}, matched by the email or github handle in "
                "kpis/people.yaml",
            )
        )
    return problems
