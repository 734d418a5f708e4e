"""``kpi set`` and ``kpi import``: check every request, apply them, validate the result, and
write all files or none.

Nothing is written until every request is valid and the scorecard as it would be afterwards
validates. The files are then replaced one by one (each through a temporary file and an atomic
rename); if anything fails half-way, the files already replaced get their old bytes back.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kpi_scorecard.edit.files import FileError, read_text, reason
from kpi_scorecard.edit.files import write_all as write_all  # its home before files.py
from kpi_scorecard.edit.lines import Edit, EditError, apply_edits
from kpi_scorecard.edit.plausible import CONFIRM_HINT, Recorded, far_from_history
from kpi_scorecard.errors import Problem, Problems, one_line, quote
from kpi_scorecard.model import Kpi, Scorecard, month_str, parse_month
from kpi_scorecard.read.fields import did_you_mean, number_hint
from kpi_scorecard.read.load import DECIMAL, NULL_WORDS
from kpi_scorecard.read.validate import SEGMENT_NAME, load_scorecard

CSV_COLUMNS = ("kpi", "month", "value", "note", "segment")
"""The columns in their default order; a header row may name them in any order."""
REQUIRED_COLUMNS = CSV_COLUMNS[:3]
NONZERO_DIGIT = re.compile(r"^[^eE]*[1-9]")
CSV_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
"""How the csv module ends lines (and so how lines are counted in its messages)."""
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Request:
    """One value to record, as the user wrote it, and where it came from."""

    kpi_id: str
    month: str
    value: str
    note: str | None
    origin: str
    """``FILE.csv`` or ``kpi set``: where a problem is reported."""
    line: int = 1
    segment: str | None = None
    """Record the value of this segment (``segments.<segment>``) instead of the total."""


@dataclass(frozen=True)
class Checks:
    """What the user said to accept that would otherwise be refused."""

    confirm: bool = False
    """Values far outside their KPI's history (``--confirm``)."""
    new_segments: bool = False
    """Segments the KPI does not have yet (``--new-segment``)."""


@dataclass(frozen=True)
class Result:
    """What a recording did: the files written and each value as it was and is now."""

    files: list[Path]
    recorded: list[Recorded]


def record(
    root: Path,
    requests: list[Request],
    earlier: Iterable[Problem] = (),
    checks: Checks = Checks(),
) -> Result:
    """Apply ``requests``. Raises ValidationFailed (nothing written) with ``earlier`` problems
    (from reading the requests) and every bad request."""
    new_texts, recorded = prepare(root, requests, earlier, checks)
    write_all(new_texts, root)
    return Result(sorted(new_texts), recorded)


def prepare(
    root: Path,
    requests: list[Request],
    earlier: Iterable[Problem] = (),
    checks: Checks = Checks(),
) -> tuple[dict[Path, str], list[Recorded]]:
    """The new text of every file ``requests`` change and what each value was and is, checked
    as ``record`` checks them; nothing is written (``kpi pull --dry-run`` shows them)."""
    scorecard, _ = load_scorecard(root)
    problems = Problems()
    problems.extend(earlier)
    recorded: list[Recorded] = []
    edits = check_requests(scorecard, requests, problems, checks, recorded)
    problems.raise_if_errors()
    new_texts = {}
    for path, file_edits in edits.items():
        new_texts[root / path] = _edited(root / path, path, file_edits)
    check_result(root, new_texts)
    return new_texts, recorded


def check_requests(
    scorecard: Scorecard,
    requests: Iterable[Request],
    problems: Problems,
    checks: Checks = Checks(),
    recorded: list[Recorded] | None = None,
) -> dict[str, list[Edit]]:
    """KPI file path -> its edits; every bad request is reported, every good one added to
    ``recorded``."""
    edits: dict[str, list[Edit]] = {}
    seen: dict[tuple[str, str, str | None], int] = {}
    for request in requests:
        checked = _check(scorecard, request, problems, checks)
        if checked is None:
            continue
        edit, change = checked
        key = (request.kpi_id, edit.month, edit.segment)
        if key in seen:
            problems.error(
                request.origin,
                request.line,
                f"{' '.join(filter(None, key))} is given twice (first at line {seen[key]})",
            )
            continue
        seen[key] = request.line
        edits.setdefault(change.kpi.path, []).append(edit)
        if recorded is not None:
            recorded.append(change)
    return edits


def _check(
    scorecard: Scorecard, request: Request, problems: Problems, checks: Checks
) -> tuple[Edit, Recorded] | None:
    def error(message: str, expected: str | None = None) -> None:
        problems.error(request.origin, request.line, message, expected)

    if _has_undecodable_bytes(request):
        error("the text is not valid UTF-8", "write the command line or the file in UTF-8")
        return None
    kpi = scorecard.kpis.get(request.kpi_id)
    ok = kpi is not None
    if kpi is None:
        hint = did_you_mean(request.kpi_id, scorecard.kpis, "expected the id of a KPI")
        error(f"unknown KPI {quote(request.kpi_id)}", hint)
    elif kpi.formula is not None:
        error(
            f"{kpi.id} is calculated by its formula ({kpi.formula}), so it has no values to set",
            "set the KPIs of the formula instead",
        )
        ok = False
    month = parse_month(request.month.strip())
    if month is None:
        error(f"bad month {quote(request.month)}", "expected YYYY-MM, e.g. 2026-03")
    value, value_ok = _value(request.value, error)
    if request.segment is not None and not SEGMENT_NAME.match(request.segment):
        error(
            f"segment: {quote(request.segment)} is not a segment name", "letters, digits, _ . and -"
        )
        ok = False
    if kpi is not None and request.segment is not None and ok and not checks.new_segments:
        ok = _known_segment(kpi, request.segment, error)
    if not (ok and value_ok) or month is None or kpi is None:
        return None
    if not checks.confirm:
        far = far_from_history(kpi, request.segment, month, value, scorecard.settings.currency)
        if far is not None:
            error(f"value: {far}", CONFIRM_HINT)
            return None
    note = request.note if request.note and request.note.strip() else None
    segment = request.segment or None
    change = Recorded(kpi, month, segment, value, note, scorecard.settings.currency)
    return Edit(month_str(month), value, True, note, segment), change


def _known_segment(kpi: Kpi, segment: str, error: Callable[[str, str], None]) -> bool:
    """Whether ``kpi`` has ``segment``; a new one needs --new-segment (a typo would start a
    channel of its own)."""
    if segment in kpi.segments:
        return True
    if not kpi.segments:
        error(f"segment: {kpi.id} has no segments yet", "a new segment needs --new-segment")
    else:
        hint = did_you_mean(segment, kpi.segments, "")
        if hint:  # "did you mean 'search'?"
            hint += " A new segment needs --new-segment"
        else:
            hint = f"its segments: {', '.join(kpi.segments)}; a new segment needs --new-segment"
        error(f"segment: {kpi.id} has no segment {quote(segment)}", hint)
    return False


def _has_undecodable_bytes(request: Request) -> bool:
    """Arguments that were not UTF-8 reach Python as lone surrogates (PEP 383)."""
    texts = (request.kpi_id, request.month, request.value, request.note, request.segment)
    return any(text and SURROGATE.search(text) for text in texts)


def _value(text: str, error: Callable[[str, str], None]) -> tuple[float | None, bool]:
    """The value (None: not reported) and whether it is one; reports why not."""
    text = text.strip()
    if text in NULL_WORDS:
        return None, True
    if not DECIMAL.match(text):
        error(
            f"value: {quote(text)} is not a number",
            number_hint(text, "expected a number such as 1250 or 3.5, or null"),
        )
        return None, False
    value = float(text)
    if value in (float("inf"), float("-inf")):
        error(f"value: {quote(text)} is too large", "expected a finite number")
        return None, False
    if value == 0 and NONZERO_DIGIT.match(text):
        error(f"value: {quote(text)} is too small to be told from 0", "expected a number")
        return None, False
    return value, True


def _edited(path: Path, relative: str, edits: list[Edit]) -> str:
    """The file's new text; its byte order mark and line endings are kept."""
    try:
        return apply_edits(read_text(path, relative), edits)
    except EditError as error:
        raise EditError(f"{relative}: cannot edit the file: {error}") from None


def check_result(root: Path, new_texts: dict[Path, str]) -> None:
    """Validate the scorecard as it would be, in a temporary copy; raise with its problems."""
    with tempfile.TemporaryDirectory(prefix="kpi-record-") as folder:
        copy = Path(folder)
        # links are copied as the files they point to; a dangling one is no KPI file
        shutil.copytree(root / "kpis", copy / "kpis", ignore_dangling_symlinks=True)
        for path, text in new_texts.items():
            target = copy / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.parent.chmod(0o700)  # the copy keeps the modes of read-only folders and files
            target.unlink(missing_ok=True)
            target.write_bytes(text.encode("utf-8"))
        load_scorecard(copy)


# -- CSV --------------------------------------------------------------------------------------
# Lines are counted as the csv module counts them (\n, \r\n or \r end a line), and a row is
# reported at the line where it starts.


def read_csv(path: Path, label: str) -> tuple[list[Request], list[Problem]]:
    """``kpi,month,value[,note[,segment]]`` rows; a BOM, CRLF line ends and a header row (on
    the first line) are fine, and a header row may put the columns in any order. Anything the
    csv module cannot read strictly is an error at its line."""
    problems = Problems()
    text = _csv_text(path, label, problems)
    if text is None:
        return [], problems.items
    columns = list(CSV_COLUMNS)
    requests: list[Request] = []
    for line, row in _csv_rows(text, label, problems):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if _is_header(cells):
            if line != 1:
                problems.error(
                    label, line, "a header row belongs on the first line", "move it up or remove it"
                )
                return requests, problems.items
            header = _header(cells, label, problems)
            if header is None:  # the rows cannot be read without their columns
                return requests, problems.items
            columns = header
            continue
        if not _required_count(columns) <= len(cells) <= len(columns):
            problems.error(label, line, *_column_count(columns, len(cells)))
            continue
        named = dict(zip(columns, row, strict=False))
        requests.append(
            Request(
                named["kpi"].strip(),
                named["month"].strip(),
                named["value"].strip(),
                named.get("note") or None,
                label,
                line,
                named.get("segment", "").strip() or None,
            )
        )
    return requests, problems.items


def _csv_text(path: Path, label: str, problems: Problems) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileError(f"{one_line(label)}: cannot read: {reason(error)}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = len(CSV_LINE_BREAK.split(data[: error.start]))
        problems.error(
            label, line, f"the file is not valid UTF-8: byte {error.start}", "save it as UTF-8"
        )
        return None


def _csv_rows(text: str, label: str, problems: Problems) -> Iterator[tuple[int, list[str]]]:
    """(the line a row starts on, its cells); stops at the first thing that is not CSV."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.error(label, start, *_csv_problem(str(error)))
            return
        yield start, row


def _csv_problem(reason: str) -> tuple[str, str]:
    if reason == "unexpected end of data":
        return "a quoted field that starts on this line is never closed", 'close it with "'
    if reason.startswith("field larger than field limit"):
        return f"a field is too long ({reason})", "split it or shorten the note"
    return f"not valid CSV: {reason}", 'quote fields that hold , or " (doubling the " inside)'


def _is_header(cells: list[str]) -> bool:
    """A header names at least two columns and has no month in it (every data row has one)."""
    names = [c.lower() for c in cells]
    return sum(name in CSV_COLUMNS for name in names) >= 2 and not any(
        parse_month(c) is not None for c in cells
    )


def _required_count(columns: list[str]) -> int:
    """How many cells a row needs: up to the last of kpi, month and value."""
    return 1 + max(columns.index(name) for name in REQUIRED_COLUMNS)


def _column_count(columns: list[str], found: int) -> tuple[str, str]:
    """The message and the expectation for a row with the wrong number of cells."""
    required = _required_count(columns)
    optional = columns[required:]
    expected = ",".join(columns[:required])
    expected += "".join(f"[,{c}" for c in optional) + "]" * len(optional)
    count = str(required) if not optional else f"{required} to {len(columns)}"
    return f"expected {count} columns, found {found}", expected


def _header(cells: list[str], label: str, problems: Problems) -> list[str] | None:
    """The columns a header row names, or None (after reporting why) when they are unusable."""
    names = [c.lower() for c in cells]
    count = len(problems.items)
    for index, name in enumerate(names):
        if name not in CSV_COLUMNS:
            hint = did_you_mean(name, CSV_COLUMNS, "expected " + ", ".join(CSV_COLUMNS))
            problems.error(label, 1, f"unknown column {quote(name)}", hint)
        elif name in names[:index]:
            problems.error(label, 1, f"the column {quote(name)} is named twice")
    for name in REQUIRED_COLUMNS:
        if name not in names:
            problems.error(
                label,
                1,
                f"the header has no {quote(name)} column",
                "kpi, month and value are required",
            )
    return names if len(problems.items) == count else None


def record_csv(
    root: Path,
    path: Path,
    label: str,
    checks: Checks = Checks(),
) -> Result:
    requests, problems = read_csv(path, label)
    return record(root, requests, problems, checks)
