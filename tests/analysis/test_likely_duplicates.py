"""Likely duplicates from paper and email entry are visible to analysts: a dashboard filter and
a column in the survey-responses export (the flag, and in identified exports the reference)."""

import pytest
from django.urls import reverse

from consultation.analysis.exports.surveys import survey_dataset_key
from consultation.surveys.models import Response
from talklondon.permissions import ROLE_ANALYST, ROLE_EXPORTER
from tests.analysis.surveydata import survey_with_responses
from tests.analysis.test_dataset_exports import export_csv

pytestmark = pytest.mark.django_db


def _flag_two(survey) -> tuple[Response, list[Response]]:
    responses = list(Response.objects.filter(survey=survey, status="submitted").order_by("pk"))
    original, copies = responses[0], responses[1:3]
    Response.objects.filter(pk__in=[c.pk for c in copies]).update(likely_duplicate_of=original)
    return original, copies


def test_the_dashboard_filters_likely_duplicates(staff_client):
    survey = survey_with_responses(count=20)
    original, copies = _flag_two(survey)
    client, _ = staff_client(ROLE_ANALYST)
    url = reverse("analysis_staff:survey_dashboard", args=[survey.pk])
    everything = client.get(url)
    assert everything.context["total"] == 20
    assert "2 flagged" in everything.content.decode()
    assert client.get(url, {"duplicates": "exclude"}).context["total"] == 18
    only = client.get(url, {"duplicates": "only"})
    assert only.context["total"] == 2
    assert "flagged as likely duplicates" in only.content.decode()
    for copy in copies:  # each flagged response links to its page and to the original
        assert reverse("surveys_staff:response", args=[copy.pk]) in only.content.decode()
    assert reverse("surveys_staff:response", args=[original.pk]) in only.content.decode()
    assert client.get(url, {"duplicates": "nonsense"}).context["total"] == 20


def test_exports_carry_the_flag_and_the_identified_ones_the_reference(staff_client):
    survey = survey_with_responses(count=6)
    original, copies = _flag_two(survey)
    client, _ = staff_client(ROLE_ANALYST)
    rows = export_csv(client, dataset=survey_dataset_key(survey.pk))
    column = rows[0].index("Likely duplicate")
    assert sorted(row[column] for row in rows[1:]) == ["0"] * 4 + ["1"] * 2

    client, _ = staff_client(ROLE_EXPORTER)
    rows = export_csv(
        client,
        dataset=survey_dataset_key(survey.pk),
        kind="identified",
        purpose="Checking likely duplicates against the paper originals",
    )
    reference, of = rows[0].index("Reference"), rows[0].index("Likely duplicate of")
    flagged = {row[reference]: row[of] for row in rows[1:] if row[of]}
    assert flagged == {c.reference: original.reference for c in copies}
