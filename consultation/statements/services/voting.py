"""Residents' writes: vote agree / disagree / pass, and submit a statement of their own."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consultation.models import Consultation
from consultation.services.rules import comment_hold_reasons
from consultation.statements.models import Statement, StatementsActivity, StatementVote
from consultation.statements.permissions import voting_problem
from consultation.statements.services.text import statement_text_clean
from talklondon.models import User
from talklondon.outbox import outbox_enqueue

CHOICES = {
    "agree": StatementVote.Choice.AGREE,
    "disagree": StatementVote.Choice.DISAGREE,
    "pass": StatementVote.Choice.PASS,
}
COMPUTE_TASK = "consultation.statements.tasks.opinion_groups_compute"
# A queued computation that has not started after this long is assumed lost and queued again.
STALE_QUEUE = timedelta(minutes=10)


def _check(user, activity: StatementsActivity) -> None:
    problem = voting_problem(user, activity)
    if problem:
        raise PermissionDenied(problem)


def opinion_groups_request(*, activity: StatementsActivity) -> bool:
    """Queue a computation of the groups unless one is already waiting (the debounce).

    Returns True if this call queued one. Votes that arrive while it waits are included when it
    runs, so a burst of votes costs one computation.
    """
    now = timezone.now()
    claimed = (
        StatementsActivity.objects.filter(pk=activity.pk)
        .filter(Q(compute_queued_at__isnull=True) | Q(compute_queued_at__lt=now - STALE_QUEUE))
        .update(compute_queued_at=now)
    )
    if claimed:
        outbox_enqueue(task_name=COMPUTE_TASK, kwargs={"activity_id": activity.pk})
    return bool(claimed)


@transaction.atomic
def statement_vote(*, actor: User, statement: Statement, choice: str) -> StatementVote:
    """Agree, disagree or pass on a published statement; voting again changes the vote."""
    activity = statement.activity
    _check(actor, activity)
    if choice not in CHOICES:
        raise ValidationError("Choose agree, disagree or pass.", code="choice")
    if statement.status != Statement.Status.PUBLISHED:
        raise ValidationError("This statement is no longer open for votes.", code="unpublished")
    now = timezone.now()
    # One upsert (INSERT ... ON CONFLICT DO UPDATE): a first vote and a changed vote cost the
    # same single query, and two quick clicks cannot make two votes.
    vote = StatementVote(
        statement=statement,
        activity=activity,
        voter=actor,
        choice=CHOICES[choice],
        created_at=now,
        updated_at=now,
    )
    StatementVote.objects.bulk_create(
        [vote],
        update_conflicts=True,
        unique_fields=["statement", "voter"],
        update_fields=["choice", "updated_at"],
    )
    opinion_groups_request(activity=activity)
    return vote


def _rate_limit_check(user) -> None:
    per_hour = settings.STATEMENTS_SUBMIT_PER_HOUR
    recent = Statement.objects.filter(
        author=user, created_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= per_hour:
        raise ValidationError(
            f"You can add up to {per_hour} statements an hour. Try again later; your text is "
            "still in the box.",
            code="rate_hour",
        )


@transaction.atomic
def statement_submit(*, actor: User, activity: StatementsActivity, text: str) -> Statement:
    """A resident's own statement, through the same hold rules and moderation as comments.

    Held for a moderator when the consultation is pre-moderated or a hold rule matches;
    otherwise published at once and shown to others to vote on.
    """
    _check(actor, activity)
    text = statement_text_clean(text)
    # Serialise this person's writes so that a double submit cannot slip past the checks.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    _rate_limit_check(actor)
    if (
        Statement.objects.filter(activity=activity, text__iexact=text)
        .exclude(status=Statement.Status.REMOVED)
        .exists()
    ):
        raise ValidationError(
            {"text": "There is already a statement saying this. Vote on it instead."},
            code="duplicate",
        )
    consultation = activity.consultation
    reasons = comment_hold_reasons(user=actor, consultation=consultation, text=text)
    pending = bool(reasons) or consultation.moderation_mode == Consultation.ModerationMode.PRE
    now = timezone.now()
    return Statement.objects.create(
        activity=activity,
        author=actor,
        origin=Statement.Origin.PARTICIPANT,
        text=text,
        status=Statement.Status.PENDING if pending else Statement.Status.PUBLISHED,
        held_for=",".join(reasons),
        created_at=now,
        published_at=None if pending else now,
    )
