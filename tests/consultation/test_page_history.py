"""Proposal pages keep their history: each edit is a version with its change note, and the
public page offers "What changed" with the differences."""

import pytest
from django.urls import reverse

from consultation.models import ProposalPageVersion
from consultation.services.consultations import page_create, page_update, proposal_page_publish
from tests import factories
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db

FIRST = (
    "## Retention\n\nNumber plate reads would be kept for 12 months.\n\nThe Met would ask first."
)


def _edit(manager, page, body, note):
    page_update(
        actor=manager,
        page=page,
        title=page.title,
        slug=page.slug,
        position=page.position,
        body=body,
        change_note=note,
    )
    page.refresh_from_db()


def test_each_edit_is_a_version_with_its_note_and_the_public_sees_what_changed(manager, client):
    consultation = consultation_in_state("open")
    page = page_create(
        actor=manager, consultation=consultation, title="Retention", slug="retention", body=FIRST
    )
    assert page.versions.count() == 1
    proposal_page_publish(actor=manager, page=page)  # a new page is a draft
    _edit(manager, page, FIRST.replace("12 months", "31 days"), "Shortened retention to 31 days")
    _edit(
        manager,
        page,
        page.body.replace("The Met would ask first.", "The Met would need a warrant."),
        "Added the warrant requirement",
    )
    versions = list(page.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert [v.change_note for v in versions[1:]] == [
        "Shortened retention to 31 days",
        "Added the warrant requirement",
    ]
    assert versions[0].body == FIRST and versions[1].created_by == manager

    public = client.get(reverse("consultation:page", args=[consultation.slug, "retention"]))
    changes_url = reverse("consultation:page_changes", args=[consultation.slug, "retention"])
    assert f'href="{changes_url}"' in public.content.decode()
    history = client.get(changes_url).content.decode()
    # Both notes, newest first, each with what it removed and added.
    assert history.index("Added the warrant requirement") < history.index("Shortened retention")
    assert "<del>12 months</del>" in history and "<ins>31 days</ins>" in history
    assert "<ins>need a warrant</ins>" in history


def test_a_page_edited_before_versions_existed_keeps_its_earlier_text(manager, client):
    page = factories.ProposalPageFactory(consultation=consultation_in_state("open"))
    before = page.body
    _edit(manager, page, before + "\n\nA new paragraph.", "Added a paragraph")
    assert list(page.versions.order_by("number").values_list("body", flat=True)) == [
        before,
        before + "\n\nA new paragraph.",
    ]
    assert ProposalPageVersion.objects.filter(page=page).count() == 2


def test_no_history_link_for_a_page_never_changed(client):
    page = factories.ProposalPageFactory(consultation=consultation_in_state("open"))
    html = client.get(reverse("consultation:page", args=[page.consultation.slug, page.slug]))
    assert "What changed" not in html.content.decode()
