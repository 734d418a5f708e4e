"""``kpi readout --initiative SLUG``: the messages of an initiative (contract 6), addressed to
its DACI people: the kick-off once the approver signed off, the readouts at 30, 60 and 90
days, and the end summary (what the goal was, what was achieved, and why).

Which one is written follows the reporting month: before the start the kick-off, inside the
window the latest readout due, after the end the summary. Pure: model + figures -> text.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi_scorecard.errors import ScorecardError, quote
from kpi_scorecard.figures.retrospectives import (
    KpiResult,
    overall_outcome,
    readouts_due,
    results_of,
    stage,
)
from kpi_scorecard.model import Kpi, Results, Scorecard, month_str
from kpi_scorecard.read.retrospectives import Retrospective
from kpi_scorecard.render.numbers import number_locale, value_text
from kpi_scorecard.render.readout import text_item
from kpi_scorecard.render.readout_html import (
    email_document,
    heading_row,
    link_row,
    section_rows,
)
from kpi_scorecard.render.text import escape, inline
from kpi_scorecard.render.wording import month_label

ROLES = ("driver", "approver", "contributors", "informed")


@dataclass(frozen=True)
class InitiativeMessage:
    kind: str
    """``kick-off``, ``30-day readout`` ... ``end summary``."""
    subject: str
    recipients: tuple[str, ...]
    """The DACI people's emails, in role order."""
    without_email: tuple[str, ...]
    """DACI people whose email people.yaml does not give (told on stderr)."""
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    """(heading, lines) in order; lines are plain text."""
    url: str | None


def initiative_message(
    retro: Retrospective, scorecard: Scorecard, results: Results, site_url: str | None
) -> InitiativeMessage:
    """The message due at ``results.as_of``, in the scorecard's locale; an error before the
    approver's sign-off."""
    with number_locale(scorecard.settings.locale):
        return _message(retro, scorecard, results, site_url)


def _message(
    retro: Retrospective, scorecard: Scorecard, results: Results, site_url: str | None
) -> InitiativeMessage:
    current = stage(retro, results.as_of)
    if retro.plan.approved is None and current == "planned":
        raise ScorecardError(
            f"initiative {quote(retro.slug)} is not signed off yet: the kick-off goes out "
            "after the approver adds approved: {by: ..., on: YYYY-MM-DD}"
        )
    if current == "approved":
        kind = "kick-off"
    elif current == "done":
        kind = "end summary"
    else:
        due = readouts_due(retro, results.as_of)
        kind = due[-1][0] if due else "kick-off"
    kpi_results = results_of(retro, scorecard, results)
    sections = [("Goal", _goal(retro, scorecard))]
    if kind == "kick-off":
        sections += _plan(retro, scorecard)
    else:
        sections.append(("Where we are" if kind != "end summary" else "What we achieved",
                         _results(retro, kpi_results, scorecard, kind)))  # fmt: skip
        if kind == "end summary":
            sections.append(("Why", ("The team's retrospective tells the story behind it.",)))
    sections.append(("People", _people(retro, scorecard)))
    recipients, missing = _addresses(retro, scorecard)
    base = site_url.rstrip("/") + "/" if site_url else None
    return InitiativeMessage(
        kind,
        f"{retro.title}: {kind}",
        recipients,
        missing,
        tuple(sections),
        f"{base}retrospectives/{retro.slug}/" if base else None,
    )


def _goal(retro: Retrospective, scorecard: Scorecard) -> tuple[str, ...]:
    lines = [f"{month_label(month_str(retro.start))} to {month_label(month_str(retro.end))}."]
    if retro.plan.objective:
        lines.append(retro.plan.objective)
    for kpi_id, target in retro.primary:
        kpi = scorecard.kpis.get(kpi_id)
        if kpi is not None:
            lines.append(
                f"{kpi.name}: {value_text(kpi, target, scorecard.settings.currency)} by the end"
            )
    return tuple(lines)


def _plan(retro: Retrospective, scorecard: Scorecard) -> list[tuple[str, tuple[str, ...]]]:
    plan = retro.plan
    sections: list[tuple[str, tuple[str, ...]]] = []
    if plan.context:
        sections.append(("Context", (plan.context,)))
    if plan.out_of_scope:
        sections.append(("Out of scope", plan.out_of_scope))
    if plan.risks:
        sections.append(("Risks", plan.risks))
    if plan.approved:
        approver = scorecard.people[plan.approved.by].name
        sections.append(("Sign-off", (f"Approved by {approver} on {plan.approved.on}.",)))
    return sections


def _results(
    retro: Retrospective, kpi_results: list[KpiResult], scorecard: Scorecard, kind: str
) -> tuple[str, ...]:
    currency = scorecard.settings.currency
    lines = []
    for result in kpi_results:
        kpi = scorecard.kpis[result.kpi_id]
        target = (
            "" if result.target is None else f", target {value_text(kpi, result.target, currency)}"
        )
        if target and kind == "end summary":
            target += f": {result.outcome}"  # before the end, every outcome is "pending"
        lines.append(
            f"{kpi.name}: {_reported(kpi, result.before, currency)} before the start, "
            f"{_latest(kpi, retro, result, currency)}{target}"
        )
    if kind == "end summary":
        lines.append(f"Overall: {overall_outcome(kpi_results)}.")
    return tuple(lines)


def _latest(kpi: Kpi, retro: Retrospective, result: KpiResult, currency: str | None) -> str:
    """The latest value of the window with its month: when a month is not reported yet (the
    end, often), the month before must not pass for it."""
    checkpoints = (
        (result.at_end, retro.end),
        (result.at_90, retro.start + 2),
        (result.at_60, retro.start + 1),
        (result.at_30, retro.start),
    )
    for value, month in checkpoints:
        if value is not None:
            label = month_label(month_str(month))
            when = f"at the end ({label})" if month == retro.end else f"in {label}"
            return f"{value_text(kpi, value, currency)} {when}"
    return "not reported since the start"


def _reported(kpi: Kpi, value: float | None, currency: str | None) -> str:
    return "not reported" if value is None else value_text(kpi, value, currency)


def _people(retro: Retrospective, scorecard: Scorecard) -> tuple[str, ...]:
    lines = []
    for role in ROLES:
        names = [scorecard.people[p].name for r, p in retro.people if r == role]
        if names:
            lines.append(f"{role.capitalize()}: {', '.join(names)}")
    return tuple(lines)


def _addresses(
    retro: Retrospective, scorecard: Scorecard
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    emails: list[str] = []
    missing: list[str] = []
    for _, person_id in retro.people:
        person = scorecard.people[person_id]
        if person.email and person.email not in emails:
            emails.append(person.email)
        elif not person.email and person.name not in missing:
            missing.append(person.name)
    return tuple(emails), tuple(missing)


def message_markdown(message: InitiativeMessage) -> str:
    lines = [f"# {inline(message.subject)}", ""]
    if message.recipients:
        lines += ["To: " + ", ".join(inline(r) for r in message.recipients), ""]
    for heading, items in message.sections:
        lines += [f"## {inline(heading)}", ""]
        lines += [f"- {inline(item)}" for item in items]
        lines.append("")
    if message.url:
        lines += [f"[The initiative on the scorecard]({message.url})", ""]
    return "\n".join(lines)


def message_text(message: InitiativeMessage, addressed: bool = True) -> str:
    """``addressed=False`` for the body of the mail itself, whose header says who gets it
    (``--to`` may send it to others than the DACI people)."""
    lines = [message.subject, "=" * len(message.subject), ""]
    if message.recipients and addressed:
        lines += ["To: " + ", ".join(message.recipients), ""]
    for heading, items in message.sections:
        lines += [heading, "-" * len(heading)]
        for item in items:
            lines += text_item(item, None)
        lines.append("")
    if message.url:
        lines += [f"The initiative on the scorecard: {message.url}", ""]
    return "\n".join(lines)


def message_html(message: InitiativeMessage) -> str:
    """The same as an email: self-contained, inline styles only (render/readout_html.py)."""
    rows = [heading_row(message.subject)]
    rows += [section_rows(h, [escape(item) for item in items]) for h, items in message.sections]
    if message.url:
        rows.append(link_row(message.url, "The initiative on the scorecard"))
    return email_document(message.subject, rows)
