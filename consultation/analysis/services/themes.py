"""The codebook of themes per open question, and people tagging answers with them.

Suggestions (text/themes.py) are never stored or applied by themselves: a person accepts one
(optionally renaming it), and a person tags each answer. Every function checks the Analyst
permission again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from consultation.analysis.models import Theme, ThemeTag
from consultation.analysis.permissions import can_analyse_text
from consultation.analysis.text.themes import ThemeSuggestion
from consultation.surveys.models import Answer
from talklondon.models import User


def _check(user) -> None:
    if not can_analyse_text(user):
        raise PermissionDenied("You cannot manage themes.")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter a name for the theme."})
    if len(name) > 120:
        raise ValidationError({"name": "The theme name must be 120 characters or fewer."})
    return name


def theme_create(
    *,
    actor: User,
    dataset_key: str,
    question_key: str,
    name: str,
    description: str = "",
    suggestion: ThemeSuggestion | None = None,
) -> Theme:
    """Add a theme to a question's codebook, written by hand or accepted from a suggestion."""
    _check(actor)
    name = _clean_name(name)
    try:
        with transaction.atomic():
            return Theme.objects.create(
                dataset_key=dataset_key,
                question_key=str(question_key),
                name=name,
                description=description.strip(),
                origin=Theme.Origin.SUGGESTED if suggestion else Theme.Origin.MANUAL,
                suggested_terms=list(suggestion.terms) if suggestion else [],
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            {"name": "This question already has a theme with that name."}
        ) from None


def theme_accept_suggestion(
    *, actor: User, dataset_key: str, question_key: str, suggestion: ThemeSuggestion, name: str = ""
) -> Theme:
    """Accept a suggested theme, under the person's chosen name (default: its top terms)."""
    return theme_create(
        actor=actor,
        dataset_key=dataset_key,
        question_key=question_key,
        name=name or suggestion.label,
        suggestion=suggestion,
    )


def theme_rename(*, actor: User, theme: Theme, name: str, description: str | None = None) -> Theme:
    _check(actor)
    theme.name = _clean_name(name)
    fields = ["name"]
    if description is not None:
        theme.description = description.strip()
        fields.append("description")
    try:
        with transaction.atomic():
            theme.save(update_fields=fields)
    except IntegrityError:
        raise ValidationError(
            {"name": "This question already has a theme with that name."}
        ) from None
    return theme


def theme_delete(*, actor: User, theme: Theme) -> None:
    """Remove a theme and its tags from the codebook."""
    _check(actor)
    theme.delete()


def _answer_ids(theme: Theme, answer_ids: Iterable[int]) -> list[int]:
    """The ids, checked to be answers to the theme's own question."""
    try:
        ids = sorted({int(i) for i in answer_ids})
    except (TypeError, ValueError):
        raise ValidationError({"answers": "Choose answers from the list."}) from None
    if not ids:
        raise ValidationError({"answers": "Select at least one answer."})
    found = set(
        Answer.objects.filter(pk__in=ids, question_id=int(theme.question_key)).values_list(
            "pk", flat=True
        )
    )
    if found != set(ids):
        raise ValidationError({"answers": "Choose answers to this question only."})
    return ids


def theme_tag_add(*, actor: User, theme: Theme, answer_ids: Iterable[int]) -> int:
    """Tag answers with a theme (a person's decision). Returns how many new tags were made."""
    _check(actor)
    with transaction.atomic():
        ids = _answer_ids(theme, answer_ids)
        existing = set(
            ThemeTag.objects.filter(theme=theme, answer_id__in=ids).values_list(
                "answer_id", flat=True
            )
        )
        new = [
            ThemeTag(theme=theme, answer_id=i, tagged_by=actor) for i in ids if i not in existing
        ]
        ThemeTag.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def theme_tag_remove(*, actor: User, theme: Theme, answer_ids: Iterable[int]) -> int:
    """Take a theme off answers (a person's decision). Returns how many tags went."""
    _check(actor)
    deleted, _ = ThemeTag.objects.filter(theme=theme, answer_id__in=list(answer_ids)).delete()
    return deleted
