"""The readout and the initiative messages as Gmail and Outlook read them (tests/mail_html.py):
an HTML parser finds every construct those clients drop, and finds none in what we send."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_scorecard.audit.history import History
from kpi_scorecard.model import Status
from kpi_scorecard.render.initiative import initiative_message, message_html
from kpi_scorecard.render.readout import HISTORY_MONTHS, MonthMark, Readout, build_readout
from kpi_scorecard.render.readout_html import (
    CHART_HEIGHT,
    CHARTED,
    email_document,
    readout_html,
    section_rows,
)
from kpi_scorecard.repository import load_repository

from .conftest import PROJECT
from .mail_html import GMAIL_CLIPS_AT, mail_findings

SITE = "https://kpi.example.com/"
GOOD_ROW = '<tr><td style="padding:8px;color:#1f2328;">fine</td></tr>'


@pytest.mark.parametrize(
    ("row", "finding"),
    [
        ("<tr><td><style>p {color: red}</style></td></tr>", "<style>: not shown"),
        ("<tr><td><script>alert(1)</script></td></tr>", "<script>: not shown"),
        ('<tr><td><link rel="stylesheet" href="https://x.test/a.css"></td></tr>', "<link>"),
        ('<tr><td><iframe src="https://x.test/"></iframe></td></tr>', "<iframe>"),
        ('<tr><td style="display:flex;">x</td></tr>', "display:flex: Outlook ignores it"),
        ('<tr><td><div style="display: grid">x</div></td></tr>', "display:grid"),
        ('<tr><td style="flex-wrap:wrap">x</td></tr>', "flex-wrap:wrap"),
        ('<tr><td style="color:var(--ink)">x</td></tr>', "var(--ink)"),
        ('<tr><td style="--ink:#000">x</td></tr>', "--ink:#000"),
        ('<tr><td style="background:url(https://x.test/t.png)">x</td></tr>', "url("),
        ('<tr><td><div style="max-width:600px">x</div></td></tr>', "<div> max-width:600px"),
        ('<tr><td style="position:absolute">x</td></tr>', "positioning"),
        ('<tr><td><img src="data:image/png;base64,iVBORw0" alt="a chart"></td></tr>', "data:"),
        ('<tr><td><img src="https://x.test/chart.png" alt="a chart"></td></tr>', "https:"),
        ('<tr><td><img src="cid:chart@kpi"></td></tr>', "no alt text"),
        ('<tr><td><a href="/kpis/orders/">Orders</a></td></tr>', "not an absolute"),
        ('<tr><td><a href="javascript:alert(1)">x</a></td></tr>', "not an absolute"),
        ('<tr><td class="note">x</td></tr>', "attribute class"),
        ('<tr><td onclick="x()">x</td></tr>', "attribute onclick"),
        ("<tr><td><table><tr><td>x</td></tr></table></td></tr>", "without role, width"),
    ],
)
def test_the_audit_finds_what_mail_clients_drop(row: str, finding: str) -> None:
    findings = mail_findings(email_document("t", [GOOD_ROW, row]))
    assert any(finding in f for f in findings), findings
    assert mail_findings(email_document("t", [GOOD_ROW])) == []


def test_a_cid_image_with_alt_text_and_a_mail_link_pass() -> None:
    row = (
        '<tr><td><img src="cid:chart@kpi" alt="Orders by month" width="200">'
        '<a href="mailto:ann@example.com">Ann</a></td></tr>'
    )
    assert mail_findings(email_document("t", [row])) == []


def test_a_column_without_outlooks_fixed_width_is_found() -> None:
    document = email_document("t", [GOOD_ROW])
    without = document.replace("<!--[if mso]>", "<!--[if !mso]>")
    assert mail_findings(without) == [
        "a max-width column without Outlook's fixed-width table around it"
    ]


def test_a_message_gmail_would_clip_is_found() -> None:
    rows = [section_rows("Notes", ["word " * 100] * 300)]
    assert mail_findings(email_document("t", rows)) == [
        f"{len(email_document('t', rows).encode())} bytes: Gmail clips the message"
    ]


def test_the_examples_readout_and_initiative_message_pass_and_stay_unclipped() -> None:
    repository = load_repository(PROJECT)
    readout = build_readout(repository.scorecard, repository.results, History({}), None, SITE)
    html = readout_html(readout)
    assert mail_findings(html) == []
    assert len(html.encode()) < GMAIL_CLIPS_AT / 2
    (retro,) = repository.retrospectives
    message = initiative_message(retro, repository.scorecard, repository.results, SITE)
    assert mail_findings(message_html(message)) == []


def test_the_first_off_target_kpis_get_a_chart_of_their_months() -> None:
    """Each chart adds about 3.4 KB: past CHARTED KPIs, the list goes on without them."""
    repository = load_repository(PROJECT)
    readout = build_readout(repository.scorecard, repository.results, History({}), None, SITE)
    first = readout.off_target[0]  # conversion rate, off target in Oct 2026
    assert [m.month for m in first.months] == [f"2025-{m}" for m in ("11", "12")] + [
        f"2026-{m:02d}" for m in range(1, 11)
    ]
    html = readout_html(readout)
    sentence = "12 months to Oct 2026: "
    assert html.count(sentence) == len(readout.off_target) == 7
    statuses = [m.status for m in first.months]
    words = f"{statuses.count('red')} off target, {statuses.count('amber')} near target"
    assert f"{sentence}{words}" in html
    many = dataclasses.replace(readout, off_target=readout.off_target * 5)
    crowded = readout_html(many)
    assert crowded.count(sentence) == CHARTED
    assert mail_findings(crowded) == []


class Bars(HTMLParser):
    """The heights of the chart's bars (the cells with a bgcolor)."""

    def __init__(self) -> None:
        super().__init__()
        self.heights: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "td" and attributes.get("bgcolor"):
            self.heights.append(int(attributes.get("height") or 0))


marks = st.lists(
    st.tuples(
        st.none() | st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
        st.sampled_from(["red", "amber", "green", "missing", "no_target"]),
    ),
    min_size=1,
    max_size=HISTORY_MONTHS,
)


@pytest.fixture(scope="module")
def example_readout() -> Readout:
    repository = load_repository(PROJECT)
    return build_readout(repository.scorecard, repository.results, History({}), None, SITE)


@settings(max_examples=80, deadline=None)
@given(months=marks)
def test_a_chart_has_a_bar_per_month_within_its_height(
    example_readout: Readout, months: list[tuple[float | None, Status]]
) -> None:
    readout = example_readout
    item = dataclasses.replace(
        readout.off_target[0],
        months=tuple(
            MonthMark(f"2026-{i + 1:02d}", value, status)
            for i, (value, status) in enumerate(months)
        ),
    )
    bars = Bars()
    bars.feed(readout_html(dataclasses.replace(readout, off_target=(item,))))
    values = [value for value, _ in months if value is not None]
    if len(values) < 2:
        assert bars.heights == []  # one value is no trend
        return
    assert len(bars.heights) == len(months)
    assert all(1 <= h <= CHART_HEIGHT for h in bars.heights)
    reported = [h for h, (value, _) in zip(bars.heights, months, strict=True) if value is not None]
    assert max(reported) == CHART_HEIGHT if max(values) > min(values) else len(set(reported)) == 1
    highest = months.index(next(m for m in months if m[0] == max(values)))
    assert bars.heights[highest] == max(reported)
