"""Comments and the moderation log as datasets.

Comments: one row per comment with its place in the thread (parent, thread, depth and position
among its siblings, counting every comment), page, moderation state, likes, times and text.
Authors are pseudonymous; the identified variant adds display name and email. The anonymised
variant carries the text of published comments only: comments awaiting moderation or removed
are often held or removed *because* they contain personal information (the identified variant,
for the Personal-data exporter, has every text).

Moderation log: one row per entry of the append-only audit trail. Moderators are staff acting
in their official role, so their display name is shown in both variants (their email only in
the identified one). The participant concerned is pseudonymous; the text a redaction removed
(`before_text`) is in the identified variant only, because that is the personal information
the redaction took out. Both texts are kept sealed with the participant's own key and come out
empty once that person's account is erased.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from consultation.analysis.exports.datasets import (
    FILTER_BOROUGH,
    FILTER_DATES,
    RESPONDENT,
    BaseDataset,
    CodebookRow,
    Column,
    ExportFilters,
    respondent_column,
)
from consultation.models import Comment, ModerationAction
from consultation.models.comments import HOLD_REASONS
from talklondon.areas import borough_name
from talklondon.house_rules import HOUSE_RULES
from talklondon.sealing import Unsealer

RULES = {rule.code: f"Rule {rule.code}: {rule.title}" for rule in HOUSE_RULES}
COMMENT_STATUS = dict(Comment.Status.choices)
ACTION_KINDS = dict(ModerationAction.Kind.choices)


def _yes_no(value) -> str:
    return "yes" if value else "no"


class CommentsDataset(BaseDataset):
    key = "comments"
    title = "Comments"
    description = (
        "One row per comment, with its place in the thread, page, moderation state, likes and "
        "text (published comments only, unless identified). Filter by date posted and by the "
        "author's borough."
    )
    supported_filters = frozenset({FILTER_DATES, FILTER_BOROUGH})
    has_identified_variant = True

    def _queryset(self, filters: ExportFilters):
        comments = filters.in_date_range(Comment.objects.all(), "created_at")
        if filters.borough:
            comments = comments.filter(author__profile__borough=filters.borough)
        return comments

    def count(self, filters: ExportFilters) -> int:
        return self._queryset(filters).count()

    def columns(self, filters: ExportFilters) -> list[Column]:
        columns = [
            Column("comment_id", "Comment id", "The comment's number on the site."),
            Column("parent_id", "Parent id", "The comment it replies to; empty at top level."),
            Column("thread_id", "Thread id", "The top-level comment of its thread."),
            Column("depth", "Depth", "0 = top level, 1 = reply, 2 = reply to a reply."),
            Column(
                "position",
                "Position",
                "Order among its siblings (same parent, or top level of the page), from 1.",
            ),
            Column("consultation", "Consultation", "The consultation's title."),
            Column("page", "Page", "The proposal page's title."),
            respondent_column("author", "Author"),
            Column("author_borough", "Author's borough", "From the author's profile, if given."),
            Column("status", "Moderation state", "Awaiting moderation, Published or Removed."),
            Column("held_for", "Held for", "Why a hold rule sent it to moderators first."),
            Column("removal_reason", "Removed under", "The house rule it broke, if removed."),
            Column("redacted", "Redacted", "yes if a moderator edited out part of the text."),
            Column("deleted", "Deleted by author", "yes if the author deleted it."),
            Column("like_count", "Likes", "Number of likes."),
            Column("created_at", "Posted at", "London time."),
            Column("edited_at", "Edited at", "Last edit by the author, London time."),
            Column("published_at", "Published at", "London time."),
            Column(
                "text",
                "Text",
                "As shown on the site (Markdown)."
                if self.identified
                else "Published comments only: text awaiting moderation or removed is withheld.",
            ),
        ]
        if self.identified:
            columns += [
                Column("display_name", "Display name", "Personal data: the author's name."),
                Column("email", "Email address", "Personal data: the author's email."),
            ]
        return columns

    def rows(self, filters: ExportFilters) -> Iterator[tuple]:
        earlier_siblings = (
            Comment.objects.filter(
                Q(parent=OuterRef("parent")) | Q(parent__isnull=True, page=OuterRef("page"))
            )
            .filter(depth=OuterRef("depth"))
            .filter(
                Q(created_at__lt=OuterRef("created_at"))
                | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
            )
            .order_by()
            .values("depth")
            .annotate(n=Count("pk"))
            .values("n")
        )
        fields = [
            "pk",
            "parent_id",
            "thread_id",
            "depth",
            "earlier",
            "page__consultation__title",
            "page__title",
            "author_id",
            "author__profile__borough",
            "status",
            "held_for",
            "removal_reason",
            "redacted_at",
            "deleted_at",
            "like_count",
            "created_at",
            "edited_at",
            "published_at",
            "body",
        ]
        if self.identified:
            fields += ["author__display_name", "author__email"]
        comments = (
            self._queryset(filters)
            .annotate(earlier=Coalesce(Subquery(earlier_siblings), 0))
            .order_by("pk")
            .values_list(*fields)
        )
        for (
            pk,
            parent_id,
            thread_id,
            depth,
            earlier,
            consultation,
            page,
            author_id,
            borough,
            status,
            held_for,
            removal_reason,
            redacted_at,
            deleted_at,
            like_count,
            created_at,
            edited_at,
            published_at,
            body,
            *identity,
        ) in comments.iterator(chunk_size=2000):
            published = status == Comment.Status.PUBLISHED
            yield (
                pk,
                parent_id,
                thread_id if thread_id is not None else pk,
                depth,
                earlier + 1,
                consultation,
                page,
                author_id,
                borough_name(borough) if borough else None,
                COMMENT_STATUS.get(status, status),
                "; ".join(HOLD_REASONS.get(c, c) for c in held_for.split(",") if c) or None,
                RULES.get(removal_reason, removal_reason) or None,
                _yes_no(redacted_at),
                _yes_no(deleted_at),
                like_count,
                created_at,
                edited_at,
                published_at,
                (body if (published or self.identified) else None) or None,
                *identity,
            )

    def codebook(self, filters: ExportFilters) -> Iterator[CodebookRow]:
        for column in self.columns(filters):
            yield CodebookRow(
                variable=column.key, label=column.header, condition=column.description
            )
            if column.key == "status":
                for _value, label in Comment.Status.choices:
                    yield CodebookRow(variable="status", label="", value=label, value_label=label)
            elif column.key == "removal_reason":
                for label in RULES.values():
                    yield CodebookRow(variable=column.key, label="", value=label)


class ModerationLogDataset(BaseDataset):
    key = "moderation-log"
    title = "Moderation log"
    description = (
        "Every entry of the append-only moderation audit trail: who did what to which comment "
        "or participant, when and why. Filter by date."
    )
    supported_filters = frozenset({FILTER_DATES})
    has_identified_variant = True

    def _queryset(self, filters: ExportFilters):
        return filters.in_date_range(ModerationAction.objects.all(), "created_at")

    def count(self, filters: ExportFilters) -> int:
        return self._queryset(filters).count()

    def columns(self, filters: ExportFilters) -> list[Column]:
        columns = [
            Column("entry_id", "Entry id", "The entry's number in the audit trail."),
            Column("created_at", "When", "London time."),
            Column("action", "Action", "What the moderator did."),
            Column("moderator", "Moderator", "The moderator's display name (staff)."),
            Column("comment_id", "Comment id", "The comment concerned, if any."),
            Column("consultation", "Consultation", "The consultation's title, if any."),
            Column(
                "participant",
                "Participant",
                "Pseudonymous id of the participant concerned (the comment's author, or the "
                "person blocked): the same id as in a comments export only within one file.",
                kind=RESPONDENT,
            ),
            Column("reason", "House rule", "The house rule cited, if any."),
            Column("reason_text", "Reason given", "The moderator's own words."),
            Column("after_text", "Text after", "The comment's text after a redaction."),
        ]
        if self.identified:
            columns += [
                Column("moderator_email", "Moderator email", "Personal data."),
                Column("participant_name", "Participant display name", "Personal data."),
                Column("participant_email", "Participant email", "Personal data."),
                Column(
                    "before_text",
                    "Text before",
                    "Personal data: the text a redaction removed, or the comment as it was.",
                ),
            ]
        return columns

    def rows(self, filters: ExportFilters) -> Iterator[tuple]:
        fields = [
            "pk",
            "created_at",
            "kind",
            "actor__display_name",
            "comment_id",
            "consultation__title",
            "participant",
            "reason_code",
            "reason_text",
            "after_sealed",
        ]
        if self.identified:
            fields += ["actor__email", "participant_name", "participant_email", "before_sealed"]
        actions = (
            self._queryset(filters)
            .annotate(
                participant=Coalesce("subject_user_id", "comment__author_id"),
                participant_name=Coalesce(
                    "subject_user__display_name", "comment__author__display_name"
                ),
                participant_email=Coalesce("subject_user__email", "comment__author__email"),
            )
            .order_by("pk")
            .values_list(*fields)
        )
        # Texts are sealed with the participant's key: once their account is erased the key is
        # gone and the texts come out empty (talklondon.sealing).
        unsealer = Unsealer()
        for row in actions.iterator(chunk_size=2000):
            pk, created_at, kind, moderator, comment_id, consultation, participant, reason = row[:8]
            reason_text, after_sealed, *identity = row[8:]
            after_text = unsealer.open(user_id=participant, sealed=after_sealed)
            if self.identified:
                identity[-1] = unsealer.open(user_id=participant, sealed=identity[-1])
            yield (
                pk,
                created_at,
                ACTION_KINDS.get(kind, kind),
                moderator or None,
                comment_id,
                consultation,
                participant,
                RULES.get(reason, reason) or None,
                reason_text or None,
                after_text or None,
                *[value or None for value in identity],
            )

    def codebook(self, filters: ExportFilters) -> Iterator[CodebookRow]:
        for column in self.columns(filters):
            yield CodebookRow(
                variable=column.key, label=column.header, condition=column.description
            )
            if column.key == "action":
                for _value, label in ModerationAction.Kind.choices:
                    yield CodebookRow(variable="action", label="", value=label, value_label=label)
