"""Journeys for the staff workspace's new flows, in a real browser:

- a Consultation manager builds a survey from draft to published (a question with its options in
  one form, the preview while it is a draft, then publishing), and it becomes reachable;
- a second Statistics publisher approves a revised ANPR release from its cell-by-cell diff.
"""

import datetime as dt

import pytest
from django.utils import timezone

from anpr_info.models import Release, Source
from anpr_info.services import releases as release_services
from anpr_info.services.sources import api_key_create
from consultation.models import Consultation
from demo.accounts import totp_current_code
from demo.anpr_simulator import Pusher, Simulator, return_body
from talklondon import permissions
from talklondon.models import User
from tests.browser.checks import check_page
from tests.browser.contrast import assert_text_contrast
from tests.browser.helpers import sign_in
from tests.browser.scenario import PASSWORD, anpr_statistics, staff_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_builds_a_survey_from_draft_to_published(page, page_titles):
    now = timezone.now()
    consultation = Consultation.objects.create(
        slug="cycling",
        title="Cycling in London",
        summary="Tell us how to make cycling safer.",
        organisation="Mayor of London",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        published_at=now,
    )
    manager = staff_create("mo@example.org", "Mo the manager", permissions.ROLE_MANAGER)
    sign_in(page, manager.email, PASSWORD, totp=lambda: totp_current_code(manager))

    page.goto("/staff/surveys/new/")
    page.get_by_label("Consultation").select_option(label=consultation.title)
    page.get_by_label("Title").fill("Safer cycling survey")
    page.get_by_label("Web address").fill("safer-cycling")
    page.get_by_role("button", name="Create survey").click()
    page.wait_for_url("**/sections/new/")  # an empty survey goes straight to its first section
    page.get_by_label("Title").fill("Your journeys")
    page.get_by_role("button", name="Add section").click()
    page.wait_for_url("**/questions/new/")
    check_page(page, page_titles, key="question-form")
    page.get_by_label("Type of question").select_option(label="Single choice (radios)")
    page.get_by_label("Question", exact=True).fill("How often do you cycle?")
    page.get_by_label("Options (one a line)").fill("Every day\nEvery week\nRarely\nNever")
    page.get_by_role("button", name="Save and go back to the builder").click()
    page.wait_for_url("**/staff/surveys/*/")
    assert page.get_by_text("Q1. How often do you cycle?").is_visible()
    assert page.get_by_role("heading", name="Draft").is_visible()
    check_page(page, page_titles, key="builder")
    assert_text_contrast(page)

    # A draft: the public gets nothing, the preview works.
    survey_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert page.request.get("/surveys/safer-cycling/").status == 404
    page.get_by_role("link", name="Preview as a respondent").click()
    assert page.get_by_text("How often do you cycle?").is_visible()

    page.goto(f"/staff/surveys/{survey_id}/")
    page.get_by_role("link", name="Publish survey").click()
    check_page(page, page_titles, key="publish-survey")
    page.get_by_role("button", name="Publish survey").click()
    page.wait_for_url(f"**/staff/surveys/{survey_id}/")
    assert page.get_by_text("Survey published.").is_visible()
    assert page.request.get("/surveys/safer-cycling/").status == 200


def test_a_second_publisher_approves_a_revision_from_its_diff(page, page_titles):
    published = anpr_statistics()
    period = published[-1].period
    _record, key = api_key_create(source=Source.objects.get())
    rows = Simulator(scale=0.02).month(period)["hits"]
    for row in rows[:: max(1, len(rows) // 5)]:
        row["count"] += 20
    status, _ = Pusher(key=key).send(*return_body("hits", period, rows, reason="Recount."))
    assert status == 201
    preparer = User.objects.get(email="prep@example.org")
    approver = User.objects.get(email="appr@example.org")
    revision = release_services.release_announce(
        period=period,
        announced_at=timezone.now() + dt.timedelta(days=1),
        actor=preparer,
        notes="Corrected: a command unit recounted its hits.",
    )
    release_services.release_prepare(release=revision, actor=preparer)

    sign_in(page, approver.email, PASSWORD, totp=lambda: totp_current_code(approver))
    page.goto(f"/staff/anpr/releases/{revision.pk}/")
    assert page.get_by_role("heading", name="Changes from the published version 1").is_visible()
    assert page.locator("[data-diff-cell]").count() > 0
    check_page(page, page_titles, key="release-revision")
    assert_text_contrast(page)
    page.get_by_role("button", name="I have checked these tables: approve").click()
    page.wait_for_load_state()
    revision.refresh_from_db()
    assert revision.status == Release.Status.APPROVED and revision.approved_by == approver
