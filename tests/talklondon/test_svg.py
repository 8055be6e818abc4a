"""The inline SVG that both the ANPR charts and the consultation results chart put in a page."""

from talklondon.svg import svg_for_inline

DRAWN = '<svg width="640" height="320" style="background-color: white"><g style="x"></g></svg>'


def test_an_inline_svg_has_a_name_and_no_inline_styles():
    svg = svg_for_inline(DRAWN, title="Hits <by> area", description="Figures & notes below.")
    # The Content Security Policy forbids style attributes; the page's CSS scales the chart.
    assert "style=" not in svg
    assert svg.startswith(
        '<svg role="img" aria-labelledby="chart-svg-title chart-svg-desc" class="anpr-chart__svg" '
    )
    # The accessible name comes straight after the opening tag, escaped.
    assert (
        '><title id="chart-svg-title">Hits &lt;by&gt; area</title>'
        '<desc id="chart-svg-desc">Figures &amp; notes below.</desc><g>'
    ) in svg
