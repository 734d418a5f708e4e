"""``/health/``: the KPI quality warnings, so owners see what to fix."""

from __future__ import annotations

from kpi_scorecard.errors import Problem
from kpi_scorecard.model import Scorecard
from kpi_scorecard.render.blocks import not_searched
from kpi_scorecard.render.html import Links, link, table
from kpi_scorecard.render.text import escape, front_matter_title


def health_page(scorecard: Scorecard, warnings: list[Problem], links: Links) -> str:
    by_path = {kpi.path: kpi for kpi in scorecard.kpis.values()}
    rows = []
    for warning in warnings:
        kpi = by_path.get(warning.path)
        name = link(links.kpi(kpi.id), kpi.name) if kpi else escape(warning.path)
        text = warning.message + (f" ({warning.expected})" if warning.expected else "")
        rows.append([name, f"<code>{escape(warning.path)}:{warning.line}</code>", escape(text)])
    body = (
        not_searched(table(("KPI", "Where", "What to do"), rows, "kpi-health"))
        if rows
        else "<p>No warnings: every KPI has a target, a value for the reporting month, and a "
        "note wherever it is off target.</p>"
    )
    return "\n".join([front_matter_title("Scorecard health") + "# Scorecard health", "", body, ""])
