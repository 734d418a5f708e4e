"""Synthetic scorecard repositories for the benchmarks: N KPIs x M months with git history.

The first commit writes every KPI file; each later commit changes one file (a new month, or a
restated one), as a team's monthly updates do. History is written with ``git fast-import`` so
that 2,000 commits take a second, not minutes.
"""

from __future__ import annotations

import calendar
import random
import shutil
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CATEGORIES = ("acquisition", "activation", "efficiency", "pipeline", "revenue")
PEOPLE = ("ana", "ben", "chen", "dana", "emil", "farah", "gus", "hana")
FIRST_YEAR = 2016
NOTE_SHARE = 0.1
"""About one month in ten has a note, as teams write them for the months that need a story."""
MARKDOWN_NOTE_EVERY = 5
REASONS = (
    "Paused the broad-match campaign", "Seasonal dip after the holidays", "New pricing page live",
    "Tracking outage for three days", "Webinar series drove sign-ups", "Sales team hired two reps",
    "Budget moved to retargeting", "Competitor launched a discount", "Site migration finished",
)  # fmt: skip


def month_text(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{FIRST_YEAR + year}-{month + 1:02d}"


class SyntheticKpi:
    def __init__(self, number: int, months: int, rng: random.Random) -> None:
        self.number = number
        self.rng = rng
        self.base = rng.uniform(50, 5000)
        self.values: dict[int, float | None] = {}
        value = self.base
        for index in range(months):
            value *= rng.uniform(0.95, 1.06)
            self.values[index] = None if rng.random() < 0.02 else round(value, 2)
        self.notes = {
            index: f"{rng.choice(REASONS)} (KPI {number}, month {index})."
            for index in range(months)
            if rng.random() < NOTE_SHARE
        }
        for index in list(self.notes)[::MARKDOWN_NOTE_EVERY]:  # a few notes use Markdown
            self.notes[index] = self.notes[index].replace("(KPI", "(**KPI").replace(")", "**)")
        self.notes[months - 1] = f"Latest month of KPI {number}."
        self.step = months // 2
        """The month from which the higher target holds."""

    @property
    def path(self) -> str:
        return f"kpis/{CATEGORIES[self.number % len(CATEGORIES)]}/kpi_{self.number:04d}.yaml"

    def text(self, up_to: int | None = None) -> str:
        """The file, with the months up to ``up_to`` only if given."""
        number = self.number
        lines = [
            f"name: Synthetic KPI {number}",
            f"description: Generated KPI number {number} for the **benchmark**.",
            f"category: {CATEGORIES[number % len(CATEGORIES)]}",
            f"owner: {PEOPLE[number % len(PEOPLE)]}",
            f"better: {'higher' if number % 3 else 'lower'}",
            "aggregate: sum" if number % 2 else "aggregate: mean",
            f"target: {{{month_text(0)}: {self.base:.0f}, {month_text(self.step)}: {self.base * 1.1:.0f}}}",
            f"daci: {{approver: {PEOPLE[(number + 1) % len(PEOPLE)]}}}",
            "values:",
        ]
        last = max(self.values) if up_to is None else up_to
        for index, value in sorted(self.values.items()):
            if index <= last:
                lines.append(f"  {month_text(index)}: {'null' if value is None else value}")
        lines.append("notes:")
        lines += [f"  {month_text(i)}: {n}" for i, n in sorted(self.notes.items()) if i <= last]
        return "\n".join(lines) + "\n"

    def change(self) -> None:
        """Restate a recent month, or add the next one."""
        if self.rng.random() < 0.5:
            index = max(self.values) - self.rng.randrange(3)
            self.values[index] = round(
                self.rng.uniform(0.9, 1.1) * (self.values[index] or self.base), 2
            )
        else:
            self.values[max(self.values) + 1] = round(self.base * self.rng.uniform(0.9, 1.3), 2)


FIRST_COMMIT = 1_600_000_000
"""2020-09-13: "hourly" commits start then, so only a few past reviews have a record."""
HISTORIES = ("hourly", "spread", "monthly")


def _commit(stream: list[bytes], stamp: int, message: str, files: dict[str, str]) -> None:
    stream.append(b"commit refs/heads/main\n")
    stream.append(f"committer Bench <bench@example.com> {stamp} +0000\n".encode())
    stream.append(f"data {len(message.encode())}\n".encode() + message.encode() + b"\n")
    for path, text in files.items():
        content = text.encode()
        stream.append(f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n")


def _month_start(index: int) -> int:
    """The time of the 3rd of month ``index`` (0: January of FIRST_YEAR), at noon UTC."""
    year, month = divmod(index, 12)
    return calendar.timegm((FIRST_YEAR + year, month + 1, 3, 12, 0, 0))


def make_scorecard(
    destination: Path,
    kpis: int,
    months: int = 120,
    commits: int = 2000,
    seed: int = 1,
    history: str = "hourly",
) -> Path:
    """A git repository with kpis/, site_src/, hooks/ and the project's mkdocs.yml, whose
    history is one of HISTORIES:
    - hourly: the first commit writes every KPI with all its months, then ``commits`` - 1
      commits an hour apart each change one file (so only a few reviews have a record);
    - spread: the same commits spread evenly over the months of values (every month's review
      has a record, and the build works out what each one showed);
    - monthly: one commit a month, on the 3rd of the next, adding that month to every file (a
      team's monthly update: each review reads every file again), ``commits`` unused."""
    if history not in HISTORIES:
        raise ValueError(f"history: one of {', '.join(HISTORIES)}")
    rng = random.Random(seed)
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(destination)], check=True)
    generated = [SyntheticKpi(n, months, rng) for n in range(kpis)]
    people = "\n".join(f"{p}: {{name: {p.title()}, github: {p}-gh}}" for p in PEOPLE) + "\n"
    project = {"kpis/people.yaml": people, "mkdocs.yml": (PROJECT / "mkdocs.yml").read_text()}
    for path in [*(PROJECT / "hooks").glob("*.py"), PROJECT / "site_src" / "how-to-edit.md"]:
        project[path.relative_to(PROJECT).as_posix()] = path.read_text()
    stream: list[bytes] = []
    if history == "monthly":
        for month in range(months):
            files = {kpi.path: kpi.text(up_to=month) for kpi in generated}
            _commit(
                stream,
                _month_start(month + 1),
                f"Values for {month_text(month)}",
                {**(project if month == 0 else {}), **files},
            )
    else:
        start = FIRST_COMMIT if history == "hourly" else _month_start(0)
        spacing = 3600 if history == "hourly" else months * 30 * 86400 // commits
        _commit(stream, start, "Update 0", {kpi.path: kpi.text() for kpi in generated} | project)
        for index in range(1, commits):
            kpi = rng.choice(generated)
            kpi.change()
            _commit(stream, start + index * spacing, f"Update {index}", {kpi.path: kpi.text()})
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=destination, input=b"".join(stream), check=True
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=destination, check=True)
    return destination
