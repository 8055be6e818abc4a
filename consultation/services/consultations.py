"""Consultation managers' writes: consultations, proposal pages and PDF attachments."""

import io
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from consultation.models import Attachment, Consultation, ProposalPage, ProposalPageVersion
from consultation.permissions import can_publish_consultation, can_publish_page
from consultation.services.public_pages import consultation_pages_changed
from talklondon.models import User
from talklondon.permissions import can_manage_consultations

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Not results_published_at: only publishing the results (after close) sets it.
CONSULTATION_FIELDS = (
    "title", "slug", "summary", "organisation", "opens_at", "closes_at", "moderation_mode",
)  # fmt: skip
PAGE_FIELDS = ("title", "slug", "body", "position", "comments_enabled")


def _require_manager(actor: User) -> None:
    if not can_manage_consultations(actor):
        raise PermissionDenied("Only consultation managers can do this.")


def _check_dates(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": "The closing time must be after the opening time."})


@transaction.atomic
def consultation_create(*, actor: User, **fields) -> Consultation:
    """Create a consultation from the staff form's cleaned data."""
    _require_manager(actor)
    _check_dates(fields["opens_at"], fields["closes_at"])
    if Consultation.objects.filter(slug=fields["slug"]).exists():
        raise ValidationError({"slug": "Another consultation already uses this web address."})
    consultation = Consultation.objects.create(
        **{k: fields[k] for k in CONSULTATION_FIELDS if k in fields}
    )
    consultation_pages_changed(slugs=[consultation.slug], listing=True)
    return consultation


@transaction.atomic
def consultation_update(*, actor: User, consultation: Consultation, **fields) -> Consultation:
    """Change a consultation's details."""
    _require_manager(actor)
    _check_dates(fields["opens_at"], fields["closes_at"])
    published = consultation.results_published_at
    if published is not None and fields["closes_at"] > published:
        raise ValidationError(
            {"closes_at": "The results are published: unpublish them before reopening."}
        )
    if Consultation.objects.filter(slug=fields["slug"]).exclude(pk=consultation.pk).exists():
        raise ValidationError({"slug": "Another consultation already uses this web address."})
    old_slug = consultation.slug
    changed = [name for name in CONSULTATION_FIELDS if name in fields]
    for name in changed:
        setattr(consultation, name, fields[name])
    # Only the form's fields: never write back a publication state this instance was loaded with.
    consultation.save(update_fields=[*changed, "updated_at"])
    consultation_pages_changed(slugs=[old_slug, consultation.slug], listing=True)
    return consultation


@transaction.atomic
def consultation_publish(*, actor: User, consultation: Consultation, now=None) -> Consultation:
    """Make a draft consultation public: the home page, the list and its own page show it,
    with those of its proposal pages that are published. Publishing twice changes nothing."""
    _require_manager(actor)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not can_publish_consultation(actor, consultation):
        return consultation
    consultation.published_at = now or timezone.now()
    consultation.published_by = actor
    consultation.save(update_fields=["published_at", "published_by", "updated_at"])
    consultation_pages_changed(slugs=[consultation.slug], listing=True)
    return consultation


@transaction.atomic
def proposal_page_publish(*, actor: User, page: ProposalPage, now=None) -> ProposalPage:
    """Make a draft proposal page public (once its consultation is published too)."""
    _require_manager(actor)
    page = ProposalPage.objects.select_for_update().select_related("consultation").get(pk=page.pk)
    if not can_publish_page(actor, page):
        return page
    page.published_at = now or timezone.now()
    page.published_by = actor
    page.save(update_fields=["published_at", "published_by"])
    consultation_pages_changed(slugs=[page.consultation.slug])
    return page


def _slug_free(consultation: Consultation, slug: str, *, exclude_pk=None) -> None:
    clash = ProposalPage.objects.filter(consultation=consultation, slug=slug)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"slug": "Another page in this consultation uses this address."})


@transaction.atomic
def page_create(
    *,
    actor: User,
    consultation: Consultation,
    title: str,
    slug: str,
    body: str,
    position: int | None = None,
    comments_enabled: bool = True,
) -> ProposalPage:
    """Add a proposal page; without a position it goes last."""
    _require_manager(actor)
    _slug_free(consultation, slug)
    if position is None:
        last = consultation.pages.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
    page = ProposalPage.objects.create(
        consultation=consultation,
        title=title,
        slug=slug,
        body=body,
        position=position,
        comments_enabled=comments_enabled,
    )
    ProposalPageVersion.objects.create(
        page=page, number=1, title=title, body=body, created_at=page.created_at, created_by=actor
    )
    consultation_pages_changed(slugs=[consultation.slug])
    return page


def _page_version_add(*, page: ProposalPage, actor: User, change_note: str) -> None:
    """Keep the page's new text as a version; a page from before versions existed first gets
    its previous text as version 1, so the first difference can still be shown."""
    last = page.versions.order_by("-number").first()
    if last is None:
        before = ProposalPage.objects.get(pk=page.pk)
        last = ProposalPageVersion.objects.create(
            page=page, number=1, title=before.title, body=before.body, created_at=before.created_at
        )
    ProposalPageVersion.objects.create(
        page=page,
        number=last.number + 1,
        title=page.title,
        body=page.body,
        change_note=change_note[:500],
        created_by=actor,
    )


@transaction.atomic
def page_update(
    *,
    actor: User,
    page: ProposalPage,
    title: str,
    slug: str,
    body: str,
    position: int,
    comments_enabled: bool = True,
    change_note: str = "",
) -> ProposalPage:
    """Edit a page. Once the consultation has opened, a change to the text needs a change note,
    which is shown to readers with the time of the change."""
    _require_manager(actor)
    _slug_free(page.consultation, slug, exclude_pk=page.pk)
    change_note = (change_note or "").strip()
    text_changed = title != page.title or body != page.body
    opened = timezone.now() >= page.consultation.opens_at
    if opened and text_changed:
        if not change_note:
            raise ValidationError(
                {"change_note": "Say what changed: readers see this note because the "
                 "consultation has already opened."}
            )  # fmt: skip
        page.last_updated_at = timezone.now()
        page.change_note = change_note[:500]
    page.title, page.slug, page.body = title, slug, body
    page.position, page.comments_enabled = position, comments_enabled
    if text_changed:
        # Before the save, so a page without versions yet can keep its old text as version 1.
        _page_version_add(page=page, actor=actor, change_note=change_note)
    # Only what the editor changes: never write back a publication state this instance was
    # loaded with.
    page.save(update_fields=[*PAGE_FIELDS, "last_updated_at", "change_note"])
    consultation_pages_changed(slugs=[page.consultation.slug])
    return page


def pdf_check(uploaded_file) -> int:
    """Check an upload really is a readable PDF of at most 10 MB; return its page count.

    The content decides, not the file name: it must start with the PDF signature and parse.
    """
    size = uploaded_file.size
    if size == 0:
        raise ValidationError({"file": "The selected file is empty."})
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": "The selected file must be smaller than 10 MB."})
    uploaded_file.seek(0)
    data = uploaded_file.read()
    uploaded_file.seek(0)
    if not data.startswith(b"%PDF-"):
        raise ValidationError({"file": "The selected file must be a PDF."})
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError({"file": "The selected PDF is password-protected."})
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise ValidationError({"file": "The selected file is damaged or is not a PDF."}) from None
    except Exception:  # pypdf raises a wide range of errors on hostile input
        raise ValidationError({"file": "The selected file is damaged or is not a PDF."}) from None
    if pages < 1:
        raise ValidationError({"file": "The selected PDF has no pages."})
    return pages


@transaction.atomic
def attachment_add(*, actor: User, page: ProposalPage, title: str, uploaded_file) -> Attachment:
    """Attach a checked PDF to a proposal page."""
    _require_manager(actor)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Enter a title for the document."})
    page_count = pdf_check(uploaded_file)
    name = uploaded_file.name.rsplit("/", 1)[-1]
    if not name.lower().endswith(".pdf"):
        name = f"{name}.pdf"
    uploaded_file.name = name
    attachment = Attachment.objects.create(
        page=page,
        title=title,
        file=uploaded_file,
        size_bytes=uploaded_file.size,
        page_count=page_count,
        uploaded_by=actor,
    )
    consultation_pages_changed(slugs=[page.consultation.slug])
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Remove an attachment and its file."""
    _require_manager(actor)
    slug = attachment.page.consultation.slug
    attachment.file.delete(save=False)
    attachment.delete()
    consultation_pages_changed(slugs=[slug])
