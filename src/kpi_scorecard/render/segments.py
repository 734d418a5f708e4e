"""Segments (channels, regions): a KPI page's breakdown, the channels page, and the exports.

The channels page ranks each segment by how far it beats or misses its targets across KPIs,
so that the "grow, improve or review" decision is on one screen. A segment's score is the mean
of its KPIs' gaps to target (``gap_pct``), counted positive when the KPI moves the better way.
"""

from __future__ import annotations

import json
from fractions import Fraction

from kpi_scorecard.model import Figures, Kpi, Results, Scorecard, Series, exact, month_str
from kpi_scorecard.render.blocks import not_searched
from kpi_scorecard.render.chart import (
    SEGMENT_COLOURS,
    Figure,
    base_layout,
    chart_json,
    line_trace,
    value_axis,
)
from kpi_scorecard.render.exports import csv_text, series_rows
from kpi_scorecard.render.html import Links, json_attribute, link, status_badge, table
from kpi_scorecard.render.numbers import change_text, percent_text, value_text
from kpi_scorecard.render.text import escape, front_matter_title, inline
from kpi_scorecard.render.wording import month_label

GROW, IMPROVE = 0.0, -0.10
"""Score thresholds: at or above GROW a segment beats its targets; down to IMPROVE it is close."""
SEGMENT_HEADERS = ("Segment", "Status", "Value", "Target", "Gap", "Change on month", "Trend")


def segments_section(kpi: Kpi, results: Results, currency: str | None) -> str:
    """The KPI page's breakdown: a chart of every segment and a table of their figures."""
    figures = results.segment_figures.get(kpi.id, {})
    if not figures:
        return ""
    rows = [
        [
            escape(segment),
            status_badge(f.status),
            escape(value_text(kpi, f.value, currency)),
            escape(value_text(kpi, f.target, currency)),
            escape(percent_text(f.gap_pct)),
            escape(change_text(kpi, f.mom_change, f.mom_pct, currency)),
            escape(f.trend),
        ]
        for segment, f in figures.items()
    ]
    label = f"{kpi.name} by segment, month by month"
    chart_html = (
        f"<div class=\"kpi-chart\" data-chart='{json_attribute(chart_json(segment_chart(kpi, results, currency)))}' "
        f'role="img" aria-label="{escape(label)}"></div>'
    )
    segment_table = table(SEGMENT_HEADERS, rows, "kpi-segments")
    return "\n".join([not_searched(chart_html), "", not_searched(segment_table), ""])


def segment_chart(kpi: Kpi, results: Results, currency: str | None = None) -> Figure:
    """Stacked bars when the segments add up to the total (sum), lines when they do not; each
    segment in a colour of the segment palette, never the target's. Stacked, the KPI's own
    target stands over the bars; as lines, each segment's own target is drawn dashed in the
    segment's colour."""
    stacked = kpi.aggregate == "sum"
    traces: list[Figure] = []
    for index, (segment, series) in enumerate(results.segment_series.get(kpi.id, {}).items()):
        role = f"segment-{index % SEGMENT_COLOURS}"
        traces.append(_segment_trace(kpi, segment, series, role, stacked, currency))
        if not stacked and any(t is not None for t in series.targets):
            target = line_trace(
                f"{escape(segment)} target", role, _months(series), [*series.targets], "dash", "hv"
            )
            target["legendgroup"] = role
            traces.append(target)
    total = results.series.get(kpi.id)
    if stacked and total is not None and any(t is not None for t in total.targets):
        traces.append(
            line_trace("Target", "target", _months(total), [*total.targets], "dash", "hv")
        )
    months = sorted({m for s in results.segment_series.get(kpi.id, {}).values() for m in s.months})
    layout = {
        **base_layout(320, months),
        "barmode": "stack",
        "hovermode": "closest",
        "yaxis": value_axis(kpi, currency),
    }
    return {"data": traces, "layout": layout}


def _segment_trace(
    kpi: Kpi, segment: str, series: Series, role: str, stacked: bool, currency: str | None
) -> Figure:
    """One segment's values; the hover says month, segment, value and its target."""
    hover = [
        [
            month_label(month_str(month)),
            escape(value_text(kpi, value, currency)),
            "" if target is None else f"<br>Target: {escape(value_text(kpi, target, currency))}",
        ]
        for month, value, target in zip(series.months, series.values, series.targets, strict=True)
    ]
    trace: Figure = {
        "type": "bar" if stacked else "scatter",
        "name": escape(segment),
        "meta": role,
        "legendgroup": role,
        "x": _months(series),
        "y": list(series.values),
        "customdata": hover,
        "hovertemplate": "%{customdata[0]}, %{fullData.name}: <b>%{customdata[1]}</b>"
        "%{customdata[2]}<extra></extra>",
    }
    if not stacked:
        trace["mode"] = "lines+markers"
    return trace


def _months(series: Series) -> list[str]:
    return [month_str(m) for m in series.months]


def _score(kpi: Kpi, figures: Figures) -> Fraction | None:
    if figures.gap_pct is None:
        return None
    gap = exact(figures.gap_pct)  # so that a mean of exactly -10 % is on the edge, not beyond
    return gap if kpi.better == "higher" else -gap


def segment_scores(scorecard: Scorecard, results: Results) -> dict[str, float | None]:
    """Segment -> mean signed gap to target over its KPIs with a target, best first."""
    scores: dict[str, list[Fraction]] = {}
    for kpi_id, segments in results.segment_figures.items():
        for segment, figures in segments.items():
            score = _score(scorecard.kpis[kpi_id], figures)
            scores.setdefault(segment, [])
            if score is not None:
                scores[segment].append(score)
    means = {s: (float(sum(v, Fraction(0)) / len(v)) if v else None) for s, v in scores.items()}
    return dict(sorted(means.items(), key=lambda item: (item[1] is None, -(item[1] or 0), item[0])))


def verdict(score: float | None, unscored: str = "no targets yet") -> str:
    """What to do with a segment; ``unscored`` says why a segment without a score has none."""
    if score is None:
        return unscored
    if score >= GROW:
        return "grow: beats its targets"
    if score >= IMPROVE:
        return "improve: close to its targets"
    return "review: misses its targets by more than 10 %"


def unscored_reason(segment: str, results: Results) -> str:
    """Why a segment has no score at the reporting month: no target, no value, or only targets
    of 0 (a gap to 0 has no size in %)."""
    held = [
        f
        for segments in results.segment_figures.values()
        if (f := segments.get(segment)) is not None and f.target is not None
    ]
    if not held:
        return "no targets yet"
    reasons = []
    if any(f.value is None for f in held):
        reasons.append(f"not reported for {month_label(month_str(results.as_of))}")
    if any(f.value is not None and f.target == 0 for f in held):
        reasons.append("a target of 0 has no gap in %")
    return "; ".join(reasons)


def channels_page(scorecard: Scorecard, results: Results, links: Links) -> str:
    """``/channels/``: each segment across KPIs, ranked by how it does against its targets."""
    title = "Channels"
    parts = [front_matter_title(title) + f"# {title}", ""]
    scores = segment_scores(scorecard, results)
    if not scores:
        parts.append(
            "<p>No KPI is split by segment yet: add <code>segments:</code> to a KPI file.</p>"
        )
        return "\n".join(parts) + "\n"
    ranking = [
        [
            str(rank),
            escape(segment),
            escape(percent_text(score)),
            escape(verdict(score, unscored_reason(segment, results))),
        ]
        for rank, (segment, score) in enumerate(scores.items(), start=1)
    ]
    parts += [
        f"<p>Figures for <strong>{month_label(month_str(results.as_of))}</strong>. Score: the mean gap to "
        "target over the segment's KPIs, positive when it beats them.</p>",
        "",
        not_searched(table(("Rank", "Segment", "Score", "Verdict"), ranking, "kpi-channels")),
        "",
    ]
    for segment in scores:
        rows = []
        for kpi_id, segments in results.segment_figures.items():
            if segment not in segments:
                continue
            kpi, f = scorecard.kpis[kpi_id], segments[segment]
            currency = scorecard.settings.currency
            rows.append(
                [
                    link(links.kpi(kpi_id), kpi.name),
                    status_badge(f.status),
                    escape(value_text(kpi, f.value, currency)),
                    escape(value_text(kpi, f.target, currency)),
                    escape(percent_text(f.gap_pct)),
                ]
            )
        headers = ("KPI", "Status", "Value", "Target", "Gap")
        channel = not_searched(table(headers, rows, "kpi-channels"))
        parts += [f"## {inline(segment)}", "", channel, ""]
    return "\n".join(parts)


def segments_json(results: Results) -> str:
    """``{"as_of", "kpis": {"<id>": {"<segment>": {every field of 3.1}}}}``."""
    document = {
        "as_of": month_str(results.as_of),
        "kpis": {
            kpi_id: {segment: f._asdict() for segment, f in segments.items()}
            for kpi_id, segments in sorted(results.segment_figures.items())
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def segments_csv(results: Results) -> str:
    """``kpi,segment,month,value,target,status``: one row per KPI, segment and month."""
    return csv_text(
        ("kpi", "segment", "month", "value", "target", "status"),
        (
            (kpi_id, segment, *row)
            for kpi_id, segments in sorted(results.segment_series.items())
            for segment, series in segments.items()
            for row in series_rows(series)
        ),
    )
