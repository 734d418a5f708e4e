"""What the build adds to a retrospective page, and the retrospectives index."""

from __future__ import annotations

from kpi_scorecard.figures.retrospectives import (
    KpiResult,
    overall_outcome,
    readouts_due,
    results_of,
    stage,
)
from kpi_scorecard.model import Month, Results, Scorecard, month_str
from kpi_scorecard.read.retrospectives import Retrospective
from kpi_scorecard.render.chart import chart, chart_json
from kpi_scorecard.render.html import Links, json_attribute, link, table
from kpi_scorecard.render.numbers import value_text
from kpi_scorecard.render.text import escape, front_matter_title, inline, rich
from kpi_scorecard.render.wording import month_label

CONTEXT_MONTHS = 3
"""Months shown on each side of the initiative's window."""
OUTCOME_LABELS = {
    "hit": "✔ hit",
    "missed": "✖ missed",
    "pending": "… pending",
    "no target": "○ no target",
}
HEADERS = (
    "KPI",
    "Before",
    "At 30 days",
    "At 60 days",
    "At 90 days",
    "At the end",
    "Target",
    "Outcome",
)


def results_section(
    retro: Retrospective, scorecard: Scorecard, results: Results, links: Links
) -> str:
    """Markdown appended to the team's page: the results table and a chart per KPI."""
    kpi_results = results_of(retro, scorecard, results)
    rows = [_row(r, scorecard, links) for r in kpi_results]
    parts = [
        *plan_section(retro, scorecard, results.as_of),
        "## Results",
        "",
        f'<p class="kpi-retro-summary">{escape(window_text(retro))}: '
        f"{_outcome(overall_outcome(kpi_results))}</p>",
        "",
        table(HEADERS, rows, "kpi-retro"),
        "",
    ]
    for result in kpi_results:
        kpi = scorecard.kpis[result.kpi_id]
        parts += [
            f"### {inline(kpi.name)}",
            "",
            _window_chart(retro, result, scorecard, results),
            "",
        ]
    return "\n".join(parts)


def _outcome(outcome: str) -> str:
    return f'<span class="kpi-outcome kpi-outcome--{outcome.replace(" ", "_")}">{OUTCOME_LABELS[outcome]}</span>'


def _row(result: KpiResult, scorecard: Scorecard, links: Links) -> list[str]:
    kpi = scorecard.kpis[result.kpi_id]
    currency = scorecard.settings.currency

    def shown(value: float | None) -> str:
        return escape(value_text(kpi, value, currency))

    return [
        link(links.kpi(kpi.id), kpi.name),
        shown(result.before),
        shown(result.at_30),
        shown(result.at_60),
        shown(result.at_90),
        shown(result.at_end),
        shown(result.target),
        _outcome(result.outcome),
    ]


def _window_chart(
    retro: Retrospective, result: KpiResult, scorecard: Scorecard, results: Results
) -> str:
    kpi = scorecard.kpis[result.kpi_id]
    series = results.series[kpi.id]
    first, last = retro.start - CONTEXT_MONTHS, retro.end + CONTEXT_MONTHS
    keep = [i for i, m in enumerate(series.months) if first <= m <= last]
    window = type(series)(
        months=tuple(series.months[i] for i in keep),
        values=tuple(series.values[i] for i in keep),
        targets=tuple(series.targets[i] for i in keep),
        statuses=tuple(series.statuses[i] for i in keep),
        rolling_3=tuple(series.rolling_3[i] for i in keep),
    )
    tolerance = scorecard.settings.tolerance if kpi.tolerance is None else kpi.tolerance
    figure = chart(kpi, window, scorecard.settings.currency, tolerance=tolerance)
    figure["layout"]["shapes"] = [_shade(retro.start, retro.end)]
    if result.target is not None and window.months:
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Initiative target",
                "meta": "target",
                "x": [month_str(retro.start), month_str(retro.end)],
                "y": [result.target, result.target],
                "line": {"dash": "longdash", "width": 2},
                "hoverinfo": "skip",
            }
        )
    label = f"{kpi.name} from {month_label(month_str(first))} to {month_label(month_str(last))}, initiative shaded"
    return (
        f"<div class=\"kpi-chart kpi-chart--small\" data-chart='{json_attribute(chart_json(figure))}' "
        f'role="img" aria-label="{escape(label)}"></div>'
    )


def _shade(start: Month, end: Month) -> dict[str, object]:
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": f"{month_str(start)}-01",
        "x1": f"{month_str(end + 1)}-01",
        "y0": 0,
        "y1": 1,
        "fillcolor": "rgba(128, 128, 128, 0.18)",
        "line": {"width": 0},
        "layer": "below",
    }


def retrospectives_index(
    retros: list[Retrospective], scorecard: Scorecard, results: Results, links: Links
) -> str:
    rows = [
        [
            link(links.page(f"retrospectives/{r.slug}"), r.title),
            escape(window_text(r)),
            escape(", ".join(scorecard.kpis[k].name for k, _ in r.primary if k in scorecard.kpis)),
            _outcome(overall_outcome(results_of(r, scorecard, results))),
        ]
        for r in sorted(retros, key=lambda r: (r.end, r.slug), reverse=True)
    ]
    body = (
        table(("Initiative", "Window", "Primary KPIs", "Outcome"), rows, "kpi-retro")
        if rows
        else "<p>No retrospectives yet: write one as site_src/retrospectives/&lt;slug&gt;.md "
        "(see How to edit a KPI).</p>"
    )
    return "\n".join([front_matter_title("Retrospectives") + "# Retrospectives", "", body, ""])


def window_text(retro: Retrospective) -> str:
    return f"{month_label(month_str(retro.start))} to {month_label(month_str(retro.end))}"


STAGES = ("planned", "approved", "running", "done")


def plan_section(retro: Retrospective, scorecard: Scorecard, as_of: Month) -> list[str]:
    """The initiative's stage (planned, approved, running with the readouts due so far, done)
    and its plan as the front matter gives it: contributors' text, escaped or sanitised."""
    current = stage(retro, as_of)
    steps = "".join(
        f'<li aria-current="step"><strong>{name}</strong></li>'
        if name == current
        else f"<li>{name}</li>"
        for name in STAGES
    )
    parts = ["## Plan and stage", "", f'<ol class="kpi-stages">{steps}</ol>', ""]
    plan = retro.plan
    facts = []
    if plan.approved is not None:
        person = scorecard.people.get(plan.approved.by)
        who = person.name if person else plan.approved.by
        facts.append(f"<dt>Approved</dt><dd>by {escape(who)} on {escape(plan.approved.on)}</dd>")
    else:
        facts.append("<dt>Approved</dt><dd>not signed off yet</dd>")
    if plan.objective:
        facts.append(f"<dt>Objective</dt><dd>{rich(plan.objective)}</dd>")
    if plan.context:
        facts.append(f"<dt>Context</dt><dd>{rich(plan.context)}</dd>")
    for title, items in (("Out of scope", plan.out_of_scope), ("Risks", plan.risks)):
        if items:
            listed = "".join(f"<li>{escape(item)}</li>" for item in items)
            facts.append(f"<dt>{title}</dt><dd><ul>{listed}</ul></dd>")
    due = readouts_due(retro, as_of)
    if due and current in ("running", "done"):
        listed = ", ".join(f"{name} ({month_label(month_str(month))})" for name, month in due)
        facts.append(f"<dt>Readouts due so far</dt><dd>{escape(listed)}</dd>")
    parts += [f'<dl class="kpi-plan">{"".join(facts)}</dl>', ""]
    return parts
