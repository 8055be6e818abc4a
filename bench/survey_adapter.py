"""The survey's side of the submission-spike benchmark (bench/submission_spike.py).

The benchmark drives the real respondent journey over HTTP, as a signed-in person's browser
would: start the response, post every page of the survey, then submit from "check your answers".
This module tells it which requests make one full submission, how to recognise that a response
was kept, how to count what was stored, and the raw SQL its baseline writes for the same rows.

Each run builds its own copy of the demo ANPR survey (every question type, with its branching),
open for a month, so that respondents from earlier runs never meet a response they already
submitted and each run's receipts can be told apart by the survey's title.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from consultation.surveys.answers import Structure, answer_problems, visibility
from consultation.surveys.forms import value_to_data
from consultation.surveys.models import (
    Answer,
    AnswerChoice,
    Question,
    Response,
    ResponseVersion,
    Survey,
)
from consultation.surveys.pages import visible_sections
from consultation.surveys.selectors import response_snapshot, survey_structure
from demo.surveys import consultation_ensure, survey_build

Type = Question.Type
BENCH_SLUG_PREFIX = "bench-survey-"


@dataclass(frozen=True)
class Step:
    """One POST of the journey and the redirect that shows it was accepted."""

    path: str
    fields: list[tuple[str, str]]
    expect: str  # a successful answer redirects to a Location containing this


def full_answers(structure: Structure) -> dict[int, dict]:
    """An answer to every question (saying yes where a yes opens more questions)."""
    answers: dict[int, dict] = {}
    for question in structure.questions:
        options = structure.options_by_question.get(question.pk, [])
        plain = [o for o in options if not o.is_other]
        t = question.type
        if t == Type.ORGANISATION:
            value = {"boolean": False, "text": "", "detail": ""}
        elif t == Type.AGREEMENT:
            value = {"scale": 4}
        elif t == Type.MATRIX:
            value = {"scales": [[o.pk, 4] for o in options]}
        elif t == Type.RANKING:
            value = {"ranks": [[o.pk, rank] for rank, o in enumerate(options, start=1)]}
        elif t == Type.SINGLE_CHOICE:
            value = {"option": plain[0].pk, "text": ""}
        elif t == Type.MULTIPLE_CHOICE:
            picks = max(1, min(2, question.max_picks or 2))
            value = {"options": [o.pk for o in plain[:picks]]}
        elif t == Type.YES_NO:
            value = {"boolean": True}
        elif t == Type.NUMBER:
            low = question.min_value or 0
            value = {"number": min(low + 3, question.max_value or low + 3)}
        elif t == Type.BOROUGH:
            value = {"text": "E09000033"}
        elif t == Type.POSTCODE_DISTRICT:
            value = {"text": "SW1A"}
        elif t == Type.LONG_TEXT:
            value = {"text": "I support this with independent oversight and short retention."}
        else:
            value = {"text": "Car"}
        answers[question.pk] = value
    return answers


@dataclass
class SurveyBench:
    # The survey layouts the spike runs, one after the other ("check your answers" either way).
    LAYOUTS = ("pages", "one_page")

    survey: Survey | None = None
    structure: Structure | None = None
    answers: dict[int, dict] = field(default_factory=dict)
    _journey: list[Step] = field(default_factory=list)
    _answer_rows: list[tuple] = field(default_factory=list)
    _choice_rows: dict[int, list[tuple]] = field(default_factory=dict)
    _snapshot: str = ""

    def prepare(self, layout: str = "pages") -> None:
        """Build this run's open survey and work out the journey through it."""
        now = timezone.now()
        stamp = now.strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
        with transaction.atomic():
            survey = survey_build(
                consultation_ensure(historical=False), slug=f"{BENCH_SLUG_PREFIX}{stamp}"
            )
            survey.title = f"Bench survey {stamp}"
            survey.opens_at = now - dt.timedelta(days=1)
            survey.closes_at = now + dt.timedelta(days=30)
            survey.layout = layout
            survey.save(update_fields=["title", "opens_at", "closes_at", "layout"])
        self.survey = survey
        self.structure = structure = survey_structure(survey)
        self.answers = full_answers(structure)
        _, visible = visibility(structure, self.answers)
        for question in structure.questions:
            problems = answer_problems(structure, question, self.answers[question.pk])
            if problems or question.pk not in visible:
                raise RuntimeError(f"bench answers do not fit question {question.pk}: {problems}")
        self._journey = self._steps()
        self._raw_rows()

    def _steps(self) -> list[Step]:
        slug = self.survey.slug
        # The pages the respondent's answers show, by the same rule as the survey's own views.
        sections = visible_sections(self.structure, self.answers)

        def section_path(section) -> str:
            return reverse("surveys:section", kwargs={"slug": slug, "section_id": section.pk})

        check = reverse("surveys:check", kwargs={"slug": slug})
        confirmation = reverse("surveys:confirmation", kwargs={"slug": slug})
        if self.survey.is_one_page:
            # Every answer in one POST (which starts the response), then the submit.
            fields = []
            for question in self.structure.questions:
                fields += self._fields(question)
            return [
                Step(reverse("surveys:one_page", kwargs={"slug": slug}), fields, check),
                Step(check, [], confirmation),
            ]
        steps = [
            Step(reverse("surveys:begin", kwargs={"slug": slug}), [], section_path(sections[0]))
        ]
        for index, section in enumerate(sections):
            fields: list[tuple[str, str]] = []
            for question in self.structure.questions_by_section.get(section.pk, []):
                fields += self._fields(question)
            following = sections[index + 1] if index + 1 < len(sections) else None
            steps.append(
                Step(section_path(section), fields, section_path(following) if following else check)
            )
        # The token makes the final POST idempotent; each respondent's is filled in per journey.
        steps.append(Step(check, [], confirmation))
        return steps

    def _fields(self, question) -> list[tuple[str, str]]:
        fields = []
        for name, value in value_to_data(
            self.structure, question, self.answers[question.pk]
        ).items():
            values = value if isinstance(value, list) else [value]
            fields += [(name, str(v)) for v in values]
        return fields

    # --- The harness's interface (see SurveyAdapter in bench/submission_spike.py) ------------

    def steps(self, respondent: int, token: str) -> list[Step]:
        """The POSTs of one full submission, in order; the last one submits the response."""
        *pages, submit = self._journey
        return [*pages, Step(submit.path, [("token", token)], submit.expect)]

    def stored_counts(self, user_ids: list[int]) -> dict[int, int]:
        """Versions stored per respondent: 1 for a kept response, 2 or more if it was doubled."""
        rows = (
            ResponseVersion.objects.filter(
                response__survey=self.survey,
                response__respondent_id__in=user_ids,
                response__status=Response.Status.SUBMITTED,
            )
            .values("response__respondent_id")
            .annotate(n=Count("id"))
        )
        counts = {row["response__respondent_id"]: row["n"] for row in rows}
        # A second response row for one person would be a duplicate too (the database forbids it).
        doubled = (
            Response.objects.filter(survey=self.survey, respondent_id__in=user_ids)
            .values("respondent_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        for row in doubled:
            counts[row["respondent_id"]] = max(counts.get(row["respondent_id"], 0), row["n"])
        return counts

    def half_written(self, user_ids: list[int]) -> int:
        """Submitted responses that do not hold every answer given (there must be none)."""
        expected = len(self.answers)
        return (
            Response.objects.filter(
                survey=self.survey,
                respondent_id__in=user_ids,
                status=Response.Status.SUBMITTED,
            )
            .annotate(n=Count("answers"))
            .exclude(n=expected)
            .count()
        )

    def receipt_subject(self) -> str:
        return f"Your response to {self.survey.title}:"

    # --- The raw baseline: the same rows, one transaction per response ----------------------

    def _raw_rows(self) -> None:
        structure = self.structure
        self._answer_rows, self._choice_rows = [], {}
        for qid, value in self.answers.items():
            t = structure.question(qid).type
            row = {"option": None, "text": "", "detail": "", "number": None, "boolean": None}
            row["scale"] = None
            if t == Type.SINGLE_CHOICE:
                row.update(option=value["option"], text=value.get("text", ""))
            elif t == Type.AGREEMENT:
                row["scale"] = value["scale"]
            elif t == Type.NUMBER:
                row["number"] = value["number"]
            elif t == Type.YES_NO:
                row["boolean"] = value["boolean"]
            elif t == Type.ORGANISATION:
                row.update(boolean=value["boolean"], text=value["text"], detail=value["detail"])
            elif "text" in value:
                row["text"] = value["text"]
            self._answer_rows.append(
                (
                    qid,
                    row["option"],
                    row["text"],
                    row["detail"],
                    row["number"],
                    row["boolean"],
                    row["scale"],
                )
            )
            if t == Type.MULTIPLE_CHOICE:
                self._choice_rows[qid] = [(o, None, None) for o in value["options"]]
            elif t == Type.MATRIX:
                self._choice_rows[qid] = [(o, None, s) for o, s in value["scales"]]
            elif t == Type.RANKING:
                self._choice_rows[qid] = [(o, r, None) for o, r in value["ranks"]]
        self._snapshot = json.dumps(response_snapshot(structure, self.answers))

    def raw_insert(self, cursor, *, user_id: int, respondent: int) -> None:
        """The response, its answers, their choices and its first version, in plain SQL."""
        now = dt.datetime.now(dt.UTC)
        cursor.execute(
            f"INSERT INTO {Response._meta.db_table} (survey_id, respondent_id, respondent_name,"  # noqa: S608
            " status, reference, channel, channel_reference, scan, submit_token, created_at,"
            " submitted_at, updated_at) VALUES (%s, %s, '', 'submitted', %s, 'online', '', '',"
            " %s, %s, %s, %s) RETURNING id",
            [
                self.survey.pk,
                user_id,
                f"TB-{secrets.token_hex(6)}",
                secrets.token_hex(16),
                now,
                now,
                now,
            ],
        )
        response_id = cursor.fetchone()[0]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(self._answer_rows))
        params: list = []
        for row in self._answer_rows:
            params += [response_id, *row]
        cursor.execute(
            f"INSERT INTO {Answer._meta.db_table} (response_id, question_id, option_id, text,"  # noqa: S608
            f" detail, number, boolean, scale_point) VALUES {values} RETURNING id, question_id",
            params,
        )
        answer_ids = {question_id: answer_id for answer_id, question_id in cursor.fetchall()}
        choices: list = []
        for qid, rows in self._choice_rows.items():
            for option_id, rank, scale in rows:
                choices += [answer_ids[qid], option_id, rank, scale]
        if choices:
            values = ", ".join(["(%s, %s, %s, %s)"] * (len(choices) // 4))
            cursor.execute(
                f"INSERT INTO {AnswerChoice._meta.db_table} (answer_id, option_id, rank,"  # noqa: S608
                f" scale_point) VALUES {values}",
                choices,
            )
        cursor.execute(
            f"INSERT INTO {ResponseVersion._meta.db_table} (response_id, number, created_at,"  # noqa: S608
            " answers) VALUES (%s, 1, %s, %s)",
            [response_id, now, self._snapshot],
        )

    def raw_cleanup(self, cursor) -> None:
        """Delete the baseline's rows (the reference numbers it used start with TB-)."""
        table = Response._meta.db_table
        mine = f"SELECT id FROM {table} WHERE survey_id = %s AND reference LIKE 'TB-%%'"  # noqa: S608
        answers = f"SELECT id FROM {Answer._meta.db_table} WHERE response_id IN ({mine})"  # noqa: S608
        cursor.execute(
            f"DELETE FROM {AnswerChoice._meta.db_table} WHERE answer_id IN ({answers})",  # noqa: S608
            [self.survey.pk],
        )
        for model in (Answer, ResponseVersion):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE response_id IN ({mine})",  # noqa: S608
                [self.survey.pk],
            )
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({mine})", [self.survey.pk])  # noqa: S608


def adapter() -> SurveyBench:
    return SurveyBench()
