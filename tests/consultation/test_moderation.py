"""Hold rules, surge mode, every moderation action, its emails and the audit trail."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consultation.models import Comment, CommentVersion, ModerationAction, ParticipantBlock
from consultation.selectors import audit_texts
from consultation.services import comments as comment_svc
from consultation.services import moderation as svc
from consultation.services.rules import looks_like_vehicle_registration, text_hold_reasons
from talklondon.permissions import ROLE_MANAGER
from tests import factories
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        "I saw AB12 CDE speeding",
        "ab12cde parked outside",
        "Plate Ab12 cDe again",
        "the old one was A123 BCD",
        "a123bcd",
        "my dad had ABC 123D",
        "abc123d",
        "X1 ABC",
    ],
)
def test_vehicle_registration_marks_are_spotted(text):
    assert looks_like_vehicle_registration(text)


@pytest.mark.parametrize(
    "text",
    [
        "The M25 and the A406 are busy",
        "About 1,300 cameras since 2014",
        "Eight weeks from 11 February",
        "I support the proposal",
    ],
)
def test_ordinary_text_is_not_a_number_plate(text):
    assert not looks_like_vehicle_registration(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("write to me at jo.bloggs@example.org", "email"),
        ("call 07700 900123 any time", "phone"),
        ("ring 020 7946 0018", "phone"),
        ("ring +44 20 7946 0018", "phone"),
        ("see https://example.org/page", "link"),
        ("see www.example.org", "link"),
        ("[here](http://example.org)", "link"),
        ("win at the casino now", "blocklist"),
        ("my car AB12CDE", "vehicle_registration"),
    ],
)
def test_text_hold_rules(text, reason):
    assert reason in text_hold_reasons(text)


def test_clean_text_trips_no_rule():
    assert text_hold_reasons("I think the safeguards are not strong enough.") == []


def test_blocklist_is_configurable(settings):
    settings.COMMENT_BLOCKLIST = ["rhubarb"]
    assert "blocklist" in text_hold_reasons("Rhubarb!")
    assert "blocklist" not in text_hold_reasons("casino")


def test_held_comment_has_reason_and_author_sees_it_awaiting(participant, open_page):
    comment = comment_svc.comment_post(
        actor=participant, page=open_page, text="Email me at me@example.org"
    )
    assert comment.status == Comment.Status.PENDING
    assert comment.held_reason_labels == ["Contains an email address"]


def test_first_comment_of_new_account_is_held_when_configured(settings, open_page):
    settings.COMMENT_HOLD_FIRST_COMMENT = True
    user = factories.UserFactory()
    first = comment_svc.comment_post(actor=user, page=open_page, text="Hello")
    assert first.held_reason_codes == ["first_comment"]
    second = comment_svc.comment_post(actor=user, page=open_page, text="Hello again")
    assert second.status == Comment.Status.PUBLISHED
    old = factories.UserFactory(date_joined=timezone.now() - timedelta(days=30))
    assert comment_svc.comment_post(actor=old, page=open_page, text="Hi").status == "published"
    settings.COMMENT_HOLD_FIRST_COMMENT = False
    fresh = factories.UserFactory()
    assert comment_svc.comment_post(actor=fresh, page=open_page, text="Hi").status == "published"


def test_surge_holds_comments_above_threshold(settings, open_page):
    settings.COMMENT_SURGE_PER_MINUTE = 3
    posted = [
        comment_svc.comment_post(actor=factories.UserFactory(), page=open_page, text=f"c{n}")
        for n in range(5)
    ]
    assert [c.status for c in posted[:3]] == ["published"] * 3
    assert all("surge" in c.held_reason_codes for c in posted[3:])
    # Comments on another consultation do not count towards this one's surge.
    other = factories.ProposalPageFactory(consultation=consultation_in_state("open"))
    assert comment_svc.comment_post(actor=factories.UserFactory(), page=other, text="x").status == (
        "published"
    )


def _pending(page, **kwargs):
    return factories.CommentFactory(page=page, status="pending", published_at=None, **kwargs)


def test_approve_publishes_audits_and_emails(
    moderator, open_page, mailoutbox, django_capture_on_commit_callbacks
):
    comment = _pending(open_page, held_for="email")
    with django_capture_on_commit_callbacks(execute=True):
        action = svc.comment_approve(actor=moderator, comment=comment, note="Fine on review")
    comment.refresh_from_db()
    assert comment.status == "published" and comment.published_at
    assert (action.kind, action.actor, action.comment, action.subject_user) == (
        "approve", moderator, comment, comment.author
    )  # fmt: skip
    assert action.reason_text == "Fine on review"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [comment.author.email]
    assert "now published" in mailoutbox[0].body


def test_reject_removes_with_house_rule_and_emails_appeal(
    moderator, open_page, mailoutbox, django_capture_on_commit_callbacks
):
    comment = factories.CommentFactory(page=open_page, open_report_count=2)
    reporter = factories.UserFactory()
    comment_svc.comment_report(actor=reporter, comment=comment, reason="abusive")
    with django_capture_on_commit_callbacks(execute=True):
        action = svc.comment_reject(actor=moderator, comment=comment, reason_code="1")
    comment.refresh_from_db()
    assert comment.status == "removed" and comment.removal_reason == "1"
    assert comment.open_report_count == 0
    assert comment.reports.filter(resolved_at__isnull=True).count() == 0
    assert action.reason_code == "1" and action.consultation_id == open_page.consultation_id
    (email,) = mailoutbox
    assert "removed" in email.subject
    assert "1. Be civil" in email.body
    assert "How to appeal" in email.body and f"M-{action.pk}" in email.body
    assert "Be civil" in email.alternatives[0][0]


def test_reject_needs_a_house_rule(moderator, open_page):
    comment = factories.CommentFactory(page=open_page)
    with pytest.raises(ValidationError, match="house rule"):
        svc.comment_reject(actor=moderator, comment=comment, reason_code="99")
    assert ModerationAction.objects.count() == 0


def test_redact_keeps_original_for_the_audit(
    moderator, open_page, mailoutbox, django_capture_on_commit_callbacks
):
    comment = _pending(open_page, body="My neighbour's car AB12 CDE is always there")
    with django_capture_on_commit_callbacks(execute=True):
        action = svc.comment_redact(
            actor=moderator, comment=comment, text="My neighbour's car [removed] is always there"
        )
    comment.refresh_from_db()
    assert comment.status == "published" and comment.redacted_at
    assert "AB12" not in comment.body and "AB12" not in comment.body_html
    assert audit_texts(action) == (
        "My neighbour's car AB12 CDE is always there",
        "My neighbour's car [removed] is always there",
    )
    # The history says a redaction happened; the original is only in the sealed audit row.
    version = CommentVersion.objects.get(comment=comment, kind="redaction")
    assert "AB12" not in version.body and "removed by a moderator" in version.body
    (email,) = mailoutbox
    assert "2. Do not share personal information" in email.body


def test_redact_refuses_unchanged_or_empty_text(moderator, open_page):
    comment = factories.CommentFactory(page=open_page, body="Same")
    with pytest.raises(ValidationError, match="same"):
        svc.comment_redact(actor=moderator, comment=comment, text="Same")
    with pytest.raises(ValidationError, match="Enter the redacted text"):
        svc.comment_redact(actor=moderator, comment=comment, text="  ")


def test_moderation_email_respects_profile_choice(
    moderator, open_page, mailoutbox, django_capture_on_commit_callbacks
):
    comment = factories.CommentFactory(page=open_page)
    comment.author.profile.email_on_moderation = False
    comment.author.profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        svc.comment_reject(actor=moderator, comment=comment, reason_code="4")
    assert mailoutbox == []


def test_bulk_approve_and_reject(moderator, open_page):
    pending = [_pending(open_page) for _ in range(3)]
    done = svc.comments_bulk_moderate(
        actor=moderator, comment_ids=[c.pk for c in pending], action="approve"
    )
    assert done == 3
    assert Comment.objects.filter(status="published").count() == 3
    done = svc.comments_bulk_moderate(
        actor=moderator, comment_ids=[c.pk for c in pending], action="reject", reason_code="4"
    )
    assert done == 3
    assert ModerationAction.objects.filter(kind="reject", reason_code="4").count() == 3


def test_bulk_reject_without_rule_changes_nothing(moderator, open_page):
    pending = [_pending(open_page) for _ in range(2)]
    with pytest.raises(ValidationError):
        svc.comments_bulk_moderate(
            actor=moderator, comment_ids=[c.pk for c in pending], action="reject"
        )
    assert Comment.objects.filter(status="pending").count() == 2
    assert ModerationAction.objects.count() == 0


def test_block_hides_comments_and_unblock_restores(moderator, participant, open_page):
    comment = comment_svc.comment_post(actor=participant, page=open_page, text="Mine")
    svc.participant_block(actor=moderator, user=participant, reason="Repeated abuse")
    assert comment_svc.is_blocked(participant)
    with pytest.raises(ValidationError, match="already blocked"):
        svc.participant_block(actor=moderator, user=participant, reason="Again")
    from consultation.selectors import comment_threads

    assert comment_threads(page=open_page, user=None).comments == []
    svc.participant_unblock(actor=moderator, user=participant, reason="Appeal upheld")
    assert [c.pk for c in comment_threads(page=open_page, user=None).comments] == [comment.pk]
    kinds = list(
        ModerationAction.objects.order_by("created_at", "id").values_list("kind", flat=True)
    )
    assert kinds == ["block", "unblock"]
    assert ParticipantBlock.objects.get().lifted_by == moderator


def test_block_needs_a_reason(moderator, participant):
    with pytest.raises(ValidationError):
        svc.participant_block(actor=moderator, user=participant, reason=" ")


@pytest.mark.parametrize("who", ["participant", "manager"])
def test_only_moderators_can_moderate(who, participant, make_staff, open_page):
    actor = participant if who == "participant" else make_staff(ROLE_MANAGER)
    comment = _pending(open_page)
    for call in (
        lambda: svc.comment_approve(actor=actor, comment=comment),
        lambda: svc.comment_reject(actor=actor, comment=comment, reason_code="1"),
        lambda: svc.comment_redact(actor=actor, comment=comment, text="x"),
        lambda: svc.comments_bulk_moderate(actor=actor, comment_ids=[comment.pk], action="approve"),
        lambda: svc.participant_block(actor=actor, user=comment.author, reason="x"),
        lambda: svc.participant_unblock(actor=actor, user=comment.author),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert ModerationAction.objects.count() == 0


def test_audit_trail_is_append_only(moderator, open_page):
    action = svc.comment_approve(actor=moderator, comment=_pending(open_page))
    with pytest.raises(TypeError):
        action.reason_text = "changed"
        action.save()
    with pytest.raises(TypeError):
        action.delete()
    with pytest.raises(TypeError):
        ModerationAction.objects.update(reason_text="changed")
    with pytest.raises(TypeError):
        ModerationAction.objects.all().delete()
    assert ModerationAction.objects.get().reason_text == ""


def test_reply_notification_email_and_unsubscribe(
    participant, open_page, mailoutbox, django_capture_on_commit_callbacks, client
):
    parent = factories.CommentFactory(page=open_page)
    with django_capture_on_commit_callbacks(execute=True):
        comment_svc.comment_post(
            actor=participant, page=open_page, text="I disagree", reply_to_id=parent.pk
        )
    (email,) = mailoutbox
    assert email.to == [parent.author.email]
    assert f"{participant.public_name} replied" in email.subject
    assert "I disagree" in email.body
    unsubscribe_url = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe_url.replace("http://127.0.0.1:8000", "")
    assert path in email.body
    response = client.get(path)
    assert b"Unsubscribe" in response.content
    parent.author.profile.refresh_from_db()
    assert parent.author.profile.email_on_reply is True
    response = client.post(path)  # one-click, no CSRF token needed
    assert b"no longer get reply emails" in response.content
    parent.author.profile.refresh_from_db()
    assert parent.author.profile.email_on_reply is False
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comment_svc.comment_post(
            actor=participant, page=open_page, text="Another reply", reply_to_id=parent.pk
        )
    assert mailoutbox == []


def test_forged_unsubscribe_token_is_refused(client, db):
    response = client.post("/consultations/unsubscribe/not-a-token/")
    assert response.status_code == 400
    assert b"not valid" in response.content


def test_held_reply_notifies_only_once_approved(
    moderator, participant, open_page, mailoutbox, django_capture_on_commit_callbacks
):
    parent = factories.CommentFactory(page=open_page)
    with django_capture_on_commit_callbacks(execute=True):
        reply = comment_svc.comment_post(
            actor=participant, page=open_page, text="mail me x@example.org", reply_to_id=parent.pk
        )
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        svc.comment_approve(actor=moderator, comment=reply)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([participant.email, parent.author.email])
    # Running the task again (at-least-once delivery) sends nothing more.
    from consultation.services.notifications import reply_notification_send

    assert reply_notification_send(comment_id=reply.pk) is False
