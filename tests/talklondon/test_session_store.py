"""The session store's compiled read keeps Django's rules: live sessions load, expired or
unknown ones do not (and a new key is made rather than reusing the one offered)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from talklondon.sessions import SessionStore


def test_the_site_uses_this_store():
    assert settings.SESSION_ENGINE == "talklondon.sessions"


@pytest.mark.django_db
def test_live_sessions_load_and_expired_or_unknown_ones_do_not():
    store = SessionStore()
    store["answer"] = 42
    store.save()
    key = store.session_key
    for _ in range(2):  # compiled on first use, then reused
        assert SessionStore(key).load() == {"answer": 42}

    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None

    unknown = SessionStore("x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None
