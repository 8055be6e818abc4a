"""Loading the signed-in person: one compiled query, and the same answers as Django's own."""

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from talklondon.auth_backends import AuthenticationBackend, ModelBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [ModelBackend(), AuthenticationBackend()])
def test_the_person_is_loaded_as_django_would(backend):
    active = UserFactory()
    inactive = UserFactory(is_active=False)
    with CaptureQueriesContext(connection) as queries:
        found = backend.get_user(active.pk)
    assert found == active and found.email == active.email
    assert len(queries) == 1
    assert backend.get_user(str(active.pk)) == active  # as a session stores it
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user(active.pk + 1000) is None
    assert backend.get_user("not-a-number") is None


def test_a_signed_in_request_finds_its_person_through_the_compiled_backend(client):
    user = UserFactory()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    assert get_user(request) == user
    assert request.session["_auth_user_backend"].startswith("talklondon.auth_backends.")
