from django import template

from talklondon.rich_text import render_markdown, render_markdown_lite

register = template.Library()
register.filter("markdown", render_markdown)
register.filter("markdown_lite", render_markdown_lite)
