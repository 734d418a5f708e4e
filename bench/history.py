#!/usr/bin/env python3
"""Benchmark the history step: one git log + one cat-file process vs one git process per file.

    python bench/history.py [--files 300] [--commits 2000] [--months 12]

Builds a synthetic repository with git fast-import (``--months`` months of values from 2020-01,
then each commit adds or restates a month of one KPI file, the commits spread evenly over as
many months), then times ``read_history`` (cold, then warm from the serve cache), what each
monthly review showed (contract 5.1, cold and cached), and the per-file approach side by side,
and checks that both see the same number of changes.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kpi_scorecard.audit import history
from kpi_scorecard.audit.asreported import reviews
from kpi_scorecard.audit.changes import diff_documents, parse_document
from kpi_scorecard.audit.history import read_history
from kpi_scorecard.model import Settings, parse_month


def kpi_text(number: int, values: dict[str, float]) -> str:
    lines = [
        f"name: KPI {number}",
        "description: Synthetic.",
        "category: c",
        "owner: ann",
        "better: higher",
        "values:",
    ]
    lines += [f"  {month}: {value:.2f}" for month, value in sorted(values.items())]
    return "\n".join(lines) + "\n"


FIRST_REVIEW = 1_580_601_600
"""2020-02-02: the commits are spread from here over the months, so every review has one."""


def make_repository(root: Path, files: int, commits: int, seed: int = 7, months: int = 12) -> None:
    """``files`` KPI files of ``months`` months from 2020-01 in the first commit, then
    ``commits`` - 1 single-file edits spread evenly over as many months."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    state = {
        n: {f"{2020 + m // 12}-{m % 12 + 1:02d}": rng.uniform(10, 100) for m in range(months)}
        for n in range(files)
    }
    next_month = dict.fromkeys(range(files), months + 1)
    step = months * 30 * 86400 // commits
    stream: list[bytes] = []

    def commit(index: int, changed: list[int]) -> None:
        message = f"Change {index}".encode()
        stamp = FIRST_REVIEW + index * step
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"committer Bench <bench@example.com> {stamp} +0000\n".encode())
        stream.append(f"data {len(message)}\n".encode() + message + b"\n")
        for number in changed:
            content = kpi_text(number, state[number]).encode()
            path = f"kpis/kpi_{number:03d}.yaml"
            stream.append(
                f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n"
            )
        if index == 0:  # the owner, so that each state validates and its review is computed
            people = b"ann: {name: Ann}\n"
            stream.append(f"M 100644 inline kpis/people.yaml\ndata {len(people)}\n".encode())
            stream.append(people + b"\n")

    commit(0, list(range(files)))
    for index in range(1, commits):
        number = rng.randrange(files)
        if rng.random() < 0.7:
            month = next_month[number]
            next_month[number] += 1
            state[number][f"{2020 + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"] = rng.uniform(
                10, 100
            )
        else:
            month_key = rng.choice(sorted(state[number]))
            state[number][month_key] = rng.uniform(10, 100)
        commit(index, [number])
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)


def per_file(root: Path, paths: list[str]) -> int:
    """The usual mistake: for each file, its own git log and its own blob reader."""
    count = 0
    for path in paths:
        log = subprocess.run(
            ["git", "log", "--follow", "--raw", "--no-abbrev", "--format=%H", "--", path],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pairs = [line.split()[2:4] for line in log.splitlines() if line.startswith(":")]
        shas = sorted({sha for pair in pairs for sha in pair if set(sha) != {"0"}})
        blobs = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=root,
            input="\n".join(shas).encode() + b"\n",
            capture_output=True,
            check=True,
        ).stdout
        parsed = {sha: parse_document(data) for sha, data in history._batch_objects(blobs)}
        for old, new in pairs:
            count += bool(diff_documents(parsed.get(old), parsed.get(new)))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("bench/results/history.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        print(f"making {args.files} files x {args.commits} commits ...", file=sys.stderr)
        make_repository(root, args.files, args.commits, months=args.months)
        paths = sorted(p.relative_to(root).as_posix() for p in (root / "kpis").glob("*.yaml"))
        files = {path: Path(path).stem for path in paths}
        start = time.perf_counter()
        result = read_history(root, files)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        read_history(root, files)
        warm = time.perf_counter() - start
        months = range(parse_month("2020-01") or 0, (parse_month("2020-01") or 0) + args.months)
        start = time.perf_counter()
        shown = reviews(Settings(), result, months)
        as_reported = time.perf_counter() - start
        start = time.perf_counter()
        reviews(Settings(), result, months)
        as_reported_warm = time.perf_counter() - start
        start = time.perf_counter()
        per_file_entries = per_file(root, paths)
        slow = time.perf_counter() - start
    entries = sum(len(v) for v in result.entries.values())
    report = {
        "files": args.files,
        "commits": args.commits,
        "history_step_s": round(cold, 3),
        "history_step_cached_s": round(warm, 4),
        "as_reported_s": round(as_reported, 3),
        "as_reported_cached_s": round(as_reported_warm, 4),
        "reviews_reported": sum(r.state == "reported" for r in shown.values()),
        "per_file_s": round(slow, 3),
        "speedup": round(slow / cold, 1),
        "entries": entries,
        "per_file_entries": per_file_entries,
    }
    print(json.dumps(report, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
