"""Initiatives from plan to end (contract 6): the plan's front matter, the approver's sign-off
checked against git, the stages, the quality warnings and ``kpi readout --initiative``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main
from kpi_scorecard.errors import ValidationFailed
from kpi_scorecard.figures.compute import compute
from kpi_scorecard.figures.retrospectives import readouts, stage
from kpi_scorecard.model import parse_month
from kpi_scorecard.render.initiative import (
    InitiativeMessage,
    initiative_message,
    message_html,
    message_markdown,
    message_text,
)
from kpi_scorecard.render.retro import plan_section
from kpi_scorecard.repository import load_repository

from .conftest import FIXTURES, GitRepo
from .mail_html import mail_findings
from .test_render import check_golden

PLAN = """---
title: Summer orders push
start: {start}
end: {end}
kpis:
  primary: {{orders: 130}}
  secondary: [spend]
daci: {{driver: ann, approver: cy, informed: [bob]}}
context: Orders lag the target.
objective: 130 orders a month by the end.
out_of_scope: [Pricing]
risks: [Stock runs out, "<b>not markup</b>"]
{approved}---

# Summer orders push
"""
APPROVED = "approved: {by: cy, on: 2026-03-01}\n"
RETRO = "site_src/retrospectives/summer.md"


def write_plan(
    repo: GitRepo, start: str = "2026-05", end: str = "2026-07", approved: str = ""
) -> None:
    repo.write(RETRO, PLAN.format(start=start, end=end, approved=approved))


def warnings_of(root: Path) -> list[str]:
    return [str(p) for p in load_repository(root).quality if p.path == RETRO]


def test_the_plan_is_read_and_shown_with_its_stage(kpi_repo: GitRepo) -> None:
    write_plan(kpi_repo, approved=APPROVED)
    kpi_repo.commit("Summer push: plan and sign-off", author="Cy Clay")
    repository = load_repository(kpi_repo.path)
    (retro,) = repository.retrospectives
    assert retro.plan.objective == "130 orders a month by the end."
    assert retro.plan.out_of_scope == ("Pricing",) and len(retro.plan.risks) == 2
    assert retro.plan.approved is not None and retro.plan.approved.by == "cy"
    as_of = repository.results.as_of  # 2026-04, before the start
    assert stage(retro, as_of) == "approved"
    page = "\n".join(plan_section(retro, repository.scorecard, as_of))
    assert '<li aria-current="step"><strong>approved</strong></li>' in page
    assert "by Cy Clay on 2026-03-01" in page
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2026-04", "planned"), ("2026-05", "running"), ("2026-07", "running"), ("2026-08", "done")],
)
def test_stages_follow_the_reporting_month(kpi_repo: GitRepo, as_of: str, expected: str) -> None:
    write_plan(kpi_repo)
    (retro,) = load_repository(kpi_repo.path).retrospectives
    month = parse_month(as_of)
    assert month is not None and stage(retro, month) == expected
    assert [name for name, _ in readouts(retro)] == [
        "30-day readout",
        "60-day readout",
        "end summary",
    ]


def test_a_signoff_committed_by_the_approver_passes(kpi_repo: GitRepo) -> None:
    write_plan(kpi_repo)
    kpi_repo.commit("Summer push: the plan", author="Ann Archer")
    kpi_repo.edit(RETRO, "---\n\n#", APPROVED + "---\n\n#")
    kpi_repo.commit("Summer push: approved", author="Cy Clay")  # cy@example.com in people.yaml
    kpi_repo.edit(RETRO, "Orders lag the target.", "Orders lag the target badly.")
    kpi_repo.commit("Summer push: context", author="Bob Brown")  # a later edit by someone else
    assert warnings_of(kpi_repo.path) == []


def test_a_signoff_committed_by_someone_else_is_a_warning(kpi_repo: GitRepo) -> None:
    write_plan(kpi_repo, approved=APPROVED)
    commit = kpi_repo.commit("Summer push: plan, approved", author="Bob Brown")
    assert warnings_of(kpi_repo.path) == [
        f"{RETRO}:13: warning: approved: the sign-off by 'cy' was committed by Bob Brown "
        f"<bob@example.com> ({commit[:7]}) (a commit by Cy Clay, matched by the email or "
        "github handle in kpis/people.yaml)"
    ]


def test_a_signoff_added_by_someone_else_stays_a_warning_after_the_approver_edits(
    kpi_repo: GitRepo,
) -> None:
    """Who committed the file last does not matter: the commit that added ``approved`` does."""
    write_plan(kpi_repo, approved=APPROVED)
    added = kpi_repo.commit("Summer push: plan, approved", author="Bob Brown")
    kpi_repo.edit(RETRO, "Orders lag the target.", "Orders lag the target badly.")
    kpi_repo.commit("Summer push: context", author="Cy Clay")
    (warning,) = warnings_of(kpi_repo.path)
    assert f"was committed by Bob Brown <bob@example.com> ({added[:7]})" in warning


def test_a_signoff_rewritten_by_someone_else_is_a_warning(kpi_repo: GitRepo) -> None:
    write_plan(kpi_repo, approved=APPROVED)
    kpi_repo.commit("Summer push: plan, approved", author="Cy Clay")
    kpi_repo.edit(RETRO, "on: 2026-03-01", "on: 2026-03-02")
    rewritten = kpi_repo.commit("Summer push: the sign-off's date", author="Bob Brown")
    (warning,) = warnings_of(kpi_repo.path)
    assert f"was committed by Bob Brown <bob@example.com> ({rewritten[:7]})" in warning


@pytest.mark.parametrize(
    ("signed_by", "merged_by", "warned"),
    [("Cy Clay", "Bob Brown", False), ("Bob Brown", "Cy Clay", True)],
)
def test_a_signoff_merged_in_a_pull_request_is_the_commit_on_its_branch(
    kpi_repo: GitRepo, signed_by: str, merged_by: str, warned: bool
) -> None:
    """The sign-off is committed on a branch and the pull request is merged with a merge
    commit, authored by whoever merged: the commit on the branch added it."""
    write_plan(kpi_repo)
    kpi_repo.commit("Summer push: the plan", author="Ann Archer")
    kpi_repo.git("checkout", "-q", "-b", "signoff")
    kpi_repo.edit(RETRO, "---\n\n#", APPROVED + "---\n\n#")
    kpi_repo.commit("Summer push: approved", author=signed_by)
    kpi_repo.git("checkout", "-q", "main")
    kpi_repo.edit("kpis/sales/orders.yaml", "2026-01: 90", "2026-01: 91")
    kpi_repo.commit("Orders: January corrected", author="Ann Archer")
    kpi_repo.merge("signoff", "Merge pull request #7 from acme/signoff", author=merged_by)
    warnings = warnings_of(kpi_repo.path)
    assert len(warnings) == warned
    assert all("was committed by Bob Brown" in w for w in warnings)


def test_a_github_noreply_address_matches_the_handle(kpi_repo: GitRepo) -> None:
    write_plan(kpi_repo, approved="approved: {by: ann, on: 2026-03-01}\n")
    kpi_repo.edit(RETRO, "approver: cy", "approver: ann")
    kpi_repo.git("add", "-A")
    noreply = {
        "GIT_AUTHOR_NAME": "Ann A",
        "GIT_AUTHOR_EMAIL": "4242+ann-a@users.noreply.github.com",
    }
    kpi_repo.git("commit", "-q", "-m", "Approved on GitHub", env=noreply)
    assert warnings_of(kpi_repo.path) == []


def test_an_uncommitted_signoff_cannot_be_confirmed(kpi_repo: GitRepo) -> None:
    write_plan(kpi_repo, approved=APPROVED)
    (warning,) = warnings_of(kpi_repo.path)
    assert "the sign-off is not committed, so git cannot confirm it" in warning


def test_running_without_signoff_and_a_due_readout_are_warnings(kpi_repo: GitRepo) -> None:
    write_plan(kpi_repo, start="2026-03", end="2026-06")  # as_of 2026-04: the 60-day readout
    kpi_repo.commit("Summer push started", author="Ann Archer")
    assert warnings_of(kpi_repo.path) == [
        f"{RETRO}:1: warning: the 60-day readout of 2026-04 is due "
        "(kpi readout --initiative summer)",
        f"{RETRO}:1: warning: the initiative is running without the approver's sign-off "
        "(approved: {by: <approver>, on: YYYY-MM-DD}, committed by the approver)",
    ]


@pytest.mark.parametrize(
    ("approved", "message"),
    [
        ("approved: {by: dan, on: 2026-03-01}\n", "approved by: unknown person 'dan'"),
        ("approved: {by: cy, on: 2026-02-30}\n", "approved on: bad date '2026-02-30'"),
        ("approved: {by: cy}\n", "approved: "),
    ],
)
def test_a_bad_signoff_is_an_error_at_its_line(
    kpi_repo: GitRepo, approved: str, message: str
) -> None:
    write_plan(kpi_repo, approved=approved)
    with pytest.raises(ValidationFailed) as failed:
        load_repository(kpi_repo.path)
    errors = [str(p) for p in failed.value.problems if p.severity == "error"]
    assert any(e.startswith(f"{RETRO}:13: error: {message}") for e in errors), errors


def run(repo: Path, *arguments: str) -> object:
    return CliRunner().invoke(main, ["readout", "--repo", str(repo), *arguments])


def test_readout_initiative_kick_off_goes_to_the_daci_people(kpi_repo: GitRepo) -> None:
    write_plan(kpi_repo, approved=APPROVED)
    kpi_repo.commit("Summer push: plan, approved", author="Cy Clay")
    result = CliRunner().invoke(
        main,
        ["readout", "--initiative", "summer", "--format", "text", "--repo", str(kpi_repo.path)],
    )
    assert result.exit_code == 0, result.output
    assert "\nSummer orders push: kick-off\n" in result.output
    assert "To: cy@example.com\n" in result.output  # ann and bob have no email
    assert "warning: Ann Archer has no email in kpis/people.yaml" in result.output
    assert "- Orders: 130 by the end" in result.output
    assert "- Stock runs out" in result.output


def test_readout_initiative_needs_the_signoff_and_then_summarises_the_end(
    kpi_repo: GitRepo,
) -> None:
    write_plan(kpi_repo)
    refused = CliRunner().invoke(
        main, ["readout", "--initiative", "summer", "--repo", str(kpi_repo.path)]
    )
    assert refused.exit_code == 1
    assert refused.output.startswith("error: initiative 'summer' is not signed off yet")
    write_plan(kpi_repo, start="2026-01", end="2026-03", approved=APPROVED)
    done = CliRunner().invoke(
        main,
        ["readout", "--initiative", "summer", "--format", "html", "--repo", str(kpi_repo.path)],
    )
    assert done.exit_code == 0, done.output
    assert "Summer orders push: end summary" in done.output
    assert "Orders: 90 before" not in done.output  # before the start is December: not reported
    assert "hit" in done.output or "missed" in done.output
    unknown = CliRunner().invoke(
        main, ["readout", "--initiative", "nope", "--repo", str(kpi_repo.path)]
    )
    assert unknown.exit_code == 1
    assert (
        unknown.output
        == "error: no initiative 'nope' in site_src/retrospectives/ (known: summer)\n"
    )


def test_the_health_page_lists_the_initiative_warnings(kpi_repo: GitRepo) -> None:
    from kpi_scorecard.render.pages import render_pages
    from kpi_scorecard.site import prepare

    write_plan(kpi_repo, start="2026-03", end="2026-06")
    kpi_repo.commit("Summer push started", author="Ann Archer")
    state, _ = prepare(kpi_repo.path, with_history=False)
    health = render_pages(state.data)["health.md"]
    assert f"<code>{RETRO}:1</code>" in health
    assert "running without the approver&#x27;s sign-off" in health


# -- each message of an initiative against its golden file ------------------------------------

MESSAGES = {
    "kick-off": "2025-12",
    "30-day readout": "2026-01",
    "60-day readout": "2026-02",
    "90-day readout": "2026-03",
    "end summary": "2026-05",
}
"""Each kind of message and a reporting month at which it is the one due (fixtures/initiative:
a window from 2026-01 to 2026-04, signed off on 2025-12-01)."""
WRITERS = {"md": message_markdown, "html": message_html, "txt": message_text}


def fixture_message(month: str) -> InitiativeMessage:
    repository = load_repository(FIXTURES / "initiative")
    (retro,) = repository.retrospectives
    scorecard = repository.scorecard
    as_of = parse_month(month)
    scorecard = dataclasses.replace(
        scorecard, settings=dataclasses.replace(scorecard.settings, as_of=as_of)
    )
    results, _ = compute(scorecard)
    return initiative_message(retro, scorecard, results, "https://kpi.example.com/scorecard/")


@pytest.mark.parametrize("extension", WRITERS)
@pytest.mark.parametrize("kind", MESSAGES)
def test_each_initiative_message_matches_its_golden_file(kind: str, extension: str) -> None:
    message = fixture_message(MESSAGES[kind])
    assert message.kind == kind
    assert message.recipients == ("ann@example.com", "cy@example.com")
    assert message.without_email == ("Bob Brown",)
    name = f"initiative/{kind.replace(' ', '-')}.{extension}"
    check_golden(name, WRITERS[extension](message))
    if extension == "html":
        assert mail_findings(message_html(message)) == []
