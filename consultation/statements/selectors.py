"""Reads for the statements pages. Each function costs a fixed number of queries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Count, Q

from consultation.selectors import consultation_published_q, viewer_flags, viewer_flags_keep
from consultation.statements.models import (
    OpinionResult,
    Statement,
    StatementsActivity,
    StatementVote,
)


def activity_for_slug(slug: str) -> StatementsActivity | None:
    """The statements activity of a consultation (public once set up, in a published
    consultation), or None."""
    return (
        StatementsActivity.objects.select_related("consultation")
        .filter(consultation_published_q("consultation__"), consultation__slug=slug)
        .first()
    )


def activity_for_consultation(consultation) -> StatementsActivity | None:
    return StatementsActivity.objects.filter(consultation=consultation).first()


def activity_for_staff(*, consultation_id: int) -> StatementsActivity | None:
    """A consultation's statements activity for its staff pages (the staff guard decides who)."""
    return (
        StatementsActivity.objects.select_related("consultation")
        .filter(consultation_id=consultation_id)
        .first()
    )


def statement_for_staff(*, statement_id: int) -> Statement | None:
    return (
        Statement.objects.select_related("activity__consultation").filter(pk=statement_id).first()
    )


def statement_for_voting(activity: StatementsActivity, statement_id: int) -> Statement | None:
    """A statement people can see and vote on: published, in this activity."""
    statement = Statement.objects.filter(
        pk=statement_id, activity=activity, status=Statement.Status.PUBLISHED
    ).first()
    if statement is not None:
        statement.activity = activity
    return statement


def statement_for_voting_in(slug: str, statement_id: int, user=None) -> Statement | None:
    """As statement_for_voting, found from the consultation's slug in one query.

    With `user`, the person's participation checks (verified email, not blocked) come in the
    same query, as they do with a comment's page, so a vote costs no more than a comment.
    """
    statement = (
        Statement.objects.select_related("activity__consultation")
        .annotate(**viewer_flags(user))
        .filter(
            consultation_published_q("activity__consultation__"),
            pk=statement_id,
            activity__consultation__slug=slug,
            status=Statement.Status.PUBLISHED,
        )
        .first()
    )
    return viewer_flags_keep(statement, user) if user is not None else statement


@dataclass(frozen=True)
class Progress:
    total: int
    voted: int
    next_statement: tuple[int, str] | None

    @property
    def left(self) -> int:
        return self.total - self.voted


def _order_key(user_id: int, statement_id: int) -> bytes:
    # Each person meets the statements in their own fixed order, so that the first statements
    # do not collect all the votes, and reloading shows the same next statement.
    return hashlib.blake2b(f"{user_id}:{statement_id}".encode(), digest_size=8).digest()


def voting_progress(activity: StatementsActivity, user) -> Progress:
    """How many statements this person has voted on and has left, and the next one. 2 queries."""
    published = list(
        Statement.objects.filter(activity=activity, status=Statement.Status.PUBLISHED)
        .order_by("id")
        .values_list("id", "text")
    )
    voted = set()
    if user.is_authenticated:
        voted = set(
            StatementVote.objects.filter(
                activity=activity, voter=user, statement__status=Statement.Status.PUBLISHED
            ).values_list("statement_id", flat=True)
        )
    left = [row for row in published if row[0] not in voted]
    following = min(left, key=lambda row: _order_key(user.pk, row[0])) if left and user.pk else None
    return Progress(total=len(published), voted=len(voted), next_statement=following)


def votes_of(activity: StatementsActivity, user) -> list[StatementVote]:
    """This person's votes on published statements, newest first, with the statements."""
    return list(
        StatementVote.objects.filter(
            activity=activity, voter=user, statement__status=Statement.Status.PUBLISHED
        )
        .select_related("statement")
        .order_by("-updated_at", "-id")
    )


def vote_of(statement: Statement, user) -> StatementVote | None:
    if not user.is_authenticated:
        return None
    return StatementVote.objects.filter(statement=statement, voter=user).first()


def statements_submitted_by(activity: StatementsActivity, user) -> list[Statement]:
    if not user.is_authenticated:
        return []
    return list(
        Statement.objects.filter(activity=activity, author=user, origin="participant").order_by(
            "-created_at", "-id"
        )
    )


def latest_result(activity: StatementsActivity) -> OpinionResult | None:
    """The newest computation, without the voter-to-group map (public pages never need it)."""
    return OpinionResult.objects.filter(activity=activity).defer("assignments").first()


def statements_to_moderate(activity: StatementsActivity) -> list[Statement]:
    return list(
        Statement.objects.filter(activity=activity, status=Statement.Status.PENDING)
        .select_related("author")
        .order_by("created_at", "id")
    )


def statements_for_staff(activity: StatementsActivity) -> list[Statement]:
    """Every statement with its vote count, for the staff workspace."""
    return list(
        Statement.objects.filter(activity=activity)
        .annotate(vote_count=Count("votes"))
        .order_by("-created_at", "-id")
    )


def activity_counts(activity: StatementsActivity) -> dict:
    return StatementVote.objects.filter(activity=activity).aggregate(
        votes=Count("id"),
        voters=Count("voter", distinct=True),
        agree=Count("id", filter=Q(choice=1)),
    )


def activities_for_staff() -> list:
    """Every consultation with its statements activity (if any), for the staff list."""
    from consultation.models import Consultation

    return list(
        Consultation.objects.select_related("statements_activity").order_by("-opens_at", "id")
    )
