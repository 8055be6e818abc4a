"""Computing and storing the opinion groups, and putting the common ground on the results page."""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from consultation.analysis.models import ResultsPage
from consultation.analysis.services.results import results_page_save
from consultation.statements import opinion
from consultation.statements.models import (
    OpinionResult,
    Statement,
    StatementsActivity,
    StatementVote,
)
from consultation.statements.permissions import can_manage_statements
from talklondon.models import User

# Older computations are deleted beyond this many per activity (each keeps its assignments).
KEEP_RESULTS = 20


def opinion_params() -> opinion.Params:
    return opinion.Params(min_votes=settings.STATEMENTS_MIN_VOTES)


def _payload(outcome: opinion.Outcome, texts: dict[int, str]) -> dict:
    """The numbers behind the groups, as stored JSON (statement ids rather than positions)."""
    ids = outcome.statement_ids
    return {
        "statements": [
            {"id": sid, "text": texts[sid], "overall": outcome.overall[i].as_list()}
            for i, sid in enumerate(ids)
        ],
        "groups": [
            {
                "size": group.size,
                "counts": {str(ids[i]): c.as_list() for i, c in enumerate(outcome.by_group[g])},
                "representatives": [
                    {**asdict(rep), "statement": ids[rep.statement]}
                    for rep in group.representatives
                ],
            }
            for g, group in enumerate(outcome.groups)
        ],
        "common_ground": [ids[i] for i in outcome.common_ground],
        "consensus": {str(ids[i]): c for i, c in enumerate(outcome.consensus)},
    }


def opinion_groups_run(*, activity_id: int) -> OpinionResult | None:
    """Compute the opinion groups from every vote on the published statements, and store them.

    Idempotent: running it twice stores two equal computations. Returns None if the activity
    no longer exists.
    """
    updated = StatementsActivity.objects.filter(pk=activity_id).update(compute_queued_at=None)
    if not updated:
        return None
    started = time.perf_counter()
    statements = dict(
        Statement.objects.filter(activity_id=activity_id, status=Statement.Status.PUBLISHED)
        .order_by("published_at", "id")
        .values_list("id", "text")
    )
    statement_ids = list(statements)
    position = {sid: i for i, sid in enumerate(statement_ids)}
    rows = np.array(
        list(
            StatementVote.objects.filter(activity_id=activity_id, statement_id__in=statement_ids)
            .order_by()
            .values_list("voter_id", "statement_id", "choice")
            .iterator(chunk_size=10000)
        ),
        dtype=np.int64,
    ).reshape(-1, 3)
    voter_ids, voters = np.unique(rows[:, 0], return_inverse=True)
    columns = np.fromiter((position[s] for s in rows[:, 1]), dtype=np.int64, count=len(rows))
    params = opinion_params()
    outcome = opinion.compute_indexed(
        voters,
        columns,
        rows[:, 2],
        voter_ids=[int(v) for v in voter_ids],
        statement_ids=statement_ids,
        params=params,
    )
    duration_ms = int((time.perf_counter() - started) * 1000)
    with transaction.atomic():
        result = OpinionResult.objects.create(
            activity_id=activity_id,
            computed_at=timezone.now(),
            duration_ms=duration_ms,
            votes_total=outcome.votes_total,
            voters_total=outcome.voters_total,
            voters_included=outcome.voters_included,
            statements_total=len(statement_ids),
            group_count=outcome.k,
            params=asdict(params),
            silhouettes={str(k): v for k, v in outcome.silhouettes.items()},
            payload=_payload(outcome, statements),
            assignments={str(k): v for k, v in outcome.assignments.items()},
        )
        old = OpinionResult.objects.filter(activity_id=activity_id).values_list("pk", flat=True)[
            KEEP_RESULTS:
        ]
        OpinionResult.objects.filter(pk__in=list(old)).delete()
    return result


@transaction.atomic
def common_ground_add_to_results(*, actor: User, activity: StatementsActivity) -> ResultsPage:
    """Add the latest common ground to "You said" on the consultation's results page."""
    if not can_manage_statements(actor):
        raise PermissionDenied("Only consultation managers write results pages.")
    result = OpinionResult.objects.filter(activity=activity).defer("assignments").first()
    if result is None or not result.payload.get("common_ground"):
        raise ValidationError("There is no common ground to add yet.")
    page = ResultsPage.objects.filter(consultation_id=activity.consultation_id).first()
    if page is None:
        raise ValidationError(
            "Write the results page first (what we asked, what you said, what we did); then "
            "add the common ground to it."
        )
    texts = {s["id"]: s["text"] for s in result.payload["statements"]}
    when = timezone.localtime(result.computed_at)
    lines = [
        "",
        "",
        "**Common ground in the statements.** "
        f"{result.voters_included:,} people voted on enough statements to be placed in "
        f"{result.group_count} opinion groups (as at {when:%-d %B %Y}). A majority of every group "
        "agreed that:",
        "",
        *[f"* {texts[sid]}" for sid in result.payload["common_ground"]],
    ]
    return results_page_save(
        actor=actor,
        consultation=activity.consultation,
        summary=page.summary,
        we_asked=page.we_asked,
        you_said=page.you_said.rstrip() + "\n".join(lines),
        we_did=page.we_did,
    )
