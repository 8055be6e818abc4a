"""Survey test data for the analysis tests: the demo survey with known and synthetic responses."""

import random
from datetime import timedelta

from django.utils import timezone

from consultation.surveys.models import Answer, AnswerChoice, Question, Response
from consultation.surveys.selectors import survey_structure
from demo import surveys as surveys_demo
from talklondon.permissions import ROLE_MANAGER
from tests.factories import ConsultationFactory, UserFactory

Type = Question.Type
CAMDEN = "E09000007"
HACKNEY = "E09000012"


def survey_with_responses(*, count=24, closed=False, seed=7, consultation=None):
    """The demo ANPR survey with `count` synthetic submitted responses (no accounts)."""
    from django.contrib.auth.models import Group

    now = timezone.now()
    if consultation is None:
        consultation = (
            ConsultationFactory(
                opens_at=now - timedelta(days=30), closes_at=now - timedelta(hours=1)
            )
            if closed
            else ConsultationFactory(opens_at=now - timedelta(days=30))
        )
    survey = surveys_demo.survey_build(consultation, slug=f"survey-{consultation.slug}")
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name=ROLE_MANAGER))
    if count:
        surveys_demo.responses_seed(
            survey, count=count, entered_by=manager, rng=random.Random(seed)
        )
    return survey


def questions_by_type(survey):
    structure = survey_structure(survey)
    found = {}
    for question in structure.questions:
        found.setdefault(question.type, []).append(question)
    return structure, found


def online_response(survey, user, *, text="", borough=CAMDEN, status="submitted", other=""):
    """A response from a signed-in person, with chosen answers, written straight to the tables."""
    structure, by_type = questions_by_type(survey)
    now = timezone.now()
    response = Response.objects.create(
        survey=survey,
        respondent=user,
        status=status,
        channel=Response.Channel.ONLINE,
        submitted_at=now if status == "submitted" else None,
    )
    organisation = by_type[Type.ORGANISATION][0]
    Answer.objects.create(
        response=response,
        question=organisation,
        boolean=True,
        text="Camden Cyclists",
        detail="Chair",
    )
    agreement = by_type[Type.AGREEMENT][0]
    Answer.objects.create(response=response, question=agreement, scale_point=2)
    single = by_type[Type.SINGLE_CHOICE][0]
    options = structure.options_by_question[single.pk]
    chosen = options[-1] if other else options[0]
    Answer.objects.create(response=response, question=single, option=chosen, text=other)
    multiple = by_type[Type.MULTIPLE_CHOICE][0]
    answer = Answer.objects.create(response=response, question=multiple)
    picks = structure.options_by_question[multiple.pk]
    AnswerChoice.objects.create(answer=answer, option=picks[0])
    AnswerChoice.objects.create(answer=answer, option=picks[2])
    ranking = by_type[Type.RANKING][0]
    answer = Answer.objects.create(response=response, question=ranking)
    for rank, option in enumerate(reversed(structure.options_by_question[ranking.pk]), start=1):
        AnswerChoice.objects.create(answer=answer, option=option, rank=rank)
    matrix = by_type[Type.MATRIX][0]
    answer = Answer.objects.create(response=response, question=matrix)
    for option in structure.options_by_question[matrix.pk]:
        AnswerChoice.objects.create(answer=answer, option=option, scale_point=0)
    if text:
        Answer.objects.create(response=response, question=by_type[Type.LONG_TEXT][0], text=text)
    Answer.objects.create(response=response, question=by_type[Type.BOROUGH][0], text=borough)
    Answer.objects.create(
        response=response, question=by_type[Type.POSTCODE_DISTRICT][0], text="NW1"
    )
    Answer.objects.create(response=response, question=by_type[Type.NUMBER][0], number=-3)
    return response
