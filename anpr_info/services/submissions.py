"""Receiving a return and storing it as a submission: authentication, replay protection,
idempotency, the tripwire, validation (returns.py), storing a new revision, and the review of
quarantined returns. The API view and the file import both end in `submission_receive`."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from anpr_info import registry, returns
from anpr_info.models import (
    ApiKey,
    IdempotencyRecord,
    QuarantinedBatch,
    Source,
    Submission,
    UsedSignature,
)
from anpr_info.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    key_prefix,
    sha256_hex,
    signature_compute,
    signature_matches,
)
from talklondon.models import User
from talklondon.permissions import ROLE_PUBLISHER
from talklondon.problems import Problem

logger = logging.getLogger(__name__)

# Unix seconds: ASCII digits only (int() would also read "²" or Arabic-Indic digits).
TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}\Z")


def signature_window() -> int:
    return settings.ANPR_SIGNATURE_WINDOW_SECONDS


def request_authenticate(
    *, key: str, timestamp: str, signature: str, method: str, path: str, body: bytes, now=None
) -> ApiKey:
    """Check the key, the timestamp window and the signature. Raises Problem(401) on any
    failure. The caller then calls `signature_remember` so that it cannot be replayed."""
    now = now or timezone.now()
    prefix = key_prefix(key or "")
    api_key = (
        ApiKey.objects.select_related("source").filter(prefix=prefix).first() if prefix else None
    )
    if api_key is None or not signature_matches(api_key.key_hash, sha256_hex(key)):
        raise Problem(401, "unauthenticated", "Not authenticated", "Send a valid X-ANPR-Key.")
    if not api_key.is_active or not api_key.source.is_active:
        raise Problem(401, "key-revoked", "Key revoked", "This key has been revoked.")
    try:
        if not TIMESTAMP_RE.match(timestamp or ""):
            raise ValueError("not ASCII digits")
        sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise Problem(
            401, "bad-timestamp", "Bad timestamp", f"Send {TIMESTAMP_HEADER} in Unix seconds."
        ) from None
    if abs((now - sent).total_seconds()) > signature_window():
        raise Problem(
            401,
            "stale-timestamp",
            "Request expired",
            f"The timestamp is more than {signature_window()} seconds from the server's clock; "
            "sign the request again.",
        )
    expected = signature_compute(
        key_hash=api_key.key_hash, timestamp=timestamp, method=method, path=path, body=body
    )
    if not signature or not signature_matches(expected, signature):
        raise Problem(
            401,
            "bad-signature",
            "Bad signature",
            f"{SIGNATURE_HEADER} does not match the body, timestamp, method and path.",
        )
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key


def signature_remember(*, signature: str, now=None) -> None:
    """Accept each signature once: a second use is a replay. (A retry that carries an
    Idempotency-Key already answered gets the stored answer before this check.)"""
    try:
        with transaction.atomic():
            UsedSignature.objects.create(signature=signature[-64:], seen_at=now or timezone.now())
    except IntegrityError:
        raise Problem(
            401, "replayed", "Replayed request", "This signed request was already received."
        ) from None


def used_signatures_purge(*, now=None) -> int:
    """Forget signatures that are outside the window anyway (their timestamps would fail)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=2 * signature_window())
    deleted, _ = UsedSignature.objects.filter(seen_at__lt=cutoff).delete()
    return deleted


class IdempotencyError(Problem):
    """Why a request's Idempotency-Key cannot be used now (each a problem with its status)."""


class IdempotencyKeyInvalid(IdempotencyError):
    def __init__(self):
        super().__init__(
            400, "bad-idempotency-key", "Bad Idempotency-Key", "Use 1 to 200 characters."
        )


class IdempotencyKeyReused(IdempotencyError):
    def __init__(self):
        super().__init__(
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "This Idempotency-Key was used for a different request.",
        )


class IdempotencyInProgress(IdempotencyError):
    def __init__(self):
        super().__init__(
            409,
            "request-in-progress",
            "Request in progress",
            "A request with this Idempotency-Key is still being processed; retry later.",
        )


def idempotency_begin(*, source: Source, key: str, request_sha256: str, now=None):
    """Claim an Idempotency-Key. Returns None when claimed, or the stored (status, body) to
    replay. Raises IdempotencyInProgress (409) while the first request is in progress,
    IdempotencyKeyReused (422) for another body, IdempotencyKeyInvalid (400).

    A claim older than ANPR_IDEMPOTENCY_EXPIRY_SECONDS that never finished belongs to a request
    that died (a worker timeout, a crash): it is taken over, so retries do not get 409 forever."""
    if not key or len(key) > 200:
        raise IdempotencyKeyInvalid()
    now = now or timezone.now()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                source=source, key=key, request_sha256=request_sha256, created_at=now
            )
        return None
    except IntegrityError:
        record = IdempotencyRecord.objects.get(source=source, key=key)
    if record.state == IdempotencyRecord.State.IN_PROGRESS:
        expired = now - dt.timedelta(seconds=settings.ANPR_IDEMPOTENCY_EXPIRY_SECONDS)
        # One conditional update: of two retries racing for an abandoned claim, one wins.
        taken = IdempotencyRecord.objects.filter(
            pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS, created_at__lt=expired
        ).update(request_sha256=request_sha256, created_at=now)
        if taken:
            return None
    if record.request_sha256 != request_sha256:
        raise IdempotencyKeyReused()
    if record.state == IdempotencyRecord.State.IN_PROGRESS:
        raise IdempotencyInProgress()
    return record.response_status, record.response_body


def idempotency_finish(*, source: Source, key: str, status: int, body: dict) -> None:
    IdempotencyRecord.objects.filter(source=source, key=key).update(
        state=IdempotencyRecord.State.DONE, response_status=status, response_body=body
    )


def idempotency_abandon(*, source: Source, key: str) -> None:
    """The request failed unexpectedly: let the client retry with the same key."""
    IdempotencyRecord.objects.filter(
        source=source, key=key, state=IdempotencyRecord.State.IN_PROGRESS
    ).delete()


def idempotent_call(
    *, source: Source, key: str, request_sha256: str, work: Callable[[], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """Run `work` at most once per (source, Idempotency-Key): the one way the API uses keys.

    Returns (status, body, replayed). Without a key `work` simply runs. Raises an
    IdempotencyError, or whatever `work` raises (the claim is then released for a retry)."""
    if not key:
        status, body = work()
        return status, body, False
    stored = idempotency_begin(source=source, key=key, request_sha256=request_sha256)
    if stored is not None:
        return stored[0], stored[1], True
    try:
        status, body = work()
    except BaseException:
        idempotency_abandon(source=source, key=key)
        raise
    idempotency_finish(source=source, key=key, status=status, body=body)
    return status, body, False


def _publishers_alert(batch: QuarantinedBatch) -> None:
    users = get_user_model().objects.filter(groups__name=ROLE_PUBLISHER, is_active=True)
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:
        logger.error("ANPR batch %s quarantined but there is no Statistics publisher", batch.pk)
        return
    kinds = sorted({f["kind"] for f in batch.findings})
    url = settings.SITE_URL + reverse("anpr_staff:quarantine")
    body = (
        "The ANPR ingestion tripwire refused a return because it seems to contain personal data.\n\n"
        f"Source: {batch.source or 'file import'}\n"
        f"Dataset: {batch.dataset or 'unknown'}  Period: {batch.period or 'unknown'}\n"
        f"Findings: {len(batch.findings)} ({', '.join(kinds)})\n\n"
        "Nothing from the return was stored apart from SHA-256 digests of the offending values.\n"
        f"Review it at {url}\n"
    )
    send_mail("ANPR return quarantined: personal data suspected", body, None, recipients)


def submission_receive(
    *,
    source: Source,
    body: bytes,
    content_type: str,
    params: dict[str, str],
    via: str = "api",
    uploaded_by=None,
) -> tuple[int, dict]:
    """Check a return and store it as the next revision of (source, dataset, period).

    All or nothing: any invalid row stores nothing and returns 422 with per-row errors. The
    tripwire quarantines the batch (digests only) and alerts the Statistics publishers.
    Returns (HTTP status, JSON body)."""
    try:
        batch = returns.parse_body(body, content_type, params)
    except returns.ParseError as exc:
        if exc.status == 413:
            return 413, Problem(413, "too-large", "Return too large", str(exc)).as_dict()
        return 400, Problem(400, "unreadable", "Unreadable body", str(exc)).as_dict()

    findings = returns.tripwire(batch)
    if findings:
        with transaction.atomic():
            quarantined = QuarantinedBatch.objects.create(
                source=source,
                dataset=batch.dataset if batch.dataset in registry.DATASETS else "",
                period=batch.period
                if registry.MONTH_RE.match(batch.period) or registry.QUARTER_RE.match(batch.period)
                else "",
                via=via,
                body_sha256=batch.body_sha256,
                findings=[f.as_dict() for f in findings[:1000]],
            )
            _publishers_alert(quarantined)
        return 422, Problem(
            422,
            "personal-data-suspected",
            "Batch quarantined",
            "The return seems to contain personal data (a vehicle registration mark, an email "
            "address or a name field). Nothing was stored; the Statistics publishers have been "
            "alerted.",
            {
                "quarantine_id": quarantined.pk,
                "findings": [
                    {"row": f.row, "field": f.field, "kind": f.kind} for f in findings[:100]
                ],
            },
        ).as_dict()

    dataset, checked = returns.validate(batch)
    if checked.errors:
        return 422, Problem(
            422,
            "invalid-rows",
            "Invalid return",
            f"{len(checked.errors)} problem(s) found; nothing was stored.",
            {"errors": [e.as_dict() for e in checked.errors]},
        ).as_dict()

    aggregates = returns.aggregate(dataset, checked.rows)
    with transaction.atomic():
        # Lock the source row so that two resubmissions cannot take the same revision number.
        Source.objects.select_for_update().filter(pk=source.pk).first()
        latest = Submission.objects.filter(
            source=source, dataset=dataset.code, period=batch.period
        ).aggregate(Max("revision"))["revision__max"]
        revision = (latest or 0) + 1
        if revision > 1 and not batch.reason.strip():
            return 422, Problem(
                422,
                "reason-required",
                "Reason required",
                f"{dataset.code} for {batch.period} was already received (revision {latest}). "
                "A resubmission creates a new revision and must give a reason.",
                {
                    "errors": [
                        {"row": 0, "field": "reason", "message": "Give a reason for the revision."}
                    ]
                },
            ).as_dict()
        submission = Submission.objects.create(
            source=source,
            dataset=dataset.code,
            period=batch.period,
            revision=revision,
            reason=batch.reason.strip() if revision > 1 else "",
            via=via,
            uploaded_by=uploaded_by,
            row_count=len(checked.rows),
            body_sha256=batch.body_sha256,
            aggregates=aggregates,
        )
    return 201, {
        "id": submission.pk,
        "source": source.name,
        "dataset": submission.dataset,
        "period": submission.period,
        "revision": submission.revision,
        "rows": submission.row_count,
        "body_sha256": submission.body_sha256,
        "received_at": submission.received_at.isoformat(),
    }


@transaction.atomic
def quarantine_mark_reviewed(*, batch: QuarantinedBatch, actor: User) -> QuarantinedBatch:
    from django.core.exceptions import PermissionDenied

    from talklondon.permissions import can_manage_releases

    if not can_manage_releases(actor):
        raise PermissionDenied
    batch.reviewed_by = actor
    batch.reviewed_at = timezone.now()
    batch.save(update_fields=["reviewed_by", "reviewed_at"])
    return batch
