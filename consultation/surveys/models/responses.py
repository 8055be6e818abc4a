"""What people answered: one response per person per survey, one row per answer."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from consultation.surveys.models.structure import Option, Question, Section, Survey

# Letters and digits that cannot be misread over the phone (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def reference_new() -> str:
    """A reference number a person can read out: TL-XXXX-XXXX."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"TL-{body[:4]}-{body[4:]}"


class Response(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        PAPER = "paper", "Paper form"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        EVENT = "event", "Public event"

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    # Null for responses from other channels, and once an account is deleted.
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    # For other channels: the name given on the paper form, email or letter.
    respondent_name = models.CharField(max_length=200, blank=True)
    # For other channels: the address the person gave to hear about the results (the online
    # respondents' accounts serve that). Emptied when they unsubscribe, and with the name.
    results_email = models.EmailField(blank=True, default="", db_default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    reference = models.CharField(max_length=20, unique=True, default=reference_new)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    channel_reference = models.CharField(max_length=100, blank=True)
    scan = models.FileField(upload_to="survey_scans/%Y/%m/", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses_entered",
    )
    # Where a signed-in respondent continues from; null means "check your answers".
    current_section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The token of the last accepted submission: a repeated POST with it changes nothing.
    submit_token = models.CharField(max_length=64, blank=True)
    likely_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Answers not yet submitted, in one row while the person works through the pages: a
    # draft's answers so far, or a submitted response's answers with the changes not yet
    # submitted. {"<question id>": value} with values as in consultation.surveys.answers;
    # null when nothing is pending (the Answer rows are then the answers). Read and written
    # only through consultation.surveys.drafts; holds personal data (free text).
    draft_answers = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["survey", "status", "channel"])]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"],
                condition=Q(respondent__isnull=False, channel="online"),
                name="response_one_online_per_account",
            ),
            models.UniqueConstraint(
                fields=["submit_token"],
                condition=~Q(submit_token=""),
                name="response_submit_token_unique",
            ),
            models.CheckConstraint(
                condition=Q(channel="online") | Q(entered_by__isnull=False),
                name="response_offline_has_entered_by",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="response_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["online", "paper", "email", "letter", "event"]),
                name="response_channel_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]), name="response_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class ResponseVersion(models.Model):
    """A frozen copy of a response as submitted; every later change adds one.

    The live, queryable answers are always the `Answer` rows (the latest version); this is
    the audit trail, so it keeps a readable copy of each answer rather than foreign keys that
    later survey edits could shift.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField(default=list)

    class Meta:
        ordering = ["response_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "number"], name="version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} v{self.number}"


class Answer(models.Model):
    """One answer to one question, in typed columns.

    - single choice: `option` (and `text` for "Other, please specify");
    - multiple choice, ranking and matrix: one `AnswerChoice` per option chosen, ranked or rated;
    - agreement: `scale_point`; number: `number`; yes/no: `boolean`;
    - short and long text, borough (GSS code), postcode district: `text`;
    - organisation: `boolean` (true = on behalf of an organisation), `text` (its name) and
      `detail` (the respondent's role).
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    # PROTECT: the database itself refuses to orphan answers.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(
        Option, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    text = models.TextField(blank=True)
    detail = models.CharField(max_length=200, blank=True)
    number = models.IntegerField(null=True, blank=True)
    boolean = models.BooleanField(null=True, blank=True)
    scale_point = models.SmallIntegerField(null=True, blank=True)
    # Comma-separated comment hold-rule codes (a plate, an email address, a phone number) found
    # in the free text; while set and not reviewed, the text is withheld from analysis pages,
    # anonymised exports and quotes (consultation.surveys.free_text).
    # db_default: rows written with raw SQL (the benchmarks' baseline) are "not held" too.
    held_for = models.CharField(max_length=100, blank=True, default="", db_default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["response_id", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="answer_one_per_question"
            ),
            models.CheckConstraint(
                condition=Q(scale_point__isnull=True) | Q(scale_point__gte=0, scale_point__lte=5),
                name="answer_scale_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk}"

    @property
    def is_withheld(self) -> bool:
        """Free text that may hold personal data and that no analyst has reviewed yet."""
        return bool(self.held_for) and self.reviewed_at is None


class AnswerChoice(models.Model):
    """One option picked (multiple choice), ranked (`rank`) or rated (`scale_point`, matrix)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="answer_choices")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    scale_point = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["answer_id", "rank", "option_id"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "option"], name="choice_option_once"),
            models.UniqueConstraint(
                fields=["answer", "rank"],
                condition=Q(rank__isnull=False),
                name="choice_rank_once",
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1), name="choice_rank_positive"
            ),
            models.CheckConstraint(
                condition=Q(scale_point__isnull=True) | Q(scale_point__gte=0, scale_point__lte=5),
                name="choice_scale_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Choice {self.option_id}"
