#!/usr/bin/env python3
"""Benchmark kpi pull: N KPIs (default 1,000) of 120 months, each with a query on one SQLite
warehouse, which holds their history and the next month.

    python bench/pull.py [--kpis 1000] [--repeat 3]

Each run copies the generated scorecard and runs ``kpi pull`` in its own process, so its peak
memory (max RSS) is its own: every query runs, every KPI gets its new month (N files written)
and the summary of what changed is printed. ``--dry-run`` is timed the same way, and the
queries alone (``pull_requests``: N queries, their rows checked) in this process. Goal: the
pull of 1,000 KPIs under 10 s. Figures go to bench/results/pull.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import PEOPLE, SyntheticKpi, month_text

MONTHS = 120
KPI = Path(sys.executable).parent / "kpi"


def make_repository(root: Path, kpis: int) -> None:
    rng = random.Random(1)
    generated = [SyntheticKpi(n, MONTHS, rng) for n in range(kpis)]
    (root / "kpis").mkdir(parents=True)
    people = "\n".join(f"{p}: {{name: {p.title()}}}" for p in PEOPLE) + "\n"
    (root / "kpis" / "people.yaml").write_text(people)
    (root / "kpis" / "scorecard.yaml").write_text(
        'databases:\n  warehouse: {url: "sqlite:///warehouse.db"}\n'
    )
    rows = []
    for kpi in generated:
        kpi_id = Path(kpi.path).stem
        query = f"SELECT month, value FROM kpi_values WHERE kpi = '{kpi_id}'"
        text = kpi.text().replace(
            "values:\n", f'source: {{database: warehouse, query: "{query}"}}\nvalues:\n', 1
        )
        path = root / kpi.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        rows += [(kpi_id, month_text(i), value) for i, value in kpi.values.items()]
        rows.append((kpi_id, month_text(MONTHS), round(kpi.base * 1.2, 2)))
    with sqlite3.connect(root / "warehouse.db") as connection:
        connection.execute("CREATE TABLE kpi_values (kpi TEXT, month TEXT, value REAL)")
        connection.execute("CREATE INDEX kpi_values_kpi ON kpi_values (kpi)")
        connection.executemany("INSERT INTO kpi_values VALUES (?, ?, ?)", rows)
    connection.close()


def timed_command(root: Path, *args: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system: what a busy machine does not inflate) and
    peak memory (MB) of ``kpi pull ARGS`` in a fresh copy of ``root``."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "repo"
        shutil.copytree(root, copy)
        script = (
            "import resource, subprocess, sys, time\n"
            "start = time.perf_counter()\n"
            "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
            "elapsed = time.perf_counter() - start\n"
            "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "assert done.returncode == 0, done.stdout + done.stderr\n"
            "print(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)\n"
        )
        command = [str(KPI), "pull", *args, "--repo", str(copy)]
        output = subprocess.run(
            [sys.executable, "-c", script, *command], capture_output=True, text=True, check=True
        ).stdout.split()
        return float(output[0]), float(output[1]), float(output[2])


def time_queries(root: Path) -> float:
    from kpi_scorecard.read.validate import load_scorecard
    from kpi_scorecard.sources.database import chosen_kpis, pull_requests

    scorecard, _ = load_scorecard(root)
    kpis = chosen_kpis(scorecard, ())
    start = time.perf_counter()
    requests, problems = pull_requests(root, scorecard, kpis)
    elapsed = time.perf_counter() - start
    assert not problems.items and len(requests) == len(kpis) * (MONTHS + 1)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kpis", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "scorecard"
        make_repository(root, options.kpis)
        pulls = [timed_command(root) for _ in range(options.repeat)]
        dry = [timed_command(root, "--dry-run") for _ in range(options.repeat)]
        queries = [time_queries(root) for _ in range(options.repeat)]
    result = {
        "kpis": options.kpis,
        "months": MONTHS,
        "pull_seconds": statistics.median(t for t, _, _ in pulls),
        "pull_cpu_seconds": statistics.median(c for _, c, _ in pulls),
        "pull_peak_mb": max(m for _, _, m in pulls),
        "dry_run_seconds": statistics.median(t for t, _, _ in dry),
        "queries_seconds": statistics.median(queries),
        "goal_seconds": 10,
    }
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "pull.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"kpi pull of {options.kpis} KPIs x {MONTHS} months from SQLite: "
        f"{result['pull_seconds']:.2f} s (goal < 10 s; CPU {result['pull_cpu_seconds']:.2f} s), "
        f"peak {result['pull_peak_mb']:.0f} MB; "
        f"--dry-run {result['dry_run_seconds']:.2f} s; the queries alone "
        f"{result['queries_seconds']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
