"""The two reserved files at the top of ``kpis/``: ``scorecard.yaml`` and ``people.yaml``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TypedDict, TypeVar

from babel import Locale, UnknownLocaleError

from kpi_scorecard.errors import Problems, quote
from kpi_scorecard.model import Month, Person, Settings
from kpi_scorecard.read.fields import FieldReader, is_null, kind_of, person_hint
from kpi_scorecard.read.load import Document, Scalar, YMap, YNode, load_file
from kpi_scorecard.read.sources import read_databases

SETTINGS_KEYS = (
    "title",
    "as_of",
    "fiscal_year_start",
    "tolerance",
    "currency",
    "locale",
    "categories",
    "review",
    "databases",
)
REVIEW_KEYS = ("presenters", "day", "held")
PERSON_KEYS = ("name", "team", "email", "github")
T = TypeVar("T")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


class ReviewFields(TypedDict, total=False):
    presenters: tuple[str, ...]
    review_day: int
    review_held: dict[Month, date]


PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
"""Person ids appear in URLs (/people/<id>/): letters, digits, _ . and -."""
GITHUB_HANDLE = re.compile(r"^@?[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}\Z")
"""GitHub's rule for user names: up to 39 letters, digits and single hyphens, neither first
nor last. Handles end up in CODEOWNERS, where anything else could write a rule."""
GITHUB_EXPECTED = "a GitHub user name: letters, digits and single hyphens, at most 39"


def read_settings(root: Path, people: Mapping[str, Person], problems: Problems) -> Settings:
    """``kpis/scorecard.yaml``, or the defaults when the file does not exist; ``people`` checks
    the review presenters."""
    path = root / "kpis" / "scorecard.yaml"
    if not path.is_file() and not path.is_symlink():
        return Settings()
    return settings_from(load_file(root, path, problems), people, problems)


def settings_from(document: Document, people: Mapping[str, Person], problems: Problems) -> Settings:
    """The settings of a parsed ``scorecard.yaml`` (also an old version of it, from git)."""
    reader = FieldReader(document.path, problems)
    if document.root is None:
        return Settings()
    node = reader.mapping(document.root, "scorecard.yaml", "expected title, as_of, ... keys")
    if node is None:
        return Settings()
    reader.check_keys(node, SETTINGS_KEYS)
    get = _getter(node)
    defaults = Settings()
    title = _text(get("title"), "title", reader)
    as_of_node = get("as_of")
    as_of = None
    if as_of_node is not None:
        text = reader.text(as_of_node, "as_of")
        as_of = None if text is None else reader.month(text, as_of_node.line, "as_of")
    fiscal = _read(
        get("fiscal_year_start"), lambda n: reader.integer(n, "fiscal_year_start", 1, 12)
    )
    tolerance = _read(get("tolerance"), lambda n: reader.number(n, "tolerance"))
    if tolerance is not None and tolerance < 0:
        reader.error(node.entries["tolerance"][0], "tolerance: must not be negative")
        tolerance = None
    return Settings(
        title=title or defaults.title,
        as_of=as_of,
        fiscal_year_start=fiscal or defaults.fiscal_year_start,
        tolerance=defaults.tolerance if tolerance is None else tolerance,
        currency=_text(get("currency"), "currency", reader),
        locale=_locale(get("locale"), reader) or defaults.locale,
        categories=_categories(get("categories"), reader),
        **_review(get("review"), people, reader),
        databases=_read(get("databases"), lambda n: read_databases(n, reader)) or {},
    )


def _getter(node: YMap) -> Callable[[str], YNode | None]:
    def get(key: str) -> YNode | None:
        entry = node.entries.get(key)
        if entry is None or (isinstance(entry[1], Scalar) and is_null(entry[1])):
            return None
        return entry[1]

    return get


def _read(node: YNode | None, read: Callable[[YNode], T | None]) -> T | None:
    return None if node is None else read(node)


def _categories(node: YNode | None, reader: FieldReader) -> dict[str, str] | None:
    if node is None:
        return None
    mapping = reader.mapping(node, "categories", "expected key: title lines")
    if mapping is None:
        return None
    categories = {}
    for key, (_, title_node) in mapping.entries.items():
        title = reader.text(title_node, f"categories {key}")
        categories[key] = title or key
    return categories


def _review(node: YNode | None, people: Mapping[str, Person], reader: FieldReader) -> ReviewFields:
    """``review:``: the presenters, the day and the dates reviews were held (3.4, 5.1)."""
    if node is None:
        return {}
    review = reader.mapping(node, "review", "expected presenters, day, held keys")
    if review is None:
        return {}
    reader.check_keys(review, REVIEW_KEYS, where="review: ")
    get = _getter(review)
    fields: ReviewFields = {}
    presenters = _read(get("presenters"), lambda n: _presenters(n, people, reader))
    if presenters is not None:
        fields["presenters"] = presenters
    day = _read(get("day"), lambda n: reader.integer(n, "review day", 1, 31))
    if day is not None:
        fields["review_day"] = day
    held = _read(get("held"), lambda n: _held(n, reader))
    if held is not None:
        fields["review_held"] = held
    return fields


def _presenters(
    node: YNode, people: Mapping[str, Person], reader: FieldReader
) -> tuple[str, ...] | None:
    items = reader.items(node, "review presenters", "expected a list of person ids")
    presenters = []
    for item in items or []:
        name = reader.text(item, "review presenters")
        if name is not None and name not in people:
            hint = person_hint(name, people)
            reader.error(item.line, f"review presenters: unknown person {quote(name)}", hint)
        elif name is not None:
            presenters.append(name)
    return tuple(presenters)


def _held(node: YNode, reader: FieldReader) -> dict[Month, date] | None:
    mapping = reader.mapping(node, "review held", "expected YYYY-MM: YYYY-MM-DD entries")
    if mapping is None:
        return None
    held = {}
    for month, _, value in reader.months(mapping, "review held"):
        day = read_date(value, "review held", reader)
        if day is not None:
            held[month] = day
    return dict(sorted(held.items()))


def read_date(node: YNode, name: str, reader: FieldReader) -> date | None:
    """A day written ``YYYY-MM-DD``, quoted or not (YAML reads it as a timestamp)."""
    text = node.text.strip() if isinstance(node, Scalar) else ""
    try:
        if DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    reader.error(node.line, f"{name}: bad date {kind_of(node)}", "expected YYYY-MM-DD")
    return None


def read_people(root: Path, problems: Problems) -> dict[str, Person]:
    """``kpis/people.yaml``: person id -> Person (empty when the file does not exist)."""
    path = root / "kpis" / "people.yaml"
    if not path.is_file() and not path.is_symlink():
        return {}
    return people_from(load_file(root, path, problems), problems)


def people_from(document: Document, problems: Problems) -> dict[str, Person]:
    """The people of a parsed ``people.yaml``."""
    reader = FieldReader(document.path, problems)
    if document.root is None:
        return {}
    node = reader.mapping(document.root, "people.yaml", "expected id: {name: ...} lines")
    if node is None:
        return {}
    people = {}
    for person_id, (line, entry) in node.entries.items():
        person = _person(person_id, line, entry, reader)
        if person is not None:
            people[person_id] = person
    return people


def _person(person_id: str, line: int, node: YNode, reader: FieldReader) -> Person | None:
    if not PERSON_ID.match(person_id):
        reader.error(line, f"{quote(person_id)} is not a valid person id", "letters, digits, _ . -")
        return None
    if person_id == "index":
        reader.error(line, "'index' is reserved for the site's pages", "another person id")
        return None
    mapping = reader.mapping(node, person_id, "expected {name: ..., team: ...}")
    if mapping is None:
        return None
    reader.check_keys(mapping, PERSON_KEYS, ("name",), f"{person_id}: ")
    get = _getter(mapping)
    texts = {key: _text(get(key), f"{person_id} {key}", reader) for key in PERSON_KEYS}
    github = texts["github"]
    if github is not None and not GITHUB_HANDLE.match(github):
        github_line = mapping.entries["github"][1].line
        reader.error(
            github_line,
            f"{person_id} github: {quote(github)} is not a GitHub handle",
            GITHUB_EXPECTED,
        )
        texts["github"] = None
    return Person(
        id=person_id,
        name=texts["name"] or person_id,
        team=texts["team"],
        email=texts["email"],
        github=texts["github"],
        line=line,
    )


def _locale(node: YNode | None, reader: FieldReader) -> str | None:
    """A locale Babel knows (``en``, ``de``, ``fr-CH``): pages write numbers and months in it."""
    text = _text(node, "locale", reader)
    if text is None or node is None:
        return None
    try:
        Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        reader.error(
            node.line,
            f"locale: unknown locale {quote(text)}",
            "expected a language code such as en, de, fr or fr-CH",
        )
        return None
    return text


def _text(node: YNode | None, name: str, reader: FieldReader) -> str | None:
    return None if node is None else reader.text(node, name)
