"""Charts: one Vega-Lite spec per (measure, breakdown, period), drawn in the browser by
vega-embed and on the server by vl-convert (SVG and PNG), from exactly the same records."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from anpr_info import registry, selectors
from talklondon.disclosure.downloads import tidy_csv
from talklondon.svg import FONT

PALETTE = ["#1d3b53", "#d4351c", "#00703c", "#f47738", "#5694ca", "#912b88", "#85994b", "#6f777b"]


def chart_state(measure_code: str, params) -> dict:
    """Normalise query parameters into a chart state (unknown values fall back to defaults).

    `as_of` names a published release: the figures as they stood when it was published, which
    is what a permalink shows. An unknown release is not found (Http404)."""
    measure = registry.MEASURES.get(measure_code)
    if measure is None:
        return {}
    breakdown = selectors.breakdown_get(measure, params.get("breakdown"))
    period = params.get("period") or ""
    if period and not re.fullmatch(r"\d{4}(-\d{2}|-Q[1-4])?", period):
        period = ""
    latest = latest_release()
    as_of = None
    if params.get("as_of"):
        as_of = selectors.release_published_get(params["as_of"])
        if latest and as_of.sequence == latest["sequence"]:
            as_of = None  # the latest release's figures are the current ones
    return {
        "measure": measure,
        "breakdown": breakdown,
        "period": period,
        "as_of": as_of,
        "latest": latest,
    }


def latest_release() -> dict | None:
    return selectors.release_latest_summary()


def release_slug(release: dict) -> str:
    return f"{release['period']}-v{release['version']}"


def state_params(state: dict, *, pinned: bool = False) -> dict[str, str]:
    """The query parameters that name this chart. `pinned` adds the release the figures come
    from, so that the link shows the same figures after later releases."""
    params = {"breakdown": state["breakdown"].code}
    if state.get("period"):
        params["period"] = state["period"]
    if state.get("as_of") is not None:
        params["as_of"] = state["as_of"].slug
    elif pinned and state.get("latest"):
        params["as_of"] = release_slug(state["latest"])
    return params


def state_query(state: dict, *, pinned: bool = False) -> str:
    return urlencode(state_params(state, pinned=pinned))


def _key(state: dict) -> str:
    as_of = state.get("as_of")
    return ":".join(
        [
            state["measure"].code,
            state["breakdown"].code,
            state.get("period", ""),
            as_of.slug if as_of is not None else "",
        ]
    )


def chart_data(state: dict) -> dict:
    measure, breakdown = state["measure"], state["breakdown"]
    return selectors.published_cached(
        f"data:{_key(state)}",
        lambda: selectors.chart_records(
            measure, breakdown, state.get("period") or None, state.get("as_of")
        ),
    )


def chart_title(state: dict, data: dict) -> str:
    measure, breakdown = state["measure"], state["breakdown"]
    title = f"{measure.title}: {breakdown.label.lower()}"
    if data.get("period"):
        title += f", {registry.period_label(data['period'])}"
    return title


# The same major version as the runtime in static/vendor (vega-lite 6.4) and on the server.
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
VEGA_LITE_VERSION = "6.4"


def chart_spec(state: dict, data: dict, *, titled: bool = True, width: int | str = 640) -> dict:
    """The Vega-Lite 6 spec, with the records inline so that downloads match the picture.

    On the page the figure's caption is the title, so the drawn chart has none (`titled=False`)
    and fills its container (`width="container"`); a downloaded SVG or PNG stands alone, so it
    carries the title and a fixed width."""
    measure = state["measure"]
    values = [r for r in data["records"] if r["value"] is not None]
    series = {r["series"] for r in values}
    title = chart_title(state, data)
    unit = measure.unit.capitalize()
    is_day = state["breakdown"].kind == "day"
    tooltip = [
        {"field": "series_label", "type": "nominal", "title": "Series"},
        {"field": "x", "type": "nominal", "title": "Day" if is_day else "Period"},
        {"field": "value", "type": "quantitative", "title": unit, "format": ","},
    ]
    base = {
        "$schema": VEGA_LITE_SCHEMA,
        "description": f"{title}. The same figures are in the table below the chart.",
        "data": {"values": values},
        "width": width,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {
            "font": FONT,
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "labelFont": FONT,
                "titleFont": FONT,
                # Never draw labels on top of each other, whatever the width: drop some.
                "labelOverlap": "greedy",
                "labelSeparation": 6,
            },
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "orient": "bottom", "columns": 3},
            "range": {"category": PALETTE},
            "background": "white",
        },
    }
    if titled:
        base["title"] = {"text": title, "anchor": "start", "font": FONT, "fontSize": 16}
    if data["single_period"]:
        count = len(values) or 1
        base["height"] = max(120, min(22 * count, 800))
        base["mark"] = {"type": "bar", "color": PALETTE[0]}
        base["encoding"] = {
            "y": {
                "field": "series_label",
                "type": "nominal",
                "sort": None,  # the records' order: by size where order has no meaning
                "title": None,
                "axis": {"labelLimit": 200, "labelOverlap": False},
            },
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": unit,
                "axis": {"format": "~s", "tickCount": 5},
            },
            "tooltip": tooltip,
        }
    else:
        base["height"] = 320
        days = len({r["x"] for r in values})
        base["mark"] = {"type": "line", "point": days < 40}
        if is_day and days <= 31:
            x_axis = {"format": "%-d %b", "tickCount": {"interval": "week", "step": 1}}
        elif is_day:
            x_axis = {"format": "%b %Y", "tickCount": {"interval": "month", "step": 3}}
        else:
            x_axis = {"format": "%b %Y", "tickCount": 6}
        x_axis.update({"labelAngle": 0, "labelFlush": True})
        encoding = {
            "x": {
                "field": "x",
                "type": "temporal",
                "title": "Day" if is_day else "Period",
                "axis": x_axis,
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": unit,
                "axis": {"format": "~s", "tickCount": 5},
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


def _render(kind: str, state: dict, titled: bool):
    import vl_convert

    data = chart_data(state)
    spec = chart_spec(state, data, titled=titled)
    if kind == "svg":
        return vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
    return vl_convert.vegalite_to_png(spec, vl_version=VEGA_LITE_VERSION, scale=2)


def chart_svg(state: dict, *, titled: bool = True) -> str:
    """Server-rendered SVG (cached until the next publication)."""
    return selectors.published_cached(
        f"svg:{int(titled)}:{_key(state)}", lambda: _render("svg", state, titled)
    )


def chart_png(state: dict) -> bytes:
    return selectors.published_cached(f"png:{_key(state)}", lambda: _render("png", state, True))


def charts_warm() -> int:
    """Draw every measure's default chart (the page's and the dashboard's) into the cache, so
    that the first reader after a publication does not wait for the renderer. Returns how many
    charts were drawn; a chart already cached costs nothing."""
    drawn = 0
    for code in registry.MEASURES:
        state = chart_state(code, {})
        if any(r["value"] is not None for r in chart_data(state)["records"]):
            chart_svg(state, titled=False)
            chart_svg(state, titled=True)
            drawn += 2
    return drawn


# The chart download's columns: one row per figure, its marker in `flag` as in every tidy CSV.
RECORD_COLUMNS = ["measure", "breakdown", "period", "x", "series", "series_label", "value", "flag"]


def record_flag(record: dict) -> str:
    """The GSS marker of a hidden figure ("c", "x" or "z"); empty for a published one."""
    return "" if record["value"] is not None else record["display"].strip("[]")


def records_csv(state: dict, data: dict) -> bytes:
    """A breakdown's table as a tidy CSV (talklondon.disclosure.downloads)."""
    rows = [
        [
            state["measure"].code,
            state["breakdown"].code,
            record["period"],
            record["x"],
            record["series"],
            record["series_label"],
            "" if record["value"] is None else record["value"],
            record_flag(record),
        ]
        for record in data["records"]
    ]
    return tidy_csv(RECORD_COLUMNS, rows)


def records_data(state: dict, data: dict) -> dict:
    """A breakdown's table as open data: the JSON download and the API's figures endpoint."""
    as_of = state.get("as_of")
    return {
        "measure": state["measure"].code,
        "breakdown": state["breakdown"].code,
        "period": data.get("period"),
        "as_of": as_of.slug if as_of is not None else None,
        "unit": state["measure"].unit,
        "tier": state["measure"].tier,
        "records": data["records"],
    }


def records_json(state: dict, data: dict) -> str:
    return json.dumps(records_data(state, data), indent=1)


def payload_columns(payload: dict) -> list[str]:
    """A published table's CSV columns: its dimensions' codes, then their labels."""
    dims = payload["row_dimensions"] + payload["column_dimensions"]
    return ["measure", "table", "period", *dims, *[f"{d}_label" for d in dims], "value", "flag"]


def payload_csv(payload: dict) -> bytes:
    """A published table as a tidy CSV: one row per cell, with labels."""
    dims = payload["row_dimensions"] + payload["column_dimensions"]
    rows = []
    for row, col, value, flag in payload["cells"]:
        codes = list(row) + list(col)
        labels = [selectors.value_label(d, v) for d, v in zip(dims, codes, strict=False)]
        rows.append(
            [
                payload["measure"],
                payload["table"],
                payload["period"],
                *codes,
                *labels,
                "" if value is None else value,
                flag,
            ]
        )
    return tidy_csv(payload_columns(payload), rows)
