"""Every staff form, sent empty, answers with the GOV.UK error pattern or does its job.

The forms are found on the staff pages themselves (every staff GET URL from the resolver, as
every role), so a new form is audited by default. A form sent with its fields empty must never
fail with a server error; if it shows an error, the page's title starts with "Error: ", an
error summary lists every message, and each of the summary's links leads to a field on the
page (GOV.UK's error summary pattern)."""

import re
from html.parser import HTMLParser

import pytest

from tests.staff.routes import staff_data, staff_roles, staff_urls

pytestmark = pytest.mark.django_db

DATA_INPUTS = {"text", "email", "number", "date", "search", "url", "tel", "password", "file"}


class _Forms(HTMLParser):
    """The POST forms of a page: action, hidden values, and the names of the fields a person
    fills in (text, choices, files)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "hidden": {}, "fields": set()}
        elif self._current is not None and tag in ("input", "textarea", "select"):
            name = attrs.get("name")
            kind = (attrs.get("type") or "text").lower() if tag == "input" else tag
            if not name:
                return
            if kind == "hidden":
                self._current["hidden"][name] = attrs.get("value") or ""
            elif kind in DATA_INPUTS or kind in ("textarea", "select", "radio", "checkbox"):
                self._current["fields"].add(name)

    def handle_endtag(self, tag):
        if tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None


def _post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if form["fields"]]


def _assert_error_pattern(html: str, where: str) -> bool:
    """True if the page shows an error, after checking it shows it the GOV.UK way."""
    messages = re.findall(r'class="govuk-error-message"', html)
    if not messages and "govuk-form-group--error" not in html:
        return False
    title = re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1)
    assert title.startswith("Error: "), (where, title)
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, (where, "no error summary")
    targets = re.findall(r'href="#([^"]+)"', summary.group(0))
    assert len(targets) >= len(messages), (where, "a message is missing from the summary")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    missing = [t for t in targets if t not in ids]
    assert not missing, (where, f"summary links lead nowhere: {missing}")
    return True


def test_every_staff_form_sent_empty_shows_the_error_summary_or_does_its_job(client):
    roles = staff_roles()
    urls = staff_urls(staff_data(roles))
    forms: dict[tuple, tuple] = {}
    for role, user in roles.items():
        client.force_login(user)
        for url in urls.values():
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            for form in _post_forms(response.content.decode()):
                action = form["action"] or url
                key = (action, tuple(sorted(form["fields"])))
                forms.setdefault(key, (role, url, form))
    shown, problems = 0, []
    for (action, _fields), (role, url, form) in forms.items():
        client.force_login(roles[role])
        response = client.post(action, form["hidden"])
        where = f"{role} on {url}: form to {action}"
        assert response.status_code < 500, where
        if response["Content-Type"].startswith("text/html") and response.status_code in (
            200,
            400,
            422,
        ):
            try:
                shown += _assert_error_pattern(response.content.decode(), where)
            except AssertionError as problem:
                problems.append(str(problem))
    assert not problems, "\n".join(problems)
    # The audit really sends forms that are refused: the survey builder, exports, ANPR keys…
    assert len(forms) > 20 and shown > 10, (len(forms), shown)
