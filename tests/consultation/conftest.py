"""Fixtures for the consultation app's tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories


@pytest.fixture(autouse=True)
def _comment_settings(settings):
    # Most tests are not about the first-comment hold or the rate limits; the tests that are
    # switch them back on.
    settings.COMMENT_HOLD_FIRST_COMMENT = False
    settings.COMMENT_RATE_PER_MINUTE = 1000
    settings.COMMENT_RATE_PER_HOUR = 1000
    settings.COMMENT_SURGE_PER_MINUTE = 1000
    settings.RATELIMIT_ENABLE = False


def consultation_in_state(state: str, **kwargs):
    now = timezone.now()
    if state == "upcoming":
        opens, closes = now + timedelta(days=3), now + timedelta(days=59)
    elif state == "open":
        opens, closes = now - timedelta(days=3), now + timedelta(days=53)
    else:
        opens, closes = now - timedelta(days=60), now - timedelta(days=4)
    return factories.ConsultationFactory(opens_at=opens, closes_at=closes, **kwargs)


@pytest.fixture
def open_page(db):
    return factories.ProposalPageFactory(consultation=consultation_in_state("open"))


@pytest.fixture
def moderator(make_staff):
    from talklondon.permissions import ROLE_MODERATOR

    return make_staff(ROLE_MODERATOR)


@pytest.fixture
def manager(make_staff):
    from talklondon.permissions import ROLE_MANAGER

    return make_staff(ROLE_MANAGER)
