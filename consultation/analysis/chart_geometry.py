"""Geometry of the dashboard's SVG charts: pure arithmetic, no queries.

Bars are drawn as inline SVG with attributes, not style=, so the Content Security Policy holds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    label: object
    value: int
    x: float
    y: float
    height: float


def column_chart(points: list[tuple[object, int]], *, height: float = 100.0) -> dict:
    """Geometry for an SVG column chart of `points` (label, value): a viewBox and one bar each."""
    peak = max((value for _, value in points), default=0) or 1
    step = 10.0
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = round(height * value / peak, 2)
        bars.append(
            Column(label, value, index * step + 1, round(height - bar_height, 2), bar_height)
        )
    return {
        "width": max(len(points), 1) * step,
        "height": height,
        "bars": bars,
        "bar_width": step - 2,
        "peak": peak,
    }
