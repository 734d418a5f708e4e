#!/usr/bin/env python3
"""The example's warehouse: a small SQLite database that ``kpi pull`` reads.

    python scripts/example_warehouse.py [DESTINATION]    # default: examples/warehouse.db

Two example KPIs name it in their ``source:`` (kpis/scorecard.yaml points ``databases:
warehouse`` at it): ``traffic`` sums daily web sessions, ``paid_spend`` sums invoiced spend by
channel, with the channels as its segments. The warehouse holds what the KPI files hold, and
one month more (the next close, November 2026), so that ``kpi pull --dry-run`` on a fresh
clone shows the new values it would record. The data is deterministic: a test rebuilds the
database and compares it with the committed one.
"""

from __future__ import annotations

import calendar
import sqlite3
import sys
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT = PROJECT / "examples" / "warehouse.db"
TRAFFIC = PROJECT / "kpis" / "acquisition" / "traffic.yaml"
SPEND = PROJECT / "kpis" / "efficiency" / "paid_spend.yaml"
NEXT_CLOSE = "2026-11"
NEXT_SESSIONS = 151_872
NEXT_SPEND = {"search": 41_250.0, "social": 22_115.5, "display": 12_380.25}
SCHEMA = """
CREATE TABLE web_sessions (day TEXT NOT NULL, sessions INTEGER NOT NULL);
CREATE TABLE ad_spend (
    month TEXT NOT NULL, channel TEXT NOT NULL, amount NUMERIC NOT NULL,
    PRIMARY KEY (month, channel)
);
"""


def by_month(months: dict[str, float | None]) -> dict[str, float]:
    """``{2026-01: 5.0}`` as YAML reads it -> ``{"2026-01": 5.0}``, reported months only."""
    return {str(month): float(value) for month, value in months.items() if value is not None}


def daily_sessions(month: str, total: int) -> list[tuple[str, int]]:
    """The month's sessions spread over its days (weekdays busier), adding up exactly."""
    year, number = int(month[:4]), int(month[5:])
    days = calendar.monthrange(year, number)[1]
    weights = [3 if calendar.weekday(year, number, day) < 5 else 2 for day in range(1, days + 1)]
    shares = [total * weight // sum(weights) for weight in weights]
    shares[0] += total - sum(shares)
    return [(f"{month}-{day:02d}", share) for day, share in enumerate(shares, start=1)]


def build(destination: Path) -> None:
    traffic = by_month(yaml.safe_load(TRAFFIC.read_text())["values"])
    traffic[NEXT_CLOSE] = NEXT_SESSIONS
    segments = yaml.safe_load(SPEND.read_text())["segments"]
    channels = {name: by_month(months) for name, months in segments.items()}
    for channel, amount in NEXT_SPEND.items():
        channels[channel][NEXT_CLOSE] = amount
    destination.unlink(missing_ok=True)
    destination.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(destination)
    with connection:
        connection.executescript(SCHEMA)
        for month, total in sorted(traffic.items()):
            connection.executemany(
                "INSERT INTO web_sessions VALUES (?, ?)", daily_sessions(month, int(total))
            )
        connection.executemany(
            "INSERT INTO ad_spend VALUES (?, ?, ?)",
            [
                (month, channel, amount)
                for channel, months in channels.items()
                for month, amount in sorted(months.items())
            ],
        )
    connection.execute("VACUUM")
    connection.close()


def main(argv: list[str]) -> int:
    destination = Path(argv[1]) if len(argv) > 1 else DEFAULT
    build(destination)
    print(f"wrote {destination}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
