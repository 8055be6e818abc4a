"""Telling the anonymous page cache that a consultation's public pages have changed.

Anonymous visitors are served pages rendered up to 5 seconds ago (talklondon.page_cache). The
services that change what those pages show call these, so that the change shows on the next
request instead: the home page and consultation list are in the "consultations" namespace,
a consultation's own page and its proposal pages in "consultation:<slug>".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache

from consultation.models import Comment
from talklondon.page_cache import page_cache_invalidate

LISTING = "consultations"
# Likes can arrive many times a second on a busy page; re-rendering it for each would defeat the
# cache. They invalidate at most once per this many seconds per consultation; a like that falls
# inside that second still shows within the cache's 5 s lifetime.
LIKE_COALESCE_SECONDS = 1


def consultation_namespace(slug: str) -> str:
    return f"consultation:{slug}"


def consultation_pages_changed(*, slugs: Iterable[str], listing: bool = False) -> None:
    """The pages of these consultations (and with `listing`, the home page and list) changed."""
    names = [consultation_namespace(slug) for slug in dict.fromkeys(slugs) if slug]
    if listing:
        names.append(LISTING)
    if names:
        page_cache_invalidate(names)


def comment_pages_changed(comment: Comment) -> None:
    """A comment's text, state or counts changed: its consultation's pages show it."""
    consultation_pages_changed(slugs=[comment.page.consultation.slug])


def comment_likes_changed(comment: Comment) -> None:
    """Like counts changed: invalidate, but at most once a second per consultation."""
    slug = comment.page.consultation.slug
    if cache.add(f"page-cache:likes:{slug}", 1, timeout=LIKE_COALESCE_SECONDS):
        consultation_pages_changed(slugs=[slug])


def author_pages_changed(user_id: int) -> None:
    """A person was blocked or unblocked: every consultation they commented on changes."""
    slugs = (
        Comment.objects.filter(author_id=user_id)
        .values_list("page__consultation__slug", flat=True)
        .distinct()
    )
    consultation_pages_changed(slugs=list(slugs))
