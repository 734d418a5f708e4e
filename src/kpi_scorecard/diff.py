"""``kpi diff``: what a change does to the scorecard, as Markdown for pull request reviewers.

Both sides are read as data: the KPI files at BASE (a commit) and at HEAD (a commit or the
working tree). Values and definitions are compared file by file, leniently, so a broken side
still shows what changed; statuses are compared when both sides validate, at HEAD's reporting
month.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpi_scorecard.changes import Change, diff_documents, parse_document
from kpi_scorecard.compute import compute
from kpi_scorecard.errors import ValidationFailed
from kpi_scorecard.history import files_at
from kpi_scorecard.load import kpi_files
from kpi_scorecard.model import Month, Results, Scorecard, month_str
from kpi_scorecard.render.history import number_text
from kpi_scorecard.render.text import inline
from kpi_scorecard.validate import load_scorecard


@dataclass(frozen=True)
class Snapshot:
    """One side of the comparison."""

    label: str
    documents: Mapping[str, tuple[str, dict[str, Any]]]
    """KPI id -> (path, parsed content)."""
    scorecard: Scorecard | None
    """None when this side does not validate."""


def snapshot_of_tree(root: Path, label: str) -> Snapshot:
    """The working tree (or any folder holding kpis/)."""
    documents = {}
    for path in kpi_files(root):
        relative = path.relative_to(root).as_posix()
        document = parse_document(path.read_bytes())
        if document is not None and path.stem not in documents:
            documents[path.stem] = (relative, document)
    try:
        scorecard, _ = load_scorecard(root)
    except ValidationFailed:
        scorecard = None
    return Snapshot(label, documents, scorecard)


def snapshot_at(root: Path, commit: str, label: str) -> Snapshot:
    """The KPI files of a commit, written to a temporary folder and read like a tree."""
    with tempfile.TemporaryDirectory(prefix="kpi-diff-") as folder:
        for relative, content in files_at(root, commit).items():
            target = Path(folder) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (Path(folder) / "kpis").mkdir(exist_ok=True)
        return snapshot_of_tree(Path(folder), label)


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
        lines = _kpi_lines(changes, statuses.get(kpi_id))
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


def _kpi_lines(changes: tuple[Change, ...], status: str | None) -> list[str]:
    lines = [status] if status else []
    for label, kind in (
        ("New values", "added"),
        ("Restated", "restated"),
        ("Removed values", "removed"),
    ):
        matching = [_value_text(c) for c in changes if c.field == "values" and c.kind == kind]
        if matching:
            lines.append(f"- **{label}:** " + ", ".join(matching))
    definitions = [_definition(c) for c in changes if c.kind == "definition"]
    if definitions:
        lines.append("- **Definition:** " + "; ".join(definitions))
    return lines


def _value_text(change: Change) -> str:
    if change.kind == "added":
        return f"{change.month}: {number_text(change.new)}"
    if change.kind == "removed":
        return f"{change.month} (was {number_text(change.old)})"
    return f"{change.month}: {number_text(change.old)} -> {number_text(change.new)}"


def _definition(change: Change) -> str:
    """Field names are ours; values are contributors' text, shown as code (never markup)."""
    if change.field == "notes":
        return f"note for {change.month} " + (
            "added" if change.old is None else "removed" if change.new is None else "changed"
        )
    return f"{change.field} {_code(change.old)} -> {_code(change.new)}"


def _code(value: Any) -> str:
    text = " ".join(number_text(value).replace("`", "'").split())
    return f"`{text}`"


def _status_changes(base: Scorecard | None, head: Scorecard | None) -> dict[str, str]:
    """KPI id -> the status line, for KPIs whose status at HEAD's reporting month changed."""
    if base is None or head is None:
        return {}
    head_results, _ = compute(head)
    base_results = _results_at(base, head_results.as_of)
    month = month_str(head_results.as_of)
    lines = {}
    for kpi_id, figures in head_results.figures.items():
        before = base_results.figures.get(kpi_id)
        if before is not None and before.status != figures.status:
            lines[kpi_id] = f"- **Status** at {month}: {before.status} -> {figures.status}"
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
