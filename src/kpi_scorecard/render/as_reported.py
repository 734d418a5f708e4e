"""What each review showed (contract 5.1): ``/data/reviews/<YYYY-MM>.json`` and the parts of a
review pack that say what changed since."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from kpi_scorecard.audit.asreported import Review
from kpi_scorecard.model import FIGURE_FIELDS, month_str


def review_json(review: Review) -> str:
    """``{"month", "held", "commit", "kpis": [...], "since": [...]}``; a draft and a review
    without a record have a null commit and empty lists."""
    kpis: list[dict[str, Any]] = []
    for kpi_id, shown in review.kpis.items():
        figures = asdict(shown.figures)
        entry: dict[str, Any] = {"id": kpi_id, "presenter": shown.presenter}
        entry.update((name, figures[name]) for name in FIGURE_FIELDS)
        kpis.append(entry)
    since = [
        {
            "kpi": item.kpi,
            "field": item.change.field,
            "month": item.change.month,
            "old": item.change.old,
            "new": item.change.new,
            "kind": item.change.kind,
            "commit": item.commit,
            "date": item.date,
            "author": item.author,
            "subject": item.subject,
        }
        for item in review.since
    ]
    document = {
        "month": month_str(review.month),
        "held": review.held.isoformat(),
        "commit": review.commit,
        "kpis": kpis,
        "since": since,
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
