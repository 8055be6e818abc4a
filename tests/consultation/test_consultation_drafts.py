"""Consultations and proposal pages are drafts until a Consultation manager publishes them.

A draft is "not found" on every public route (like anything private), is left out of the home
page and the list, and is read by staff through the preview. Publishing is a service with a
permission predicate; the migration keeps what existed before drafts published.
"""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultation.models import Attachment, Consultation
from consultation.permissions import can_publish_consultation, can_publish_page
from consultation.services.consultations import (
    consultation_create,
    consultation_publish,
    page_create,
    proposal_page_publish,
)
from consultation.surveys import services as survey_services
from talklondon.permissions import ROLE_ANALYST, ROLE_MANAGER
from tests import factories
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db


def _public_urls(consultation, page, comment, attachment) -> list[str]:
    return [
        reverse("consultation:detail", args=[consultation.slug]),
        reverse("consultation:page", args=[consultation.slug, page.slug]),
        reverse("consultation:page_changes", args=[consultation.slug, page.slug]),
        reverse("consultation:comment_reply", args=[comment.pk]),
        reverse("consultation:attachment", args=[attachment.pk]),
        reverse("statements:vote", args=[consultation.slug]),
    ]


def _draft_world():
    consultation = consultation_in_state("open", title="Secret plan", published_at=None)
    page = factories.ProposalPageFactory(consultation=consultation)
    comment = factories.CommentFactory(page=page)
    attachment = Attachment.objects.create(
        page=page, title="Plan", file="consultation/attachments/x.pdf", size_bytes=1
    )
    factories.StatementsActivityFactory(consultation=consultation)
    return consultation, page, comment, attachment


def test_a_draft_consultation_is_not_found_anywhere_public(staff_client):
    consultation, page, comment, attachment = _draft_world()
    client = Client()  # anonymous
    manager_client, _manager = staff_client(ROLE_MANAGER)
    for url in _public_urls(consultation, page, comment, attachment):
        assert client.get(url).status_code == 404, url
        # Staff read a draft through the preview, not the public routes.
        assert manager_client.get(url).status_code == 404, url
    for name in ("home", "consultation:list"):
        assert b"Secret plan" not in client.get(reverse(name)).content


def test_a_draft_page_of_a_published_consultation_is_hidden(client):
    consultation = consultation_in_state("open")
    shown = factories.ProposalPageFactory(consultation=consultation, title="Shown page")
    draft = factories.ProposalPageFactory(
        consultation=consultation, title="Unfinished page", published_at=None
    )
    detail = client.get(reverse("consultation:detail", args=[consultation.slug])).content
    assert b"Shown page" in detail and b"Unfinished page" not in detail
    page = client.get(reverse("consultation:page", args=[consultation.slug, shown.slug]))
    assert page.status_code == 200 and b"Unfinished page" not in page.content
    assert (
        client.get(reverse("consultation:page", args=[consultation.slug, draft.slug])).status_code
        == 404
    )


def test_staff_preview_shows_drafts_to_managers_only(staff_client, make_staff):
    consultation, page, _comment, _attachment = _draft_world()
    manager_client, _manager = staff_client(ROLE_MANAGER)
    analyst_client, client = Client(), Client()  # an analyst, and someone anonymous
    analyst_client.force_login(make_staff(ROLE_ANALYST))
    for url in (
        reverse("consultation_staff:consultation_preview", args=[consultation.pk]),
        reverse("consultation_staff:page_preview", args=[page.pk]),
    ):
        response = manager_client.get(url)
        assert response.status_code == 200 and b"data-preview" in response.content
        assert b"Secret plan" in response.content
        assert analyst_client.get(url).status_code == 404
        assert client.get(url).status_code in (302, 404)


def test_a_new_consultation_and_page_are_drafts(manager):
    now = timezone.now()
    consultation = consultation_create(
        actor=manager,
        title="New",
        slug="new",
        summary="S",
        opens_at=now,
        closes_at=now + timezone.timedelta(days=30),
    )
    page = page_create(actor=manager, consultation=consultation, title="P", slug="p", body="B")
    assert consultation.is_draft and page.is_draft
    assert can_publish_consultation(manager, consultation) and can_publish_page(manager, page)


def test_publishing_shows_the_consultation_at_once_even_to_a_cached_home_page(client, manager):
    consultation = consultation_in_state("open", title="Coming soon plan", published_at=None)
    assert b"Coming soon plan" not in client.get(reverse("home")).content  # now cached
    consultation_publish(actor=manager, consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.published_at is not None and consultation.published_by == manager
    assert b"Coming soon plan" in client.get(reverse("home")).content
    assert client.get(reverse("consultation:detail", args=[consultation.slug])).status_code == 200
    # Published once: publishing again changes nothing, and the predicate says no.
    first = consultation.published_at
    consultation_publish(actor=manager, consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.published_at == first
    assert not can_publish_consultation(manager, consultation)


def test_only_consultation_managers_publish(make_staff):
    consultation = consultation_in_state("open", published_at=None)
    page = factories.ProposalPageFactory(consultation=consultation, published_at=None)
    analyst = make_staff(ROLE_ANALYST)
    assert not can_publish_consultation(analyst, consultation)
    with pytest.raises(PermissionDenied):
        consultation_publish(actor=analyst, consultation=consultation)
    with pytest.raises(PermissionDenied):
        proposal_page_publish(actor=analyst, page=page)
    assert Consultation.objects.get(pk=consultation.pk).is_draft


def test_a_page_is_public_once_both_it_and_its_consultation_are_published(client, manager):
    consultation = consultation_in_state("open", published_at=None)
    page = factories.ProposalPageFactory(consultation=consultation, published_at=None)
    url = reverse("consultation:page", args=[consultation.slug, page.slug])
    proposal_page_publish(actor=manager, page=page)
    assert client.get(url).status_code == 404
    consultation_publish(actor=manager, consultation=consultation)
    assert client.get(url).status_code == 200


def test_the_editor_shows_the_state_and_publishes_after_confirming(staff_client):
    manager_client, _manager = staff_client(ROLE_MANAGER)
    consultation = consultation_in_state("open", title="Draft one", published_at=None)
    factories.ProposalPageFactory(consultation=consultation, title="Draft page", published_at=None)
    listing = manager_client.get(reverse("consultation_staff:consultation_list")).content
    assert b"govuk-tag--grey" in listing and b"Draft" in listing
    edit = manager_client.get(
        reverse("consultation_staff:consultation_edit", args=[consultation.pk])
    )
    assert b"data-draft" in edit.content and b"Publish consultation" in edit.content
    publish_url = reverse("consultation_staff:consultation_publish", args=[consultation.pk])
    confirm = manager_client.get(publish_url)
    # The confirmation says which pages stay drafts; nothing is published by asking.
    assert confirm.status_code == 200 and "“Draft page”" in confirm.content.decode()
    assert Consultation.objects.get(pk=consultation.pk).is_draft
    assert manager_client.post(publish_url).status_code == 302
    assert not Consultation.objects.get(pk=consultation.pk).is_draft
    edit = manager_client.get(
        reverse("consultation_staff:consultation_edit", args=[consultation.pk])
    )
    assert b"data-draft" not in edit.content and b"govuk-tag--green" in edit.content
    # Once published, the confirmation page goes back to the editor.
    assert manager_client.get(publish_url).status_code == 302


def test_a_page_is_published_from_its_editor(staff_client):
    manager_client, _manager = staff_client(ROLE_MANAGER)
    client = Client()  # anonymous
    page = factories.ProposalPageFactory(
        consultation=consultation_in_state("open"), published_at=None
    )
    edit = manager_client.get(reverse("consultation_staff:page_edit", args=[page.pk]))
    assert b"Publish page" in edit.content
    publish_url = reverse("consultation_staff:page_publish", args=[page.pk])
    assert manager_client.get(publish_url).status_code == 200
    assert manager_client.post(publish_url).status_code == 302
    page.refresh_from_db()
    assert not page.is_draft
    assert (
        client.get(
            reverse("consultation:page", args=[page.consultation.slug, page.slug])
        ).status_code
        == 200
    )


def test_a_survey_waits_for_its_consultation_to_be_published(manager):
    from consultation.surveys.models import Question, Section, Survey

    consultation = consultation_in_state("open", published_at=None)
    survey = Survey.objects.create(consultation=consultation, title="S", slug="s")
    section = Section.objects.create(survey=survey, title="One", position=1)
    Question.objects.create(section=section, type=Question.Type.LONG_TEXT, text="Why?", position=1)
    with pytest.raises(ValidationError):
        survey_services.survey_publish(actor=manager, survey=survey)
    consultation_publish(actor=manager, consultation=consultation)
    assert not survey_services.survey_publish(actor=manager, survey=survey).is_draft


def test_published_results_of_a_draft_consultation_stay_hidden(client):
    consultation = consultation_in_state("closed", published_at=None)
    Consultation.objects.filter(pk=consultation.pk).update(results_published_at=timezone.now())
    assert client.get(reverse("results:detail", args=[consultation.slug])).status_code == 404


def test_the_migration_keeps_existing_consultations_and_pages_published():
    migration = importlib.import_module("consultation.migrations.0006_drafts")
    consultation = consultation_in_state("open", published_at=None)
    page = factories.ProposalPageFactory(consultation=consultation, published_at=None)
    migration.publish_existing(django_apps, None)
    consultation.refresh_from_db()
    page.refresh_from_db()
    assert consultation.published_at == consultation.created_at
    assert page.published_at == page.created_at
