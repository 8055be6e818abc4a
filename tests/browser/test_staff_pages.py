"""Every staff page, as every staff role: zero axe violations and no low-contrast text.

The URLs are enumerated from the resolver (every route under /staff/), not listed by hand, so
a new staff page is checked the day it is added; a route whose parameter this test cannot fill
fails the test until the parameter is added to `_ids`. Each role signs in for real (password
and TOTP) and visits every URL: pages the role may not see answer 404 and are skipped, POST-only
routes answer 405, downloads and JSON are not pages. Every HTML page is checked with axe
(WCAG 2.x A/AA) and with the visible-text contrast check in tests/browser/contrast.py.
"""

from urllib.parse import urlsplit

import pytest

from demo.accounts import totp_current_code
from tests.browser.accessibility import axe_violations
from tests.browser.contrast import low_contrast_texts
from tests.browser.helpers import assert_signed_in, enter_password, enter_security_code
from tests.browser.scenario import PASSWORD
from tests.staff.routes import staff_data, staff_roles, staff_urls

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_every_staff_page_as_every_role_passes_axe_and_contrast(new_page, live_server):
    roles = staff_roles()
    urls = staff_urls(staff_data(roles))

    problems: list[str] = []
    checked: dict[str, set[str]] = {}
    for role, user in roles.items():
        page = new_page()
        done = checked.setdefault(role, set())
        # The sign-in code page ("Cancel and sign out") is part of every staff member's day.
        enter_password(page, user.email, PASSWORD)
        _check(page, role, problems)
        enter_security_code(page, totp_current_code(user))
        assert_signed_in(page)
        for url in urls.values():
            # Ask first with the page's cookies: a 405 or a download is not a page to load.
            response = page.request.get(url, max_redirects=5)
            if response.status in (404, 405):
                continue
            kind = response.headers.get("content-type", "")
            if response.status != 200 or not kind.startswith("text/html"):
                if response.status >= 500:
                    problems.append(f"{role}: {url} answered {response.status}")
                continue
            page.goto(url)
            where = page.url
            if where in done:
                continue
            done.add(where)
            _check(page, role, problems)

    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
    # Every role saw pages of its own; the builder and the ANPR staff home were among them.
    counts = {role: len(pages) for role, pages in checked.items()}
    assert all(counts.values()), counts
    seen = {urlsplit(url).path for pages in checked.values() for url in pages}
    assert urls["surveys_staff:builder"] in seen and urls["anpr_staff:home"] in seen, seen


def _check(page, role: str, problems: list[str]) -> None:
    where = page.url
    for violation in axe_violations(page):
        targets = "; ".join(" ".join(map(str, n["target"])) for n in violation["nodes"])
        problems.append(f"{role}: {where} axe [{violation['id']}] at {targets[:300]}")
    for text in low_contrast_texts(page):
        problems.append(
            f"{role}: {where} contrast {text['ratio']}:1 {text['color']} on "
            f"{text['background']} “{text['text']}” at {text['path']}"
        )
