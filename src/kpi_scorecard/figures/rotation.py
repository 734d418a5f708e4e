"""The monthly review rotation of contract 3.4: who presents which KPI in a month.

Someone who does not own a KPI explains it, so people learn each other's work. The roster is
``review.presenters`` (default: everyone in people.yaml). A KPI's candidates are the roster minus
its owner and DACI people; when nobody is left, minus the owner only; when still nobody, anyone.

A month's assignment is made in three steps, each exact and deterministic:
1. a greedy pass in a month-rotated order, avoiding last month's presenter of each KPI;
2. balancing: KPIs move along alternating paths from a busy presenter to one with at least two
   fewer, until none is left; this minimises the sum of squared counts, so that any two counts
   differ by at most one whenever the constraints allow;
3. rotating: among the assignments that are as balanced, as few KPIs as possible keep last
   month's presenter. This is a minimum-cost flow; a cheaper assignment exists exactly when a
   cycle of moves between presenters lowers the count (Bellman-Ford finds it), so the months
   differ whenever the constraints leave another balanced assignment.
Month M follows month M-1 from the scorecard's first month with a value; the review pack of a
month and the next one are therefore computed from each other.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from kpi_scorecard.model import Kpi, Month, Scorecard

Assignment = dict[str, str]
Options = Mapping[str, tuple[str, ...]]
MAX_CHAINS = 8
"""Rotations kept between calls (one per roster and set of KPIs): a build asks for every month."""
_chains: dict[tuple[object, ...], dict[Month, Assignment]] = {}


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
    if not people or not scorecard.kpis:
        return {}
    key, options, first = _chain_key(scorecard, people)
    if first is None:
        first = month
    chain = _chains.get(key)
    if chain is None:
        if len(_chains) >= MAX_CHAINS:
            _chains.pop(next(iter(_chains)))
        chain = _chains[key] = {}
    if month not in chain:
        previous = None
        for step in range(first, month + 1) if month >= first else (month,):
            if step not in chain:
                chain[step] = _assign(step, people, options, previous)
            previous = chain[step]
    return dict(chain[month])


_last_key: list[tuple[Scorecard, tuple[object, ...], dict[str, tuple[str, ...]], Month | None]] = []


def _chain_key(
    scorecard: Scorecard, people: tuple[str, ...]
) -> tuple[tuple[object, ...], dict[str, tuple[str, ...]], Month | None]:
    """What a rotation depends on: the roster, each KPI's candidates and the first month with
    a value (values are in month order); worked out once per scorecard, not once per month."""
    if _last_key and _last_key[0][0] is scorecard:
        return _last_key[0][1:]
    options = {k: candidates(kpi, people) for k, kpi in sorted(scorecard.kpis.items())}
    firsts = [next(iter(kpi.values)) for kpi in scorecard.kpis.values() if kpi.values]
    first = min(firsts) if firsts else None
    key = (people, tuple(options.items()), first)
    _last_key[:] = [(scorecard, key, options, first)]
    return key, options, first


def _assign(
    month: Month, people: tuple[str, ...], options: Options, previous: Assignment | None
) -> Assignment:
    shift = month % len(people)
    rotated = people[shift:] + people[:shift]
    rank = {person: index for index, person in enumerate(rotated)}
    ordered = {k: tuple(sorted(o, key=rank.__getitem__)) for k, o in options.items()}
    load = dict.fromkeys(rotated, 0)
    assignment = _greedy(month, ordered, load, rank, previous or {})
    _balance(assignment, ordered, load, rank)
    if previous:
        _avoid_repeats(assignment, ordered, load, previous)
    return dict(sorted(assignment.items()))


def _greedy(
    month: Month, options: Options, load: dict[str, int], rank: dict[str, int], last: Assignment
) -> Assignment:
    """Each KPI, in a month-rotated order, to its least busy candidate; last month's presenter
    counts as one KPI busier, so that a KPI repeats only where balance needs it."""
    assignment: Assignment = {}
    kpi_ids = list(options)
    start = month % len(kpi_ids)
    size = len(rank)
    for index, kpi_id in enumerate(kpi_ids[start:] + kpi_ids[:start]):
        kept = last.get(kpi_id)
        chosen, least = "", -1
        for person in options[kpi_id]:
            # (load, counting a repeat as one more; a repeat; a turn that differs for each KPI
            # and each month, so that ties go to different people) packed in one number: the
            # turn is below size, a repeat is 0 or 1
            repeat = person == kept
            turn = (rank[person] + index) % size
            weight = ((load[person] + repeat) * 2 + repeat) * size + turn
            if least < 0 or weight < least:
                chosen, least = person, weight
        assignment[kpi_id] = chosen
        load[chosen] += 1
    return assignment


def _balance(
    assignment: Assignment, options: Options, load: dict[str, int], rank: dict[str, int]
) -> None:
    """Move KPIs along alternating paths from a busy presenter to one with at least two fewer,
    busiest first, until no such path is left (each move lowers the sum of squared loads, so
    this ends, at the minimum)."""
    while True:
        held = _held(assignment)
        hopeless: set[str] = set()
        path = None
        for person in sorted(load, key=lambda p: (-load[p], rank[p])):
            if person not in hopeless:
                path = _path_to_lighter(person, held, options, load, hopeless)
                if path is not None:
                    break
        if path is None:
            return
        _move(path, assignment, load)


def _move(moves: list[tuple[str, str]], assignment: Assignment, load: dict[str, int]) -> None:
    for kpi_id, new_presenter in moves:
        load[assignment[kpi_id]] -= 1
        assignment[kpi_id] = new_presenter
        load[new_presenter] += 1


def _held(assignment: Assignment) -> dict[str, list[str]]:
    """Presenter -> the KPIs they present, in id order."""
    held: dict[str, list[str]] = {}
    for kpi_id, presenter in sorted(assignment.items()):
        held.setdefault(presenter, []).append(kpi_id)
    return held


def _path_to_lighter(
    start: str,
    held: dict[str, list[str]],
    options: Options,
    load: dict[str, int],
    hopeless: set[str],
) -> list[tuple[str, str]] | None:
    """Moves (kpi, new presenter) that take one KPI off ``start`` and give one to someone with
    at least two fewer, found breadth first; None when there is no such chain.

    Then everyone reached is added to ``hopeless``: whoever is as busy as ``start`` or less
    reaches no one the search did not, so has no such chain either (and whoever is busier was
    tried before ``start``)."""
    came_from: dict[str, tuple[str, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        presenter = queue.popleft()
        for kpi_id in held.get(presenter, ()):
            for other in options[kpi_id]:
                if other in came_from:
                    continue
                came_from[other] = (kpi_id, presenter)
                if load[other] <= load[start] - 2:
                    return _moves(came_from, other)
                queue.append(other)
    hopeless.update(came_from)
    return None


def _moves(came_from: dict[str, tuple[str, str] | None], end: str) -> list[tuple[str, str]]:
    moves = []
    person = end
    while (step := came_from[person]) is not None:
        kpi_id, previous = step
        moves.append((kpi_id, person))
        person = previous
    return moves


Edge = tuple[int, str | None]
"""(change in KPIs that keep last month's presenter, the KPI that moves or None)."""


def _avoid_repeats(
    assignment: Assignment, options: Options, load: dict[str, int], previous: Assignment
) -> None:
    """Apply cycles of moves that lower how many KPIs keep last month's presenter without
    making the counts less even, until none is left (then the count is the least possible)."""
    while any(
        presenter == previous.get(kpi_id) and len(options[kpi_id]) > 1
        for kpi_id, presenter in assignment.items()
    ):  # else nothing can improve: no repeats, or only of KPIs that have one candidate
        cycle = _repeat_lowering_cycle(assignment, options, load, previous)
        if cycle is None:
            return
        _move(cycle, assignment, load)


def _move_graph(
    assignment: Assignment, options: Options, load: dict[str, int], previous: Assignment
) -> dict[str, dict[str, Edge]]:
    """Presenter -> presenter -> the best move between them: a KPI of the first that the second
    may present. A path of moves from p to q gives q one KPI more and p one fewer, which keeps
    the sum of squared counts when p has exactly one more than q: a free edge back closes it."""
    graph: dict[str, dict[str, Edge]] = {p: {} for p in load}
    for kpi_id, presenter in assignment.items():
        kept = previous.get(kpi_id)
        edges = graph[presenter]
        for other in options[kpi_id]:
            if other == presenter:
                continue
            cost = (other == kept) - (presenter == kept)
            best = edges.get(other)
            if best is None or cost < best[0]:
                edges[other] = (cost, kpi_id)
    for heavy in load:
        for light in load:
            if load[heavy] == load[light] + 1 and graph[light].get(heavy, (1, None))[0] > 0:
                graph[light][heavy] = (0, None)
    return graph


def _repeat_lowering_cycle(
    assignment: Assignment, options: Options, load: dict[str, int], previous: Assignment
) -> list[tuple[str, str]] | None:
    """The moves of a cycle of negative cost in the move graph (Bellman-Ford), or None."""
    graph = _move_graph(assignment, options, load, previous)
    distance = dict.fromkeys(graph, 0)
    parent: dict[str, str] = {}
    node = ""
    for _ in range(len(graph)):
        changed = None
        for source, edges in graph.items():
            for target, (cost, _) in edges.items():
                if distance[source] + cost < distance[target]:
                    distance[target] = distance[source] + cost
                    parent[target] = source
                    changed = target
        if changed is None:
            return None
        node = changed
    for _ in range(len(graph)):  # walk back onto the cycle itself
        node = parent[node]
    cycle = [node]
    while (step := parent[cycle[-1]]) != node:
        cycle.append(step)
    cycle.reverse()  # now in the direction of the edges
    moves = []
    for source, target in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        kpi_id = graph[source][target][1]
        if kpi_id is not None:
            moves.append((kpi_id, target))
    return moves
