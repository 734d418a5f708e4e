"""Retrospectives (contract section 6): front matter read and checked.

``site_src/retrospectives/<slug>.md`` starts with front matter naming the initiative's window,
its KPIs with the targets it set, and its people; the team's own words follow. For each KPI the
build adds the value before the start, at 30, 60 and 90 days, and at the end; monthly values
stand for whole months, so "at 30 days" is the start month, 60 the month after, 90 the one after
that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kpi_scorecard.errors import Problems, quote
from kpi_scorecard.model import Month, Scorecard
from kpi_scorecard.read.fields import FieldReader, did_you_mean, is_null, kind_of, person_hint
from kpi_scorecard.read.load import Scalar, YMap, YNode, parse_text, read_inside

RETRO_KEYS = (
    "title", "start", "end", "kpis", "daci",
    "context", "objective", "out_of_scope", "risks", "approved",
)  # fmt: skip
APPROVED_KEYS = ("by", "on")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
KPIS_KEYS = ("primary", "secondary")
DACI_KEYS = ("driver", "approver", "contributors", "informed")
FOLDER = "site_src/retrospectives"
_FRONT_MATTER_END = re.compile(r"^(---|\.\.\.)\s*$")


@dataclass(frozen=True)
class Retrospective:
    slug: str
    path: str
    title: str
    start: Month
    end: Month
    primary: tuple[tuple[str, float], ...]
    """(KPI id, the target the initiative set)."""
    secondary: tuple[str, ...]
    people: tuple[tuple[str, str], ...]
    """(role, person id) from the front matter's daci."""
    plan: Plan = field(default_factory=lambda: Plan())
    """The initiative's plan, written before it starts (contract 6)."""


@dataclass(frozen=True)
class Approval:
    """The approver's sign-off: ``approved: {by: <person>, on: YYYY-MM-DD}``."""

    by: str
    on: str
    line: int


@dataclass(frozen=True)
class Plan:
    context: str | None = None
    objective: str | None = None
    out_of_scope: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    approved: Approval | None = None


def read_retrospectives(
    root: Path, scorecard: Scorecard, problems: Problems
) -> list[Retrospective]:
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.md")):
        if path.name == "index.md":
            continue
        retro = _read(root, path, scorecard, problems)
        if retro is not None:
            found.append(retro)
    return found


def _front_matter(text: str) -> str | None:
    """The front matter with the lines of the file kept (other lines blank), or None. Lines
    end at ``\n`` only, as for YAML and editors (``splitlines`` also breaks at ``\x1e``)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if _FRONT_MATTER_END.match(lines[index]):
            return "\n" + "\n".join(lines[1:index]) + "\n"
    return None


def _read(root: Path, path: Path, scorecard: Scorecard, problems: Problems) -> Retrospective | None:
    relative = path.relative_to(root).as_posix()
    reader = FieldReader(relative, problems)
    data = read_inside(root, path, problems)
    if data is None:
        return None
    text = data.decode("utf-8-sig", errors="replace")
    front = _front_matter(text)
    if front is None:
        reader.error(
            1,
            "a retrospective starts with front matter between --- lines",
            "title, start, end, kpis",
        )
        return None
    reported = len(problems.items)
    node = parse_text(front, relative, problems)
    if node is None:
        if len(problems.items) == reported:  # empty or only comments, not a syntax error
            reader.error(1, "front matter: is empty", "title, start, end, kpis")
        return None
    mapping = reader.mapping(node, "front matter", "expected title, start, end, kpis")
    if mapping is None:
        return None
    reader.check_keys(mapping, RETRO_KEYS, ("title", "start", "end", "kpis"))
    title = _text(reader, mapping, "title")
    start = _month(reader, mapping, "start")
    end = _month(reader, mapping, "end")
    if start is not None and end is not None and end < start:
        reader.error(
            mapping.entries["end"][0], "end: is before start", "expected a month from start on"
        )
        end = None
    primary, secondary = _kpis(reader, mapping, scorecard)
    people = _people(reader, mapping, scorecard)
    plan = _plan(reader, mapping, scorecard)
    if title is None or start is None or end is None or not (primary or secondary):
        return None
    return Retrospective(path.stem, relative, title, start, end, primary, secondary, people, plan)


def _plan(reader: FieldReader, mapping: YMap, scorecard: Scorecard) -> Plan:
    """The optional plan: context, objective, out_of_scope, risks and the sign-off."""
    return Plan(
        _text(reader, mapping, "context"),
        _text(reader, mapping, "objective"),
        _texts(reader, mapping, "out_of_scope"),
        _texts(reader, mapping, "risks"),
        _approval(reader, mapping, scorecard),
    )


def _texts(reader: FieldReader, mapping: YMap, key: str) -> tuple[str, ...]:
    node = _value(mapping, key)
    items = None if node is None else reader.items(node, key, "expected a list of text")
    texts = (reader.text(item, key) for item in items or [])
    return tuple(text for text in texts if text is not None)


def _approval(reader: FieldReader, mapping: YMap, scorecard: Scorecard) -> Approval | None:
    node = _value(mapping, "approved")
    expected = "expected approved: {by: <person id>, on: YYYY-MM-DD}"
    approved = None if node is None else reader.mapping(node, "approved", expected)
    if approved is None or node is None:
        return None
    reader.check_keys(approved, APPROVED_KEYS, APPROVED_KEYS, where="approved: ")
    by = _text(reader, approved, "by")
    on = _day(reader, approved)
    if by is not None and by not in scorecard.people:
        hint = person_hint(by, scorecard.people)
        reader.error(approved.entries["by"][0], f"approved by: unknown person {quote(by)}", hint)
        by = None
    return None if by is None or on is None else Approval(by, on, mapping.entries["approved"][0])


def _day(reader: FieldReader, approved: YMap) -> str | None:
    """``on: 2026-03-01``, plain (YAML reads a date) or quoted; a real day of the calendar."""
    node = _value(approved, "on")
    if node is None:
        return None
    if not isinstance(node, Scalar) or not _is_day(node.text.strip()):
        reader.error(node.line, f"approved on: bad date {kind_of(node)}", "expected YYYY-MM-DD")
        return None
    return node.text.strip()


def _is_day(text: str) -> bool:
    if not _DAY.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _value(mapping: YMap, key: str) -> YNode | None:
    entry = mapping.entries.get(key)
    return None if entry is None else entry[1]


def _text(reader: FieldReader, mapping: YMap, key: str) -> str | None:
    node = _value(mapping, key)
    return None if node is None else reader.text(node, key)


def _month(reader: FieldReader, mapping: YMap, key: str) -> Month | None:
    node = _value(mapping, key)
    text = None if node is None else reader.text(node, key)
    return None if text is None or node is None else reader.month(text, node.line, key)


def _kpis(
    reader: FieldReader, mapping: YMap, scorecard: Scorecard
) -> tuple[tuple[tuple[str, float], ...], tuple[str, ...]]:
    node = _value(mapping, "kpis")
    kpis = (
        None
        if node is None
        else reader.mapping(node, "kpis", "expected primary: {id: target}, secondary: [ids]")
    )
    if kpis is None:
        return (), ()
    reader.check_keys(kpis, KPIS_KEYS, where="kpis: ")
    primary = []
    primary_node = _value(kpis, "primary")
    targets = None
    if primary_node is not None:
        targets = reader.mapping(primary_node, "kpis primary", "expected KPI id: target lines")
        for kpi_id, (line, value) in (targets.entries if targets else {}).items():
            target = reader.number(value, f"kpis primary {kpi_id}")
            if _known(reader, scorecard, kpi_id, line) and target is not None:
                primary.append((kpi_id, target))
    secondary = []
    secondary_node = _value(kpis, "secondary")
    items = None
    if secondary_node is not None:
        items = reader.items(secondary_node, "kpis secondary", "expected a list of KPI ids")
    for item in items or []:
        secondary_id = reader.text(item, "kpis secondary")
        if secondary_id is not None and _known(reader, scorecard, secondary_id, item.line):
            secondary.append(secondary_id)
    named = bool(targets and targets.entries) or bool(items)
    if not named and node is not None and not reader.problems.errors:
        reader.error(
            node.line, "kpis: names no KPI", "expected primary: {id: target} or secondary: [ids]"
        )
    return tuple(primary), tuple(secondary)


def _known(reader: FieldReader, scorecard: Scorecard, kpi_id: str, line: int) -> bool:
    """A warning, not an error: a retrospective outlives the KPIs it measured (a KPI renamed or
    retired later must not break the build); the KPI is left out of its results."""
    if kpi_id in scorecard.kpis:
        return True
    reader.warning(
        line,
        f"kpis: unknown KPI {quote(kpi_id)}, left out of the results",
        did_you_mean(kpi_id, scorecard.kpis, "expected the id of a KPI"),
    )
    return False


def _people(
    reader: FieldReader, mapping: YMap, scorecard: Scorecard
) -> tuple[tuple[str, str], ...]:
    node = _value(mapping, "daci")
    daci = None if node is None else reader.mapping(node, "daci", "expected driver, approver, ...")
    if daci is None:
        return ()
    reader.check_keys(daci, DACI_KEYS, where="daci: ")
    people = []
    for role, (line, value) in daci.entries.items():
        if role not in DACI_KEYS or (isinstance(value, Scalar) and is_null(value)):
            continue
        items = reader.items(value, f"daci {role}", "expected person ids") or []
        for item in items:
            person = reader.text(item, f"daci {role}")
            if person is None:
                continue
            if person not in scorecard.people:
                hint = person_hint(person, scorecard.people)
                reader.warning(line, f"daci {role}: unknown person {quote(person)}", hint)
            else:
                people.append((role, person))
    return tuple(people)
