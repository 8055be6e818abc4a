"""Setting up a statements activity and seeding its first statements. Consultation managers."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from consultation.models import Consultation
from consultation.services.public_pages import consultation_pages_changed
from consultation.statements.models import Statement, StatementsActivity
from consultation.statements.permissions import can_manage_statements
from consultation.statements.services.text import statement_text_clean
from talklondon.models import User


def _require_manager(actor: User) -> None:
    if not can_manage_statements(actor):
        raise PermissionDenied("Only consultation managers can set up statements.")


@transaction.atomic
def statements_activity_save(
    *,
    actor: User,
    consultation: Consultation,
    introduction: str,
    opens_at: datetime,
    closes_at: datetime,
) -> StatementsActivity:
    """Create or change the statements activity of a consultation, with its own dates."""
    _require_manager(actor)
    introduction = (introduction or "").strip()
    errors = {}
    if not introduction:
        errors["introduction"] = "Enter what people are asked to react to."
    elif len(introduction) > 2000:
        errors["introduction"] = "The introduction must be 2,000 characters or fewer."
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = "The closing date must be after the opening date."
    if errors:
        raise ValidationError(errors)
    activity, _ = StatementsActivity.objects.select_for_update().update_or_create(
        consultation=consultation,
        defaults={"introduction": introduction, "opens_at": opens_at, "closes_at": closes_at},
    )
    consultation_pages_changed(slugs=[consultation.slug])
    return activity


@transaction.atomic
def statement_seed(*, actor: User, activity: StatementsActivity, text: str) -> Statement:
    """A statement written by MOPAC to start the conversation: published at once."""
    _require_manager(actor)
    text = statement_text_clean(text)
    if Statement.objects.filter(activity=activity, text__iexact=text).exists():
        raise ValidationError({"text": "There is already a statement with this text."})
    now = timezone.now()
    return Statement.objects.create(
        activity=activity,
        author=actor,
        origin=Statement.Origin.SEED,
        text=text,
        status=Statement.Status.PUBLISHED,
        created_at=now,
        published_at=now,
    )
