"""ANPR transparency: sources and their keys, received returns, quarantine, releases and the
published observations. Measure definitions are not here: they live in registry.py."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Source(models.Model):
    """A system allowed to send returns (the Met's ANPR back end, for example)."""

    name = models.CharField(max_length=120, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """One API key of a source. Only a SHA-256 of the key is stored; the key is shown once.

    Requests are signed with HMAC-SHA256 keyed by that same SHA-256, so a copy of the database
    cannot authenticate (the key itself is needed for the key header)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source} key {self.prefix}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class UsedSignature(models.Model):
    """Signatures already accepted inside the timestamp window: a replay is refused."""

    signature = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.signature[:12]


class IdempotencyRecord(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="anpr_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class Submission(models.Model):
    """One accepted return: natural key (source, dataset, period, revision). Never overwritten."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="submissions")
    dataset = models.CharField(max_length=40)
    period = models.CharField(max_length=10)
    revision = models.PositiveIntegerField()
    reason = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=10, default="api")  # "api" or "file"
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    row_count = models.PositiveIntegerField()
    body_sha256 = models.CharField(max_length=64)
    # Aggregated cells per published table: {"measure/table": [[row..., col..., value], ...]}.
    aggregates = models.JSONField()

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "dataset", "period", "revision"],
                name="anpr_submission_natural_key",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="anpr_submission_revision_1"),
            models.CheckConstraint(
                condition=Q(revision=1) | ~Q(reason=""), name="anpr_submission_revision_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.period} r{self.revision}"


class QuarantinedBatch(models.Model):
    """A batch the tripwire refused. Offending values are kept only as keyed digests (HMAC)."""

    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="quarantined"
    )
    dataset = models.CharField(max_length=40, blank=True)
    period = models.CharField(max_length=10, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=10, default="api")
    body_sha256 = models.CharField(max_length=64)
    # [{"row": 3, "field": "note", "kind": "vehicle registration mark", "digest": "..."}]
    findings = models.JSONField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"Quarantined batch {self.pk}"


class Release(models.Model):
    """A release on the calendar, for one month (and the quarter or year it closes).

    draft → approved (by a publisher who did not prepare it) → embargoed → published at the
    announced time. Published releases are immutable; a revision is a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        EMBARGOED = "embargoed", "Embargoed"
        PUBLISHED = "published", "Published"

    period = models.CharField(max_length=10)
    version = models.PositiveIntegerField(default=1)
    announced_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(blank=True)  # changelog: why this version exists
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    embargoed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True, unique=True)
    manifest = models.JSONField(null=True, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_release"
    )
    submissions = models.ManyToManyField(Submission, blank=True, related_name="releases")
    missing = models.JSONField(default=list, blank=True)  # returns not received when prepared

    class Meta:
        ordering = ["announced_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="anpr_release_version"),
            # The two-person rule, enforced by the database as well as the service.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="anpr_release_two_person_rule",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False),
                name="anpr_release_approved_before_embargo",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | (
                    Q(published_at__isnull=False)
                    & Q(sequence__isnull=False)
                    & ~Q(manifest_sha256="")
                ),
                name="anpr_release_published_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def slug(self) -> str:
        return f"{self.period}-v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ReleaseTable(models.Model):
    """One protected table in a release: the unit the hash chain covers."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="tables")
    measure = models.CharField(max_length=40)
    table = models.CharField(max_length=60)
    period = models.CharField(max_length=10)
    payload = models.JSONField()  # canonical content, see releases.table_payload
    sha256 = models.CharField(max_length=64)
    suppressed = models.JSONField(default=list)  # entry keys hidden, carried into revisions

    class Meta:
        ordering = ["measure", "table", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "measure", "table", "period"], name="anpr_release_table_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure}/{self.table} {self.period}"


class Observation(models.Model):
    """One published cell, for the open data API. Written only when a release is published."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="observations")
    measure = models.CharField(max_length=40)
    table = models.CharField(max_length=60)
    period = models.CharField(max_length=10)
    date = models.DateField(null=True, blank=True)
    dims = models.JSONField()
    value = models.BigIntegerField(null=True, blank=True)
    flag = models.CharField(max_length=1, blank=True)
    is_latest = models.BooleanField(default=True)

    class Meta:
        ordering = ["measure", "table", "period", "pk"]
        indexes = [
            models.Index(
                fields=["measure", "table", "is_latest", "period"], name="anpr_obs_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure}/{self.table} {self.period} {self.dims}"
