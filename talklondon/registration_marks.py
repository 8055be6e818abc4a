"""UK vehicle registration marks ("number plates") in text: one definition for the whole site.

The comment rules hold a comment that seems to name a plate, and the ANPR ingestion tripwire
refuses a batch that seems to carry one. Both use these patterns; they differ only in what
they forgive (see `contains_registration_mark`).

Formats: current (2001–), two letters, two digits, three letters (AB12 CDE); prefix
(1983–2001), a letter, one to three digits, three letters (A123 BCD); suffix (1963–1983),
three letters, one to three digits, a letter (ABC 123D). Spaces are optional and case does not
matter, because people type plates every which way. Dateless marks (ABC 123, 1234 AB) look
too much like ordinary words in free text, so only a whole value is matched against them.

The text is untrusted and may be megabytes long, so the patterns run on RE2, whose cost is
linear in the length of the text whatever it holds (Python's `re` backtracks). RE2's `\b` is
the ASCII word boundary: a plate written straight after an accented letter still counts.
"""

import re2

CURRENT = re2.compile(r"(?i)\b[a-z]{2}[0-9]{2}\s?[a-z]{3}\b")
PREFIX = re2.compile(r"(?i)\b[a-z][0-9]{1,3}\s?([a-z]{3})\b")
SUFFIX = re2.compile(r"(?i)\b([a-z]{3})\s?[0-9]{1,3}[a-z]\b")
# Anchored, with the surrounding spaces in the pattern: a long value fails at its first few
# characters instead of being copied by strip() first.
DATELESS = re2.compile(r"(?i)^\s*(?:[a-z]{1,3}\s?[1-9][0-9]{0,3}|[1-9][0-9]{0,3}\s?[a-z]{1,3})\s*$")


def contains_registration_mark(text: str, *, forgiven_letters: frozenset[str] = frozenset()):
    """Whether `text` contains a current, prefix or suffix mark.

    A prefix or suffix mark whose three letters are in `forgiven_letters` (lower case) is not
    counted: the comment rules forgive common words, so that road names such as "the M25 and
    the A406" are not taken for plates. The ingestion tripwire forgives nothing.
    """
    if CURRENT.search(text):
        return True
    for pattern in (PREFIX, SUFFIX):
        for match in pattern.finditer(text):
            if match.group(1).lower() not in forgiven_letters:
                return True
    return False


def is_dateless_mark(value: str) -> bool:
    """Whether a whole value (not free text) is a dateless mark such as ABC 123 or 1234 AB."""
    return DATELESS.match(value) is not None
