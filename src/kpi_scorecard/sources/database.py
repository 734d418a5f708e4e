"""Run the KPIs' queries (contract 8) through SQLAlchemy and turn their rows into the requests
that ``kpi set`` records.

Each database of ``scorecard.yaml`` is connected once; its URL's ``${VAR}`` are read from the
environment, a relative SQLite path is relative to the repository, and the queries run inside a
transaction that is rolled back, never committed. A URL is never printed: it may hold a
password. Every problem names the KPI file and the line of its ``query``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi_scorecard.edit.record import Request
from kpi_scorecard.errors import Problems, ScorecardError, quote
from kpi_scorecard.model import Database, Kpi, Month, Scorecard, month_str, number_literal
from kpi_scorecard.read.fields import did_you_mean
from kpi_scorecard.read.sources import VARIABLE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

COLUMNS = ("month", "value", "segment")
REQUIRED_COLUMNS = COLUMNS[:2]
MESSAGE_CHARS = 200
"""The most of a database's own message that is shown."""
DRIVER_EXTRAS = {"postgresql": "postgres"}
"""Dialect -> the extra of kpi-scorecard that installs its driver."""
ROWS_LISTED = 10
"""Bad rows listed for one query: a query that returns 100,000 wrong rows is one mistake."""
MONTH_TEXT = re.compile(r"^\d{4}-\d{2}\Z")


class SourceError(ScorecardError):
    """``kpi pull`` was asked for something that cannot be pulled (an unknown KPI)."""


@dataclass
class Place:
    """Where a problem with a KPI's source is reported: its file and the line of ``query``."""

    kpi: Kpi
    problems: Problems
    bad_rows: int = 0
    last_bad_row: int = 0

    def error(self, message: str, expected: str | None = None) -> None:
        line = self.kpi.source.line if self.kpi.source else self.kpi.line_of("source")
        self.problems.error(self.kpi.path, line, f"source: {message}", expected)

    def row_error(self, row: int, message: str, expected: str | None = None) -> None:
        """A bad row; after ROWS_LISTED of them, they are counted (see ``more_rows``)."""
        if row != self.last_bad_row:
            self.bad_rows += 1
            self.last_bad_row = row
        if self.bad_rows <= ROWS_LISTED:
            self.error(f"row {row}: {message}", expected)

    def more_rows(self) -> None:
        if self.bad_rows > ROWS_LISTED:
            more = self.bad_rows - ROWS_LISTED
            # "rows: ..." sorts after the "row N: ..." lines it sums up
            self.error(f"rows: {more} more {'are' if more > 1 else 'is'} wrong", "ten are listed")


def chosen_kpis(scorecard: Scorecard, ids: Sequence[str]) -> list[Kpi]:
    """The KPIs named (each must have a source), or every KPI that has one."""
    if not ids:
        return [kpi for kpi in scorecard.kpis.values() if kpi.source is not None]
    chosen = []
    for kpi_id in dict.fromkeys(ids):  # a KPI named twice is pulled once
        kpi = scorecard.kpis.get(kpi_id)
        if kpi is None:
            hint = did_you_mean(kpi_id, scorecard.kpis, "expected the id of a KPI")
            raise SourceError(f"unknown KPI {quote(kpi_id)} ({hint})")
        if kpi.source is None:
            raise SourceError(f"{kpi.id} has no source ({kpi.path} names no database query)")
        chosen.append(kpi)
    return chosen


def pull_requests(
    root: Path,
    scorecard: Scorecard,
    kpis: Sequence[Kpi],
    month: Month | None = None,
    environ: Mapping[str, str] = os.environ,
) -> tuple[list[Request], Problems]:
    """Every row the KPIs' queries return (of ``month`` only, when given) as a request, and
    every problem; the caller records nothing when there is any."""
    problems = Problems()
    requests: list[Request] = []
    by_database: dict[str, list[Kpi]] = {}
    for kpi in kpis:
        assert kpi.source is not None  # chosen_kpis keeps KPIs with a source
        by_database.setdefault(kpi.source.database, []).append(kpi)
    for name, group in by_database.items():
        database = scorecard.settings.databases[name]
        places = [Place(kpi, problems) for kpi in group]
        engine = _engine(root, database, places, environ)
        if engine is None:
            continue
        secrets = [*_secrets(database, environ), engine.url.password or ""]
        try:
            requests.extend(_run_all(engine, places, month, [s for s in secrets if s]))
        finally:
            engine.dispose()
    return requests, problems


def _secrets(database: Database, environ: Mapping[str, str]) -> list[str]:
    """The values of the URL's variables: never shown in a message."""
    found = (environ.get(m.group(1), "") for m in VARIABLE.finditer(database.url))
    return [value for value in found if len(value) >= 4]


def _engine(
    root: Path, database: Database, places: list[Place], environ: Mapping[str, str]
) -> Engine | None:
    """The database's engine, or None after reporting why not at every KPI that uses it."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    def fail(message: str, expected: str | None = None) -> None:
        for place in places:
            place.error(message, expected)

    where = f"database {database.name} (kpis/scorecard.yaml:{database.line})"
    missing = [m.group(1) for m in VARIABLE.finditer(database.url) if m.group(1) not in environ]
    if missing:
        fail(f"the environment variable {missing[0]} is not set", f"the URL of {where}")
        return None
    text = VARIABLE.sub(lambda m: environ[m.group(1)], database.url)
    try:
        url = _relative_to(root, text)
        return create_engine(url, poolclass=_null_pool())
    except NoSuchModuleError:  # an ArgumentError too: first
        fail(f"the URL of {where} names an unknown kind of database", "e.g. postgresql+psycopg")
    except (ArgumentError, ValueError):
        fail(f"the URL of {where} is not an SQLAlchemy URL", "e.g. sqlite:///warehouse.db")
    except ImportError as error:
        fail(*_missing_driver(text, error))
    except MissingFile as missing:
        fail(f"the SQLite file {quote(str(missing))} of {where} does not exist")
    return None


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool  # one connection per pull: nothing is left open behind it


def _relative_to(root: Path, text: str) -> Any:
    """The URL; a SQLite file is taken relative to the repository (the workflow and a person
    in a sub-folder read the same file) and opened read-only, so that a pull never creates
    or changes it."""
    from sqlalchemy.engine import make_url

    url = make_url(text)
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return url
    path = root / name  # an absolute name stays as it is
    if not path.is_file():
        raise MissingFile(name)
    query = {**url.query, "mode": "ro", "uri": "true"}
    return url.set(database=f"file:{quote_uri(str(path))}", query=query)


class MissingFile(Exception):
    """The SQLite file of a URL does not exist (SQLite would create an empty one)."""


def quote_uri(path: str) -> str:
    """A path inside a ``file:`` URI: ``?`` and ``#`` would start its query or fragment."""
    from urllib.parse import quote as url_quote

    return url_quote(path, safe="/")


def _missing_driver(url: str, error: ImportError) -> tuple[str, str]:
    backend = url.split("://", 1)[0].split("+", 1)[0]
    module = error.name or "its driver"
    extra = DRIVER_EXTRAS.get(backend)
    if extra is None:
        return f"the driver {module} is not installed", f"install the Python package {module}"
    hint = f"install kpi-scorecard[{extra}]"
    if backend == "postgresql" and module != "psycopg":
        hint += " and write the URL as postgresql+psycopg://..."
    return f"the database driver {module} is not installed", hint


def _run_all(
    engine: Engine, places: list[Place], month: Month | None, secrets: list[str]
) -> Iterator[Request]:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        connection = engine.connect()
    except SQLAlchemyError as error:
        for place in places:
            place.error(f"cannot connect: {_reason(error, secrets)}")
        return
    with connection:  # closed without a commit: whatever a query did is rolled back
        for place in places:
            yield from _run(connection, place, month, secrets)


def _run(
    connection: Connection, place: Place, month: Month | None, secrets: list[str]
) -> Iterator[Request]:
    from sqlalchemy.exc import SQLAlchemyError

    assert place.kpi.source is not None
    try:
        # as the driver takes it: no bind parameters, so ':' and '%' in SQL stay as written
        options = connection.execution_options(no_parameters=True)
        result = options.exec_driver_sql(place.kpi.source.query)
        names = result.keys()  # the columns (iterating the result would give its rows)
        columns = [str(name).lower() for name in names]
        rows = result.fetchall()
    except SQLAlchemyError as error:
        place.error(f"the query failed: {_reason(error, secrets)}")
        connection.rollback()  # a failed query aborts the transaction the next ones run in
        return
    if not _columns_ok(columns, place):
        return
    yield from _requests(place, columns, rows, month)


def _columns_ok(columns: list[str], place: Place) -> bool:
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    twice = {c for c in columns if columns.count(c) > 1}
    if unknown:
        place.error(
            f"the query returns a column {quote(unknown[0])}",
            "expected month, value and optionally segment",
        )
    elif missing:
        place.error(f"the query returns no {missing[0]} column", "name it with AS " + missing[0])
    elif twice:
        place.error(f"the query returns the column {sorted(twice)[0]} twice")
    return not (unknown or missing or twice)


def _requests(
    place: Place, columns: list[str], rows: Sequence[Any], only: Month | None
) -> Iterator[Request]:
    seen: dict[tuple[str, str | None], int] = {}
    for number, row in enumerate(rows, start=1):
        cells = dict(zip(columns, row, strict=True))
        month = _month(cells["month"], number, place)
        value = _value(cells["value"], number, place)
        segment = _segment(cells.get("segment"), number, place)
        if month is None or value is None or segment is False:
            continue
        segment_name = segment if isinstance(segment, str) else None
        key = (month, segment_name)
        if key in seen:
            what = " ".join(filter(None, (month, segment_name)))
            place.row_error(number, f"{what} is returned twice (first in row {seen[key]})")
            continue
        seen[key] = number
        if only is not None and month != month_str(only):
            continue
        kpi = place.kpi
        line = kpi.source.line if kpi.source else 1
        yield Request(kpi.id, month, value, None, kpi.path, line, segment_name)
    place.more_rows()


def _month(cell: object, row: int, place: Place) -> str | None:
    """``YYYY-MM`` text or a date -> ``YYYY-MM``."""
    if isinstance(cell, dt.date):
        return f"{cell.year:04d}-{cell.month:02d}"
    if isinstance(cell, str) and MONTH_TEXT.match(cell.strip()):
        text = cell.strip()
        if 1 <= int(text[5:]) <= 12:
            return text
    place.row_error(
        row,
        f"month {_shown(cell)} is not a month",
        "expected YYYY-MM text or a date",
    )
    return None


def _value(cell: object, row: int, place: Place) -> str | None:
    """A number (or NULL: not reported) -> its text for ``kpi set``; None when it is not one."""
    if cell is None:
        return "null"
    if isinstance(cell, bool) or not isinstance(cell, int | float | decimal.Decimal):
        place.row_error(row, f"value {_shown(cell)} is not a number", "expected a number or NULL")
        return None
    number = float(cell)
    if not math.isfinite(number):
        place.row_error(row, f"value {_shown(cell)} is not a finite number")
        return None
    return number_literal(number)


def _segment(cell: object, row: int, place: Place) -> str | bool | None:
    """The segment's name, None for the total, False (reported) when it is not text."""
    if cell is None:
        return None
    if isinstance(cell, str) and cell.strip():
        return cell.strip()
    place.row_error(row, f"segment {_shown(cell)} is not a segment name", "expected text")
    return False


def _shown(cell: object) -> str:
    return quote(str(cell)) if isinstance(cell, str) else quote(repr(cell))


def _reason(error: Exception, secrets: list[str]) -> str:
    """The database's own first line (not SQLAlchemy's wrapping with the SQL), with anything
    from the URL's variables blanked out."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines() or [type(original).__name__]
    text = lines[0].strip()
    for secret in secrets:
        text = text.replace(secret, "***")
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"
