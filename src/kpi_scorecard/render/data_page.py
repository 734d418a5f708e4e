"""``/data/``: the exports, for analysts and spreadsheets."""

from __future__ import annotations

from kpi_scorecard.model import Scorecard
from kpi_scorecard.render.blocks import not_searched
from kpi_scorecard.render.html import Links, link, table
from kpi_scorecard.render.text import escape, front_matter_title

EXPORTS = (
    ("scorecard.json", "every KPI's figures at the reporting month, with its presenter"),
    ("values.csv", "kpi, month, value, target, status: one row per KPI and month"),
    ("history.json", "every change to every KPI, from git, newest first"),
    ("segments.json", "the figures of each segment (channel) of the KPIs split by segment"),
    ("segments.csv", "kpi, segment, month, value, target, status"),
)


def data_page(scorecard: Scorecard, links: Links) -> str:
    """Markdown of /data/: each export with what it holds, and each KPI's own CSV."""
    exports = [
        [link(links.asset(f"data/{name}"), name), escape(description)]
        for name, description in EXPORTS
    ]
    kpis = sorted(scorecard.kpis.values(), key=lambda k: k.name.casefold())
    per_kpi = [
        [link(links.kpi(k.id), k.name), link(links.asset(f"data/kpis/{k.id}.csv"), f"{k.id}.csv")]
        for k in kpis
    ]
    return "\n".join(
        [
            front_matter_title("Data") + "# Data",
            "",
            "<p>The scorecard's figures as files, for spreadsheets and notebooks. They are built "
            "with the site, from the same data.</p>",
            "",
            not_searched(table(("File", "What it holds"), exports, "kpi-data")),
            "",
            "## Each KPI",
            "",
            "<p>month, value, target, status and note of one KPI.</p>",
            "",
            not_searched(table(("KPI", "File"), per_kpi, "kpi-data")),
            "",
        ]
    )
