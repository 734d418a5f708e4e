"""A small inline SVG line of the last months, for the overview table."""

from __future__ import annotations

from collections.abc import Sequence

WIDTH = 96
HEIGHT = 24
PAD = 2


def sparkline(values: Sequence[float | None], label: str) -> str:
    """An ``<svg>`` with one polyline per run of reported months; ``label`` is its text
    alternative and must already be escaped."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)

    def xy(index: int, value: float) -> str:
        x = PAD + index * step
        y = PAD + (HEIGHT - 2 * PAD) * (1 - (value - low) / span)
        return f"{x:.1f},{y:.1f}"

    runs: list[list[str]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(xy(index, value))
    lines = "".join(f'<polyline points="{" ".join(run)}"/>' for run in runs if len(run) > 1)
    last_x, last_y = xy(*points[-1]).split(",")
    dots = f'<circle cx="{last_x}" cy="{last_y}" r="1.5"/>'
    return (
        f'<svg class="kpi-spark" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' role="img" aria-label="{label}">{lines}{dots}</svg>'
    )
