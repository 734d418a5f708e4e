"""A few damaged scorecards through ``kpi`` in its own process, as users and CI run it: the
same findings as in-process, plus what only a real process shows (its stdout encoding, exit
codes set by the interpreter)."""

from __future__ import annotations

from hypothesis import given

from . import budget
from .harness import (
    BASES,
    changed_files,
    output_findings,
    run_kpi_process,
    scorecard,
    settle,
    snapshot,
)
from .mutations import FAMILIES, WEIRD_TEXTS, mutated

EXAMPLE = BASES["example"]
CPC = "kpis/efficiency/cpc.yaml"


@budget(short=3, long=40)  # a process takes about 0.5 s
@given(
    damaged=mutated(EXAMPLE[CPC], tuple(FAMILIES)),
    note=WEIRD_TEXTS.filter(lambda text: "\x00" not in text),
)  # argv has no NUL
def test_validate_and_set_in_a_process(damaged: bytes, note: str) -> None:
    files = {**EXAMPLE, CPC: damaged}
    with scorecard(files) as root:
        for args in (["validate"], ["set", "--note", note, "--", "cpc", "2026-11", "1.5"]):
            run = run_kpi_process(*args, cwd=root)
            findings = output_findings(run, argument_problems=True)
            if run.exit_code != 0:
                findings += [f"changed {n}" for n in changed_files(files, snapshot(root))]
            settle(findings, run, damaged.decode("utf-8", "replace") + note)
            files = snapshot(root)
