"""A new survey is a draft until a Consultation manager publishes it.

While it is a draft respondents cannot reach it (the same "not found" as a missing survey),
the open consultation does not link to it, and the builder's preview works.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consultation.surveys import services
from consultation.surveys.models import Option, Question, Survey
from talklondon.permissions import ROLE_ANALYST, ROLE_MANAGER
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def _create(client, consultation) -> Survey:
    client.post(
        reverse("surveys_staff:survey_create"),
        {"consultation": consultation.pk, "title": "Cycling survey", "slug": "cycling"},
    )
    survey = consultation.surveys.get()
    client.post(reverse("surveys_staff:section_create", args=[survey.pk]), {"title": "Views"})
    section = survey.sections.get()
    client.post(
        reverse("surveys_staff:question_create", args=[section.pk]),
        {"type": "long_text", "text": "Why?"},
    )
    return survey


def test_a_new_survey_is_a_draft_hidden_from_the_public(staff_client, client):
    manager_client, _manager = staff_client(ROLE_MANAGER)
    consultation = ConsultationFactory()  # open now
    survey = _create(manager_client, consultation)
    assert survey.is_draft

    public = client.get(reverse("consultation:detail", args=[consultation.slug])).content.decode()
    assert reverse("surveys:start", args=["cycling"]) not in public
    assert client.get(reverse("surveys:start", args=["cycling"])).status_code == 404

    preview = manager_client.get(reverse("surveys_staff:preview", args=[survey.pk]))
    assert preview.status_code == 200 and b"This is a preview" in preview.content
    builder = manager_client.get(reverse("surveys_staff:builder", args=[survey.pk]))
    assert b"Draft" in builder.content and b"Publish survey" in builder.content


def test_a_manager_publishes_the_survey_after_confirming(staff_client, client):
    manager_client, _manager = staff_client(ROLE_MANAGER)
    consultation = ConsultationFactory()
    survey = _create(manager_client, consultation)
    confirm = manager_client.get(reverse("surveys_staff:survey_publish", args=[survey.pk]))
    assert confirm.status_code == 200 and b"Publish" in confirm.content
    done = manager_client.post(reverse("surveys_staff:survey_publish", args=[survey.pk]))
    assert done.status_code == 302
    survey.refresh_from_db()
    assert not survey.is_draft and survey.published_at is not None
    public = client.get(reverse("consultation:detail", args=[consultation.slug])).content.decode()
    assert reverse("surveys:start", args=["cycling"]) in public
    assert client.get(reverse("surveys:start", args=["cycling"])).status_code == 200
    log = survey.change_log.values_list("description", flat=True)
    assert any("Published" in entry for entry in log)


def test_an_empty_survey_cannot_be_published(make_staff):
    manager = make_staff(ROLE_MANAGER)
    survey = services.survey_create(
        actor=manager, consultation=ConsultationFactory(), title="Empty", slug="empty"
    )
    with pytest.raises(ValidationError):
        services.survey_publish(actor=manager, survey=survey)
    with pytest.raises(PermissionDenied):
        services.survey_publish(actor=make_staff(ROLE_ANALYST), survey=survey)


def test_remove_asks_before_deleting_a_section(staff_client, survey):
    client, _manager = staff_client(ROLE_MANAGER)
    section = survey.sections.order_by("position").first()
    questions = section.questions.count()
    # The old one-click button (and anyone posting it) is sent to the confirmation page.
    response = client.post(
        reverse("surveys_staff:section_action", args=[section.pk]), {"action": "delete"}
    )
    assert response.status_code == 302
    assert response.url == reverse("surveys_staff:section_remove", args=[section.pk])
    assert survey.sections.filter(pk=section.pk).exists()

    confirm = client.get(response.url).content.decode()
    assert f"Remove the section “{section.title}”?" in confirm
    assert f"its {questions} question" in confirm and "You cannot undo this." in confirm
    builder = client.get(reverse("surveys_staff:builder", args=[survey.pk])).content.decode()
    assert reverse("surveys_staff:section_remove", args=[section.pk]) in builder

    done = client.post(reverse("surveys_staff:section_remove", args=[section.pk]))
    assert done.status_code == 302
    assert not survey.sections.filter(pk=section.pk).exists()


def test_remove_asks_before_deleting_a_question_or_option(staff_client, survey):
    client, _manager = staff_client(ROLE_MANAGER)
    option = Option.objects.filter(question__section__survey=survey).order_by("pk").last()
    client.post(reverse("surveys_staff:option_action", args=[option.pk]), {"action": "delete"})
    assert Option.objects.filter(pk=option.pk).exists()
    assert (
        option.label
        in client.get(reverse("surveys_staff:option_remove", args=[option.pk])).content.decode()
    )
    question = Question.objects.filter(section__survey=survey).order_by("pk").last()
    client.post(reverse("surveys_staff:question_action", args=[question.pk]), {"action": "delete"})
    assert Question.objects.filter(pk=question.pk).exists()
    page = client.get(reverse("surveys_staff:question_remove", args=[question.pk]))
    assert page.status_code == 200 and "Remove this question?" in page.content.decode()
