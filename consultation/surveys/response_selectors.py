"""Reads for one response as staff see it: its answers, versions and likely duplicates."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from consultation.surveys.answers import Structure
from consultation.surveys.models import Answer, Question, Response, ResponseVersion
from consultation.surveys.selectors import (
    DUPLICATES_ONLY,
    SummaryRow,
    answers_summary,
    response_answers,
    submitted_responses,
    survey_structure,
)

Type = Question.Type


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
        submitted_responses(survey, duplicates=DUPLICATES_ONLY)
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


# --- Likely duplicates ---------------------------------------------------------------------

TEXT_SIMILARITY_THRESHOLD = 0.9
MIN_TEXT_LENGTH_FOR_SIMILARITY = 40


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", text.lower())).strip()


@dataclass
class LikelyDuplicate:
    response: Response
    reason: str


# An email or paper copy of a response given elsewhere: the same name and at least this many
# answers in common, every one of them the same.
SAME_ANSWERS_MIN = 3
SAME_NAME_CANDIDATES_MAX = 50


def _answer_key(value: dict) -> str:
    """An answer value in a form that compares equal however its lists were ordered."""
    canonical = {
        key: sorted(map(str, item)) if isinstance(item, list) else item
        for key, item in value.items()
        if item not in (None, "", [])
    }
    return json.dumps(canonical, sort_keys=True, default=str)


def _answer_keys(answers: dict) -> dict[int, str]:
    return {qid: _answer_key(value) for qid, value in answers.items() if value}


def likely_duplicates(
    structure: Structure, *, name: str, answers: dict[int, dict | None], limit: int = 5
) -> list[LikelyDuplicate]:
    """Submitted responses that look like the same person's as a response staff are typing
    in (`name` as given, `answers` by question id): same name and postcode district, same name
    and the same answers (an email copy of an online response, say), or free text that is
    near-identical (normalised similarity of 0.9 or more).

    The one test of a likely duplicate: the entry page asks staff to confirm before recording
    one, and the service flags what it records with it.
    """
    district = next(
        (
            v["text"]
            for qid, v in answers.items()
            if v and structure.question(qid).type == Type.POSTCODE_DISTRICT
        ),
        "",
    )
    texts = [
        v["text"]
        for qid, v in answers.items()
        if v and structure.question(qid).type in (Type.LONG_TEXT, Type.SHORT_TEXT)
    ]
    found: dict[int, LikelyDuplicate] = {}
    submitted = submitted_responses(structure.survey)
    norm_name = _normalise(name)
    if norm_name and district:
        candidates = (
            submitted.filter(answers__question__type=Type.POSTCODE_DISTRICT, answers__text=district)
            .select_related("respondent")
            .distinct()
        )
        for response in candidates:
            other = response.respondent_name or (
                response.respondent.display_name if response.respondent else ""
            )
            if _normalise(other) == norm_name:
                found[response.pk] = LikelyDuplicate(
                    response, f"Same name and postcode district ({district})"
                )
    mine = _answer_keys(answers)
    if norm_name and len(mine) >= SAME_ANSWERS_MIN:
        plain = name.strip()
        candidates = (
            submitted.filter(
                Q(respondent_name__iexact=plain) | Q(respondent__display_name__iexact=plain)
            )
            .exclude(pk__in=list(found))
            .order_by("pk")[:SAME_NAME_CANDIDATES_MAX]
        )
        for response in candidates:
            theirs = _answer_keys(response_answers(response))
            common = mine.keys() & theirs.keys()
            if len(common) >= SAME_ANSWERS_MIN and all(mine[q] == theirs[q] for q in common):
                found[response.pk] = LikelyDuplicate(response, "Same name and the same answers")
    wanted = [_normalise(t) for t in texts if len(_normalise(t)) >= MIN_TEXT_LENGTH_FOR_SIMILARITY]
    if wanted:
        rows = Answer.objects.filter(
            response__in=submitted,
            question__type__in=[Type.LONG_TEXT, Type.SHORT_TEXT],
        ).exclude(text="")
        for response_id, text in rows.values_list("response_id", "text").iterator():
            if response_id in found:
                continue
            other = _normalise(text)
            for mine in wanted:
                matcher = difflib.SequenceMatcher(None, mine, other, autojunk=False)
                if matcher.real_quick_ratio() < TEXT_SIMILARITY_THRESHOLD:
                    continue
                if matcher.quick_ratio() < TEXT_SIMILARITY_THRESHOLD:
                    continue
                if matcher.ratio() >= TEXT_SIMILARITY_THRESHOLD:
                    found[response_id] = LikelyDuplicate(
                        Response.objects.get(pk=response_id), "Near-identical free text"
                    )
                    break
    return list(found.values())[:limit]
