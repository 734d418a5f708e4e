"""A KPI's chart as a plain plotly figure dict: actual, target, 3-month rolling mean, benchmark.

Plain dicts and ``json.dumps`` instead of ``plotly.graph_objects``: a go.Figure costs about
12 ms a chart and embeds a 7 kB template. Colours are left to the page script, which follows
the light/dark palette.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from kpi_scorecard.model import Kpi, Month, Series, month_str
from kpi_scorecard.render.markers import Marker
from kpi_scorecard.render.numbers import STATUS_LABELS, value_text
from kpi_scorecard.render.text import escape

MAX_NOTE_CHARS = 200
Figure = dict[str, Any]


def chart(
    kpi: Kpi,
    series: Series,
    currency: str | None = None,
    restated: Mapping[Month, str] | None = None,
    markers: Sequence[Marker] = (),
) -> Figure:
    """The figure of one KPI; the hover of a month gives value, target, status and note.
    ``restated`` (month -> what happened) adds a marker on each restated month; ``markers``
    (events, definition changes) stand along the foot of the chart with a line up."""
    months = [month_str(m) for m in series.months]
    hover = [
        [
            value_text(kpi, target, currency),
            STATUS_LABELS[status][1],
            _hover_note(kpi.notes.get(month, "")),
        ]
        for month, target, status in zip(
            series.months, series.targets, series.statuses, strict=True
        )
    ]
    traces: list[Figure] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Actual",
            "x": months,
            "y": list(series.values),
            "customdata": hover,
            "hovertemplate": "%{x|%b %Y}: %{y}<br>Target: %{customdata[0]}"
            "<br>Status: %{customdata[1]}%{customdata[2]}<extra></extra>",
        }
    ]
    if any(t is not None for t in series.targets):
        traces.append(_line("Target", months, list(series.targets), "dash", shape="hv"))
    traces.append(_line("3-month rolling mean", months, list(series.rolling_3), "dot"))
    if kpi.benchmark is not None and months:
        name = "Benchmark" + (f" ({kpi.benchmark.source})" if kpi.benchmark.source else "")
        benchmark = _line(
            escape(name), [months[0], months[-1]], [kpi.benchmark.value] * 2, "dashdot"
        )
        traces.append(benchmark)
    if restated:
        traces.append(_restated_markers(series, restated))
    layout = {
        **base_layout(360),
        "hovermode": "closest",
        "yaxis": {"title": {"text": _axis_title(kpi, currency)}, "rangemode": "tozero"},
    }
    if markers:
        traces += _event_markers(series, markers)
        layout["shapes"] = [_marker_line(marker) for marker in markers]
    return {"data": traces, "layout": layout}


MARKER_STYLE = {"event": ("Events", "triangle-up"), "definition": ("Definition changes", "square")}


def _event_markers(series: Series, markers: Sequence[Marker]) -> list[Figure]:
    """One trace per kind, at the foot of the axis (the lowest of zero and the values)."""
    foot = min([0.0, *(v for v in series.values if v is not None)])
    traces = []
    for kind, (name, symbol) in MARKER_STYLE.items():
        chosen = [m for m in markers if m.kind == kind]
        if chosen:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": name,
                    "x": [m.day for m in chosen],
                    "y": [foot] * len(chosen),
                    "text": [escape(m.text) for m in chosen],
                    "marker": {"symbol": symbol, "size": 10},
                    "hovertemplate": "%{text}<extra></extra>",
                }
            )
    return traces


def _marker_line(marker: Marker) -> Figure:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": marker.day,
        "x1": marker.day,
        "y0": 0,
        "y1": 1,
        "line": {"width": 1, "dash": "dot"},
        "opacity": 0.4,
    }


def base_layout(height: int) -> dict[str, Any]:
    """What every chart of the site shares: margins, a month axis, the legend below."""
    return {
        "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
        "height": height,
        "legend": {"orientation": "h", "y": -0.18},
        "xaxis": {"type": "date", "tickformat": "%b %Y"},
    }


def chart_json(figure: Figure) -> str:
    """Compact, stable JSON for a data attribute (the caller escapes it for HTML)."""
    return json.dumps(figure, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _restated_markers(series: Series, restated: Mapping[Month, str]) -> Figure:
    points = [
        (month, value)
        for month, value in zip(series.months, series.values, strict=True)
        if month in restated and value is not None
    ]
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "Restated",
        "x": [month_str(m) for m, _ in points],
        "y": [v for _, v in points],
        "text": [escape(restated[m]) for m, _ in points],
        "marker": {"symbol": "diamond-open", "size": 12, "line": {"width": 2}},
        "hovertemplate": "%{x|%b %Y}: %{text}<extra></extra>",
    }


def _line(
    name: str, x: list[str], y: list[float | None], dash: str, shape: str = "linear"
) -> Figure:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": y,
        "line": {"dash": dash, "shape": shape, "width": 1.5},
        "hoverinfo": "skip",
    }


def _hover_note(note: str) -> str:
    """Plotly renders a few HTML tags in hover text: the note is escaped and kept short."""
    if not note:
        return ""
    flat = " ".join(note.split())
    if len(flat) > MAX_NOTE_CHARS:
        flat = flat[: MAX_NOTE_CHARS - 1] + "…"
    return "<br>" + escape(flat)


def _axis_title(kpi: Kpi, currency: str | None) -> str:
    if kpi.unit == "percent":
        return "%"
    if kpi.unit == "currency":
        return kpi.currency or currency or ""
    return ""
