"""The ANPR module's part of the personal-data inventory (talklondon.personal_data).

The module publishes aggregates only; returns carrying anything that looks personal are
refused by the tripwire and kept as keyed digests for a while, so the police back end can be
told which values to fix. Everything else here is staff accountability or published figures.
"""

from datetime import timedelta

from django.conf import settings

from anpr_info.models import IdempotencyRecord, QuarantinedBatch
from talklondon.personal_data import (
    DELETE,
    KEEP,
    LEGITIMATE_INTERESTS,
    PUBLIC_TASK,
    STAFF_RECORD,
    Field,
    NotPersonal,
    Retention,
    RetentionRule,
    register_fields,
    register_not_personal,
    register_retention,
)

QUARANTINE_LIFE = Retention(
    "anpr_quarantine", "{ANPR_QUARANTINE_RETENTION_DAYS} days after the return was refused"
)
IDEMPOTENCY_LIFE = Retention(
    "anpr_idempotency", "{ANPR_IDEMPOTENCY_RETENTION_DAYS} days after the request"
)
_ANPR = "ANPR statistics"
_STAFF = "Staff"

register_fields(
    Field("anpr_info.QuarantinedBatch", "findings", "keyed digests of values in a police "
          "return that looked like a number plate, an email address or a name (never the "
          "values themselves)", "so the police can be told which values to fix",
          LEGITIMATE_INTERESTS, QUARANTINE_LIFE, DELETE, person=None, audience="everyone",
          group=_ANPR),
    Field("anpr_info.QuarantinedBatch", "body_sha256", "a fingerprint of a refused return",
          "to recognise the same return if it is sent again", LEGITIMATE_INTERESTS,
          QUARANTINE_LIFE, DELETE, person=None, audience="everyone", group=_ANPR),
    Field("anpr_info.IdempotencyRecord", "request_sha256", "a fingerprint of a return",
          "so a retried request is not counted twice", LEGITIMATE_INTERESTS, IDEMPOTENCY_LIFE,
          DELETE, person=None, audience="everyone", group=_ANPR),
    Field("anpr_info.IdempotencyRecord", "response_body", "our answer to a return, which may "
          "list where personal data was found (never the values)", "so a retried request "
          "gets the same answer", LEGITIMATE_INTERESTS, IDEMPOTENCY_LIFE, DELETE, person=None,
          audience="everyone", group=_ANPR),
    *[
        Field(model, name, "which member of staff " + what, "accountability", PUBLIC_TASK,
              STAFF_RECORD, KEEP, person=name, audience="staff", group=_STAFF)
        for model, name, what in (
            ("anpr_info.Source", "created_by", "added a data source"),
            ("anpr_info.ApiKey", "created_by", "made an API key"),
            ("anpr_info.Submission", "uploaded_by", "imported a return from a file"),
            ("anpr_info.QuarantinedBatch", "reviewed_by", "reviewed a refused return"),
            ("anpr_info.Release", "created_by", "created a release"),
            ("anpr_info.Release", "prepared_by", "prepared a release"),
            ("anpr_info.Release", "approved_by", "approved a release"),
        )
    ],
)  # fmt: skip

register_not_personal(
    NotPersonal("anpr_info.Source", ("name", "created_at", "is_active"), "a police system"),
    NotPersonal("anpr_info.ApiKey", ("source", "prefix", "key_hash", "created_at",
                "revoked_at", "last_used_at"), "a system's credentials"),
    NotPersonal("anpr_info.UsedSignature", ("signature", "seen_at"), "request signatures"),
    NotPersonal("anpr_info.IdempotencyRecord", ("source", "key", "state", "response_status",
                "created_at"), "request bookkeeping"),
    NotPersonal("anpr_info.Submission", ("source", "dataset", "period", "revision", "reason",
                "received_at", "via", "row_count", "body_sha256", "aggregates"),
                "aggregate counts that passed the personal-data tripwire (reason included)"),
    NotPersonal("anpr_info.QuarantinedBatch", ("source", "dataset", "period", "received_at",
                "via", "reviewed_at"), "which return and when"),
    NotPersonal("anpr_info.Release", ("period", "version", "announced_at", "status", "notes",
                "prepared_at", "content_sha256", "approved_at", "embargoed_at", "published_at",
                "sequence", "manifest", "manifest_sha256", "previous", "missing",
                "submissions"), "published statistics"),
    NotPersonal("anpr_info.ReleaseTable", ("release", "measure", "table", "period", "payload",
                "sha256", "suppressed"), "published statistics"),
    NotPersonal("anpr_info.Observation", ("release", "measure", "table", "period", "date",
                "dims", "value", "flag", "is_latest"), "published statistics"),
)  # fmt: skip


# --- Retention rules -------------------------------------------------------------------------


def _idempotency(now):
    cutoff = now - timedelta(days=settings.ANPR_IDEMPOTENCY_RETENTION_DAYS)
    return IdempotencyRecord.objects.filter(created_at__lt=cutoff)


def _quarantine(now):
    cutoff = now - timedelta(days=settings.ANPR_QUARANTINE_RETENTION_DAYS)
    return QuarantinedBatch.objects.filter(received_at__lt=cutoff)


register_retention(
    RetentionRule(
        "anpr-idempotency",
        "records of ANPR returns received, kept so retries are not counted twice",
        "older than {ANPR_IDEMPOTENCY_RETENTION_DAYS} days: deleted",
        lambda now: _idempotency(now).count(),
        lambda now: _idempotency(now).delete()[0],
    ),
    RetentionRule(
        "anpr-quarantine",
        "ANPR returns refused because they looked personal (keyed digests only)",
        "refused more than {ANPR_QUARANTINE_RETENTION_DAYS} days ago: deleted",
        lambda now: _quarantine(now).count(),
        lambda now: _quarantine(now).delete()[0],
    ),
)
