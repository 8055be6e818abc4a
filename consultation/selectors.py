"""Reads for consultation pages, comment threads and the moderator's desk.

Selectors own select_related/prefetch_related so that a page's query count does not grow
with the number of comments.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window
from django.utils import timezone

from consultation.limits import edit_window
from consultation.models import (
    Attachment,
    Comment,
    CommentLike,
    CommentReport,
    Consultation,
    ModerationAction,
    ParticipantBlock,
    ProposalPage,
)
from consultation.permissions import can_read_comment
from talklondon.house_rules import house_rule_title
from talklondon.permissions import staff_role_exists
from talklondon.sealing import Unsealer

COMMENTS_PER_PAGE = 50
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "liked": ("-like_count", "-created_at", "-id"),
}
SORT_LABELS = {"newest": "Newest first", "oldest": "Oldest first", "liked": "Most liked"}
DEFAULT_SORT = "newest"


def consultation_published_q(prefix: str = "") -> Q:
    """Consultations the public may see: published ones. Drafts are for the staff editor and
    its preview; every public read filters through here (`prefix` reaches one by a relation)."""
    return Q(**{f"{prefix}published_at__isnull": False})


def page_published_q(prefix: str = "") -> Q:
    """Proposal pages the public may see: published ones in a published consultation."""
    return Q(**{f"{prefix}published_at__isnull": False}) & consultation_published_q(
        f"{prefix}consultation__"
    )


def consultation_get_public(*, slug: str) -> Consultation | None:
    """A consultation the public may reach by its address (None for a draft)."""
    return Consultation.objects.filter(consultation_published_q(), slug=slug).first()


def consultation_list_public() -> dict[str, list[Consultation]]:
    """Published consultations grouped as open, upcoming and closed, soonest-relevant first."""
    now = timezone.now()
    consultations = list(
        Consultation.objects.filter(consultation_published_q()).order_by("closes_at")
    )
    groups: dict[str, list[Consultation]] = {"open": [], "upcoming": [], "closed": []}
    for consultation in consultations:
        groups[consultation.status_at(now)].append(consultation)
    groups["upcoming"].sort(key=lambda c: c.opens_at)
    groups["closed"].sort(key=lambda c: c.closes_at, reverse=True)
    return groups


def consultation_survey_links(consultation: Consultation) -> list[dict[str, str]]:
    """Where to respond to this consultation's survey(s): [{"title": ..., "url": ...}].

    The consultation page shows "Respond to the survey" only when this returns a link.
    """
    from consultation.surveys.selectors import surveys_for_consultation

    return [
        {"title": link.title, "url": link.url} for link in surveys_for_consultation(consultation)
    ]


def _published_visible() -> Q:
    return Q(status=Comment.Status.PUBLISHED, deleted_at__isnull=True) & ~Q(
        author_id__in=ParticipantBlock.objects.filter(lifted_at__isnull=True).values("user_id")
    )


def consultation_pages(consultation: Consultation, *, drafts: bool = False) -> list[ProposalPage]:
    """The consultation's published pages in order (`drafts=True`: every page, for the staff
    preview), each with `comment_count` (published comments)."""
    pages = consultation.pages.all() if drafts else consultation.pages.filter(page_published_q())
    return list(
        pages.annotate(
            comment_count=Count("comments", filter=Q(comments__status=Comment.Status.PUBLISHED))
        ).order_by("position", "id")
    )


def moderation_summary(consultation: Consultation) -> dict:
    """Public counts: comments published, and comments removed by house-rule reason."""
    comments = Comment.objects.filter(page__consultation=consultation)
    published = comments.filter(status=Comment.Status.PUBLISHED, deleted_at__isnull=True).count()
    removed_rows = (
        comments.filter(status=Comment.Status.REMOVED)
        .values("removal_reason")
        .annotate(n=Count("id"))
        .order_by("removal_reason")
    )
    removed = [(house_rule_title(row["removal_reason"]), row["n"]) for row in removed_rows]
    return {
        "published": published,
        "removed": removed,
        "removed_total": sum(n for _, n in removed),
    }


def consultation_timeline(consultation: Consultation, now=None) -> list[dict]:
    """The consultation's weeks, from opening to closing, then the results."""
    from datetime import timedelta

    now = now or timezone.now()
    items = [
        {
            "date": consultation.opens_at,
            "title": "Consultation opens",
            "description": "Read the proposal, join the discussion and answer the survey.",
            "done": now >= consultation.opens_at,
        }
    ]
    week = 1
    start = consultation.opens_at
    while start < consultation.closes_at and week <= 52:
        end = min(start + timedelta(days=7), consultation.closes_at)
        items.append(
            {
                "date": start,
                "end": end - timedelta(seconds=1),
                "title": f"Week {week}",
                "description": "",
                "done": now >= end,
                "current": start <= now < end,
            }
        )
        start = end
        week += 1
    items.append(
        {
            "date": consultation.closes_at,
            "title": "Consultation closes",
            "description": "Comments and survey responses close. Discussions stay readable.",
            "done": now >= consultation.closes_at,
        }
    )
    items.append(
        {
            "date": consultation.results_published_at,
            "title": "Results published",
            "description": "We publish what you told us and what we will do about it.",
            "done": bool(consultation.results_published_at)
            and now >= consultation.results_published_at,
        }
    )
    return items


def proposal_page_get(
    *, consultation_slug: str, page_slug: str, user=None, attachments: bool = True
) -> ProposalPage | None:
    """A published proposal page with its consultation and attachments (None for a draft).

    With `user`, the person's participation checks come in the same query (`viewer_flags`);
    `attachments=False` leaves them to be loaded if a page is rendered.
    """
    pages = ProposalPage.objects.select_related("consultation")
    if attachments:
        pages = pages.prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
        )
    page = (
        pages.annotate(**viewer_flags(user))
        .filter(page_published_q(), consultation__slug=consultation_slug, slug=page_slug)
        .first()
    )
    return viewer_flags_keep(page, user)


def proposal_page_titles(page: ProposalPage, *, drafts: bool = False) -> list[ProposalPage]:
    """The consultation's pages for the page navigation: published ones (`drafts=True`: all)."""
    pages = page.consultation.pages.all()
    if not drafts:
        pages = pages.filter(published_at__isnull=False)
    # consultation_id too: each link needs it (a deferred field costs a query per page).
    return list(
        pages.only("title", "slug", "position", "published_at", "consultation_id").order_by(
            "position"
        )
    )


@dataclass
class Threads:
    """A page of top-level comments, each with `children` nested to three levels."""

    page_obj: Page
    comments: list[Comment]
    sort: str
    liked_ids: set[int] = field(default_factory=set)
    total: int = 0


def _viewer_filter(user) -> Q:
    """Comments this person may see in full: published ones, plus their own pending ones."""
    visible = _published_visible()
    if user is not None and user.is_authenticated:
        visible |= Q(author_id=user.pk, status=Comment.Status.PENDING, deleted_at__isnull=True)
    return visible


def _annotate_display(comment: Comment, user, blocked: bool) -> None:
    if blocked:
        comment.display = "hidden"
    elif comment.deleted_at is not None:
        comment.display = "deleted"
    elif comment.status == Comment.Status.REMOVED:
        comment.display = "removed"
        comment.removal_title = house_rule_title(comment.removal_reason)
    elif comment.status == Comment.Status.PENDING:
        comment.display = "pending"
    else:
        comment.display = "full"
    comment.is_own = bool(user and user.is_authenticated and comment.author_id == user.pk)
    comment.can_edit = (
        comment.is_own
        and comment.display in {"full", "pending"}
        and timezone.now() < comment.created_at + edit_window()
    )


def _prune(nodes: list[Comment]) -> list[Comment]:
    """Drop placeholders (removed, deleted, hidden) that have nothing visible beneath them."""
    kept = []
    for node in nodes:
        node.children = _prune(node.children)
        if node.display in {"full", "pending"} or node.children:
            kept.append(node)
    return kept


def comment_threads(
    *, page: ProposalPage, user, sort: str = DEFAULT_SORT, page_number=1
) -> Threads:
    """One page of threads in a fixed number of queries, however many comments there are."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    blocked_ids = ParticipantBlock.objects.filter(lifted_at__isnull=True).values("user_id")
    author_blocked = Exists(
        ParticipantBlock.objects.filter(user_id=OuterRef("author_id"), lifted_at__isnull=True)
    )
    visible_reply = Comment.objects.filter(
        thread_id=OuterRef("pk"), status=Comment.Status.PUBLISHED, deleted_at__isnull=True
    ).exclude(author_id__in=blocked_ids)
    signed_in = user is not None and user.is_authenticated
    # Whether the viewer liked each comment comes with the comments themselves.
    liked = (
        {"viewer_liked": Exists(CommentLike.objects.filter(comment_id=OuterRef("pk"), user=user))}
        if signed_in
        else {}
    )
    top_level = (
        Comment.objects.filter(page=page, depth=0)
        .filter(_viewer_filter(user) | Q(Exists(visible_reply)))
        .select_related("author")
        .annotate(author_blocked=author_blocked, **liked)
        .order_by(*SORTS[sort])
    )
    page_obj, paginator = _paginate(top_level, page_number)
    tops = list(page_obj.object_list)
    top_ids = [c.pk for c in tops]

    replies: list[Comment] = []
    if top_ids:
        hidden_pending = Q(status=Comment.Status.PENDING)
        if user is not None and user.is_authenticated:
            hidden_pending &= ~Q(author_id=user.pk)
        replies = list(
            Comment.objects.filter(thread_id__in=top_ids)
            .exclude(hidden_pending)
            .select_related("author")
            .annotate(author_blocked=author_blocked, **liked)
            .order_by("created_at", "id")
        )
    by_parent: dict[int, list[Comment]] = defaultdict(list)
    for comment in tops + replies:
        comment.children = []
        _annotate_display(comment, user, comment.author_blocked)
    for reply in replies:
        by_parent[reply.parent_id].append(reply)
    for comment in tops + replies:
        comment.children = by_parent.get(comment.pk, [])
    comments = _prune(tops)

    liked_ids = {c.pk for c in tops + replies if getattr(c, "viewer_liked", False)}
    return Threads(
        page_obj=page_obj,
        comments=comments,
        sort=sort,
        liked_ids=liked_ids,
        total=paginator.count,
    )


def _paginate(top_level: QuerySet[Comment], page_number) -> tuple[Page, Paginator]:
    """The requested page of top-level comments, counted in the same query (a window count).

    Falls back to Django's own paging (a separate count) when the page is empty or out of
    range, so the page number is handled exactly as `Paginator.get_page` handles it.
    """
    paginator = Paginator(top_level, COMMENTS_PER_PAGE)
    try:
        number = int(page_number)
    except (TypeError, ValueError):
        number = 1
    if number >= 1:
        offset = (number - 1) * COMMENTS_PER_PAGE
        rows = list(
            top_level.annotate(total_on_page=Window(Count("pk")))[
                offset : offset + COMMENTS_PER_PAGE
            ]
        )
        if rows:
            paginator.__dict__["count"] = rows[0].total_on_page  # the cached property
            return Page(rows, number, paginator), paginator
    page_obj = paginator.get_page(page_number)
    return page_obj, paginator


def viewer_flags(user, **extra) -> dict:
    """Annotations that load the viewer's participation checks with the object acted on.

    One query then answers "may this person take part?" (verified email, not blocked) along
    with the page or comment; `viewer_flags_keep` hands the answers to the permission checks
    for the rest of the request.
    """
    if user is None or not user.is_authenticated:
        return {}
    return {
        "viewer_email_verified": Exists(
            EmailAddress.objects.filter(user_id=user.pk, email__iexact=user.email, verified=True)
        ),
        "viewer_blocked": Exists(
            ParticipantBlock.objects.filter(user_id=user.pk, lifted_at__isnull=True)
        ),
        "viewer_staff": staff_role_exists(user),  # the header's "Staff" link
        **extra,
    }


def viewer_flags_keep(obj, user):
    """Keep the checks `viewer_flags` loaded with `obj` on the request's user; returns obj."""
    if obj is not None and hasattr(obj, "viewer_blocked"):
        user.email_verified_loaded = obj.viewer_email_verified
        user.participation_blocked_loaded = obj.viewer_blocked
        user.staff_role_loaded = obj.viewer_staff
    return obj


def comment_get_public(*, comment_id: int, user=None) -> Comment | None:
    """A comment a participant acts on (reply, like, report, edit, delete), with its page.

    With `user`, the person's participation checks and whether they have reported this
    comment come in the same query. None unless this person may read it
    (consultation.permissions.can_read_comment): every participants' route fetches through here
    and answers 404 for None.
    """
    reported = {}
    if user is not None and user.is_authenticated:
        reported["viewer_reported"] = Exists(
            CommentReport.objects.filter(comment_id=OuterRef("pk"), reporter_id=user.pk)
        )
    comment = (
        Comment.objects.select_related("page__consultation", "author")
        .annotate(**viewer_flags(user, **reported))
        .filter(page_published_q("page__"))
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or not can_read_comment(user, comment):
        return None
    return viewer_flags_keep(comment, user)


# --- The moderator's desk -------------------------------------------------------------------

QUEUES = {
    "pending": "Pending",
    "reported": "Reported",
    "held": "Held by rule",
}


def moderation_queue(
    *, queue: str, consultation_id: int | None = None, hold_reason: str = ""
) -> QuerySet[Comment]:
    """Comments waiting for a moderator, in the order they should be looked at; optionally
    only one consultation's, or only those held for one reason (a HOLD_REASONS code)."""
    comments = Comment.objects.select_related("author", "page__consultation").annotate(
        author_blocked=Exists(
            ParticipantBlock.objects.filter(user_id=OuterRef("author_id"), lifted_at__isnull=True)
        )
    )
    if consultation_id:
        comments = comments.filter(page__consultation_id=consultation_id)
    if hold_reason:
        # held_for is a comma-separated list of codes.
        comments = comments.filter(
            Q(held_for=hold_reason)
            | Q(held_for__startswith=f"{hold_reason},")
            | Q(held_for__endswith=f",{hold_reason}")
            | Q(held_for__contains=f",{hold_reason},")
        )
    if queue == "reported":
        return (
            comments.filter(open_report_count__gt=0, deleted_at__isnull=True)
            .order_by("-open_report_count", "created_at", "id")
            .prefetch_related("reports")
        )
    if queue == "held":
        return (
            comments.filter(status=Comment.Status.PENDING, deleted_at__isnull=True)
            .exclude(held_for="")
            .order_by("created_at", "id")
        )
    return comments.filter(
        status=Comment.Status.PENDING, deleted_at__isnull=True, held_for=""
    ).order_by("created_at", "id")


def moderation_queue_of(comment: Comment) -> str:
    """The queue a comment is in (before a decision): reported, held or pending."""
    if comment.open_report_count:
        return "reported"
    if comment.status == Comment.Status.PENDING and comment.held_for:
        return "held"
    return "pending"


def moderation_queue_counts() -> dict[str, int]:
    live = Comment.objects.filter(deleted_at__isnull=True)
    return live.aggregate(
        pending=Count("id", filter=Q(status=Comment.Status.PENDING, held_for="")),
        held=Count("id", filter=Q(status=Comment.Status.PENDING) & ~Q(held_for="")),
        reported=Count("id", filter=Q(open_report_count__gt=0)),
    )


def comment_for_moderation(*, comment_id: int) -> Comment | None:
    return (
        Comment.objects.select_related(
            "author", "page__consultation", "replied_to__author", "parent"
        )
        .prefetch_related(
            "versions",
            Prefetch("reports", queryset=CommentReport.objects.select_related("reporter")),
            Prefetch(
                "moderation_actions",
                queryset=ModerationAction.objects.select_related("actor").order_by("-created_at"),
            ),
        )
        .filter(pk=comment_id)
        .first()
    )


def active_blocks() -> QuerySet[ParticipantBlock]:
    return ParticipantBlock.objects.filter(lifted_at__isnull=True).select_related(
        "user", "blocked_by"
    )


def audit_trail(
    *,
    kind: str = "",
    actor_id: int | None = None,
    consultation_id: int | None = None,
    subject_user_id: int | None = None,
    date_from=None,
    date_to=None,
) -> QuerySet[ModerationAction]:
    """The moderation audit trail, newest first, filtered."""
    actions = ModerationAction.objects.select_related(
        "actor", "subject_user", "comment__page", "consultation"
    )
    if kind:
        actions = actions.filter(kind=kind)
    if actor_id:
        actions = actions.filter(actor_id=actor_id)
    if consultation_id:
        actions = actions.filter(consultation_id=consultation_id)
    if subject_user_id:
        actions = actions.filter(subject_user_id=subject_user_id)
    if date_from:
        actions = actions.filter(created_at__date__gte=date_from)
    if date_to:
        actions = actions.filter(created_at__date__lte=date_to)
    return actions.order_by("-created_at", "-id")


def audit_texts_attach(actions) -> None:
    """Give each action on a page of the audit trail `after_text`: the published text, opened
    from its seal (None once the person's account is erased). The text a redaction removed is
    never opened for the page; only the identified moderation-log export carries it."""
    unsealer = Unsealer()
    for action in actions:
        action.after_text = unsealer.open(
            user_id=action.subject_user_id, sealed=action.after_sealed
        )


def audit_texts(action: ModerationAction) -> tuple[str | None, str | None]:
    """The text before and after an action, or None where it was erased with the person."""
    unsealer = Unsealer()
    return (
        unsealer.open(user_id=action.subject_user_id, sealed=action.before_sealed),
        unsealer.open(user_id=action.subject_user_id, sealed=action.after_sealed),
    )


# --- Objects by id, for the routes that take one ---------------------------------------------
# Every route that takes an id fetches through one of these and answers 404 for None. Staff
# routes are already limited to the role by their guard; these say which objects that role
# may reach (for consultation managers and moderators: all of them).


def attachment_get_public(*, attachment_id: int) -> Attachment | None:
    """A PDF on a proposal page: public once the page it is attached to is."""
    return (
        Attachment.objects.select_related("page__consultation")
        .filter(page_published_q("page__"))
        .filter(pk=attachment_id)
        .first()
    )


def consultation_for_staff(*, consultation_id: int) -> Consultation | None:
    return Consultation.objects.filter(pk=consultation_id).first()


def page_for_staff(*, page_id: int) -> ProposalPage | None:
    return ProposalPage.objects.select_related("consultation").filter(pk=page_id).first()


def attachment_for_staff(*, attachment_id: int) -> Attachment | None:
    return Attachment.objects.select_related("page__consultation").filter(pk=attachment_id).first()


def participant_for_moderation(*, user_id: int):
    """A participant a moderator may block: anyone but the staff (who are not moderated here)."""
    from talklondon.models import User

    return User.objects.filter(pk=user_id, is_superuser=False).first()
