"""The survey pages' one query, compiled once per process, gives what the ORM query gives."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists

from consultation.surveys.models import Response
from consultation.surveys.selectors import respondent_state
from consultation.surveys.services import survey_response_start
from talklondon.compiled_queries import CompiledQuery
from tests import factories


def _orm_state(slug, user):
    """The same read written with the ORM alone, compiled afresh."""
    verified = Exists(
        EmailAddress.objects.filter(user_id=user.pk, email__iexact=user.email, verified=True)
    )
    return (
        Response.objects.select_related("survey__consultation")
        .annotate(verified=verified)
        .filter(
            survey__slug=slug,
            survey__published_at__isnull=False,
            respondent=user,
            channel=Response.Channel.ONLINE,
        )
        .first()
    )


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.django_db
@pytest.mark.parametrize("verified", [True, False])
def test_the_compiled_query_matches_the_orm(survey, verified):
    # An address with LIKE wildcards in other case: the email check must match it exactly,
    # not the verified address its wildcards would match.
    user = factories.UserFactory(email="Jo_Bloggs%1@Example.org", verified=False)
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email="jo_bloggs%1@example.org", verified=verified)
    EmailAddress.objects.create(user=user, email="joXbloggs51@example.org", verified=True)
    other = factories.UserFactory()
    survey_response_start(survey=survey, actor=other)
    assert respondent_state(survey.slug, user).response is None
    assert respondent_state(survey.slug, user).email_verified is verified
    response = survey_response_start(survey=survey, actor=user, email_verified=True)
    response.draft_answers = {"1": {"text": "x"}}
    response.save()

    for _ in range(2):  # compiled on first use, then reused
        state = respondent_state(survey.slug, user)
        expected = _orm_state(survey.slug, user)
        assert state.response.pk == response.pk
        assert _fields(state.response) == _fields(expected)
        assert _fields(state.survey) == _fields(expected.survey)
        assert _fields(state.survey.consultation) == _fields(expected.survey.consultation)
        assert state.email_verified is expected.verified is verified
        assert state.response.draft_answers == {"1": {"text": "x"}}


@pytest.mark.django_db
def test_no_state_for_unknown_or_unpublished_surveys(survey):
    user = factories.UserFactory()
    assert respondent_state("no-such-survey", user) is None
    assert respondent_state("no-such-survey", AnonymousUser()) is None
    signed_out = respondent_state(survey.slug, AnonymousUser())
    assert signed_out.survey.pk == survey.pk and signed_out.response is None
    survey.published_at = None
    survey.save()
    assert respondent_state(survey.slug, user) is None
    assert respondent_state(survey.slug, AnonymousUser()) is None


def test_a_value_missing_from_the_compiled_query_is_refused(db):
    query = CompiledQuery(
        lambda slug: Response.objects.filter(survey__slug="fixed")[:1],
        placeholders={"slug": "placeholder-slug"},
    )
    with pytest.raises(ValueError, match="slug"):
        query.first(slug="anpr")
