"""Closing the loop: telling everyone who took part that the results are published.

When a version of a consultation's figures is published (the first publication, or a revision
that changes them), everyone who commented, liked a comment or submitted a survey response
with their account is emailed a link to "We asked, you said, we did", unless they switched
these emails off. Each email is sent once per person and version (NotificationSent), through
the outbox like every other email, with a one-click unsubscribe link (RFC 8058).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from consultation.analysis.models import ResultsRelease
from consultation.services.notifications import (
    _claim,
    email_choice_switch_off,
    unsubscribe_token,
    unsubscribe_user_id,
)

UNSUBSCRIBE_SALT = "consultation.unsubscribe.results"


def results_unsubscribe_token(user) -> str:
    return unsubscribe_token(user, salt=UNSUBSCRIBE_SALT)


def results_unsubscribe_user_id(token: str) -> int | None:
    return unsubscribe_user_id(token, salt=UNSUBSCRIBE_SALT)


def results_emails_unsubscribe(*, token: str) -> bool:
    """Switch off results emails for the person in the token. False if it is not valid."""
    return email_choice_switch_off(token=token, salt=UNSUBSCRIBE_SALT, field="email_on_results")


def participants(consultation):
    """Everyone with an account who took part: commented, liked a comment, or responded."""
    from consultation.models import Comment, CommentLike
    from consultation.surveys.models import Response

    took_part = set(
        Comment.objects.filter(page__consultation=consultation).values_list("author_id", flat=True)
    )
    took_part |= set(
        CommentLike.objects.filter(comment__page__consultation=consultation).values_list(
            "user_id", flat=True
        )
    )
    took_part |= set(
        Response.objects.filter(
            survey__consultation=consultation,
            status=Response.Status.SUBMITTED,
            respondent__isnull=False,
        ).values_list("respondent_id", flat=True)
    )
    return (
        get_user_model()
        .objects.filter(pk__in=took_part, is_active=True, erased_at__isnull=True)
        .exclude(profile__email_on_results=False)
        .exclude(email="")
        .order_by("pk")
    )


def _send(*, to: str, subject: str, context: dict, headers: dict) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=f"Talk London: {subject}",
        body=render_to_string("analysis/email/results.txt", context),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(
        render_to_string("analysis/email/results.html", context), "text/html"
    )
    message.send()


def results_published_notify_all(*, release_id: int) -> int:
    """Email every participant about one published version. Returns how many were sent."""
    release = (
        ResultsRelease.objects.select_related("consultation")
        .filter(pk=release_id, status=ResultsRelease.Status.PUBLISHED)
        .first()
    )
    if release is None or release.consultation.results_published_at is None:
        return 0
    consultation = release.consultation
    results_url = settings.SITE_URL + reverse("results:detail", args=[consultation.slug])
    sent = 0
    for user in participants(consultation).iterator(chunk_size=500):
        with transaction.atomic():
            if not _claim(f"results:{release.pk}:{user.pk}"):
                continue
            unsubscribe_url = settings.SITE_URL + reverse(
                "results:unsubscribe", args=[results_unsubscribe_token(user)]
            )
            _send(
                to=user.email,
                subject=(
                    f"the results of \u201c{consultation.title}\u201d"
                    if release.version == 1
                    else f"updated results of \u201c{consultation.title}\u201d"
                ),
                context={
                    "recipient": user,
                    "consultation": consultation,
                    "release": release,
                    "results_url": results_url,
                    "unsubscribe_url": unsubscribe_url,
                },
                headers={
                    "List-Unsubscribe": f"<{unsubscribe_url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
            sent += 1
    return sent
