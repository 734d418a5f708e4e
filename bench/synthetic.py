"""Synthetic scorecard repositories for the benchmarks: N KPIs x M months with git history.

The first commit writes every KPI file; each later commit changes one file (a new month, or a
restated one), as a team's monthly updates do. History is written with ``git fast-import`` so
that 2,000 commits take a second, not minutes.
"""

from __future__ import annotations

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

    def text(self) -> str:
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
        for index, value in sorted(self.values.items()):
            lines.append(f"  {month_text(index)}: {'null' if value is None else value}")
        lines.append("notes:")
        lines += [f"  {month_text(i)}: {note}" for i, note in sorted(self.notes.items())]
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
"""2020-09-13: by default the commits are an hour apart, so a few past reviews have a record."""
SPREAD_FROM = 1_451_606_400
"""2016-01-01, the first month of values: ``spread`` commits run from there to the last month."""


def _commit(stream: list[bytes], index: int, files: dict[str, str], spacing: int) -> None:
    message = f"Update {index}".encode()
    stamp = (FIRST_COMMIT if spacing == 3600 else SPREAD_FROM) + index * spacing
    stream.append(b"commit refs/heads/main\n")
    stream.append(f"committer Bench <bench@example.com> {stamp} +0000\n".encode())
    stream.append(f"data {len(message)}\n".encode() + message + b"\n")
    for path, text in files.items():
        content = text.encode()
        stream.append(f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n")


def make_scorecard(
    destination: Path,
    kpis: int,
    months: int = 120,
    commits: int = 2000,
    seed: int = 1,
    spread: bool = False,
) -> Path:
    """A git repository with kpis/, site_src/, hooks/ and the project's mkdocs.yml. The commits
    are an hour apart, or with ``spread`` evenly over the months of values (a team's years of
    history: every month's review then has a record, and the build works out what each one
    showed)."""
    spacing = months * 30 * 86400 // commits if spread else 3600
    rng = random.Random(seed)
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(destination)], check=True)
    generated = [SyntheticKpi(n, months, rng) for n in range(kpis)]
    people = "\n".join(f"{p}: {{name: {p.title()}, github: {p}-gh}}" for p in PEOPLE) + "\n"
    first = {kpi.path: kpi.text() for kpi in generated}
    first["kpis/people.yaml"] = people
    first["mkdocs.yml"] = (PROJECT / "mkdocs.yml").read_text()
    for path in [*(PROJECT / "hooks").glob("*.py"), PROJECT / "site_src" / "how-to-edit.md"]:
        first[path.relative_to(PROJECT).as_posix()] = path.read_text()
    stream: list[bytes] = []
    _commit(stream, 0, first, spacing)
    for index in range(1, commits):
        kpi = rng.choice(generated)
        kpi.change()
        _commit(stream, index, {kpi.path: kpi.text()}, spacing)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=destination, input=b"".join(stream), check=True
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=destination, check=True)
    return destination
