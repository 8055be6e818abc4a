"""Results releases: the published figures are computed once, stored and hash-chained.

Publishing the results page makes version 1 of the figures (results_tables.py) from the
responses as they are at that moment. Nothing public is ever recomputed from the responses
again: a paper response entered after the close, or a correction, changes no public figure
until a consultation manager prepares a revision, the revision passes the differencing check
against every earlier version (talklondon.disclosure.differencing), and a manager publishes it.
Cells hidden in any earlier version stay hidden in every later one.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from consultation.analysis.models import ResultsRelease
from consultation.analysis.results_tables import results_tables
from consultation.models import Consultation
from consultation.services.moderation import personal_data_left
from consultation.services.public_pages import consultation_pages_changed
from talklondon import disclosure
from talklondon.hashchain import GENESIS, manifest_sha256, sha256_of
from talklondon.models import User
from talklondon.outbox import outbox_enqueue
from talklondon.permissions import can_manage_consultations

logger = logging.getLogger("consultation.analysis.audit")
# A revision whose changes would single people out hides those figures and is protected
# again, at most this many times, before it is left for a later revision.
REVISION_ROUNDS = 8


def _check(actor: User) -> None:
    if not can_manage_consultations(actor):
        raise PermissionDenied("Only consultation managers publish results.")


def _hidden_before(consultation: Consultation) -> dict[str, set]:
    """Every cell hidden in any published version, by table id."""
    hidden: dict[str, set] = {}
    for content in ResultsRelease.objects.filter(
        consultation=consultation, status=ResultsRelease.Status.PUBLISHED
    ).values_list("content", flat=True):
        for table_id, table in content["tables"].items():
            hidden.setdefault(table_id, set()).update(
                (row, col) for row, col, value, _flag in table["cells"] if value is None
            )
    return hidden


def _build(
    consultation: Consultation, *, version: int, actor: User, reason: str = "", forced=None
) -> ResultsRelease:
    if forced is None:
        forced = _hidden_before(consultation)
    content, counts = results_tables(consultation, forced=forced)
    return ResultsRelease(
        consultation=consultation,
        version=version,
        reason=reason,
        content=content,
        counts=counts,
        content_sha256=sha256_of(content),
        prepared_by=actor,
    )


def _publish(release: ResultsRelease, *, actor: User, now, notify: bool = True) -> ResultsRelease:
    previous = (
        ResultsRelease.objects.filter(
            consultation_id=release.consultation_id, status=ResultsRelease.Status.PUBLISHED
        )
        .order_by("-version")
        .first()
    )
    manifest = {
        "consultation": release.consultation.slug,
        "version": release.version,
        "published_at": now.isoformat(),
        "reason": release.reason,
        "tables": [
            {"table": table_id, "sha256": sha256_of(table)}
            for table_id, table in sorted(release.content["tables"].items())
        ],
        "previous_manifest_sha256": previous.manifest_sha256 if previous else GENESIS,
    }
    release.manifest = manifest
    release.manifest_sha256 = manifest_sha256(manifest)
    release.status = ResultsRelease.Status.PUBLISHED
    release.published_by = actor
    release.published_at = now
    release.save()
    consultation_pages_changed(slugs=[release.consultation.slug], listing=True)
    if notify:
        # Close the loop: everyone who took part hears that the figures are out (or revised).
        outbox_enqueue(
            task_name="consultation.analysis.tasks.results_published_notify",
            kwargs={"release_id": release.pk},
        )
    return release


def results_release_first(
    *, actor: User, consultation: Consultation, now, notify: bool = True
) -> ResultsRelease:
    """Version 1, made and published with the results page (results_page_publish). Called
    inside its transaction, with the consultation locked; publishing again after unpublishing
    keeps the versions already published."""
    latest = latest_published_release(consultation)
    if latest is not None:
        return latest
    release = _build(consultation, version=1, actor=actor)
    release.save()
    return _publish(release, actor=actor, now=now, notify=notify)


def latest_published_release(consultation: Consultation) -> ResultsRelease | None:
    return (
        ResultsRelease.objects.filter(
            consultation=consultation, status=ResultsRelease.Status.PUBLISHED
        )
        .order_by("-version")
        .first()
    )


def _published_view(table: dict) -> tuple[dict, list]:
    """A stored table as the intruder sees it: {(row, col): value or None}, and its lines."""
    rows = [(code,) for code, _ in table["rows"]]
    cols = [(code,) for code, _ in table["columns"]]
    grid = disclosure.grid_of({}, rows, cols, additive=table["additive"])
    lines = [
        ([(p[0][0], p[1][0]) for p in parts], (total[0][0], total[1][0]))
        for parts, total in grid.lines
    ]
    published = {(row, col): value for row, col, value, _flag in table["cells"]}
    return published, lines


def _true(counts: dict) -> dict:
    return {tuple(key.split("|", 1)): value for key, value in counts.items()}


def differencing_check(release: ResultsRelease, earlier: list[ResultsRelease]) -> list[dict]:
    """Every figure of `release` whose change since any earlier version would single out
    fewer than 10 people: [{"version", "table", "title", "row", "column"}]."""
    problems = []
    for old in earlier:
        for table_id, table in release.content["tables"].items():
            before = old.content["tables"].get(table_id)
            if before is None or table_id not in old.counts:
                continue
            after_view, lines = _published_view(table)
            before_view, _ = _published_view(before)
            row_labels = dict(map(tuple, table["rows"]))
            column_labels = dict(map(tuple, table["columns"]))
            for row, col in disclosure.differencing_problems(
                before_view,
                _true(old.counts[table_id]),
                after_view,
                _true(release.counts[table_id]),
                lines,
            ):
                problems.append(
                    {
                        "version": old.version,
                        "table": table_id,
                        "title": table["title"],
                        "row": row_labels.get(row, "Total"),
                        "column": column_labels.get(col, "Total"),
                        "row_code": row,
                        "column_code": col,
                    }
                )
    return problems


@transaction.atomic
def results_revision_prepare(
    *, actor: User, consultation: Consultation, reason: str
) -> ResultsRelease:
    """A draft revision of the published figures from the responses as they are now (for
    example after late paper responses), checked for differencing against every earlier
    version. Its problems, if any, are stored with it: it cannot be published until a later
    revision passes."""
    _check(actor)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the figures are being revised."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "This must be 2,000 characters or fewer."})
    # The reason is published with the figures and kept for ever: it must name no one.
    if found := personal_data_left(reason):
        raise ValidationError(
            {"reason": f"The reason contains {' and '.join(found)}. Take it out: it is published."}
        )
    earlier = list(
        ResultsRelease.objects.filter(
            consultation=consultation, status=ResultsRelease.Status.PUBLISHED
        ).order_by("version")
    )
    if not earlier or consultation.results_published_at is None:
        raise ValidationError("Publish the results before revising them.")
    ResultsRelease.objects.filter(
        consultation=consultation, status=ResultsRelease.Status.DRAFT
    ).delete()
    hidden = _hidden_before(consultation)
    for _ in range(REVISION_ROUNDS):
        release = _build(
            consultation, version=earlier[-1].version + 1, actor=actor, reason=reason, forced=hidden
        )
        if release.content_sha256 == earlier[-1].content_sha256:
            raise ValidationError("No published figure would change.")
        release.problems = differencing_check(release, earlier)
        if not release.problems:
            break
        logger.info(
            "Revision of consultation %s: %s figures hidden more",
            consultation.pk,
            len(release.problems),
        )
        # Hide the figures whose change would single people out, and protect again. A figure
        # already hidden is still pinned through its row and column: hide those too.
        for problem in release.problems:
            cell = (problem["row_code"], problem["column_code"])
            published, lines = _published_view(release.content["tables"][problem["table"]])
            hidden.setdefault(problem["table"], set()).update(
                disclosure.differencing_repair(published, [cell], lines)
            )
    release.save()
    logger.info(
        "Results revision %s of consultation %s prepared by user %s (%s problems)",
        release.version,
        consultation.pk,
        actor.pk,
        len(release.problems),
    )
    return release


@transaction.atomic
def results_revision_publish(*, actor: User, release: ResultsRelease, now=None) -> ResultsRelease:
    """Publish a draft revision that passed the differencing check."""
    _check(actor)
    now = now or timezone.now()
    release = ResultsRelease.objects.select_for_update().get(pk=release.pk)
    if release.status != ResultsRelease.Status.DRAFT:
        raise ValidationError("Only a draft revision can be published.")
    if release.problems:
        raise ValidationError(
            "This revision would let someone work out the answers of fewer than 10 people by "
            "comparing it with an earlier version. Wait until more responses have come in, "
            "then prepare the revision again."
        )
    if release.consultation.results_published_at is None:
        raise ValidationError("Publish the results page first.")
    release = _publish(release, actor=actor, now=now)
    logger.info(
        "Results revision %s of consultation %s published by user %s",
        release.version,
        release.consultation_id,
        actor.pk,
    )
    return release
