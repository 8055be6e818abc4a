"""The HTML of a page of comment threads, built in Python.

A busy proposal page shows a hundred or more comments. Rendering each through a template
include (variable lookups, `{% url %}`, the date filter, pluralize) cost most of the page's
time, so the comment markup lives here instead: each action URL is reversed once per page and
filled in per comment, dates are formatted directly, and every value is escaped once, with the standard library's
`html.escape` (what Django's `escape` calls, without its per-call check for lazy strings, which
cost a signed-in page of 500 comments a third of its time). The markup is what
`includes/comment.html` used to produce; the tests in tests/consultation check the page as
people use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from consultation.models import Comment

_PLACEHOLDER = 999999999
ACTIONS = ("comment_like", "comment_reply", "comment_edit", "comment_delete", "comment_report")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(value) -> tuple[str, str]:
    """(ISO 8601, "5 Mar 2026, 14:07") in the site's time zone, like the `date` filter."""
    local = timezone.localtime(value)
    return local.isoformat(), f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


@dataclass
class _Page:
    """What every comment on the page shares: who is looking and where the actions go."""

    can_comment: bool
    is_open: bool
    sort: str
    liked_ids: set[int]
    csrf_token: str
    urls: dict[str, str]

    def url(self, action: str, comment_id: int) -> str:
        """The action's URL for this comment, escaped for an attribute."""
        return self.urls[action].replace(str(_PLACEHOLDER), str(comment_id))


def comment_threads_html(request, *, threads, can_comment: bool, consultation) -> SafeString:
    """The `<li>` of each thread on this page of `threads` (a selectors.Threads)."""
    page = _Page(
        can_comment=can_comment,
        is_open=consultation.is_open,
        sort=escape(threads.sort),
        liked_ids=threads.liked_ids,
        # Only a page with forms needs the token (and so the CSRF cookie): anonymous pages
        # stay free of it and can be shared by the page cache.
        csrf_token=escape(get_token(request)) if can_comment else "",
        # Escaped once here; a comment's id (an integer) is then put in place of the stand-in.
        urls={
            name: escape(reverse(f"consultation:{name}", args=[_PLACEHOLDER])) for name in ACTIONS
        },
    )
    parts: list[str] = []
    for comment in threads.comments:
        _comment(parts, comment, page)
    return mark_safe("".join(parts))  # noqa: S308 - every value in every part is escaped


def _comment(out: list[str], comment: Comment, page: _Page) -> None:
    reply = " tl-comment--reply" if comment.depth else ""
    out.append(f'<li class="tl-comment{reply}" id="comment-{int(comment.pk)}">')
    display = comment.display
    if display in ("full", "pending"):
        _body(out, comment, page)
    elif display == "removed":
        out.append(
            '<p class="tl-comment__body tl-comment__body--removed">Removed by a moderator: '
            f"{escape(str(comment.removal_title))}</p>"
        )
    elif display == "deleted":
        out.append(
            '<p class="tl-comment__body tl-comment__body--removed">This comment was deleted by '
            "its author.</p>"
        )
    else:
        out.append(
            '<p class="tl-comment__body tl-comment__body--removed">This comment is hidden by a '
            "moderator.</p>"
        )
    if comment.children:
        out.append('<ol class="tl-comment__replies">')
        for child in comment.children:
            _comment(out, child, page)
        out.append("</ol>")
    out.append("</li>")


def _body(out: list[str], comment: Comment, page: _Page) -> None:
    author = escape(comment.author.public_name)
    iso, shown = _when(comment.created_at)
    meta = [
        f'<p class="tl-comment__meta"><span class="tl-comment__author">{author}</span> · '
        f'<time datetime="{escape(iso)}">{escape(shown)}</time>'
    ]
    if comment.edited_at:
        meta.append(" · edited")
    if comment.redacted_at:
        meta.append(" · personal information removed by a moderator")
    if comment.like_count:
        plural = "" if comment.like_count == 1 else "s"
        meta.append(f" · {int(comment.like_count)} like{plural}")
    meta.append("</p>")
    out.append("".join(meta))
    if comment.display == "pending":
        out.append(
            '<p class="govuk-body-s"><strong class="govuk-tag govuk-tag--yellow">Your comment is '
            "awaiting moderation</strong> Only you can see it until a moderator has checked "
            "it.</p>"
        )
    # body_html was rendered and sanitised (nh3) when the comment was written.
    out.append(f'<div class="tl-comment__body">{comment.body_html}</div>')
    own_open = page.is_open and comment.can_edit
    if comment.display != "full":
        if own_open:
            out.append(
                f'<ul class="tl-comment__actions">{_edit(comment, page)}{_delete(comment, page)}'
                "</ul>"
            )
        return
    actions = ['<ul class="tl-comment__actions">']
    if page.can_comment:
        if not comment.is_own:
            liked = comment.pk in page.liked_ids
            actions.append(
                '<li><form class="tl-inline-form" method="post" '
                f'action="{page.url("comment_like", comment.pk)}">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{page.csrf_token}">'
                f'<input type="hidden" name="sort" value="{page.sort}">'
                f'<input type="hidden" name="action" value="{"unlike" if liked else "like"}">'
                '<button type="submit" class="tl-link-button tl-link-button--dark">'
                f"{'Unlike' if liked else 'Like'}"
                f'<span class="govuk-visually-hidden"> comment by {author}</span></button>'
                "</form></li>"
            )
        actions.append(
            f'<li><a class="govuk-link" href="{page.url("comment_reply", comment.pk)}">Reply'
            f'<span class="govuk-visually-hidden"> to {author}</span></a></li>'
        )
    if own_open:
        actions.append(_edit(comment, page))
    if comment.is_own and page.is_open:
        actions.append(_delete(comment, page))
    if not comment.is_own:
        actions.append(
            '<li><a class="govuk-link govuk-link--muted" '
            f'href="{page.url("comment_report", comment.pk)}">Report<span '
            f'class="govuk-visually-hidden"> comment by {author}</span></a></li>'
        )
    actions.append("</ul>")
    out.append("".join(actions))


def _edit(comment: Comment, page: _Page) -> str:
    return (
        f'<li><a class="govuk-link" href="{page.url("comment_edit", comment.pk)}">Edit'
        '<span class="govuk-visually-hidden"> your comment</span></a></li>'
    )


def _delete(comment: Comment, page: _Page) -> str:
    return (
        f'<li><a class="govuk-link" href="{page.url("comment_delete", comment.pk)}">Delete'
        '<span class="govuk-visually-hidden"> your comment</span></a></li>'
    )
