"""``databases:`` in scorecard.yaml and a KPI's ``source:`` (contract 8), read and checked.

Only the text is checked here (keys, names, the shape of ``${VAR}``, no password written in
git); connecting is ``kpi pull``'s business (kpi_scorecard.sources), so validating never needs
a database driver or the environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kpi_scorecard.errors import Problems, quote
from kpi_scorecard.model import Database, Kpi, Source
from kpi_scorecard.read.fields import FieldReader, did_you_mean
from kpi_scorecard.read.load import YMap, YNode

DATABASE_KEYS = ("url",)
SOURCE_KEYS = ("database", "query")
DATABASE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*\Z")
VARIABLE = re.compile(r"\$\{([^}]*)\}")
"""``${NAME}``: replaced by the environment variable when ``kpi pull`` runs."""
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
WRITTEN_PASSWORD = re.compile(r"^[^:/]+://[^/@]*:([^/@]*)@")
"""``scheme://user:password@host``: the password part, which must come from ``${VAR}``."""
URL_EXPECTED = 'an SQLAlchemy URL, e.g. "${WAREHOUSE_URL}" or "sqlite:///warehouse.db"'


def read_databases(node: YNode, reader: FieldReader) -> dict[str, Database]:
    """``databases: {name: {url: ...}}`` -> name -> Database."""
    mapping = reader.mapping(node, "databases", "expected name: {url: ...} lines")
    databases = {}
    for name, (line, entry) in (mapping.entries if mapping else {}).items():
        if not DATABASE_NAME.match(name):
            reader.error(
                line,
                f"databases: {quote(name)} is not a database name",
                "letters, digits, _ and -, starting with a letter",
            )
            continue
        database = _database(name, entry, reader)
        if database is not None:
            databases[name] = database
    return databases


def _database(name: str, node: YNode, reader: FieldReader) -> Database | None:
    where = f"databases {name}"
    mapping = reader.mapping(node, where, "expected {url: ...}")
    if mapping is None:
        return None
    reader.check_keys(mapping, DATABASE_KEYS, DATABASE_KEYS, f"{where}: ")
    entry = mapping.entries.get("url")
    if entry is None:
        return None
    url = reader.text(entry[1], f"{where} url")
    if url is None or not _url_ok(url, entry[1].line, where, reader):
        return None
    return Database(name, url, entry[1].line)


def _url_ok(url: str, line: int, where: str, reader: FieldReader) -> bool:
    ok = True
    for match in VARIABLE.finditer(url):
        if not VARIABLE_NAME.match(match.group(1)):
            reader.error(
                line,
                f"{where} url: {quote(match.group())} is not an environment variable",
                "letters, digits and _, e.g. ${WAREHOUSE_URL}",
            )
            ok = False
    password = WRITTEN_PASSWORD.match(url)
    if password and password.group(1) and not VARIABLE.search(password.group(1)):
        # the message never repeats the URL: it holds the password
        reader.error(
            line,
            f"{where} url: holds a password, which would be in git",
            "write the URL or the password as ${VAR}, read from the environment",
        )
        ok = False
    if "://" not in url and not VARIABLE.search(url):
        reader.error(line, f"{where} url: {quote(url)} is not a URL", URL_EXPECTED)
        ok = False
    return ok


def read_source(node: YNode, reader: FieldReader) -> Source | None:
    """``source: {database: warehouse, query: "SELECT month, value FROM ..."}``."""
    mapping = reader.mapping(node, "source", "expected {database: name, query: SQL}")
    if mapping is None:
        return None
    reader.check_keys(mapping, SOURCE_KEYS, SOURCE_KEYS, "source: ")
    texts = {}
    for key in SOURCE_KEYS:
        entry = mapping.entries.get(key)
        texts[key] = None if entry is None else reader.text(entry[1], f"source {key}")
    database, query = texts["database"], texts["query"]
    if database is None or query is None:
        return None
    query_line = _value_line(mapping, "query")
    return Source(database, query, query_line)


def _value_line(mapping: YMap, key: str) -> int:
    """The line the value starts on (a block scalar starts on the line after its key)."""
    line, node = mapping.entries[key]
    return max(line, node.line)


def check_sources(
    kpis: Mapping[str, Kpi], databases: Mapping[str, Database], problems: Problems
) -> None:
    """Every source names a database of scorecard.yaml; a calculated KPI has no source."""
    for kpi in kpis.values():
        source = kpi.source
        if source is None:
            continue
        line = kpi.line_of("source")
        if kpi.formula is not None:
            problems.error(
                kpi.path,
                line,
                "source: a calculated KPI has no values to pull",
                "remove the source or the formula",
            )
        if source.database not in databases:
            hint = did_you_mean(
                source.database, databases, "expected a name of databases: in kpis/scorecard.yaml"
            )
            problems.error(
                kpi.path, line, f"source: unknown database {quote(source.database)}", hint
            )
