"""Every automated check, in one call, for each page (and each state of a page) a journey reaches.

check_page(page, page_titles)   structure, unique title, axe (WCAG 2.x A/AA), 320 px reflow,
                                200% zoom and no console errors
page_key(url)                   the page's address with ids and tokens replaced by `*`

axe is the slow part (about a second a page), so a page whose markup is exactly one already
checked in this session, at the same width and with JavaScript in the same state (the same
page seen again by a later journey), is not checked twice; nor is the reflow of markup already
reflowed. Any difference in the markup (a message, an error, one more comment) means it is
checked again.
"""

import hashlib
import re
from urllib.parse import urlsplit

from tests.browser.accessibility import (
    _javascript_disabled,
    assert_accessible,
    assert_no_horizontal_scroll,
    assert_page_structure,
    assert_usable_at_200_percent_zoom,
)
from tests.browser.pages import assert_no_console_errors

_checked: set[str] = set()
_reflowed: set[str] = set()

# What changes from one visit to the next without changing what axe looks at.
_VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), "csrf"),
    (re.compile(r'name="token" value="[^"]*"'), "token"),
    (re.compile(r"\d+"), "0"),
]


def page_key(url: str) -> str:
    """/surveys/anpr/page/12/ -> /surveys/anpr/page/*/: one key for a kind of page, whatever the
    ids a test happened to create (titles must be unique across kinds, not across tests)."""
    parts = urlsplit(url).path.split("/")
    return "/".join("*" if re.search(r"\d", part) else part for part in parts)


def _fingerprint(page) -> str:
    html = page.evaluate("document.documentElement.outerHTML")
    for pattern, replacement in _VOLATILE:
        html = pattern.sub(replacement, html)
    js = "nojs" if id(page) in _javascript_disabled else "js"
    width = (page.viewport_size or {}).get("width", 0)
    return f"{js}:{width}:" + hashlib.sha256(html.encode()).hexdigest()


def check_page(page, page_titles, *, key: str | None = None, reflow: bool = True) -> None:
    """Run every automated accessibility check on the page as it is now.

    `key` names the page for the unique-title check (default: `page_key(page.url)`); give the
    states of one page the same key. `reflow=False` skips the 320 px and 200% checks (for a
    second visit to a page that only gained a message).
    """
    assert_page_structure(page)
    page_titles.check(page, key=key or page_key(page.url))
    fingerprint = _fingerprint(page)
    if fingerprint not in _checked:
        assert_accessible(page)
        _checked.add(fingerprint)
    # Reflow depends on the markup, not on the window the journey happens to use.
    layout = fingerprint.split(":", 2)[0] + ":" + fingerprint.rsplit(":", 1)[1]
    if reflow and layout not in _reflowed:
        assert_no_horizontal_scroll(page, 320)
        assert_usable_at_200_percent_zoom(page)
        _reflowed.add(layout)
    assert_no_console_errors(page)
