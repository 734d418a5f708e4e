"""``kpi pull``: the values the databases hold, recorded as ``kpi set`` records them and said as
``kpi diff`` says changes.

This is a command's module: it joins the queries (database.py) to the all-or-nothing writer
(edit/record.py) and to the diff (audit/, render/), so it sits downstream of all three.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpi_scorecard.audit.diff import Snapshot
from kpi_scorecard.edit.files import read_text, write_all
from kpi_scorecard.edit.plausible import Recorded, far_from_history
from kpi_scorecard.edit.record import Checks, Request, prepare
from kpi_scorecard.errors import Problem, Problems
from kpi_scorecard.model import Kpi, Month, Scorecard, month_str, parse_month
from kpi_scorecard.read.validate import load_scorecard
from kpi_scorecard.render.diff import diff_markdown
from kpi_scorecard.sources.database import chosen_kpis, pull_requests

PULLED_LABEL = "`kpi pull`"


@dataclass(frozen=True)
class Pulled:
    """What a pull changed (or, with a dry run, would change)."""

    changed: list[Path]
    """The KPI files whose text changes."""
    summary: str
    """Markdown, as ``kpi diff`` writes it; empty when no value changed."""
    queried: int
    """How many KPIs' queries ran."""
    warnings: list[Problem] = field(default_factory=list)
    """With ``--month``, the KPIs whose query returned no row for that month; values far
    outside their KPI's history."""


def pull(
    root: Path,
    ids: Sequence[str] = (),
    month: Month | None = None,
    dry_run: bool = False,
    environ: Mapping[str, str] = os.environ,
) -> Pulled:
    """Run the queries of the KPIs named (default: every KPI with a source) and record what
    they return; raises ValidationFailed (nothing written) with every problem."""
    scorecard, _ = load_scorecard(root)
    kpis = chosen_kpis(scorecard, ids)
    if not kpis:  # a scheduled pull in a repository without sources: nothing to do
        return Pulled([], "", 0)
    requests, problems = pull_requests(root, scorecard, kpis, month, environ)
    problems.raise_if_errors()
    # the pull request is where the owners judge the values: a new channel or an unusual
    # value from the warehouse is recorded, not refused as a typing mistake would be
    new_texts, recorded = prepare(
        root,
        [r for r in requests if not _already_there(scorecard, r)],
        checks=Checks(confirm=True, new_segments=True),
    )
    old_texts = {path: read_text(path, path.relative_to(root).as_posix()) for path in new_texts}
    changed = {path: text for path, text in new_texts.items() if text != old_texts[path]}
    summary = _summary(root, scorecard, changed) if changed else ""
    if not dry_run:
        write_all(changed, root)
    warnings = _without_month(kpis, requests, month) + _far_from_history(recorded)
    return Pulled(sorted(changed), summary, len(kpis), warnings)


def _far_from_history(recorded: list[Recorded]) -> list[Problem]:
    """A warning for each value recorded far outside its KPI's history (kpi set would ask
    for --confirm): said at the query, for the pull request's reviewers."""
    problems = Problems()
    for change in recorded:
        reason = far_from_history(
            change.kpi, change.segment, change.month, change.new, change.currency
        )
        if reason is not None:
            line = change.kpi.source.line if change.kpi.source else 1
            problems.warning(change.kpi.path, line, f"source: {reason}", "check the query")
    return problems.items


def _without_month(
    kpis: Sequence[Kpi], requests: list[Request], month: Month | None
) -> list[Problem]:
    """A warning for each KPI whose query returned nothing for ``month`` (a warehouse that has
    not loaded the month yet)."""
    if month is None:
        return []
    found = {request.kpi_id for request in requests}
    problems = Problems()
    for kpi in kpis:
        if kpi.id not in found:
            line = kpi.source.line if kpi.source else kpi.line_of("source")
            problems.warning(
                kpi.path, line, f"source: the query returns no row for {month_str(month)}"
            )
    return problems.items


def _summary(root: Path, before: Scorecard, new_texts: Mapping[Path, str]) -> str:
    """What changed, as ``kpi diff`` says it. A pull changes values and segments only, so the
    sides are compared on those, taken from the validated files; only the changed KPIs and
    the calculated ones (whose status follows their inputs) can differ."""
    after = _scorecard_with(root, new_texts)
    changed = {path.relative_to(root).as_posix() for path in new_texts}
    compared = [k.id for k in after.kpis.values() if k.path in changed or k.formula is not None]
    return diff_markdown(
        Snapshot("the working tree", _documents(before, compared), before),
        Snapshot(PULLED_LABEL, _documents(after, compared), after),
    )


def _documents(scorecard: Scorecard, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """KPI id -> (path, the fields a pull changes, as a KPI file holds them)."""
    documents = {}
    for kpi_id in ids:
        kpi = scorecard.kpis[kpi_id]
        document: dict[str, Any] = {"name": kpi.name, "values": _by_month(kpi.values)}
        if kpi.segments:
            document["segments"] = {s: _by_month(v) for s, v in kpi.segments.items()}
        documents[kpi_id] = (kpi.path, document)
    return documents


def _by_month(values: Mapping[Month, float | None]) -> dict[str, float | None]:
    return {month_str(month): value for month, value in values.items()}


def _already_there(scorecard: Scorecard, request: Request) -> bool:
    """Whether the file holds this value already: it is left as written (``70869.90`` stays,
    rather than turning into ``70869.9``)."""
    kpi = scorecard.kpis[request.kpi_id]
    month = parse_month(request.month)
    series = kpi.values if request.segment is None else kpi.segments.get(request.segment, {})
    if month is None or month not in series:
        return False
    value = None if request.value == "null" else float(request.value)
    return series[month] == value


def _scorecard_with(root: Path, new_texts: Mapping[Path, str]) -> Scorecard:
    """The scorecard after the pull, read from a temporary copy (``prepare`` validated it:
    the files read the same again, from the reader's cache)."""
    with tempfile.TemporaryDirectory(prefix="kpi-pull-") as folder:
        copy = Path(folder)
        shutil.copytree(root / "kpis", copy / "kpis", ignore_dangling_symlinks=True)
        for path, text in new_texts.items():
            target = copy / path.relative_to(root)
            target.parent.chmod(0o700)  # the copy keeps the modes of read-only folders
            target.unlink(missing_ok=True)  # a link in the copy must not lead back
            target.write_bytes(text.encode("utf-8"))
        return load_scorecard(copy)[0]
