"""Statements data for "download my data", account erasure and the retention job.

Personal data held here: each vote (voter, statement, choice, times), each statement a person
wrote (author and text), and in every stored computation the map from voter to opinion group.
"""

from __future__ import annotations

from django.db.models import Max

from consultation.statements.models import OpinionResult, Statement, StatementVote


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
