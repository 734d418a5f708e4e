"""``kpi diff``: what a change does to the scorecard, as Markdown for pull request reviewers.

Values and definitions are compared file by file, leniently, so a broken side still shows what
changed; statuses are compared when both sides validate, at HEAD's reporting month.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from kpi_scorecard.audit.changes import Change, diff_documents
from kpi_scorecard.audit.diff import Snapshot
from kpi_scorecard.figures.compute import compute
from kpi_scorecard.model import Month, Results, Scorecard, month_str
from kpi_scorecard.render.text import inline
from kpi_scorecard.render.wording import Wording, month_label, status_words


def diff_markdown(base: Snapshot, head: Snapshot) -> str:
    """Markdown of every change from ``base`` to ``head``; empty when nothing changed."""
    statuses = _status_changes(base.scorecard, head.scorecard)
    sections = []
    for kpi_id in sorted(set(base.documents) & set(head.documents)):
        old_path, old = base.documents[kpi_id]
        new_path, new = head.documents[kpi_id]
        changes = diff_documents(old, new)
        if old_path != new_path:
            changes = (Change("file", None, old_path, new_path, "definition"), *changes)
        lines = _kpi_lines(
            changes, statuses.get(kpi_id), Wording.of(head.scorecard or base.scorecard, kpi_id)
        )
        if lines:
            sections.append(f"#### {_title(kpi_id, new)}\n\n" + "\n".join(lines))
    added = sorted(set(head.documents) - set(base.documents))
    removed = sorted(set(base.documents) - set(head.documents))
    if added:
        sections.append(_listing("Added KPIs", added, head))
    if removed:
        sections.append(_listing("Removed KPIs", removed, base))
    if not sections:
        return ""
    header = f"### KPI changes from {base.label} to {head.label}"
    notes = _unvalidated_note(base, head)
    return "\n\n".join([header, *notes, *sections]) + "\n"


def _title(kpi_id: str, document: Mapping[str, Any]) -> str:
    name = document.get("name")
    shown = inline(str(name)) if name else inline(kpi_id)
    return f"{shown} (`{kpi_id}`)"


def _listing(heading: str, ids: list[str], side: Snapshot) -> str:
    items = [f"- {_title(kpi_id, side.documents[kpi_id][1])}" for kpi_id in ids]
    return f"#### {heading}\n\n" + "\n".join(items)


def _kpi_lines(changes: tuple[Change, ...], status: str | None, wording: Wording) -> list[str]:
    lines = [status] if status else []
    for label, kind in (
        ("New values", "added"),
        ("Restated", "restated"),
        ("Removed values", "removed"),
    ):
        matching = [
            _value_text(c, wording) for c in changes if c.field == "values" and c.kind == kind
        ]
        if matching:
            lines.append(f"- **{label}:** " + ", ".join(matching))
    for label, fields in (("Notes", ("notes",)), ("Definition", None)):
        sentences = [
            inline(sentence)
            for change in changes
            if change.field != "values"
            and (change.field in fields if fields else change.field != "notes")
            for sentence in wording.sentences(change)
        ]
        if sentences:
            lines.append(f"- **{label}:** " + "; ".join(sentences))
    return lines


def _value_text(change: Change, wording: Wording) -> str:
    month = month_label(change.month)
    if change.kind == "added":
        return inline(f"{month}: {wording.value(change.new)}")
    if change.kind == "removed":
        return inline(f"{month} (was {wording.value(change.old)})")
    return inline(f"{month} from {wording.value(change.old)} to {wording.value(change.new)}")


def _status_changes(base: Scorecard | None, head: Scorecard | None) -> dict[str, str]:
    """KPI id -> the status line, for KPIs whose status at HEAD's reporting month changed."""
    if base is None or head is None:
        return {}
    head_results, _ = compute(head)
    base_results = _results_at(base, head_results.as_of)
    month = month_label(month_str(head_results.as_of))
    lines = {}
    for kpi_id, figures in head_results.figures.items():
        before = base_results.figures.get(kpi_id)
        if before is not None and before.status != figures.status:
            lines[kpi_id] = (
                f"- **Status** in {month}: {status_words(before.status)} → "
                f"{status_words(figures.status)}"
            )
    return lines


def _results_at(scorecard: Scorecard, month: Month) -> Results:
    settings = dataclasses.replace(scorecard.settings, as_of=month)
    results, _ = compute(dataclasses.replace(scorecard, settings=settings))
    return results


def _unvalidated_note(base: Snapshot, head: Snapshot) -> list[str]:
    broken = [side.label for side in (base, head) if side.scorecard is None]
    if not broken:
        return []
    return [
        f"_Statuses are not compared: the scorecard at {' and '.join(broken)} has errors "
        "(`kpi validate` lists them)._"
    ]
