"""schemathesis against /api/schema/: every documented operation, with generated valid and
invalid inputs, answers as the schema says (no 5xx, documented statuses, content types and
bodies). Bounded: a few dozen examples per operation, no deadline per example."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.throttling import AnonRateThrottle

from talklondon.wsgi import application

EXAMPLES = 40


@pytest.fixture
def api_schema(db, settings, monkeypatch):
    # Room for every generated request (changing REST_FRAMEWORK here would change the views'
    # throttle classes for the rest of the run if this test imported them first).
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "100000/min"})
    settings.ANPR_INGEST_RATE = "100000/min"
    # Calls go straight to the WSGI application, whose end-of-request signal would close the
    # test's database connection (and its transaction); Django's test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_documented(case):
    case.call_and_validate()
