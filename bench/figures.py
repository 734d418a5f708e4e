#!/usr/bin/env python3
"""Time the figures stage on its own: load + validate + compute of a synthetic scorecard.

    python bench/figures.py [--kpis 1000] [--repeat 5]

The whole build (bench/run) also times history and pages; this isolates the stage that reads the
files and computes contract section 3, so that a change to it can be measured before and after
on a shared machine. Reports the median and the best of the repeats of the process's CPU time,
in seconds: unlike the wall clock, it does not count the time other processes take the CPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_scorecard

from kpi_scorecard.figures.compute import compute
from kpi_scorecard.read import validate


def timed(root: Path) -> tuple[float, float]:
    """(seconds to load and validate, seconds to compute), from a cold read cache."""
    validate._read_cache.clear()  # a first build reads every file
    start = time.process_time()
    scorecard, _ = validate.load_scorecard(root)
    loaded = time.process_time()
    compute(scorecard)
    return loaded - start, time.process_time() - loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kpis", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = make_scorecard(Path(folder) / "scorecard", arguments.kpis, commits=1)
        runs = [timed(root) for _ in range(arguments.repeat)]
    for label, times in (
        ("load+validate", [load for load, _ in runs]),
        ("compute", [figures for _, figures in runs]),
        ("total", [load + figures for load, figures in runs]),
    ):
        print(f"{label:>14}: median {statistics.median(times):.3f} s, best {min(times):.3f} s")


if __name__ == "__main__":
    main()
