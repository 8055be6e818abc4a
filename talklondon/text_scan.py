"""Email addresses, phone numbers and links in untrusted text: one definition for the whole site.

Comments, survey answers and ANPR returns are written by people we do not know and may be
megabytes long, so every pattern here runs on RE2, whose cost is linear in the length of the
text whatever it holds. (Python's `re` backtracks: `[\\w.]+@` over a long run of letters with no
"@" takes time that grows with the square of its length.) RE2 has no look-around, so where the
old patterns looked at the character before or after, these match it (or the start or end of
the text) instead; each function only answers yes or no, so that changes nothing.

Vehicle registration marks are in `talklondon.registration_marks`.
"""

import re2

# Letters, digits and "_" in any script (RE2's \w is ASCII only).
_WORD = r"\pL\pN_"

# What a person would recognise as an address: local part, "@", a dotted domain.
EMAIL = re2.compile(rf"[{_WORD}.+-]+@[{_WORD}-]+(?:\.[{_WORD}-]+)+")
# Anything shaped like an address in machine-written data (the ANPR tripwire forgives nothing).
EMAIL_LIKE = re2.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}")
# UK numbers: 07700 900123, 020 7946 0018, +44 20 7946 0018, (020) 7946-0018.
PHONE = re2.compile(
    rf"(?:^|[^{_WORD}+])(?:\+44\s?\(?0?\)?\s?|\(?0)[0-9](?:[\s\-)]?[0-9]){{8,9}}(?:$|[^0-9])"
)
# Bare domains count as links too, but not the domain part of an email address.
LINK = re2.compile(
    rf"(?i)(?:https?://|www\.|\]\(|(?:^|[^@{_WORD}.-])[a-z0-9-]+\.(?:com|co\.uk|org|net|uk|io)\b)"
)


def contains_email(text: str) -> bool:
    return EMAIL.search(text) is not None


def contains_email_like(text: str) -> bool:
    return EMAIL_LIKE.search(text) is not None


def contains_phone_number(text: str) -> bool:
    return PHONE.search(text) is not None


def contains_link(text: str) -> bool:
    return LINK.search(text) is not None
