"""Fixtures for the statements tests."""

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _statement_settings(settings):
    # Most tests are not about hold rules or rate limits; those that are switch them back on.
    settings.COMMENT_HOLD_FIRST_COMMENT = False
    settings.COMMENT_SURGE_PER_MINUTE = 1000
    settings.RATELIMIT_ENABLE = False
    settings.STATEMENTS_MIN_VOTES = 2


@pytest.fixture
def activity(db):
    return factories.StatementsActivityFactory()


@pytest.fixture
def statements(activity):
    return [factories.StatementFactory(activity=activity) for _ in range(3)]


@pytest.fixture
def moderator(make_staff):
    from talklondon.permissions import ROLE_MODERATOR

    return make_staff(ROLE_MODERATOR)


@pytest.fixture
def manager(make_staff):
    from talklondon.permissions import ROLE_MANAGER

    return make_staff(ROLE_MANAGER)
