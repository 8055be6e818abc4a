"""Limits on comments. The knobs (COMMENT_MAX_LENGTH, COMMENT_EDIT_WINDOW_MINUTES,
COMMENT_RATE_PER_MINUTE, COMMENT_RATE_PER_HOUR) are declared in talklondon/settings.py."""

from datetime import timedelta

from django.conf import settings


def max_comment_length() -> int:
    return settings.COMMENT_MAX_LENGTH


def edit_window() -> timedelta:
    return timedelta(minutes=settings.COMMENT_EDIT_WINDOW_MINUTES)


def rate_per_minute() -> int:
    return settings.COMMENT_RATE_PER_MINUTE


def rate_per_hour() -> int:
    return settings.COMMENT_RATE_PER_HOUR
