"""The client's address when the site runs behind one trusted reverse proxy (BEHIND_TLS_PROXY).

nginx (deploy/nginx) appends the address it saw to X-Forwarded-For, so with exactly one proxy
the last entry is the client as far as anyone we trust can tell; earlier entries are whatever
the client chose to send and must not be believed. DRF (NUM_PROXIES=1) and allauth
(ALLAUTH_TRUSTED_PROXY_COUNT=1) read the same entry, so every rate limit counts the same person.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

TRUSTED_PROXIES = 1


def client_ip(request: HttpRequest) -> str:
    """django-ratelimit's RATELIMIT_IP_META_KEY: the address one proxy hop before us."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if len(entries) >= TRUSTED_PROXIES:
        candidate = entries[-TRUSTED_PROXIES]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass  # a malformed header: fall back to the proxy's own address
    return request.META.get("REMOTE_ADDR", "")
