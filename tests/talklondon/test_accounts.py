"""Signing up, confirming an email address, signing in, and the limits around them."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from talklondon import permissions
from talklondon.models import OutgoingEmail, User
from tests import factories
from tests.talklondon.helpers import link_path, sign_in

SIGNUP = {
    "email": "new.londoner@example.org",
    "display_name": "Curious Camden",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


@pytest.mark.django_db
def test_sign_up_email_link_verifies_then_sign_in(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302

    user = User.objects.get(email="new.londoner@example.org")
    assert user.display_name == "Curious Camden"
    assert user.profile is not None
    assert not permissions.has_verified_email(user)
    # The email went through the outbox table and was delivered by the (eager) task.
    stored = OutgoingEmail.objects.get()
    assert stored.to == ["new.londoner@example.org"]
    assert stored.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.londoner@example.org"]

    confirm_path = link_path(mail.outbox[0].body, "/accounts/confirm-email/")
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert b"Confirm your email address" in page.content
    assert client.post(confirm_path).status_code == 302
    assert permissions.has_verified_email(user)
    assert permissions.can_participate(user)

    client.post(reverse("account_logout"))
    response = sign_in(client, "new.londoner@example.org", "a long enough passphrase")
    assert response.status_code == 302
    assert client.get(reverse("profile")).context["user"] == user


@pytest.mark.django_db
def test_sign_up_errors_are_summarised_and_values_kept(client):
    response = client.post(
        reverse("account_signup"),
        {**SIGNUP, "display_name": "", "password2": "something else entirely"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Create an account – Talk London</title>" in html
    assert "govuk-error-summary" in html
    assert 'href="#id_display_name"' in html
    assert 'value="new.londoner@example.org"' in html
    assert not User.objects.exists()


@pytest.mark.django_db
def test_emails_are_unique_ignoring_case(client, participant):
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "email": participant.email.upper()}
    )
    # The same answer as for a new address (no enumeration); the owner is emailed instead.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact=participant.email).count() == 1

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=participant.email.upper())


@pytest.mark.django_db
def test_wrong_passwords_are_throttled(client, participant):
    for _ in range(5):
        response = sign_in(client, participant.email, "not the password")
        assert response.status_code == 200
        html = response.content.decode()
        assert "The email address or password is not correct" in html
        assert "not the password" not in html  # passwords are never echoed back
    # Even the right password is refused once the limit is reached.
    response = sign_in(client, participant.email)
    assert response.status_code == 200
    assert "too many attempts to sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_up_floods_are_throttled():
    # Each sign-up comes from a fresh browser, all from the same address.
    for n in range(10):
        Client().post(reverse("account_signup"), {**SIGNUP, "email": f"flood{n}@example.org"})
    response = Client().post(reverse("account_signup"), {**SIGNUP, "email": "flood-x@example.org"})
    assert response.status_code == 429
    assert "You are doing that too often" in response.content.decode()
    assert User.objects.count() == 10


@pytest.mark.django_db
def test_password_reset_flow(client, participant):
    response = client.post(reverse("account_reset_password"), {"email": participant.email})
    assert response.status_code == 302
    reset_path = link_path(mail.outbox[-1].body, "/accounts/password/reset/key/")
    page = client.get(reset_path, follow=True)
    assert b"Choose a new password" in page.content
    response = client.post(
        page.redirect_chain[-1][0],
        {"password1": "a brand new passphrase", "password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.check_password("a brand new passphrase")


@pytest.mark.django_db
def test_unverified_person_is_told_why_and_how_to_verify(client, unverified_user):
    problem = permissions.participation_problem(unverified_user)
    assert problem is not None and "Verify your email address" in problem
    assert not permissions.can_participate(unverified_user)

    client.force_login(unverified_user)
    profile = client.get(reverse("profile")).content.decode()
    assert "confirm your email address before you can comment" in profile
    assert reverse("account_email") in profile

    # The email page sends a fresh confirmation link; following it lets them take part.
    mail.outbox.clear()
    response = client.post(
        reverse("account_email"), {"email": unverified_user.email, "action_send": ""}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    confirm_path = link_path(mail.outbox[0].body, "/accounts/confirm-email/")
    client.post(confirm_path)
    assert EmailAddress.objects.get(user=unverified_user).verified
    assert permissions.participation_problem(unverified_user) is None


@pytest.mark.django_db
def test_participation_problems_for_every_state(participant):
    from django.contrib.auth.models import AnonymousUser

    assert "Sign in" in permissions.participation_problem(AnonymousUser())
    nameless = factories.UserFactory(display_name="")
    assert "display name" in permissions.participation_problem(nameless)
    participant.is_active = False
    assert "cannot take part" in permissions.participation_problem(participant)
