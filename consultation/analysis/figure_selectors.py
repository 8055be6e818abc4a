"""Selectors for the figures: dashboard counts, cross-tabulations and the anchors of the
published results page.

Everything is counted in the database (values().annotate(Count)) with a fixed number of
queries per page: the per-question counts come from the surveys app's `results_summary`
(a constant number of queries whatever the number of questions), and a cross-tabulation is
one or two queries. The geometry of the charts is in chart_geometry.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.db.models import Count

from consultation.analysis.chart_geometry import column_chart
from consultation.surveys.models import (
    SCALE_CHOICES,
    Answer,
    AnswerChoice,
    Question,
    Response,
    Survey,
)
from consultation.surveys.selectors import (
    DUPLICATES_EXCLUDE,
    DUPLICATES_ONLY,
    FiguresAsOf,
    FiguresFingerprint,
    figures_cached,
    figures_fingerprint,
    results_summary_cached,
    survey_structure,
)
from talklondon.areas import borough_choices
from talklondon.converters import ascii_int

Type = Question.Type
# Questions that can be cross-tabulated (answers from a fixed list).
CROSSTAB_TYPES = (
    Type.SINGLE_CHOICE,
    Type.MULTIPLE_CHOICE,
    Type.AGREEMENT,
    Type.YES_NO,
    Type.ORGANISATION,
)
BY_BOROUGH = "borough"
BY_CHANNEL = "channel"
TEXT_TYPES = (Type.SHORT_TEXT, Type.LONG_TEXT)


def survey_figures(
    survey: Survey,
    *,
    channel: str = "",
    duplicates: str = "",
    fingerprint: FiguresFingerprint | None = None,
) -> dict:
    """Responses per day and by channel, and counts per answer for every choice question.

    Adds to `results_summary` the per-day column chart geometry, a question number and how
    many submitted responses are flagged as likely duplicates. The counts are kept under the
    survey's figures fingerprint (consultation/surveys/selectors.py), which itself counts the
    likely duplicates: seconds at 100,000 responses, so a colleague's view or another filter
    after no change is quick.
    """
    fingerprint = fingerprint or figures_fingerprint(survey)
    summary = results_summary_cached(
        survey, channel=channel, duplicates=duplicates, fingerprint=fingerprint
    )
    summary["likely_duplicates"] = fingerprint.likely_duplicates
    numbers = {q.pk: n for n, q in enumerate(summary["structure"].questions, start=1)}
    for result in summary["questions"]:
        result.number = numbers[result.question.pk]
    summary["day_chart"] = column_chart([(d["day"], d["n"]) for d in summary["per_day"]])
    summary["numbers"] = numbers
    return summary


# --- Cross-tabulation -------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Where a choice question's answers are, relative to a base queryset of rows."""

    model: type
    field: str  # the value, on the row model
    response: str  # path from the row model to the Response
    labels: list[tuple[object, str]]


def _source(question: Question, options: list) -> _Source:
    labels = [(o.pk, o.label) for o in options]
    if question.type == Type.MULTIPLE_CHOICE:
        return _Source(AnswerChoice, "option_id", "answer__response", labels)
    if question.type == Type.SINGLE_CHOICE:
        return _Source(Answer, "option_id", "response", labels)
    if question.type == Type.AGREEMENT:
        return _Source(Answer, "scale_point", "response", list(SCALE_CHOICES))
    if question.type == Type.YES_NO:
        return _Source(Answer, "boolean", "response", [(True, "Yes"), (False, "No")])
    if question.type == Type.ORGANISATION:
        return _Source(
            Answer, "boolean", "response", [(False, "As an individual"), (True, "Organisation")]
        )
    raise ValueError(f"Question {question.pk} cannot be cross-tabulated.")


def _question_field(question: Question) -> str:
    """The value of an answer to `question`, as a path from Answer."""
    return {
        Type.MULTIPLE_CHOICE: "choices__option_id",
        Type.SINGLE_CHOICE: "option_id",
        Type.AGREEMENT: "scale_point",
        Type.YES_NO: "boolean",
        Type.ORGANISATION: "boolean",
        Type.BOROUGH: "text",
    }[question.type]


@dataclass
class CrossTab:
    """Counts of answers (columns) within groups (rows), with each group's respondents."""

    question: Question
    by_label: str
    columns: list[tuple[object, str]]
    rows: list[tuple[object, str]]
    counts: dict[tuple[object, object], int]
    answered: dict[object, int]
    # What the staff dashboard's copy counts and when (crosstab_cached); None when counted now.
    as_of: FiguresAsOf | None = None

    @property
    def table(self) -> list[dict]:
        """Rows for templates: label, cells [(count, percent of the group)], group total."""
        result = []
        for key, label in self.rows:
            total = self.answered.get(key, 0)
            cells = [
                (
                    self.counts.get((key, column), 0),
                    round(100 * self.counts.get((key, column), 0) / total, 1) if total else 0,
                )
                for column, _ in self.columns
            ]
            result.append({"key": key, "label": label, "cells": cells, "total": total})
        return result

    def as_mapping(self) -> dict[str, dict[str, int]]:
        """{group label: {answer label: count}}, for the suppressed published tables."""
        return {
            label: {
                column_label: self.counts.get((key, column), 0)
                for column, column_label in self.columns
            }
            for key, label in self.rows
        }


def crosstab_choices(structure) -> tuple[list[Question], list[tuple[str, str]]]:
    """(questions that can be cross-tabulated, the "by" choices) for a survey's structure."""
    questions = [q for q in structure.questions if q.type in CROSSTAB_TYPES]
    by = []
    if any(q.type == Type.BOROUGH for q in structure.questions):
        by.append((BY_BOROUGH, "Borough"))
    by.append((BY_CHANNEL, "Channel"))
    numbers = {q.pk: n for n, q in enumerate(structure.questions, start=1)}
    by += [(f"q{q.pk}", f"Q{numbers[q.pk]}. {q.text}") for q in questions]
    return questions, by


def crosstab(
    survey: Survey,
    structure,
    *,
    question: Question,
    by: str,
    channel: str = "",
    duplicates: str = "",
    all_groups: bool = False,
) -> CrossTab:
    """Cross-tabulate a choice question by borough, channel or another choice question.

    Counts submitted responses; a respondent who picked several options of a multiple-choice
    question counts once in each. Two queries: the counts, and each group's respondents.
    Raises ValueError for a question or grouping that cannot be used.
    """
    options = structure.options_by_question
    source = _source(question, options.get(question.pk, []))
    response = source.response
    rows_base = source.model.objects.filter(
        **{
            f"{response}__survey": survey,
            f"{response}__status": Response.Status.SUBMITTED,
            ("answer__question" if source.model is AnswerChoice else "question"): question,
        }
    )
    answered_base = Answer.objects.filter(
        question=question, response__survey=survey, response__status=Response.Status.SUBMITTED
    )
    if channel:
        rows_base = rows_base.filter(**{f"{response}__channel": channel})
        answered_base = answered_base.filter(response__channel=channel)
    if duplicates in (DUPLICATES_EXCLUDE, DUPLICATES_ONLY):
        flagged = duplicates == DUPLICATES_ONLY
        rows_base = rows_base.filter(**{f"{response}__likely_duplicate_of__isnull": not flagged})
        answered_base = answered_base.filter(response__likely_duplicate_of__isnull=not flagged)

    if by == BY_CHANNEL:
        group_rows = list(Response.Channel.choices)
        group_path, answered_path = f"{response}__channel", "response__channel"
        by_label = "Channel"
    else:
        if by == BY_BOROUGH:
            other = next((q for q in structure.questions if q.type == Type.BOROUGH), None)
            if other is None:
                raise ValueError("This survey has no borough question.")
            group_rows = borough_choices()
            by_label = "Borough"
        else:
            other_id = ascii_int(by[1:]) if by.startswith("q") else None
            other = structure.question(other_id) if other_id else None
            if other is None or other.type not in CROSSTAB_TYPES or other.pk == question.pk:
                raise ValueError("Choose another choice question.")
            group_rows = _source(other, options.get(other.pk, [])).labels
            numbers = {q.pk: n for n, q in enumerate(structure.questions, start=1)}
            by_label = f"Q{numbers[other.pk]}. {other.text}"
        field = _question_field(other)
        # filter() and values() on the same relation share one join: the other answer of the
        # same response.
        rows_base = rows_base.filter(**{f"{response}__answers__question": other})
        answered_base = answered_base.filter(response__answers__question=other)
        group_path = f"{response}__answers__{field}"
        answered_path = f"response__answers__{field}"

    counts = {
        (group, value): n
        for value, group, n in rows_base.order_by()
        .values(source.field, group_path)
        .annotate(n=Count("pk"))
        .values_list(source.field, group_path, "n")
    }
    answered = dict(
        answered_base.order_by()
        .values(answered_path)
        .annotate(n=Count("response_id", distinct=True))
        .values_list(answered_path, "n")
    )
    if by == BY_BOROUGH and not all_groups:
        group_rows = [(code, name) for code, name in group_rows if answered.get(code)]
    return CrossTab(
        question=question,
        by_label=by_label,
        columns=source.labels,
        rows=group_rows,
        counts=counts,
        answered=answered,
    )


def crosstab_figures(
    survey: Survey, structure, question_id: int, by: str, channel: str, duplicates: str
) -> CrossTab:
    """The "crosstab" kind of staff figures (registered in apps.py), from plain values."""
    structure = structure if structure is not None else survey_structure(survey)
    question = structure.question(question_id)
    if question is None:
        raise ValueError("Choose a question of this survey.")
    return crosstab(
        survey, structure, question=question, by=by, channel=channel, duplicates=duplicates
    )


def crosstab_cached(
    survey: Survey,
    structure,
    *,
    question: Question,
    by: str,
    fingerprint: FiguresFingerprint,
    channel: str = "",
    duplicates: str = "",
) -> CrossTab:
    """`crosstab` for the staff dashboard, kept under the survey's figures fingerprint, with
    `as_of` saying what it counts (never for published results: a release counts afresh).
    Raises ValueError as `crosstab` does."""
    table, as_of = figures_cached(
        "crosstab",
        fingerprint,
        (question.pk, by, channel, duplicates),
        survey=survey,
        structure=structure,
    )
    return dataclasses.replace(table, as_of=as_of)


# --- Anchors of the published results page ---------------------------------------------


def results_anchors(consultation) -> list[tuple[str, str]]:
    """(anchor, description) of every question's figures on the results page, so that the
    "You said" text can cite them. The figures themselves come from the stored release
    (results_tables.py)."""
    anchors = []
    for index, survey in enumerate(Survey.objects.filter(consultation=consultation).order_by("pk")):
        prefix = "" if index == 0 else f"survey-{survey.pk}-"
        structure = survey_structure(survey)
        for number, question in enumerate(structure.questions, start=1):
            if question.type in TEXT_TYPES:
                anchors.append(
                    (f"{prefix}themes-{number}", f"Themes in Q{number}. {question.text}")
                )
            elif question.type in (*CROSSTAB_TYPES, Type.RANKING, Type.MATRIX, Type.BOROUGH):
                anchors.append(
                    (f"{prefix}question-{number}", f"Figures for Q{number}. {question.text}")
                )
    return anchors
