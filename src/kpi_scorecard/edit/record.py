"""``kpi set`` and ``kpi import``: check every request, apply them, validate the result, and
write all files or none.

Nothing is written until every request is valid and the scorecard as it would be afterwards
validates. The files are then replaced one by one (each through a temporary file and an atomic
rename); if anything fails half-way, the files already replaced get their old bytes back.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kpi_scorecard.edit.lines import Edit, apply_edits
from kpi_scorecard.errors import Problem, Problems
from kpi_scorecard.model import Scorecard, month_str, parse_month
from kpi_scorecard.read.fields import did_you_mean
from kpi_scorecard.read.load import DECIMAL, NULL_WORDS
from kpi_scorecard.read.validate import SEGMENT_NAME, load_scorecard

CSV_COLUMNS = ("kpi", "month", "value", "note", "segment")
"""The columns in their default order; a header row may name them in any order."""


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


def record(root: Path, requests: list[Request], earlier: Iterable[Problem] = ()) -> list[Path]:
    """Apply ``requests``; returns the files changed. Raises ValidationFailed (nothing written)
    with ``earlier`` problems (from reading the requests) and every bad request."""
    scorecard, _ = load_scorecard(root)
    problems = Problems()
    problems.extend(earlier)
    edits = check_requests(scorecard, requests, problems)
    problems.raise_if_errors()
    new_texts = {}
    for path, file_edits in edits.items():
        new_texts[root / path] = _edited(root / path, file_edits)
    check_result(root, new_texts)
    write_all(new_texts)
    return sorted(new_texts)


def check_requests(
    scorecard: Scorecard, requests: Iterable[Request], problems: Problems
) -> dict[str, list[Edit]]:
    """KPI file path -> its edits; every bad request is reported."""
    edits: dict[str, list[Edit]] = {}
    seen: dict[tuple[str, str, str | None], int] = {}
    for request in requests:
        edit = _check(scorecard, request, problems)
        if edit is None:
            continue
        key = (request.kpi_id, edit.month, edit.segment)
        if key in seen:
            problems.error(
                request.origin,
                request.line,
                f"{' '.join(filter(None, key))} is given twice (first at line {seen[key]})",
            )
            continue
        seen[key] = request.line
        edits.setdefault(scorecard.kpis[request.kpi_id].path, []).append(edit)
    return edits


def _check(scorecard: Scorecard, request: Request, problems: Problems) -> Edit | None:
    def error(message: str, expected: str | None = None) -> None:
        problems.error(request.origin, request.line, message, expected)

    kpi = scorecard.kpis.get(request.kpi_id)
    ok = kpi is not None
    if kpi is None:
        hint = did_you_mean(request.kpi_id, scorecard.kpis, "expected the id of a KPI")
        error(f"unknown KPI '{request.kpi_id}'", hint)
    elif kpi.formula is not None:
        error(
            f"{kpi.id} is calculated by its formula ({kpi.formula}), so it has no values to set",
            "set the KPIs of the formula instead",
        )
        ok = False
    month = parse_month(request.month.strip())
    if month is None:
        error(f"bad month '{request.month}'", "expected YYYY-MM, e.g. 2026-03")
    value_text = request.value.strip()
    if value_text not in NULL_WORDS and not DECIMAL.match(value_text):
        error(
            f"value: '{request.value}' is not a number",
            "expected a number such as 1250 or 3.5, or null",
        )
        ok = False
    if request.segment is not None and not SEGMENT_NAME.match(request.segment):
        error(f"segment: '{request.segment}' is not a segment name", "letters, digits, _ . and -")
        ok = False
    if not ok or month is None:
        return None
    value = None if value_text in NULL_WORDS else float(value_text)
    if value is not None and value in (float("inf"), float("-inf")):
        error(f"value: {value_text} is too large", "expected a finite number")
        return None
    note = request.note if request.note and request.note.strip() else None
    return Edit(month_str(month), value, True, note, request.segment or None)


def _edited(path: Path, edits: list[Edit]) -> str:
    """The file's new text; its byte order mark and line endings are kept."""
    raw = path.read_bytes().decode("utf-8")
    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    text = raw.removeprefix("\ufeff")
    crlf = "\r\n" in text
    new = apply_edits(text.replace("\r\n", "\n"), edits)
    return bom + (new.replace("\n", "\r\n") if crlf else new)


def check_result(root: Path, new_texts: dict[Path, str]) -> None:
    """Validate the scorecard as it would be, in a temporary copy; raise with its problems."""
    with tempfile.TemporaryDirectory(prefix="kpi-record-") as folder:
        copy = Path(folder)
        shutil.copytree(root / "kpis", copy / "kpis")
        for path, text in new_texts.items():
            target = copy / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        load_scorecard(copy)


def write_all(new_texts: dict[Path, str]) -> None:
    """Write every file (each through a temporary file and an atomic rename), or, when
    anything fails, put back the files already replaced and remove the ones created."""
    originals = {path: path.read_bytes() if path.exists() else None for path in new_texts}
    replaced: list[Path] = []
    try:
        for path, text in new_texts.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.kpi-new")
            temporary.write_bytes(text.encode("utf-8"))
            os.replace(temporary, path)
            replaced.append(path)
    except BaseException:
        for path in replaced:
            original = originals[path]
            if original is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(original)
        for path in new_texts:
            path.with_name(f".{path.name}.kpi-new").unlink(missing_ok=True)
        raise


# -- CSV --------------------------------------------------------------------------------------


def read_csv(path: Path, label: str) -> tuple[list[Request], list[Problem]]:
    """``kpi,month,value[,note[,segment]]`` rows; a BOM, CRLF line ends and a header row are
    fine, and a header row may put the columns in any order."""
    problems = Problems()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.error(
            label, 1, f"the file is not valid UTF-8: byte {error.start}", "save it as UTF-8"
        )
        return [], problems.items
    reader = csv.reader(io.StringIO(text, newline=""))
    columns = list(CSV_COLUMNS)
    requests = []
    for row in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if line == 1 and {"kpi", "month", "value"} <= {c.lower() for c in cells}:
            columns = _header(cells, label, problems)
            continue
        if not 3 <= len(cells) <= len(columns):
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


def _column_count(columns: list[str], found: int) -> tuple[str, str]:
    """The message and the expectation for a row with the wrong number of cells."""
    optional = columns[3:]
    expected = ",".join(columns[:3]) + "".join(f"[,{c}" for c in optional) + "]" * len(optional)
    count = "3" if not optional else f"3 to {len(columns)}"
    return f"expected {count} columns, found {found}", expected


def _header(cells: list[str], label: str, problems: Problems) -> list[str]:
    names = [c.lower() for c in cells]
    for name in names:
        if name not in CSV_COLUMNS:
            hint = did_you_mean(name, CSV_COLUMNS, "expected " + ", ".join(CSV_COLUMNS))
            problems.error(label, 1, f"unknown column '{name}'", hint)
    return names


def record_csv(root: Path, path: Path, label: str) -> list[Path]:
    requests, problems = read_csv(path, label)
    return record(root, requests, problems)
