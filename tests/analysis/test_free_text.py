"""Free text: browse and search answers, codebook, tagging by a person, suggestions, campaigns."""

import pytest
from django.urls import reverse

from consultation.analysis.models import Theme, ThemeTag
from consultation.surveys.models import Answer
from talklondon.permissions import ROLE_ANALYST
from tests.analysis.surveydata import Type, online_response, survey_with_responses
from tests.factories import UserFactory

CAMPAIGN = (
    "I object to the police using TfL cameras to track law-abiding drivers across London "
    "without a warrant or any independent oversight."
)
TEXTS = [
    CAMPAIGN,
    CAMPAIGN,
    CAMPAIGN.replace("London", "London!"),
    CAMPAIGN,
    CAMPAIGN + " Please listen.",
    "Catching car thieves and uninsured drivers matters more than privacy.",
    "Data should be deleted after 30 days unless linked to a crime.",
    "Keep the data for as short a time as possible and publish audits.",
    "Stolen cars and uninsured drivers are a menace: use the cameras.",
    "Who checks how often the police search the data? Publish the numbers.",
    '=HYPERLINK("http://evil.example")',
]


@pytest.fixture
def text_question(db):
    survey = survey_with_responses(count=0)
    for text in TEXTS:
        online_response(survey, UserFactory(), text=text)
    answers = Answer.objects.filter(
        response__survey=survey, question__type=Type.LONG_TEXT
    ).order_by("pk")
    return answers[0].question, list(answers)


def url(name, *args):
    return reverse(f"analysis_staff:{name}", args=args)


@pytest.mark.django_db
def test_browse_and_search_free_text_answers(staff_client, text_question):
    question, answers = text_question
    client, _ = staff_client(ROLE_ANALYST)
    page = client.get(url("text_answers", question.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["page"].paginator.count == len(TEXTS)
    assert "uninsured drivers" in html
    # Shown as text, never as markup.
    assert "&quot;http://evil.example&quot;" in html or "&#x27;" in html or "HYPERLINK" in html
    assert '<a href="http://evil.example"' not in html

    found = client.get(url("text_answers", question.pk), {"q": "uninsured"})
    texts = [a.text for a in found.context["page"].object_list]
    assert sorted(texts) == sorted(t for t in TEXTS if "uninsured" in t)
    assert "2 answers matching" in found.content.decode()


@pytest.mark.django_db
def test_codebook_tagging_is_done_by_a_person_and_counted(staff_client, text_question):
    question, answers = text_question
    client, analyst = staff_client(ROLE_ANALYST)
    response = client.post(
        url("text_themes", question.pk), {"name": "Vehicle crime", "description": ""}
    )
    assert response.status_code == 302
    theme = Theme.objects.get(name="Vehicle crime")
    assert theme.question_key == str(question.pk) and theme.created_by == analyst
    assert not ThemeTag.objects.exists()

    # The same name again is a form error, not a 500.
    again = client.post(url("text_themes", question.pk), {"name": "vehicle CRIME"})
    assert again.status_code == 200 and "already has a theme" in again.content.decode()

    crime = [a.pk for a in answers if "uninsured" in a.text]
    back = url("text_answers", question.pk) + "?q=uninsured"
    response = client.post(
        url("text_tag", question.pk),
        {"theme": theme.pk, "answers": crime, "action": "add", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    tags = ThemeTag.objects.filter(theme=theme)
    assert sorted(t.answer_id for t in tags) == sorted(crime)
    assert {t.tagged_by for t in tags} == {analyst}

    page = client.get(url("text_answers", question.pk), {"theme": theme.pk})
    assert page.context["page"].paginator.count == 2
    assert 'data-theme="Vehicle crime">2<' in page.content.decode()

    # An answer to another question cannot be tagged with this theme; an unsafe next is ignored.
    other = Answer.objects.exclude(question=question).first()
    response = client.post(
        url("text_tag", question.pk),
        {"theme": theme.pk, "answers": [other.pk], "action": "add", "next": "https://evil/"},
    )
    assert response["Location"] == url("text_answers", question.pk)
    assert ThemeTag.objects.filter(theme=theme).count() == 2

    client.post(
        url("text_tag", question.pk), {"theme": theme.pk, "answers": crime[:1], "action": "remove"}
    )
    assert ThemeTag.objects.filter(theme=theme).count() == 1

    response = client.post(url("theme_edit", theme.pk), {"name": "Car crime", "description": "x"})
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.name == "Car crime"
    confirm = client.get(url("theme_delete", theme.pk))
    assert "1 answer tagged" in confirm.content.decode()
    client.post(url("theme_delete", theme.pk))
    assert not Theme.objects.exists() and not ThemeTag.objects.exists()
    assert Answer.objects.filter(pk__in=crime).count() == 2  # the answers stay


@pytest.mark.django_db
def test_suggestions_show_terms_and_quotes_and_accepting_tags_nothing(staff_client, text_question):
    question, _ = text_question
    client, _ = staff_client(ROLE_ANALYST)
    # Computed by a task when asked for (eager in tests), then read by the page.
    client.post(url("text_suggestions_compute", question.pk))
    page = client.get(url("text_suggestions", question.pk))
    assert page.status_code == 200
    suggestions = page.context["suggestions"]
    assert suggestions
    first = suggestions[0]["suggestion"]
    html = page.content.decode()
    assert "Top terms:" in html and first.terms[0] in html
    assert first.quotes and "tl-quote" in html
    # Deterministic: the same answers give the same suggestions.
    again = client.get(url("text_suggestions", question.pk)).context["suggestions"]
    assert [s["suggestion"].terms for s in again] == [s["suggestion"].terms for s in suggestions]

    response = client.post(
        url("text_suggestions", question.pk),
        {
            "label": first.label,
            "terms": "|".join(first.terms),
            "name": "Campaign against tracking",
            "decision": "accept",
        },
    )
    assert response.status_code == 302
    theme = Theme.objects.get()
    assert theme.name == "Campaign against tracking"
    assert theme.origin == Theme.Origin.SUGGESTED and theme.suggested_terms == list(first.terms)
    assert not ThemeTag.objects.exists()  # nothing is tagged without a person
    remaining = client.get(url("text_suggestions", question.pk)).context["suggestions"]
    assert first.label not in [s["suggestion"].label for s in remaining]

    if remaining:
        second = remaining[0]["suggestion"]
        client.post(
            url("text_suggestions", question.pk),
            {"label": second.label, "terms": "|".join(second.terms), "decision": "reject"},
        )
        after = client.get(url("text_suggestions", question.pk)).context["suggestions"]
        assert second.label not in [s["suggestion"].label for s in after]
        assert Theme.objects.count() == 1

    bad = client.post(
        url("text_suggestions", question.pk), {"label": "x", "terms": "", "decision": "accept"}
    )
    assert bad.status_code == 200 and Theme.objects.count() == 1


@pytest.mark.django_db
def test_campaign_groups_are_shown_and_counted_without_dropping_answers(
    staff_client, text_question
):
    question, answers = text_question
    client, _ = staff_client(ROLE_ANALYST)
    client.post(url("text_campaigns_compute", question.pk))
    page = client.get(url("text_campaigns", question.pk))
    groups = page.context["groups"]
    assert [g.size for g in groups] == [5]
    html = page.content.decode()
    assert "1 group of near-identical answers, covering 5 of 11 answers" in html
    assert "data-group-size>5<" in html

    listing = client.get(url("text_answers", question.pk))
    assert listing.context["page"].paginator.count == 11  # still every answer
    assert "5 answers belong to 1" in listing.content.decode()
    members = client.get(url("text_answers", question.pk), {"campaign": 1})
    assert members.context["page"].paginator.count == 5
    assert all("oversight" in a.text for a in members.context["page"].object_list)


@pytest.mark.django_db
def test_free_text_pages_only_exist_for_open_questions(staff_client, text_question):
    question, answers = text_question
    client, _ = staff_client(ROLE_ANALYST)
    choice = Answer.objects.filter(question__type=Type.SINGLE_CHOICE).first().question
    for name in ("text_answers", "text_themes", "text_suggestions", "text_campaigns"):
        assert client.get(url(name, choice.pk)).status_code == 404
        assert client.get(url(name, 999999)).status_code == 404
