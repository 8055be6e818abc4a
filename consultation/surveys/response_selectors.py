"""Reads for one response as staff see it: its answers, versions and likely duplicates."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from consultation.surveys.models import Response, ResponseVersion
from consultation.surveys.selectors import (
    SummaryRow,
    answers_summary,
    response_answers,
    survey_structure,
)


def responses_for_staff() -> QuerySet[Response]:
    """Every response a staff member with survey access may open, with what its page shows."""
    return Response.objects.select_related(
        "survey__consultation", "respondent", "entered_by", "likely_duplicate_of"
    )


def response_page_for_staff(*, response_id: int) -> Response | None:
    """One response for its staff page; None for "missing" (the staff guard decides who)."""
    return responses_for_staff().filter(pk=response_id).first()


def likely_duplicate_responses(survey, *, limit: int = 100) -> list[Response]:
    """Submitted responses flagged as likely duplicates, with what they duplicate."""
    return list(
        Response.objects.filter(
            survey=survey, status=Response.Status.SUBMITTED, likely_duplicate_of__isnull=False
        )
        .select_related("likely_duplicate_of")
        .order_by("-submitted_at", "-pk")[:limit]
    )


@dataclass
class ResponseDetail:
    response: Response
    numbers: dict[int, int]  # question id -> Q number, as on the dashboard and in exports
    answers: list[tuple[object, list[tuple[int, SummaryRow]]]]  # per section: (Q number, row)
    versions: list[ResponseVersion]
    duplicate_of: Response | None
    flagged_as_duplicates: list[Response]

    @property
    def name(self) -> str:
        """The name the person gave: on the form for other channels, the account's online."""
        response = self.response
        if response.respondent_name:
            return response.respondent_name
        return response.respondent.display_name if response.respondent else ""


def response_detail(response: Response) -> ResponseDetail:
    structure = survey_structure(response.survey)
    numbers = {q.pk: n for n, q in enumerate(structure.questions, start=1)}
    return ResponseDetail(
        response=response,
        numbers=numbers,
        answers=[
            (section, [(numbers[row.question.pk], row) for row in rows])
            for section, rows in answers_summary(structure, response_answers(response))
        ],
        versions=list(ResponseVersion.objects.filter(response=response).order_by("-number")),
        duplicate_of=response.likely_duplicate_of,
        flagged_as_duplicates=list(
            Response.objects.filter(likely_duplicate_of=response).order_by("pk")
        ),
    )
