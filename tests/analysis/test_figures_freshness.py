"""Staff figures, stale while revalidate: after a change the pages show the figures counted
before at once, say how old they are and how many responses they leave out, and ask a Celery
task (through the outbox) to count again, once for a burst of views.

Tests run Celery eagerly after commit (tests/conftest.py), so the refresh would count inside
the view; capturing the commit callbacks (django_capture_on_commit_callbacks) holds it back
as a busy worker would, until the test runs them.
"""

from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation.surveys.models import Response
from consultation.surveys.selectors import (
    FIGURES_REFRESH_TASK,
    FiguresAsOf,
    figures_refresh,
    results_summary_cached,
)
from consultation.surveys.services.builder import option_update
from talklondon.models import OutboxTask
from talklondon.permissions import ROLE_ANALYST, ROLE_MANAGER
from tests.analysis.surveydata import Type, questions_by_type, survey_with_responses

STALE = "data-figures-stale"


def dashboard(client, survey, **params):
    return client.get(reverse("analysis_staff:survey_dashboard", args=[survey.pk]), params)


def staff_results(client, survey):
    return client.get(reverse("surveys_staff:results", args=[survey.pk]))


def responses_arrive(survey, n):
    for _ in range(n):
        Response.objects.create(
            survey=survey, status=Response.Status.SUBMITTED, submitted_at=timezone.now()
        )


def refreshes():
    """(kind, parts) of every refresh asked for."""
    return Counter(
        (task.kwargs["kind"], tuple(task.kwargs["parts"]))
        for task in OutboxTask.objects.filter(task_name=FIGURES_REFRESH_TASK)
    )


def text(page) -> str:
    return " ".join(page.content.decode().split())


@pytest.mark.django_db
def test_a_stale_view_shows_the_earlier_figures_and_asks_once_for_a_recount(
    staff_client, django_capture_on_commit_callbacks
):
    survey = survey_with_responses(count=12)
    _, by_type = questions_by_type(survey)
    question = by_type[Type.SINGLE_CHOICE][0]
    client, _ = staff_client(ROLE_ANALYST)
    crosstab = {"question": question.pk, "by": "channel"}
    first = dashboard(client, survey, **crosstab)
    assert first.context["total"] == 12
    assert "counting 12 responses." in text(first)
    assert STALE not in first.content.decode()
    assert refreshes() == {}, "the first view counts in the request: nothing to show before"

    responses_arrive(survey, 2)
    with django_capture_on_commit_callbacks() as relays:
        burst = [dashboard(client, survey, **crosstab) for _ in range(3)]
    for page in burst:
        assert page.status_code == 200
        assert page.context["total"] == 12
        assert page.context["crosstab"].answered == first.context["crosstab"].answered
        shown = text(page)
        assert "Figures as of " in shown and "counting 12 responses." in shown
        assert "2 newer responses are being counted. Reload the page to see them." in shown
    # One refresh per kind of figure and filters, however many views.
    assert refreshes() == {
        ("summary", ("", "")): 1,
        ("text-counts", ()): 1,
        ("crosstab", (question.pk, "channel", "", "")): 1,
    }

    for relay in relays:  # the worker gets to them
        relay()
    after = dashboard(client, survey, **crosstab)
    assert after.context["total"] == 14
    assert "counting 14 responses." in text(after)
    assert STALE not in after.content.decode()
    assert set(refreshes().values()) == {1}, "nothing more asked for"


@pytest.mark.django_db
def test_the_survey_results_page_says_what_its_figures_count(
    staff_client, django_capture_on_commit_callbacks
):
    survey = survey_with_responses(count=3)
    client, _ = staff_client(ROLE_ANALYST)
    page = staff_results(client, survey)
    as_of = timezone.localtime(page.context["as_of"].computed_at)
    assert (
        f"Figures as of {as_of:%H:%M} on {as_of.day} {as_of:%B %Y}, counting 3 responses."
        in text(page)
    )

    responses_arrive(survey, 1)
    with django_capture_on_commit_callbacks() as relays:
        stale = staff_results(client, survey)
    assert stale.context["total"] == 3
    assert "1 newer response is being counted. Reload the page to see it." in text(stale)
    assert len(relays) == 1

    # Asked for and not yet counted: the next view does not ask again.
    with django_capture_on_commit_callbacks() as more:
        assert staff_results(client, survey).context["total"] == 3
    assert more == []
    for relay in relays:
        relay()
    # With eager Celery (no worker configured) the refresh counts while the view waits.
    responses_arrive(survey, 1)
    fresh = staff_results(client, survey)
    assert fresh.context["total"] == 5
    assert "counting 5 responses." in text(fresh)
    assert STALE not in fresh.content.decode()


def test_thousands_have_separators_and_a_filtered_page_says_so():
    as_of = FiguresAsOf(computed_at=timezone.now(), counted=99_812, submitted=101_013, stale=True)

    def shown(**context):
        html = render_to_string("surveys/staff/_figures_as_of.html", {"as_of": as_of, **context})
        return " ".join(html.split())

    assert "counting 99,812 responses." in shown()
    assert "1,201 newer responses are being counted. Reload the page to see them." in shown()
    assert "when 99,812 responses had been submitted." in shown(filtered="paper")


@pytest.mark.django_db
def test_the_view_after_a_change_reads_no_answers_when_earlier_figures_exist(
    staff_client, django_capture_on_commit_callbacks
):
    survey = survey_with_responses(count=12)
    client, _ = staff_client(ROLE_ANALYST)
    dashboard(client, survey)
    staff_results(client, survey)
    responses_arrive(survey, 1)
    for view in (dashboard, staff_results):
        with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as captured:
            page = view(client, survey)
        assert STALE in page.content.decode()
        answer_reads = [q["sql"] for q in captured if "surveys_answer" in q["sql"]]
        assert answer_reads == [], "the heavy count waits for the worker"


@pytest.mark.django_db
def test_a_change_of_structure_never_shows_figures_of_the_old_one(
    staff_client, make_staff, django_capture_on_commit_callbacks
):
    survey = survey_with_responses(count=12)
    structure, by_type = questions_by_type(survey)
    question = by_type[Type.SINGLE_CHOICE][0]
    option = structure.options_by_question[question.pk][0]
    client, _ = staff_client(ROLE_ANALYST)
    before = dashboard(client, survey)
    assert option.label in before.content.decode()

    option_update(actor=make_staff(ROLE_MANAGER), option=option, label="Renamed for the test")
    survey.refresh_from_db()
    responses_arrive(survey, 1)
    with django_capture_on_commit_callbacks() as relays:
        after = dashboard(client, survey)
    html = after.content.decode()
    assert "Renamed for the test" in html
    assert STALE not in html
    assert after.context["total"] == 13, "counted afresh in the request"
    assert relays == [] and refreshes() == {}


@pytest.mark.django_db
def test_the_refresh_task_counts_once_and_lets_the_next_change_ask_again():
    survey = survey_with_responses(count=4)
    results_summary_cached(survey)  # the earlier figures
    responses_arrive(survey, 1)
    lock_keys = []
    original_add = cache.add

    def add(key, *args, **kwargs):
        lock_keys.append(key)
        return original_add(key, *args, **kwargs)

    cache.add = add
    try:
        assert results_summary_cached(survey)["total"] == 5  # eager: counted while asked
    finally:
        del cache.add
    assert len(lock_keys) == 1 and cache.get(lock_keys[0]) is None, "the lock is released"
    # A second run (the relay is at least once) finds them counted.
    with CaptureQueriesContext(connection) as captured:
        assert figures_refresh(survey_id=survey.pk, kind="summary", parts=["", ""])
    assert not [q for q in captured if "surveys_answer" in q["sql"]]
    assert not figures_refresh(survey_id=10**9, kind="summary", parts=["", ""])
    assert not figures_refresh(
        survey_id=survey.pk, kind="crosstab", parts=[10**9, "channel", "", ""]
    )
