"""``/tree/``: the KPI tree drawn from ``supports``, top-level KPIs first."""

from __future__ import annotations

from kpi_scorecard.model import Results, Scorecard
from kpi_scorecard.render.blocks import not_searched
from kpi_scorecard.render.html import Links, link, status_badge
from kpi_scorecard.render.text import front_matter_title


def tree_page(scorecard: Scorecard, results: Results, links: Links) -> str:
    children: dict[str, list[str]] = {}
    for kpi in scorecard.kpis.values():
        if kpi.supports is not None and kpi.supports in scorecard.kpis:
            children.setdefault(kpi.supports, []).append(kpi.id)
    roots = [k for k in scorecard.kpis.values() if k.supports not in scorecard.kpis]
    roots.sort(key=lambda k: (not children.get(k.id), k.name.casefold()))

    def branch(kpi_id: str, seen: frozenset[str]) -> str:
        kpi = scorecard.kpis[kpi_id]
        label = (
            f"{link(links.kpi(kpi_id), kpi.name)} {status_badge(results.figures[kpi_id].status)}"
        )
        below = sorted(children.get(kpi_id, []), key=lambda k: scorecard.kpis[k].name.casefold())
        if not below or kpi_id in seen:  # a supports cycle is shown once, not forever
            return f"<li>{label}</li>"
        inner = "".join(branch(child, seen | {kpi_id}) for child in below)
        return f"<li>{label}<ul>{inner}</ul></li>"

    trees = "".join(branch(kpi.id, frozenset()) for kpi in roots)
    intro = (
        "<p>Each KPI under the one it supports: a low-level KPI shows which business goal it "
        "moves.</p>"
    )
    return "\n".join(
        [
            front_matter_title("KPI tree") + "# KPI tree",
            "",
            intro,
            "",
            # In a <div>: search's exclusion would end at the first nested </ul>.
            not_searched(f'<div class="kpi-tree-wrap"><ul class="kpi-tree">{trees}</ul></div>'),
            "",
        ]
    )
