"""Your data: download, deletion, and the retention job, with other apps plugged in through the
personal-data registry (here, a fake "survey" app that keeps answers)."""

import json
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from talklondon import permissions, personal_data, services
from talklondon.models import OutgoingEmail, Profile, User
from talklondon.tasks import personal_data_retention_run
from tests import factories
from tests.talklondon.helpers import PASSWORD


class FakeSurveyApp:
    """Stands in for an app holding answers: identified until erased, then anonymised."""

    def __init__(self):
        self.answers: list[dict] = []  # {"user_id": int | None, "answer": str}
        self.comments: list[dict] = []  # {"user_id": int, "body": str}
        self.erase_calls: list[tuple[int, bool]] = []
        self.participation: list[tuple[int, datetime]] = []

    def export(self, user):
        return {
            "answers": [a["answer"] for a in self.answers if a["user_id"] == user.pk],
            "comments": [c["body"] for c in self.comments if c["user_id"] == user.pk],
        }

    def erase(self, *, user, remove_content: bool):
        self.erase_calls.append((user.pk, remove_content))
        for answer in self.answers:
            if answer["user_id"] == user.pk:
                answer["user_id"] = None  # kept, but no longer linked to anyone
        if remove_content:
            self.comments = [c for c in self.comments if c["user_id"] != user.pk]

    def participants(self):
        return list(self.participation)


@pytest.fixture
def fake_app():
    app = FakeSurveyApp()
    personal_data.register_exporter("fake_survey", app.export)
    personal_data.register_eraser("fake_survey", app.erase)
    personal_data.register_participation("fake_survey", app.participants)
    yield app
    personal_data.unregister("fake_survey")


@pytest.mark.django_db
def test_data_download_contains_the_users_data(client, participant, fake_app):
    Profile.objects.filter(user=participant).update(borough="E09000007", age_band="25_34")
    fake_app.answers.append({"user_id": participant.pk, "answer": "Support with safeguards"})
    fake_app.answers.append({"user_id": participant.pk + 1000, "answer": "someone else"})
    client.force_login(participant)

    page = client.get(reverse("account_data"))
    assert reverse("account_data_download") in page.content.decode()
    response = client.get(reverse("account_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == participant.email
    assert data["account"]["display_name"] == participant.display_name
    assert data["profile"]["borough_name"] == "Camden"
    assert data["profile"]["age_band"] == "25 to 34"
    assert data["email_addresses"] == [
        {"email": participant.email, "verified": True, "primary": True}
    ]
    assert data["apps"]["fake_survey"] == {"answers": ["Support with safeguards"], "comments": []}
    assert "password" not in response.content.decode()


@pytest.mark.django_db
def test_data_download_needs_sign_in(client):
    response = client.get(reverse("account_data_download"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _assert_erased(user: User):
    user.refresh_from_db()
    assert user.erased_at is not None
    assert not user.is_active
    assert user.display_name == ""
    assert user.public_name == "Deleted account"
    assert user.email.endswith("@erased.invalid")
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    profile = Profile.objects.get(user=user)
    assert (profile.borough, profile.age_band, profile.gender, profile.ethnicity) == ("",) * 4
    assert profile.disability == ""


@pytest.mark.django_db
@pytest.mark.parametrize("remove_content", [False, True])
def test_deleting_my_account_erases_personal_data_and_keeps_anonymised_answers(
    client, participant, fake_app, remove_content
):
    factories.totp_add(participant)
    Profile.objects.filter(user=participant).update(
        borough="E09000007", ethnicity="white", gender="woman", disability="no"
    )
    fake_app.answers.append({"user_id": participant.pk, "answer": "Oppose"})
    fake_app.comments.append({"user_id": participant.pk, "body": "My view"})
    old_email = participant.email
    client.force_login(participant)

    page = client.get(reverse("account_delete"))
    assert b"Also remove my comments" in page.content
    form = {"password": PASSWORD}
    if remove_content:
        form["remove_content"] = "on"
    response = client.post(reverse("account_delete"), form)
    assert response.status_code == 302

    _assert_erased(participant)
    assert fake_app.erase_calls == [(participant.pk, remove_content)]
    assert fake_app.answers == [{"user_id": None, "answer": "Oppose"}]
    assert len(fake_app.comments) == (0 if remove_content else 1)
    assert not User.objects.filter(email__iexact=old_email).exists()
    assert not OutgoingEmail.objects.filter(to=[old_email]).exists()
    # Signed out, and the old password no longer works.
    assert "_auth_user_id" not in client.session
    assert not client.login(email=old_email, password=PASSWORD)


@pytest.mark.django_db
def test_deletion_needs_the_right_password(client, participant, fake_app):
    client.force_login(participant)
    response = client.post(reverse("account_delete"), {"password": "wrong"})
    assert response.status_code == 200
    assert "The password is not correct" in response.content.decode()
    participant.refresh_from_db()
    assert participant.erased_at is None
    assert fake_app.erase_calls == []


@pytest.mark.django_db
def test_erasing_twice_changes_nothing(participant, fake_app):
    services.account_erase(user=participant, remove_content=False)
    participant.refresh_from_db()
    first_email = participant.email
    services.account_erase(user=participant, remove_content=True)
    participant.refresh_from_db()
    assert participant.email == first_email
    assert fake_app.erase_calls == [(participant.pk, False)]
    assert permissions.participation_problem(participant) == "This account cannot take part."


def _at(year, month, day):
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.mark.django_db
def test_retention_task_erases_only_what_is_due(settings, fake_app):
    settings.PERSONAL_DATA_RETENTION_MONTHS = 12
    due = factories.UserFactory()
    not_yet = factories.UserFactory()
    still_active = factories.UserFactory()
    staff = factories.UserFactory()
    staff.groups.add(Group.objects.get(name=permissions.ROLE_MANAGER))
    bystander = factories.UserFactory()  # never took part
    fake_app.answers.append({"user_id": due.pk, "answer": "Support"})
    fake_app.participation += [
        (due.pk, _at(2024, 4, 8)),  # closed just over 12 months before "now"
        (not_yet.pk, _at(2024, 4, 10)),  # closes 12 months ago in two days
        (still_active.pk, _at(2023, 1, 1)),
        (still_active.pk, _at(2025, 6, 1)),  # also took part in a later consultation
        (staff.pk, _at(2023, 1, 1)),
    ]

    with time_machine.travel(_at(2025, 4, 8), tick=False):
        assert personal_data_retention_run.delay().get() == 1

    _assert_erased(due)
    for kept in (not_yet, still_active, staff, bystander):
        kept.refresh_from_db()
        assert kept.erased_at is None and kept.is_active, kept
    assert fake_app.answers == [{"user_id": None, "answer": "Support"}]
    assert fake_app.erase_calls == [(due.pk, False)]

    # Two days later the next one is due; the first is not erased again.
    with time_machine.travel(_at(2025, 4, 10), tick=False):
        assert services.personal_data_retention_erase() == [not_yet.pk]


@pytest.mark.django_db
def test_retention_period_is_configurable(settings, fake_app):
    settings.PERSONAL_DATA_RETENTION_MONTHS = 6
    person = factories.UserFactory()
    fake_app.participation.append((person.pk, _at(2024, 10, 1)))
    with time_machine.travel(_at(2025, 3, 31), tick=False):
        assert services.personal_data_retention_erase() == []
    with time_machine.travel(_at(2025, 4, 2), tick=False):
        assert services.personal_data_retention_erase() == [person.pk]


@pytest.mark.django_db
def test_copies_of_sent_emails_are_pruned_after_the_email_log_period(participant):
    with time_machine.travel(_at(2025, 1, 1), tick=False):
        mail.send_mail("Hello", "Body", None, [participant.email])
    assert OutgoingEmail.objects.filter(sent_at__isnull=False).count() == 1
    with time_machine.travel(_at(2025, 2, 15), tick=False):
        services.personal_data_retention_erase()
    assert not OutgoingEmail.objects.exists()


def test_months_before_clamps_to_the_end_of_short_months():
    assert services.months_before(_at(2025, 3, 31), 1) == _at(2025, 2, 28)
    assert services.months_before(_at(2025, 1, 15), 12) == _at(2024, 1, 15)
    assert services.months_before(_at(2025, 1, 15), 13) == _at(2023, 12, 15)
