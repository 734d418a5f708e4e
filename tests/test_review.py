"""The monthly review rotation of contract 3.4: who presents which KPI in a month.

Invariants checked over 24 consecutive months for several rosters: every KPI gets exactly one
presenter from the roster, nobody close to the KPI presents when someone else is left, the
assignment is deterministic and changes from month to month, and the counts are balanced
(max - min <= 1) whenever the constraints allow.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter
from collections.abc import Iterable

import pytest

from kpi_scorecard.figures.rotation import assign_presenters, candidates, roster
from kpi_scorecard.model import Daci, Kpi, Person, Scorecard, Settings, parse_month

from .conftest import bare_kpi

START = parse_month("2025-01")
END = parse_month("2027-01")
assert START is not None and END is not None
MONTHS = range(START, END)  # 24 consecutive months
assert len(MONTHS) == 24


def kpi(
    id: str,
    owner: str,
    approver: str | None = None,
    contributors: Iterable[str] = (),
    informed: Iterable[str] = (),
) -> Kpi:
    return bare_kpi(
        id,
        owner=owner,
        daci=Daci(approver, tuple(contributors), tuple(informed)),
    )


def scorecard(
    kpis: Iterable[Kpi], people: Iterable[str], presenters: tuple[str, ...] | None = None
) -> Scorecard:
    return Scorecard(
        Settings(presenters=presenters),
        {p: Person(p, p.title()) for p in people},
        {k.id: k for k in sorted(kpis, key=lambda k: k.id)},
    )


# --- independent restatement of the rules of 3.4 -------------------------------------------


def expected_roster(card: Scorecard) -> tuple[str, ...]:
    presenters = card.settings.presenters
    return tuple(presenters) if presenters is not None else tuple(card.people)


def allowed(k: Kpi, people: tuple[str, ...]) -> set[str]:
    """Who may present ``k`` per 3.4, restated without using review.py."""
    close = {k.owner, *(k.daci.people())}
    tier1 = {p for p in people if p not in close}
    if tier1:
        return tier1
    tier2 = {p for p in people if p != k.owner}
    if tier2:
        return tier2
    return set(people)


def spread(assignment: dict[str, str], people: tuple[str, ...]) -> int:
    counts = Counter(assignment.values())
    loads = [counts.get(p, 0) for p in people]
    return max(loads) - min(loads)


def best_spread(card: Scorecard) -> int:
    """Smallest achievable max - min over all legal assignments (brute force, small cases)."""
    people = expected_roster(card)
    ids = list(card.kpis)
    options = [sorted(allowed(card.kpis[i], people)) for i in ids]
    best = None
    for choice in itertools.product(*options):
        s = spread(dict(zip(ids, choice, strict=True)), people)
        if best is None or s < best:
            best = s
            if best == 0:
                break
    assert best is not None
    return best


# --- rosters ---------------------------------------------------------------------------------


def three_people_seven_kpis() -> Scorecard:
    people = ["ann", "ben", "cat"]
    kpis = [kpi(f"k{i}", people[i % 3]) for i in range(7)]
    return scorecard(kpis, people)


SIX = ["ann", "ben", "cat", "dan", "eve", "fay"]


def six_people_seventeen_kpis_with_daci() -> Scorecard:
    kpis = []
    for i in range(17):
        owner = SIX[i % 6]
        approver = SIX[(i + 1) % 6] if i % 2 == 0 else None
        contributors = [SIX[(i + 2) % 6]] if i % 3 == 0 else []
        informed = [SIX[(i + 4) % 6]] if i % 5 == 0 else []
        kpis.append(kpi(f"kpi_{i:02d}", owner, approver, contributors, informed))
    return scorecard(kpis, SIX)


def presenters_subset() -> Scorecard:
    kpis = [
        kpi("a1", "ann", approver="ben"),
        kpi("a2", "ann"),
        kpi("b1", "ben", contributors=["cat"]),
        kpi("d1", "dan"),
        kpi("d2", "dan", informed=["ann"]),
        kpi("e1", "eve", approver="fay"),
        kpi("f1", "fay"),
        kpi("f2", "fay", contributors=["eve", "dan"]),
    ]
    return scorecard(kpis, SIX, presenters=("ann", "ben", "cat", "dan"))


def more_presenters_than_kpis() -> Scorecard:
    kpis = [kpi("x", "ann", approver="ben"), kpi("y", "cat"), kpi("z", "zed")]
    return scorecard(kpis, [*SIX, "zed"], presenters=("ann", "ben", "cat", "dan", "eve", "fay"))


def only_the_owner_is_left() -> Scorecard:
    # roster is just ann; ann owns "solo" (and is the only one who can present anything)
    kpis = [kpi("solo", "ann", approver="ben"), kpi("other", "ben")]
    return scorecard(kpis, ["ann", "ben"], presenters=("ann",))


def daci_excludes_everyone_but_owner_only_does_not() -> Scorecard:
    # roster ann, ben, cat; "tight": owner ann, DACI ben and cat -> only owner excluded
    kpis = [
        kpi("tight", "ann", approver="ben", contributors=["cat"]),
        kpi("loose1", "ben"),
        kpi("loose2", "cat"),
        kpi("loose3", "ann"),
    ]
    return scorecard(kpis, ["ann", "ben", "cat"])


def no_people() -> Scorecard:
    return scorecard([kpi("k", "ghost")], [])


ROSTERS = {
    "3_people_7_kpis": three_people_seven_kpis,
    "6_people_17_kpis_daci": six_people_seventeen_kpis_with_daci,
    "presenters_subset": presenters_subset,
    "more_presenters_than_kpis": more_presenters_than_kpis,
    "only_owner_left": only_the_owner_is_left,
    "daci_excludes_all_but_owner_only_does_not": daci_excludes_everyone_but_owner_only_does_not,
    "no_people": no_people,
}
NON_EMPTY = [name for name in ROSTERS if name != "no_people"]
# Rosters where every KPI can go to anyone but its owner/DACI and balance is achievable.
BALANCEABLE = [
    "3_people_7_kpis",
    "6_people_17_kpis_daci",
    "presenters_subset",
    "more_presenters_than_kpis",
    "daci_excludes_all_but_owner_only_does_not",
]


@pytest.fixture(params=list(ROSTERS), ids=list(ROSTERS))
def card(request: pytest.FixtureRequest) -> Scorecard:
    return ROSTERS[request.param]()


# --- invariants over 24 months ---------------------------------------------------------------


def test_every_kpi_gets_exactly_one_presenter_from_the_roster(card: Scorecard) -> None:
    people = expected_roster(card)
    for month in MONTHS:
        result = assign_presenters(card, month)
        if not people:
            assert result == {}
            continue
        assert set(result) == set(card.kpis)
        assert all(isinstance(v, str) for v in result.values())
        assert set(result.values()) <= set(people)


def test_presenter_is_never_owner_or_daci_when_someone_else_is_left(card: Scorecard) -> None:
    people = expected_roster(card)
    for month in MONTHS:
        result = assign_presenters(card, month)
        for kpi_id, presenter in result.items():
            k = card.kpis[kpi_id]
            close = {k.owner, *k.daci.people()}
            if any(p not in close for p in people):
                assert presenter not in close, (month, kpi_id, presenter)
            if any(p != k.owner for p in people):
                assert presenter != k.owner, (month, kpi_id, presenter)
            assert presenter in allowed(k, people)


def test_assignment_is_deterministic(card: Scorecard) -> None:
    for month in MONTHS:
        first = assign_presenters(card, month)
        assert assign_presenters(card, month) == first
        # a freshly built, equal scorecard gives the same answer too
        rebuilt = Scorecard(card.settings, dict(card.people), dict(card.kpis))
        assert assign_presenters(rebuilt, month) == first


# A KPI meets more than one presenter over the months when more than one may present it.
@pytest.mark.parametrize("name", NON_EMPTY)
def test_each_kpi_sees_more_than_one_presenter_when_it_can(name: str) -> None:
    card = ROSTERS[name]()
    people = expected_roster(card)
    results = [assign_presenters(card, month) for month in MONTHS]
    for kpi_id, k in card.kpis.items():
        seen = {r[kpi_id] for r in results}
        if len(allowed(k, people)) > 1:
            assert len(seen) > 1, (kpi_id, seen)
        else:
            assert len(seen) == 1


@pytest.mark.parametrize("name", ["3_people_7_kpis", "6_people_17_kpis_daci", "presenters_subset"])
def test_assignment_changes_from_month_to_month(name: str) -> None:
    card = ROSTERS[name]()
    results = [assign_presenters(card, month) for month in MONTHS]
    distinct = {tuple(sorted(r.items())) for r in results}
    assert len(distinct) > 1
    # and consecutive months are not all the same
    assert any(a != b for a, b in itertools.pairwise(results))


@pytest.mark.parametrize("name", BALANCEABLE)
def test_counts_differ_by_at_most_one(name: str) -> None:
    card = ROSTERS[name]()
    people = expected_roster(card)
    for month in MONTHS:
        result = assign_presenters(card, month)
        assert spread(result, people) <= 1, (month, Counter(result.values()))


# --- specific cases --------------------------------------------------------------------------


def test_roster_of_just_the_owner_means_the_owner_presents() -> None:
    card = only_the_owner_is_left()
    for month in MONTHS:
        assert assign_presenters(card, month) == {"other": "ann", "solo": "ann"}


def test_owner_excluded_but_daci_allowed_when_nobody_else_is_left() -> None:
    card = scorecard([kpi("k", "ann", approver="ben")], ["ann", "ben"])
    for month in MONTHS:
        assert assign_presenters(card, month) == {"k": "ben"}


def test_daci_person_presents_when_excluding_owner_and_daci_leaves_nobody() -> None:
    card = daci_excludes_everyone_but_owner_only_does_not()
    seen = set()
    for month in MONTHS:
        presenter = assign_presenters(card, month)["tight"]
        assert presenter in {"ben", "cat"}
        seen.add(presenter)
    assert seen == {"ben", "cat"}


def test_no_people_gives_an_empty_assignment() -> None:
    card = no_people()
    assert roster(card) == ()
    for month in MONTHS:
        assert assign_presenters(card, month) == {}


def test_no_kpis_gives_an_empty_assignment() -> None:
    card = scorecard([], ["ann", "ben"])
    assert assign_presenters(card, START) == {}


def test_constraints_force_imbalance() -> None:
    kpis = [kpi(f"k{i}", "ben") for i in range(5)]
    card = scorecard(kpis, ["ann", "ben"], presenters=("ben", "ann"))
    for month in MONTHS:
        result = assign_presenters(card, month)
        assert result == {f"k{i}": "ann" for i in range(5)}
        assert Counter(result.values()) == {"ann": 5}


def test_two_presenters_four_kpis_no_constraints_split_two_and_two() -> None:
    kpis = [kpi(f"k{i}", "zed") for i in range(4)]
    card = scorecard(kpis, ["ann", "ben", "zed"], presenters=("ann", "ben"))
    for month in MONTHS:
        result = assign_presenters(card, month)
        assert Counter(result.values()) == {"ann": 2, "ben": 2}


def test_more_presenters_than_kpis_gives_distinct_presenters() -> None:
    card = more_presenters_than_kpis()
    for month in MONTHS:
        result = assign_presenters(card, month)
        assert len(set(result.values())) == len(result)


def test_presenters_outside_the_roster_never_present() -> None:
    card = presenters_subset()
    for month in MONTHS:
        assert not set(assign_presenters(card, month).values()) & {"eve", "fay"}


def test_roster_defaults_to_all_people() -> None:
    assert roster(scorecard([], ["ann", "ben"])) == ("ann", "ben")
    assert roster(scorecard([], ["ann", "ben"], presenters=("ben",))) == ("ben",)


def test_candidates_tiers() -> None:
    k = kpi("k", "ann", approver="ben", contributors=["cat"], informed=["dan"])
    assert candidates(k, ("ann", "ben", "cat", "dan", "eve")) == ("eve",)
    assert candidates(k, ("ann", "ben", "cat", "dan")) == ("ben", "cat", "dan")
    assert candidates(k, ("ann",)) == ("ann",)
    assert candidates(k, ()) == ()


# --- randomised small cases against brute force ----------------------------------------------


def random_card(rng: random.Random) -> Scorecard:
    pool = ["ann", "ben", "cat", "dan", "eve"]
    people = pool[: rng.randint(1, 4)]
    outsiders = ["zed"]
    kpis = []
    for i in range(rng.randint(1, 6)):
        owner = rng.choice(people + outsiders)
        others = [p for p in people if p != owner]
        daci = rng.sample(others, rng.randint(0, len(others)))
        approver = daci[0] if daci else None
        kpis.append(kpi(f"k{i}", owner, approver, daci[1:]))
    presenters = None
    if rng.random() < 0.3:
        presenters = tuple(rng.sample(people, rng.randint(1, len(people))))
    return scorecard(kpis, people + outsiders if presenters else people, presenters)


@pytest.mark.parametrize("seed", range(40))
def test_random_small_rosters_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(5):
        card = random_card(rng)
        people = expected_roster(card)
        optimum = best_spread(card)
        for month in MONTHS:
            result = assign_presenters(card, month)
            assert set(result) == set(card.kpis)
            for kpi_id, presenter in result.items():
                assert presenter in allowed(card.kpis[kpi_id], people), (month, kpi_id)
            if optimum <= 1:
                assert spread(result, people) <= 1, (month, result, optimum)
            else:
                # not promised by 3.4, but the rotation should not do worse than possible
                assert spread(result, people) == optimum, (month, result, optimum)
            assert assign_presenters(card, month) == result


# --- the rotation rotates: months follow each other (issue 13) -------------------------------


def reporting(kpis: Iterable[Kpi]) -> list[Kpi]:
    """The KPIs with a value in START, where the rotation's chain of months begins."""
    return [dataclasses.replace(k, values={START: 1.0}) for k in kpis]


def fewest_repeats(card: Scorecard, previous: dict[str, str]) -> int:
    """Brute force: the fewest KPIs that keep last month's presenter among the assignments
    that respect the candidates and are as balanced as any (least sum of squared counts)."""
    people = expected_roster(card)
    ids = sorted(card.kpis)
    choices = [sorted(allowed(card.kpis[k], people)) for k in ids]
    best: tuple[int, int] | None = None
    for chosen in itertools.product(*choices):
        counts = Counter(chosen)
        score = (
            sum(counts[p] ** 2 for p in people),
            sum(a == previous[k] for k, a in zip(ids, chosen, strict=True)),
        )
        best = score if best is None or score < best else best
    assert best is not None
    return best[1]


def test_free_kpis_change_presenters_every_month() -> None:
    # a presents b's KPI and b presents a's; the two free KPIs must split 1-1 to stay balanced,
    # and there are two ways to do it: they alternate
    kpis = reporting([kpi("by_a", "a"), kpi("by_b", "b"), kpi("free1", "z"), kpi("free2", "z")])
    card = scorecard(kpis, ["a", "b", "z"], presenters=("a", "b"))
    results = [assign_presenters(card, month) for month in MONTHS]
    for before, after in itertools.pairwise(results):
        assert (before["by_a"], before["by_b"]) == ("b", "a") == (after["by_a"], after["by_b"])
        assert {before["free1"], before["free2"]} == {"a", "b"}
        assert before["free1"] != after["free1"], (before, after)


@pytest.mark.parametrize("seed", range(60))
def test_as_few_kpis_as_possible_keep_last_months_presenter(seed: int) -> None:
    rng = random.Random(seed)
    base = random_card(rng)
    card = Scorecard(base.settings, base.people, {k.id: k for k in reporting(base.kpis.values())})
    people = expected_roster(card)
    optimum = best_spread(card)
    previous = assign_presenters(card, START)
    for month in range(START + 1, START + 8):
        result = assign_presenters(card, month)
        if optimum <= 1:
            assert spread(result, people) <= 1
        repeats = sum(result[k] == previous[k] for k in result)
        assert repeats == fewest_repeats(card, previous), (month, previous, result)
        previous = result
