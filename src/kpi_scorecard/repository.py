"""A whole scorecard repository read and checked: the KPI files, their figures, the
retrospectives and the quality warnings (everything ``kpi validate`` reports)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kpi_scorecard.audit.signoff import initiative_warnings
from kpi_scorecard.errors import Problem, Problems, ValidationFailed
from kpi_scorecard.figures.compute import compute, current_month
from kpi_scorecard.figures.quality import quality_warnings
from kpi_scorecard.model import Month, Results, Scorecard
from kpi_scorecard.read.load import check_links
from kpi_scorecard.read.retrospectives import Retrospective, read_retrospectives
from kpi_scorecard.read.validate import load_scorecard

PAGES_FOLDER = "site_src"
"""The hand-written pages (mkdocs' docs_dir), published as they are."""


@dataclass(frozen=True)
class Repository:
    scorecard: Scorecard
    results: Results
    warnings: list[Problem]
    """Warnings of the data (formulas that could not be computed): they go to the build log."""
    quality: list[Problem]
    """KPI quality warnings: ``kpi validate`` and the health page show them."""
    retrospectives: list[Retrospective]


def load_repository(root: Path) -> Repository:
    """Raises ValidationFailed with every error (and warning) of the repository."""
    scorecard, warnings = load_scorecard(root)
    problems = Problems()
    check_links(root, PAGES_FOLDER, problems)
    retrospectives = read_retrospectives(root, scorecard, problems)
    if problems.errors:
        # A link out of site_src/retrospectives/ is reported by both readers: once is enough.
        raise ValidationFailed(sorted({*warnings, *problems.items}))
    results, compute_warnings = _computed(scorecard)
    quality = quality_warnings(scorecard, results) + initiative_warnings(
        root, scorecard, results.as_of, retrospectives
    )
    return Repository(
        scorecard,
        results,
        sorted([*warnings, *problems.items, *compute_warnings]),
        sorted(quality),
        retrospectives,
    )


_last: tuple[tuple[Scorecard, Month], tuple[Results, list[Problem]]] | None = None
"""The last scorecard computed and its figures: ``kpi build`` reads the repository once to
report errors before mkdocs starts and again in the build, and ``mkdocs serve`` rebuilds after
edits of pages that are not data (equal scorecards are mostly the very same objects, which the
read cache hands back, so comparing them costs little)."""


def _computed(scorecard: Scorecard) -> tuple[Results, list[Problem]]:
    global _last
    key = (scorecard, current_month())  # the month when no month is reported enough
    if _last is not None and _last[0] == key:
        return _last[1][0], list(_last[1][1])
    results, warnings = compute(scorecard)
    _last = (key, (results, list(warnings)))
    return results, warnings
