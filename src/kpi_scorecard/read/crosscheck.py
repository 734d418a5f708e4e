"""Checks across the KPI files: ids unique and valid, references to people, categories and KPIs
that exist, formulas that parse and do not depend on themselves."""

from __future__ import annotations

from collections.abc import Mapping

from kpi_scorecard.errors import Problems, quote
from kpi_scorecard.model import KPI_ID_PATTERN, Daci, Kpi, Person, Scorecard
from kpi_scorecard.read import formula
from kpi_scorecard.read.fields import did_you_mean, person_hint

RESERVED_IDS = ("index",)
"""Ids whose pages would take the place of a folder's index page (/kpis/, /people/)."""
ID_EXPECTED = "expected lowercase letters, digits and _, starting with a letter"


def check_ids(kpis: list[Kpi], problems: Problems) -> None:
    """Every id valid and unique across folders."""
    by_id: dict[str, list[Kpi]] = {}
    for kpi in kpis:
        by_id.setdefault(kpi.id, []).append(kpi)
        if not KPI_ID_PATTERN.match(kpi.id):
            problems.error(
                kpi.path, 1, f"the file name {quote(kpi.id)} is not a valid KPI id", ID_EXPECTED
            )
        elif kpi.id in RESERVED_IDS:
            problems.error(
                kpi.path,
                1,
                f"{quote(kpi.id)} is reserved for the site's pages",
                "another file name",
            )
    for kpi_id_, same in by_id.items():
        for kpi in same[1:] if len(same) > 1 else []:
            problems.error(kpi.path, 1, f"duplicate KPI id '{kpi_id_}' (also {same[0].path})")
        if len(same) > 1:
            problems.error(same[0].path, 1, f"duplicate KPI id '{kpi_id_}' (also {same[1].path})")


def check_references(scorecard: Scorecard, known: set[str], problems: Problems) -> None:
    """Owners, DACI people, categories and ``supports`` name things that exist."""
    categories = scorecard.settings.categories
    for kpi in scorecard.kpis.values():
        _check_person(kpi, "owner", kpi.owner, scorecard.people, problems)
        for role, person in _daci_roles(kpi.daci):
            _check_person(kpi, f"daci {role}", person, scorecard.people, problems)
        if categories is not None and kpi.category and kpi.category not in categories:
            hint = did_you_mean(
                kpi.category, categories, "expected one of: " + ", ".join(categories)
            )
            problems.error(
                kpi.path,
                kpi.line_of("category"),
                f"category: unknown category {quote(kpi.category)}",
                hint,
            )
        if kpi.supports is not None and kpi.supports not in known:
            hint = did_you_mean(kpi.supports, scorecard.kpis, "expected the id of a KPI")
            problems.error(
                kpi.path,
                kpi.line_of("supports"),
                f"supports: unknown KPI {quote(kpi.supports)}",
                hint,
            )
        elif kpi.supports == kpi.id:
            problems.error(
                kpi.path, kpi.line_of("supports"), "supports: a KPI cannot support itself"
            )


def _daci_roles(daci: Daci) -> list[tuple[str, str]]:
    roles = [("approver", daci.approver)] if daci.approver else []
    roles += [("contributors", p) for p in daci.contributors]
    return roles + [("informed", p) for p in daci.informed]


def _check_person(
    kpi: Kpi, field: str, person: str, people: Mapping[str, Person], problems: Problems
) -> None:
    if not person or person in people:
        return
    key = field.split()[0]
    hint = person_hint(person, people)
    problems.error(kpi.path, kpi.line_of(key), f"{field}: unknown person {quote(person)}", hint)


def check_formulas(scorecard: Scorecard, known: set[str], problems: Problems) -> None:
    """Formulas parse, name existing KPIs, carry no values, and form no cycle."""
    graph: dict[str, set[str]] = {}
    for kpi in scorecard.kpis.values():
        if kpi.formula is None:
            continue
        line = kpi.line_of("formula")
        if kpi.values:
            problems.error(
                kpi.path,
                kpi.line_of("values"),
                "values: a formula KPI cannot have values",
                "remove either formula or values",
            )
        if kpi.segments:
            problems.error(
                kpi.path,
                kpi.line_of("segments"),
                "segments: a formula KPI calculates its segments from its inputs' segments",
                "remove segments",
            )
        try:
            refs = formula.references(formula.parse(kpi.formula))
        except formula.FormulaSyntaxError as error:
            problems.error(
                kpi.path,
                line,
                f"formula: {error}",
                "expected KPI ids, numbers, + - * / and parentheses",
            )
            continue
        for ref in sorted(refs - known):
            hint = did_you_mean(ref, scorecard.kpis, "expected the id of a KPI")
            problems.error(kpi.path, line, f"formula: unknown KPI {quote(ref)}", hint)
        graph[kpi.id] = refs & set(scorecard.kpis)
    for kpi_id_, chain in find_cycles(graph).items():
        kpi = scorecard.kpis[kpi_id_]
        problems.error(
            kpi.path, kpi.line_of("formula"), f"formula: depends on itself: {' -> '.join(chain)}"
        )


def find_cycles(graph: Mapping[str, set[str]]) -> dict[str, list[str]]:
    """Each node that lies on a cycle -> the cycle as a chain starting and ending with it."""
    cycles: dict[str, list[str]] = {}
    for start in sorted(graph):
        chain = _path_back(graph, start)
        if chain is not None:
            cycles[start] = chain
    return cycles


def _path_back(graph: Mapping[str, set[str]], start: str) -> list[str] | None:
    """The shortest chain start -> ... -> start, found breadth first; None if there is none."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for neighbour in sorted(graph.get(node, ())):
                if neighbour == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return [start, *reversed(chain[:-1]), start]
                if neighbour not in previous:
                    previous[neighbour] = node
                    following.append(neighbour)
        frontier = following
    return None
