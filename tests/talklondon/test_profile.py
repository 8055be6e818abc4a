"""The profile page and the profile_update service."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from talklondon import services
from talklondon.areas import borough_choices
from talklondon.models import Profile
from tests import factories

VALID = {
    "display_name": "Brixton Cyclist",
    "borough": "E09000022",
    "age_band": "35_44",
    "gender": "prefer_not",
    "ethnicity": "",
    "disability": "no",
    "email_on_reply": "on",
    "email_news": "on",
}


@pytest.mark.django_db
def test_profile_page_saves_answers(client, participant):
    client.force_login(participant)
    page = client.get(reverse("profile"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Prefer not to say" in html
    assert html.count('<option value="') == len(borough_choices()) + 1  # plus "Choose an area"

    response = client.post(reverse("profile"), VALID)
    assert response.status_code == 302
    participant.refresh_from_db()
    profile = Profile.objects.get(user=participant)
    assert participant.display_name == "Brixton Cyclist"
    assert (profile.borough, profile.age_band, profile.gender) == (
        "E09000022",
        "35_44",
        "prefer_not",
    )
    assert profile.ethnicity == ""
    assert profile.email_on_reply and profile.email_news and not profile.email_on_moderation
    assert "Your profile has been saved" in client.get(reverse("profile")).content.decode()


@pytest.mark.django_db
def test_profile_errors_are_summarised_and_values_kept(client, participant):
    client.force_login(participant)
    response = client.post(reverse("profile"), {**VALID, "display_name": "me@example.org"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Your account – Talk London</title>" in html
    assert 'href="#id_display_name"' in html
    assert "must not be an email address" in html
    assert 'value="E09000022" selected' in html


@pytest.mark.django_db
def test_display_names_need_not_be_unique(participant):
    other = factories.UserFactory()
    services.profile_update(actor=participant, display_name="Sam")
    services.profile_update(actor=other, display_name="Sam")
    assert participant.display_name == other.display_name == "Sam"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": "  "}, "display_name"),
        ({"display_name": "Moderator"}, "display_name"),
        ({"display_name": "x" * 51}, "display_name"),
        ({"borough": "E99999999"}, "borough"),
        ({"age_band": "ancient"}, "age_band"),
    ],
)
def test_profile_update_validates(participant, changes, field):
    with pytest.raises(ValidationError) as error:
        services.profile_update(actor=participant, **{"display_name": "Valid", **changes})
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_erased_accounts_cannot_be_updated(participant):
    services.account_erase(user=participant, remove_content=False)
    with pytest.raises(PermissionDenied):
        services.profile_update(actor=participant, display_name="Back again")


@pytest.mark.django_db
def test_profile_posts_are_rate_limited(client, participant):
    client.force_login(participant)
    statuses = [client.post(reverse("profile"), VALID).status_code for _ in range(11)]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429


@pytest.mark.django_db
def test_email_is_never_shown_to_others(client, participant):
    # Other people only ever see the public name; the header of another person's page shows theirs.
    other = factories.UserFactory()
    client.force_login(other)
    html = client.get(reverse("home")).content.decode()
    assert participant.email not in html
    assert other.email not in html  # the header shows the display name, not the address
