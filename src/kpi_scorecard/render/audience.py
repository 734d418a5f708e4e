"""Publishing to one audience: a business build holds only KPIs whose ``audience`` includes
``business``. Everything is computed on the whole scorecard first (a business KPI may be
calculated from internal ones); then the others are removed from the model, the figures and
the history, and their ids are masked where a kept KPI's definition names them, so that no page,
search index entry or export mentions them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from kpi_scorecard.audit.asreported import Review
from kpi_scorecard.audit.history import Entry, History
from kpi_scorecard.model import Kpi, Month, Results, Scorecard

AUDIENCE_VARIABLE = "KPI_AUDIENCE"
"""The environment variable that selects the audience (overrides mkdocs.yml extra.kpi_audience)."""
MASK = "internal KPI"
_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9_]*\b")


def for_audience(
    audience: str | None, scorecard: Scorecard, results: Results, history: History
) -> tuple[Scorecard, Results, History]:
    if not audience:
        return scorecard, results, history
    kept = {k for k, kpi in scorecard.kpis.items() if audience in kpi.audience}
    hidden = set(scorecard.kpis) - kept

    def mask(text: str) -> str:
        return _IDENTIFIER.sub(lambda m: MASK if m.group(0) in hidden else m.group(0), text)

    kpis = {k: _masked_kpi(scorecard.kpis[k], hidden, mask) for k in scorecard.kpis if k in kept}
    filtered = dataclasses.replace(scorecard, kpis=kpis)
    kept_results = dataclasses.replace(
        results,
        figures={k: v for k, v in results.figures.items() if k in kept},
        series={k: v for k, v in results.series.items() if k in kept},
        segment_figures={k: v for k, v in results.segment_figures.items() if k in kept},
        segment_series={k: v for k, v in results.segment_series.items() if k in kept},
        pacing={k: v for k, v in results.pacing.items() if k in kept},
        periods={k: v for k, v in results.periods.items() if k in kept},
    )
    entries = {
        k: tuple(_masked_entry(e, mask) for e in v) for k, v in history.entries.items() if k in kept
    }
    return filtered, kept_results, dataclasses.replace(history, entries=entries)


def reviews_for_audience(
    audience: str | None, reviews: Mapping[Month, Review], kept: Scorecard
) -> dict[Month, Review]:
    """The reviews with the KPIs of one audience: those shown then whose ``audience`` included
    it, and the changes since to the KPIs kept now (formulas masked as in the history)."""
    if not audience:
        return dict(reviews)
    hidden = {kpi_id for review in reviews.values() for kpi_id in review.kpis} - set(kept.kpis)

    def mask(text: str) -> str:
        return _IDENTIFIER.sub(lambda m: MASK if m.group(0) in hidden else m.group(0), text)

    filtered = {}
    for month, review in reviews.items():
        shown = {k: v for k, v in review.kpis.items() if audience in v.kpi.audience}
        since = tuple(
            dataclasses.replace(
                item,
                change=item.change._replace(
                    old=_mask_value(item.change.old, mask),
                    new=_mask_value(item.change.new, mask),
                ),
            )
            for item in review.since
            if item.kpi in kept.kpis
        )
        filtered[month] = dataclasses.replace(review, kpis=shown, since=since)
    return filtered


def _masked_kpi(kpi: Kpi, hidden: set[str], mask: Callable[[str], str]) -> Kpi:
    supports = None if kpi.supports in hidden else kpi.supports
    formula = None if kpi.formula is None else mask(kpi.formula)
    return dataclasses.replace(kpi, supports=supports, formula=formula)


def _masked_entry(entry: Entry, mask: Callable[[str], str]) -> Entry:
    changes = tuple(
        change._replace(old=_mask_value(change.old, mask), new=_mask_value(change.new, mask))
        if change.field in ("formula", "supports")
        else change
        for change in entry.changes
    )
    return dataclasses.replace(entry, changes=changes)


def _mask_value(value: Any, mask: Callable[[str], str]) -> Any:
    return mask(value) if isinstance(value, str) else value
