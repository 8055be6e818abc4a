"""A logging filter that masks number plates and email addresses in every log line.

Installed on the site's handlers (settings.LOGGING) and on gunicorn's access and error logs
(deploy/gunicorn.conf.py). It asks the site's one plate scanner (`registration_marks`) about
each word, so the cost grows linearly with the length of the line.
"""

import logging

from talklondon.registration_marks import contains_registration_mark

PLATE_MASK = "[plate]"
EMAIL_MASK = "[email]"


def _looks_like_email(word: str) -> bool:
    at = word.find("@")
    return 0 < at < len(word) - 3 and "." in word[at + 1 :]


def _may_be_plate(word: str) -> bool:
    has_letter = has_digit = False
    for char in word:
        has_letter = has_letter or char.isalpha()
        has_digit = has_digit or char.isdigit()
    return has_letter and has_digit


def personal_data_masked(text: str) -> str:
    """`text` with plates and email addresses replaced by a mask (words split on spaces).

    A plate written with a space ("AB12 CDE") spans two words, so each word is also checked
    together with the next one.
    """
    if not text:
        return text
    words = text.split(" ")
    masked = list(words)
    dropped: set[int] = set()
    for index, word in enumerate(words):
        if "@" in word and _looks_like_email(word):
            masked[index] = EMAIL_MASK
            continue
        if not _may_be_plate(word):
            continue
        if contains_registration_mark(word):
            masked[index] = PLATE_MASK
        elif (
            index + 1 < len(words)
            and len(word) <= 4
            and len(words[index + 1]) <= 5
            and contains_registration_mark(f"{word} {words[index + 1]}")
        ):
            masked[index] = PLATE_MASK
            dropped.add(index + 1)
    return " ".join(part for index, part in enumerate(masked) if index not in dropped)


class PersonalDataFilter(logging.Filter):
    """Rewrites the record's message with plates and emails masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is, not lost
            return True
        masked = personal_data_masked(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
