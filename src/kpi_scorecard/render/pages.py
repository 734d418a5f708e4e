"""Every generated page and export of the site, by source path (pure: no mkdocs, no I/O)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from kpi_scorecard.audit.asreported import Review
from kpi_scorecard.audit.history import History
from kpi_scorecard.errors import Problem
from kpi_scorecard.figures.rotation import assign_presenters, roster
from kpi_scorecard.model import Kpi, Month, Results, Scorecard, Series, month_str
from kpi_scorecard.read.retrospectives import Retrospective
from kpi_scorecard.read.schema import schema_texts
from kpi_scorecard.render.as_reported import (
    changes_additions,
    events_of_month,
    events_section,
    reported_review_page,
    review_json,
    with_notice,
)
from kpi_scorecard.render.data_page import data_page
from kpi_scorecard.render.exports import kpi_csv, periods_csv, scorecard_json, values_csv
from kpi_scorecard.render.feed import FEED_PATH, atom_feed
from kpi_scorecard.render.health import health_page
from kpi_scorecard.render.history import changes_page, history_json
from kpi_scorecard.render.html import Links
from kpi_scorecard.render.kpi_page import PageHistory, kpi_page
from kpi_scorecard.render.overview import overview_page
from kpi_scorecard.render.people import people_index, person_page
from kpi_scorecard.render.periods import (
    PeriodIndex,
    PeriodRef,
    is_full_period_pack,
    period_index,
    period_pack,
    period_summary,
    periods_index_links,
    review_periods,
)
from kpi_scorecard.render.retro import results_section, retrospectives_index
from kpi_scorecard.render.reviews import (
    is_full_pack,
    review_months,
    review_pack,
    review_row_inputs,
    review_summary,
    reviews_index,
)
from kpi_scorecard.render.segments import channels_page, segments_csv, segments_json
from kpi_scorecard.render.tree import tree_page
from kpi_scorecard.workers import process_count, run_shares, shares


@dataclass(frozen=True)
class SiteData:
    """Everything a site is rendered from, already filtered for its audience."""

    scorecard: Scorecard
    results: Results
    history: History = field(default_factory=lambda: History({}))
    retrospectives: tuple[Retrospective, ...] = ()
    quality: tuple[Problem, ...] = ()
    directory_urls: bool = True
    repo_url: str | None = None
    reviews: Mapping[Month, Review] = field(default_factory=dict)
    """What each review showed (contract 5.1), by month."""
    site_url: str | None = None


_memo: dict[str, tuple[object, str]] = {}
"""Page -> (its inputs, its text) from the last build: ``mkdocs serve`` rebuilds after an edit
render again only the pages whose inputs changed (inputs are compared, never trusted by name)."""
_remembering = False
_presenters_memo: dict[tuple[object, ...], dict[str, str]] = {}


def remember_pages(enabled: bool) -> None:
    """Keep the pages' texts for the next build (``mkdocs serve``), or not: a single build
    would only hold a second copy of every page until it ends."""
    global _remembering
    _remembering = enabled
    if not enabled:
        _memo.clear()


def _memoized(path: str, inputs_of: Callable[[], object], render: Callable[[], str]) -> str:
    """The page rendered, or as it was in the last build when its inputs are equal (only
    under ``mkdocs serve``; ``inputs_of`` is not even called otherwise)."""
    if not _remembering:
        return render()
    inputs = inputs_of()
    previous = _memo.get(path)
    if previous is not None and previous[0] == inputs:
        return previous[1]
    text = render()
    _memo[path] = (inputs, text)
    return text


def _presenters(scorecard: Scorecard, month: Month, rotation: tuple[object, ...]) -> dict[str, str]:
    """The rotation of a month, computed once for the same roster and KPIs (``rotation``: see
    ``_rotation_inputs``, computed once per build)."""
    key = (month, rotation)
    if key not in _presenters_memo:
        _presenters_memo[key] = assign_presenters(scorecard, month)
    return _presenters_memo[key]


def _rotation_inputs(scorecard: Scorecard) -> tuple[object, ...]:
    """What the rotation depends on besides the month."""
    return (
        roster(scorecard),
        tuple((k.id, k.owner, k.daci.people()) for k in scorecard.kpis.values()),
    )


Job = Callable[[], str]
"""Renders one page or export."""


def render_pages(data: SiteData, with_retrospectives_index: bool = True) -> dict[str, str]:
    """Source path -> content of every generated page and export. A single build shares the
    pages out between processes (workers.py); ``mkdocs serve`` renders them in one, where the
    pages of the last build are remembered."""
    jobs = page_jobs(data, with_retrospectives_index)
    paths = list(jobs)
    count = 1 if _remembering else process_count()  # the pages remembered live here
    rendered: dict[str, str] = {}
    parts = _dealt(paths, count)
    for part in run_shares(lambda part: {p: jobs[p]() for p in part}, parts, count):
        rendered.update(part)
    return {path: rendered[path] for path in paths}


SHARES_PER_PROCESS = 8
"""Pages come in shares of very unequal cost (history.json is a tenth of a site): with eight
shares a process, each taking the next when done, the processes finish together."""


def _dealt(paths: list[str], count: int) -> list[list[str]]:
    """The pages dealt kind by kind: every share gets its part of the KPI pages, of the CSVs,
    and so on."""
    by_kind = sorted(paths, key=lambda path: path.rpartition("/")[0] + path.rpartition(".")[2])
    return shares(by_kind, count * SHARES_PER_PROCESS if count > 1 else 1)


def page_jobs(data: SiteData, with_retrospectives_index: bool = True) -> dict[str, Job]:
    """Source path -> the job that renders it, for every generated page and export."""
    scorecard, results, history = data.scorecard, data.results, data.history
    top, nested = Links(0, data.directory_urls), Links(1, data.directory_urls)
    home, folder_index = (
        Links(0, data.directory_urls, index=True),
        Links(1, data.directory_urls, index=True),
    )
    rotation = _rotation_inputs(scorecard)
    presenters = _presenters(scorecard, results.as_of, rotation)
    # What every KPI page and review pack also shows of the rest of the scorecard.
    context = (
        scorecard.settings,
        tuple(scorecard.people.items()),
        tuple((k.id, k.name, k.supports, k.category) for k in scorecard.kpis.values()),
        data.directory_urls,
        results.as_of,
        scorecard.events,
        data.repo_url,
    )
    jobs: dict[str, Job] = {
        "index.md": lambda: overview_page(scorecard, results, home),
        "changes.md": lambda: (
            changes_page(scorecard, history, top, data.repo_url).rstrip()
            + "\n\n"
            + changes_additions(data.reviews, scorecard, top)
        ),
        "tree.md": lambda: tree_page(scorecard, results, top),
        "health.md": lambda: health_page(scorecard, list(data.quality), top),
        "people/index.md": lambda: people_index(scorecard, folder_index),
        "data/scorecard.json": lambda: scorecard_json(scorecard, results, presenters),
        "data/values.csv": lambda: _memoized(
            "data/values.csv",
            lambda: (tuple(scorecard.kpis), results.series),
            lambda: values_csv(scorecard, results),
        ),
        "data/periods.csv": lambda: _memoized(
            "data/periods.csv",
            lambda: (tuple(scorecard.kpis), results.periods),
            lambda: periods_csv(scorecard, results),
        ),
        "data/history.json": lambda: _memoized(
            "data/history.json",
            lambda: (tuple(scorecard.kpis), history),
            lambda: history_json(history, scorecard.kpis),
        ),
        "data/segments.json": lambda: segments_json(results),
        "data/segments.csv": lambda: segments_csv(results),
        "channels.md": lambda: channels_page(scorecard, results, top),
    }
    jobs.update({f"schema/{name}": _constant(text) for name, text in schema_texts().items()})
    jobs.update(
        {
            f"data/reviews/{month_str(m)}.json": partial(review_json, r)
            for m, r in data.reviews.items()
        }
    )
    for kpi_id, kpi in scorecard.kpis.items():
        jobs[f"kpis/{kpi_id}.md"] = partial(_kpi_page, data, context, kpi, nested)
        jobs[f"data/kpis/{kpi_id}.csv"] = partial(_kpi_export, kpi, results.series[kpi_id])
    jobs["data/index.md"] = lambda: data_page(scorecard, folder_index)
    for person in scorecard.people.values():
        jobs[f"people/{person.id}.md"] = partial(
            person_page, person, scorecard, results, presenters, nested
        )
    months = review_months(results)
    periods = review_periods(results)
    jobs["reviews/index.md"] = lambda: reviews_index(
        months, folder_index, *periods_index_links(periods, folder_index)
    )
    index = period_index(results)
    for period in periods:
        jobs[f"reviews/{period.name}.md"] = partial(
            _period_page, data, context, rotation, (period, index), nested
        )
    shown_kpis = _as_in_review_packs(scorecard)
    for month in months:
        jobs[f"reviews/{month_str(month)}.md"] = partial(
            _review_page, data, (context, shown_kpis), rotation, month, nested
        )
    jobs[FEED_PATH] = lambda: _feed(data, months)
    if with_retrospectives_index:
        jobs["retrospectives/index.md"] = lambda: retrospectives_index(
            list(data.retrospectives), scorecard, results, folder_index
        )
    return jobs


def _constant(text: str) -> Job:
    return lambda: text


def _kpi_export(kpi: Kpi, series: Series) -> str:
    """A KPI's CSV, written again only when its months changed."""
    return _memoized(f"data/kpis/{kpi.id}.csv", lambda: (kpi, series), lambda: kpi_csv(kpi, series))


def _kpi_page(data: SiteData, context: object, kpi: Kpi, links: Links) -> str:
    """A KPI's page, rendered again only when what it shows changed."""
    results = data.results
    page_history = PageHistory(data.history.of(kpi.id), data.history.incomplete, data.repo_url)
    inputs = (
        context,
        kpi,
        results.figures[kpi.id],
        results.series[kpi.id],
        results.segment_figures.get(kpi.id),
        results.segment_series.get(kpi.id),
        results.pacing.get(kpi.id),
        results.periods.get(kpi.id),
        page_history,
    )
    return _memoized(
        f"kpis/{kpi.id}.md",
        lambda: inputs,
        lambda: kpi_page(kpi, data.scorecard, results, links, page_history),
    )


def _as_in_review_packs(scorecard: Scorecard) -> tuple[Kpi, ...]:
    """The KPIs without their values, notes and line numbers, which review packs take month by
    month (see ``_review_page``): a new value re-renders the packs of its month, not all."""
    if not _remembering:
        return ()
    return tuple(
        dataclasses.replace(kpi, values={}, notes={}, segments={}, lines={})
        for kpi in scorecard.kpis.values()
    )


def _review_page(
    data: SiteData, context: object, rotation: tuple[object, ...], month: Month, links: Links
) -> str:
    """A month's review pack, in full or as a summary (render/reviews.py), rendered again only
    when what it shows changed."""
    scorecard, results = data.scorecard, data.results

    def shown() -> tuple[object, ...]:
        return tuple(
            (kpi.notes.get(month), review_row_inputs(results.series[kpi.id], month))
            for kpi in scorecard.kpis.values()
        )

    path = f"reviews/{month_str(month)}.md"
    review = data.reviews.get(month)
    events = events_section(
        events_of_month(scorecard.events, month), scorecard, links, "Events this month"
    )
    if not is_full_pack(month, results.as_of):
        return _memoized(
            path,
            lambda: ("summary", context, month, shown(), review),
            lambda: with_notice(
                review_summary(scorecard, results, month, links), review, events, summary=True
            ),
        )
    if review is not None and review.state == "reported" and not review.reason:
        return _memoized(
            path,
            lambda: ("reported", context, month, shown(), review),
            lambda: reported_review_page(review, scorecard, results, links, events),
        )
    presenters = _presenters(scorecard, month, rotation)
    return _memoized(
        path,
        lambda: (context, month, presenters, shown(), review),
        lambda: with_notice(
            review_pack(scorecard, results, month, presenters, links, data.repo_url), review, events
        ),
    )


def _period_page(
    data: SiteData,
    context: object,
    rotation: tuple[object, ...],
    period_and_index: tuple[PeriodRef, PeriodIndex],
    links: Links,
) -> str:
    """A quarter's or year's review pack (render/periods.py), rendered again only when what it
    shows changed."""
    scorecard, results = data.scorecard, data.results
    period, index = period_and_index
    months = range(period.first, min(period.last, results.as_of) + 1)

    # the period, the one before it and the same period a year before: what its rows show
    length = period.last - period.first + 1
    starts = [
        (period.kind, first) for first in (period.first, period.first - length, period.first - 12)
    ]

    def shown() -> tuple[object, ...]:
        return tuple(
            (
                tuple(index.get(kpi.id, {}).get(start) for start in starts),
                tuple(kpi.notes.get(m) for m in months),
            )
            for kpi in scorecard.kpis.values()
        )

    path = f"reviews/{period.name}.md"
    if not is_full_period_pack(period, results.as_of):
        return _memoized(
            path,
            lambda: ("summary", context, period, shown()),
            lambda: period_summary(scorecard, results, period, index),
        )
    # the rotations the monthly packs use already; older months have no presenter shown
    presenters = {
        m: _presenters(scorecard, m, rotation) for m in months if is_full_pack(m, results.as_of)
    }
    return _memoized(
        path,
        lambda: (context, period, presenters, shown()),
        lambda: period_pack(
            scorecard, results, period, lambda m: presenters.get(m, {}), links, index
        ),
    )


def retrospective_results(data: SiteData, slug: str) -> str | None:
    """The results section for ``site_src/retrospectives/<slug>.md``, if it is one."""
    for retro in data.retrospectives:
        if retro.slug == slug:
            links = Links(1, data.directory_urls)
            return results_section(retro, data.scorecard, data.results, links)
    return None


def _feed(data: SiteData, months: list[Month]) -> str:
    packs = {month_str(month) for month in months}
    return atom_feed(data.scorecard, data.history, packs, data.site_url, data.directory_urls)
