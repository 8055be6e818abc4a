"""Posting, editing, deleting, liking and reporting comments."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from consultation.models import Comment, CommentLike, CommentReport, CommentVersion, Consultation
from consultation.services import comments as svc
from consultation.services.moderation import participant_block
from tests import factories
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db


def test_post_publishes_at_once_in_post_moderation(participant, open_page):
    comment = svc.comment_post(actor=participant, page=open_page, text="I support *this*.")
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.published_at is not None
    assert "<em>this</em>" in comment.body_html


def test_post_waits_in_pre_moderation(participant):
    page = factories.ProposalPageFactory(
        consultation=consultation_in_state("open", moderation_mode="pre")
    )
    comment = svc.comment_post(actor=participant, page=page, text="Hello")
    assert comment.status == Comment.Status.PENDING
    assert comment.held_for == ""


def test_script_and_javascript_links_render_inert(participant, open_page):
    comment = svc.comment_post(
        actor=participant,
        page=open_page,
        text='<script>alert(1)</script> [click](javascript:alert(1)) <b onclick="x">bold</b>',
    )
    assert "<script" not in comment.body_html
    assert 'href="javascript' not in comment.body_html
    assert "<b " not in comment.body_html and "&lt;script&gt;" in comment.body_html


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Enter your comment"), ("   \n ", "Enter your comment"), ("x" * 5001, "5,000")],
)
def test_bad_text_is_refused_and_nothing_saved(participant, open_page, text, message):
    with pytest.raises(ValidationError, match=message):
        svc.comment_post(actor=participant, page=open_page, text=text)
    assert Comment.objects.count() == 0


def test_exactly_5000_characters_is_allowed(participant, open_page):
    assert svc.comment_post(actor=participant, page=open_page, text="y" * 5000).pk


def test_same_text_twice_in_a_row_is_refused(participant, open_page):
    svc.comment_post(actor=participant, page=open_page, text="Cameras are fine.")
    with pytest.raises(ValidationError, match="same comment"):
        svc.comment_post(actor=participant, page=open_page, text="  cameras are   fine. ")
    assert Comment.objects.count() == 1
    svc.comment_post(actor=participant, page=open_page, text="Something else")
    assert Comment.objects.count() == 2


def test_rate_limit_per_minute_and_hour(settings, participant, open_page):
    settings.COMMENT_RATE_PER_MINUTE = 5
    settings.COMMENT_RATE_PER_HOUR = 30
    for n in range(5):
        svc.comment_post(actor=participant, page=open_page, text=f"Point {n}")
    with pytest.raises(ValidationError, match="5 comments a minute"):
        svc.comment_post(actor=participant, page=open_page, text="Point 6")
    # Spread over the hour: 30 allowed, the 31st refused with the hourly message.
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    for n in range(25):
        Comment.objects.filter(pk=svc.comment_post(
            actor=participant, page=open_page, text=f"More {n}"
        ).pk).update(created_at=timezone.now() - timedelta(minutes=5))  # fmt: skip
    with pytest.raises(ValidationError, match="30 comments an hour"):
        svc.comment_post(actor=participant, page=open_page, text="One too many")


@pytest.mark.parametrize("state", ["upcoming", "closed"])
def test_cannot_post_unless_open(participant, state):
    page = factories.ProposalPageFactory(consultation=consultation_in_state(state))
    with pytest.raises(
        ValidationError, match="not opened yet" if state == "upcoming" else "closed"
    ):
        svc.comment_post(actor=participant, page=page, text="Hello")


def test_unverified_and_blocked_cannot_post(unverified_user, participant, open_page, moderator):
    with pytest.raises(PermissionDenied, match="Verify your email"):
        svc.comment_post(actor=unverified_user, page=open_page, text="Hello")
    participant_block(actor=moderator, user=participant, reason="Spam")
    with pytest.raises(PermissionDenied, match="blocked"):
        svc.comment_post(actor=participant, page=open_page, text="Hello")


def test_user_without_display_name_cannot_post(open_page):
    user = factories.UserFactory(display_name="")
    with pytest.raises(PermissionDenied, match="display name"):
        svc.comment_post(actor=user, page=open_page, text="Hello")


def test_replies_nest_to_three_levels_then_attach_at_the_third(participant, open_page):
    top = factories.CommentFactory(page=open_page)
    level2 = svc.comment_post(actor=participant, page=open_page, text="a", reply_to_id=top.pk)
    level3 = svc.comment_post(actor=participant, page=open_page, text="b", reply_to_id=level2.pk)
    deeper = svc.comment_post(actor=participant, page=open_page, text="c", reply_to_id=level3.pk)
    assert (level2.depth, level3.depth, deeper.depth) == (1, 2, 2)
    assert deeper.parent_id == level2.pk and deeper.replied_to_id == level3.pk
    assert {level2.thread_id, level3.thread_id, deeper.thread_id} == {top.pk}


@pytest.mark.parametrize("kind", ["removed", "deleted", "pending", "unknown", "other_page"])
def test_reply_to_unavailable_comment_is_refused(participant, open_page, kind):
    target_id = 999999
    if kind != "unknown":
        target = factories.CommentFactory(page=open_page)
        if kind == "removed":
            Comment.objects.filter(pk=target.pk).update(status="removed", removal_reason="1")
        elif kind == "deleted":
            Comment.objects.filter(pk=target.pk).update(deleted_at=timezone.now())
        elif kind == "pending":
            Comment.objects.filter(pk=target.pk).update(status="pending")
        elif kind == "other_page":
            target = factories.CommentFactory()
        target_id = target.pk
    before = Comment.objects.count()
    with pytest.raises(ValidationError, match="removed or no longer exists"):
        svc.comment_post(actor=participant, page=open_page, text="Reply", reply_to_id=target_id)
    assert Comment.objects.count() == before


def test_edit_within_window_keeps_a_version(participant, open_page):
    comment = svc.comment_post(actor=participant, page=open_page, text="First thoughts")
    edited = svc.comment_edit(actor=participant, comment=comment, text="Second thoughts")
    assert edited.body == "Second thoughts" and edited.edited_at is not None
    assert list(CommentVersion.objects.values_list("body", "kind")) == [("First thoughts", "edit")]


def test_edit_after_window_is_refused(participant, open_page):
    comment = svc.comment_post(actor=participant, page=open_page, text="First thoughts")
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=16)),
        pytest.raises(ValidationError, match="first 15 minutes"),
    ):
        svc.comment_edit(actor=participant, comment=comment, text="Too late")


def test_edit_someone_elses_comment_is_forbidden(participant, open_page):
    comment = factories.CommentFactory(page=open_page)
    with pytest.raises(PermissionDenied):
        svc.comment_edit(actor=participant, comment=comment, text="Hijack")


def test_edit_that_adds_personal_data_goes_back_to_moderation(participant, open_page):
    comment = svc.comment_post(actor=participant, page=open_page, text="Fine")
    edited = svc.comment_edit(actor=participant, comment=comment, text="My car is AB12 CDE")
    assert edited.status == Comment.Status.PENDING
    assert "vehicle_registration" in edited.held_reason_codes


def test_delete_keeps_replies_and_text_for_moderators(participant, open_page):
    comment = svc.comment_post(actor=participant, page=open_page, text="Delete me")
    reply = factories.CommentFactory(reply_to=comment)
    svc.comment_delete(actor=participant, comment=comment)
    comment.refresh_from_db()
    assert comment.is_deleted and comment.body == ""
    assert CommentVersion.objects.get(comment=comment).body == "Delete me"
    assert Comment.objects.filter(pk=reply.pk, status="published").exists()
    with pytest.raises(ValidationError, match="already deleted"):
        svc.comment_delete(actor=participant, comment=comment)


def test_delete_someone_elses_comment_is_forbidden(participant, open_page):
    with pytest.raises(PermissionDenied):
        svc.comment_delete(actor=participant, comment=factories.CommentFactory(page=open_page))


def test_like_once_and_take_it_back(participant, open_page):
    comment = factories.CommentFactory(page=open_page)
    assert svc.comment_like(actor=participant, comment=comment) is True
    assert svc.comment_like(actor=participant, comment=comment) is False
    comment.refresh_from_db()
    assert comment.like_count == 1
    assert svc.comment_unlike(actor=participant, comment=comment) is True
    assert svc.comment_unlike(actor=participant, comment=comment) is False
    comment.refresh_from_db()
    assert comment.like_count == 0


def test_like_is_unique_in_the_database(participant, open_page):
    comment = factories.CommentFactory(page=open_page)
    CommentLike.objects.create(comment=comment, user=participant)
    with pytest.raises(IntegrityError):
        CommentLike.objects.create(comment=comment, user=participant)


def test_cannot_like_own_comment(participant, open_page):
    comment = factories.CommentFactory(page=open_page, author=participant)
    with pytest.raises(ValidationError, match="your own"):
        svc.comment_like(actor=participant, comment=comment)


@pytest.mark.parametrize("reason", [r for r, _ in CommentReport.Reason.choices])
def test_report_each_reason(participant, open_page, reason):
    comment = factories.CommentFactory(page=open_page)
    details = "It names my neighbour" if reason == "other" else ""
    svc.comment_report(actor=participant, comment=comment, reason=reason, details=details)
    comment.refresh_from_db()
    assert comment.open_report_count == 1


def test_report_other_needs_text_and_only_once(participant, open_page):
    comment = factories.CommentFactory(page=open_page)
    with pytest.raises(ValidationError, match="Tell us what is wrong"):
        svc.comment_report(actor=participant, comment=comment, reason="other")
    svc.comment_report(actor=participant, comment=comment, reason="spam")
    with pytest.raises(ValidationError, match="already reported"):
        svc.comment_report(actor=participant, comment=comment, reason="abusive")
    assert CommentReport.objects.count() == 1


def test_bad_report_reason_refused(participant, open_page):
    comment = factories.CommentFactory(page=open_page)
    with pytest.raises(ValidationError):
        svc.comment_report(actor=participant, comment=comment, reason="boring")


def test_consultation_status_is_derived_from_the_clock():
    consultation = consultation_in_state("open")
    assert consultation.status == Consultation.Status.OPEN
    with time_machine.travel(consultation.closes_at + timedelta(seconds=1)):
        assert consultation.status == Consultation.Status.CLOSED
