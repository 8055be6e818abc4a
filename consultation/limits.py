"""Limits on comments, read from settings so operators can tune them without code.

COMMENT_MAX_LENGTH           characters per comment (5,000)
COMMENT_EDIT_WINDOW_MINUTES  how long an author may edit (15)
COMMENT_RATE_PER_MINUTE      comments per person per minute (5)
COMMENT_RATE_PER_HOUR        comments per person per hour (30)
"""

from datetime import timedelta

from django.conf import settings

MAX_COMMENT_LENGTH = 5000


def max_comment_length() -> int:
    return getattr(settings, "COMMENT_MAX_LENGTH", MAX_COMMENT_LENGTH)


def edit_window() -> timedelta:
    return timedelta(minutes=getattr(settings, "COMMENT_EDIT_WINDOW_MINUTES", 15))


def rate_per_minute() -> int:
    return getattr(settings, "COMMENT_RATE_PER_MINUTE", 5)


def rate_per_hour() -> int:
    return getattr(settings, "COMMENT_RATE_PER_HOUR", 30)
