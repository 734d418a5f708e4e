"""``/reviews/`` and ``/reviews/<YYYY-MM>/``: the pack for each monthly review meeting.

Someone who does not own a KPI presents it (contract 3.4). A pack shows each KPI at its month:
value, target, status, change on the month, the note and the presenter; it prints on A4 (see
the print rules of kpi.css). Packs are lean on purpose: there is one per month of history, and
packs older than ``FULL_PACK_MONTHS`` are summaries (status counts per category and the notes),
since ten years of full packs would be most of the site.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import partial

from kpi_scorecard.figures.numbers import as_float
from kpi_scorecard.model import Kpi, Month, Results, Scorecard, Series, Status, month_str
from kpi_scorecard.render.ask import ask_link
from kpi_scorecard.render.html import Links, link, status_badge, table
from kpi_scorecard.render.numbers import STATUS_LABELS, change_text, value_text
from kpi_scorecard.render.overview import categories_in_order, pack_sections
from kpi_scorecard.render.text import escape, front_matter_title, rich
from kpi_scorecard.render.wording import month_label

FULL_PACK_MONTHS = 24
"""Packs of the reporting month and the 23 before it are in full; older ones are summaries."""
HEADERS = (
    "KPI",
    "Presenter",
    "Status",
    "Value",
    "Target",
    "Change on month",
    "Note",
)


def review_row_inputs(series: Series, month: Month) -> tuple[object, ...]:
    """What a KPI's row of a pack shows of its series: a pack is rendered again only when these
    change for some KPI."""
    return (series.at(month), series.at(month - 1)[0])


def review_months(results: Results) -> list[Month]:
    """Every month from the first reported one up to the reporting month, newest first."""
    firsts = [s.months[0] for s in results.series.values() if s.months]
    first = min(firsts, default=results.as_of)
    return list(range(results.as_of, min(first, results.as_of) - 1, -1))


def is_full_pack(month: Month, as_of: Month) -> bool:
    return as_of - month < FULL_PACK_MONTHS


def review_pack(
    scorecard: Scorecard,
    results: Results,
    month: Month,
    presenters: Mapping[str, str],
    links: Links,
    repo_url: str | None = None,
) -> str:
    title = f"Monthly review {month_label(month_str(month))}"
    parts = [
        # The packs repeat the KPI pages month by month: search finds the KPI pages instead.
        front_matter_title(title, searchable=False) + f"# {title}",
        "",
        "<p>Each KPI is presented by someone who does not own it. Presenter: explain the number, "
        "the story behind it, and what happens next.</p>",
        "",
    ]
    table_of = partial(_pack_table, scorecard, results, month, presenters, links, repo_url)
    return "\n".join(parts + pack_sections(scorecard, table_of))


def _pack_table(
    scorecard: Scorecard,
    results: Results,
    month: Month,
    presenters: Mapping[str, str],
    links: Links,
    repo_url: str | None,
    kpis: list[Kpi],
) -> str:
    rows = [
        _with_ask_link(
            _row(k, scorecard, results, month, presenters, links),
            k,
            scorecard,
            results,
            month,
            repo_url,
        )
        for k in kpis
    ]
    return table(HEADERS, rows, "kpi-review")


def _row(
    kpi: Kpi,
    scorecard: Scorecard,
    results: Results,
    month: Month,
    presenters: Mapping[str, str],
    links: Links,
) -> list[str]:
    value, _, status = results.series[kpi.id].at(month)
    # The target that holds, also in months before the KPI's first value or after its last.
    target = kpi.target.at(month) if kpi.target else None
    change, pct = _change_on_month(kpi, results, month)
    presenter = _presenter(kpi, scorecard, presenters.get(kpi.id), links)
    note = kpi.notes.get(month)
    currency = scorecard.settings.currency
    return [
        link(links.kpi(kpi.id), kpi.name),
        presenter,
        status_badge(status),
        escape(value_text(kpi, value, currency)),
        escape(value_text(kpi, target, currency)),
        escape(change_text(kpi, change, pct, currency)),
        rich(note) if note else "",
    ]


def _with_ask_link(
    row: list[str],
    kpi: Kpi,
    scorecard: Scorecard,
    results: Results,
    month: Month,
    repo_url: str | None,
) -> list[str]:
    """The KPI's cell gets "Ask about this number" (issue 17) when the site has a repository."""
    ask = ask_link(kpi, scorecard, month, results.series[kpi.id].at(month)[0], repo_url)
    return [f"{row[0]}<br>{ask}", *row[1:]] if ask else row


def _presenter(kpi: Kpi, scorecard: Scorecard, presenter_id: str | None, links: Links) -> str:
    """The presenter, and why when it is someone close to the KPI (3.4 allows it only when
    nobody else on the roster is left)."""
    person = scorecard.people.get(presenter_id or "")
    if person is None:
        return "—"
    cell = link(links.page(f"people/{person.id}"), person.name)
    if person.id == kpi.owner:
        why = "the owner: nobody else on the roster may present"
    elif person.id in kpi.daci.people():
        why = "in its DACI: nobody outside it is on the roster"
    else:
        return cell
    return f'{cell} <span class="kpi-presenter-why">({escape(why)})</span>'


def _change_on_month(kpi: Kpi, results: Results, month: Month) -> tuple[float | None, float | None]:
    """The change on the month and its ratio to the month before, from the exact values."""
    value, previous = results.exact_value(kpi.id, month), results.exact_value(kpi.id, month - 1)
    if value is None or previous is None:
        return None, None
    change = value - previous
    return _in_range(change), (_in_range(change / abs(previous)) if previous else None)


def _in_range(number: Fraction) -> float | None:
    """A change beyond a float's range is left empty, as on the KPI page."""
    nearest = as_float(number)
    return nearest if nearest is not None and math.isfinite(nearest) else None


def review_summary(scorecard: Scorecard, results: Results, month: Month, links: Links) -> str:
    """An older month's pack: how many KPIs had each status, per category, and the KPIs that
    had a note then, with the note and a link to the KPI's page (which has every month)."""
    title = f"Monthly review {month_label(month_str(month))}"
    statuses: tuple[Status, ...] = tuple(STATUS_LABELS)
    rows, notes = [], []
    for category, category_title in categories_in_order(scorecard):
        kpis = sorted(
            (k for k in scorecard.kpis.values() if k.category == category),
            key=lambda k: k.name.casefold(),
        )
        counts = [results.series[k.id].at(month)[2] for k in kpis]
        rows.append([escape(category_title), *(str(counts.count(s)) for s in statuses)])
        notes += [(k, k.notes[month]) for k in kpis if month in k.notes]
    headers = ("Category", *(escape(STATUS_LABELS[s][1].capitalize()) for s in statuses))
    noted = "".join(
        f"<dt>{link(links.kpi(kpi.id), kpi.name)}</dt><dd>{rich(note)}</dd>" for kpi, note in notes
    )
    return "\n".join(
        [
            front_matter_title(title, searchable=False) + f"# {title}",
            "",
            f"<p>A summary of an older review: packs of the last {FULL_PACK_MONTHS} months list "
            "every KPI; each KPI's page has all its months.</p>",
            "",
            "## Status by category",
            "",
            table(headers, rows, "kpi-review-summary"),
            "",
            "## Notes",
            "",
            f'<dl class="kpi-review-notes">{noted}</dl>'
            if notes
            else "<p>No notes this month.</p>",
            "",
        ]
    )


def reviews_index(
    months: list[Month], links: Links, quarters: Sequence[str] = (), years: Sequence[str] = ()
) -> str:
    """The reviews: the latest of each kind first, then every month, quarter and year (the
    links of ``periods_index_links``), so that a quarterly review is not found only after
    years of months."""
    by_month = [
        link(links.page(f"reviews/{month_str(m)}"), f"Review {month_label(month_str(m))}")
        for m in months
    ]
    sections = [
        (title, linked)
        for title, linked in (("Months", by_month), ("Quarters", quarters), ("Years", years))
        if linked
    ]
    intro = (
        "<p>A pack for each monthly review, and for each fiscal quarter and year (business "
        "reviews): the figures, the notes and who presents what, newest first.</p>"
    )
    lines = [front_matter_title("Reviews") + "# Reviews", "", intro, ""]
    if len(sections) > 1:
        latest = ", ".join(linked[0] for _, linked in sections)
        anchors = [f'<a href="#{title.lower()}">{title.lower()}</a>' for title, _ in sections]
        every = f"{', '.join(anchors[:-1])} and {anchors[-1]}"
        lines += [f"<p>Latest: {latest}. Below, all the {every}.</p>", ""]
    for title, linked in sections:
        items = "".join(f"<li>{item}</li>" for item in linked)
        lines += [f"## {title}", "", f"<ul>{items}</ul>", ""]
    return "\n".join(lines)
