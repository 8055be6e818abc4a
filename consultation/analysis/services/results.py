"""Writing and publishing a consultation's results page. Consultation managers only.

The page can be drafted at any time and previewed by managers and analysts; it can be published
once the consultation has closed. Publishing sets `Consultation.results_published_at`, which is
what makes the page (and the link from the consultation page) public, and makes version 1 of
the published figures (services/releases.py). Edits to the text after publishing appear at
once; the figures change only through a revision. Unpublishing hides the page again.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from consultation.analysis.models import ResultsPage
from consultation.analysis.services.releases import results_release_first
from consultation.models import Consultation
from consultation.services.public_pages import consultation_pages_changed
from talklondon.models import User
from talklondon.permissions import can_manage_consultations

logger = logging.getLogger("consultation.analysis.audit")
LIMITS = {"summary": 5000, "we_asked": 20000, "you_said": 20000, "we_did": 20000}
REQUIRED = {
    "we_asked": "Enter what we asked.",
    "you_said": "Enter what people said.",
    "we_did": "Enter what MOPAC decided and will do.",
}


def _check(user) -> None:
    if not can_manage_consultations(user):
        raise PermissionDenied("Only consultation managers write results pages.")


def results_page_save(
    *,
    actor: User,
    consultation: Consultation,
    summary: str = "",
    we_asked: str,
    you_said: str,
    we_did: str,
) -> ResultsPage:
    """Create or update the results page's text (Markdown). Does not publish it."""
    _check(actor)
    values = {
        "summary": (summary or "").strip(),
        "we_asked": (we_asked or "").strip(),
        "you_said": (you_said or "").strip(),
        "we_did": (we_did or "").strip(),
    }
    errors = {field: message for field, message in REQUIRED.items() if not values[field]}
    errors.update(
        {
            field: f"This must be {limit:,} characters or fewer."
            for field, limit in LIMITS.items()
            if len(values[field]) > limit
        }
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        page, _ = ResultsPage.objects.select_for_update().update_or_create(
            consultation=consultation,
            defaults={**values, "updated_by": actor, "updated_at": timezone.now()},
        )
    return page


def results_page_publish(
    *, actor: User, consultation: Consultation, now=None, notify: bool = True
) -> Consultation:
    """Publish the results page: only after the consultation has closed, and only once written.

    Everyone who took part is emailed unless `notify` is False (the demo's historical seed)."""
    _check(actor)
    now = now or timezone.now()
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.status_at(now) != Consultation.Status.CLOSED:
            raise ValidationError("You can publish the results once the consultation has closed.")
        page = ResultsPage.objects.filter(consultation=consultation).first()
        if page is None:
            raise ValidationError("Write the results page before publishing it.")
        if consultation.results_published_at is None:
            consultation.results_published_at = now
            consultation.save(update_fields=["results_published_at", "updated_at"])
            page.published_by = actor
            page.save(update_fields=["published_by"])
            # The figures are computed now, once, and stored: version 1 of the results release.
            results_release_first(actor=actor, consultation=consultation, now=now, notify=notify)
            logger.info(
                "Results of consultation %s published by user %s", consultation.pk, actor.pk
            )
            # The consultation page and listings link to the results once published.
            consultation_pages_changed(slugs=[consultation.slug], listing=True)
    return consultation


def results_page_unpublish(*, actor: User, consultation: Consultation) -> Consultation:
    """Take the results page down (for example to correct it); it can be published again."""
    _check(actor)
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.results_published_at is not None:
            consultation.results_published_at = None
            consultation.save(update_fields=["results_published_at", "updated_at"])
            logger.info(
                "Results of consultation %s unpublished by user %s", consultation.pk, actor.pk
            )
            consultation_pages_changed(slugs=[consultation.slug], listing=True)
    return consultation
