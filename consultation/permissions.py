"""Who may do what with comments: object rules used by views, selectors and services alike.

The roles and the rules about a person (participation_problem) are the platform's, in
talklondon/permissions.py; the rules about this app's objects live here, beside their models.
"""

from consultation.models import Comment, Consultation, ProposalPage
from talklondon.permissions import can_manage_consultations


def can_read_comment(user, comment: Comment) -> bool:
    """A published comment is anyone's to read; any other state only its author's.

    Held, pending and removed text often carries the personal data it was held for, so the
    moderators read it on their desk, never through the participants' routes.
    """
    if comment.status == Comment.Status.PUBLISHED:
        return True
    return bool(user is not None and user.is_authenticated and comment.author_id == user.pk)


def can_reply_to(user, comment: Comment) -> bool:
    """Replies go under published comments that are still there. Whether this person may take
    part at all is participation_problem's question, answered on the page in its own words."""
    return (
        can_read_comment(user, comment)
        and comment.status == Comment.Status.PUBLISHED
        and not comment.is_deleted
    )


def can_publish_consultation(user, consultation: Consultation) -> bool:
    """A draft consultation is published by a Consultation manager, once; there is no going
    back to draft (people may already have taken part)."""
    return can_manage_consultations(user) and consultation.is_draft


def can_publish_page(user, page: ProposalPage) -> bool:
    """A draft proposal page is published by a Consultation manager, once."""
    return can_manage_consultations(user) and page.is_draft
