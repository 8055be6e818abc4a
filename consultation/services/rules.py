"""Hold rules: reasons to keep a comment back for a moderator, even in post-moderation.

The knobs (COMMENT_HOLD_FIRST_COMMENT, COMMENT_NEW_ACCOUNT_DAYS, COMMENT_BLOCKLIST,
COMMENT_SURGE_PER_MINUTE) are declared, with their defaults, in talklondon/settings.py.
"""

import functools
from datetime import timedelta

import re2
from django.conf import settings
from django.utils import timezone

from talklondon.registration_marks import contains_registration_mark
from talklondon.text_scan import contains_email, contains_link, contains_phone_number

# Road names ("the M25 and the A406") would otherwise look like prefix plates: a three-letter
# group that is a common English word is not treated as a plate in a comment.
_COMMON_WORDS = frozenset(
    [
        "and",
        "the",
        "for",
        "are",
        "but",
        "not",
        "you",
        "all",
        "was",
        "has",
        "out",
        "off",
        "per",
        "via",
        "its",
        "our",
        "who",
        "how",
        "why",
        "can",
        "did",
        "had",
        "her",
        "his",
        "may",
        "now",
        "one",
        "own",
        "say",
        "see",
        "she",
        "too",
        "two",
        "use",
        "way",
        "yes",
        "yet",
        "any",
        "few",
        "new",
        "old",
        "get",
        "got",
        "let",
        "put",
        "set",
        "run",
        "far",
        "lot",
        "end",
        "day",
    ]
)


def looks_like_vehicle_registration(text: str) -> bool:
    return contains_registration_mark(text, forgiven_letters=_COMMON_WORDS)


def blocklist() -> list[str]:
    words = settings.COMMENT_BLOCKLIST
    if isinstance(words, str):
        words = words.split(",")
    return [w.strip().lower() for w in words if w.strip()]


def contains_blocklisted_word(text: str) -> bool:
    words = blocklist()
    return bool(words) and _blocklist_pattern(tuple(words)).search(text) is not None


@functools.lru_cache(maxsize=8)
def _blocklist_pattern(words: tuple[str, ...]):
    # One RE2 alternation: a single linear pass over the text, whatever the number of words.
    return re2.compile(r"(?i)\b(?:" + "|".join(re2.escape(word) for word in words) + r")\b")


def text_hold_reasons(text: str) -> list[str]:
    """Hold reasons that depend on the text alone."""
    reasons = []
    if looks_like_vehicle_registration(text):
        reasons.append("vehicle_registration")
    if contains_email(text):
        reasons.append("email")
    if contains_phone_number(text):
        reasons.append("phone")
    if contains_link(text):
        reasons.append("link")
    if contains_blocklisted_word(text):
        reasons.append("blocklist")
    return reasons


def is_new_account_first_comment(user, *, has_commented: bool | None = None) -> bool:
    """`has_commented` when the caller has already counted this person's comments."""
    from consultation.models import Comment

    if not settings.COMMENT_HOLD_FIRST_COMMENT:
        return False
    new_for = timedelta(days=settings.COMMENT_NEW_ACCOUNT_DAYS)
    if user.date_joined < timezone.now() - new_for:
        return False
    if has_commented is not None:
        return not has_commented
    return not Comment.objects.filter(author=user).exists()


def is_surge(consultation, *, recent: int | None = None) -> bool:
    """More comments on this consultation in the last minute than the surge threshold.

    `recent` when the caller has already counted the last minute's comments.
    """
    from consultation.models import Comment

    threshold = settings.COMMENT_SURGE_PER_MINUTE
    if recent is not None:
        return recent >= threshold
    recent = Comment.objects.filter(
        page__consultation=consultation, created_at__gte=timezone.now() - timedelta(minutes=1)
    ).count()
    return recent >= threshold


def comment_hold_reasons(
    *, user, consultation, text: str, has_commented=None, recent_on_consultation=None
) -> list[str]:
    """Every hold rule the new comment trips, in a stable order.

    The counts, when given, are the ones the caller loaded with its own checks.
    """
    reasons = []
    if is_new_account_first_comment(user, has_commented=has_commented):
        reasons.append("first_comment")
    reasons.extend(text_hold_reasons(text))
    if is_surge(consultation, recent=recent_on_consultation):
        reasons.append("surge")
    return reasons
