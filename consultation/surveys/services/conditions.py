"""Conditions: a question or section shown only when an earlier answer matches.

Conditions only look backwards (a section or question depends on one that comes before it),
so one pass in order settles which are shown; every change of order is checked against that.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from consultation.surveys.models import Condition, Option, Question, Section, Survey
from consultation.surveys.services.survey_changes import change_log, manager_required
from talklondon.models import User


def _order_keys(survey: Survey) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    sections = list(Section.objects.filter(survey=survey).order_by("position", "pk"))
    section_index = {s.pk: i for i, s in enumerate(sections)}
    questions = Question.objects.filter(section__survey=survey).order_by(
        "section_id", "position", "pk"
    )
    question_key: dict[int, tuple[int, int]] = {}
    per_section: dict[int, int] = {}
    for q in questions:
        index = per_section.get(q.section_id, 0)
        per_section[q.section_id] = index + 1
        question_key[q.pk] = (section_index[q.section_id], index)
    return section_index, question_key


def _condition_problem(condition: Condition, section_index: dict, question_key: dict) -> str | None:
    source = question_key.get(condition.depends_on_id)
    if source is None:
        return "The question it depends on is not in this survey."
    if condition.question_id:
        if source >= question_key[condition.question_id]:
            return "A question can only depend on a question that comes before it."
    elif source[0] >= section_index[condition.section_id]:
        return "A section can only depend on a question in an earlier section."
    return None


def conditions_order_check(survey: Survey) -> None:
    """Refuse an order in which some condition would look forwards."""
    section_index, question_key = _order_keys(survey)
    conditions = Condition.objects.filter(depends_on__section__survey=survey).select_related(
        "question", "section", "depends_on"
    )
    for condition in conditions:
        problem = _condition_problem(condition, section_index, question_key)
        if problem:
            target = condition.question or condition.section
            raise ValidationError(
                f"That move would put “{target}” before “{condition.depends_on.text}”, which "
                "decides whether it is shown. Change or remove the condition first."
            )


@transaction.atomic
def condition_set(
    *,
    actor: User,
    depends_on: Question,
    question: Question | None = None,
    section: Section | None = None,
    option_ids: list[int] | None = None,
    boolean_value: bool | None = None,
) -> Condition:
    """Show `question` or `section` only when the answer to `depends_on` matches.

    Choice questions match any of `option_ids`; yes/no and organisation questions match
    `boolean_value`. The question depended on must come earlier.
    """
    manager_required(actor)
    if (question is None) == (section is None):
        raise ValidationError("Choose one question or one section to show conditionally.")
    survey = (question.section if question else section).survey
    if depends_on.section.survey_id != survey.pk:
        raise ValidationError({"depends_on": ["Choose a question from this survey"]})
    option_ids = list(option_ids or [])
    if depends_on.type in Question.CONDITION_OPTION_TYPES:
        valid = set(depends_on.options.values_list("pk", flat=True))
        if not option_ids or not set(option_ids) <= valid:
            raise ValidationError(
                {"option_ids": ["Select at least one of that question's options"]}
            )
        boolean_value = None
    elif depends_on.type in Question.CONDITION_BOOLEAN_TYPES:
        if boolean_value is None:
            raise ValidationError({"boolean_value": ["Select which answer shows it"]})
        option_ids = []
    else:
        raise ValidationError(
            {"depends_on": ["Conditions can depend on choice, yes/no or organisation questions"]}
        )
    target = question or section
    condition = (
        Condition.objects.filter(question=question).first()
        if question
        else Condition.objects.filter(section=section).first()
    )
    if condition is None:
        condition = Condition(question=question, section=section)
    before = str(condition.depends_on_id or "")
    condition.depends_on = depends_on
    condition.boolean_value = boolean_value
    section_index, question_key = _order_keys(survey)
    problem = _condition_problem(condition, section_index, question_key)
    if problem:
        raise ValidationError({"depends_on": [problem]})
    condition.save()
    condition.options.set(option_ids)
    labels = ", ".join(
        Option.objects.filter(pk__in=option_ids).values_list("label", flat=True)
    ) or ("Yes" if boolean_value else "No")
    change_log(
        survey,
        actor,
        f"Set when “{target}” is shown",
        before and f"depended on question {before}",
        f"shown when “{depends_on.text}” is {labels}",
    )
    return condition


@transaction.atomic
def condition_clear(
    *, actor: User, question: Question | None = None, section: Section | None = None
):
    """Always show the question or section."""
    manager_required(actor)
    target = question or section
    survey = (question.section if question else section).survey
    deleted, _ = (
        Condition.objects.filter(question=question)
        if question
        else Condition.objects.filter(section=section)
    ).delete()
    if deleted:
        change_log(survey, actor, f"“{target}” is now always shown")
