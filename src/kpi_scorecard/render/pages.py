"""Every generated page and export of the site, by source path (pure: no mkdocs, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kpi_scorecard.errors import Problem
from kpi_scorecard.history import History
from kpi_scorecard.model import Results, Scorecard, month_str
from kpi_scorecard.render.exports import scorecard_json, values_csv
from kpi_scorecard.render.health import health_page
from kpi_scorecard.render.history import changes_page, history_json
from kpi_scorecard.render.html import Links
from kpi_scorecard.render.kpi_page import PageHistory, kpi_page
from kpi_scorecard.render.overview import overview_page
from kpi_scorecard.render.people import people_index, person_page
from kpi_scorecard.render.retro import results_section, retrospectives_index
from kpi_scorecard.render.reviews import review_months, review_pack, reviews_index
from kpi_scorecard.render.segments import channels_page, segments_csv, segments_json
from kpi_scorecard.render.tree import tree_page
from kpi_scorecard.retro import Retrospective
from kpi_scorecard.review import assign_presenters
from kpi_scorecard.schema import schema_texts


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


def render_pages(data: SiteData, with_retrospectives_index: bool = True) -> dict[str, str]:
    """Source path -> content of every generated page and export."""
    scorecard, results, history = data.scorecard, data.results, data.history
    top, nested = Links(0, data.directory_urls), Links(1, data.directory_urls)
    folder_index = Links(1, data.directory_urls, index=True)
    presenters = assign_presenters(scorecard, results.as_of)
    pages = {
        "index.md": overview_page(scorecard, results, top),
        "changes.md": changes_page(scorecard, history, top, data.repo_url),
        "tree.md": tree_page(scorecard, results, top),
        "health.md": health_page(scorecard, list(data.quality), top),
        "people/index.md": people_index(scorecard, folder_index),
        "data/scorecard.json": scorecard_json(scorecard, results, presenters),
        "data/values.csv": values_csv(scorecard, results),
        "data/history.json": history_json(history, scorecard.kpis),
        "data/segments.json": segments_json(results),
        "data/segments.csv": segments_csv(results),
        "channels.md": channels_page(scorecard, results, top),
    }
    pages.update({f"schema/{name}": text for name, text in schema_texts().items()})
    for kpi_id, kpi in scorecard.kpis.items():
        page_history = PageHistory(history.of(kpi_id), history.incomplete, data.repo_url)
        pages[f"kpis/{kpi_id}.md"] = kpi_page(kpi, scorecard, results, nested, page_history)
    for person in scorecard.people.values():
        pages[f"people/{person.id}.md"] = person_page(
            person, scorecard, results, presenters, nested
        )
    months = review_months(results)
    pages["reviews/index.md"] = reviews_index(months, folder_index)
    for month in months:
        month_presenters = (
            presenters if month == results.as_of else assign_presenters(scorecard, month)
        )
        pages[f"reviews/{month_str(month)}.md"] = review_pack(
            scorecard, results, month, month_presenters, nested
        )
    if with_retrospectives_index:
        pages["retrospectives/index.md"] = retrospectives_index(
            list(data.retrospectives), scorecard, results, folder_index
        )
    return pages


def retrospective_results(data: SiteData, slug: str) -> str | None:
    """The results section for ``site_src/retrospectives/<slug>.md``, if it is one."""
    for retro in data.retrospectives:
        if retro.slug == slug:
            links = Links(1, data.directory_urls)
            return results_section(retro, data.scorecard, data.results, links)
    return None
