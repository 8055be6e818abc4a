"""The staff preview of unpublished results is prepared by a task and kept, never in the
request: a view shows the kept preview with its time, or, while the first is prepared, says
so; after new responses it shows the kept one at once and asks once for it to be prepared
again (issue 16: every staff page quick at 100,000 responses; the disclosure engine takes
seconds whatever the number).

Celery runs eagerly after commit in the tests; capturing the commit callbacks holds the task
back, as a busy worker would, until the test runs them.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation.analysis import results_preview as preview_module
from consultation.analysis.results_preview import PREVIEW_REFRESH_TASK
from consultation.surveys.models import Response
from talklondon.models import OutboxTask
from talklondon.permissions import ROLE_ANALYST
from tests.analysis.surveydata import survey_with_responses

PREPARING = "data-preview-preparing"
STALE = "data-figures-stale"


def text(page) -> str:
    return " ".join(page.content.decode().split())


def asked() -> int:
    return OutboxTask.objects.filter(task_name=PREVIEW_REFRESH_TASK).count()


@pytest.fixture
def prepared(monkeypatch):
    """How many times the tables were prepared (the disclosure engine ran)."""
    calls = []
    original = preview_module.results_tables

    def counting(consultation):
        calls.append(consultation.pk)
        return original(consultation)

    monkeypatch.setattr(preview_module, "results_tables", counting)
    return calls


@pytest.mark.django_db
def test_the_preview_is_prepared_by_a_task_and_shown_with_its_time(
    staff_client, prepared, django_capture_on_commit_callbacks
):
    survey = survey_with_responses(count=30, closed=True)
    url = reverse("results:detail", args=[survey.consultation.slug])
    client, _ = staff_client(ROLE_ANALYST)

    with django_capture_on_commit_callbacks() as relays:
        first = [client.get(url) for _ in range(3)]
    for page in first:
        assert page.status_code == 200
        assert PREPARING in page.content.decode()
        assert "Reload the page in a moment to see them." in text(page)
        assert "data-headline-total" not in page.content.decode()
    assert prepared == [] and asked() == 1, "a burst of views asks once, and never prepares"
    for relay in relays:
        relay()
    assert prepared == [survey.consultation.pk]

    ready = client.get(url)
    shown = text(ready)
    assert PREPARING not in ready.content.decode()
    assert "data-headline-total" in ready.content.decode()
    assert "Figures as of " in shown and "counting 30 responses." in shown
    assert STALE not in ready.content.decode()
    assert len(prepared) == 1, "a view of a kept preview prepares nothing"

    # Two more responses: the kept preview at once, dated, with what it leaves out.
    for _ in range(2):
        Response.objects.create(
            survey=survey, status=Response.Status.SUBMITTED, submitted_at=timezone.now()
        )
    with django_capture_on_commit_callbacks() as relays:
        stale = [client.get(url) for _ in range(3)]
    for page in stale:
        assert "counting 30 responses." in text(page)
        assert "2 newer responses are being counted. Reload the page to see them." in text(page)
    assert len(prepared) == 1 and asked() == 2
    for relay in relays:
        relay()
    fresh = text(client.get(url))
    assert "counting 32 responses." in fresh and "newer response" not in fresh
    assert len(prepared) == 2


@pytest.mark.django_db
def test_the_preview_downloads_are_the_kept_preview(staff_client, prepared):
    survey = survey_with_responses(count=30, closed=True)
    client, _ = staff_client(ROLE_ANALYST)
    page = client.get(reverse("results:detail", args=[survey.consultation.slug]))
    assert "data-headline-total" in page.content.decode()  # eager Celery prepared it
    download = client.get(reverse("results:table", args=[survey.consultation.slug, survey.pk, 1]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert len(prepared) == 1
