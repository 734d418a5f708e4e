"""Run the real ``kpi`` commands on a scratch scorecard and list what they got wrong.

A finding is anything a user must never see: a traceback, an exit code other than 0 or 1, an
output line that is not a problem line (``path:line: error|warning: ...``) or one of the
commands' one-line summaries, a count on stderr that disagrees with the problem lines, or a file
changed by a command that failed. The properties add what success means for each command.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from hypothesis import currently_in_test_context, event

from kpi_scorecard.cli import main

from ..conftest import PROJECT

PROBLEM_LINE = re.compile(
    r"^(?P<path>[^\s:][^:\n]*):(?P<line>[1-9][0-9]*): (?P<severity>error|warning): \S"
)
"""A problem as editors and CI annotate it."""
ARGUMENT_PROBLEM = re.compile(r"^error: \S")
"""A problem with the command's own arguments (``kpi set``): no file to point at."""
CHANGE_LINE = re.compile(
    r"^[a-z][a-z0-9_]*( \([A-Za-z0-9][\w.-]*\))? (?:[A-Z][a-z]+ \d{4}|\d{4}-\d{2}): \S"
)
"""What kpi set and kpi import recorded, one value a line: ``cpc Nov 2026: 1.26 -> 1.5``,
``mqls (search) Jan 2023: 0 (added)`` for a segment."""
SUMMARY_LINES = (
    re.compile(r"^(?P<errors>\d+) errors?, (?P<warnings>\d+) warnings?$"),
    re.compile(r"^\d+ KPIs? valid$"),
    re.compile(r"^updated kpis/\S+\.ya?ml$"),
    re.compile(r"^\d+ files? updated$"),
    re.compile(r"^error: \S[^\n]*$"),
)
"""Everything a command may write to stderr, one line each."""

EXAMPLE = ("kpis", "site_src/retrospectives")
"""The project's example scorecard: 17 KPIs with segments, block notes, comments, formulas."""


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


EXAMPLE_FILES = {
    f"{part}/{name}": data
    for part in EXAMPLE
    for name, data in snapshot(PROJECT / part).items()
    if "__pycache__" not in name
}
FIXTURE_FILES = {
    name: data
    for name, data in snapshot(PROJECT / "tests" / "fixtures" / "valid").items()
    if name.startswith("kpis/")
}
BASES = {"example": EXAMPLE_FILES, "fixture": FIXTURE_FILES}
"""Valid scorecards to start from, as file path -> bytes."""


SHARED_MEMORY = Path("/dev/shm")
SCRATCH = (
    str(SHARED_MEMORY) if SHARED_MEMORY.is_dir() and os.access(SHARED_MEMORY, os.W_OK) else None
)
"""Where scratch scorecards go: memory where there is some (thousands of small trees a minute
are slow on a virtual disk), else the system's temporary folder."""


@contextmanager
def scorecard(files: dict[str, bytes]) -> Iterator[Path]:
    """A scratch repository holding ``files``, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kpi-fuzz-", dir=SCRATCH) as folder:
        root = Path(folder)
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        yield root


@dataclass(frozen=True)
class Run:
    """One command run: what it printed and how it ended."""

    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    crash: str | None
    """The traceback of an exception that escaped the command, if any."""
    crash_summary: str = ""
    """Its last line: the exception and its message on one line."""

    def describe(self) -> str:
        return (
            f"kpi {' '.join(map(repr, self.args))}\nexit {self.exit_code}\n"
            f"stdout: {self.stdout!r}\nstderr: {self.stderr!r}\n{self.crash or ''}"
        )


def run_kpi(*args: str) -> Run:
    """The command in this process, through click's test runner (fast)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    error = result.exception
    if error is None or isinstance(error, SystemExit):
        return Run(args, result.exit_code, result.stdout, result.stderr, None)
    crash = "".join(traceback.format_exception(error))
    summary = f"{type(error).__name__}: {error}".replace("\n", " | ")
    return Run(args, result.exit_code, result.stdout, result.stderr, crash, summary)


def run_kpi_process(*args: str, cwd: Path) -> Run:
    """The command as users run it: a new Python process (its own stdout encoding, no runner)."""
    done = subprocess.run(
        [sys.executable, "-c", "from kpi_scorecard.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        check=False,
        timeout=120,
    )
    stdout = done.stdout.decode("utf-8", "replace")
    stderr = done.stderr.decode("utf-8", "replace")
    if "Traceback (most recent call last)" not in stderr:
        return Run(args, done.returncode, stdout, stderr, None)
    raised = [line for line in stderr.splitlines() if EXCEPTION_LINE.match(line)]
    summary = EXCEPTION_LINE.sub(r"\g<name>", raised[-1]) if raised else "?"
    return Run(args, done.returncode, stdout, stderr, stderr, summary)


EXCEPTION_LINE = re.compile(r"^(?:\w+\.)*(?P<name>\w+(?:Error|Exception|Exit|Interrupt))\b")


def output_findings(run: Run, argument_problems: bool = False) -> list[str]:
    """What is wrong with how the command ended and what it printed, whatever its input."""
    findings = []
    if run.crash or "Traceback (most recent call last)" in run.stdout + run.stderr:
        findings.append("traceback")
    if run.exit_code not in (0, 1):
        findings.append(f"exit code {run.exit_code}")
    counted = {"error": 0, "warning": 0}
    for line in run.stdout.split("\n")[:-1] if run.stdout else []:
        match = PROBLEM_LINE.match(line)
        if match:
            counted[match["severity"]] += 1
        elif argument_problems and ARGUMENT_PROBLEM.match(line):
            counted["error"] += 1
        elif run.exit_code == 0 and CHANGE_LINE.match(line):  # kpi set and import say it
            continue
        else:
            findings.append(f"stdout line not a problem line: {line!r}")
    if run.stdout and not run.stdout.endswith("\n"):
        findings.append("stdout does not end with a newline")
    findings.extend(_stderr_findings(run, counted))
    return findings


def _stderr_findings(run: Run, counted: dict[str, int]) -> list[str]:
    findings = []
    summary = None
    for line in run.stderr.split("\n")[:-1] if run.stderr else []:
        matches = [pattern.match(line) for pattern in SUMMARY_LINES]
        if not any(matches):
            findings.append(f"stderr line not a summary line: {line!r}")
        summary = summary or matches[0]
    if summary is not None:
        reported = {"error": int(summary["errors"]), "warning": int(summary["warnings"])}
        if reported != counted:
            findings.append(f"stderr counts {reported} but stdout has {counted}")
    failed = counted["error"] > 0 or "\nerror: " in "\n" + run.stderr
    if run.exit_code == 1 and not failed:
        findings.append("exit 1 without an error")
    if run.exit_code == 0 and counted["error"]:
        findings.append("exit 0 with errors")
    return findings


def settle(findings: list[str], run: Run, inputs: str, label: str = "") -> list[str]:
    """Fail on every new finding; count the known ones as hypothesis events (inside a property)
    and return them: ``make fuzz`` lists them. ``inputs``: everything the user gave (file
    texts, arguments). Each known finding has an xfail test in test_fuzz_known.py; remove its
    rule here when it is fixed. (The points of issue 12 were known here until their fixes
    reached main.)"""
    if run.crash:  # a process printed its traceback: the traceback finding stands for its lines
        findings = [f"traceback: {run.crash_summary}" if f == "traceback" else f for f in findings]
        findings = [f for f in findings if not _a_line_of(run.crash, f)]
    known: list[str] = []  # known findings not fixed yet: none today
    for reason in known if currently_in_test_context() else ():
        event(f"known: {reason}")
    assert not findings, "\n".join([label, *findings, run.describe()])
    return known


def _a_line_of(crash: str, finding: str) -> bool:
    prefix = "stderr line not a summary line: "
    return finding.startswith(prefix) and ast.literal_eval(finding[len(prefix) :]) in crash


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


EDITOR_LINE_END = re.compile(r"\r\n|\r|\n")
FLOW_MAPPING = re.compile(r"^\s*[\w.-]+\s*:\s*[{\[]", re.MULTILINE)


def stray_line_changes(before: str, after: str, months: set[str]) -> list[str]:
    """Changed lines other than the entries of ``months`` (a key line holding the month, its
    continuation lines, and a new ``values:``/``notes:``/``segments:`` heading); empty when the
    edit touched only those. Lines end at CR, LF or CRLF, as editors show them."""
    old, new = EDITOR_LINE_END.split(before), EDITOR_LINE_END.split(after)
    stray = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            stray += [f"-{line}" for line in _not_entries(old[i1:i2], months, headings=False)]
            stray += [f"+{line}" for line in _not_entries(new[j1:j2], months, headings=True)]
    return stray


HEADING = re.compile(r"^\s*[\w.-]+:\s*\r?$")


def _not_entries(lines: list[str], months: set[str], headings: bool) -> list[str]:
    stray = []
    entry_indent: int | None = None
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if any(month in line for month in months):
            entry_indent = indent
        elif entry_indent is not None and (not line.strip() or indent > entry_indent):
            continue  # a continuation line of the entry (a block note)
        elif headings and HEADING.match(line):
            entry_indent = None
        else:
            stray.append(line)
            entry_indent = None
    return stray
