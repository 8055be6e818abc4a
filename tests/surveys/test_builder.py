"""The survey builder, and how it locks once people have answered."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultation.surveys import services
from consultation.surveys.models import Condition, Option, Question, Response, SurveyChangeLog
from talklondon.permissions import ROLE_MANAGER
from tests.factories import ConsultationFactory


@pytest.fixture
def manager_client(staff_client):
    return staff_client(ROLE_MANAGER)


@pytest.mark.django_db
def test_manager_builds_a_survey_through_the_pages(manager_client):
    client, manager = manager_client
    consultation = ConsultationFactory()
    created = client.post(
        reverse("surveys_staff:survey_create"),
        {"consultation": consultation.pk, "title": "Cycling survey", "slug": "cycling"},
    )
    survey = consultation.surveys.get()
    # An empty survey needs a section first: the officer is taken straight there.
    assert created.url == reverse("surveys_staff:section_create", kwargs={"survey_id": survey.pk})
    client.post(
        reverse("surveys_staff:section_create", kwargs={"survey_id": survey.pk}),
        {"title": "Your views"},
    )
    section = survey.sections.get()
    client.post(
        reverse("surveys_staff:question_create", kwargs={"section_id": section.pk}),
        {
            "type": "multiple_choice",
            "text": "Which do you use?",
            "required": "on",
            "min_picks": "1",
            "max_picks": "2",
            "options": "Bus\nTube",  # the options in the same form as the question
        },
    )
    question = section.questions.get()
    assert (question.min_picks, question.max_picks, question.required) == (1, 2, True)
    client.post(
        reverse("surveys_staff:option_create", kwargs={"question_id": question.pk}),
        {"label": "Bike"},
    )
    assert list(question.options.values_list("label", flat=True)) == ["Bus", "Tube", "Bike"]
    bike = question.options.get(label="Bike")
    client.post(
        reverse("surveys_staff:option_action", kwargs={"option_id": bike.pk}), {"action": "up"}
    )
    assert list(question.options.values_list("label", flat=True)) == ["Bus", "Bike", "Tube"]

    client.post(
        reverse("surveys_staff:question_create", kwargs={"section_id": section.pk}),
        {"type": "long_text", "text": "Why?", "char_limit": "500"},
    )
    why = section.questions.get(text="Why?")
    assert why.required is False and why.char_limit == 500
    saved = client.post(
        reverse("surveys_staff:question_condition", kwargs={"question_id": why.pk}),
        {"show_when": [f"o{bike.pk}"]},
    )
    assert saved.status_code == 302
    condition = Condition.objects.get(question=why)
    assert condition.depends_on == question
    assert list(condition.options.all()) == [bike]

    builder = client.get(reverse("surveys_staff:builder", kwargs={"survey_id": survey.pk}))
    assert b"Shown only when" in builder.content
    preview = client.get(reverse("surveys_staff:preview", kwargs={"survey_id": survey.pk}))
    assert preview.status_code == 200 and b"This is a preview" in preview.content
    assert SurveyChangeLog.objects.filter(survey=survey).count() >= 7


@pytest.mark.django_db
def test_builder_form_errors_are_summarised(manager_client, survey):
    client, _ = manager_client
    section = survey.sections.first()
    page = client.post(
        reverse("surveys_staff:question_create", kwargs={"section_id": section.pk}),
        {"type": "number", "text": "", "min_value": "10", "max_value": "5"},
    )
    assert page.status_code == 400
    assert b"There is a problem" in page.content
    assert b"Enter the question" in page.content


@pytest.mark.django_db
def test_preview_walks_the_survey_without_saving(manager_client, smap):
    client, _ = manager_client
    survey = smap.survey
    client.get(reverse("surveys_staff:preview", kwargs={"survey_id": survey.pk}))
    moved = client.post(
        reverse("surveys_staff:preview", kwargs={"survey_id": survey.pk}), smap.page(0)
    )
    assert moved.url == reverse(
        "surveys_staff:preview_section", kwargs={"survey_id": survey.pk, "section_id": smap.s[1].pk}
    )
    check = client.get(reverse("surveys_staff:preview_check", kwargs={"survey_id": survey.pk}))
    assert b"As an individual" in check.content
    assert not Response.objects.exists()


@pytest.fixture
def answered(survey, participant):
    """The demo survey once someone has started answering."""
    services.survey_response_start(survey=survey, actor=participant)
    return survey


@pytest.mark.django_db
def test_locks_once_people_have_answered(answered, make_staff):
    manager = make_staff(ROLE_MANAGER)
    question = Question.objects.filter(section__survey=answered, type="single_choice").first()
    option = question.options.first()
    refusals = [
        lambda: services.question_delete(actor=manager, question=question),
        lambda: services.option_delete(actor=manager, option=option),
        lambda: services.section_delete(actor=manager, section=question.section),
        lambda: services.question_update(
            actor=manager, question=question, type="multiple_choice", text=question.text
        ),
    ]
    for refuse in refusals:
        with pytest.raises(ValidationError, match="already answered"):
            refuse()
    assert Question.objects.filter(pk=question.pk, type="single_choice").exists()
    assert Option.objects.filter(pk=option.pk).exists()


@pytest.mark.django_db
def test_wording_corrections_are_allowed_and_logged(answered, make_staff):
    manager = make_staff(ROLE_MANAGER)
    question = Question.objects.filter(section__survey=answered, type="yes_no").first()
    services.question_update(
        actor=manager, question=question, type="yes_no", text="Do you drive in Greater London?"
    )
    question.refresh_from_db()
    assert question.text == "Do you drive in Greater London?"
    entry = SurveyChangeLog.objects.filter(survey=answered).first()
    assert entry.had_responses and entry.changed_by == manager
    assert "Do you drive in Greater London?" in entry.after
    option = Option.objects.filter(question__section__survey=answered).first()
    services.option_update(actor=manager, option=option, label="Corrected label")
    assert SurveyChangeLog.objects.filter(survey=answered, after__contains="Corrected").exists()


@pytest.mark.django_db
def test_lock_is_explained_on_the_builder(manager_client, answered):
    client, _ = manager_client
    question = Question.objects.filter(section__survey=answered).first()
    removed = client.post(
        reverse("surveys_staff:question_action", kwargs={"question_id": question.pk}),
        {"action": "delete"},
        follow=True,
    )
    # The confirmation page says why before anyone tries, and offers no remove button.
    assert b"already answered this survey" in removed.content
    assert b"Yes, remove" not in removed.content
    refused = client.post(
        reverse("surveys_staff:question_remove", kwargs={"question_id": question.pk}), follow=True
    )
    assert b"already answered this survey" in refused.content
    assert b"data-locked" in refused.content
    assert Question.objects.filter(pk=question.pk).exists()


@pytest.mark.django_db
def test_conditions_must_look_backwards(survey, make_staff):
    manager = make_staff(ROLE_MANAGER)
    questions = list(
        Question.objects.filter(section__survey=survey).order_by("section__position", "position")
    )
    drive = next(q for q in questions if q.text == "Do you drive in London?")
    earlier = questions[1]
    with pytest.raises(ValidationError):
        services.condition_set(
            actor=manager, depends_on=drive, question=earlier, boolean_value=True
        )
    # Moving the driving section before the question it depends on is refused too.
    driving_section = Condition.objects.get(section__isnull=False).section
    with pytest.raises(ValidationError, match="before"):
        services.section_move(actor=manager, section=driving_section, direction="up")
    # A condition on a question with no answers to match is refused.
    text_question = next(q for q in questions if q.type == "long_text")
    later = questions[-1]
    with pytest.raises(ValidationError):
        services.condition_set(actor=manager, depends_on=text_question, question=later)


@pytest.mark.django_db
def test_removing_an_option_used_by_a_condition_is_refused(make_staff):
    from tests.factories import OptionFactory, QuestionFactory, SectionFactory

    manager = make_staff(ROLE_MANAGER)
    section = SectionFactory()
    choice = QuestionFactory(section=section, type="single_choice", position=1)
    option = OptionFactory(question=choice)
    later = QuestionFactory(section=section, type="short_text", position=2)
    services.condition_set(actor=manager, depends_on=choice, question=later, option_ids=[option.pk])
    with pytest.raises(ValidationError, match="condition"):
        services.option_delete(actor=manager, option=option)
    with pytest.raises(ValidationError, match="condition"):
        services.question_delete(actor=manager, question=choice)
    services.condition_clear(actor=manager, question=later)
    services.option_delete(actor=manager, option=option)
    assert not Option.objects.filter(pk=option.pk).exists()


@pytest.mark.django_db
def test_every_builder_page_renders(manager_client, smap):
    client, _ = manager_client
    question = smap.q[7]
    pages = [
        reverse("surveys_staff:list"),
        reverse("surveys_staff:survey_edit", kwargs={"survey_id": smap.survey.pk}),
        reverse("surveys_staff:section_edit", kwargs={"section_id": smap.s[0].pk}),
        reverse("surveys_staff:section_condition", kwargs={"section_id": smap.s[3].pk}),
        reverse("surveys_staff:question_edit", kwargs={"question_id": question.pk}),
        reverse("surveys_staff:question_condition", kwargs={"question_id": question.pk}),
        reverse("surveys_staff:option_create", kwargs={"question_id": question.pk}),
        reverse("surveys_staff:option_edit", kwargs={"option_id": smap.option(7, 0)}),
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert b"style=" not in page.content and b"<script>" not in page.content
    condition = client.get(pages[5]).content.decode()
    assert "‘Before today, did you know" in condition and "checked" in condition
