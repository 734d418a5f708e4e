"""Synthetic scorecard repositories for the benchmarks: N KPIs x M months, deterministic."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CATEGORIES = ("acquisition", "activation", "efficiency", "pipeline", "revenue")
PEOPLE = ("ana", "ben", "chen", "dana", "emil", "farah", "gus", "hana")


def month_text(index: int, first_year: int = 2017) -> str:
    year, month = divmod(index, 12)
    return f"{first_year + year}-{month + 1:02d}"


def kpi_yaml(number: int, months: int, rng: random.Random) -> str:
    base = rng.uniform(50, 5000)
    lines = [
        f"name: Synthetic KPI {number}",
        f"description: Generated KPI number {number} for the benchmark.",
        f"category: {CATEGORIES[number % len(CATEGORIES)]}",
        f"owner: {PEOPLE[number % len(PEOPLE)]}",
        f"better: {'higher' if number % 3 else 'lower'}",
        "aggregate: sum" if number % 2 else "aggregate: mean",
        f"target: {{{month_text(0)}: {base:.0f}, {month_text(months // 2)}: {base * 1.1:.0f}}}",
        f"daci: {{approver: {PEOPLE[(number + 1) % len(PEOPLE)]}}}",
        "values:",
    ]
    value = base
    for index in range(months):
        value *= rng.uniform(0.95, 1.06)
        shown = "null" if rng.random() < 0.02 else f"{value:.2f}"
        lines.append(f"  {month_text(index)}: {shown}")
    lines.append("notes:")
    lines.append(f"  {month_text(months - 1)}: Latest month of KPI {number}.")
    return "\n".join(lines) + "\n"


def make_scorecard(destination: Path, kpis: int, months: int = 120, seed: int = 1) -> Path:
    """A repository with kpis/, site_src/, hooks/ and the project's mkdocs.yml."""
    rng = random.Random(seed)
    if destination.exists():
        shutil.rmtree(destination)
    (destination / "kpis").mkdir(parents=True)
    people = "\n".join(f"{p}: {{name: {p.title()}}}" for p in PEOPLE)
    (destination / "kpis" / "people.yaml").write_text(people + "\n")
    for number in range(kpis):
        folder = destination / "kpis" / CATEGORIES[number % len(CATEGORIES)]
        folder.mkdir(exist_ok=True)
        (folder / f"kpi_{number:04d}.yaml").write_text(kpi_yaml(number, months, rng))
    shutil.copytree(
        PROJECT / "hooks", destination / "hooks", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(PROJECT / "mkdocs.yml", destination / "mkdocs.yml")
    (destination / "site_src").mkdir()
    shutil.copy(PROJECT / "site_src" / "how-to-edit.md", destination / "site_src")
    return destination
