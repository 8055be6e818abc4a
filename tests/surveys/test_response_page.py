"""Responses as first-class objects: a page per response, likely duplicates both ways, and
matching that catches an email copy of an online response (same name, same answers)."""

import pytest
from django.urls import reverse

from consultation.surveys import services
from consultation.surveys.models import Answer, Response, ResponseVersion
from talklondon.permissions import ROLE_ANALYST, ROLE_MANAGER, ROLE_MODERATOR
from tests.surveys.test_entry import entry_data

pytestmark = pytest.mark.django_db


def _online(smap, person, *, borough="E09000028") -> Response:
    response = services.survey_response_start(survey=smap.survey, actor=person)
    response.status = "submitted"
    response.submitted_at = response.created_at
    response.save()
    Answer.objects.create(response=response, question=smap.q[1], scale_point=2)
    Answer.objects.create(response=response, question=smap.q[12], text=borough)
    Answer.objects.create(
        response=response,
        question=smap.q[4],
        option=smap.structure.options_by_question[smap.q[4].pk][1],
    )
    return response


def _email_copy(smap, name: str, **extra) -> dict:
    data = entry_data(smap, name=name, district="", **extra)
    data["channel"] = "email"
    data[f"q{smap.q[4].pk}"] = str(smap.option(4, 1))
    return data


def test_an_email_copy_of_an_online_response_is_caught(staff_client, smap, participant):
    client, _ = staff_client(ROLE_MANAGER)
    online = _online(smap, participant)
    url = reverse("surveys_staff:response_enter", args=[smap.survey.pk])
    # No postcode district and no free text: only the name and the answers match.
    again = client.post(url, _email_copy(smap, participant.display_name))
    assert again.status_code == 400
    assert online.reference.encode() in again.content
    assert b"Same name and the same answers" in again.content

    # Someone else with the same name who answered differently is not flagged.
    other = client.post(
        url, {**_email_copy(smap, participant.display_name), f"q{smap.q[1].pk}": "5"}
    )
    assert other.status_code == 302


def test_each_response_has_a_page_with_duplicates_linked_both_ways(staff_client, smap, participant):
    client, _ = staff_client(ROLE_MANAGER)
    online = _online(smap, participant)
    url = reverse("surveys_staff:response_enter", args=[smap.survey.pk])
    client.post(url, {**_email_copy(smap, participant.display_name), "confirm_duplicate": "on"})
    copy = Response.objects.get(channel="email")
    assert copy.likely_duplicate_of == online

    entry_page = client.get(url).content.decode()
    copy_url = reverse("surveys_staff:response", args=[copy.pk])
    online_url = reverse("surveys_staff:response", args=[online.pk])
    assert f'href="{copy_url}"' in entry_page  # the reference is a link

    page = client.get(copy_url).content.decode()
    assert copy.reference in page and "Email" in page and "Box 3, form 12" in page
    assert f'href="{online_url}"' in page and "Likely duplicate of" in page
    assert "Version 1" in page  # the versions kept for the response
    back = client.get(online_url).content.decode()
    assert f'href="{copy_url}"' in back and "Flagged as likely duplicates of this" in back
    assert ResponseVersion.objects.filter(response=copy).count() == 1


def test_analysts_see_the_page_without_names_and_others_not_at_all(staff_client, smap, participant):
    online = _online(smap, participant)
    client, _ = staff_client(ROLE_ANALYST)
    page = client.get(reverse("surveys_staff:response", args=[online.pk]))
    assert page.status_code == 200 and online.reference in page.content.decode()
    assert participant.display_name not in page.content.decode()
    client, _ = staff_client(ROLE_MODERATOR)
    assert client.get(reverse("surveys_staff:response", args=[online.pk])).status_code == 404
