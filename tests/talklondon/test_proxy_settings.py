"""Behind one TLS proxy every rate limit counts the client; PgBouncer needs no named cursors.

Settings are read in a fresh Python process with exactly the environment given, as a server
would (see test_settings.py).
"""

import json

import pytest
from django.test import RequestFactory

from talklondon.client_ip import client_ip
from tests.talklondon.test_settings import run_python

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from allauth import app_settings as allauth_settings
from rest_framework.settings import api_settings
print(json.dumps({
    "ratelimit_ip": getattr(settings, "RATELIMIT_IP_META_KEY", None),
    "num_proxies": api_settings.NUM_PROXIES,
    "allauth_proxies": allauth_settings.TRUSTED_PROXY_COUNT,
    "ssl_header": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "no_named_cursors": settings.DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS"),
}))
"""


def probe(env: dict[str, str]) -> dict:
    result = run_python({"DEBUG": "1", **env}, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_proxy_the_socket_address_is_the_client():
    settings = probe({})
    assert settings["ratelimit_ip"] is None
    assert settings["num_proxies"] is None
    assert settings["allauth_proxies"] == 0
    assert settings["ssl_header"] is None


def test_behind_one_tls_proxy_every_rate_limit_trusts_exactly_one_hop():
    settings = probe({"BEHIND_TLS_PROXY": "1"})
    assert settings["ratelimit_ip"] == "talklondon.client_ip.client_ip"
    assert settings["num_proxies"] == 1
    assert settings["allauth_proxies"] == 1
    assert settings["ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(("value", "expected"), [("", False), ("1", True)])
def test_server_side_cursors_can_be_switched_off_for_pgbouncer(value, expected):
    settings = probe(
        {"DATABASE_URL": "postgres://u@db.example/talk", "DISABLE_SERVER_SIDE_CURSORS": value}
    )
    assert settings["no_named_cursors"] is expected


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        # nginx appends the address it saw; anything before it came from the client.
        ("203.0.113.9", "203.0.113.9"),
        ("10.9.9.9, 203.0.113.9", "203.0.113.9"),
        ("spoofed, 2001:db8::1", "2001:db8::1"),
        ("", "127.0.0.1"),
        ("not-an-address", "127.0.0.1"),
    ],
)
def test_client_ip_is_the_entry_our_proxy_added(forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(request) == expected


def test_rate_limits_count_two_clients_behind_the_proxy_apart(settings):
    from django_ratelimit.core import get_usage

    settings.RATELIMIT_IP_META_KEY = "talklondon.client_ip.client_ip"
    factory = RequestFactory()

    def hit(address: str) -> dict:
        request = factory.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
        return get_usage(request, group="proxy-test", key="ip", rate="2/m", increment=True)

    assert hit("198.51.100.1")["count"] == 1
    assert hit("198.51.100.1")["count"] == 2
    assert hit("198.51.100.2")["count"] == 1
