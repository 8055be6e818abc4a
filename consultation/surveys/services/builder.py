"""The survey builder: sections, questions, options and conditions, edited by managers.

Once anyone has started answering, changes that would orphan answers or change what they
mean (removing or retyping a question, removing an option) are refused. Wording
corrections are allowed, and every change is written to the survey's change log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from consultation.surveys.models import (
    Condition,
    Option,
    Question,
    Response,
    Section,
    Survey,
    SurveyChangeLog,
)
from talklondon.permissions import can_manage_consultations

Type = Question.Type
LOCKED = (
    "People have already answered this survey, so {what} would {why}. "
    "You can still correct wording, or add new questions and options."
)


def _require_manager(user) -> None:
    if not can_manage_consultations(user):
        raise PermissionDenied("Only consultation managers can change surveys.")


def survey_has_responses(survey: Survey) -> bool:
    """Whether anyone has started or submitted a response (drafts hold answers too)."""
    return Response.objects.filter(survey=survey).exists()


def _log(survey: Survey, user, description: str, before: str = "", after: str = "") -> None:
    # Every change goes through here: a new structure version makes respondents' pages
    # load the structure afresh instead of reusing their copy.
    Survey.objects.filter(pk=survey.pk).update(structure_version=F("structure_version") + 1)
    SurveyChangeLog.objects.create(
        survey=survey,
        changed_by=user,
        had_responses=survey_has_responses(survey),
        description=description[:300],
        before=before,
        after=after,
    )


def _changes(instance, fields: dict) -> tuple[str, str]:
    """Set the fields, returning what changed as "before" and "after" text."""
    before, after = [], []
    for name, value in fields.items():
        old = getattr(instance, name)
        if old != value:
            before.append(f"{name}: {old}")
            after.append(f"{name}: {value}")
            setattr(instance, name, value)
    return "\n".join(before), "\n".join(after)


# --- Survey --------------------------------------------------------------------------------


def _survey_fields_check(*, slug: str, opens_at, closes_at, exclude_pk=None) -> None:
    if Survey.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        raise ValidationError({"slug": ["Another survey already uses this web address"]})
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationError({"closes_at": ["The closing time must be after the opening time"]})


@transaction.atomic
def survey_create(
    *,
    user,
    consultation,
    title: str,
    slug: str,
    intro: str = "",
    opens_at=None,
    closes_at=None,
    layout: str = Survey.Layout.PAGES,
) -> Survey:
    """Create an empty survey for a consultation."""
    _require_manager(user)
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
    _log(survey, user, f"Created the survey “{title}”")
    return survey


def _layout_check(layout: str) -> str:
    if layout not in Survey.Layout.values:
        raise ValidationError({"layout": ["Select how people answer the survey"]})
    return layout


@transaction.atomic
def survey_update(
    *,
    user,
    survey: Survey,
    title: str,
    slug: str,
    intro: str,
    opens_at=None,
    closes_at=None,
    layout: str | None = None,
) -> Survey:
    """Change a survey's title, address, introduction, dates or layout."""
    _require_manager(user)
    _survey_fields_check(slug=slug, opens_at=opens_at, closes_at=closes_at, exclude_pk=survey.pk)
    before, after = _changes(
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
        _log(survey, user, "Changed the survey's details", before, after)
    return survey


@transaction.atomic
def survey_publish(*, user, survey: Survey, now=None) -> Survey:
    """Make a draft survey available to respondents (and linked from its consultation).

    A survey with no question has nothing to answer, so it stays a draft.
    """
    _require_manager(user)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_draft:
        return survey
    if not Question.objects.filter(section__survey=survey).exists():
        raise ValidationError("Add at least one question before publishing the survey.")
    survey.published_at = now or timezone.now()
    survey.published_by = user
    survey.save(update_fields=["published_at", "published_by", "updated_at"])
    _log(survey, user, "Published the survey")
    return survey


# --- Order and conditions ------------------------------------------------------------------


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


def _conditions_check(survey: Survey) -> None:
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


def _move(instance, siblings, direction: str) -> bool:
    items = list(siblings.order_by("position", "pk"))
    index = next(i for i, item in enumerate(items) if item.pk == instance.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    return True


def _next_position(queryset) -> int:
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 1


# --- Sections ------------------------------------------------------------------------------


@transaction.atomic
def section_create(*, user, survey: Survey, title: str, intro: str = "") -> Section:
    """Add a page at the end of the survey."""
    _require_manager(user)
    section = Section.objects.create(
        survey=survey,
        title=title,
        intro=intro,
        position=_next_position(Section.objects.filter(survey=survey)),
    )
    _log(survey, user, f"Added the section “{title}”")
    return section


@transaction.atomic
def section_update(*, user, section: Section, title: str, intro: str) -> Section:
    """Correct a section's title or introduction."""
    _require_manager(user)
    before, after = _changes(section, {"title": title, "intro": intro})
    if before or after:
        section.save()
        _log(section.survey, user, f"Changed the section “{section.title}”", before, after)
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
def section_delete(*, user, section: Section) -> None:
    """Remove a section; refused once people have answered if it has questions."""
    _require_manager(user)
    survey = section.survey
    refusal = section_delete_refusal(section)
    if refusal:
        raise ValidationError(refusal)
    title = section.title
    section.delete()
    _log(survey, user, f"Removed the section “{title}”")


@transaction.atomic
def section_move(*, user, section: Section, direction: str) -> None:
    """Move a section one place up or down."""
    _require_manager(user)
    if _move(section, Section.objects.filter(survey=section.survey), direction):
        _conditions_check(section.survey)
        _log(section.survey, user, f"Moved the section “{section.title}” {direction}")


# --- Questions -----------------------------------------------------------------------------


def _question_config(*, type: str, min_picks, max_picks, char_limit, min_value, max_value) -> dict:
    """Keep only the settings that apply to this type, and check they make sense."""
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
    user,
    section: Section,
    type: str,
    text: str,
    hint: str = "",
    required: bool = True,
    min_picks=None,
    max_picks=None,
    char_limit=None,
    min_value=None,
    max_value=None,
) -> Question:
    """Add a question at the end of a section."""
    _require_manager(user)
    if type not in Type.values:
        raise ValidationError({"type": ["Select a type of question"]})
    config = _question_config(
        type=type,
        min_picks=min_picks,
        max_picks=max_picks,
        char_limit=char_limit,
        min_value=min_value,
        max_value=max_value,
    )
    question = Question.objects.create(
        section=section,
        type=type,
        text=text,
        hint=hint,
        required=required,
        position=_next_position(Question.objects.filter(section=section)),
        **config,
    )
    _log(section.survey, user, f"Added the question “{text}”")
    return question


@transaction.atomic
def question_update(
    *,
    user,
    question: Question,
    type: str,
    text: str,
    hint: str = "",
    required: bool = True,
    min_picks=None,
    max_picks=None,
    char_limit=None,
    min_value=None,
    max_value=None,
) -> Question:
    """Correct a question's wording or settings. Changing its type is refused once answered."""
    _require_manager(user)
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
    if type not in Type.values:
        raise ValidationError({"type": ["Select a type of question"]})
    config = _question_config(
        type=type,
        min_picks=min_picks,
        max_picks=max_picks,
        char_limit=char_limit,
        min_value=min_value,
        max_value=max_value,
    )
    before, after = _changes(
        question, {"type": type, "text": text, "hint": hint, "required": required, **config}
    )
    if before or after:
        question.save()
        _log(survey, user, f"Changed the question “{question.text}”", before, after)
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
def question_delete(*, user, question: Question) -> None:
    """Remove a question; refused once people have answered the survey."""
    _require_manager(user)
    survey = question.section.survey
    refusal = question_delete_refusal(question)
    if refusal:
        raise ValidationError(refusal)
    text = question.text
    question.delete()
    _log(survey, user, f"Removed the question “{text}”")


@transaction.atomic
def question_move(*, user, question: Question, direction: str) -> None:
    """Move a question one place up or down within its section."""
    _require_manager(user)
    survey = question.section.survey
    if _move(question, Question.objects.filter(section=question.section), direction):
        _conditions_check(survey)
        _log(survey, user, f"Moved the question “{question.text}” {direction}")


# --- Options -------------------------------------------------------------------------------


@transaction.atomic
def option_create(*, user, question: Question, label: str, is_other: bool = False) -> Option:
    """Add an option (or, for a matrix, a statement) at the end of a question's list."""
    _require_manager(user)
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
    _log(question.section.survey, user, f"Added the option “{label}” to “{question.text}”")
    return option


@transaction.atomic
def option_update(*, user, option: Option, label: str) -> Option:
    """Correct an option's wording."""
    _require_manager(user)
    before, after = _changes(option, {"label": label})
    if before:
        option.save()
        _log(
            option.question.section.survey,
            user,
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
def option_delete(*, user, option: Option) -> None:
    """Remove an option; refused once people have answered the survey."""
    _require_manager(user)
    question = option.question
    survey = question.section.survey
    refusal = option_delete_refusal(option)
    if refusal:
        raise ValidationError(refusal)
    label = option.label
    option.delete()
    _log(survey, user, f"Removed the option “{label}” from “{question.text}”")


@transaction.atomic
def option_move(*, user, option: Option, direction: str) -> None:
    """Move an option one place up or down."""
    _require_manager(user)
    if _move(option, Option.objects.filter(question=option.question), direction):
        _log(option.question.section.survey, user, f"Moved the option “{option.label}” {direction}")


# --- Conditions ----------------------------------------------------------------------------


@transaction.atomic
def condition_set(
    *,
    user,
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
    _require_manager(user)
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
    _log(
        survey,
        user,
        f"Set when “{target}” is shown",
        before and f"depended on question {before}",
        f"shown when “{depends_on.text}” is {labels}",
    )
    return condition


@transaction.atomic
def condition_clear(*, user, question: Question | None = None, section: Section | None = None):
    """Always show the question or section."""
    _require_manager(user)
    target = question or section
    survey = (question.section if question else section).survey
    deleted, _ = (
        Condition.objects.filter(question=question)
        if question
        else Condition.objects.filter(section=section)
    ).delete()
    if deleted:
        _log(survey, user, f"“{target}” is now always shown")
