"""Statements data for "download my data", account erasure and the retention job.

Personal data held here: each vote (voter, statement, choice, times), each statement a person
wrote (author and text), and in every stored computation the map from voter to opinion group.
"""

from __future__ import annotations

from django.db.models import Max

from consultation.statements.models import OpinionResult, Statement, StatementVote
from talklondon.personal_data import (
    ACCOUNT_LIFE,
    BLANK,
    CONTRIBUTION_LIFE,
    DELETE,
    KEEP,
    PUBLIC_TASK,
    Field,
    NotPersonal,
    register_fields,
    register_not_personal,
)

_STATEMENTS = "Statements you vote on"

register_fields(
    Field("statements.Statement", "author", "that you wrote a statement", "to show it for "
          "voting and let moderators review it", PUBLIC_TASK, CONTRIBUTION_LIFE, KEEP,
          person="author", group=_STATEMENTS),
    Field("statements.Statement", "text", "the statements you write for others to vote on",
          "the consultation's statements activity", PUBLIC_TASK, CONTRIBUTION_LIFE, BLANK,
          person="author", group=_STATEMENTS),
    Field("statements.StatementVote", "voter", "how you voted on each statement",
          "to count each person's vote once and work out the opinion groups", PUBLIC_TASK,
          ACCOUNT_LIFE, DELETE, person="voter", group=_STATEMENTS),
    Field("statements.StatementVote", "choice", "whether you agreed, disagreed or passed",
          "to work out the opinion groups and the common ground", PUBLIC_TASK, ACCOUNT_LIFE,
          DELETE, person="voter", group=_STATEMENTS),
    Field("statements.StatementVote", "created_at", "when you voted", "to show your votes "
          "in order", PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="voter", group=_STATEMENTS),
    Field("statements.StatementVote", "updated_at", "when you last changed a vote",
          "to show your votes in order", PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="voter",
          group=_STATEMENTS),
    # Keyed by account id inside JSON, so there is no ORM path to the person: erasure removes
    # the person's key from every stored computation (statements_erase below).
    Field("statements.OpinionResult", "assignments", "which opinion group your votes put you "
          "in", "so staff can export the pseudonymous vote matrix", PUBLIC_TASK, ACCOUNT_LIFE,
          BLANK, person=None, audience="you", group=_STATEMENTS, download=False),
    Field("statements.OpinionResult", "payload", "the statements counted in a computation, "
          "quoted with their vote counts", "to publish the groups and the common ground",
          PUBLIC_TASK, CONTRIBUTION_LIFE, BLANK, person=None, group=_STATEMENTS,
          download=False),
)  # fmt: skip

register_not_personal(
    NotPersonal("statements.StatementsActivity", ("consultation", "introduction", "opens_at",
                "closes_at", "compute_queued_at", "created_at", "updated_at"),
                "what MOPAC publishes about the activity, and when"),
    NotPersonal("statements.Statement", ("activity", "origin", "status", "held_for",
                "removal_reason", "created_at", "published_at"),
                "where a statement sits and its moderation state (codes and times)"),
    NotPersonal("statements.StatementVote", ("statement", "activity"),
                "which statement a vote is on"),
    NotPersonal("statements.OpinionResult", ("activity", "computed_at", "duration_ms",
                "votes_total", "voters_total", "voters_included", "statements_total",
                "group_count", "params", "silhouettes"),
                "aggregate counts and the settings of one computation"),
)  # fmt: skip


def statements_export(user) -> dict:
    votes = (
        StatementVote.objects.filter(voter=user)
        .select_related("statement__activity__consultation")
        .order_by("created_at", "pk")
    )
    written = (
        Statement.objects.filter(author=user, origin=Statement.Origin.PARTICIPANT)
        .select_related("activity__consultation")
        .order_by("created_at", "pk")
    )
    return {
        "votes": [
            {
                "consultation": vote.statement.activity.consultation.title,
                "statement": vote.statement.text,
                "vote": vote.get_choice_display(),
                "voted_at": vote.created_at.isoformat(),
                "changed_at": vote.updated_at.isoformat(),
            }
            for vote in votes
        ],
        "statements_written": [
            {
                "consultation": s.activity.consultation.title,
                "text": s.text,
                "status": s.get_status_display(),
                "written_at": s.created_at.isoformat(),
            }
            for s in written
        ],
    }


def statements_erase(user, *, remove_content: bool) -> int:
    """Delete this person's votes and their place in every stored grouping.

    Their statements stay (as "Deleted account" contributions, like comments) unless
    remove_content, when the text is wiped (also where stored results quote it) and the
    statement removed from voting.
    Stored results keep only aggregate counts, which include no one identifiable.
    """
    deleted, _ = StatementVote.objects.filter(voter=user).delete()
    key = str(user.pk)
    for result in OpinionResult.objects.filter(assignments__has_key=key).only("assignments"):
        result.assignments.pop(key, None)
        result.save(update_fields=["assignments"])
    if remove_content:
        written = Statement.objects.filter(author=user, origin=Statement.Origin.PARTICIPANT)
        ids = set(written.values_list("pk", flat=True))
        written.update(text="", status=Statement.Status.REMOVED, removal_reason="erased")
        # Stored computations quote the statements they counted: wipe these texts there too.
        activities = Statement.objects.filter(pk__in=ids).values("activity_id")
        for result in OpinionResult.objects.filter(activity_id__in=activities).only("payload"):
            quoted = [s for s in result.payload.get("statements", []) if s["id"] in ids]
            for item in quoted:
                item["text"] = ""
            if quoted:
                result.save(update_fields=["payload"])
    return deleted


def statements_participation():
    """(person id, when the statements activity closes) for every voter and author."""
    voters = (
        StatementVote.objects.values("voter_id")
        .annotate(ended_at=Max("activity__closes_at"))
        .values_list("voter_id", "ended_at")
    )
    authors = (
        Statement.objects.filter(origin=Statement.Origin.PARTICIPANT)
        .values("author_id")
        .annotate(ended_at=Max("activity__closes_at"))
        .values_list("author_id", "ended_at")
    )
    return [*voters, *authors]
