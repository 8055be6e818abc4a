"""No plate or email address reaches a log line: Django's handlers, the development server's
request lines and gunicorn's access and error logs all pass the personal-data filter, and the
access log leaves the query string (where free text would travel) out altogether."""

import importlib.util
import logging
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from talklondon.log_filters import PersonalDataFilter, personal_data_masked

GUNICORN_CONF = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Car AB12 CDE seen", "Car [plate] seen"),
        ("car ab12cde, twice", "car [plate] twice"),
        ("write to jo.bloggs@example.org now", "write to [email] now"),
        ("GET /consultations/ HTTP/1.1 200", "GET /consultations/ HTTP/1.1 200"),
        ("Route A406 at 10:30, 2025-03-01", "Route A406 at 10:30, 2025-03-01"),
        # Logs err on the side of masking (the strict scanner, as the ANPR tripwire uses).
        ("The M25 and the A406", "The [plate] the A406"),
        ("", ""),
    ],
)
def test_plates_and_emails_are_masked_and_nothing_else_changes(line, expected):
    assert personal_data_masked(line) == expected


@given(st.text(max_size=300))
def test_masking_never_fails_and_is_stable(text):
    once = personal_data_masked(text)
    assert personal_data_masked(once) == once


def test_django_handlers_carry_the_filter():
    for name in ("console", "django.server"):
        assert "personal_data" in settings.LOGGING["handlers"][name]["filters"]
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["django.server"]


def test_a_record_with_arguments_is_masked_once_formatted():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "Erasing %s for %s", ("AB12CDE", "a@b.org"), None
    )
    assert PersonalDataFilter().filter(record)
    assert record.getMessage() == "Erasing [plate] for [email]"


def _gunicorn_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", GUNICORN_CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorns_access_log_leaves_out_query_strings_and_referrers():
    conf = _gunicorn_conf()
    assert "%(r)s" not in conf.access_log_format  # the request line includes the query string
    assert "%(q)s" not in conf.access_log_format and "%(f)s" not in conf.access_log_format
    assert "%(U)s" in conf.access_log_format


def test_gunicorns_logs_are_masked(caplog):
    conf = _gunicorn_conf()
    access = logging.getLogger("gunicorn.access")
    before = list(access.filters)
    try:
        conf.on_starting(None)
        with caplog.at_level(logging.INFO, logger="gunicorn.access"):
            access.info(
                "%(m)s %(U)s by %(u)s", {"m": "GET", "U": "/x/AB12CDE/", "u": "jo@example.org"}
            )
        assert caplog.records[-1].getMessage() == "GET [plate] by [email]"
    finally:
        access.filters[:] = before
        logging.getLogger("gunicorn.error").filters[:] = []
