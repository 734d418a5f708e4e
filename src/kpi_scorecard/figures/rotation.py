"""The monthly review rotation of contract 3.4: who presents which KPI in a month.

Someone who does not own a KPI explains it, so people learn each other's work. The roster is
``review.presenters`` (default: everyone in people.yaml). A KPI's candidates are the roster minus
its owner and DACI people; when nobody is left, minus the owner only; when still nobody, anyone.
A greedy pass in a month-rotated order gives a deterministic assignment that changes from month
to month; moving KPIs along alternating paths then evens the counts out until any two presenters
differ by at most one, or no move can improve it.
"""

from __future__ import annotations

from collections import deque

from kpi_scorecard.model import Kpi, Month, Scorecard


def roster(scorecard: Scorecard) -> tuple[str, ...]:
    presenters = scorecard.settings.presenters
    return presenters if presenters else tuple(scorecard.people)


def candidates(kpi: Kpi, people: tuple[str, ...]) -> tuple[str, ...]:
    """Who may present ``kpi``: nobody close to it, when anyone else is left."""
    close = {kpi.owner, *kpi.daci.people()}
    for excluded in (close, {kpi.owner}, set()):
        allowed = tuple(p for p in people if p not in excluded)
        if allowed:
            return allowed
    return ()


def assign_presenters(scorecard: Scorecard, month: Month) -> dict[str, str]:
    """KPI id -> presenter id for ``month`` (empty when there is nobody to present)."""
    people = roster(scorecard)
    if not people:
        return {}
    shift = month % len(people)
    rotated = people[shift:] + people[:shift]
    rank = {person: index for index, person in enumerate(rotated)}
    options = {k: candidates(kpi, rotated) for k, kpi in scorecard.kpis.items()}
    load = dict.fromkeys(rotated, 0)
    assignment: dict[str, str] = {}
    # KPIs in a month-rotated order too: together with the rotated roster, a KPI meets a
    # different presenter from month to month; the balancing pass repairs what greed leaves.
    kpi_ids = sorted(options)
    start = month % len(kpi_ids) if kpi_ids else 0
    for index, kpi_id in enumerate(kpi_ids[start:] + kpi_ids[:start]):
        # Ties go to a different person for each KPI and each month, so that a KPI with a
        # few candidates does not get the same one every month.
        chosen = min(options[kpi_id], key=lambda p: (load[p], (rank[p] + index) % len(rank)))
        assignment[kpi_id] = chosen
        load[chosen] += 1
    _balance(assignment, options, load, rank)
    return dict(sorted(assignment.items()))


def _balance(
    assignment: dict[str, str],
    options: dict[str, tuple[str, ...]],
    load: dict[str, int],
    rank: dict[str, int],
) -> None:
    """Move KPIs along alternating paths from a busy presenter to one with at least two fewer,
    busiest first, until no such path is left (each move lowers the sum of squared loads, so
    this ends)."""
    while True:
        by_load = sorted(load, key=lambda p: (-load[p], rank[p]))
        path = next(
            (m for p in by_load if (m := _path_to_lighter(p, assignment, options, load))), None
        )
        if path is None:
            return
        for kpi_id, new_presenter in path:
            load[assignment[kpi_id]] -= 1
            assignment[kpi_id] = new_presenter
            load[new_presenter] += 1


def _path_to_lighter(
    start: str,
    assignment: dict[str, str],
    options: dict[str, tuple[str, ...]],
    load: dict[str, int],
) -> list[tuple[str, str]] | None:
    """Moves (kpi, new presenter) that take one KPI off ``start`` and give one to someone with
    at least two fewer, found breadth first; None when there is no such chain."""
    came_from: dict[str, tuple[str, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        presenter = queue.popleft()
        for kpi_id in sorted(k for k, p in assignment.items() if p == presenter):
            for other in options[kpi_id]:
                if other in came_from:
                    continue
                came_from[other] = (kpi_id, presenter)
                if load[other] <= load[start] - 2:
                    return _moves(came_from, other)
                queue.append(other)
    return None


def _moves(came_from: dict[str, tuple[str, str] | None], end: str) -> list[tuple[str, str]]:
    moves = []
    person = end
    while (step := came_from[person]) is not None:
        kpi_id, previous = step
        moves.append((kpi_id, person))
        person = previous
    return moves
