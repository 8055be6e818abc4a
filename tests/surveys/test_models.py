"""The database itself refuses invalid or duplicate data."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from consultation.surveys.models import Answer, AnswerChoice, Response, ResponseVersion


@pytest.mark.django_db
def test_one_online_response_per_account_per_survey(survey, participant):
    Response.objects.create(survey=survey, respondent=participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, respondent=participant)


@pytest.mark.django_db
def test_paper_responses_need_who_entered_them(survey, make_staff):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, channel="paper")
    staff = make_staff("Consultation manager")
    Response.objects.create(survey=survey, channel="paper", entered_by=staff)
    Response.objects.create(survey=survey, channel="paper", entered_by=staff)


@pytest.mark.django_db
def test_submitted_needs_a_time_and_channels_are_known(survey, participant):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, respondent=participant, status="submitted")
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, respondent=participant, channel="fax")


@pytest.mark.django_db
def test_answer_rows_are_unique_and_valid(smap, participant):
    response = Response.objects.create(survey=smap.survey, respondent=participant)
    ranking = smap.q[3]
    answer = Answer.objects.create(response=response, question=ranking)
    option = smap.options(3)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=ranking)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerChoice.objects.create(answer=answer, option=option, rank=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerChoice.objects.create(answer=answer, option=option, scale_point=6)
    AnswerChoice.objects.create(answer=answer, option=option, rank=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerChoice.objects.create(answer=answer, option=smap.options(3)[1], rank=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=smap.q[1], scale_point=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseVersion.objects.create(response=response, number=0)


@pytest.mark.django_db
def test_answered_options_and_questions_cannot_be_deleted(smap, participant):
    response = Response.objects.create(survey=smap.survey, respondent=participant)
    question = smap.q[4]
    option = smap.options(4)[0]
    Answer.objects.create(response=response, question=question, option=option)
    with pytest.raises(ProtectedError):
        option.delete()
    with pytest.raises(ProtectedError):
        question.delete()
