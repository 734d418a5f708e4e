"""``kpi diff``: the two sides of a comparison, read from git or the working tree.

Both sides are read as data: the KPI files at BASE (a commit) and at HEAD (a commit or the
working tree). Values and definitions are compared file by file, leniently, so a broken side
still shows what changed; statuses are compared when both sides validate, at HEAD's reporting
month.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpi_scorecard.audit.changes import parse_document
from kpi_scorecard.audit.history import files_at
from kpi_scorecard.errors import Problems, ValidationFailed
from kpi_scorecard.model import Scorecard
from kpi_scorecard.read.load import kpi_files, read_inside
from kpi_scorecard.read.validate import load_scorecard


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
    unread = Problems()  # load_scorecard below reports them
    for path in kpi_files(root, unread):
        relative = path.relative_to(root).as_posix()
        data = read_inside(root, path, unread)
        document = None if data is None else parse_document(data)
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
