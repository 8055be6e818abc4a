"""Permission matrix of every analysis and results page: anonymous, participant, each role."""

import pytest
from django.urls import reverse

from consultation.analysis.models import TextAnalysis, Theme
from consultation.surveys.models import Answer
from talklondon.permissions import (
    ROLE_ANALYST,
    ROLE_EXPORTER,
    ROLE_MANAGER,
    STAFF_ROLES,
)
from tests.analysis.surveydata import Type, online_response, survey_with_responses
from tests.factories import UserFactory


@pytest.fixture
def objects(db):
    survey = survey_with_responses(count=3, closed=True)
    online_response(survey, UserFactory(), text="Publish the audits")
    answer = Answer.objects.filter(
        question__type=Type.LONG_TEXT, response__survey=survey, text="Publish the audits"
    ).get()
    analyst = UserFactory()
    theme = Theme.objects.create(
        dataset_key="survey-answers",
        question_key=str(answer.question_id),
        name="Audits",
        created_by=analyst,
    )
    return {"survey": survey, "answer": answer, "theme": theme}


# (url name, args from objects, method, data, roles allowed)
PAGES = [
    ("index", lambda o: [], "get", None, {ROLE_ANALYST, ROLE_MANAGER, ROLE_EXPORTER}),
    ("survey_dashboard", lambda o: [o["survey"].pk], "get", None, {ROLE_ANALYST}),
    ("text_answers", lambda o: [o["answer"].question_id], "get", None, {ROLE_ANALYST}),
    ("text_themes", lambda o: [o["answer"].question_id], "get", None, {ROLE_ANALYST}),
    ("text_themes", lambda o: [o["answer"].question_id], "post", {"name": "New"}, {ROLE_ANALYST}),
    ("text_suggestions", lambda o: [o["answer"].question_id], "get", None, {ROLE_ANALYST}),
    ("text_campaigns", lambda o: [o["answer"].question_id], "get", None, {ROLE_ANALYST}),
    ("text_campaigns_compute", lambda o: [o["answer"].question_id], "post", {}, {ROLE_ANALYST}),
    ("text_campaigns_status", lambda o: [o["answer"].question_id], "get", None, {ROLE_ANALYST}),
    ("text_suggestions_compute", lambda o: [o["answer"].question_id], "post", {}, {ROLE_ANALYST}),
    ("text_suggestions_status", lambda o: [o["answer"].question_id], "get", None, {ROLE_ANALYST}),
    (
        "text_tag",
        lambda o: [o["answer"].question_id],
        "post",
        lambda o: {"theme": o["theme"].pk, "answers": [o["answer"].pk], "action": "add"},
        {ROLE_ANALYST},
    ),
    ("theme_edit", lambda o: [o["theme"].pk], "get", None, {ROLE_ANALYST}),
    ("theme_delete", lambda o: [o["theme"].pk], "get", None, {ROLE_ANALYST}),
    ("results_edit", lambda o: [o["survey"].consultation_id], "get", None, {ROLE_MANAGER}),
    (
        "results_edit",
        lambda o: [o["survey"].consultation_id],
        "post",
        {"summary": "", "we_asked": "a", "you_said": "b", "we_did": "c"},
        {ROLE_MANAGER},
    ),
    ("results_publish", lambda o: [o["survey"].consultation_id], "post", {}, {ROLE_MANAGER}),
    ("results_unpublish", lambda o: [o["survey"].consultation_id], "post", {}, {ROLE_MANAGER}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args", "method", "data", "allowed"), PAGES)
@pytest.mark.parametrize("who", ["anonymous", "participant", *STAFF_ROLES])
def test_analysis_page_permissions(
    client, make_staff, objects, who, name, args, method, data, allowed
):
    if who == "participant":
        client.force_login(UserFactory())
    elif who != "anonymous":
        client.force_login(make_staff(who))
    url = reverse(f"analysis_staff:{name}", args=args(objects))
    if callable(data):
        data = data(objects)
    response = getattr(client, method)(url, data or {})
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who in allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 404
    if who not in allowed and name == "text_themes" and method == "post":
        assert not Theme.objects.filter(name="New").exists()
    if who not in allowed and name.endswith("_compute"):
        assert not TextAnalysis.objects.exists()
