"""The survey builder: a survey's details, sections, questions and options, edited by managers
(conditions are in services.conditions).

Once anyone has started answering, changes that would orphan answers or change what they
mean (removing or retyping a question, removing an option) are refused. Wording
corrections are allowed, and every change is written to the survey's change log.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from consultation.surveys.models import Condition, Option, Question, Section, Survey
from consultation.surveys.services.conditions import conditions_order_check
from consultation.surveys.services.survey_changes import (
    LOCKED,
    change_log,
    fields_change,
    manager_required,
    survey_has_responses,
)
from talklondon.models import User

Type = Question.Type


# --- Survey --------------------------------------------------------------------------------


def _survey_fields_check(*, slug: str, opens_at, closes_at, exclude_pk=None) -> None:
    if Survey.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        raise ValidationError({"slug": ["Another survey already uses this web address"]})
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationError({"closes_at": ["The closing time must be after the opening time"]})


@transaction.atomic
def survey_create(
    *,
    actor: User,
    consultation,
    title: str,
    slug: str,
    intro: str = "",
    opens_at=None,
    closes_at=None,
    layout: str = Survey.Layout.PAGES,
) -> Survey:
    """Create an empty survey for a consultation."""
    manager_required(actor)
    _survey_fields_check(slug=slug, opens_at=opens_at, closes_at=closes_at)
    survey = Survey.objects.create(
        consultation=consultation,
        title=title,
        slug=slug,
        intro=intro,
        opens_at=opens_at,
        closes_at=closes_at,
        layout=_layout_check(layout),
    )
    change_log(survey, actor, f"Created the survey “{title}”")
    return survey


def _layout_check(layout: str) -> str:
    if layout not in Survey.Layout.values:
        raise ValidationError({"layout": ["Select how people answer the survey"]})
    return layout


@transaction.atomic
def survey_update(
    *,
    actor: User,
    survey: Survey,
    title: str,
    slug: str,
    intro: str,
    opens_at=None,
    closes_at=None,
    layout: str | None = None,
) -> Survey:
    """Change a survey's title, address, introduction, dates or layout."""
    manager_required(actor)
    _survey_fields_check(slug=slug, opens_at=opens_at, closes_at=closes_at, exclude_pk=survey.pk)
    before, after = fields_change(
        survey,
        {
            "title": title,
            "slug": slug,
            "intro": intro,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "layout": survey.layout if layout is None else _layout_check(layout),
        },
    )
    if before or after:
        # Never write back the structure version this instance was loaded with.
        survey.save(
            update_fields=[
                "title",
                "slug",
                "intro",
                "opens_at",
                "closes_at",
                "layout",
                "updated_at",
            ]
        )
        change_log(survey, actor, "Changed the survey's details", before, after)
    return survey


@transaction.atomic
def survey_publish(*, actor: User, survey: Survey, now=None) -> Survey:
    """Make a draft survey available to respondents (and linked from its consultation).

    A survey with no question has nothing to answer, so it stays a draft.
    """
    manager_required(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_draft:
        return survey
    if not Question.objects.filter(section__survey=survey).exists():
        raise ValidationError("Add at least one question before publishing the survey.")
    if survey.consultation.is_draft:
        # Its start page would show the draft consultation's name to everyone.
        raise ValidationError("Publish the consultation before its survey.")
    survey.published_at = now or timezone.now()
    survey.published_by = actor
    survey.save(update_fields=["published_at", "published_by", "updated_at"])
    change_log(survey, actor, "Published the survey")
    return survey


# --- Moving and removing -------------------------------------------------------------------


def _move(
    instance, siblings, direction: str, *, actor: User, survey: Survey, moved: str, check_order=True
) -> None:
    """Move a section, question or option one place "up" or "down" among `siblings` and log
    it (`moved`); nothing happens at either end. `check_order` refuses (the caller's
    transaction then undoes the move) an order in which a condition would look forwards."""
    items = list(siblings.order_by("position", "pk"))
    index = next(i for i, item in enumerate(items) if item.pk == instance.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    if check_order:
        conditions_order_check(survey)
    change_log(survey, actor, moved)


def _delete(instance, *, actor: User, survey: Survey, refusal: str, removed: str) -> None:
    """Remove a section, question or option unless there is a `refusal`, and log it."""
    if refusal:
        raise ValidationError(refusal)
    instance.delete()
    change_log(survey, actor, removed)


def _next_position(queryset) -> int:
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 1


# --- Sections ------------------------------------------------------------------------------


@transaction.atomic
def section_create(*, actor: User, survey: Survey, title: str, intro: str = "") -> Section:
    """Add a page at the end of the survey."""
    manager_required(actor)
    section = Section.objects.create(
        survey=survey,
        title=title,
        intro=intro,
        position=_next_position(Section.objects.filter(survey=survey)),
    )
    change_log(survey, actor, f"Added the section “{title}”")
    return section


@transaction.atomic
def section_update(*, actor: User, section: Section, title: str, intro: str) -> Section:
    """Correct a section's title or introduction."""
    manager_required(actor)
    before, after = fields_change(section, {"title": title, "intro": intro})
    if before or after:
        section.save()
        change_log(section.survey, actor, f"Changed the section “{section.title}”", before, after)
    return section


def section_delete_refusal(section: Section) -> str:
    """Why removing this section would be refused ("" if it would not), for the confirmation."""
    if section.questions.exists() and survey_has_responses(section.survey):
        return LOCKED.format(
            what="removing this section and its questions", why="throw away their answers"
        )
    if (
        Condition.objects.filter(depends_on__section=section)
        .exclude(question__section=section)
        .exists()
    ):
        return (
            "Another question or section is shown depending on an answer in this section. "
            "Remove that condition first."
        )
    return ""


@transaction.atomic
def section_delete(*, actor: User, section: Section) -> None:
    """Remove a section; refused once people have answered if it has questions."""
    manager_required(actor)
    _delete(
        section,
        actor=actor,
        survey=section.survey,
        refusal=section_delete_refusal(section),
        removed=f"Removed the section “{section.title}”",
    )


@transaction.atomic
def section_move(*, actor: User, section: Section, direction: str) -> None:
    """Move a section one place up or down."""
    manager_required(actor)
    _move(
        section,
        Section.objects.filter(survey=section.survey),
        direction,
        actor=actor,
        survey=section.survey,
        moved=f"Moved the section “{section.title}” {direction}",
    )


# --- Questions -----------------------------------------------------------------------------


class QuestionSettings(TypedDict, total=False):
    """A question's settings that apply to some types only (None or left out: no limit)."""

    min_picks: int | None
    max_picks: int | None
    char_limit: int | None
    min_value: int | None
    max_value: int | None


def _question_config(type: str, settings: QuestionSettings) -> dict:
    """Check the type, keep only the settings that apply to it, and check they make sense."""
    unknown = set(settings) - set(QuestionSettings.__annotations__)
    if unknown:
        raise TypeError(f"Unknown question settings: {', '.join(sorted(unknown))}")
    if type not in Type.values:
        raise ValidationError({"type": ["Select a type of question"]})
    min_picks, max_picks = settings.get("min_picks"), settings.get("max_picks")
    char_limit = settings.get("char_limit")
    min_value, max_value = settings.get("min_value"), settings.get("max_value")
    config = {
        "min_picks": None,
        "max_picks": None,
        "char_limit": None,
        "min_value": None,
        "max_value": None,
    }
    if type == Type.MULTIPLE_CHOICE:
        if min_picks is not None and max_picks is not None and max_picks < min_picks:
            raise ValidationError(
                {"max_picks": ["The most picks must be at least the fewest picks"]}
            )
        config.update(min_picks=min_picks or None, max_picks=max_picks or None)
    if type in (Type.SHORT_TEXT, Type.LONG_TEXT):
        if char_limit is not None and not 1 <= char_limit <= 10000:
            raise ValidationError({"char_limit": ["Set a character limit from 1 to 10,000"]})
        config["char_limit"] = char_limit
    if type == Type.NUMBER:
        if min_value is not None and max_value is not None and max_value < min_value:
            raise ValidationError(
                {"max_value": ["The largest number must be at least the smallest"]}
            )
        config.update(min_value=min_value, max_value=max_value)
    return config


@transaction.atomic
def question_create(
    *,
    actor: User,
    section: Section,
    type: str,
    text: str,
    hint: str = "",
    required: bool = True,
    **settings: Unpack[QuestionSettings],
) -> Question:
    """Add a question at the end of a section."""
    manager_required(actor)
    config = _question_config(type, settings)
    question = Question.objects.create(
        section=section,
        type=type,
        text=text,
        hint=hint,
        required=required,
        position=_next_position(Question.objects.filter(section=section)),
        **config,
    )
    change_log(section.survey, actor, f"Added the question “{text}”")
    return question


@transaction.atomic
def question_update(
    *,
    actor: User,
    question: Question,
    type: str,
    text: str,
    hint: str = "",
    required: bool = True,
    **settings: Unpack[QuestionSettings],
) -> Question:
    """Correct a question's wording or settings. Changing its type is refused once answered."""
    manager_required(actor)
    survey = question.section.survey
    if type != question.type and survey_has_responses(survey):
        raise ValidationError(
            LOCKED.format(
                what="changing the type of this question",
                why="change the meaning of the answers already given",
            )
        )
    if type != question.type and question.dependent_conditions.exists():
        raise ValidationError(
            "Something is shown depending on the answer to this question, so its type cannot "
            "change. Remove that condition first."
        )
    config = _question_config(type, settings)
    before, after = fields_change(
        question, {"type": type, "text": text, "hint": hint, "required": required, **config}
    )
    if before or after:
        question.save()
        change_log(survey, actor, f"Changed the question “{question.text}”", before, after)
    return question


def question_delete_refusal(question: Question) -> str:
    """Why removing this question would be refused ("" if it would not)."""
    if survey_has_responses(question.section.survey):
        return LOCKED.format(what="removing this question", why="throw away their answers")
    if question.dependent_conditions.exists():
        return (
            "Something is shown depending on the answer to this question. "
            "Remove that condition first."
        )
    return ""


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    """Remove a question; refused once people have answered the survey."""
    manager_required(actor)
    _delete(
        question,
        actor=actor,
        survey=question.section.survey,
        refusal=question_delete_refusal(question),
        removed=f"Removed the question “{question.text}”",
    )


@transaction.atomic
def question_move(*, actor: User, question: Question, direction: str) -> None:
    """Move a question one place up or down within its section."""
    manager_required(actor)
    _move(
        question,
        Question.objects.filter(section=question.section),
        direction,
        actor=actor,
        survey=question.section.survey,
        moved=f"Moved the question “{question.text}” {direction}",
    )


# --- Options -------------------------------------------------------------------------------


@transaction.atomic
def option_create(*, actor: User, question: Question, label: str, is_other: bool = False) -> Option:
    """Add an option (or, for a matrix, a statement) at the end of a question's list."""
    manager_required(actor)
    if not question.uses_options:
        raise ValidationError("This type of question does not have options.")
    if is_other:
        if question.type != Type.SINGLE_CHOICE:
            raise ValidationError(
                {"is_other": ["Only single-choice questions can have “Other, please specify”"]}
            )
        if question.options.filter(is_other=True).exists():
            raise ValidationError({"is_other": ["This question already has an “Other” option"]})
    option = Option.objects.create(
        question=question,
        label=label,
        is_other=is_other,
        position=_next_position(Option.objects.filter(question=question)),
    )
    change_log(question.section.survey, actor, f"Added the option “{label}” to “{question.text}”")
    return option


@transaction.atomic
def option_update(*, actor: User, option: Option, label: str) -> Option:
    """Correct an option's wording."""
    manager_required(actor)
    before, after = fields_change(option, {"label": label})
    if before:
        option.save()
        change_log(
            option.question.section.survey,
            actor,
            f"Changed an option of “{option.question.text}”",
            before,
            after,
        )
    return option


def option_delete_refusal(option: Option) -> str:
    """Why removing this option would be refused ("" if it would not)."""
    if survey_has_responses(option.question.section.survey):
        return LOCKED.format(
            what="removing this option",
            why="change the meaning of the answers already given",
        )
    if option.conditions.exists():
        return "Something is shown when this option is chosen. Change that condition first."
    return ""


@transaction.atomic
def option_delete(*, actor: User, option: Option) -> None:
    """Remove an option; refused once people have answered the survey."""
    manager_required(actor)
    _delete(
        option,
        actor=actor,
        survey=option.question.section.survey,
        refusal=option_delete_refusal(option),
        removed=f"Removed the option “{option.label}” from “{option.question.text}”",
    )


@transaction.atomic
def option_move(*, actor: User, option: Option, direction: str) -> None:
    """Move an option one place up or down."""
    manager_required(actor)
    # The order of options decides no condition: no check needed.
    _move(
        option,
        Option.objects.filter(question=option.question),
        direction,
        actor=actor,
        survey=option.question.section.survey,
        moved=f"Moved the option “{option.label}” {direction}",
        check_order=False,
    )
