"""Every staff page, as every staff role: zero axe violations and no low-contrast text.

The URLs are enumerated from the resolver (every route under /staff/), not listed by hand, so
a new staff page is checked the day it is added; a route whose parameter this test cannot fill
fails the test until the parameter is added to `_ids`. Each role signs in for real (password
and TOTP) and visits every URL: pages the role may not see answer 404 and are skipped, POST-only
routes answer 405, downloads and JSON are not pages. Every HTML page is checked with axe
(WCAG 2.x A/AA) and with the visible-text contrast check in tests/browser/contrast.py.
"""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from anpr_info.models import ApiKey, QuarantinedBatch, Release, Source
from consultation.analysis.models import ExportRecord
from consultation.analysis.services.themes import theme_create
from consultation.surveys import services as survey_services
from consultation.surveys.models import Question, Response
from talklondon import permissions
from talklondon.demo import totp_current_code
from tests.browser.accessibility import axe_violations
from tests.browser.contrast import low_contrast_texts
from tests.browser.helpers import assert_signed_in, enter_password, enter_security_code
from tests.browser.scenario import PASSWORD, anpr_consultation, anpr_statistics, staff_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MISSING = 999_999  # for an object the data has none of: the page answers 404


def staff_routes() -> list[tuple[str, str, list[str]]]:
    """(route, namespace:name, parameter names) of every URL pattern under /staff/."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace)
            elif (prefix + str(pattern.pattern)).startswith("staff/"):
                route = prefix + str(pattern.pattern)
                found.append(
                    (route, f"{namespace}:{pattern.name}", re.findall(r"<(?:\w+:)?(\w+)>", route))
                )

    walk(get_resolver().url_patterns, "", None)
    return found


def _fill(route: str, values: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def _data(roles: dict) -> dict:
    """Something behind every kind of staff URL, and the ids to reach it by namespace."""
    scene = anpr_consultation()
    anpr_statistics()
    survey = scene.survey
    manager = roles[permissions.ROLE_MANAGER]
    analyst = roles[permissions.ROLE_ANALYST]
    long_text = Question.objects.filter(section__survey=survey, type="long_text").first()
    choice = Question.objects.filter(section__survey=survey, type="single_choice").first()
    answers = {choice.pk: {"option": choice.options.first().pk, "text": ""}}
    online = survey_services.survey_response_enter(
        survey=survey, user=manager, channel="email", channel_reference="Inbox 4",
        respondent_name="Amara Okafor", answers=answers, token="one",
    )  # fmt: skip
    paper = survey_services.survey_response_enter(
        survey=survey, user=manager, channel="paper", channel_reference="Box 1",
        respondent_name="Amara Okafor", answers=answers, token="two",
    )  # fmt: skip
    Response.objects.filter(pk=paper.pk).update(likely_duplicate_of=online)
    theme = theme_create(
        user=analyst, dataset_key="survey-answers", question_key=str(long_text.pk), name="Privacy"
    )
    export = ExportRecord.objects.create(
        requested_by=analyst,
        dataset_key="participant-profiles",
        dataset_title="Participant profiles",
        file_format="csv",
        delivery="stream",
        status="failed",
        error="The database was unavailable.",
        finished_at=timezone.now(),
    )
    # A draft revision of a published month, so the release page shows its diff.
    revision = Release.objects.create(
        period="2025-03",
        version=2,
        announced_at=timezone.now() + dt.timedelta(days=2),
        notes="Corrected counts.",
        created_by=roles[permissions.ROLE_PUBLISHER],
    )
    section = survey.sections.order_by("position").first()
    common = {
        "pk": MISSING,
        "consultation_id": scene.consultation.pk,
        "survey_id": survey.pk,
        "section_id": section.pk,
        "question_id": choice.pk,
        "option_id": choice.options.first().pk,
        "response_id": paper.pk,
        "page_id": scene.proposal.pk,
        "comment_id": scene.comments[0].pk,
        "user_id": scene.residents[0].pk,
        "attachment_id": MISSING,
        "theme_id": theme.pk,
        "source_id": Source.objects.first().pk,
        "key_id": ApiKey.objects.first().pk,
        "batch_id": getattr(QuarantinedBatch.objects.first(), "pk", MISSING),
        "action": "prepare",
    }
    return {
        None: common,
        "consultation_staff": {**common, "pk": scene.consultation.pk},
        "anpr_staff": {**common, "pk": revision.pk},
        "analysis_staff": {**common, "pk": export.pk, "question_id": long_text.pk},
    }


def test_every_staff_page_as_every_role_passes_axe_and_contrast(new_page, live_server):
    roles = {
        role: staff_create(f"role{n}@example.org", f"Staff {n}", role)
        for n, role in enumerate(permissions.STAFF_ROLES)
    }
    ids = _data(roles)
    routes = staff_routes()
    urls = {}
    for route, name, params in routes:
        values = ids.get(name.split(":")[0], ids[None])
        unknown = [p for p in params if p not in values]
        assert not unknown, f"no value for {unknown} in {route} ({name}): add it to _data()"
        urls[name] = _fill(route, values)

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
