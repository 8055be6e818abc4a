"""Closing the loop: telling everyone who took part that the results are published.

When a version of a consultation's figures is published (the first publication, or a revision
that changes them), everyone who commented, liked a comment or submitted a survey response
with their account is emailed a link to "We asked, you said, we did", unless they switched
these emails off. So is everyone who responded on paper, by email or by letter and gave an
address to hear about the results (staff type it in with the response). Each email is sent
once per person or address and version (NotificationSent, keyed by a digest, never the
address), through the outbox like every other email, with a one-click unsubscribe link
(RFC 8058): for an account it switches results emails off, for an address it deletes it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
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
from talklondon.digests import keyed_digest

UNSUBSCRIBE_SALT = "consultation.unsubscribe.results"
# A token of its own kind for addresses given on paper: it names a response, not an account.
ADDRESS_UNSUBSCRIBE_SALT = "consultation.unsubscribe.results.address"


def results_unsubscribe_token(user) -> str:
    return unsubscribe_token(user, salt=UNSUBSCRIBE_SALT)


def results_unsubscribe_user_id(token: str) -> int | None:
    return unsubscribe_user_id(token, salt=UNSUBSCRIBE_SALT)


def results_address_unsubscribe_token(response) -> str:
    return signing.dumps({"r": response.pk}, salt=ADDRESS_UNSUBSCRIBE_SALT, compress=True)


def _address_response_id(token: str) -> int | None:
    try:
        data = signing.loads(token, salt=ADDRESS_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    response_id = data.get("r") if isinstance(data, dict) else None
    return response_id if isinstance(response_id, int) else None


def results_unsubscribe_token_valid(token: str) -> bool:
    """Whether the token is one of ours, for an account or for an address given on paper."""
    return results_unsubscribe_user_id(token) is not None or _address_response_id(token) is not None


@transaction.atomic
def results_emails_unsubscribe(*, token: str) -> bool:
    """Stop results emails for the person in the token: an account's choice is switched off;
    an address given on paper is deleted from every response that gave it (we keep it for
    nothing else). False if the token is not valid."""
    if results_unsubscribe_user_id(token) is not None:
        return email_choice_switch_off(token=token, salt=UNSUBSCRIBE_SALT, field="email_on_results")
    response_id = _address_response_id(token)
    if response_id is None:
        return False
    from consultation.surveys.models import Response

    address = (
        Response.objects.filter(pk=response_id).values_list("results_email", flat=True).first()
    )
    if address:
        Response.objects.filter(results_email__iexact=address).update(results_email="")
    return True


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


def addresses_given(consultation, *, emailed: set[str]):
    """[(address, response)] for the addresses given on paper, email and letter responses to
    hear about the results: one per address (case aside), leaving out the addresses `emailed`
    already (lower-cased) and those of accounts that switched results emails off."""
    from consultation.surveys.models import Response

    responses = (
        Response.objects.filter(survey__consultation=consultation, status=Response.Status.SUBMITTED)
        .exclude(channel=Response.Channel.ONLINE)
        .exclude(results_email="")
        .only("pk", "results_email", "respondent_name")
        .order_by("pk")
    )
    chosen: dict[str, object] = {}
    for response in responses:
        chosen.setdefault(response.results_email.casefold(), response)
    switched_off = {
        email.casefold()
        for email in get_user_model()
        .objects.filter(profile__email_on_results=False)
        .filter(email__in=[r.results_email for r in chosen.values()])
        .values_list("email", flat=True)
    }
    return [
        (response.results_email, response)
        for address, response in chosen.items()
        if address not in emailed and address not in switched_off
    ]


def _subject(consultation, release) -> str:
    return (
        f"the results of \u201c{consultation.title}\u201d"
        if release.version == 1
        else f"updated results of \u201c{consultation.title}\u201d"
    )


def _unsubscribe_headers(unsubscribe_url: str) -> dict:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


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
    emailed: set[str] = set()
    for user in participants(consultation).iterator(chunk_size=500):
        emailed.add(user.email.casefold())
        with transaction.atomic():
            if not _claim(f"results:{release.pk}:{user.pk}"):
                continue
            unsubscribe_url = settings.SITE_URL + reverse(
                "results:unsubscribe", args=[results_unsubscribe_token(user)]
            )
            _send(
                to=user.email,
                subject=_subject(consultation, release),
                context={
                    "greeting": user.public_name,
                    "consultation": consultation,
                    "release": release,
                    "results_url": results_url,
                    "unsubscribe_url": unsubscribe_url,
                },
                headers=_unsubscribe_headers(unsubscribe_url),
            )
            sent += 1
    for address, response in addresses_given(consultation, emailed=emailed):
        with transaction.atomic():
            # The claim names a digest of the address: NotificationSent keeps no address.
            digest = keyed_digest(address, purpose="results-email")
            if not _claim(f"results:{release.pk}:address:{digest}"):
                continue
            unsubscribe_url = settings.SITE_URL + reverse(
                "results:unsubscribe", args=[results_address_unsubscribe_token(response)]
            )
            _send(
                to=address,
                subject=_subject(consultation, release),
                context={
                    "greeting": response.respondent_name or "",
                    "consultation": consultation,
                    "release": release,
                    "results_url": results_url,
                    "unsubscribe_url": unsubscribe_url,
                },
                headers=_unsubscribe_headers(unsubscribe_url),
            )
            sent += 1
    return sent
