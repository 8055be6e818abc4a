"""Theme suggestions, the theme codebook, campaign grouping and free-text search."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consultation.analysis.models import Theme, ThemeTag
from consultation.analysis.selectors import theme_counts
from consultation.analysis.services.themes import (
    theme_accept_suggestion,
    theme_create,
    theme_delete,
    theme_rename,
    theme_tag_add,
    theme_tag_remove,
)
from consultation.analysis.text.campaigns import campaign_groups, shingles
from consultation.analysis.text.search import text_search
from consultation.analysis.text.themes import suggest_themes
from talklondon.permissions import ROLE_ANALYST, STAFF_ROLES

PRIVACY = [
    "I worry about my privacy and how long my number plate data is kept",
    "Keeping everyone's number plate data is a privacy problem",
    "Privacy matters: data retention for number plates should be short",
    "My privacy is at risk if camera data is kept for years",
    "How long will the data be kept? Privacy must come first",
    "Retention of plate data threatens privacy of ordinary drivers",
]
CRIME = [
    "The cameras will help police catch criminals and stolen cars",
    "Catching car thieves and criminals faster is good for London",
    "Police need these cameras to solve crime and find stolen vehicles",
    "This helps the police tackle serious crime and gangs",
    "Stolen cars and crime on the roads will fall with cameras",
    "Good for catching criminals who use cars in crime",
]
COST = [
    "What will this cost taxpayers and who pays for the system",
    "The cost to taxpayers is too high for this system",
    "Money spent on the system should go to more police officers",
    "Who pays the cost of running thousands of cameras",
    "Taxpayers money wasted on an expensive camera system",
    "The cost is not justified, spend the money on officers",
]
ANSWERS = list(enumerate(PRIVACY + CRIME + COST, start=100))


def test_theme_suggestions_find_the_themes_with_terms_and_quotes():
    suggestions = suggest_themes(ANSWERS, n_themes=3, random_state=0)
    assert len(suggestions) == 3
    assert sum(s.size for s in suggestions) == len(ANSWERS)
    found = {}
    for suggestion in suggestions:
        assert len(suggestion.quotes) == 3 and suggestion.terms
        quoted = {item_id for item_id, _ in suggestion.quotes}
        for name, group in (("privacy", PRIVACY), ("crime", CRIME), ("cost", COST)):
            ids = {item_id for item_id, text in ANSWERS if text in group}
            if quoted <= ids:
                found[name] = suggestion
    assert set(found) == {"privacy", "crime", "cost"}
    assert "privacy" in found["privacy"].terms
    assert "cost" in found["cost"].terms


def test_theme_suggestions_are_deterministic_for_a_seed():
    first = suggest_themes(ANSWERS, n_themes=4, random_state=7)
    again = suggest_themes(list(ANSWERS), n_themes=4, random_state=7)
    assert first == again


def test_theme_suggestions_need_some_text():
    assert suggest_themes([]) == []
    assert suggest_themes([(1, "yes"), (2, "")]) == []
    assert suggest_themes([(1, "the and of"), (2, "a the"), (3, "of and")]) == []


def test_campaign_grouping_groups_near_identical_answers_and_keeps_all():
    template = (
        "I strongly object to the Met using TfL cameras to track every Londoner. "
        "This is mass surveillance and must be stopped now."
    )
    items = [
        (1, template),
        (2, template.upper()),  # same words, different case
        (3, template.replace("strongly ", "")),  # one word removed
        (4, template + " Signed, a resident of Hackney."),
        (5, "The cameras seem a sensible way to find stolen cars quickly."),
        (6, "The cameras seem a sensible way to find stolen cars quickly!"),
        (7, "I have no view either way on this proposal at the moment."),
        (8, ""),
    ]
    groups = campaign_groups(items, threshold=0.7)
    assert [g.item_ids for g in groups] == [(1, 2, 3, 4), (5, 6)]
    assert groups[0].size == 4 and groups[0].example == template
    assert campaign_groups(items, threshold=0.7) == groups  # deterministic
    assert 7 not in {i for g in groups for i in g.item_ids}  # not a campaign, still an answer


def test_shingles_normalise_case_and_punctuation():
    assert shingles("Stop, the CAMERAS now!") == {"stop the cameras", "the cameras now"}
    assert shingles("Yes") == {"yes"}
    assert shingles("  ") == set()


def _text_answers(count):
    """A survey whose long-text question has `count` answers; (question key, answer ids)."""
    from consultation.surveys.models import Answer
    from tests.analysis.surveydata import Type, online_response, survey_with_responses
    from tests.factories import UserFactory

    survey = survey_with_responses(count=0)
    for n in range(count):
        online_response(survey, UserFactory(), text=f"Answer number {n}")
    answers = Answer.objects.filter(
        response__survey=survey, question__type=Type.LONG_TEXT
    ).order_by("pk")
    return str(answers[0].question_id), [a.pk for a in answers]


@pytest.mark.django_db
def test_codebook_accept_rename_tag_and_count(make_staff):
    analyst = make_staff(ROLE_ANALYST)
    key, ids = _text_answers(5)
    suggestion = suggest_themes(ANSWERS, n_themes=3)[0]
    accepted = theme_accept_suggestion(
        actor=analyst, dataset_key="survey-answers", question_key=key, suggestion=suggestion
    )
    assert accepted.origin == Theme.Origin.SUGGESTED
    assert accepted.name == suggestion.label
    assert accepted.suggested_terms == list(suggestion.terms)
    assert ThemeTag.objects.count() == 0  # accepting tags nothing

    renamed = theme_rename(actor=analyst, theme=accepted, name="  Privacy   and retention ")
    assert renamed.name == "Privacy and retention"
    other = theme_create(actor=analyst, dataset_key="survey-answers", question_key=key, name="Cost")
    with pytest.raises(ValidationError):
        theme_create(actor=analyst, dataset_key="survey-answers", question_key=key, name="cost")
    with pytest.raises(ValidationError):
        theme_rename(actor=analyst, theme=renamed, name="")
    # The same name is fine for another question.
    theme_create(actor=analyst, dataset_key="survey-answers", question_key="999", name="Cost")

    assert theme_tag_add(actor=analyst, theme=renamed, answer_ids=ids[:3]) == 3
    assert theme_tag_add(actor=analyst, theme=renamed, answer_ids=[ids[1], ids[3]]) == 1
    assert theme_tag_add(actor=analyst, theme=other, answer_ids=[ids[4]]) == 1
    assert ThemeTag.objects.filter(tagged_by=analyst).count() == 5
    assert [
        (t.name, n) for t, n in theme_counts(dataset_key="survey-answers", question_key=key)
    ] == [
        ("Privacy and retention", 4),
        ("Cost", 1),
    ]
    # Only answers to the theme's own question can be tagged with it.
    with pytest.raises(ValidationError):
        theme_tag_add(actor=analyst, theme=renamed, answer_ids=[ids[0] + 10_000])
    assert theme_tag_remove(actor=analyst, theme=renamed, answer_ids=[ids[0]]) == 1
    theme_delete(actor=analyst, theme=other)
    assert not ThemeTag.objects.filter(answer_id=ids[4]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in STAFF_ROLES if r != ROLE_ANALYST])
def test_only_analysts_manage_themes(make_staff, participant, role):
    key, ids = _text_answers(1)
    for user in (make_staff(role), participant):
        with pytest.raises(PermissionDenied):
            theme_create(actor=user, dataset_key="survey-answers", question_key=key, name="X")
    analyst = make_staff(ROLE_ANALYST)
    theme = theme_create(actor=analyst, dataset_key="survey-answers", question_key=key, name="X")
    with pytest.raises(PermissionDenied):
        theme_tag_add(actor=make_staff(role), theme=theme, answer_ids=ids)


@pytest.mark.django_db
def test_text_search_on_this_database(make_staff):
    analyst = make_staff(ROLE_ANALYST)
    for name, description in [
        ("Privacy", "People worry that number plate records are kept too long"),
        ("Crime", "Cameras help the police catch car thieves"),
        ("Cost", "Who pays for running the cameras"),
    ]:
        theme_create(
            actor=analyst,
            dataset_key="d",
            question_key="q",
            name=name,
            description=description,
        )
    themes = Theme.objects.all()
    fields = ["name", "description"]
    assert [t.name for t in text_search(themes, fields=fields, query="cameras")] in (
        ["Crime", "Cost"],
        ["Cost", "Crime"],
    )
    assert [t.name for t in text_search(themes, fields=fields, query="police cameras")] == ["Crime"]
    assert [t.name for t in text_search(themes, fields=fields, query="PRIVACY")] == ["Privacy"]
    assert text_search(themes, fields=fields, query="").count() == 3
    assert list(text_search(themes, fields=fields, query="bicycles")) == []
