"""The ANPR release matrix: every kind of person x every release state x every staff action.

Only Statistics publishers act on releases, only on the states each action is for, and never
to approve what they prepared themselves (the two-person rule). Anyone else gets 404 and the
release is left exactly as it was.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from anpr_info.models import Release
from anpr_info.permissions import can_approve_release
from anpr_info.services import releases as svc
from talklondon import permissions as p
from tests import factories

from .conftest import announce, publish_period

pytestmark = pytest.mark.django_db

ACTIONS = ("prepare", "approve", "embargo", "reopen")
STATES = ("announced", "prepared", "approved", "embargoed", "published")
PREPARER = "publisher who prepared it"
OTHER_PUBLISHER = "another publisher"
NON_PUBLISHERS = ("anonymous", "resident", *(r for r in p.STAFF_ROLES if r != p.ROLE_PUBLISHER))
PEOPLE = (*NON_PUBLISHERS, PREPARER, OTHER_PUBLISHER)

# action -> states it applies to, and the state it leads to.
TRANSITIONS = {
    "prepare": ({"announced", "prepared"}, "prepared"),
    "approve": ({"prepared"}, "approved"),
    "embargo": ({"approved"}, "embargoed"),
    "reopen": ({"approved", "embargoed"}, "prepared"),
}


def _release_in(state: str, preparer, approver) -> Release:
    if state == "published":
        return publish_period("2025-03", preparer, approver)
    release = announce("2025-03", preparer)
    if state != "announced":
        svc.release_prepare(release=release, actor=preparer)
        release.refresh_from_db()
    if state in ("approved", "embargoed"):
        svc.release_approve(release=release, actor=approver, content_sha256=release.content_sha256)
    if state == "embargoed":
        svc.release_embargo(release=release, actor=approver)
    release.refresh_from_db()
    return release


def _state_of(release: Release) -> str:
    release.refresh_from_db()
    if release.status == Release.Status.DRAFT:
        return "prepared" if release.prepared_by_id else "announced"
    return release.status


def _expected(person: str, state: str, action: str) -> str:
    """The state the release should be in after this person posts this action."""
    if person not in (PREPARER, OTHER_PUBLISHER):
        return state
    applies_to, leads_to = TRANSITIONS[action]
    if state not in applies_to:
        return state
    if action == "approve" and person == PREPARER:
        return state  # two-person rule
    return leads_to


class _Rollback(Exception):
    pass


@pytest.mark.parametrize("state", STATES)
def test_release_matrix(small_feed, make_staff, state):
    small_feed()
    preparer, approver = make_staff(p.ROLE_PUBLISHER), make_staff(p.ROLE_PUBLISHER)
    release = _release_in(state, preparer, approver)
    assert _state_of(release) == state
    clients = {}
    for person in PEOPLE:
        client = Client()
        if person == PREPARER:
            client.force_login(preparer)
        elif person == OTHER_PUBLISHER:
            client.force_login(approver)
        elif person == "resident":
            client.force_login(factories.UserFactory())
        elif person != "anonymous":
            client.force_login(make_staff(person))
        clients[person] = client

    problems = []
    for person in PEOPLE:
        for action in ACTIONS:
            url = reverse("anpr_staff:release_action", args=[release.pk, action])
            try:
                with transaction.atomic():
                    response = clients[person].post(url, {"content_sha256": release.content_sha256})
                    after, expected = _state_of(release), _expected(person, state, action)
                    if after != expected:
                        problems.append(f"{person} / {state} / {action}: {after}, not {expected}")
                    status = response.status_code
                    if person == "anonymous":
                        if status != 302 or "/accounts/login/" not in response["Location"]:
                            problems.append(f"anonymous / {action}: not sent to sign in")
                    elif person in NON_PUBLISHERS and status != 404:
                        problems.append(f"{person} / {action}: answered {status}, not 404")
                    raise _Rollback
            except _Rollback:
                pass
    assert not problems, "\n".join(problems)


def test_can_approve_release_is_the_two_person_rule(small_feed, make_staff):
    small_feed()
    preparer, other = make_staff(p.ROLE_PUBLISHER), make_staff(p.ROLE_PUBLISHER)
    analyst = make_staff(p.ROLE_ANALYST)
    release = _release_in("announced", preparer, other)
    assert not can_approve_release(other, release)  # nothing prepared yet
    svc.release_prepare(release=release, actor=preparer)
    release.refresh_from_db()
    assert can_approve_release(other, release)
    assert not can_approve_release(preparer, release)
    assert not can_approve_release(analyst, release)
