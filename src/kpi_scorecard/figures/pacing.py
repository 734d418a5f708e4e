"""Contract 3.5 for every KPI: the fiscal year so far against its targets, and the forecast of
the year (each month without a value: the same month last year times the growth so far, else
the run rate of the last 12 months).

The month frame of figures/periods.py gives each KPI's rows of this fiscal year and the one
before. KPIs of whole numbers of 10**-decimals are summed with numpy over all of them at once
(``integer_years``), the others on fractions (``fraction_years``); either gives a ``Year`` of
exact pairs, from which ``kpi_pacing`` forecasts and decides the pace without rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from kpi_scorecard.figures.compute import fiscal_year_begin
from kpi_scorecard.figures.numbers import exact_sum
from kpi_scorecard.figures.pairs import (
    Pair,
    Statuses,
    aggregate_all,
    aggregate_of,
    exact_pair,
    fraction_pair,
    pair_float,
    plus,
    relative,
    times,
    whole_aggregate,
)
from kpi_scorecard.model import ForecastBasis, Kpi, Month, Pacing


def every_pacing(
    kpis: Sequence[Kpi],
    statuses: Statuses,
    frame: pd.DataFrame,
    fractional: pd.DataFrame,
    as_of: Month,
    fiscal_year_start: int,
    fiscal_year: str,
) -> dict[str, Pacing]:
    """Every KPI's pacing at ``as_of``, from the month frame (``fractional``: its rows of the
    KPIs summed as fractions, with their exact values)."""
    years = integer_years(kpis, frame, as_of, fiscal_year_start)
    years |= fraction_years(kpis, fractional, as_of)
    return {
        kpi.id: kpi_pacing(index, kpi.aggregate, years[index], statuses, fiscal_year)
        for index, kpi in enumerate(kpis)
    }


class Year(NamedTuple):
    """What one KPI's pacing is made of, exactly: its fiscal year as known at ``as_of``."""

    ytd: Pair | None
    """The aggregate of the values reported in the year so far."""
    target_ytd: Pair | None
    target_fy: Pair | None
    known: Pair
    """The sum of the values reported in the year."""
    known_last: Pair | None
    """The value of the year's last month, when reported."""
    growth: Pair | None
    """g of contract 3.5, when the sum a year before is above 0."""
    run_rate: Pair | None
    """The mean of the values reported in the 12 months up to ``as_of``."""
    gaps: list[tuple[Month, Pair | None]]
    """The months to forecast, in order, each with its value a year before (None: none)."""


def kpi_pacing(
    index: int, aggregate: str, year: Year, statuses: Statuses, fiscal_year: str
) -> Pacing:
    """Contract 3.5 for one KPI: each month without a value forecast from the value a year
    before times the growth so far, else the run rate."""
    predicted: list[tuple[Month, Pair]] = []
    bases: set[ForecastBasis] = set()
    total = year.known
    forecast_all = True
    for month, year_ago in year.gaps:
        if year.growth is not None and year_ago is not None:
            guess = times(year_ago, year.growth)
            bases.add("growth")
        elif year.run_rate is not None:
            guess = year.run_rate
            bases.add("run_rate")
        else:
            forecast_all = False
            continue
        predicted.append((month, guess))
        total = plus(total, guess)
    reached: Pair | None = None
    if forecast_all:
        last = year.known_last if year.known_last is not None else predicted[-1][1]
        reached = {"sum": total, "last": last}.get(aggregate, (total[0], total[1] * 12))
    growth = year.growth
    return Pacing(
        target_ytd=pair_float(year.target_ytd),
        ytd_gap_pct=pair_float(relative(year.ytd, year.target_ytd)),
        target_fy=pair_float(year.target_fy),
        forecast_fy=pair_float(reached),
        forecast_gap_pct=pair_float(relative(reached, year.target_fy)),
        pace=statuses.of_pair(index, reached, year.target_fy),
        fiscal_year=fiscal_year,
        basis="growth" if "growth" in bases else "run_rate" if bases else None,
        growth=pair_float((growth[0] - growth[1], growth[1]))
        if growth is not None and "growth" in bases
        else None,
        run_rate=pair_float(year.run_rate) if "run_rate" in bases else None,
        forecasts=tuple(
            (month, number)
            for month, guess in predicted
            if (number := pair_float(guess)) is not None
        ),
    )


def integer_years(
    kpis: Sequence[Kpi], frame: pd.DataFrame, as_of: Month, fiscal_year_start: int
) -> dict[int, Year]:
    """The ``Year`` of every KPI whose numbers are whole numbers of 10**-scale, from arrays
    of its rows of this fiscal year and the one before (each KPI's last 24 rows)."""
    codes = frame["kpi"].to_numpy()
    ends = np.searchsorted(codes, np.arange(len(kpis)), side="right")
    scale = frame["scale"].to_numpy()[ends - 1]
    chosen = np.flatnonzero(scale >= 0)
    if not len(chosen):
        return {}
    year_begin = fiscal_year_begin(as_of, fiscal_year_start)
    now = as_of - year_begin  # the column of as_of
    so_far = np.arange(12) <= now
    rows = ends[chosen, None] - 12 + np.arange(12)
    values, targets = frame["xi"].to_numpy(), frame["ti"].to_numpy()
    reported, targeted = ~np.isnan(frame["x"].to_numpy()), ~np.isnan(frame["tx"].to_numpy())
    v, vp, tv, tp = values[rows], reported[rows], targets[rows], targeted[rows]
    ago, agop = values[rows - 12], reported[rows - 12]
    window = rows[:, now, None] - 11 + np.arange(12)
    both = vp & agop & so_far
    last_so_far = np.where(vp & so_far, np.arange(12), -1).max(axis=1)
    gaps = ~vp
    by_kpi: dict[int, list[tuple[Month, Pair | None]]] = {int(k): [] for k in chosen}
    units = 10 ** scale[chosen]
    gap_rows, gap_columns = np.nonzero(gaps)
    for position, column, before, had in zip(
        chosen[gap_rows].tolist(),
        gap_columns.tolist(),
        ago[gaps].tolist(),
        agop[gaps].tolist(),
        strict=True,
    ):
        by_kpi[position].append(
            (year_begin + column, (before, int(10 ** scale[position])) if had else None)
        )
    return {
        index: Year(
            ytd=whole_aggregate(aggregate, ytd_sum, ytd_count, ytd_last, unit),
            target_ytd=whole_aggregate(aggregate, tyd_sum, now + 1, tyd_last, unit)
            if tyd_count == now + 1
            else None,
            target_fy=whole_aggregate(aggregate, tfy_sum, 12, tfy_last, unit)
            if tfy_count == 12
            else None,
            known=(known, unit),
            known_last=(known_last, unit) if has_last else None,
            growth=(growth_now, growth_before) if growth_before > 0 else None,
            run_rate=(rate_sum, unit * rate_count) if rate_count else None,
            gaps=by_kpi[index],
        )
        for (
            index,
            aggregate,
            unit,
            ytd_sum,
            ytd_count,
            ytd_last,
            tyd_sum,
            tyd_count,
            tyd_last,
            tfy_sum,
            tfy_count,
            tfy_last,
            known,
            known_last,
            has_last,
            growth_now,
            growth_before,
            rate_sum,
            rate_count,
        ) in zip(
            chosen.tolist(),
            [kpis[k].aggregate for k in chosen.tolist()],
            units.tolist(),
            (v * so_far).sum(axis=1).tolist(),
            (vp & so_far).sum(axis=1).tolist(),
            v[np.arange(len(chosen)), np.maximum(last_so_far, 0)].tolist(),
            tv[:, : now + 1].sum(axis=1).tolist(),
            tp[:, : now + 1].sum(axis=1).tolist(),
            tv[:, now].tolist(),
            tv.sum(axis=1).tolist(),
            tp.sum(axis=1).tolist(),
            tv[:, 11].tolist(),
            v.sum(axis=1).tolist(),
            v[:, 11].tolist(),
            vp[:, 11].tolist(),
            (v * both).sum(axis=1).tolist(),
            (ago * both).sum(axis=1).tolist(),
            values[window].sum(axis=1).tolist(),
            reported[window].sum(axis=1).tolist(),
            strict=True,
        )
    }


def fraction_years(kpis: Sequence[Kpi], frame: pd.DataFrame, as_of: Month) -> dict[int, Year]:
    """The ``Year`` of each of the other KPIs, on exact fractions (a few KPIs at most)."""
    years: dict[int, Year] = {}
    for _, rows in frame.groupby("kpi", sort=False):
        index = int(rows["kpi"].iloc[0])
        aggregate = kpis[index].aggregate
        year = rows.iloc[-12:]
        months = year["month"].tolist()
        v, ago, t = year["v"].tolist(), year["year_ago"].tolist(), year["t"].tolist()
        passed = sum(1 for m in months if m <= as_of)
        so_far = [n for n in v[:passed] if n is not None]
        window = rows[rows["month"].between(as_of - 11, as_of)]["v"].dropna().tolist()
        both = [
            (n, a)
            for n, a in zip(v[:passed], ago[:passed], strict=True)
            if n is not None and a is not None
        ]
        before = exact_sum([a for _, a in both])
        years[index] = Year(
            ytd=fraction_pair(
                aggregate_of(
                    aggregate, exact_sum(so_far), len(so_far), so_far[-1] if so_far else None
                )
            ),
            target_ytd=fraction_pair(aggregate_all(aggregate, t[:passed])),
            target_fy=fraction_pair(aggregate_all(aggregate, t)),
            known=exact_pair(exact_sum([n for n in v if n is not None])),
            known_last=fraction_pair(v[-1]),
            growth=fraction_pair(exact_sum([n for n, _ in both]) / before) if before > 0 else None,
            run_rate=fraction_pair(exact_sum(window) / len(window)) if window else None,
            gaps=[
                (m, fraction_pair(a)) for m, n, a in zip(months, v, ago, strict=True) if n is None
            ],
        )
    return years
