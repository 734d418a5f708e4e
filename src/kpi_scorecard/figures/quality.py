"""KPI quality warnings: what makes a scorecard less useful, though nothing is invalid.

Shown by ``kpi validate`` and on the Scorecard health page; they do not go to the build log, so
``mkdocs build --strict`` stays about real problems.
"""

from __future__ import annotations

from kpi_scorecard.errors import Problem
from kpi_scorecard.model import Results, Scorecard, month_str


def quality_warnings(scorecard: Scorecard, results: Results) -> list[Problem]:
    """Every quality warning, in file order."""
    month = month_str(results.as_of)
    warnings = []

    def warn(path: str, line: int, message: str, expected: str | None = None) -> None:
        warnings.append(Problem(path, line, message, expected, "warning"))

    for kpi in scorecard.kpis.values():
        figures = results.figures[kpi.id]
        if kpi.target is None:
            warn(
                kpi.path,
                1,
                "no target: the status cannot say whether the KPI is on track",
                "add target:",
            )
        if figures.status in ("red", "amber") and results.as_of not in kpi.notes:
            warn(
                kpi.path,
                kpi.line_of("notes") if "notes" in kpi.lines else kpi.line_of("values"),
                f"status {figures.status} in {month} without a note saying why",
                f"add notes: {month}: ...",
            )
        if figures.status == "missing" and kpi.formula is None:
            owner = scorecard.people.get(kpi.owner)
            who = owner.name if owner else kpi.owner
            warn(
                kpi.path,
                kpi.line_of("values"),
                f"overdue: no value for {month} (owner: {who})",
                f"add values: {month}: ...",
            )
        if kpi.daci.approver is not None and kpi.daci.approver == kpi.owner:
            warn(
                kpi.path,
                kpi.line_of("daci"),
                f"{kpi.owner} both owns and approves this KPI",
                "an approver other than the owner",
            )
    return sorted(warnings)
