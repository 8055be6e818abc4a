"""A question's options edited as one list, in the same form as the question.

The list is the whole truth: options whose label is still in it are kept (so their answers
stay attached), new labels are added, labels no longer there are removed (refused, with the
reason, once people have answered), and the order is the list's order. Correcting the wording
of an option people have already chosen is done with the option's own "Edit", which keeps it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from consultation.surveys.models import Option, Question
from consultation.surveys.services.builder import option_delete_refusal
from consultation.surveys.services.survey_changes import change_log, manager_required
from talklondon.models import User

Type = Question.Type
MAX_OPTIONS = 50


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


@transaction.atomic
def question_options_set(
    *, actor: User, question: Question, labels: list[str], other: str = ""
) -> list[Option]:
    """Make the question's options exactly `labels` in that order, plus "Other, please
    specify" (`other`, single choice only) last."""
    manager_required(actor)
    if not question.uses_options:
        return []
    labels = [" ".join(label.split()) for label in labels if label.strip()]
    other = " ".join(other.split())
    if other and question.type != Type.SINGLE_CHOICE:
        raise ValidationError(
            {"other": ["Only single-choice questions can have “Other, please specify”"]}
        )
    wanted = labels + ([other] if other else [])
    if len(wanted) > MAX_OPTIONS:
        raise ValidationError({"options": [f"Enter {MAX_OPTIONS} options or fewer"]})
    seen: set[str] = set()
    for label in wanted:
        if len(label) > 300:
            raise ValidationError({"options": [f"“{label[:40]}…” is longer than 300 characters"]})
        if _key(label) in seen:
            raise ValidationError({"options": [f"“{label}” is listed twice"]})
        seen.add(_key(label))

    existing = list(question.options.order_by("position", "pk"))
    by_key = {(_key(o.label), o.is_other): o for o in existing}
    keep: list[Option] = []
    for label in labels:
        keep.append(by_key.pop((_key(label), False), None) or Option(label=label))
    if other:
        keep.append(by_key.pop((_key(other), True), None) or Option(label=other, is_other=True))

    survey = question.section.survey
    for option in by_key.values():  # no longer listed: removed, if that is allowed
        refusal = option_delete_refusal(option)
        if refusal:
            raise ValidationError({"options": [f"“{option.label}” cannot be removed. {refusal}"]})
    for option in by_key.values():
        option.delete()
        change_log(survey, actor, f"Removed the option “{option.label}” from “{question.text}”")

    before = [o.label for o in existing]
    for position, option in enumerate(keep, start=1):
        if option.pk is None:
            option.question = question
            option.position = position
            option.save()
            change_log(survey, actor, f"Added the option “{option.label}” to “{question.text}”")
        elif option.position != position:
            option.position = position
            option.save(update_fields=["position"])
    after = [o.label for o in keep]
    if before != after and [b for b in before if b in after] != [a for a in after if a in before]:
        change_log(
            survey,
            actor,
            f"Reordered the options of “{question.text}”",
            "\n".join(before),
            "\n".join(after),
        )
    return keep
