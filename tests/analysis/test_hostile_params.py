"""Property-based tests (hypothesis) of the analysts' free input: cross-tab choices, text-answer
filters and the export request form. Whatever is typed into the address bar or posted, the page
answers with a form error, a result or an export, never a 500 (no isdigit() then int(): "²" is a
digit to Python but not a number); a refused export request records nothing."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultation.analysis.models import ExportRecord
from talklondon.permissions import ROLE_ANALYST
from tests.analysis.surveydata import Type, questions_by_type, survey_with_responses
from tests.analysis.test_exports import CREATE, form_data

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
numbers = st.text(max_size=12) | st.sampled_from(["²", "q²", "q٣", "٣", "q" + "9" * 30, "0"])


@PROPERTY
@given(question=numbers, by=numbers | st.sampled_from(["borough", "channel"]))
def test_any_cross_tab_parameters_get_a_page(staff_client, question, by):
    survey = survey_with_responses(count=2)
    client, _ = staff_client(ROLE_ANALYST)
    url = reverse("analysis_staff:survey_dashboard", args=[survey.pk])
    response = client.get(url, {"question": question, "by": by})
    assert response.status_code == 200


@PROPERTY
@given(theme=numbers, campaign=numbers, query=st.text(max_size=50))
def test_any_text_answer_filters_get_a_page(staff_client, theme, campaign, query):
    survey = survey_with_responses(count=2)
    _, by_type = questions_by_type(survey)
    question = by_type[Type.LONG_TEXT][0] if by_type.get(Type.LONG_TEXT) else None
    if question is None:
        pytest.skip("no free-text question in the sample survey")
    client, _ = staff_client(ROLE_ANALYST)
    url = reverse("analysis_staff:text_answers", args=[question.pk])
    response = client.get(url, {"theme": theme, "campaign": campaign, "q": query})
    assert response.status_code == 200


@PROPERTY
@given(
    fields=st.fixed_dictionaries(
        {
            name: st.none() | numbers | st.text(max_size=40)
            for name in (
                "dataset",
                "file_format",
                "kind",
                "purpose",
                "date_from",
                "date_to",
                "channel",
                "borough",
                "include_drafts",
            )
        }
    ),
    dates=st.dictionaries(
        st.sampled_from([f"date_{end}_{part}" for end in ("from", "to") for part in range(3)]),
        numbers | st.sampled_from(["31", "2", "2026", "1899"]),
        max_size=6,
    ),
)
def test_any_export_request_gets_the_form_again_or_an_export(staff_client, fields, dates):
    client, _ = staff_client(ROLE_ANALYST)
    data = form_data(**{name: v for name, v in fields.items() if v is not None})
    data.update(dates)  # the GOV.UK date fields' day, month and year boxes
    before = ExportRecord.objects.count()
    response = client.post(CREATE, data)
    assert response.status_code in (200, 302, 400, 404), response.status_code
    if response.status_code == 200 and not response.streaming:
        assert b"govuk-error-summary" in response.content
        assert ExportRecord.objects.count() == before
