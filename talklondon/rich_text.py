"""Markdown to safe HTML: rendered with markdown-it (raw HTML off), then sanitised with nh3.

Two profiles: full Markdown for staff-authored pages, and "lite" for comments (paragraphs,
links and emphasis only, links marked rel="nofollow ugc").
"""

from functools import cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_URL_SCHEMES = {"http", "https", "mailto"}

_FULL_TAGS = {
    "p", "a", "em", "strong", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "pre",
    "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_FULL_CLASSES = {
    "p": "govuk-body",
    "a": "govuk-link",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "h2": "govuk-heading-l",
    "h3": "govuk-heading-m",
    "h4": "govuk-heading-s",
    "blockquote": "govuk-inset-text",
    "table": "govuk-table",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
    "hr": "govuk-section-break govuk-section-break--m govuk-section-break--visible",
}
_LITE_TAGS = {"p", "a", "em", "strong", "br"}


@cache
def _full_parser() -> MarkdownIt:
    # Headings start at h2: the page title is the only h1.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return md


@cache
def _lite_parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "breaks": True})
    return md.enable(["emphasis", "link", "newline", "escape", "backticks", "paragraph"])


def _shift_headings(html: str) -> str:
    for level in (5, 4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{min(level + 1, 4)}>")
        html = html.replace(f"</h{level}>", f"</h{min(level + 1, 4)}>")
    return html


def render_markdown(text: str) -> SafeString:
    """Full Markdown for staff-authored pages; output is sanitised and carries GOV.UK classes."""
    html = _shift_headings(_full_parser().render(text or ""))
    clean = nh3.clean(
        html,
        tags=_FULL_TAGS,
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={tag: {"class": cls} for tag, cls in _FULL_CLASSES.items()},
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


def render_markdown_lite(text: str) -> SafeString:
    """Comment text: paragraphs, line breaks, links and emphasis only; links are nofollow ugc."""
    html = _lite_parser().render(text or "")
    clean = nh3.clean(
        html,
        tags=_LITE_TAGS,
        attributes={"a": {"href"}},
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
        set_tag_attribute_values={"p": {"class": "govuk-body"}, "a": {"class": "govuk-link"}},
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
