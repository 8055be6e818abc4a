"""Django's database sessions, with the one query every signed-in request makes compiled once
per process (see talklondon.compiled_queries): same table, same rows, same expiry rule."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from talklondon.compiled_queries import CompiledQuery

_EXPIRE_DATE = Session._meta.get_field("expire_date")

_live_session = CompiledQuery(
    lambda session_key, now: Session.objects.filter(session_key=session_key, expire_date__gt=now)[
        :1
    ],
    placeholders={
        "session_key": "placeholder-session-7310009",
        "now": dt.datetime(1901, 2, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
    },
    prepare={"now": lambda value, connection: _EXPIRE_DATE.get_db_prep_value(value, connection)},
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = _live_session.first(
            using=router.db_for_read(Session), session_key=self.session_key, now=timezone.now()
        )
        if session is None:
            self._session_key = None
        return session
