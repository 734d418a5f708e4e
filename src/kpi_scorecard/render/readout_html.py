"""The readout as an email: one self-contained HTML file that mail clients show as intended.

Mail clients drop ``<style>`` blocks (Gmail in part, Outlook's Word engine reads little CSS),
never run scripts and block remote images, so: inline styles only, layout by nested tables
(no flexbox, no grid), widths set both as attributes and as styles, no images at all, and the
status always written out beside its colour. Contributors' notes are Markdown rendered and
sanitised (render/text.py ``rich``); everything else is escaped text.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpi_scorecard.model import Status
from kpi_scorecard.render.numbers import STATUS_LABELS
from kpi_scorecard.render.readout import (
    NO_EXPLANATION,
    MonthMark,
    Move,
    OffTarget,
    Pace,
    Readout,
    counts_sentence,
    months_sentence,
    move_words,
)
from kpi_scorecard.render.text import escape, rich
from kpi_scorecard.render.wording import status_words

FONT = "font-family:Arial,Helvetica,sans-serif;"
INK = "#1f2328"
MUTED = "#57606a"
STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    "red": ("#b42318", "#fde8e7"),
    "amber": ("#7a4a00", "#fff1cc"),
    "green": ("#1a7f37", "#e6f4ea"),
    "missing": ("#57606a", "#eef0f2"),
    "no_target": ("#57606a", "#eef0f2"),
}
"""Status -> (text, background): dark text on a light tint, readable in either mail theme."""
GOOD, BAD = "#1a7f37", "#b42318"

COLUMN = 640
"""The email's width in pixels on a desktop; on a phone it narrows to the screen."""
_OUTLOOK_COLUMN_START = (
    f'<!--[if mso]><table role="presentation" width="{COLUMN}" align="center" cellpadding="0" '
    'cellspacing="0" border="0"><tr><td><![endif]-->'
)
"""Outlook on Windows (Word's engine) ignores max-width, so the 100 % wide column would span
the whole window: a fixed-width table that only Outlook reads (a conditional comment) holds it."""
_OUTLOOK_COLUMN_END = "<!--[if mso]></td></tr></table><![endif]-->"


def readout_html(readout: Readout) -> str:
    sections = [
        _header(readout),
        _counts(readout),
        _section(
            "Off target, and why",
            [_off_target(item, i < CHARTED) for i, item in enumerate(readout.off_target)],
        ),
        _section("Biggest moves", [_move(move) for move in readout.moves]),
    ]
    if readout.pacing:
        sections.append(_section("Pace of the year", [_pace(pace) for pace in readout.pacing]))
    sections.append(
        _section(
            "Restated since the last review",
            [
                _paragraph(
                    f"<strong>{escape(r.kpi.name)}</strong>: {escape(r.sentence)} "
                    f'<span style="color:{MUTED};">({r.date}, {escape(r.author)})</span>'
                )
                for r in readout.restatements
            ],
            empty="Nothing was restated.",
        )
    )
    return email_document(readout.heading, sections)


def email_document(title: str, rows: list[str]) -> str:
    """The email around its rows: a centred 640 px column that narrows on a phone."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n</head>\n"
        f'<body style="margin:0;padding:0;background:#f3f4f6;{FONT}color:{INK};">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="width:100%;background:#f3f4f6;border-collapse:collapse;">\n'
        '<tr><td align="center" style="padding:16px 8px;">\n'
        f"{_OUTLOOK_COLUMN_START}\n"
        f'<table role="presentation" width="{COLUMN}" cellpadding="0" cellspacing="0" border="0" '
        f'style="width:100%;max-width:{COLUMN}px;background:#ffffff;border:1px solid #d0d7de;'
        f'border-collapse:collapse;{FONT}color:{INK};">\n'
        + "\n".join(rows)
        + "\n"
        + _row("", "0 0 16px 0")
        + f"\n</table>\n{_OUTLOOK_COLUMN_END}\n</td></tr>\n</table>\n</body>\n</html>\n"
    )


def heading_row(title: str) -> str:
    return _row(
        _heading(title),
        "24px 24px 8px 24px",
    )


def section_rows(title: str, items: list[str]) -> str:
    """A heading and its items (HTML, escaped by the caller): one paragraph, or a list."""
    if len(items) == 1:
        return _section(title, [_paragraph(items[0])])
    # Outlook ignores a list's padding and indents by its margin: the margin indents in both.
    bullets = "".join(f'<li style="margin:0 0 4px 0;padding:0;">{item}</li>' for item in items)
    return _section(title, [f'<ul style="margin:0 0 0 20px;padding:0;">{bullets}</ul>'])


def link_row(url: str, text: str) -> str:
    return _row(_link(url, text))


def _heading(title: str) -> str:
    # The colour is set: Outlook gives headings its own theme's blue.
    return (
        f'<h1 style="margin:0;font-size:22px;line-height:1.3;{FONT}color:{INK};">'
        f"{escape(title)}</h1>"
    )


def _row(content: str, padding: str = "8px 24px") -> str:
    return f'<tr><td style="padding:{padding};{FONT}font-size:15px;line-height:1.45;">{content}</td></tr>'


def _link(url: str | None, text: str) -> str:
    """Escaped text, linked to the site when the readout knows its address."""
    if url is None:
        return escape(text)
    return f'<a href="{escape(url)}" style="color:#0b5cad;text-decoration:underline;">{escape(text)}</a>'


def _header(readout: Readout) -> str:
    pack = ""
    if readout.review_url:
        pack = (
            f'<p style="margin:8px 0 0 0;">{_link(readout.review_url, "Open the review pack")}</p>'
        )
    return _row(
        _heading(readout.heading)
        + f'<p style="margin:8px 0 0 0;color:{MUTED};">{escape(counts_sentence(readout))}</p>'
        + pack,
        "24px 24px 8px 24px",
    )


def _counts(readout: Readout) -> str:
    """One cell per status: the count large, the words below (never colour alone)."""
    width = 100 // max(len(readout.counts), 1)
    cells = "".join(
        f'<td width="{width}%" align="center" style="width:{width}%;padding:8px 2px;'
        f"background:{STATUS_COLOURS[status][1]};color:{STATUS_COLOURS[status][0]};"
        f'border:2px solid #ffffff;{FONT}">'
        f'<div style="font-size:22px;font-weight:bold;">{count}</div>'
        f'<div style="font-size:12px;">{escape(status_words(status))}</div></td>'
        for status, count in readout.counts
    )
    return _row(
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="width:100%;border-collapse:collapse;"><tr>{cells}</tr></table>'
    )


def _section(title: str, items: list[str], empty: str | None = None) -> str:
    heading = _row(
        f'<h2 style="margin:0;font-size:17px;{FONT}color:{INK};border-bottom:1px solid #d0d7de;'
        f'padding-bottom:4px;">{escape(title)}</h2>',
        "16px 24px 4px 24px",
    )
    body = items or [_paragraph(escape(empty or _EMPTY.get(title, "None.")))]
    return heading + "\n" + "\n".join(_row(item, "6px 24px") for item in body)


_EMPTY = {
    "Off target, and why": "Every KPI with a target is on target.",
    "Biggest moves": "No KPI changed since the month before.",
}


def _paragraph(html: str) -> str:
    return f'<p style="margin:0;">{html}</p>'


def _badge(status: Status) -> str:
    text, background = STATUS_COLOURS[status]
    icon, words = STATUS_LABELS[status]
    return (
        f'<span style="display:inline-block;padding:1px 6px;border-radius:3px;'
        f'background:{background};color:{text};font-size:13px;white-space:nowrap;">'
        f"{icon} {escape(words)}</span>"
    )


def _off_target(item: OffTarget, charted: bool) -> str:
    if item.note:
        # The note's paragraphs get the same spacing in every client (no default margins).
        note = rich(item.note).replace("<p>", '<p style="margin:4px 0 0 0;">')
        why = f'<div style="margin:0;">{note}</div>'
    else:
        why = (
            f'<p style="margin:4px 0 0 0;color:{MUTED};font-style:italic;">'
            f"{escape(NO_EXPLANATION)}: ask {escape(item.owner)}</p>"
        )
    return (
        f'<p style="margin:0;"><strong>{_link(item.url, item.kpi.name)}</strong> '
        f"{_badge(item.status)}</p>"
        f'<p style="margin:2px 0 0 0;">{escape(item.value)} against {escape(item.target)} '
        f'<span style="color:{MUTED};">({escape(item.gap)})</span></p>'
        + (_history_chart(item.months) if charted else "")
        + why
    )


CHARTED = 10
"""The off-target KPIs (red first) that get a chart: each adds about 3.4 KB, and Gmail clips a
message past 102 KB."""
BAR_WIDTH, BAR_GAP, CHART_HEIGHT, LOWEST_BAR = 14, 3, 28, 4
"""The months' chart in pixels: a bar per month, the lowest value LOWEST_BAR high."""


def _history_chart(months: Sequence[MonthMark]) -> str:
    """The last months as a bar chart made of table cells (mail clients show no scripts or
    SVG, and Gmail no data: images): the height is the value between the lowest and highest,
    the colour its status, and the sentence below counts the statuses in words."""
    values = [m.value for m in months if m.value is not None]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    cells = "".join(_bar(mark, low, high) for mark in months)
    width = len(months) * (BAR_WIDTH + BAR_GAP)
    return (
        f'<table role="presentation" width="{width}" cellpadding="0" cellspacing="0" border="0" '
        f'style="width:{width}px;border-collapse:collapse;margin:6px 0 0 0;"><tr>{cells}</tr>'
        "</table>"
        f'<p style="margin:2px 0 0 0;font-size:13px;color:{MUTED};">'
        f"{escape(months_sentence(months))}</p>"
    )


def _bar(mark: MonthMark, low: float, high: float) -> str:
    if mark.value is None:
        height, colour = 1, "#d0d7de"  # a hairline: not reported
    else:
        share = (mark.value - low) / (high - low) if high > low else 0.5
        height = LOWEST_BAR + round(share * (CHART_HEIGHT - LOWEST_BAR))
        colour = STATUS_COLOURS[mark.status][0]
    # The cell holds the height; the bar is a table of its own at its bottom, since Outlook
    # sizes neither divs nor empty cells. Attributes rather than styles where clients read
    # both: a readout has many bars, and Gmail clips a message past 102 KB.
    return (
        f'<td width="{BAR_WIDTH + BAR_GAP}" height="{CHART_HEIGHT}" valign="bottom" '
        f'style="padding:0 {BAR_GAP}px 0 0;"><table role="presentation" width="{BAR_WIDTH}" '
        'cellpadding="0" cellspacing="0" border="0"><tr>'
        f'<td height="{height}" bgcolor="{colour}" style="font-size:1px;line-height:1px;">'
        "&nbsp;</td></tr></table></td>"
    )


def _move(move: Move) -> str:
    colour = GOOD if move.better else BAD
    return _paragraph(
        f"<strong>{_link(move.url, move.kpi.name)}</strong>: {escape(move.previous)} → "
        f'{escape(move.value)} <span style="color:{colour};">({escape(move.change)}, '
        f"{move_words(move)})</span>"
    )


def _pace(pace: Pace) -> str:
    return _paragraph(
        f"<strong>{_link(pace.url, pace.kpi.name)}</strong> {_badge(pace.pace)} heading for "
        f"{escape(pace.forecast)} against {escape(pace.target)} ({escape(pace.gap)})"
    )
