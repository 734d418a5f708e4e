"""``kpi readout``: the scorecard of a month read, computed, filtered for an audience and
summed up (render/readout.py says it; mail.py sends it)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kpi_scorecard.audit.history import read_history
from kpi_scorecard.errors import ScorecardError, quote
from kpi_scorecard.figures.compute import compute
from kpi_scorecard.model import Month, Scorecard, parse_month
from kpi_scorecard.render.audience import for_audience
from kpi_scorecard.render.initiative import InitiativeMessage, initiative_message
from kpi_scorecard.render.readout import Readout, build_readout
from kpi_scorecard.repository import load_repository


def parse_readout_month(text: str | None) -> Month | None:
    if text is None:
        return None
    month = parse_month(text)
    if month is None:
        raise ScorecardError(f"month {quote(text)} is not a month (expected YYYY-MM)")
    return month


def last_review_day(scorecard: Scorecard, month: Month) -> str:
    """The day the review of the month before was held (contract 5.1: ``review.held``, else
    ``review.day``): a restatement committed on or after it is news to this readout's readers."""
    return scorecard.settings.review_date(month - 1).isoformat()


def readout_of(
    root: Path, month: Month | None, audience: str | None, site_url: str | None
) -> Readout:
    """The readout of ``month`` (default: the scorecard's reporting month)."""
    repository = load_repository(root)
    scorecard, results = repository.scorecard, repository.results
    if month is not None and month != results.as_of:
        settings = dataclasses.replace(scorecard.settings, as_of=month)
        scorecard = dataclasses.replace(scorecard, settings=settings)
        results, _ = compute(scorecard)
    history = read_history(root, {kpi.path: kpi.id for kpi in scorecard.kpis.values()})
    scorecard, results, history = for_audience(audience, scorecard, results, history)
    return build_readout(
        scorecard, results, history, last_review_day(scorecard, results.as_of), site_url
    )


def initiative_message_of(
    root: Path, slug: str, month: Month | None, site_url: str | None
) -> InitiativeMessage:
    """The message of initiative ``slug`` due at ``month`` (default: the reporting month)."""
    repository = load_repository(root)
    retro = next((r for r in repository.retrospectives if r.slug == slug), None)
    if retro is None:
        known = ", ".join(r.slug for r in repository.retrospectives) or "none"
        raise ScorecardError(
            f"no initiative {quote(slug)} in site_src/retrospectives/ (known: {known})"
        )
    scorecard, results = repository.scorecard, repository.results
    if month is not None and month != results.as_of:
        settings = dataclasses.replace(scorecard.settings, as_of=month)
        scorecard = dataclasses.replace(scorecard, settings=settings)
        results, _ = compute(scorecard)
    return initiative_message(retro, scorecard, results, site_url)
