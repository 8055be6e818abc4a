"""Server-drawn SVG charts and maps in our pages: one font, and one way to put an SVG inline.

Shared by the ANPR figures (anpr_info) and the consultation results (consultation.statements),
so that both kinds of chart look and read alike."""

from __future__ import annotations

import re

from django.utils.html import escape

FONT = "Arial, Helvetica, sans-serif"


def svg_for_inline(svg: str, *, title: str, description: str) -> str:
    """The SVG ready to sit in the page: accessible name, no fixed size (CSS scales it), and no
    style attributes (the Content Security Policy forbids inline styles)."""
    svg = re.sub(r'\sstyle="[^"]*"', "", svg)
    svg = svg.replace(
        "<svg ",
        '<svg role="img" aria-labelledby="chart-svg-title chart-svg-desc" class="anpr-chart__svg" ',
        1,
    )
    head = (
        f'<title id="chart-svg-title">{escape(title)}</title>'
        f'<desc id="chart-svg-desc">{escape(description)}</desc>'
    )
    return re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + head, svg, count=1)
