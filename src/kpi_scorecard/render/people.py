"""``/people/`` and ``/people/<id>/``: what each person owns, approves, contributes to, is
informed of, and presents this month."""

from __future__ import annotations

from collections.abc import Mapping

from kpi_scorecard.model import Kpi, Person, Results, Scorecard, month_str
from kpi_scorecard.render.blocks import not_searched
from kpi_scorecard.render.html import Links, link, status_badge, table
from kpi_scorecard.render.text import escape, front_matter_title, inline
from kpi_scorecard.render.wording import month_label


def person_page(
    person: Person,
    scorecard: Scorecard,
    results: Results,
    presenters: Mapping[str, str],
    links: Links,
) -> str:
    kpis = list(scorecard.kpis.values())
    details = [escape(person.team)] if person.team else []
    if person.email:
        details.append(link(f"mailto:{person.email}", person.email))
    if person.github:  # validated against GitHub's rules for user names
        handle = person.github.removeprefix("@")
        details.append(link(f"https://github.com/{handle}", f"@{handle}"))
    roles = [
        ("Owns", [k for k in kpis if k.owner == person.id]),
        ("Approves", [k for k in kpis if k.daci.approver == person.id]),
        ("Contributes to", [k for k in kpis if person.id in k.daci.contributors]),
        ("Is informed of", [k for k in kpis if person.id in k.daci.informed]),
        (
            f"Presents in {month_label(month_str(results.as_of))}",
            [k for k in kpis if presenters.get(k.id) == person.id],
        ),
    ]
    parts = [front_matter_title(person.name) + f"# {inline(person.name)}", ""]
    if details:
        parts += [f'<p class="kpi-person">{" · ".join(details)}</p>', ""]
    for heading, chosen in roles:
        parts += [f"## {heading}", "", _kpi_table(chosen, results, links), ""]
    return "\n".join(parts)


def _kpi_table(kpis: list[Kpi], results: Results, links: Links) -> str:
    if not kpis:
        return "<p>None.</p>"
    rows = [
        [link(links.kpi(k.id), k.name), status_badge(results.figures[k.id].status)]
        for k in sorted(kpis, key=lambda k: k.name.casefold())
    ]
    return not_searched(table(("KPI", "Status"), rows, "kpi-people"))


def people_index(scorecard: Scorecard, links: Links) -> str:
    rows = [
        [
            link(links.page(f"people/{person.id}"), person.name),
            escape(person.team or ""),
            str(sum(1 for k in scorecard.kpis.values() if k.owner == person.id)),
        ]
        for person in sorted(scorecard.people.values(), key=lambda p: p.name.casefold())
    ]
    body = table(("Person", "Team", "KPIs owned"), rows, "kpi-people")
    return "\n".join([front_matter_title("People") + "# People", "", body, ""])
