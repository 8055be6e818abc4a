"""While PostgreSQL restarts or Redis is unreachable, people get a clear "try again" answer
(503 with Retry-After), not the generic error page; real bugs still get the 500 page."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db.utils import OperationalError

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.talklondon.unavailable_urls")]


@pytest.fixture
def browser(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("path", ["/test/database-down/", "/test/redis-down/"])
def test_a_backing_service_outage_is_a_503_that_says_to_try_again(browser, path):
    response = browser.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "Sorry, the service is busy" in body
    assert "Try again in 30 seconds" in body
    assert "Nothing you had already submitted has been lost" in body


def test_the_api_answers_an_outage_with_problem_details(browser):
    response = browser.get("/api/v1/test/database-down/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    problem = response.json()
    assert problem["status"] == 503
    assert problem["title"] == "Service unavailable"
    assert "Try again in 30 seconds" in problem["detail"]


def test_an_outage_while_loading_the_session_is_a_503_too(browser, monkeypatch, participant):
    # The session is read from PostgreSQL before any view runs.
    browser.force_login(participant)

    def load(self):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(SessionStore, "load", load)
    response = browser.get("/account/")
    assert response.status_code == 503
    assert b"Sorry, the service is busy" in response.content


def test_a_programming_error_is_still_the_500_page(browser):
    response = browser.get("/test/bug/")
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
    assert "Retry-After" not in response
