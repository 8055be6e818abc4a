"""Survey data for the account data export and account deletion registry."""

from __future__ import annotations

from django.db import transaction

from consultation.surveys.models import Answer, Question, Response, ResponseVersion
from consultation.surveys.selectors import answers_summary, response_answers, survey_structure


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
        answers = response_answers(response)
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
    Response.objects.filter(pk__in=kept).update(respondent=None, respondent_name="")
    return len(kept)
