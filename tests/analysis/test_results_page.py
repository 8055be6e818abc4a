"""The published results page: writing, publishing, who sees what, and suppressed tables."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consultation.analysis.models import ResultsPage, Theme, ThemeTag
from consultation.analysis.services.results import (
    results_page_publish,
    results_page_save,
    results_page_unpublish,
)
from consultation.surveys.models import Answer
from talklondon.disclosure import round_base
from talklondon.permissions import (
    ROLE_ANALYST,
    ROLE_MANAGER,
    STAFF_ROLES,
)
from tests.analysis.surveydata import (
    Type,
    online_response,
    questions_by_type,
    survey_with_responses,
)
from tests.factories import UserFactory

SUPPRESSED = "[c]"

TEXT = {
    "summary": "Thank you to the **2,000** people who took part.",
    "we_asked": "Whether the Met should use TfL's cameras.",
    "you_said": "Most people agreed, with safeguards ([see the figures](#question-2)).\n\n"
    "<script>alert(1)</script>",
    "we_did": "MOPAC will publish how often the data is searched.",
}


def write(consultation, user):
    return results_page_save(actor=user, consultation=consultation, **TEXT)


def published(survey, make_staff):
    """Publish the survey's results as a manager: (consultation, structure, questions by
    type, question numbers by id)."""
    consultation = survey.consultation
    manager = make_staff(ROLE_MANAGER)
    write(consultation, manager)
    results_page_publish(actor=manager, consultation=consultation)
    structure, by_type = questions_by_type(survey)
    numbers = {q.pk: n for n, q in enumerate(structure.questions, start=1)}
    return consultation, structure, by_type, numbers


@pytest.fixture
def closed_survey(db):
    return survey_with_responses(count=60, closed=True)


@pytest.mark.django_db
def test_manager_writes_and_publishes_after_closing(closed_survey, make_staff, client):
    consultation = closed_survey.consultation
    manager = make_staff(ROLE_MANAGER)
    detail = reverse("consultation:detail", args=[consultation.slug])
    results = reverse("results:detail", args=[consultation.slug])

    with pytest.raises(ValidationError):
        results_page_publish(actor=manager, consultation=consultation)  # nothing written yet
    page = write(consultation, manager)
    assert client.get(results).status_code == 404
    assert "data-results-link" not in client.get(detail).content.decode()

    published = results_page_publish(actor=manager, consultation=consultation)
    assert published.results_published_at is not None
    page.refresh_from_db()
    assert page.published_by == manager

    html = client.get(results).content.decode()
    assert "We asked" in html and "You said" in html and "We did" in html
    assert "<strong>2,000</strong>" in html
    assert 'href="#question-2"' in html and 'id="question-2"' in html
    assert "<script>alert(1)</script>" not in html  # Markdown is sanitised
    assert " style=" not in html
    consultation_page = client.get(detail).content.decode()
    assert "data-results-link" in consultation_page and results in consultation_page

    results_page_unpublish(actor=manager, consultation=consultation)
    assert client.get(results).status_code == 404


@pytest.mark.django_db
def test_results_cannot_be_published_while_the_consultation_is_open(make_staff):
    survey = survey_with_responses(count=0)
    manager = make_staff(ROLE_MANAGER)
    write(survey.consultation, manager)
    with pytest.raises(ValidationError):
        results_page_publish(actor=manager, consultation=survey.consultation)
    survey.consultation.refresh_from_db()
    assert survey.consultation.results_published_at is None
    later = survey.consultation.closes_at + timedelta(minutes=1)
    results_page_publish(actor=manager, consultation=survey.consultation, now=later)
    survey.consultation.refresh_from_db()
    assert survey.consultation.results_published_at == later


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in STAFF_ROLES if r != ROLE_MANAGER])
def test_only_managers_save_and_publish(closed_survey, make_staff, participant, role):
    consultation = closed_survey.consultation
    for user in (make_staff(role), participant):
        with pytest.raises(PermissionDenied):
            write(consultation, user)
        with pytest.raises(PermissionDenied):
            results_page_publish(actor=user, consultation=consultation)
        with pytest.raises(PermissionDenied):
            results_page_unpublish(actor=user, consultation=consultation)
    assert not ResultsPage.objects.exists()


@pytest.mark.django_db
def test_every_section_is_required(closed_survey, make_staff, staff_client):
    manager = make_staff(ROLE_MANAGER)
    with pytest.raises(ValidationError) as error:
        results_page_save(
            actor=manager,
            consultation=closed_survey.consultation,
            we_asked=" ",
            you_said="",
            we_did="",
        )
    assert set(error.value.message_dict) == {"we_asked", "you_said", "we_did"}
    client, _ = staff_client(ROLE_MANAGER)
    url = reverse("analysis_staff:results_edit", args=[closed_survey.consultation.pk])
    page = client.post(url, {"summary": "", "we_asked": "", "you_said": "x", "we_did": ""})
    assert page.status_code == 200
    assert "Enter what we asked." in page.content.decode()


VISIBILITY = {
    # state -> (public, participant, staff who may preview)
    "nothing written": (404, 404, 200),
    "written, not published": (404, 404, 200),
    "published": (200, 200, 200),
}


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(VISIBILITY))
@pytest.mark.parametrize("viewer", ["anonymous", "participant", *STAFF_ROLES])
def test_results_visibility_matrix(closed_survey, make_staff, client, state, viewer):
    consultation = closed_survey.consultation
    manager = make_staff(ROLE_MANAGER)
    if state != "nothing written":
        write(consultation, manager)
    if state == "published":
        results_page_publish(actor=manager, consultation=consultation)
    if viewer == "participant":
        client.force_login(UserFactory())
    elif viewer != "anonymous":
        client.force_login(make_staff(viewer))
    public, as_participant, as_previewer = VISIBILITY[state]
    if viewer == "anonymous":
        expected = public
    elif viewer in (ROLE_MANAGER, ROLE_ANALYST):
        expected = as_previewer
    else:
        expected = as_participant
    url = reverse("results:detail", args=[consultation.slug])
    response = client.get(url)
    assert response.status_code == expected
    if expected == 200:
        assert ("data-preview" in response.content.decode()) == (state != "published")
    table = reverse("results:table", args=[consultation.slug, closed_survey.pk, 2])
    assert client.get(table).status_code == expected


def parse_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.django_db
def test_published_tables_hide_every_count_under_ten(closed_survey, make_staff, client):
    consultation, structure, by_type, numbers = published(closed_survey, make_staff)
    retention = by_type[Type.SINGLE_CHOICE][0]
    number = numbers[retention.pk]

    rows = parse_csv(
        client.get(reverse("results:table", args=[consultation.slug, closed_survey.pk, number]))
    )
    # Tidy: one header row, then one row per figure; a hidden figure has its marker in "flag".
    assert rows[0] == ["answer", "value", "flag"]
    counts = {
        label: Answer.objects.filter(question=retention, option__label=label).count()
        for label in [o.label for o in structure.options_by_question[retention.pk]]
    }
    shown = {row[0]: (row[1], row[2]) for row in rows[1:]}
    assert set(counts) <= set(shown) and "Total" in shown
    for label, count in counts.items():
        value, flag = shown[label]
        if count < 10:
            assert (value, flag) == ("", "c")
        elif flag != "c":
            assert int(value) == round_base(count) and flag == ""
    assert any(flag == "c" for _value, flag in shown.values())

    by_borough = parse_csv(
        client.get(
            reverse("results:table_by_borough", args=[consultation.slug, closed_survey.pk, number])
        )
    )
    assert by_borough[0] == ["area_code", "borough", "answer", "value", "flag"]
    assert len(by_borough) > 30
    for _code, _borough, _answer, value, flag in by_borough[1:]:
        assert (value == "" and flag == "c") or (int(value) >= 10 and int(value) % 5 == 0)

    html = client.get(reverse("results:detail", args=[consultation.slug])).content.decode()
    assert SUPPRESSED in html
    assert "[c] means confidential" in html
    missing = reverse("results:table", args=[consultation.slug, closed_survey.pk, 999])
    assert client.get(missing).status_code == 404


@pytest.mark.django_db
def test_theme_counts_are_published_with_suppression(make_staff, client):
    survey = survey_with_responses(count=0, closed=True)
    for n in range(12):
        online_response(survey, UserFactory(), text=f"Keep data for less time {n}")
    analyst = make_staff(ROLE_ANALYST)
    answers = list(Answer.objects.filter(question__type=Type.LONG_TEXT, response__survey=survey))
    question = answers[0].question
    big = Theme.objects.create(
        dataset_key="survey-answers",
        question_key=str(question.pk),
        name="Retention",
        created_by=analyst,
    )
    small = Theme.objects.create(
        dataset_key="survey-answers", question_key=str(question.pk), name="Cost", created_by=analyst
    )
    ThemeTag.objects.bulk_create(
        [ThemeTag(theme=big, answer=a, tagged_by=analyst) for a in answers]
    )
    ThemeTag.objects.create(theme=small, answer=answers[0], tagged_by=analyst)
    middle = Theme.objects.create(
        dataset_key="survey-answers",
        question_key=str(question.pk),
        name="Oversight",
        created_by=analyst,
    )
    ThemeTag.objects.bulk_create(
        [ThemeTag(theme=middle, answer=a, tagged_by=analyst) for a in answers[:11]]
    )
    manager = make_staff(ROLE_MANAGER)
    write(survey.consultation, manager)
    results_page_publish(actor=manager, consultation=survey.consultation)
    page = client.get(reverse("results:detail", args=[survey.consultation.slug]))
    html = page.content.decode()
    assert "What people wrote: themes" in html
    themes = page.context["surveys"][0]["themes"][0]["table"]
    shown = {row.label: row.count for row in themes.rows}
    # Cost (1) is hidden; an answer can express several themes, so there is no total to
    # subtract from, and the rest are rounded to the nearest 5.
    assert shown == {"Retention": "10", "Oversight": "10", "Cost": SUPPRESSED}


@pytest.mark.django_db
def test_the_headline_counts_responses_in_the_plural_past_a_thousand(make_staff, client):
    """Regression: the headline read "2,000 response to ..." on the demo: the total is shown
    with a thousands comma, and Django's pluralize takes "2,000" for no number at all."""
    survey = survey_with_responses(count=1000, closed=True)
    consultation = survey.consultation
    manager = make_staff(ROLE_MANAGER)
    write(consultation, manager)
    results_page_publish(actor=manager, consultation=consultation)
    html = client.get(reverse("results:detail", args=[consultation.slug])).content.decode()
    assert "<strong>1,000</strong> responses to" in html


@pytest.mark.django_db
def test_the_borough_question_counts_everyone_who_responded(closed_survey, make_staff, client):
    """The borough question's table publishes no "number who gave a borough" (taken from the
    number of responses it would pin the "Borough not given" rows): its total is every
    response, and those who gave none have their own row, in the page and the download."""
    consultation, _structure, by_type, numbers = published(closed_survey, make_staff)
    number = numbers[by_type[Type.BOROUGH][0].pk]

    rows = parse_csv(
        client.get(reverse("results:table", args=[consultation.slug, closed_survey.pk, number]))
    )
    shown = {row[0]: (row[1], row[2]) for row in rows[1:]}
    assert "Borough not given" in shown
    responses = closed_survey.responses.filter(status="submitted").count()
    assert shown["Total"] == (str(round_base(responses)), "")

    html = client.get(reverse("results:detail", args=[consultation.slug])).content.decode()
    assert "Everyone who responded: " in html and "counted as “Borough not given”" in html
    assert "can be narrowed to between 0 and 4" not in html
