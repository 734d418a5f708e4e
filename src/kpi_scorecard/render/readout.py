"""The month's executive summary (``kpi readout``): what is off target and why, the biggest
moves, the pace of the year and what was restated since the last review.

``build_readout`` gathers the content once (pure: model + figures + history -> ``Readout``);
``readout_markdown`` and ``readout_text`` write it here, ``readout_html`` (readout_html.py) as
an email. Every number goes through render/numbers.py, every month and status through
render/wording.py, so the readout says things exactly as the site does.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from kpi_scorecard.audit.history import History
from kpi_scorecard.model import Kpi, Results, Scorecard, Status, month_str
from kpi_scorecard.render.numbers import (
    STATUS_LABELS,
    change_text,
    gap_text,
    number_locale,
    value_text,
)
from kpi_scorecard.render.pacing import forecast_gap_text
from kpi_scorecard.render.text import inline
from kpi_scorecard.render.wording import Wording, month_label, status_words

FORMATS = ("markdown", "html", "text")
STATUS_ORDER: tuple[Status, ...] = ("red", "amber", "green", "missing", "no_target")
"""How the counts are listed: what needs attention first."""
MOVES = 3
"""The biggest moves listed: the three largest month-on-month changes in percent."""
NO_EXPLANATION = "No explanation yet"
HISTORY_MONTHS = 12
"""How many months an off-target KPI's chart shows: how long it has been off, and its trend."""
KpiUrl = Callable[[Kpi], "str | None"]


@dataclass(frozen=True)
class MonthMark:
    month: str
    """``YYYY-MM``."""
    value: float | None
    status: Status


@dataclass(frozen=True)
class OffTarget:
    """A red or amber KPI and the story behind it (its note for the month)."""

    kpi: Kpi
    status: Status
    value: str
    target: str
    gap: str
    note: str | None
    """The note for the month as written (Markdown), or None."""
    owner: str
    """The owner's name, and their GitHub handle when known: who can explain."""
    url: str | None
    months: tuple[MonthMark, ...] = ()
    """The last HISTORY_MONTHS months up to the readout's, oldest first (the email's chart)."""


@dataclass(frozen=True)
class Move:
    kpi: Kpi
    change: str
    previous: str
    value: str
    better: bool
    """The move goes the way the KPI should."""
    url: str | None


@dataclass(frozen=True)
class Pace:
    """Where a KPI's fiscal year is heading (contract 3.5)."""

    kpi: Kpi
    pace: Status
    forecast: str
    target: str
    gap: str
    url: str | None


@dataclass(frozen=True)
class Restatement:
    kpi: Kpi
    sentence: str
    date: str
    author: str


@dataclass(frozen=True)
class Readout:
    title: str
    month: str
    """``YYYY-MM``."""
    counts: tuple[tuple[Status, int], ...]
    off_target: tuple[OffTarget, ...]
    moves: tuple[Move, ...]
    pacing: tuple[Pace, ...]
    restatements: tuple[Restatement, ...]
    since: str | None
    """The day (``YYYY-MM-DD``) from which restatements are listed."""
    site_url: str | None
    review_url: str | None

    @property
    def heading(self) -> str:
        return f"{self.title}: {month_label(self.month)} readout"

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def build_readout(
    scorecard: Scorecard,
    results: Results,
    history: History,
    since: str | None = None,
    site_url: str | None = None,
) -> Readout:
    """The readout of ``results.as_of``, in the scorecard's locale; restatements are those
    committed on or after the day ``since`` (all of them when None)."""
    with number_locale(scorecard.settings.locale):
        return _build(scorecard, results, history, since, site_url)


def _build(
    scorecard: Scorecard,
    results: Results,
    history: History,
    since: str | None,
    site_url: str | None,
) -> Readout:
    base = site_url.rstrip("/") + "/" if site_url else None
    month = results.as_of
    currency = scorecard.settings.currency

    def url(kpi: Kpi) -> str | None:
        return f"{base}kpis/{quote(kpi.id)}/" if base else None

    kpis = list(scorecard.kpis.values())
    off = [
        _off_target(scorecard, kpi, results, url(kpi))
        for status in ("red", "amber")
        for kpi in kpis
        if results.figures[kpi.id].status == status
    ]
    statuses = [results.figures[kpi.id].status for kpi in kpis]
    return Readout(
        scorecard.settings.title,
        month_str(month),
        tuple((s, statuses.count(s)) for s in STATUS_ORDER if s in statuses),
        tuple(off),
        _moves(kpis, results, currency, url),
        _pacing(kpis, results, currency, url),
        _restatements(scorecard, history, since),
        since,
        base,
        f"{base}reviews/{month_str(month)}/" if base else None,
    )


def _off_target(scorecard: Scorecard, kpi: Kpi, results: Results, url: str | None) -> OffTarget:
    currency = scorecard.settings.currency
    figures, month = results.figures[kpi.id], results.as_of
    owner = scorecard.people.get(kpi.owner)
    name = owner.name if owner else kpi.owner
    if owner and owner.github:
        name = f"{name} (@{owner.github})"
    return OffTarget(
        kpi,
        figures.status,
        value_text(kpi, figures.value, currency),
        value_text(kpi, figures.target, currency),
        gap_text(kpi, figures.gap, figures.gap_pct, currency),
        kpi.notes.get(month),
        name,
        url,
        _history(kpi, results),
    )


def _history(kpi: Kpi, results: Results) -> tuple[MonthMark, ...]:
    series = results.series.get(kpi.id)
    if series is None:
        return ()
    marks = []
    for month in range(results.as_of - HISTORY_MONTHS + 1, results.as_of + 1):
        value, _, status = series.at(month)
        marks.append(MonthMark(month_str(month), value, status))
    return tuple(marks)


def _moves(
    kpis: Sequence[Kpi], results: Results, currency: str | None, url: KpiUrl
) -> tuple[Move, ...]:
    """The largest month-on-month changes relative to the month before."""
    moved = [k for k in kpis if results.figures[k.id].mom_pct not in (None, 0)]
    moved.sort(key=lambda k: (-abs(results.figures[k.id].mom_pct or 0.0), k.id))
    moves = []
    for kpi in moved[:MOVES]:
        figures = results.figures[kpi.id]
        rising = (figures.mom_change or 0.0) > 0
        moves.append(
            Move(
                kpi,
                change_text(kpi, figures.mom_change, figures.mom_pct),
                value_text(kpi, figures.previous, currency),
                value_text(kpi, figures.value, currency),
                rising == (kpi.better == "higher"),
                url(kpi),
            )
        )
    return tuple(moves)


def _pacing(
    kpis: Sequence[Kpi], results: Results, currency: str | None, url: KpiUrl
) -> tuple[Pace, ...]:
    """Each KPI whose fiscal year is heading off or near target (contract 3.5), off first."""
    paces = []
    for status in ("red", "amber"):
        for kpi in kpis:
            pacing = results.pacing.get(kpi.id)
            if pacing is None or pacing.pace != status:
                continue
            paces.append(
                Pace(
                    kpi,
                    status,
                    value_text(kpi, pacing.forecast_fy, currency),
                    value_text(kpi, pacing.target_fy, currency),
                    forecast_gap_text(kpi, pacing, currency),
                    url(kpi),
                )
            )
    return tuple(paces)


def _restatements(
    scorecard: Scorecard, history: History, since: str | None
) -> tuple[Restatement, ...]:
    """Committed values restated on or after ``since``, newest first."""
    found = []
    for kpi_id, entries in history.entries.items():
        kpi = scorecard.kpis.get(kpi_id)
        if kpi is None:
            continue
        wording = Wording.of(scorecard, kpi_id)
        for entry in entries:
            day = (entry.date or "")[:10]
            if entry.commit is None or (since is not None and day < since):
                continue
            for change in entry.changes:
                if change.field == "values" and change.kind == "restated":
                    for sentence in wording.sentences(change):
                        found.append(Restatement(kpi, sentence, day, entry.author or ""))
    found.sort(key=lambda r: (r.date, r.kpi.id), reverse=True)
    return tuple(found)


# -- Markdown and plain text ------------------------------------------------------------------


def counts_sentence(readout: Readout) -> str:
    """``3 KPIs: 1 off target, 1 near target, 1 on target``."""
    parts = [f"{n} {status_words(status)}" for status, n in readout.counts]
    noun = "KPI" if readout.total == 1 else "KPIs"
    return f"{readout.total} {noun}: {', '.join(parts)}"


def months_sentence(months: Sequence[MonthMark]) -> str:
    """``12 months to Oct 2026: 3 off target, 2 near target, 7 on target``."""
    counts = Counter(mark.status for mark in months)
    parts = [f"{counts[s]} {status_words(s)}" for s in STATUS_ORDER if counts[s]]
    return f"{len(months)} months to {month_label(months[-1].month)}: {', '.join(parts)}"


def move_words(move: Move) -> str:
    return "better" if move.better else "worse"


def readout_markdown(readout: Readout) -> str:
    """For a pull request, a chat or an issue: contributors' text shown exactly as written."""

    def name(kpi: Kpi, url: str | None) -> str:
        text = f"**{inline(kpi.name)}**"
        return f"[{text}]({url})" if url else text

    lines = [f"# {inline(readout.heading)}", "", inline(counts_sentence(readout)) + "."]
    if readout.review_url:
        lines += ["", f"[The review pack]({readout.review_url})"]
    lines += ["", "## Off target, and why", ""]
    for item in readout.off_target:
        icon, words = STATUS_LABELS[item.status]
        why = inline(item.note) if item.note else f"_{NO_EXPLANATION}: ask {inline(item.owner)}_"
        lines.append(
            f"- {icon} {name(item.kpi, item.url)} {words}: {item.value} against "
            f"{item.target} ({item.gap}). {why}"
        )
    if not readout.off_target:
        lines.append("Every KPI with a target is on target.")
    lines += ["", "## Biggest moves", ""]
    for move in readout.moves:
        lines.append(
            f"- {name(move.kpi, move.url)}: {move.previous} → {move.value} "
            f"({move.change}, {move_words(move)})"
        )
    if not readout.moves:
        lines.append("No KPI changed since the month before.")
    lines += _pacing_markdown(readout, name)
    lines += _restatements_markdown(readout)
    return "\n".join(lines) + "\n"


def _pacing_markdown(readout: Readout, name: Callable[[Kpi, str | None], str]) -> list[str]:
    if not readout.pacing:
        return []
    lines = ["", "## Pace of the year", ""]
    for pace in readout.pacing:
        lines.append(
            f"- {STATUS_LABELS[pace.pace][0]} {name(pace.kpi, pace.url)} heading for "
            f"{pace.forecast} against {pace.target} ({pace.gap}), "
            f"{status_words(pace.pace)}"
        )
    return lines


def _restatements_markdown(readout: Readout) -> list[str]:
    lines = ["", "## Restated since the last review", ""]
    for item in readout.restatements:
        lines.append(
            f"- **{inline(item.kpi.name)}**: {inline(item.sentence)} "
            f"({item.date}, {inline(item.author)})"
        )
    if not readout.restatements:
        lines.append("Nothing was restated.")
    return lines


WIDTH = 72
"""Plain text lines wrap here, as mail readers expect."""


def readout_text(readout: Readout) -> str:
    """The plain text part of the email: the same content, no markup at all."""
    out = [readout.heading, "=" * min(len(readout.heading), WIDTH), "", counts_sentence(readout)]
    if readout.review_url:
        out += ["", f"The review pack: {readout.review_url}"]
    out += ["", "Off target, and why", "-" * 19]
    for item in readout.off_target:
        why = item.note if item.note else f"{NO_EXPLANATION}: ask {item.owner}."
        history = f" {months_sentence(item.months)}." if item.months else ""
        out += text_item(
            f"{item.kpi.name}, {status_words(item.status)}: {item.value} against "
            f"{item.target} ({item.gap}).{history} {why}",
            item.url,
        )
    if not readout.off_target:
        out.append("Every KPI with a target is on target.")
    out += ["", "Biggest moves", "-" * 13]
    for move in readout.moves:
        out += text_item(
            f"{move.kpi.name}: {move.previous} -> {move.value} ({move.change}, {move_words(move)})",
            move.url,
        )
    if not readout.moves:
        out.append("No KPI changed since the month before.")
    if readout.pacing:
        out += ["", "Pace of the year", "-" * 16]
        for pace in readout.pacing:
            out += text_item(
                f"{pace.kpi.name} heading for {pace.forecast} against {pace.target} "
                f"({pace.gap}), {status_words(pace.pace)}",
                pace.url,
            )
    out += ["", "Restated since the last review", "-" * 30]
    for restated in readout.restatements:
        out += text_item(
            f"{restated.kpi.name}: {restated.sentence} ({restated.date}, {restated.author})",
            None,
        )
    if not readout.restatements:
        out.append("Nothing was restated.")
    return "\n".join(out) + "\n"


_UNIT_SPACE = re.compile(r" (?=%|pp\b)")
_LINE_BREAKS = re.compile(r"[ \t\r\n]+")
"""Ordinary white space only: the thin spaces that group thousands stay."""


def text_item(text: str, url: str | None) -> list[str]:
    """A list item wrapped at WIDTH, never between a number and its unit, its link on a line
    of its own (a link must not wrap)."""
    one_line = _UNIT_SPACE.sub("\u00a0", _LINE_BREAKS.sub(" ", text).strip())
    lines = textwrap.wrap(
        one_line, WIDTH, initial_indent="- ", subsequent_indent="  ", break_on_hyphens=False
    )
    return [line.replace("\u00a0", " ") for line in lines] + ([f"  {url}"] if url else [])
