#!/usr/bin/env python3
"""The share of the build that pacing and fiscal periods (contract 3.5, 3.6) cost.

    python bench/pacing.py [--kpis 1000] [--repeat 3]

Each run is a fresh process that builds a synthetic scorecard with ``mkdocs build -q`` (as
bench/run does) and counts the CPU time of ``figures.periods``: importing it (pandas with it)
and every call of ``pacing_and_periods``. The stage is meant to stay under 5 % of the build.
Reports the median of the runs; CPU time, not the wall clock, so that other processes on a
shared machine do not count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_scorecard

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}

ONE_BUILD = """
import json, resource, sys, time
start = time.process_time()
import kpi_scorecard.figures.periods as periods  # pandas comes with it
imported = time.process_time() - start
spent = [imported]
stage = periods.pacing_and_periods

def timed(*arguments, **keywords):
    begin = time.process_time()
    try:
        return stage(*arguments, **keywords)
    finally:
        spent.append(time.process_time() - begin)

periods.pacing_and_periods = timed
from mkdocs.__main__ import cli
try:
    cli(["build", "-q"])
except SystemExit as stop:
    if stop.code:
        raise
children = resource.getrusage(resource.RUSAGE_CHILDREN)
build = time.process_time() - start + children.ru_utime + children.ru_stime
print(json.dumps({"import": imported, "stage": sum(spent), "calls": len(spent) - 1, "build": build}))
"""


def one_build(root: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", ONE_BUILD],
        cwd=root,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kpis", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = make_scorecard(Path(folder) / "scorecard", arguments.kpis)
        runs = [one_build(root) for _ in range(arguments.repeat)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    share = statistics.median(run["stage"] / run["build"] for run in runs)
    print(
        f"N={arguments.kpis}: build {median['build']:.2f} s CPU, pacing and periods "
        f"{median['stage']:.2f} s ({median['import']:.2f} s of it importing pandas, "
        f"{median['calls']:.0f} call(s)): {share:.1%} of the build"
    )


if __name__ == "__main__":
    main()
