"""Issue 14's walk-through, then ten years on: the retention job leaves the plate and the email
nowhere in the database or the media files, whatever kind of record they went into.

Runs on SQLite by default and on PostgreSQL with DATABASE_URL set.
"""

import json
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from anpr_info import returns
from anpr_info.models import IdempotencyRecord, QuarantinedBatch
from anpr_info.services.sources import source_create
from consultation.models import Comment, CommentReport, CommentVersion
from consultation.services import moderation
from consultation.surveys.models import Question, Response
from consultation.surveys.services.responses import (
    survey_response_enter,
    survey_response_start,
    survey_response_submit,
)
from talklondon.log_filters import personal_data_masked
from talklondon.models import OutgoingEmail, User
from talklondon.permissions import ROLE_MANAGER, ROLE_MODERATOR
from talklondon.tasks import personal_data_retention_run
from tests import factories

pytestmark = pytest.mark.django_db

PLATE = "AB12 CDE"
EMAIL = "jo.bloggs@example.org"
NAME = "Josephine Bloggs"
NEEDLES = ("AB12", "ab12", "jo.bloggs", "Josephine", "dormant.person@example.org")
PNG = b"\x89PNG\r\n\x1a\n"


def _database_text() -> str:
    """Every row of every table, as text (binary columns as their repr)."""
    chunks = []
    for model in apps.get_models(include_auto_created=True):
        for row in model._base_manager.all().values():
            chunks.append(json.dumps(row, default=str))
    return "\n".join(chunks)


def _found(haystack: str) -> list[str]:
    return [needle for needle in NEEDLES if needle.lower() in haystack.lower()]


def _walk_through(make_staff):
    moderator = make_staff(ROLE_MODERATOR)
    manager = make_staff(ROLE_MANAGER)
    resident = factories.UserFactory(email=EMAIL, display_name="Jo")
    factories.UserFactory(email="dormant.person@example.org", display_name="Never took part")

    # Comments: one redacted by a moderator, one still held, one edited.
    page = factories.ProposalPageFactory()
    redacted = factories.CommentFactory(
        page=page, author=resident, body=f"Car {PLATE}, mail {EMAIL}", status="pending"
    )
    moderation.comment_redact(
        actor=moderator, comment=redacted, text="Car [removed], mail [removed]"
    )
    factories.CommentFactory(page=page, author=resident, body=f"Held: {PLATE}", status="pending")
    edited = factories.CommentFactory(page=page, author=resident, body="Edited since")
    CommentVersion.objects.create(comment=edited, body=f"My plate {PLATE}", kind="edit")
    other = factories.CommentFactory(page=page)
    CommentReport.objects.create(
        comment=other,
        reporter=resident,
        reason="other",
        details=f"Write to me at {EMAIL}",
        resolved_at=timezone.now(),
    )

    # The survey, online (two versions, a receipt email) and on paper with a scan.
    survey = factories.SurveyFactory(consultation=page.consultation)
    question = factories.QuestionFactory(
        section=factories.SectionFactory(survey=survey),
        type=Question.Type.LONG_TEXT,
        required=False,
    )
    response = survey_response_start(survey=survey, actor=resident)
    for token, text in (("t1", f"My car {PLATE}"), ("t2", f"Still {PLATE}, {EMAIL}")):
        response = survey_response_submit(
            response=response, actor=resident, token=token, changes={question.pk: {"text": text}}
        )
    paper = survey_response_enter(
        survey=survey,
        actor=manager,
        channel=Response.Channel.LETTER,
        channel_reference=f"Letter from {NAME}",
        respondent_name=NAME,
        answers={question.pk: {"text": f"Letter about {PLATE}"}},
        token="paper-1",
        results_email=EMAIL,
        scan=SimpleUploadedFile("letter.png", PNG + f"{NAME} {PLATE}".encode()),
    )
    OutgoingEmail.objects.create(
        to=["someone.else@example.net"],
        from_email="noreply@example.org",
        subject="Undeliverable",
        body_text=f"About {PLATE}",
    )

    # A session, and the ANPR ingestion's records of a refused return.
    session = SessionStore()
    session["note"] = "signed in"
    session.set_expiry(timedelta(days=14))
    session.create()
    source = source_create(name="Back end")
    batch = returns.Batch("hits", "2025-03", "", [{"note": PLATE}], "0" * 64)
    QuarantinedBatch.objects.create(
        source=source,
        body_sha256="0" * 64,
        findings=[f.as_dict() for f in returns.tripwire(batch)],
    )
    IdempotencyRecord.objects.create(source=source, key="k1", request_sha256="1" * 64)
    return resident, paper


def test_ten_years_on_the_plate_and_the_email_are_nowhere(make_staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    resident, paper = _walk_through(make_staff)
    scan_path = paper.scan.path
    assert _found(_database_text())  # the walk-through really did put them there

    with time_machine.travel(timezone.now() + timedelta(days=3653), tick=False):
        assert personal_data_retention_run.delay().get() >= 1

    remaining = _found(_database_text())
    assert not remaining, remaining
    files = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert not any(PLATE.encode() in p.read_bytes() for p in files), files
    assert not (tmp_path / "media").joinpath(scan_path).exists()
    resident.refresh_from_db()
    assert resident.erased_at is not None
    assert User.objects.filter(email__startswith="dormant").count() == 0
    assert (
        Comment.objects.filter(author=resident)
        .exclude(body="")
        .filter(body__icontains="ab12")
        .count()
        == 0
    )


def test_the_dry_run_lists_what_would_go_and_why_and_changes_nothing(
    make_staff, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    _walk_through(make_staff)
    before = _database_text()
    with time_machine.travel(timezone.now() + timedelta(days=3653), tick=False):
        from io import StringIO

        out = StringIO()
        call_command("personal_data_retention", "--dry-run", stdout=out)
    listing = out.getvalue()
    assert _database_text() == before
    for line in (
        "accounts of people who took part: 2 [participant-accounts]",
        "accounts that never took part: 1 [dormant-accounts]",
        "expired sessions: 1 [sessions]\n    why: past their expiry date: deleted",
        "earlier versions of comments: 2 [comment-versions]",
        "why: the survey closed more than 12 months ago",
        "ANPR returns refused because they looked personal (keyed digests only): 1",
        "Dry run: nothing was changed.",
    ):
        assert line in listing, listing


def _linked_values(item, user) -> dict:
    """{row pk: value} of an inventory field, for the rows linked to `user`."""
    model = apps.get_model(item.model)
    rows = model._base_manager.filter(**{item.person or "pk": user.pk})
    field = model._meta.get_field(item.field)
    if field.many_to_many:
        return {
            row.pk: sorted(getattr(row, item.field).values_list("pk", flat=True)) for row in rows
        }
    return dict(rows.values_list("pk", item.field))


def test_erasure_does_to_every_field_what_the_inventory_says(make_staff, settings, tmp_path):
    """Read from the inventory: after erasure, every field marked delete, blank, pseudonymise or
    shred no longer holds what it held about the person."""
    from consultation.models import CommentLike, ModerationAction
    from talklondon import personal_data, services
    from talklondon.sealing import text_unseal

    settings.MEDIA_ROOT = tmp_path / "media"
    resident, _paper = _walk_through(make_staff)
    CommentLike.objects.create(
        comment=Comment.objects.exclude(author=resident).first(), user=resident
    )
    factories.totp_add(resident)
    User.objects.filter(pk=resident.pk).update(last_login=timezone.now())
    moderation.participant_block(
        actor=make_staff(ROLE_MODERATOR), user=resident, reason="Spam again"
    )
    checked = {}
    for item in personal_data.inventory():
        if item.person is None or item.erasure == personal_data.KEEP:
            continue
        before = {pk: v for pk, v in _linked_values(item, resident).items() if v}
        if before:
            checked[item.label] = (item, before)
    assert len(checked) >= 24, sorted(checked)

    services.account_erase(user=resident, remove_content=True)

    for label, (item, before) in checked.items():
        model = apps.get_model(item.model)
        after = (
            dict(model._base_manager.filter(pk__in=before).values_list("pk", item.field))
            if not model._meta.get_field(item.field).many_to_many
            else {}
        )
        for pk, old in before.items():
            if item.erasure == personal_data.SHRED:
                sealed = after[pk]
                assert text_unseal(user_id=resident.pk, sealed=sealed) is None, label
                assert ModerationAction.objects.filter(pk=pk).exists(), label  # append-only
            elif pk in after:
                assert after[pk] != old, f"{label} still holds {old!r}"
            else:
                assert (
                    item.erasure in (personal_data.DELETE, personal_data.BLANK)
                    or model._meta.get_field(item.field).many_to_many
                ), label


def _linked_to(model, pk, user) -> bool:
    """Whether the row is linked to `user` through any person path the inventory declares."""
    from talklondon import personal_data

    paths = {i.person for i in personal_data.inventory() if i.model == model._meta.label}
    for path in paths:
        if path is None:
            continue
        if path == "" and pk == user.pk:
            return True
        if path and model._base_manager.filter(pk=pk, **{path: user.pk}).exists():
            return True
    return False


def test_before_erasure_the_plate_and_email_are_only_in_the_persons_own_rows(make_staff, caplog):
    """The walk-through without the paper response: everything the resident typed stays in rows
    linked to their account (or mail addressed to them), never in the audit trail, comment
    history, exports' raw material or logs."""
    moderator = make_staff(ROLE_MODERATOR)
    resident = factories.UserFactory(email=EMAIL, display_name="Jo")
    page = factories.ProposalPageFactory()
    comment = factories.CommentFactory(
        page=page, author=resident, body=f"Car {PLATE}, mail {EMAIL}", status="pending"
    )
    with caplog.at_level("DEBUG"):
        moderation.comment_redact(actor=moderator, comment=comment, text="Car [removed]")
        survey = factories.SurveyFactory(consultation=page.consultation)
        question = factories.QuestionFactory(
            section=factories.SectionFactory(survey=survey), type=Question.Type.LONG_TEXT
        )
        response = survey_response_start(survey=survey, actor=resident)
        survey_response_submit(
            response=response,
            actor=resident,
            token="t1",
            changes={question.pk: {"text": f"{PLATE} and {EMAIL}"}},
        )
    outside = []
    for model in apps.get_models():
        for row in model._base_manager.all().values():
            text = json.dumps(row, default=str).lower()
            if "ab12" not in text and "jo.bloggs" not in text:
                continue
            if model is OutgoingEmail and row["to"] == [EMAIL]:
                continue  # mail to the person themself (deleted after EMAIL_LOG_RETENTION_DAYS)
            if not _linked_to(model, row[model._meta.pk.attname], resident):
                outside.append((model._meta.label, row))
    assert not outside, outside
    # What the site's log handlers would write (they all carry the personal-data filter).
    written = "\n".join(personal_data_masked(record.getMessage()) for record in caplog.records)
    assert caplog.records and "AB12" not in written and "jo.bloggs" not in written
