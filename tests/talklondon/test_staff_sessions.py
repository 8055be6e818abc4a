"""Staff sessions: signed out when left idle, and asked to confirm it is them before the most
sensitive actions (issue 12)."""

import time

import pytest
from django.urls import reverse

from anpr_info.models import ApiKey
from anpr_info.services.sources import source_create
from consultation.models import ParticipantBlock
from demo.accounts import totp_current_code
from talklondon.middleware import STAFF_LAST_SEEN_KEY
from talklondon.permissions import ROLE_MODERATOR, ROLE_PUBLISHER

pytestmark = pytest.mark.django_db


def _age_session(client, *, seconds: float) -> None:
    """Pretend this session signed in `seconds` ago and has been active since."""
    session = client.session
    session["account_authentication_methods"] = [
        {**record, "at": record["at"] - seconds}
        for record in session["account_authentication_methods"]
    ]
    session.save()


def _idle(client, *, minutes: float) -> None:
    session = client.session
    session[STAFF_LAST_SEEN_KEY] = time.time() - minutes * 60
    session.save()


def test_an_idle_staff_session_is_signed_out(staff_client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client, _user = staff_client(ROLE_MODERATOR)
    assert client.get("/staff/").status_code == 200
    _idle(client, minutes=29)
    assert client.get("/staff/").status_code == 200  # still within the limit (and renewed)
    _idle(client, minutes=31)
    response = client.get("/staff/consultations/moderation/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # Signed out for good, not just sent away once.
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "signed out because you had not used Talk London for 30 minutes" in page


def test_the_idle_limit_is_a_setting(staff_client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    client, _user = staff_client(ROLE_MODERATOR)
    client.get("/staff/")
    _idle(client, minutes=6)
    assert client.get("/staff/").status_code == 302


def test_residents_are_not_signed_out_for_being_idle(client, participant):
    client.force_login(participant)
    _idle(client, minutes=600)
    assert client.get(reverse("profile")).status_code == 200


def test_blocking_a_person_needs_a_recent_sign_in(staff_client, participant):
    client, moderator = staff_client(ROLE_MODERATOR)
    _age_session(client, seconds=600)
    url = reverse("consultation_staff:participant_block", args=[participant.pk])
    assert client.get(url).status_code == 200  # the form itself is not held up
    response = client.post(url, {"reason": "Persistent abuse"})
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert not ParticipantBlock.objects.exists()

    # Confirming with the authenticator app carries out the block that was asked for.
    response = client.post(
        reverse("mfa_reauthenticate") + f"?next={url}", {"code": totp_current_code(moderator)}
    )
    assert response.status_code == 302
    assert ParticipantBlock.objects.filter(user=participant, lifted_at__isnull=True).exists()


def test_issuing_an_ingestion_key_needs_a_recent_sign_in(staff_client):
    source = source_create(name="Back end")
    client, _user = staff_client(ROLE_PUBLISHER)
    _age_session(client, seconds=600)
    response = client.post(reverse("anpr_staff:key_issue", args=[source.pk]))
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert not ApiKey.objects.exists()
    _age_session(client, seconds=-600)  # back to a fresh sign-in
    assert client.post(reverse("anpr_staff:key_issue", args=[source.pk])).status_code == 200
    assert ApiKey.objects.count() == 1
