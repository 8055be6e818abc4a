"""The tile-grid map of London: one square per borough and one for the City, placed as
newsrooms draw London (data/london_tile_grid.csv, a copy of the shared reference grid with a
three-letter label per area), shaded by a figure. Server-rendered SVG: no JavaScript, no inline
styles (the Content Security Policy forbids them), an accessible name, and every figure also in
the page's table."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.html import escape

from talklondon.svg import FONT

DATA_FILE = Path(__file__).parent / "data" / "london_tile_grid.csv"
# ColorBrewer "Blues", 5 classes: light is less. Labels are white on the two darkest.
SHADES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
HIDDEN = "#b1b4b6"  # [x] and [c]: a figure exists but is not published
NOT_APPLICABLE = "#ffffff"  # [z]: outlined only
TILE, GAP, MARGIN = 56, 4, 8


@dataclass(frozen=True)
class Tile:
    row: int
    col: int
    gss_code: str
    name: str
    abbreviation: str


@cache
def tiles() -> tuple[Tile, ...]:
    with DATA_FILE.open(newline="", encoding="utf-8") as handle:
        return tuple(
            Tile(int(r["row"]), int(r["col"]), r["gss_code"], r["name"], r["abbreviation"])
            for r in csv.DictReader(handle)
        )


def _nice(value: float) -> int:
    """Round a class break to two significant figures, so the legend reads cleanly."""
    if value <= 0:
        return 0
    digits = max(0, int(math.floor(math.log10(value))) - 1)
    step = 10**digits
    return int(round(value / step) * step)


def class_breaks(values: list[int], classes: int = len(SHADES)) -> list[int]:
    """Upper bounds of each class but the last (quantiles, rounded, strictly increasing)."""
    ordered = sorted(values)
    breaks: list[int] = []
    for i in range(1, classes):
        if not ordered:
            break
        candidate = _nice(ordered[min(len(ordered) - 1, len(ordered) * i // classes)])
        if (not breaks or candidate > breaks[-1]) and candidate < ordered[-1]:
            breaks.append(candidate)
    return breaks


def _shade(value: int, breaks: list[int]) -> int:
    for index, bound in enumerate(breaks):
        if value <= bound:
            return index
    return len(breaks)


def tile_map_svg(records: list[dict], *, title: str, unit: str) -> str:
    """The map for an area breakdown's records ({"series": GSS code, "value", "display"})."""
    by_code = {r["series"]: r for r in records}
    values = [r["value"] for r in records if r["value"] is not None]
    breaks = class_breaks(values)
    shades = SHADES if len(breaks) + 1 >= len(SHADES) else SHADES[-len(breaks) - 1 :]
    cols = max(t.col for t in tiles())
    rows = max(t.row for t in tiles())
    step = TILE + GAP
    width = MARGIN * 2 + cols * step
    legend_top = MARGIN + rows * step + 12
    parts = []
    for tile in tiles():
        record = by_code.get(tile.gss_code)
        x = MARGIN + (tile.col - 1) * step
        y = MARGIN + (tile.row - 1) * step
        display = record["display"] if record else "no figure"
        if record is None or record["value"] is None:
            fill = NOT_APPLICABLE if display == "[z]" else HIDDEN
            text = "#0b0c0c"
        else:
            index = _shade(record["value"], breaks)
            fill = shades[index]
            text = "#ffffff" if index >= len(shades) - 2 and len(shades) > 2 else "#0b0c0c"
        parts.append(
            f'<g class="anpr-tile"><title>{escape(tile.name)}: {escape(display)}</title>'
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" fill="{fill}" '
            f'stroke="#505a5f" stroke-width="1"/>'
            f'<text x="{x + TILE / 2}" y="{y + TILE / 2 - 2}" text-anchor="middle" '
            f'font-family="{FONT}" font-size="13" font-weight="bold" fill="{text}">'
            f"{escape(tile.abbreviation)}</text>"
            f'<text x="{x + TILE / 2}" y="{y + TILE / 2 + 14}" text-anchor="middle" '
            f'font-family="{FONT}" font-size="11" fill="{text}">{escape(_short(display))}</text></g>'
        )
    legend = []
    lower = 0
    labels = []
    for index, shade in enumerate(shades):
        if index < len(breaks):
            labels.append((shade, f"{lower:,} to {breaks[index]:,}"))
            lower = breaks[index] + 1
        else:
            labels.append((shade, f"{lower:,} or more" if values else "no figures"))
    labels.append((HIDDEN, "[x] or [c] hidden"))
    labels.append((NOT_APPLICABLE, "[z] not applicable"))
    per_row = 3
    for index, (shade, label) in enumerate(labels):
        x = MARGIN + (index % per_row) * 160
        y = legend_top + (index // per_row) * 24
        legend.append(
            f'<rect x="{x}" y="{y}" width="16" height="16" fill="{shade}" stroke="#505a5f"/>'
            f'<text x="{x + 22}" y="{y + 13}" font-family="{FONT}" font-size="13" '
            f'fill="#0b0c0c">{escape(label)}</text>'
        )
    height = legend_top + math.ceil(len(labels) / per_row) * 24 + MARGIN
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="anpr-map__svg" role="img" aria-labelledby="map-svg-title map-svg-desc">'
        f'<title id="map-svg-title">{escape(title)}</title>'
        f'<desc id="map-svg-desc">Tile map: one square for each of the 32 London boroughs and '
        f"the City of London, darker for more {escape(unit)}. Every figure is also in the "
        f"table.</desc>{''.join(parts)}{''.join(legend)}</svg>"
    )


def _short(display: str) -> str:
    """A compact figure for inside a tile (12,345 → 12.3k): the full one is in the title."""
    digits = display.replace(",", "")
    if not digits.isascii() or not digits.isdecimal() or len(digits) > 15:
        return display
    value = int(digits)
    for size, suffix in ((1_000_000_000, "bn"), (1_000_000, "m"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return display
