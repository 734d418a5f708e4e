#!/usr/bin/env python3
"""The example scorecard as a team would have written it: a git repository with a history.

    python scripts/example_history.py DESTINATION

The project's own example (kpis/, site_src/, hooks/, mkdocs.yml) holds the data as it stands
today; its own git history is this tool's development, which would credit every value to us.
This script writes the same files into a new repository at DESTINATION (replacing it), with
the history a marketing team would have made:

- the scorecard set up by its leader, with the history imported from a spreadsheet;
- every month, each owner committing the values and notes of their KPIs in the first week of
  the next month, before the review on the 10th;
- each fiscal year's targets proposed in March on a branch and merged as a pull request by the
  approver;
- a restatement after a review, with its reason in the commit subject;
- the retrospective written by the initiative's driver when it ended.

The result is deterministic (fixed authors, dates and order: one ``git fast-import`` stream),
so two runs give the same commits and builds of it are reproducible. Its last commit holds the
example's files exactly as they are in this repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = ("kpis", "site_src", "hooks", "mkdocs.yml")
MONTH_KEY = re.compile(r"^(\s+)'?(\d{4}-\d{2})'?\s*:")
SECTION = re.compile(r"^([a-z_]+)\s*:")
TARGET_ENTRY = re.compile(r",?\s*'?(\d{4}-\d{2})'?\s*:\s*[-0-9.eE]+")
DATED_SECTIONS = ("values", "notes", "segments")
"""Top-level sections whose month keys are closes: filled in month by month."""

LEADER = "ana"
"""Sets the scorecard up, approves and merges the target pull requests."""
TARGET_AUTHOR = "emil"
"""Finance proposes each fiscal year's targets."""
RESTATED = ("traffic", "2026-09", "2026-10-14", "bot traffic from a scraper filtered out")
"""(KPI, month, day of the restatement, reason): after the September review."""
RESTATED_FACTOR = 1.06
"""The first, wrong figure was this much higher than the restated one."""


@dataclass
class Commit:
    when: datetime
    author: str
    subject: str
    files: dict[str, bytes]
    merge_of: str | None = None
    """The branch merged by this commit (a pull request), if any."""
    branch: str = "main"


@dataclass
class Example:
    files: dict[str, bytes]
    """Every file of the example, relative path -> content, as it is today."""
    people: dict[str, dict[str, str]]
    kpis: dict[str, dict[str, object]] = field(default_factory=dict)
    """KPI file path -> its parsed content."""


def read_example() -> Example:
    files = {}
    for name in EXAMPLE:
        source = PROJECT / name
        paths = sorted(source.rglob("*")) if source.is_dir() else [source]
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(PROJECT).as_posix()] = path.read_bytes()
    people = yaml.safe_load(files["kpis/people.yaml"])
    example = Example(files, people)
    for path, content in files.items():
        if path.startswith("kpis/") and path.count("/") > 1 and path.endswith(".yaml"):
            example.kpis[path] = yaml.safe_load(content)
    return example


# -- a KPI file as it was at an earlier time ---------------------------------------------------


def kpi_text_at(text: str, closed: str, planned: str, restated: dict[str, str]) -> str:
    """The file with only the months up to ``closed`` in values, notes and segments, target
    entries only up to ``planned``, and the values in ``restated`` (month -> text) as first
    written."""
    out: list[str] = []
    section = ""
    dropping_indent: int | None = None
    for line in text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip(" "))
        if dropping_indent is not None and line.strip() and indent > dropping_indent:
            continue
        dropping_indent = None
        top = SECTION.match(line)
        if top:
            section = top.group(1)
            if section == "target" and "{" in line:
                line = _target_until(line, planned)
        key = MONTH_KEY.match(line)
        if key and section in DATED_SECTIONS:
            if key.group(2) > closed:
                dropping_indent = indent
                continue
            if section == "values" and key.group(2) in restated:
                line = f"{line[: line.index(':') + 1]} {restated[key.group(2)]}\n"
        out.append(line)
    return _empty_sections("".join(out))


def _target_until(line: str, planned: str) -> str:
    return TARGET_ENTRY.sub(lambda m: m.group(0) if m.group(1) <= planned else "", line).replace(
        "{, ", "{"
    )


def _empty_sections(text: str) -> str:
    """A section left without entries becomes an empty mapping."""
    return re.sub(r"^(values|notes|segments):\n(?=\S|\Z)", r"\1: {}\n", text, flags=re.M)


# -- the story ---------------------------------------------------------------------------------


def months(first: str, last: str) -> Iterator[str]:
    year, month = map(int, first.split("-"))
    while f"{year}-{month:02d}" <= last:
        yield f"{year}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def next_month(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + 1}-01" if number == 12 else f"{year}-{number + 1:02d}"


def at(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00").astimezone(UTC)


def story(example: Example) -> list[Commit]:
    value_months = sorted({str(m) for kpi in example.kpis.values() for m in _months_of(kpi)})
    first, last = value_months[0], value_months[-1]
    fiscal_start = int(
        yaml.safe_load(example.files["kpis/scorecard.yaml"]).get("fiscal_year_start", 1)
    )
    target_months = sorted(
        {
            str(m)
            for kpi in example.kpis.values()
            if isinstance(kpi.get("target"), dict)
            for m in kpi["target"]
        }  # type: ignore[union-attr]
    )
    yearly_targets = [m for m in target_months if m > first]
    state = Timeline(example, closed=first, planned=first)

    commits = [
        state.commit(
            at(f"{next_month(first)}-05", 9),
            LEADER,
            "Set up the scorecard with the history from the spreadsheet",
            everything=True,
        )
    ]
    for month in months(next_month(first), last):
        close = next_month(month)
        for target_month in [t for t in yearly_targets if _month_before(t) == close]:
            commits += state.target_pull_request(target_month, fiscal_start)
        for index, owner in enumerate(sorted({str(k["owner"]) for k in example.kpis.values()})):
            day = f"{close}-{min(3 + index, 9):02d}"  # before the review on the 10th
            commit = state.close(month, owner, at(day, 9 + index))
            if commit:
                commits.append(commit)
        if close == RESTATED[2][:7]:
            commits.append(state.restate(at(RESTATED[2], 15)))
        commits += state.retrospectives_ending(month, at(f"{close}-12", 16))
    left = state.commit(commits[-1].when, LEADER, "", everything=True).files
    if left:
        raise SystemExit(f"example_history: the story does not reach today's files: {sorted(left)}")
    return [c for c in commits if c.files or c.merge_of]


def _months_of(kpi: dict[str, object]) -> list[object]:
    values = kpi.get("values")
    return list(values) if isinstance(values, dict) else []


def _month_before(month: str) -> str:
    """The month in which a target starting at ``month`` is agreed: the one before it."""
    year, number = map(int, month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


class Timeline:
    """The example's files as they were, moved forward one event at a time."""

    def __init__(self, example: Example, closed: str, planned: str) -> None:
        self.example = example
        self.closed = {path: closed for path in example.kpis}
        self.planned = planned
        self.restated: dict[str, dict[str, str]] = {}
        self.written: dict[str, bytes] = {}
        self.pull_requests = 11
        kpi_id, month, _, _ = RESTATED
        path = self.path_of(kpi_id)
        value = float(example.kpis[path]["values"][month])  # type: ignore[index]
        self.restated[path] = {month: str(round(value * RESTATED_FACTOR))}

    def path_of(self, kpi_id: str) -> str:
        return next(p for p in self.example.kpis if Path(p).stem == kpi_id)

    def name(self, person: str) -> str:
        return self.example.people[person]["name"]

    def current(self) -> dict[str, bytes]:
        files = {}
        for path, content in self.example.files.items():
            if path in self.example.kpis:
                text = kpi_text_at(
                    content.decode(), self.closed[path], self.planned, self.restated.get(path, {})
                )
                files[path] = text.encode()
            elif not path.startswith("site_src/retrospectives/") or path in self.written:
                files[path] = content
        return files

    def commit(
        self,
        when: datetime,
        person: str,
        subject: str,
        everything: bool = False,
        only: set[str] | None = None,
    ) -> Commit:
        files = self.current()
        changed = {
            p: c
            for p, c in files.items()
            if self.written.get(p) != c and (everything or p in (only or set()))
        }
        self.written.update(changed)
        return Commit(when, person, subject, changed)

    def close(self, month: str, owner: str, when: datetime) -> Commit | None:
        paths = [p for p, k in self.example.kpis.items() if k["owner"] == owner]
        for path in paths:
            self.closed[path] = month
        names = ", ".join(str(self.example.kpis[p]["name"]) for p in paths)
        label = datetime.strptime(month, "%Y-%m").strftime("%B %Y")
        commit = self.commit(when, owner, f"{label} close: {names}", only=set(paths))
        return commit if commit.files else None

    def target_pull_request(self, target_month: str, fiscal_start: int) -> list[Commit]:
        self.planned = target_month
        year = int(target_month[:4]) + (1 if fiscal_start > 1 else 0)
        self.pull_requests += 17
        branch = f"targets-fy{year}"
        day = f"{_month_before(target_month)}-18"
        proposal = self.commit(at(day, 11), TARGET_AUTHOR, f"Targets for FY{year}", everything=True)
        proposal.branch = branch
        merge_day = f"{_month_before(target_month)}-24"
        # The merge brings the branch's files to main.
        merge = Commit(
            at(merge_day, 10),
            LEADER,
            f"Merge pull request #{self.pull_requests} from acme/{branch}",
            proposal.files,
            merge_of=branch,
        )
        return [proposal, merge]

    def restate(self, when: datetime) -> Commit:
        kpi_id, month, _, reason = RESTATED
        path = self.path_of(kpi_id)
        self.restated.pop(path)
        owner = str(self.example.kpis[path]["owner"])
        label = datetime.strptime(month, "%Y-%m").strftime("%B")
        return self.commit(
            when,
            owner,
            f"Restate {label} {self.example.kpis[path]['name'].lower()}: {reason}",
            only={path},
        )  # type: ignore[union-attr]

    def retrospectives_ending(self, month: str, when: datetime) -> list[Commit]:
        commits = []
        for path, content in self.example.files.items():
            if not path.startswith("site_src/retrospectives/") or path.endswith("index.md"):
                continue
            front = yaml.safe_load(content.decode().split("---")[1])
            if str(front.get("end")) == month:
                self.written[path] = b""  # written now: part of the tree from here on
                driver = front.get("daci", {}).get("driver", LEADER)
                commits.append(
                    self.commit(when, driver, f"Retrospective: {front['title']}", only={path})
                )
        return commits


# -- git ---------------------------------------------------------------------------------------


def fast_import_stream(commits: list[Commit], people: dict[str, dict[str, str]]) -> bytes:
    out = bytearray()
    marks: dict[str, int] = {}
    for mark, commit in enumerate(commits, start=1):
        person = people[commit.author]
        email = person.get("email", f"{commit.author}@example.com")
        stamp = f"{int(commit.when.timestamp())} +0000"
        ident = f"{person['name']} <{email}> {stamp}"
        message = commit.subject.encode() + b"\n"
        ref = "refs/heads/main" if commit.branch == "main" else f"refs/heads/{commit.branch}"
        out += f"commit {ref}\nmark :{mark}\nauthor {ident}\ncommitter {ident}\n".encode()
        out += f"data {len(message)}\n".encode() + message
        if commit.branch != "main" and commit.branch not in marks:
            out += f"from :{marks['main']}\n".encode() if "main" in marks else b""
        if commit.merge_of:
            out += f"merge :{marks[commit.merge_of]}\n".encode()
        for path, content in sorted(commit.files.items()):
            out += f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n"
        out += b"\n"
        marks[commit.branch] = mark
        if commit.branch == "main":
            marks["main"] = mark
    return bytes(out)


def write_repository(
    destination: Path, commits: list[Commit], people: dict[str, dict[str, str]]
) -> None:
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    git = ["git", "-C", str(destination)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run(
        [*git, "fast-import", "--quiet"], input=fast_import_stream(commits, people), check=True
    )
    subprocess.run([*git, "checkout", "-q", "-f", "main"], check=True)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    destination = Path(argv[0])
    example = read_example()
    commits = story(example)
    write_repository(destination, commits, example.people)
    print(f"{len(commits)} commits of example history in {destination}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
