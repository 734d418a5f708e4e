"""What each monthly review showed, and what changed since (contract 5.1).

The review of month M is held on ``review.held[M]``, else on day ``review.day`` of M+1. It showed
the scorecard at the last first-parent commit committed on or before that day, with ``as_of`` =
M. The history step already listed every first-parent commit with the files it changed and read
every version of every file under ``kpis/``, so the state at a review's commit is replayed from
those blobs without asking git again, and computed by ``compute`` like today's figures. What a
review showed never changes once its commit is known: it is cached by commit (``mkdocs serve``
pays nothing for old reviews); only the ``since`` list, which grows with new commits, is
worked out at each build.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Literal, NamedTuple

from kpi_scorecard.audit.changes import Change
from kpi_scorecard.audit.history import Entry, History, Revision, blob_sizes, read_blobs
from kpi_scorecard.errors import ValidationFailed
from kpi_scorecard.figures.compute import FiguresAt, compute
from kpi_scorecard.figures.rotation import assign_presenters
from kpi_scorecard.model import Figures, Kpi, Month, Scorecard, Settings, month_str
from kpi_scorecard.read.earlier import forget_layouts, kpi_before
from kpi_scorecard.read.validate import ReadCache, current_read_cache, scorecard_from_files
from kpi_scorecard.workers import process_count, run_shares, weighted_runs

VALUE_KINDS = ("added", "restated", "removed")
NO_RECORD_BEFORE = "the history holds no commit from before the review"
INVALID = "the scorecard had errors at the review's commit, so it showed no figures"

State = Literal["reported", "draft", "no_record"]


class Reported(NamedTuple):
    """One KPI as a review showed it; the KPI keeps only what its figures are written with
    (unit, decimals, currency, name, category), not its months. A named tuple: the processes
    that work out past reviews hand over a thousand of them per review (pickled)."""

    kpi: Kpi
    figures: Figures
    presenter: str | None
    note: str | None


@dataclass(frozen=True)
class Since:
    """A change committed after the review's commit that touches what the review showed."""

    kpi: str
    change: Change
    commit: str
    date: str | None
    author: str | None
    subject: str


@dataclass(frozen=True)
class Review:
    """The review of one month: when it is held, and what it showed."""

    month: Month
    held: date
    state: State
    commit: str | None = None
    reason: str | None = None
    """Why there is no record (or no figures), in words for the pack."""
    kpis: Mapping[str, Reported] = dataclasses.field(default_factory=dict)
    """KPI id -> as reported, sorted by id: the KPIs the scorecard had then."""
    since: tuple[Since, ...] = ()
    """Newest first."""

    def changed(self, kpi_id: str, month: Month) -> list[Since]:
        """The changes since the review to a KPI's value of ``month``, newest first."""
        text = month_str(month)
        return [
            s
            for s in self.since
            if s.kpi == kpi_id and s.change.kind in VALUE_KINDS and s.change.month == text
        ]


_shown: dict[tuple[str, Month], dict[str, Reported] | None] = {}
"""(commit, month) -> what the review showed (None: the scorecard did not validate then)."""


def today() -> date:
    """The build's day: SOURCE_DATE_EPOCH (the commit's time, for reproducible builds) or now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return now.date()


def reviews(
    settings: Settings,
    history: History,
    months: Iterable[Month],
    current: Scorecard | None = None,
) -> dict[Month, Review]:
    """Every review of ``months``: reported, a draft (still ahead) or without a record.
    ``current``: the scorecard now, whose figures a KPI takes where its file then had the same
    values up to the review's month (most KPIs, whose later months were added since)."""
    day = today()
    dates = [_utc_day(revision.committed) for revision in history.revisions]  # newest first
    found: dict[Month, Review] = {}
    reported: dict[Month, tuple[date, int]] = {}
    for month in months:
        held = settings.review_date(month)
        index = next((i for i, committed in enumerate(dates) if committed <= held), None)
        if held > day:
            found[month] = Review(month, held, "draft")
        elif index is None:
            reason = history.incomplete or NO_RECORD_BEFORE
            found[month] = Review(month, held, "no_record", reason=reason)
        else:
            reported[month] = (held, index)
    shas = {m: history.revisions[i].sha for m, (_, i) in reported.items()}
    shown = _showed(history, shas, None if current is None else FiguresAt(current))
    committed = _committed_changes(history)
    for month, (held, index) in reported.items():
        kpis = shown[(shas[month], month)]
        since = tuple(_since(committed, index, month))
        invalid = None if kpis is not None else INVALID
        found[month] = Review(month, held, "reported", shas[month], invalid, kpis or {}, since)
    return found


def commit_of(revisions: tuple[Revision, ...], held: date) -> str | None:
    """The last first-parent commit committed on or before ``held`` (UTC)."""
    return next((r.sha for r in revisions if _utc_day(r.committed) <= held), None)


def _utc_day(moment: str) -> date:
    return datetime.fromisoformat(moment).astimezone(UTC).date()


Committed = list[tuple[int, str, Entry, str]]
"""Committed entries: (their commit's place on the first-parent line, 0 the newest; the KPI;
the entry; the earliest month it changes, "" for a definition)."""


def _committed_changes(history: History) -> Committed:
    """Every committed entry, newest first: changes become Since items only for the entries
    after some review (the first commit alone can hold every value of every KPI)."""
    order = {revision.sha: index for index, revision in enumerate(history.revisions)}
    entries = [
        (order[entry.commit], kpi_id, entry, min(c.month or "" for c in entry.changes))
        for kpi_id, kpi_entries in history.entries.items()
        for entry in kpi_entries
        if entry.commit in order and entry.changes
    ]
    entries.sort(key=lambda item: item[0])
    return entries


def _since(committed: Committed, index: int, month: Month) -> Iterator[Since]:
    """Changes committed after the review's commit (``index``) to values of months up to
    ``month`` and to definitions, newest first; uncommitted edits are not listed. A note is
    a month's too: one written for a later month says nothing about what the review showed
    (with a commit a month, every later note would be listed under every review, and most
    entries after a review only add later months: they are passed over in one look)."""
    text = month_str(month)
    for place, kpi_id, entry, earliest in committed:
        if place >= index:
            break
        if earliest > text:
            continue
        for change in entry.changes:
            if change.month is None or change.month <= text:
                yield Since(
                    kpi_id, change, entry.commit or "", entry.date, entry.author, entry.subject
                )


def _showed(
    history: History, wanted: Mapping[Month, str], current: FiguresAt | None
) -> dict[tuple[str, Month], dict[str, Reported] | None]:
    """What each review showed: the files are replayed from the oldest commit on, each
    review's state is read and computed at its commit, and the reviews are shared out between
    processes in runs of consecutive reviews (the files unchanged since the review before are
    not read again)."""
    missing = {m: sha for m, sha in wanted.items() if (sha, m) not in _shown}
    by_commit: dict[str, list[Month]] = {}
    for month, sha in missing.items():
        by_commit.setdefault(sha, []).append(month)
    files: dict[str, str] = {}  # path -> blob
    states: list[tuple[str, Month, dict[str, str]]] = []
    read_again: list[set[str]] = []  # the blobs of the files each state reads again
    changed: set[str] = set()
    for revision in reversed(history.revisions):
        if not by_commit:
            break
        changed.update(_apply(files, revision))
        for month in by_commit.pop(revision.sha, []):
            states.append((revision.sha, month, dict(files)))
            read_again.append({files[path] for path in changed if path in files})
            changed = set()
    repository = history.repository
    sizes = blob_sizes(repository, set().union(*read_again)) if repository and states else {}
    # what each state costs: the bytes it reads again, and its KPIs
    weights = [
        sum(sizes.get(sha, 0) for sha in shas) + PER_FILE * len(state[2])
        for shas, state in zip(read_again, states, strict=True)
    ]
    parts = weighted_runs(states, weights, process_count())
    work = partial(_figures_of_states, current, repository)
    for part, shown in zip(parts, run_shares(work, parts), strict=True):
        for (sha, month, _), reported in zip(part, shown, strict=True):
            _shown[(sha, month)] = reported
    return {(sha, m): _shown[(sha, m)] for m, sha in wanted.items()}


def _figures_of_states(
    current: FiguresAt | None,
    repository: str | None,
    states: list[tuple[str, Month, dict[str, str]]],
) -> list[dict[str, Reported] | None]:
    """The states of a run of reviews, newest first, each reading from git only the files
    that changed since the one read before (the same bytes otherwise, which the read cache
    knows at a look). A file that differs from its version read before only by later months
    is read from it (read/earlier.py): with a commit a month, every file of every review."""
    cache = current_read_cache()
    held: dict[str, bytes] = {}  # blob -> content, of the state read before
    shown = []
    for _, month, files in reversed(states):
        wanted = set(files.values())
        read = read_blobs(repository, wanted - held.keys()) if repository else {}
        held = {
            sha: data
            for sha in wanted
            if (data := held[sha] if sha in held else read.get(sha)) is not None
        }
        contents = {path: held[sha] for path, sha in files.items() if sha in held}
        _read_from_later(contents, cache)
        shown.append(_figures_at(contents, month, cache, current))
    forget_layouts()
    shown.reverse()
    return shown


def _read_from_later(contents: Mapping[str, bytes], cache: ReadCache) -> None:
    """Each KPI file that the cache holds a later version of, read without a problem, and
    that differs from it only by months, is put in the cache as read from it."""
    for path, data in contents.items():
        cached = cache.get(path)
        if cached is None or cached[0] == data or cached[1] is None or cached[2]:
            continue
        earlier = kpi_before(cached[1], cached[0], data)
        if earlier is not None:
            cache[path] = (data, earlier, ())


def _apply(files: dict[str, str], revision: Revision) -> Iterator[str]:
    """The revision's changes to the files (path -> blob); the paths it changed."""
    for old_path, new_path, _, new_sha in revision.files:
        if old_path is not None:
            files.pop(old_path, None)
        if new_path is not None and new_sha is not None:
            files[new_path] = new_sha
            yield new_path


PER_FILE = 600
"""What a KPI costs a review beyond reading its file (its figures, its presenter), in the
bytes of YAML that take as long to read."""


def _figures_at(
    contents: Mapping[str, bytes], month: Month, cache: ReadCache, current: FiguresAt | None
) -> dict[str, Reported] | None:
    try:
        scorecard = scorecard_from_files(contents, cache)
    except ValidationFailed:
        return None
    settings = dataclasses.replace(scorecard.settings, as_of=month)
    scorecard = dataclasses.replace(scorecard, settings=settings)
    known = set()
    if current is not None:
        known = {
            k for k, kpi in scorecard.kpis.items() if current.same_figures(kpi, month, settings)
        }
    results, _ = compute(scorecard, with_series=False, only=set(scorecard.kpis) - known)
    presenters = assign_presenters(scorecard, month)
    return {
        kpi_id: Reported(
            _slim(kpi),
            current.figures(kpi_id, month)
            if current and kpi_id in known
            else results.figures[kpi_id],
            presenters.get(kpi_id),
            kpi.notes.get(month),
        )
        for kpi_id, kpi in scorecard.kpis.items()
    }


_slims: dict[str, tuple[Kpi, Kpi]] = {}
"""KPI id -> (its last version, that version slim): the reviews that showed the same
definition share one."""


def _slim(kpi: Kpi) -> Kpi:
    """A KPI without its months: what is kept of it for every review costs little memory."""
    known = _slims.get(kpi.id)
    if known is not None and known[0] is kpi:  # the same file as the review before
        return known[1]
    slim = dataclasses.replace(
        kpi, values={}, notes={}, segments={}, segment_targets={}, description="", lines={}
    )
    if known is not None and known[1] == slim:
        slim = known[1]
    _slims[kpi.id] = (kpi, slim)
    return slim
