"""kpi validate on damaged files: every problem a clean line, exit 0 or 1, nothing written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from . import budget
from .harness import (
    BASES,
    PROBLEM_LINE,
    changed_files,
    output_findings,
    run_kpi,
    scorecard,
    settle,
    snapshot,
)
from .mutations import CONTROL_CHARS, FAMILIES, mutated

FAMILY_PARAMS = [*sorted(FAMILIES), "all"]


def families_of(name: str) -> tuple[str, ...]:
    return tuple(sorted(FAMILIES)) if name == "all" else (name,)


def line_count(data: bytes) -> int:
    """Lines as YAML counts them (CR, LF, CRLF, NEL, LS, PS), and the end of the file."""
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    return sum(text.count(c) for c in "\n\r\x85\u2028\u2029") + 1


@pytest.mark.parametrize("family", FAMILY_PARAMS)
@budget(short=30)
@given(data=st.data())
def test_validate_reports_a_damaged_file_cleanly(family: str, data: st.DataObject) -> None:
    files = dict(BASES[data.draw(st.sampled_from(sorted(BASES)), label="base")])
    name = data.draw(st.sampled_from(sorted(files)), label="file")
    files[name] = data.draw(mutated(files[name], families_of(family)), label="damaged")
    with scorecard(files) as root:
        run = run_kpi("validate", str(root))
        findings = output_findings(run)
        findings += [f"validate changed {n}" for n in changed_files(files, snapshot(root))]
    for line in run.stdout.split("\n"):
        problem = PROBLEM_LINE.match(line)
        path = problem and problem["path"]
        if path in files and int(problem["line"]) > line_count(files[path]):
            findings.append(f"{problem['path']} has no line {problem['line']}: {line!r}")
    settle(findings, run, b"".join(files.values()).decode("utf-8", "replace"))


@budget(short=10)
@given(data=st.data())
def test_a_control_character_is_reported_on_its_own_line(data: st.DataObject) -> None:
    files = dict(BASES["example"])
    name = data.draw(st.sampled_from(sorted(n for n in files if n.endswith(".yaml"))))
    lines = files[name].split(b"\n")
    at = data.draw(st.integers(1, len(lines) - 2), label="line index")
    char = data.draw(st.sampled_from(CONTROL_CHARS), label="char")
    column = data.draw(st.integers(0, len(lines[at])), label="column")
    lines[at] = lines[at][:column] + char.encode() + lines[at][column:]
    files[name] = b"\n".join(lines)
    with scorecard(files) as root:
        run = run_kpi("validate", str(root))
    assert run.exit_code == 1, run.describe()
    assert f"{name}:{at + 1}: error: " in run.stdout, run.describe()
