"""Property-based tests (hypothesis) of the analysts' query parameters: cross-tab choices and
text-answer filters. Whatever is typed into the address bar, the page answers with a form error
or a result, never a 500 (no isdigit() then int(): "²" is a digit to Python but not a number)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talklondon.permissions import ROLE_ANALYST
from tests.analysis.surveydata import Type, questions_by_type, survey_with_responses

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
