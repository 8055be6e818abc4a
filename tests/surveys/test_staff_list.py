"""The staff list of surveys: each survey's submitted responses, counted per survey."""

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation.surveys.models import Response
from talklondon.permissions import ROLE_MANAGER
from tests.factories import SurveyFactory


@pytest.mark.django_db
def test_the_list_counts_each_surveys_submitted_responses_only(
    staff_client, django_assert_max_num_queries
):
    busy, quiet = SurveyFactory(), SurveyFactory()
    for status in ["submitted"] * 3 + ["draft"] * 2:
        Response.objects.create(
            survey=busy,
            status=status,
            submitted_at=timezone.now() if status == "submitted" else None,
        )
    client, _ = staff_client(ROLE_MANAGER)
    with django_assert_max_num_queries(9):
        page = client.get(reverse("surveys_staff:list"))
    counts = {survey.pk: survey.submitted for survey in page.context["surveys"]}
    assert counts[busy.pk] == 3 and counts[quiet.pk] == 0
