"""``make fuzz``: run the fuzz suite under the ``fuzz`` profile, round after round, for a given
number of minutes, and sum up what hypothesis ran and found.

    python tests/fuzz/run.py --minutes 30 [--examples 1000]

Each round is one pytest run with new random seeds (the corpus runs in the first round only:
it does not change); failures are kept in hypothesis' example database (.hypothesis/) and tried
first in the next round. The summary lists the examples run per property, the known findings
counted as events, and every failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SUITE = "tests/fuzz"
CORPUS = "tests/fuzz/test_fuzz_corpus.py"
TEST_HEADER = re.compile(r"^(tests/fuzz/\S+::\S+):$")
EXAMPLES = re.compile(r"- (\d+) passing, (\d+) failing, and (\d+) invalid")
EVENT = re.compile(r"^\s+\* ([\d.]+)%, (.+)$")
OUTCOME = re.compile(r"(\d+) (passed|failed|xfailed|xpassed|skipped|errors?)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--examples", type=int, default=1000, help="per property and round")
    parser.add_argument("--summary", type=Path, default=PROJECT / "test-artifacts" / "fuzz.json")
    options = parser.parse_args()
    totals = Totals()
    start = time.monotonic()
    while totals.rounds == 0 or time.monotonic() - start < options.minutes * 60:
        output = run_round(options.examples, with_corpus=totals.rounds == 0)
        totals.add(output)
        log = options.summary.with_name(f"fuzz-round-{totals.rounds}.txt")
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(output)  # the falsifying examples, when there are any
        minutes = (time.monotonic() - start) / 60
        print(f"round {totals.rounds}: {minutes:.1f} min, {totals.line()}", flush=True)
    totals.minutes = (time.monotonic() - start) / 60
    report = totals.report()
    print(report)
    options.summary.parent.mkdir(parents=True, exist_ok=True)
    options.summary.write_text(json.dumps(totals.as_json(), indent=1, sort_keys=True) + "\n")
    return 1 if totals.failures else 0


def run_round(examples: int, with_corpus: bool) -> str:
    command = [
        sys.executable,
        "-m",
        "pytest",
        SUITE,
        "-q",
        "-rfExX",
        "-p",
        "no:cacheprovider",
        "--hypothesis-profile=fuzz",
        "--hypothesis-show-statistics",
    ]
    if not with_corpus:
        command.append(f"--ignore={CORPUS}")
    environment = {**os.environ, "KPI_FUZZ_EXAMPLES": str(examples)}
    if os.access("/dev/shm", os.W_OK):  # kpi set's own scratch copies too: memory, not disk
        environment["TMPDIR"] = "/dev/shm"
    done = subprocess.run(
        command, cwd=PROJECT, env=environment, capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr


class Totals:
    """What every round ran and found, summed."""

    def __init__(self) -> None:
        self.rounds = 0
        self.minutes = 0.0
        self.examples: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.failures: list[str] = []
        self.corpus: Counter[str] = Counter()

    def add(self, output: str) -> None:
        self.rounds += 1
        test = ""
        phase_examples = 0
        for line in output.splitlines():
            if header := TEST_HEADER.match(line):
                test = header[1]
            elif counts := EXAMPLES.search(line):
                phase_examples = int(counts[1]) + int(counts[2])
                self.examples[test] += phase_examples
            elif (found := EVENT.match(line)) and found[2].startswith("known:"):
                self.events[found[2]] += round(float(found[1]) / 100 * phase_examples)
            elif line.startswith(("FAILED ", "ERROR ", "XPASS ")):
                self.failures.append(f"round {self.rounds}: {line}")
        summary = output.strip().splitlines()[-1] if output.strip() else ""
        for count, outcome in OUTCOME.findall(summary):
            self.outcomes[outcome] += int(count)
        if self.rounds == 1:
            self.corpus = Counter(
                outcome
                for line in output.splitlines()
                if "test_fuzz_corpus" in line
                for outcome in ("XFAIL", "FAILED")
                if line.startswith(outcome)
            )

    def line(self) -> str:
        return (
            f"{sum(self.examples.values())} examples, {dict(self.outcomes)}, "
            f"{len(self.failures)} failures"
        )

    def report(self) -> str:
        lines = [f"{self.rounds} rounds in {self.minutes:.1f} minutes: {self.line()}"]
        lines += [f"  {count:>8} {test}" for test, count in sorted(self.examples.items())]
        lines += ["known findings (hypothesis events, approximate counts):"]
        lines += [f"  {count:>8} {event}" for event, count in sorted(self.events.items())]
        lines += [f"corpus (402 cases x 4 places), not passed: {dict(self.corpus)}"]
        lines += ["failures:", *(f"  {failure}" for failure in self.failures or ["none"])]
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        return {
            "rounds": self.rounds,
            "minutes": round(self.minutes, 1),
            "examples": dict(self.examples),
            "known": dict(self.events),
            "outcomes": dict(self.outcomes),
            "corpus_not_passed": dict(self.corpus),
            "failures": self.failures,
        }


if __name__ == "__main__":
    sys.exit(main())
