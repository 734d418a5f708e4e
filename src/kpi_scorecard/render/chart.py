"""A KPI's chart as a plain plotly figure dict: actual, target and its tolerance band, 3-month
rolling mean, benchmark, and the months that have notes.

Plain dicts and ``json.dumps`` instead of ``plotly.graph_objects``: a go.Figure costs about
12 ms a chart and embeds a 7 kB template. Only trace types of plotly.js's basic bundle
(scatter, bar, pie) are used.

One palette with fixed meanings: each trace names its role in ``meta`` (``ROLES``), and the page
script colours it from the CSS variable ``--kpi-chart-<role>`` of the light or dark palette
(kpi.css), so that the target is always the same red and nothing else is. Every number people
read, in the hover and on the axis, is written as the tables write it (render/numbers.py): the
hover gets pre-formatted text, the axis the unit's prefix or suffix and the KPI's decimals.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from kpi_scorecard.model import Benchmark, Kpi, Month, Series, month_str
from kpi_scorecard.render.markers import Marker
from kpi_scorecard.render.numbers import (
    STATUS_LABELS,
    current_locale,
    percent_text,
    separators,
    unit_affixes,
    value_text,
)
from kpi_scorecard.render.text import escape
from kpi_scorecard.render.wording import month_label

MAX_NOTE_CHARS = 300
"""A longer note is cut in the hover (the monthly table has it whole)."""
NOTE_LINE_CHARS = 48
"""Hover lines are wrapped at word boundaries to fit a phone's chart."""
MAX_MONTH_TICKS = 6
"""Month labels on the axis: enough to read the time, few enough for a phone."""
TICK_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)
"""Months between axis labels, each a calendar rhythm (quarters, half years, years)."""
ROLES = (
    "actual",
    "target",
    "band",
    "rolling",
    "benchmark",
    "forecast",
    "note",
    "restated",
    "event",
    "definition",
    "segment",
)
"""What a trace's ``meta`` may name; segments are numbered: ``segment-0``, ``segment-1``..."""
SEGMENT_COLOURS = 6
"""Colours of the segment palette (kpi.css), used in turn."""
Figure = dict[str, Any]


def chart(
    kpi: Kpi,
    series: Series,
    currency: str | None = None,
    restated: Mapping[Month, str] | None = None,
    markers: Sequence[Marker] = (),
    tolerance: float | None = None,
    ahead: Sequence[Month] = (),
) -> Figure:
    """The figure of one KPI; the hover of a month gives value, target, status and note.
    ``restated`` (month -> what happened) adds a marker on each restated month; ``markers``
    (events, definition changes) stand along the foot of the chart with a line up;
    ``tolerance`` shades the band in which the KPI is near target. ``ahead``: months after
    the series that the chart also spans (the forecast's, render/pacing.py), with their
    targets, so that a forecast is read against the target it heads for."""
    months = [month_str(m) for m in series.months]
    later = [m for m in ahead if not series.months or m > series.months[-1]]
    target_months = months + [month_str(m) for m in later]
    targets = [*series.targets, *(kpi.target.at(m) if kpi.target else None for m in later)]
    traces: list[Figure] = []
    has_target = any(t is not None for t in targets)
    if has_target and tolerance:
        traces += band_traces(kpi, target_months, targets, tolerance)
    traces.append(actual_trace(kpi, series, currency, has_target))
    if has_target:
        traces.append(line_trace("Target", "target", target_months, targets, "dash", "hv"))
    traces.append(line_trace("3-month rolling mean", "rolling", months, drawn(series.rolling_3)))
    if kpi.benchmark is not None and months:
        traces.append(benchmark_trace(kpi, kpi.benchmark, months, currency))
    notes = note_markers(kpi, series)
    if notes is not None:
        traces.append(notes)
    if restated:
        traces.append(_restated_markers(series, restated))
    layout = {
        **base_layout(360, [*series.months, *later]),
        "hovermode": "closest",
        "yaxis": value_axis(kpi, currency),
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
                    "meta": kind,
                    "x": [m.day for m in chosen],
                    "y": [foot] * len(chosen),
                    "text": [wrapped(m.text) for m in chosen],
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


def base_layout(height: int, months: Sequence[Month] = ()) -> dict[str, Any]:
    """What every chart of the site shares: margins, a month axis labelled as the tables write
    months, the legend below, the locale's separators, hover text aligned left."""
    return {
        "margin": {"l": 64, "r": 16, "t": 16, "b": 40},
        "height": height,
        "legend": {"orientation": "h", "y": -0.18},
        "xaxis": month_axis(months),
        "separators": separators(),
        "hoverlabel": {"align": "left"},
    }


def month_axis(months: Sequence[Month]) -> dict[str, Any]:
    """A date axis whose labels are ``month_label``'s, one every few months (never a label
    twice, as plotly's own ticks do on a chart of one month)."""
    axis: dict[str, Any] = {"type": "date"}
    if not months:
        return axis
    span = months[-1] - months[0] + 1
    step = next((s for s in TICK_STEPS if span / s <= MAX_MONTH_TICKS), TICK_STEPS[-1])
    ticks = [m for m in range(months[0], months[-1] + 1) if m % step == 0] or [months[0]]
    axis["tickvals"] = [month_str(m) for m in ticks]
    axis["ticktext"] = [month_label(month_str(m)) for m in ticks]
    return axis


def value_axis(kpi: Kpi, currency: str | None) -> dict[str, Any]:
    """The value axis in the KPI's unit (``€80,000``, ``2.5%``) at no more than its decimals."""
    before, after = unit_affixes(kpi, currency)
    decimals = 2 if kpi.decimals is None else kpi.decimals
    return {
        "rangemode": "tozero",
        "tickformat": f",.{decimals}~f",
        "tickprefix": before,
        "ticksuffix": after,
        "automargin": True,
    }


def actual_trace(kpi: Kpi, series: Series, currency: str | None, has_target: bool) -> Figure:
    """The values, with a hover that says the month as the tables do."""
    hover = [
        [
            month_label(month_str(month)),
            escape(value_text(kpi, value, currency)),
            f"<br>Target: {escape(value_text(kpi, target, currency))}" if has_target else "",
            STATUS_LABELS[status][1],
            hover_note(kpi.notes.get(month, "")),
        ]
        for month, value, target, status in zip(
            series.months, series.values, series.targets, series.statuses, strict=True
        )
    ]
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Actual",
        "meta": "actual",
        "x": [month_str(m) for m in series.months],
        "y": list(series.values),
        "customdata": hover,
        "hovertemplate": "%{customdata[0]}: <b>%{customdata[1]}</b>%{customdata[2]}"
        "<br>Status: %{customdata[3]}%{customdata[4]}<extra></extra>",
    }


def band_traces(
    kpi: Kpi, months: list[str], targets: Sequence[float | None], tolerance: float
) -> list[Figure]:
    """The band in which the KPI is near target (amber, contract 3.3): from the target to
    tolerance * |target| below it (higher is better) or above it (lower is better), stepped as
    the target is. Two lines, the second filled down to the first."""
    direction = -1 if kpi.better == "higher" else 1
    edge = drawn([None if t is None else t + direction * tolerance * abs(t) for t in targets])
    name = f"Near target (within {percent_text(tolerance).lstrip('+')})"
    lines = [
        line_trace(name, "band", months, edge, "solid", "hv"),
        line_trace(name, "band", months, list(targets), "solid", "hv"),
    ]
    lines[0]["showlegend"] = False
    lines[1]["fill"] = "tonexty"
    for line in lines:
        line["line"]["width"] = 0
        line["legendgroup"] = "band"
    return lines


def benchmark_trace(
    kpi: Kpi, benchmark: Benchmark, months: list[str], currency: str | None
) -> Figure:
    value = value_text(kpi, benchmark.value, currency)
    source = f", {benchmark.source}" if benchmark.source else ""
    name = escape(f"Benchmark ({value}{source})")
    ends = [months[0], months[-1]]
    return line_trace(name, "benchmark", ends, [benchmark.value] * 2, "dashdot")


def note_markers(kpi: Kpi, series: Series) -> Figure | None:
    """A ring around each month that has a note; the Actual point inside it shows the note."""
    noted = [
        (month, value)
        for month, value in zip(series.months, series.values, strict=True)
        if month in kpi.notes and value is not None
    ]
    if not noted:
        return None
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "Has a note",
        "meta": "note",
        "x": [month_str(m) for m, _ in noted],
        "y": [v for _, v in noted],
        "marker": {"symbol": "circle-open", "size": 15, "line": {"width": 2}},
        "hoverinfo": "skip",
    }


COMPACTED = ("x", "y", "customdata")
"""The keys of a trace whose lists chart_json writes shorter (kpi.js puts them back)."""
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def chart_json(figure: Figure) -> str:
    """Compact, stable JSON for a data attribute (the caller escapes it for HTML). A chart's
    data was a third of a KPI page, most of it repeated; kpi.js puts back what is written
    shorter here:

    - months in a row as the first and how many: ``{"from": "2016-01", "count": 120}``, and
      their labels in the same way with the twelve months' patterns, ``"labels": ["Jan {y}",
      ...]`` (in the scorecard's locale);
    - a list whose values come in runs (a target, its band, statuses) as
      ``{"runs": [[value, times], ...]}``;
    - the rows of a hover (``customdata``) as columns, ``{"columns": [...]}``, each one as
      short as the above makes it."""
    compact = {
        **figure,
        "data": [
            {
                key: _compact(value, trace.get("x")) if key in COMPACTED else value
                for key, value in trace.items()
            }
            for trace in figure.get("data", [])
        ],
    }
    return _json(compact)


def _compact(values: Any, x: Any = None) -> Any:
    """``values`` written shorter, if there is a shorter way (see chart_json); ``x``: the
    trace's months, which a hover's labels may be of."""
    if not isinstance(values, list) or len(values) < 3:
        return values
    if all(isinstance(row, list) for row in values) and len({len(row) for row in values}) == 1:
        start = _first_in_a_row(x) if isinstance(x, list) else None
        columns = zip(*values, strict=True)
        return {"columns": [_compact_column(list(column), x, start) for column in columns]}
    return _compact_column(values, x, None)


def _compact_column(values: list[Any], x: Any, x_start: int | None) -> Any:
    if len(values) < 3:
        return values
    if _first_in_a_row(values) is not None:
        return _shorter(values, {"from": values[0], "count": len(values)})
    labels = _label_patterns() if x_start is not None and len(x) == len(values) else None
    if labels and values == _labelled(x_start, len(values), labels):
        return _shorter(values, {"from": x[0], "count": len(values), "labels": list(labels)})
    if _too_varied(values):
        return values
    runs: list[list[Any]] = []
    for value in values:
        if runs and runs[-1][0] == value and type(runs[-1][0]) is type(value):
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    return _shorter(values, {"runs": runs}) if len(runs) * 2 <= len(values) else values


def _too_varied(values: list[Any]) -> bool:
    """Whether ``values`` hold too many different values to come in runs of two or more on
    average (there are at least as many runs as different values): checked in one go before
    the runs are counted one by one, since most lists of numbers do not."""
    try:
        return len(set(values)) * 2 > len(values)
    except TypeError:  # a list of lists: counted one by one
        return False


def _shorter(values: list[Any], written: dict[str, Any]) -> Any:
    length = len(_json(written))
    if length < _least_json_length(values):  # known without writing the list out
        return written
    return written if length < len(_json(values)) else values


def _least_json_length(values: list[Any]) -> int:
    """How long ``values`` are in JSON at least: brackets, commas, a text's quotes and its
    characters (escapes only add to them), a character for anything else."""
    texts = [value for value in values if isinstance(value, str)]
    return sum(map(len, texts)) + len(texts) + 2 * len(values) + 1


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _first_in_a_row(values: list[Any]) -> int | None:
    """The first month of ``values`` if they are months each after the one before (from
    the year 1000: kpi.js writes years without leading zeros)."""
    first = values[0] if values else None
    match = _MONTH.fullmatch(first) if isinstance(first, str) else None
    if match is None or int(match[1]) < 1000:
        return None
    start = int(match[1]) * 12 + int(match[2]) - 1
    return start if values == _months_from(start, len(values)) else None


@functools.lru_cache(maxsize=1024)
def _months_from(start: int, count: int) -> list[str]:
    return [f"{(start + i) // 12}-{(start + i) % 12 + 1:02d}" for i in range(count)]


def _label_patterns() -> tuple[str, ...] | None:
    """``month_label``'s twelve months with ``{y}`` for the year, if that is how it writes
    them (a year written otherwise, or twice, is not)."""
    return _label_patterns_in(current_locale())


@functools.lru_cache(maxsize=64)
def _label_patterns_in(locale: str) -> tuple[str, ...] | None:
    """(cached: every hover of every chart asks)"""
    patterns = tuple(
        month_label(f"2000-{month:02d}").replace("2000", "{y}") for month in range(1, 13)
    )
    return patterns if all(p.count("{y}") == 1 and "2000" not in p for p in patterns) else None


@functools.lru_cache(maxsize=1024)
def _labelled(start: int, count: int, patterns: tuple[str, ...]) -> list[str]:
    """What kpi.js makes of ``{"from": <start>, "count": count, "labels": patterns}``."""
    return [patterns[(start + i) % 12].replace("{y}", str((start + i) // 12)) for i in range(count)]


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
        "meta": "restated",
        "x": [month_str(m) for m, _ in points],
        "y": [v for _, v in points],
        "customdata": [month_label(month_str(m)) for m, _ in points],
        "text": [wrapped(restated[m]) for m, _ in points],
        "marker": {"symbol": "diamond-open", "size": 12, "line": {"width": 2}},
        "hovertemplate": "%{customdata}: %{text}<extra></extra>",
    }


def line_trace(
    name: str,
    role: str,
    x: list[str],
    y: list[float | None],
    dash: str = "dot",
    shape: str = "linear",
) -> Figure:
    """A line without hover of its own (the Actual point of the month says it all)."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "meta": role,
        "x": x,
        "y": y,
        "line": {"dash": dash, "shape": shape, "width": 1.5},
        "hoverinfo": "skip",
    }


def drawn(values: Sequence[float | None]) -> list[float | None]:
    """Points of a line that is only drawn, never read (no hover): to 12 significant digits,
    which no chart can show apart, without a float's noise (80749.99999999999, 71234.56666666667)
    in every page's JSON."""
    return [None if v is None else float(f"{v:.12g}") for v in values]


def hover_note(note: str) -> str:
    """The note under a hover's figures, wrapped; empty when there is none."""
    return "<br>" + wrapped(note) if note else ""


def wrapped(text: str) -> str:
    """Plain text for a hover: escaped (plotly renders a few HTML tags), cut at
    ``MAX_NOTE_CHARS`` and broken into lines at word boundaries, so that it stays inside the
    chart."""
    flat = " ".join(text.split())
    if len(flat) > MAX_NOTE_CHARS:
        flat = flat[: MAX_NOTE_CHARS - 1].rstrip() + "…"
    lines = textwrap.wrap(flat, NOTE_LINE_CHARS, break_on_hyphens=False)
    return "<br>".join(escape(line) for line in lines)
