"""Retrospectives' results (contract section 6): each KPI before the start, at 30, 60 and 90
days and at the end, against the target the initiative set.

Monthly values stand for whole months, so "at 30 days" is the start month, 60 the month after,
90 the one after that. Only what exists is shown: no month after the reporting month, and no
readout after the initiative's end. Hit or missed is decided on the decimals as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi_scorecard.model import Kpi, Month, Results, Scorecard, exact
from kpi_scorecard.read.retrospectives import Retrospective


@dataclass(frozen=True)
class KpiResult:
    kpi_id: str
    before: float | None
    at_30: float | None
    at_60: float | None
    at_90: float | None
    at_end: float | None
    target: float | None
    outcome: str
    """hit | missed | pending (the window is not over or the end is not reported) | no target"""


def results_of(retro: Retrospective, scorecard: Scorecard, results: Results) -> list[KpiResult]:
    targets = dict(retro.primary)
    ids = [kpi_id for kpi_id, _ in retro.primary] + [k for k in retro.secondary if k not in targets]
    return [
        _result(scorecard.kpis[kpi_id], retro, results, targets.get(kpi_id))
        for kpi_id in ids
        if kpi_id in scorecard.kpis
    ]


def _result(kpi: Kpi, retro: Retrospective, results: Results, target: float | None) -> KpiResult:
    series = results.series[kpi.id]

    def value(month: Month) -> float | None:
        if month > results.as_of or month > retro.end:
            return None  # not reported yet, or after the initiative
        return series.at(month)[0]

    return KpiResult(
        kpi.id,
        value(retro.start - 1),
        value(retro.start),
        value(retro.start + 1),
        value(retro.start + 2),
        value(retro.end),
        target,
        _outcome(kpi, retro, results, target),
    )


def _outcome(kpi: Kpi, retro: Retrospective, results: Results, target: float | None) -> str:
    if target is None:
        return "no target"
    end_value = results.exact_value(kpi.id, retro.end)
    if retro.end > results.as_of or end_value is None:
        return "pending"
    goal = exact(target)
    return (
        "hit" if (end_value >= goal if kpi.better == "higher" else end_value <= goal) else "missed"
    )


def overall_outcome(kpi_results: list[KpiResult]) -> str:
    """hit when every primary KPI hit, missed when any missed, else pending."""
    outcomes = [r.outcome for r in kpi_results if r.outcome != "no target"]
    if "missed" in outcomes:
        return "missed"
    if outcomes and all(o == "hit" for o in outcomes):
        return "hit"
    return "pending" if outcomes else "no target"


# -- the initiative from plan to end (contract 6) ---------------------------------------------

READOUT_NAMES = ("30-day readout", "60-day readout", "90-day readout")
"""The readouts at 30, 60 and 90 days: the start month and the two after (see above)."""


def stage(retro: Retrospective, as_of: Month) -> str:
    """``planned`` (not signed off yet), ``approved`` (signed off, not started), ``running``
    (the reporting month is inside the window) or ``done`` (after the end)."""
    if as_of > retro.end:
        return "done"
    if as_of >= retro.start:
        return "running"
    return "approved" if retro.plan.approved else "planned"


def readouts(retro: Retrospective) -> list[tuple[str, Month]]:
    """Every readout of the initiative and its month: 30, 60 and 90 days while the window
    lasts, then the end."""
    within = [
        (name, retro.start + offset)
        for offset, name in enumerate(READOUT_NAMES)
        if retro.start + offset < retro.end
    ]
    return [*within, ("end summary", retro.end)]


def readouts_due(retro: Retrospective, as_of: Month) -> list[tuple[str, Month]]:
    """The readouts whose month has been reached."""
    return [(name, month) for name, month in readouts(retro) if month <= as_of]
