"""Emails to participants: replies to their comments and the outcome of moderation.

Sent with Django's mail API; the configured backend is the outbox, so delivery goes through
Celery. Each notification is recorded in NotificationSent so a retried task sends it once.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from consultation.models import Comment, ModerationAction, NotificationSent
from talklondon.house_rules import house_rule, house_rule_title
from talklondon.models import Profile, User

UNSUBSCRIBE_SALT = "consultation.unsubscribe.reply"


def unsubscribe_token(user, *, salt: str = UNSUBSCRIBE_SALT) -> str:
    """A signed token that switches off one kind of email for this person, without signing in
    (reply emails by default; each kind has its own salt, so a token serves only its kind)."""
    return signing.dumps({"u": user.pk}, salt=salt, compress=True)


def unsubscribe_user_id(token: str, *, salt: str = UNSUBSCRIBE_SALT) -> int | None:
    """The user id in a valid token, or None for a forged or damaged one."""
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) else None


@transaction.atomic
def email_choice_switch_off(*, token: str, salt: str, field: str) -> bool:
    """Switch off the profile's email choice `field` for the person in the token (signed with
    `salt`). False if the token is not valid."""
    user_id = unsubscribe_user_id(token, salt=salt)
    if user_id is None:
        return False
    profile, _ = Profile.objects.get_or_create(user_id=user_id)
    if getattr(profile, field):
        setattr(profile, field, False)
        profile.save(update_fields=[field, "updated_at"])
    return True


def reply_emails_unsubscribe(*, token: str) -> bool:
    """Switch off reply emails for the person in the token. False if the token is not valid."""
    return email_choice_switch_off(token=token, salt=UNSUBSCRIBE_SALT, field="email_on_reply")


def _claim(key: str) -> bool:
    """Record that a notification is being sent; False if it was sent before."""
    try:
        with transaction.atomic():
            NotificationSent.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def _profile(user) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def _comment_url(comment: Comment) -> str:
    page = comment.page
    path = reverse("consultation:page", args=[page.consultation.slug, page.slug])
    return f"{settings.SITE_URL}{path}#comment-{comment.pk}"


def _send(*, to: str, subject: str, template: str, context: dict, headers=None) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    text = render_to_string(f"consultation/email/{template}.txt", context)
    html = render_to_string(f"consultation/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"Talk London: {subject}", body=text, to=[to], headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    message.send()


@transaction.atomic
def reply_notification_send(*, comment_id: int) -> bool:
    """Email the author of the comment that was replied to. True if an email was sent."""
    reply = (
        Comment.objects.select_related("page__consultation", "author", "replied_to__author")
        .filter(pk=comment_id)
        .first()
    )
    if reply is None or reply.replied_to is None or reply.status != Comment.Status.PUBLISHED:
        return False
    recipient = reply.replied_to.author
    if recipient.pk == reply.author_id or recipient.erased_at or not recipient.is_active:
        return False
    if not _profile(recipient).email_on_reply:
        return False
    if not _claim(f"reply:{reply.pk}"):
        return False
    Comment.objects.filter(pk=reply.pk).update(reply_notified_at=timezone.now())
    token = unsubscribe_token(recipient)
    unsubscribe_url = settings.SITE_URL + reverse("consultation:unsubscribe", args=[token])
    _send(
        to=recipient.email,
        subject=f"{reply.author.public_name} replied to your comment",
        template="reply",
        context={
            "recipient": recipient,
            "reply": reply,
            "page": reply.page,
            "comment_url": _comment_url(reply),
            "unsubscribe_url": unsubscribe_url,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    return True


OUTCOME_SUBJECTS = {
    ModerationAction.Kind.APPROVE: "your comment is published",
    ModerationAction.Kind.REJECT: "your comment was removed",
    ModerationAction.Kind.REDACT: "your comment was edited by a moderator",
}


@transaction.atomic
def moderation_notification_send(*, action_id: int) -> bool:
    """Email a comment's author what a moderator decided, why, and how to appeal."""
    action = (
        ModerationAction.objects.select_related("comment__page__consultation", "comment__author")
        .filter(pk=action_id)
        .first()
    )
    if action is None or action.comment is None or action.kind not in OUTCOME_SUBJECTS:
        return False
    author = action.comment.author
    if author.erased_at or not author.is_active or not _profile(author).email_on_moderation:
        return False
    if not _claim(f"moderation:{action.pk}"):
        return False
    rule = house_rule(action.reason_code) if action.reason_code else None
    _send(
        to=author.email,
        subject=OUTCOME_SUBJECTS[action.kind],
        template="moderation",
        context={
            "author": author,
            "action": action,
            "comment": action.comment,
            "page": action.comment.page,
            "rule_title": house_rule_title(action.reason_code) if action.reason_code else "",
            # The rule as the house rules page explains it, so the two never disagree.
            "rule_description": rule.explanation if rule else "",
            "comment_url": _comment_url(action.comment),
            "house_rules_url": settings.SITE_URL + reverse("house_rules"),
            "contact_url": settings.SITE_URL + reverse("contact"),
            "profile_url": settings.SITE_URL + reverse("profile"),
        },
    )
    return True


@transaction.atomic
def block_notification_send(*, action_id: int) -> bool:
    """Tell a blocked person they can no longer post, why, and how to appeal. Sent whatever
    their email settings: it is about their account, not a notification they chose."""
    action = ModerationAction.objects.filter(pk=action_id, kind=ModerationAction.Kind.BLOCK).first()
    if action is None or action.subject_user_id is None:
        return False
    person = User.objects.filter(pk=action.subject_user_id).first()
    if person is None or person.erased_at or not person.is_active or not person.email:
        return False
    if not _claim(f"block:{action.pk}"):
        return False
    _send(
        to=person.email,
        subject="you can no longer post comments",
        template="blocked",
        context={
            "person": person,
            "action": action,
            "house_rules_url": settings.SITE_URL + reverse("house_rules"),
            "contact_url": settings.SITE_URL + reverse("contact"),
        },
    )
    return True
