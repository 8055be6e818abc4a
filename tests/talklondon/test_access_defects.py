"""Regression tests for the ways in found by trying the site as an attacker would (issue 12).

Each test here failed before its fix.
"""

import pytest
from django.core import mail
from django.urls import reverse

from consultation.models import Comment
from talklondon import permissions
from talklondon.models import OutgoingEmail, User
from tests import factories
from tests.analysis.surveydata import survey_with_responses
from tests.talklondon.helpers import PASSWORD, force_login_without_mfa, sign_in

# --- Held and pending comments are not readable through any comment route --------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.REMOVED])
@pytest.mark.parametrize("route", ["comment_reply", "comment_delete", "comment_edit"])
def test_a_resident_cannot_read_someone_elses_held_comment(client, participant, status, route):
    held = factories.CommentFactory(
        status=status,
        body="Held: my neighbour drives AB12 CDE, email bob@example.org",
        removal_reason="2" if status == Comment.Status.REMOVED else "",
    )
    client.force_login(participant)
    response = client.get(reverse(f"consultation:{route}", args=[held.pk]))
    assert response.status_code == 404
    assert "AB12 CDE" not in response.content.decode()


@pytest.mark.django_db
def test_a_resident_can_still_reply_to_a_published_comment(client, participant):
    comment = factories.CommentFactory()
    client.force_login(participant)
    response = client.get(reverse("consultation:comment_reply", args=[comment.pk]))
    assert response.status_code == 200
    assert comment.body in response.content.decode()


@pytest.mark.django_db
def test_the_author_still_sees_their_own_pending_comment(client, participant):
    mine = factories.CommentFactory(author=participant, status=Comment.Status.PENDING)
    client.force_login(participant)
    response = client.get(reverse("consultation:comment_reply", args=[mine.pk]))
    assert response.status_code == 200


# --- MFA belongs to the session -----------------------------------------------------------------


@pytest.fixture
def superuser(db):
    user = factories.UserFactory(is_superuser=True, is_staff=True)
    factories.totp_add(user)
    return user


@pytest.mark.django_db
def test_the_django_admin_login_form_does_not_open_staff_pages(client, superuser):
    response = client.post(
        "/django-admin/login/?next=/django-admin/",
        {"username": superuser.email, "password": PASSWORD, "next": "/django-admin/"},
    )
    # The admin's own password-only form is gone: it sends people to allauth's sign-in.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get("/staff/").status_code != 200
    assert client.get("/django-admin/").status_code != 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", permissions.STAFF_ROLES)
def test_a_password_only_session_does_not_open_staff_pages(client, make_staff, role):
    user = make_staff(role)
    force_login_without_mfa(client, user)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not permissions.can_moderate(_request_user(client, user))


def _request_user(client, user):
    """The user as the predicates see them on this client's next request."""
    from django.test import RequestFactory

    from talklondon.permissions import bind_session

    request = RequestFactory().get("/")
    request.session = client.session
    request.user = User.objects.get(pk=user.pk)
    bind_session(request)
    return request.user


@pytest.mark.django_db
def test_passing_mfa_again_opens_staff_pages(client, make_staff):
    from demo.accounts import totp_current_code

    user = make_staff(permissions.ROLE_MODERATOR)
    force_login_without_mfa(client, user)
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_current_code(user)})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


@pytest.mark.django_db
def test_the_admin_never_shows_email_bodies_or_tokens(client, superuser):
    OutgoingEmail.objects.create(
        to=["someone@example.org"],
        from_email="noreply@example.org",
        subject="Reset your password",
        body_text="Reset it here: https://talk.london/accounts/password/reset/key/SECRET-TOKEN/",
        body_html="<a href='https://talk.london/accounts/password/reset/key/SECRET-TOKEN/'>x</a>",
        headers={"List-Unsubscribe": "<https://talk.london/consultations/unsubscribe/TOK/>"},
    )
    client.force_login(superuser)
    email = OutgoingEmail.objects.get()
    for url in (
        "/django-admin/talklondon/outgoingemail/",
        f"/django-admin/talklondon/outgoingemail/{email.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "SECRET-TOKEN" not in html
        assert "TOK" not in html.replace("TOKEN", "")
    # TOTP secrets are not shown either.
    response = client.get("/django-admin/mfa/authenticator/")
    assert response.status_code in (200, 404)
    secret = superuser.authenticator_set.get(type="totp").data.get("secret", "")
    assert not secret or secret not in response.content.decode()


# --- Staff-only pages outside /staff/ -----------------------------------------------------------


@pytest.mark.django_db
def test_unpublished_results_need_mfa_in_this_session(client, make_staff):
    survey = survey_with_responses(count=12, closed=True)
    consultation = survey.consultation
    analyst = make_staff(permissions.ROLE_ANALYST)
    urls = [
        reverse("results:detail", args=[consultation.slug]),
        reverse("results:table", args=[consultation.slug, survey.pk, 1]),
        reverse("results:table_by_borough", args=[consultation.slug, survey.pk, 1]),
    ]
    force_login_without_mfa(client, analyst)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(analyst)  # a full sign-in, with MFA
    assert client.get(urls[0]).status_code == 200


# --- Sign-up does not say which addresses have accounts ----------------------------------------


def _sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "display_name": "New Londoner",
            "password1": "a-long-new-password-9",
            "password2": "a-long-new-password-9",
        },
    )


@pytest.mark.django_db
def test_sign_up_answers_the_same_for_a_new_and_an_existing_address(client, participant):
    new = _sign_up(client, "brand-new@example.org")
    client.logout()
    existing = _sign_up(client, participant.email.upper())
    assert new.status_code == existing.status_code == 302
    assert new["Location"] == existing["Location"]
    page = client.get(existing["Location"]).content.decode()
    assert "Check your email" in page
    assert "An account already exists" not in page
    # The owner of the existing address is told by email; nobody else learns anything.
    to_owner = [m for m in mail.outbox if participant.email in m.to]
    assert to_owner and "already" in to_owner[-1].body.lower()
    assert User.objects.filter(email__iexact=participant.email).count() == 1


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_a_new_and_an_existing_address(client, participant):
    known = client.post(reverse("account_reset_password"), {"email": participant.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


# --- Nobody can lock an account out --------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(client, participant):
    for _ in range(8):
        client.post(
            reverse("account_login"),
            {"login": participant.email, "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.66",
        )
    attacker = client.post(
        reverse("account_login"),
        {"login": participant.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.66",
    )
    # The guesser is slowed down ...
    assert attacker.status_code == 200
    page = attacker.content.decode()
    assert "too many attempts" in page.lower()
    # ... and told how the real owner gets in anyway.
    assert reverse("account_request_login_code") in page
    assert reverse("account_reset_password") in page

    client.cookies.clear()
    owner = client.post(
        reverse("account_login"),
        {"login": participant.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert owner.status_code == 302


@pytest.mark.django_db
def test_the_owner_can_sign_in_with_an_emailed_code(client, participant):
    response = client.post(reverse("account_request_login_code"), {"email": participant.email})
    assert response.status_code == 302
    assert any(participant.email in m.to for m in mail.outbox)


# --- /accounts/inactive/ ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_inactive_account_page_answers(client):
    response = client.get(reverse("account_inactive"))
    assert response.status_code == 200
    assert "govuk-heading-l" in response.content.decode()


@pytest.mark.django_db
def test_signing_in_to_an_inactive_account_says_so(client):
    user = factories.UserFactory(is_active=False)
    response = sign_in(client, user.email)
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_emailed_sign_in_code_still_asks_staff_for_their_second_factor(client, make_staff):
    import re

    moderator = make_staff(permissions.ROLE_MODERATOR)
    client.post(reverse("account_request_login_code"), {"email": moderator.email})
    body = [m for m in mail.outbox if moderator.email in m.to][-1].body
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", body, re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/staff/").status_code == 302  # not signed in until the TOTP step
