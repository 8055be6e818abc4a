"""Who may do what: people × survey state × action."""

import pytest
from django.urls import reverse

from consultation.surveys.models import Response
from talklondon.permissions import ROLE_ANALYST, ROLE_MANAGER, ROLE_MODERATOR
from tests import factories

PEOPLE = ["anonymous", "unverified", "no_display_name", "participant", "manager", "analyst"]


@pytest.fixture
def as_person(client, make_staff):
    def _sign_in(kind):
        if kind == "anonymous":
            return None
        if kind == "unverified":
            user = factories.UserFactory(verified=False)
        elif kind == "no_display_name":
            user = factories.UserFactory(display_name="")
        elif kind == "participant":
            user = factories.UserFactory()
        else:
            user = make_staff(ROLE_MANAGER if kind == "manager" else ROLE_ANALYST)
        client.force_login(user)
        return user

    return _sign_in


@pytest.fixture
def surveys(survey, closed_survey, upcoming_survey):
    return {"open": survey, "closed": closed_survey, "upcoming": upcoming_survey}


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("state", ["open", "closed", "upcoming"])
def test_answering(client, as_person, surveys, person, state):
    survey = surveys[state]
    user = as_person(person)
    start = client.get(reverse("surveys:start", kwargs={"slug": survey.slug}))
    assert start.status_code == 200
    begin = client.post(reverse("surveys:begin", kwargs={"slug": survey.slug}))
    # Staff take part like anyone else: they have verified accounts and display names.
    may_answer = state == "open" and person in ("participant", "manager", "analyst")
    if may_answer:
        assert begin.status_code == 302
        assert Response.objects.filter(survey=survey, respondent=user).exists()
    else:
        assert begin.status_code == 403
        assert not Response.objects.filter(survey=survey).exists()
        if state == "open" and person != "anonymous":
            assert b"data-problem" in begin.content
    if state == "open" and person == "anonymous":
        assert b"Sign in to answer" in start.content
    if state == "closed":
        assert b"This survey closed" in start.content
    if state == "upcoming" and person == "participant":
        assert b"not open yet" in start.content
    section = survey.sections.first()
    page = client.get(
        reverse("surveys:section", kwargs={"slug": survey.slug, "section_id": section.pk})
    )
    assert page.status_code == (200 if may_answer else 302)


STAFF_PAGES = [
    ("surveys_staff:list", False, {"manager", "analyst"}),
    ("surveys_staff:builder", True, {"manager"}),
    ("surveys_staff:preview", True, {"manager"}),
    ("surveys_staff:response_enter", True, {"manager"}),
    ("surveys_staff:results", True, {"analyst"}),
    ("surveys_staff:section_create", True, {"manager"}),
    ("surveys_staff:survey_create", False, {"manager"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_survey", "allowed"), STAFF_PAGES)
@pytest.mark.parametrize("person", [*PEOPLE, "moderator"])
def test_staff_pages(client, as_person, make_staff, survey, name, needs_survey, allowed, person):
    if person == "moderator":
        client.force_login(make_staff(ROLE_MODERATOR))
    else:
        as_person(person)
    url = reverse(name, kwargs={"survey_id": survey.pk} if needs_survey else {})
    response = client.get(url)
    if person == "anonymous":
        assert response.status_code == 302 and "login" in response.url
    elif person in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["participant", "analyst", "moderator"])
def test_builder_writes_are_refused_without_the_role(client, as_person, make_staff, survey, person):
    if person == "moderator":
        client.force_login(make_staff(ROLE_MODERATOR))
    else:
        as_person(person)
    question = survey.sections.first().questions.first()
    response = client.post(
        reverse("surveys_staff:question_action", kwargs={"question_id": question.pk}),
        {"action": "delete"},
    )
    assert response.status_code == 404
    assert survey.sections.first().questions.filter(pk=question.pk).exists()


@pytest.mark.django_db
def test_someone_elses_response_is_never_shown(client, participant, survey):
    other = factories.UserFactory()
    Response.objects.create(survey=survey, respondent=other)
    client.force_login(participant)
    mine = client.get(reverse("surveys:my_response", kwargs={"slug": survey.slug}))
    assert mine.status_code == 302


@pytest.mark.django_db
def test_services_check_permission_again(survey, participant):
    from django.core.exceptions import PermissionDenied

    from consultation.surveys import services

    with pytest.raises(PermissionDenied):
        services.section_create(actor=participant, survey=survey, title="Sneaky")
    with pytest.raises(PermissionDenied):
        services.survey_response_enter(
            survey=survey,
            actor=participant,
            channel="paper",
            channel_reference="",
            respondent_name="",
            answers={},
            token="x",
        )
