"""Survey data for the account data export and account deletion registry."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce

from consultation.surveys.drafts import draft_answers_discard_fields
from consultation.surveys.models import Answer, Question, Response, ResponseVersion
from consultation.surveys.selectors import (
    answers_summary,
    response_current_answers,
    survey_structure,
)


def responses_export(user) -> list[dict]:
    """Everything this person told us in surveys, readable, one dict per response."""
    exported = []
    responses = (
        Response.objects.filter(respondent=user)
        .select_related("survey")
        .order_by("created_at", "pk")
    )
    structures = {}
    for response in responses:
        survey = response.survey
        if survey.pk not in structures:
            structures[survey.pk] = survey_structure(survey)
        structure = structures[survey.pk]
        answers = response_current_answers(response)  # with answers not yet submitted
        exported.append(
            {
                "survey": survey.title,
                "reference": response.reference,
                "status": response.get_status_display(),
                "channel": response.get_channel_display(),
                "started_at": response.created_at.isoformat(),
                "submitted_at": response.submitted_at.isoformat()
                if response.submitted_at
                else None,
                "versions": response.versions.count(),
                "answers": [
                    {"section": section.title, "question": row.question.text, "answer": row.lines}
                    for section, rows in answers_summary(structure, answers)
                    for row in rows
                    if row.lines
                ],
            }
        )
    return exported


@transaction.atomic
def responses_anonymise(user) -> int:
    """Detach this person's survey responses from their account, keeping the evidence.

    Submitted answers stay (they count in results, anonymously); the organisation's name and
    the person's role are removed because they can identify someone, drafts that were never
    submitted are deleted, and the readable copies in earlier versions are scrubbed the same
    way. Returns how many responses were kept.
    """
    responses = Response.objects.select_for_update().filter(respondent=user)
    responses.filter(status=Response.Status.DRAFT).delete()
    kept = list(responses.values_list("pk", flat=True))
    Answer.objects.filter(response_id__in=kept, question__type=Question.Type.ORGANISATION).update(
        text="", detail=""
    )
    for version in ResponseVersion.objects.filter(response_id__in=kept):
        for item in version.answers:
            if item.get("type") == Question.Type.ORGANISATION and item["answer"] != [
                "As an individual"
            ]:
                item["answer"] = ["On behalf of an organisation"]
        version.save(update_fields=["answers"])
    # Changes never submitted (consultation.surveys.drafts) go with the account.
    Response.objects.filter(pk__in=kept).update(
        respondent=None, respondent_name="", **draft_answers_discard_fields()
    )
    return len(kept)


def response_participation():
    """(respondent id, survey close) for everyone who responded: feeds the retention job."""
    return (
        Response.objects.filter(respondent__isnull=False)
        .values("respondent_id")
        .annotate(ended_at=Max(Coalesce("survey__closes_at", "survey__consultation__closes_at")))
        .values_list("respondent_id", "ended_at")
    )


def responses_erase(*, user, remove_content: bool) -> None:
    """Eraser for the account-deletion registry: answers stay, unlinked and anonymised."""
    responses_anonymise(user)
