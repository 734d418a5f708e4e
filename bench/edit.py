#!/usr/bin/env python3
"""Benchmark kpi import and kpi set: both should grow linearly with the size of the file.

    python bench/edit.py [--rows 2000,20000,100000] [--megabytes 5,50]

``import``: a CSV of N rows (a value for each of N months, a note on every other one) recorded
into one KPI file that has none yet. ``set``: one value recorded in a KPI file of S MB (a month a
line, long notes). Each measurement runs in its own process, so its peak memory (max RSS) is its
own. Printed: seconds for the whole command (which validates the scorecard before and after),
seconds for the edit alone, and rows per second; linear means rows/s stays about the same as N
grows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST_YEAR = 1000
KPI_HEAD = (
    "name: Traffic\ndescription: Visits.\ncategory: web\nowner: ann\nbetter: higher\n"
    "aggregate: sum\n"
)


def month_text(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{FIRST_YEAR + year:04d}-{month + 1:02d}"


def make_repository(root: Path, kpi_text: str) -> Path:
    (root / "kpis").mkdir(parents=True)
    (root / "kpis" / "people.yaml").write_text("ann: {name: Ann}\n")
    path = root / "kpis" / "traffic.yaml"
    path.write_text(kpi_text)
    return path


def measure_import(rows: int) -> dict[str, float]:
    from kpi_scorecard.edit.lines import Edit, apply_edits
    from kpi_scorecard.edit.record import record_csv

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = make_repository(root, KPI_HEAD + "values:\nnotes:\n")
        lines = [
            f"traffic,{month_text(i)},{i * 1.5}" + (f",note {i}" if i % 2 else "")
            for i in range(rows)
        ]
        csv_path = root / "rows.csv"
        csv_path.write_text("\n".join(lines) + "\n")
        edits = [
            Edit(month_text(i), i * 1.5, note=f"note {i}" if i % 2 else None) for i in range(rows)
        ]
        text = path.read_text()
        start = time.perf_counter()
        apply_edits(text, edits)
        edit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        record_csv(root, csv_path, "rows.csv")
        seconds = time.perf_counter() - start
        size = path.stat().st_size
    return {"rows": rows, "seconds": seconds, "edit_seconds": edit_seconds, "bytes": size}


def measure_set(megabytes: float) -> dict[str, float]:
    from kpi_scorecard.edit.lines import Edit, apply_edits
    from kpi_scorecard.edit.record import Checks, Request, record

    months = min(96_000, int(megabytes * 1e6 / 60))
    note_length = max(0, int(megabytes * 1e6 / months) - 40)
    values = "".join(f"  {month_text(i)}: {i}.5\n" for i in range(months))
    notes = "".join(f"  {month_text(i)}: {'n' * note_length}\n" for i in range(months))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = make_repository(root, f"{KPI_HEAD}values:\n{values}notes:\n{notes}")
        middle = month_text(months // 2)
        text = path.read_text()
        start = time.perf_counter()
        apply_edits(text, [Edit(middle, 1.0, note="New.")])
        edit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        record(root, [Request("traffic", middle, "1", "New.", "kpi set")], checks=Checks(True))
        seconds = time.perf_counter() - start
        size = path.stat().st_size
    return {"rows": 2 * months, "seconds": seconds, "edit_seconds": edit_seconds, "bytes": size}


def child(kind: str, amount: float) -> None:
    result = measure_import(int(amount)) if kind == "import" else measure_set(amount)
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run(kind: str, amount: float) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(amount)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def report(kind: str, label: str, result: dict[str, float]) -> None:
    rows, seconds = result["rows"], result["seconds"]
    print(
        f"{kind:<7}{label:>14}  {result['bytes'] / 1e6:7.1f} MB  {seconds:7.2f} s"
        f"  (edit {result['edit_seconds']:6.2f} s)  {rows / seconds:10,.0f} rows/s"
        f"  max RSS {result['max_rss_mb']:6.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="2000,20000,100000", help="CSV rows for kpi import")
    parser.add_argument("--megabytes", default="5,50", help="KPI file sizes for kpi set")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child[0], float(arguments.child[1]))
        return
    for rows in arguments.rows.split(","):
        report("import", f"{int(rows):,} rows", run("import", float(rows)))
    for megabytes in arguments.megabytes.split(","):
        report("set", f"{float(megabytes):g} MB file", run("set", float(megabytes)))


if __name__ == "__main__":
    main()
