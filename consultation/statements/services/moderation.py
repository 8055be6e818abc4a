"""Moderators' decisions on residents' statements, written to the moderation audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from consultation.models import ModerationAction
from consultation.services.moderation import HOUSE_RULE_CODES
from consultation.statements.models import Statement
from consultation.statements.permissions import can_moderate_statements
from consultation.statements.services.voting import opinion_groups_request
from talklondon.models import User
from talklondon.sealing import text_seal


def _locked(actor: User, statement: Statement) -> Statement:
    if not can_moderate_statements(actor):
        raise PermissionDenied("Only moderators can do this.")
    return (
        Statement.objects.select_for_update(of=("self",))
        .select_related("activity")
        .get(pk=statement.pk)
    )


def _record(
    *,
    actor: User,
    statement: Statement,
    kind: str,
    before_text: str = "",
    after_text: str = "",
    **fields,
) -> ModerationAction:
    # The audit trail keeps the statement's text sealed with its author's key, as it does for
    # comments, so that erasing the author makes it unreadable while the table stays append-only.
    return ModerationAction.objects.create(
        actor=actor,
        kind=kind,
        subject_user_id=statement.author_id,
        consultation_id=statement.activity.consultation_id,
        reason_text=fields.pop("reason_text", "") or f"Statement {statement.pk}",
        before_sealed=text_seal(user_id=statement.author_id, text=before_text),
        after_sealed=text_seal(user_id=statement.author_id, text=after_text),
        **fields,
    )


@transaction.atomic
def statement_approve(*, actor: User, statement: Statement) -> Statement:
    """Publish a held statement (or reinstate a removed one) so that people can vote on it."""
    statement = _locked(actor, statement)
    if statement.status == Statement.Status.PUBLISHED:
        raise ValidationError("This statement is already published.")
    statement.status = Statement.Status.PUBLISHED
    statement.removal_reason = ""
    statement.published_at = statement.published_at or timezone.now()
    statement.save(update_fields=["status", "removal_reason", "published_at"])
    _record(
        actor=actor,
        statement=statement,
        kind=ModerationAction.Kind.APPROVE,
        after_text=statement.text,
    )
    return statement


@transaction.atomic
def statement_reject(*, actor: User, statement: Statement, reason_code: str) -> Statement:
    """Remove a statement for breaking a house rule. Its votes stop counting in the groups."""
    if reason_code not in HOUSE_RULE_CODES:
        raise ValidationError("Choose the house rule the statement breaks.")
    statement = _locked(actor, statement)
    if statement.status == Statement.Status.REMOVED:
        raise ValidationError("This statement has already been removed.")
    was_published = statement.status == Statement.Status.PUBLISHED
    statement.status = Statement.Status.REMOVED
    statement.removal_reason = reason_code
    statement.save(update_fields=["status", "removal_reason"])
    _record(
        actor=actor,
        statement=statement,
        kind=ModerationAction.Kind.REJECT,
        reason_code=reason_code,
        before_text=statement.text,
    )
    if was_published:
        opinion_groups_request(activity=statement.activity)
    return statement
