"""The vendored plotly.js basic bundle (scripts/refresh-plotly) matches the plotly package."""

from __future__ import annotations

import html
import json
import re
from importlib import resources

import plotly.offline

from kpi_scorecard.render.pages import render_pages
from kpi_scorecard.site import prepare

from .conftest import FIXTURES

ASSETS = resources.files("kpi_scorecard").joinpath("assets")
BASIC_TRACES = {"scatter", "bar", "pie"}
"""The trace types of plotly.js-basic-dist-min."""


def test_the_vendored_plotly_bundle_is_the_plotly_package_version() -> None:
    header = ASSETS.joinpath("plotly-basic.min.js").read_text("utf-8")[:200]
    found = re.search(r"plotly\.js \(basic - minified\) v(\S+)", header)
    assert found is not None, "plotly-basic.min.js has no version header"
    assert found.group(1) == plotly.offline.get_plotlyjs_version(), (
        "the plotly package was upgraded: run scripts/refresh-plotly"
    )


def test_the_bundle_ships_with_its_licence() -> None:
    licence = ASSETS.joinpath("plotly-basic.LICENSE.txt").read_text("utf-8")
    assert "MIT" in licence and "Plotly" in licence


def test_the_basic_bundle_draws_every_trace_type_we_make() -> None:
    """plotly.js-basic has scatter, bar and pie: every chart of the fixture's pages uses those."""
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    charts = [
        json.loads(html.unescape(found))
        for text in render_pages(state.data).values()
        for found in re.findall(r"data-chart='([^']*)'", text)
    ]
    assert charts
    assert {trace["type"] for chart in charts for trace in chart["data"]} <= BASIC_TRACES
