""" "Download my data" covers every record the inventory links to a person, in words."""

import json

import pytest
from django.urls import reverse

from consultation.services import moderation
from talklondon.permissions import ROLE_MODERATOR
from talklondon.selectors import inventory_records_for, personal_data_export
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderated(make_staff):
    moderator = make_staff(ROLE_MODERATOR)
    comment = factories.CommentFactory(body="My car AB12 CDE", status="pending")
    moderation.comment_redact(actor=moderator, comment=comment, text="My car [removed]")
    moderation.participant_block(actor=moderator, user=comment.author, reason="Repeated spam")
    return moderator, comment.author


def test_the_person_sees_decisions_about_them_with_labels_and_their_own_words(client, moderated):
    _moderator, author = moderated
    client.force_login(author)
    data = client.get(reverse("account_data_download")).json()
    rows = data["apps"]["comments"]
    decisions = [r for r in rows if r["type"] == "moderation decision"]
    assert [d["decision"] for d in decisions] == ["Redacted", "Blocked user"]
    assert decisions[0]["house_rule"] == "2. Do not share personal information"
    assert decisions[0]["text_before"] == "My car AB12 CDE"  # their own words, from the seal
    (block,) = [r for r in rows if r["type"] == "block"]
    assert block["reason"] == "Repeated spam"


def test_staff_see_what_they_did_in_words(moderated):
    moderator, _author = moderated
    records = inventory_records_for(user=moderator)
    staff = records["Staff"]
    kinds = {r["record"] for r in staff}
    assert {"Moderation action", "Participant block"} <= kinds
    action = next(r for r in staff if r["record"] == "Moderation action")
    assert action["kind"] in {"Redacted", "Blocked user"}  # a label, not "redact"
    assert action["which moderator acted"] == "You"


def test_the_download_never_holds_secrets(participant):
    factories.totp_add(participant)
    text = json.dumps(personal_data_export(user=participant))
    assert participant.password not in text
    assert "secret" not in text.lower()


def test_the_data_page_summarises_the_download_in_words(client, moderated):
    _moderator, author = moderated
    client.force_login(author)
    page = client.get(reverse("account_data")).content.decode()
    assert "Comments and replies you posted" in page
    assert "Moderators’ decisions about your comments or account" in page
    assert "Download your data (JSON)" in page
