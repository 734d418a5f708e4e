"""What each review showed (contract 5.1): ``/data/reviews/<YYYY-MM>.json`` and the parts of a
review pack that say what changed since."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from babel.dates import format_date

from kpi_scorecard.audit.asreported import VALUE_KINDS, Reported, Review, Since
from kpi_scorecard.model import FIGURE_FIELDS, Event, Kpi, Month, Results, Scorecard, month_str
from kpi_scorecard.render.html import Links, link, status_badge, table
from kpi_scorecard.render.numbers import change_text, value_text
from kpi_scorecard.render.overview import pack_sections
from kpi_scorecard.render.text import escape, front_matter_title, rich
from kpi_scorecard.render.wording import Wording, month_label


def review_json(review: Review) -> str:
    """``{"month", "held", "commit", "kpis": [...], "since": [...]}``; a draft and a review
    without a record have a null commit and empty lists."""
    kpis: list[dict[str, Any]] = []
    for kpi_id, shown in review.kpis.items():
        entry: dict[str, Any] = {"id": kpi_id, "presenter": shown.presenter}
        # getattr, not asdict, which deep-copies: 120,000 KPIs' figures in ten years of reviews
        entry.update((name, getattr(shown.figures, name)) for name in FIGURE_FIELDS)
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
    # Compact, as history.json: one per month of the scorecard's life, each with every KPI.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


# -- the review pack ---------------------------------------------------------------------------

REPORTED_HEADERS = (
    "KPI",
    "Presenter",
    "Status",
    "Value",
    "Target",
    "Change on month",
    "Note",
    "Changed since",
)


def review_notice(review: Review | None, locale: str = "en", summary: bool = False) -> str:
    """The line under a pack's title: a draft, no record, or as reported on the day (a
    summary shows today's figures and says where the reported ones are)."""
    if review is None:
        return ""
    held = format_date(review.held, "d MMMM y", locale=locale)
    if review.state == "reported" and summary:
        month = month_str(review.month)
        restated = sum(
            1 for s in review.since if s.change.month == month and s.change.kind in VALUE_KINDS
        )
        text = (
            f"This summary shows today's figures. What the review of {held} showed is in "
            f"data/reviews/{month}.json; {restated} value(s) of {month} changed since."
        )
        return f'<p class="kpi-review-reported">{escape(text)}</p>'
    if review.state == "draft":
        text = f"Draft: this review is held on {held}; the figures below may still change."
        return f'<p class="kpi-review-draft">{escape(text)}</p>'
    if review.state == "no_record":
        text = (
            f"No record of this review of {held}: {review.reason}. The figures below are today's."
        )
        return f'<p class="kpi-review-no-record">{escape(text)}</p>'
    text = (
        f"As reported at the review of {held} (commit {(review.commit or '')[:7]}). "
        "Figures that changed since are marked, with the value now, who changed it, when and why."
    )
    if review.reason:
        text = f"The review of {held} showed no figures: {review.reason}."
    return f'<p class="kpi-review-reported">{escape(text)}</p>'


def reported_pack(
    review: Review,
    now: Scorecard,
    results: Results,
    presenters_names: Mapping[str, str],
    links: Links,
) -> str:
    """The tables of a pack as the review showed them, each figure that changed since marked:
    the KPIs as they were then, in today's categories' order and titles."""
    table_of = partial(_reported_table, review, now, results, presenters_names, links)
    return "\n".join(pack_sections(now, table_of, [r.kpi for r in review.kpis.values()]))


def _reported_table(
    review: Review,
    now: Scorecard,
    results: Results,
    presenters_names: Mapping[str, str],
    links: Links,
    kpis: list[Kpi],
) -> str:
    rows = [
        _reported_row(review.kpis[k.id], review, now, results, presenters_names, links)
        for k in kpis
    ]
    return table(REPORTED_HEADERS, rows, "kpi-review")


def _reported_row(
    shown: Reported,
    review: Review,
    now: Scorecard,
    results: Results,
    presenters_names: Mapping[str, str],
    links: Links,
) -> list[str]:
    kpi, figures = shown.kpi, shown.figures
    currency = now.settings.currency
    name = link(links.kpi(kpi.id), kpi.name) if kpi.id in now.kpis else escape(kpi.name)
    presenter = presenters_names.get(shown.presenter or "", "—")
    marks = restatement_marks(shown, review, now, results)
    return [
        name,
        escape(presenter),
        status_badge(figures.status),
        escape(value_text(kpi, figures.value, currency)),
        escape(value_text(kpi, figures.target, currency)),
        escape(change_text(kpi, figures.mom_change, figures.mom_pct)),
        rich(shown.note) if shown.note else "",
        "<br>".join(f'<span class="kpi-restated">{escape(m)}</span>' for m in marks),
    ]


def restatement_marks(
    shown: Reported, review: Review, now: Scorecard, results: Results
) -> list[str]:
    """What changed since the review in a KPI's value and target of the month: "now 95:
    restated by Bob Brown on 2026-02-20: duplicates removed"."""
    kpi_id, month = shown.kpi.id, review.month
    current = now.kpis.get(kpi_id)
    if current is None:
        return ["removed since the review"]
    currency = now.settings.currency
    value, target, _ = results.series[kpi_id].at(month) if kpi_id in results.series else (None,) * 3
    if kpi_id in results.series and current.target is not None:
        target = current.target.at(month)
    marks = []
    if value != shown.figures.value:
        who = next(iter(review.changed(kpi_id, month)), None)
        why = _who_when_why("restated", who) if who else _unattributed(current)
        marks.append(f"value now {value_text(current, value, currency)}: {why}")
    if target != shown.figures.target:
        who = next(
            (s for s in review.since if s.kpi == kpi_id and s.change.field == "target"), None
        )
        why = _who_when_why("changed", who) if who else "changed since"
        marks.append(f"target now {value_text(current, target, currency)}: {why}")
    return marks


def _who_when_why(verb: str, item: Since) -> str:
    return f"{verb} by {item.author or 'someone'} on {(item.date or '')[:10]}: {item.subject}"


def reported_review_page(
    review: Review,
    now: Scorecard,
    results: Results,
    links: Links,
    events: str = "",
    locale: str = "en",
) -> str:
    """A month's full pack as its review showed it."""
    title = f"Monthly review {month_label(month_str(review.month))}"
    names = {person_id: person.name for person_id, person in now.people.items()}
    return "\n".join(
        [
            front_matter_title(title, searchable=False) + f"# {title}",
            "",
            review_notice(review, locale),
            "",
            reported_pack(review, now, results, names, links),
            events,
        ]
    )


def with_notice(
    page: str, review: Review | None, events: str = "", summary: bool = False, locale: str = "en"
) -> str:
    """A pack (or summary) with the review's notice under its first heading, and the events
    of its month at the end."""
    page = f"{page.rstrip()}\n\n{events}" if events else page
    notice = review_notice(review, locale, summary)
    head, found, rest = page.partition("\n# ")
    if not notice or not found:
        return page
    heading, _, body = rest.partition("\n")
    return f"{head}\n# {heading}\n\n{notice}\n{body}"


# -- events and restatements on /changes/ and in the packs -------------------------------------


def events_section(events: Sequence[Event], now: Scorecard, links: Links, heading: str) -> str:
    """A table of events (date, what happened, the KPIs it concerns); empty without events."""
    if not events:
        return ""
    rows = [
        [escape(e.date.isoformat()), escape(e.title), _event_kpis(e, now, links)] for e in events
    ]
    return "\n".join(
        [f"## {heading}", "", table(("Date", "Event", "KPIs"), rows, "kpi-events"), ""]
    )


def _event_kpis(event: Event, now: Scorecard, links: Links) -> str:
    if event.kpis is None:
        return "all"
    named = [link(links.kpi(k), now.kpis[k].name) for k in event.kpis if k in now.kpis]
    return ", ".join(named)


def events_of_month(events: Sequence[Event], month: Month) -> list[Event]:
    text = month_str(month)
    return [e for e in events if e.date.isoformat()[:7] == text]


def restated_after_review(reviews: Mapping[Month, Review]) -> list[tuple[Review, Since]]:
    """The restatements that changed a number a review had already shown: a month's value
    changed after the review of that month, newest first, each change once."""
    found: dict[tuple[str, str, str | None], tuple[Review, Since]] = {}
    for review in reviews.values():
        if review.state != "reported":
            continue
        for kpi_id in review.kpis:
            for item in review.changed(kpi_id, review.month):
                if item.change.kind in ("restated", "removed"):
                    found.setdefault((item.commit, item.kpi, item.change.month), (review, item))
    return sorted(found.values(), key=lambda pair: (pair[1].date or "", pair[1].kpi), reverse=True)


RESTATED_ANCHOR = "restated-after-review"
"""The id the toc extension gives the heading "Restated after review"."""


def restated_section(reviews: Mapping[Month, Review], now: Scorecard, links: Links) -> str:
    """/changes/: only the restatements made after a review had shown the number."""
    rows = []
    for review, item in restated_after_review(reviews):
        kpi = now.kpis.get(item.kpi)
        if kpi is None:
            continue
        wording = Wording.of(now, item.kpi)
        rows.append(
            [
                escape((item.date or "")[:10]),
                link(links.kpi(item.kpi), kpi.name),
                escape(item.author or ""),
                escape(item.subject),
                escape("; ".join(wording.sentences(item.change))),
                link(links.page(f"reviews/{month_str(review.month)}"), month_str(review.month)),
            ]
        )
    headers = ("Date", "KPI", "Who", "Commit", "Change", "Review")
    body = (
        table(headers, rows, "kpi-history kpi-restated-after-review")
        if rows
        else "<p>No number has been restated after a review showed it.</p>"
    )
    intro = (
        "<p>Only the restatements that changed a number a review had already shown: "
        "what leadership saw differs from what the scorecard says now.</p>"
    )
    return "\n".join(["## Restated after review", "", intro, "", body, ""])


def changes_additions(reviews: Mapping[Month, Review], now: Scorecard, links: Links) -> str:
    """What /changes/ gains: a link to the restated-after-review filter, that list, the events."""
    jump = (
        f'<p class="kpi-filter">Show only: <a href="#{RESTATED_ANCHOR}">restated after review</a>'
        + (' · <a href="#events">events</a>' if now.events else "")
        + "</p>"
    )
    events = events_section(list(reversed(now.events)), now, links, "Events")
    return "\n".join([jump, "", restated_section(reviews, now, links), events])


def _unattributed(kpi: Kpi) -> str:
    """Why a value moved without a committed change of its own."""
    if kpi.formula is not None:
        return "recalculated: an input changed"
    return "changed in the working tree, not committed yet"
