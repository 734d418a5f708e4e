"""``kpi import FILE.xlsx``: the first sheet of a workbook read like the CSV file of
``kpi import`` (``kpi, month, value[, note[, segment]]`` columns, an optional header row).

pandas reads the sheet (with openpyxl) cell by cell as the workbook types them: a month is a
date cell or ``YYYY-MM`` text, a value a number cell (an empty cell is "not reported"). A
number typed as text is refused rather than guessed, as a quoted number is in a KPI file.
Every problem names ``FILE.xlsx:ROW``, the row number the spreadsheet shows.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpi_scorecard.edit.files import FileError
from kpi_scorecard.edit.record import (
    CSV_COLUMNS,
    REQUIRED_COLUMNS,
    Checks,
    Request,
    Result,
    record,
)
from kpi_scorecard.errors import Problem, Problems, one_line, quote
from kpi_scorecard.model import number_literal
from kpi_scorecard.read.fields import did_you_mean

NUMBER_TYPES = (int, float)
NUMBER_CELL = "expected a number cell: format the cell as a number"


def record_workbook(root: Path, path: Path, label: str, checks: Checks) -> Result:
    """Record every row of the first sheet, or none (ValidationFailed lists every bad row)."""
    requests, problems = read_workbook(path, label)
    return record(root, requests, problems, checks)


def read_workbook(path: Path, label: str) -> tuple[list[Request], list[Problem]]:
    problems = Problems()
    rows = _sheet_rows(path, label)
    columns = list(CSV_COLUMNS)
    requests = []
    for number, cells in rows:
        if not any(_filled(cell) for cell in cells):
            continue
        if _is_header(cells):
            if number != _first_filled_row(rows):
                problems.error(label, number, "a header row belongs above the data")
                continue
            header = _header(cells, label, number, problems)
            if header is None:
                return [], problems.items
            columns = header
            continue
        request = _request(columns, cells, label, number, problems)
        if request is not None:
            requests.append(request)
    return requests, problems.items


def _sheet_rows(path: Path, label: str) -> list[tuple[int, list[Any]]]:
    """(the spreadsheet's row number, the cells) of the first sheet, blank cells as None."""
    import pandas as pd

    try:
        frame = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        reason = one_line(str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise FileError(
            f"{one_line(label)}: cannot read the workbook: {reason[:200]}"
            " (expected an .xlsx file saved by Excel, LibreOffice or Google Sheets)"
        ) from None
    rows = []
    for index, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        cells = [None if _blank(cell) else cell for cell in values]
        while cells and cells[-1] is None:
            cells.pop()
        rows.append((index, cells))
    return rows


def _blank(cell: object) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and not cell.strip()


def _filled(cell: object) -> bool:
    return cell is not None


def _first_filled_row(rows: Sequence[tuple[int, list[Any]]]) -> int:
    return next(number for number, cells in rows if any(_filled(c) for c in cells))


def _is_header(cells: list[Any]) -> bool:
    """Text only, naming at least two of the columns."""
    names = [str(c).strip().lower() for c in cells if c is not None]
    texts = all(isinstance(c, str) for c in cells if c is not None)
    return texts and sum(name in CSV_COLUMNS for name in names) >= 2


def _header(cells: list[Any], label: str, row: int, problems: Problems) -> list[str] | None:
    names = [str(c or "").strip().lower() for c in cells]
    count = len(problems.items)
    for index, name in enumerate(names):
        if name not in CSV_COLUMNS:
            hint = did_you_mean(name, CSV_COLUMNS, "expected " + ", ".join(CSV_COLUMNS))
            problems.error(label, row, f"unknown column {quote(name)}", hint)
        elif name in names[:index]:
            problems.error(label, row, f"the column {quote(name)} is named twice")
    for name in REQUIRED_COLUMNS:
        if name not in names:
            problems.error(
                label, row, f"the header has no {quote(name)} column", "kpi, month and value"
            )
    return names if len(problems.items) == count else None


def _request(
    columns: list[str], cells: list[Any], label: str, row: int, problems: Problems
) -> Request | None:
    if len(cells) > len(columns):
        problems.error(
            label,
            row,
            f"expected at most {len(columns)} columns, found {len(cells)}",
            ", ".join(columns),
        )
        return None
    named = dict(zip(columns, cells, strict=False))
    ok = True
    kpi = named.get("kpi")
    if not isinstance(kpi, str):
        problems.error(label, row, f"kpi: {_shown(kpi)} is not a KPI id", "expected text")
        ok = False
    month = _month(named.get("month"), label, row, problems)
    value = _value(named.get("value"), label, row, problems)
    note, segment = named.get("note"), named.get("segment")
    if not ok or month is None or value is None:
        return None
    return Request(
        str(kpi).strip(),
        month,
        value,
        None if note is None else str(note),
        label,
        row,
        None if segment is None else str(segment).strip(),
    )


def _month(cell: object, label: str, row: int, problems: Problems) -> str | None:
    """A date cell -> ``YYYY-MM``; text is checked by ``kpi set``'s rules."""
    if isinstance(cell, dt.date):
        return f"{cell.year:04d}-{cell.month:02d}"
    if isinstance(cell, str):
        return cell.strip()
    problems.error(
        label,
        row,
        f"month: {_shown(cell)} is not a month",
        "expected a date cell or YYYY-MM text",
    )
    return None


def _value(cell: object, label: str, row: int, problems: Problems) -> str | None:
    """A number cell -> its text; an empty cell or ``null`` -> not reported."""
    if cell is None:
        return "null"
    if isinstance(cell, NUMBER_TYPES) and not isinstance(cell, bool):
        if not math.isfinite(cell):
            problems.error(label, row, f"value: {_shown(cell)} is not a finite number")
            return None
        return number_literal(float(cell))
    if isinstance(cell, str) and cell.strip().lower() == "null":
        return "null"
    problems.error(label, row, f"value: {_shown(cell)} is not a number cell", NUMBER_CELL)
    return None


def _shown(cell: object) -> str:
    if cell is None:
        return "an empty cell"
    return quote(cell if isinstance(cell, str) else str(cell))
