r"""Path converters: what a URL segment may hold, checked by the resolver before any view runs.

ASCII digits only (`[0-9]`, never `\d`, which also matches "٣" and other scripts' digits) and
bounded lengths, so that a made-up identifier is a 404 from the resolver, never a 500 from a
view that trusted it. Django's own `int` converter is already `[0-9]+`.
"""

import re

from django.urls import register_converter

# An id or a small count typed into a query string or a form: ASCII digits, at most 9 of them
# (every id fits; int() would also read "٣", and "²".isdigit() is true but int() fails on it).
WHOLE_NUMBER = re.compile(r"^[0-9]{1,9}\Z")


def ascii_int(text) -> int | None:
    """The whole number `text` spells in ASCII digits (at most 9), or None."""
    if isinstance(text, str) and WHOLE_NUMBER.match(text):
        return int(text)
    return None


PERIOD = r"[0-9]{4}(?:-(?:0[1-9]|1[0-2])|-Q[1-4])?"


class PeriodConverter:
    """A published period: a year (2025), a quarter (2025-Q1) or a month (2025-03)."""

    regex = PERIOD

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ReleaseSlugConverter(PeriodConverter):
    """A release: its period and version, such as 2025-03-v1 (at most 6 digits of version)."""

    regex = PERIOD + r"-v[1-9][0-9]{0,5}"


register_converter(PeriodConverter, "period")
register_converter(ReleaseSlugConverter, "release")
