"""The results chart and downloads, with the ANPR pages' conventions: one Vega-Lite spec drawn
on the server as SVG by vl-convert, the same figures in a table on the page and as CSV."""

from __future__ import annotations

from django.core.cache import cache

from consultation.statements.disclosure import COLUMNS, SUPPRESSED, PublicResults
from talklondon.disclosure import CONFIDENTIAL
from talklondon.disclosure.downloads import tidy_csv
from talklondon.svg import FONT, svg_for_inline

COLOURS = {"Agree": "#00703c", "Disagree": "#d4351c", "Pass": "#b1b4b6"}
TITLE = "How everyone voted on each statement"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chart_spec(results: PublicResults) -> dict:
    """Stacked bars of agree, disagree and pass per statement (hidden counts are left out)."""
    values = []
    for number, statement in enumerate(results.statements, start=1):
        for column, shown in zip(COLUMNS, statement.overall, strict=True):
            if shown != SUPPRESSED and int(shown):
                values.append(
                    {
                        "statement": f"{number}. {_short(statement.text)}",
                        "vote": column,
                        "people": int(shown),
                    }
                )
    count = max(len(results.statements), 1)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": TITLE, "anchor": "start", "font": FONT, "fontSize": 16},
        "description": f"{TITLE}. The same figures are in the table below the chart.",
        "data": {"values": values},
        "width": 560,
        "height": max(120, min(22 * count, 2400)),
        "mark": {"type": "bar", "aria": False},
        "encoding": {
            "y": {
                "field": "statement",
                "type": "nominal",
                "sort": None,
                "title": None,
                "axis": {"labelLimit": 360},
            },
            "x": {"field": "people", "type": "quantitative", "title": "People", "stack": True},
            "color": {
                "field": "vote",
                "type": "nominal",
                "title": None,
                "sort": list(COLUMNS),
                "scale": {"domain": list(COLUMNS), "range": [COLOURS[c] for c in COLUMNS]},
            },
            "order": {"field": "vote", "sort": "ascending"},
        },
        "config": {
            # The SVG is one image (role="img" with a title and description); the figures are
            # in the table after it, so its marks and axes stay out of the accessibility tree.
            "aria": False,
            "font": FONT,
            "axis": {"labelFontSize": 12, "titleFontSize": 13},
            "legend": {"labelFontSize": 12, "orient": "bottom"},
            "background": "white",
        },
    }


def chart_svg(results: PublicResults, *, result_id: int) -> str:
    """The chart as SVG, drawn once per computation (results are frozen once stored)."""
    import vl_convert

    key = f"statements:svg:{result_id}"
    svg = cache.get(key)
    if svg is None:
        svg = vl_convert.vegalite_to_svg(chart_spec(results))
        cache.set(key, svg, 24 * 3600)
    return svg


def chart_svg_inline(results: PublicResults, *, result_id: int) -> str:
    return svg_for_inline(
        chart_svg(results, result_id=result_id),
        title=TITLE,
        description="The figures are in the table after the chart.",
    )


CSV_HEADER = ("statement_number", "statement", "group", "vote", "value", "flag")


def results_csv(results: PublicResults, group_labels: list[str]) -> bytes:
    """A tidy CSV like the other published results: a header row, then one row per figure
    (statement, group or everyone, vote). A hidden figure has an empty value and "c" as its
    flag; the notes on hiding and rounding are on the page, beside the link."""
    rows = []
    for number, statement in enumerate(results.statements, start=1):
        groups = [("Everyone", statement.overall)]
        groups += list(zip(group_labels, statement.by_group, strict=True))
        if statement.ungrouped is not None:
            groups.append(("Not in a group", statement.ungrouped))
        for label, cells in groups:
            for vote, cell in zip(COLUMNS, cells, strict=True):
                hidden = cell == SUPPRESSED
                rows.append(
                    [
                        number,
                        statement.text,
                        label,
                        vote.lower(),
                        "" if hidden else int(cell),
                        CONFIDENTIAL if hidden else "",
                    ]
                )
    return tidy_csv(CSV_HEADER, rows)
