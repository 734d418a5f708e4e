"""The inputs of the YAML test suite (github.com/yaml/yaml-test-suite, branch ``data``; MIT,
see tests/corpus/yaml-test-suite/LICENSE) as a KPI file, people.yaml, scorecard.yaml and a
retrospective's front matter: kpi validate exits 0 or 1, with one clean line per problem."""

from __future__ import annotations

import json

import pytest

from ..conftest import PROJECT
from .harness import BASES, output_findings, run_kpi, scorecard, settle

CORPUS = PROJECT / "tests" / "corpus" / "yaml-test-suite" / "cases.json"
CASES: dict[str, dict[str, object]] = json.loads(CORPUS.read_text(encoding="ascii"))["cases"]
RETROSPECTIVE = "site_src/retrospectives/case.md"
PLACES = {
    "kpi file": "kpis/sales/orders.yaml",
    "people.yaml": "kpis/people.yaml",
    "scorecard.yaml": "kpis/scorecard.yaml",
    "front matter": RETROSPECTIVE,
}


def placed(place: str, yaml: str) -> dict[str, bytes]:
    """The valid fixture scorecard with the case's text at ``place``."""
    files = dict(BASES["fixture"])
    if place == RETROSPECTIVE:
        yaml = f"---\n{yaml}{'' if yaml.endswith(chr(10)) else chr(10)}---\n\n# The story\n"
    files[place] = yaml.encode("utf-8")
    return files


def test_the_corpus_is_the_whole_suite() -> None:
    assert len(CASES) == 402
    assert sum(1 for case in CASES.values() if case["error"]) == 94


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_yaml_test_suite_case_anywhere_is_reported_cleanly(case: str) -> None:
    yaml = str(CASES[case]["yaml"])
    known = set()
    for place in PLACES.values():
        files = placed(place, yaml)
        with scorecard(files) as root:
            run = run_kpi("validate", str(root))
        findings = output_findings(run)
        if CASES[case]["error"] and place != RETROSPECTIVE and run.exit_code != 1:
            findings.append(f"{place}: invalid YAML accepted")
        known.update(
            settle(findings, run, yaml, f"case {case} ({CASES[case]['title']}) as {place}")
        )
    if known:
        pytest.xfail("; ".join(sorted(known)))
