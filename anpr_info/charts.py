"""Charts: one Vega-Lite spec per (measure, breakdown, period), drawn in the browser by
vega-embed and on the server by vl-convert (SVG and PNG), from exactly the same records."""

from __future__ import annotations

import csv
import io
import json
import re

from anpr_info import cache as anpr_cache
from anpr_info import registry, selectors

FONT = "Arial, Helvetica, sans-serif"
PALETTE = ["#1d3b53", "#d4351c", "#00703c", "#f47738", "#5694ca", "#912b88", "#85994b", "#6f777b"]


def chart_state(measure_code: str, params) -> dict:
    """Normalise query parameters into a chart state (unknown values fall back to defaults)."""
    measure = registry.MEASURES.get(measure_code)
    if measure is None:
        return {}
    breakdown = selectors.breakdown_get(measure, params.get("breakdown"))
    period = params.get("period") or ""
    if period and not re.fullmatch(r"\d{4}(-\d{2}|-Q[1-4])?", period):
        period = ""
    return {"measure": measure, "breakdown": breakdown, "period": period}


def state_query(state: dict) -> str:
    query = f"breakdown={state['breakdown'].code}"
    if state.get("period"):
        query += f"&period={state['period']}"
    return query


def chart_data(state: dict) -> dict:
    measure, breakdown = state["measure"], state["breakdown"]
    key = f"data:{measure.code}:{breakdown.code}:{state.get('period', '')}"
    return anpr_cache.cached(
        key, lambda: selectors.chart_records(measure, breakdown, state.get("period") or None)
    )


def chart_title(state: dict, data: dict) -> str:
    measure, breakdown = state["measure"], state["breakdown"]
    title = f"{measure.title}: {breakdown.label.lower()}"
    if data.get("period"):
        title += f", {registry.period_label(data['period'])}"
    return title


def chart_spec(state: dict, data: dict) -> dict:
    """The Vega-Lite spec, with the records inline so that downloads match the picture."""
    measure = state["measure"]
    values = [r for r in data["records"] if r["value"] is not None]
    series = {r["series"] for r in values}
    title = chart_title(state, data)
    unit = measure.unit.capitalize()
    tooltip = [
        {"field": "series_label", "type": "nominal", "title": "Series"},
        {"field": "x", "type": "nominal", "title": "Period"},
        {"field": "value", "type": "quantitative", "title": unit, "format": ","},
    ]
    base = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "anchor": "start", "font": FONT, "fontSize": 16},
        "description": f"{title}. The same figures are in the table below the chart.",
        "data": {"values": values},
        "width": 640,
        "config": {
            "font": FONT,
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "labelFont": FONT,
                "titleFont": FONT,
            },
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "orient": "bottom", "columns": 3},
            "range": {"category": PALETTE},
            "background": "white",
        },
    }
    if data["single_period"]:
        count = len(values) or 1
        base["height"] = max(120, min(22 * count, 800))
        base["mark"] = {"type": "bar", "color": PALETTE[0]}
        base["encoding"] = {
            "y": {
                "field": "series_label",
                "type": "nominal",
                "sort": None,
                "title": None,
                "axis": {"labelLimit": 260},
            },
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": unit,
                "axis": {"format": "~s"},
            },
            "tooltip": tooltip,
        }
    else:
        base["height"] = 320
        base["mark"] = {"type": "line", "point": len({r["x"] for r in values}) < 40}
        encoding = {
            "x": {
                "field": "x",
                "type": "temporal",
                "title": "Day" if state["breakdown"].kind == "day" else "Period",
                "axis": {"format": "%b %Y" if state["breakdown"].kind != "day" else "%d %b %Y"},
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": unit,
                "axis": {"format": "~s"},
            },
            "tooltip": tooltip,
        }
        if len(series) > 1:
            encoding["color"] = {
                "field": "series_label",
                "type": "nominal",
                "title": None,
                "sort": None,
            }
        else:
            base["mark"]["color"] = PALETTE[0]
        base["encoding"] = encoding
    return base


def _render(kind: str, state: dict):
    import vl_convert

    data = chart_data(state)
    spec = chart_spec(state, data)
    if kind == "svg":
        return vl_convert.vegalite_to_svg(spec)
    return vl_convert.vegalite_to_png(spec, scale=2)


def chart_svg(state: dict) -> str:
    """Server-rendered SVG (cached until the next publication)."""
    svg = anpr_cache.cached(
        f"svg:{state['measure'].code}:{state['breakdown'].code}:{state.get('period', '')}",
        lambda: _render("svg", state),
    )
    return svg


def chart_png(state: dict) -> bytes:
    return anpr_cache.cached(
        f"png:{state['measure'].code}:{state['breakdown'].code}:{state.get('period', '')}",
        lambda: _render("png", state),
    )


def svg_for_inline(svg: str, *, title: str, description: str) -> str:
    """The SVG ready to sit in the page: accessible name, no fixed size (CSS scales it), and no
    style attributes (the Content Security Policy forbids inline styles)."""
    svg = re.sub(r'\sstyle="[^"]*"', "", svg)
    svg = svg.replace(
        "<svg ",
        '<svg role="img" aria-labelledby="chart-svg-title chart-svg-desc" class="anpr-chart__svg" ',
        1,
    )
    from django.utils.html import escape

    head = (
        f'<title id="chart-svg-title">{escape(title)}</title>'
        f'<desc id="chart-svg-desc">{escape(description)}</desc>'
    )
    return re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + head, svg, count=1)


def _safe(value) -> str:
    """Protect spreadsheets from formula injection."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def records_csv(state: dict, data: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["measure", "breakdown", "period", "x", "series", "series_label", "value", "display"]
    )
    for record in data["records"]:
        writer.writerow(
            [
                state["measure"].code,
                state["breakdown"].code,
                record["period"],
                record["x"],
                _safe(record["series"]),
                _safe(record["series_label"]),
                "" if record["value"] is None else record["value"],
                _safe(record["display"]),
            ]
        )
    return buffer.getvalue()


def records_json(state: dict, data: dict) -> str:
    return json.dumps(
        {
            "measure": state["measure"].code,
            "breakdown": state["breakdown"].code,
            "period": data.get("period"),
            "unit": state["measure"].unit,
            "tier": state["measure"].tier,
            "records": data["records"],
        },
        indent=1,
    )


def payload_csv(payload: dict) -> str:
    """A published table as CSV: one line per cell, with labels."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    dims = payload["row_dimensions"] + payload["column_dimensions"]
    writer.writerow(
        ["measure", "table", "period", *dims, *[f"{d}_label" for d in dims], "value", "flag"]
    )
    for row, col, value, flag in payload["cells"]:
        codes = list(row) + list(col)
        labels = [selectors.value_label(d, v) for d, v in zip(dims, codes, strict=False)]
        writer.writerow(
            [
                payload["measure"],
                payload["table"],
                payload["period"],
                *map(_safe, codes),
                *map(_safe, labels),
                "" if value is None else value,
                flag,
            ]
        )
    return buffer.getvalue()
