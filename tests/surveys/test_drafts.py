"""Answers not yet submitted, kept in one row per response (Response.draft_answers)."""

import pytest

from consultation.surveys import services
from consultation.surveys.drafts import (
    draft_answers_decode,
    draft_answers_encode,
    draft_answers_pending,
)
from consultation.surveys.forms import AnswersForm
from consultation.surveys.models import Answer, Response, ResponseVersion
from consultation.surveys.personal_data import responses_anonymise, responses_export
from consultation.surveys.selectors import response_answers
from tests.surveys.test_data import _submit


def _page(smap, index, so_far=None, **kwargs) -> dict:
    form = AnswersForm(
        smap.page(index, **kwargs),
        structure=smap.structure,
        questions=smap.structure.questions_by_section[smap.s[index].pk],
        context_answers=so_far or {},
    )
    assert form.is_valid(), form.errors
    return form.answers


def test_decoding_keeps_only_question_ids_and_answer_values():
    assert draft_answers_decode(None) is None
    assert draft_answers_decode(["not", "a", "dict"]) == {}
    raw = {"12": {"text": "Bus"}, "x1": {"text": "no"}, "٣": {"text": "no"}, "13": "text"}
    assert draft_answers_decode(raw) == {12: {"text": "Bus"}}
    assert draft_answers_decode({"1" * 40: {"text": "too long an id"}}) == {}


@pytest.mark.django_db
def test_two_tabs_saving_different_pages_keep_both(smap, participant):
    """A save from a copy of the response read before another save changed it must not undo
    that save: the write notices the change and redoes the merge under a lock."""
    response = services.survey_response_start(survey=smap.survey, actor=participant)
    first_tab = Response.objects.get(pk=response.pk)
    second_tab = Response.objects.get(pk=response.pk)
    first_tab.survey = second_tab.survey = smap.survey
    services.survey_section_save(
        response=first_tab, actor=participant, section=smap.s[0], answers=_page(smap, 0)
    )
    services.survey_section_save(
        response=second_tab,
        actor=participant,
        section=smap.s[1],
        answers=_page(smap, 1, _page(smap, 0)),
    )
    pending = draft_answers_pending(Response.objects.get(pk=response.pk))
    assert smap.q[0].pk in pending and smap.q[1].pk in pending
    assert not Answer.objects.exists()  # nothing written as answers before the submit


@pytest.mark.django_db
def test_a_stale_double_submit_keeps_one_version(smap, participant):
    submitted = _submit(smap, participant)
    stale = Response.objects.get(pk=submitted.pk)
    # As read before the first submit committed: a draft holding the same answers.
    stale.status, stale.submit_token = "draft", ""
    stale.draft_answers = draft_answers_encode(response_answers(submitted))
    stale.survey = smap.survey
    # The same token again, from a copy read before the first submit committed.
    services.survey_response_submit(response=stale, actor=participant, token=f"t{participant.pk}")
    assert ResponseVersion.objects.filter(response=submitted).count() == 1
    assert Answer.objects.filter(response=submitted).count() == len(
        {a.question_id for a in Answer.objects.filter(response=submitted)}
    )


@pytest.mark.django_db
def test_changes_wait_in_the_row_until_submitted_and_can_be_discarded(smap, participant):
    response = _submit(smap, participant)
    before = set(Answer.objects.filter(response=response).values_list("question_id", "text"))
    so_far = {}
    for index in range(4):
        so_far.update(_page(smap, index, so_far))
    services.survey_section_save(
        response=response,
        actor=participant,
        section=smap.s[4],
        answers=_page(smap, 4, so_far) | {smap.q[12].pk: {"text": "E09000033"}},
    )
    response.refresh_from_db()
    assert draft_answers_pending(response)[smap.q[12].pk] == {"text": "E09000033"}
    assert set(Answer.objects.filter(response=response).values_list("question_id", "text")) == (
        before
    )
    services.survey_changes_discard(response=response, actor=participant)
    response.refresh_from_db()
    assert response.draft_answers is None


@pytest.mark.django_db
def test_export_shows_a_drafts_answers_and_anonymising_forgets_pending_changes(smap, participant):
    draft = services.survey_response_start(survey=smap.survey, actor=participant)
    services.survey_section_save(
        response=draft, actor=participant, section=smap.s[0], answers=_page(smap, 0)
    )
    exported = responses_export(participant)
    assert exported[0]["answers"] and exported[0]["status"] == "Draft"

    Response.objects.all().delete()
    submitted = _submit(smap, participant)
    changed = {smap.q[0].pk: {"boolean": True, "text": "Acme Ltd", "detail": "Chair"}}
    services.survey_section_save(
        response=submitted, actor=participant, section=smap.s[0], answers=changed
    )
    assert "Acme" in str(Response.objects.get().draft_answers)
    responses_anonymise(participant)
    kept = Response.objects.get()
    assert kept.draft_answers is None and kept.respondent is None
