"""Page data for the read spike: the busiest proposal page with exactly the comments it needs.

Run inside the bench site's Django (read_spike.py calls it after `seed_demo`). Idempotent: the
first proposal page of the demo consultation is topped up to `count` published comments (about
a third of them replies, as on a real page), and its path is returned.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

CONSULTATION_SLUG = "anpr-cameras"
BODY = (
    "I can see why the police want this, but *only* with independent oversight and a short "
    "retention period. See the [oversight proposals](https://example.org/oversight)."
)


@transaction.atomic
def proposal_page_with_comments(count: int = 300) -> str:
    from consultation.models import Comment, Consultation
    from demo.accounts import verified_user_create
    from talklondon.models import User
    from talklondon.rich_text import render_markdown_lite

    consultation = Consultation.objects.filter(slug=CONSULTATION_SLUG).first()
    if consultation is None:  # the quick run skips the demo: a consultation of its own
        from consultation.models import ProposalPage

        now = timezone.now()
        consultation = Consultation.objects.create(
            slug=CONSULTATION_SLUG,
            title="Police access to TfL's road cameras (ANPR)",
            summary="Should the Metropolitan Police have routine access to TfL's cameras?",
            opens_at=now - dt.timedelta(days=7),
            closes_at=now + dt.timedelta(days=49),
            published_at=now,
        )
        ProposalPage.objects.create(
            consultation=consultation,
            title="The proposal",
            slug="the-proposal",
            body="## What we propose\n\nThe police would use TfL's cameras routinely.",
            position=1,
            published_at=now,
        )
    page = consultation.pages.order_by("position", "id").first()
    visible = Q(status=Comment.Status.PUBLISHED, deleted_at__isnull=True)
    missing = count - page.comments.filter(visible).count()
    if missing > 0:
        people = list(User.objects.filter(email__startswith="bench-reader-")[:40])
        for n in range(len(people), 40):
            people.append(
                verified_user_create(
                    email=f"bench-reader-{n:02d}@bench.talk.london",
                    display_name=f"Bench reader {n}",
                )
            )
        now = timezone.now()
        html = render_markdown_lite(BODY)
        tops_wanted = missing - missing // 3
        tops = Comment.objects.bulk_create(
            Comment(
                page=page,
                author=people[i % len(people)],
                body=BODY,
                body_html=html,
                status=Comment.Status.PUBLISHED,
                created_at=now - dt.timedelta(minutes=i + 1),
                published_at=now - dt.timedelta(minutes=i + 1),
                like_count=i % 7,
            )
            for i in range(tops_wanted)
        )
        Comment.objects.bulk_create(
            Comment(
                page=page,
                author=people[(i + 3) % len(people)],
                parent=tops[i % min(len(tops), 60)],
                replied_to=tops[i % min(len(tops), 60)],
                thread=tops[i % min(len(tops), 60)],
                depth=1,
                body=BODY,
                body_html=html,
                status=Comment.Status.PUBLISHED,
                created_at=now - dt.timedelta(seconds=i + 1),
                published_at=now - dt.timedelta(seconds=i + 1),
            )
            for i in range(missing - tops_wanted)
        )
    return reverse("consultation:page", args=[consultation.slug, page.slug])
