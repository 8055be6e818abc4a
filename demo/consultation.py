"""Demo content: MOPAC's consultation on giving the Met routine access to TfL's ANPR cameras.

Facts come from /work/shared/reference (the press release of 11 February 2014 and the figures
noted there); every sentence is our own. Running `seed` again changes nothing.
"""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from consultation.models import (
    Comment,
    CommentReport,
    Consultation,
    ModerationAction,
    ProposalPage,
)
from demo.accounts import verified_user_create
from talklondon.areas import london_areas
from talklondon.models import User
from talklondon.rich_text import render_markdown_lite

LONDON = ZoneInfo("Europe/London")
SLUG = "anpr-cameras"
TITLE = "Should the Met have routine access to TfL's ANPR cameras?"
SUMMARY = (
    "The Mayor proposes letting the Metropolitan Police use the data from Transport for "
    "London's 1,300 number plate cameras to prevent and detect crime. Tell us what you think."
)

PAGES = [
    (
        "the-proposal",
        "The proposal",
        """Transport for London (TfL) runs about 1,300 automatic number plate recognition (ANPR)
cameras. They exist to enforce the Congestion Charge in central London and the London-wide
Low Emission Zone.

The Mayor's Office for Policing and Crime (MOPAC) proposes that the Metropolitan Police
Service should have routine access to the data these cameras collect, so that officers can
use it to investigate crime and to stop vehicles linked to crime.

## Why we are proposing it

* The Met already runs a smaller ANPR network of its own. Adding TfL's feed would roughly
  **triple** the coverage available to officers.
* ANPR data has already helped solve serious crimes in London, including a murder
  investigation in 2013 and the arrest of a suspect in an attempted child abduction.
* The cameras are already paid for by the public. Sharing one network avoids paying twice
  for the same roads.

## What would not change

TfL would keep using the cameras for charging and emissions enforcement. The proposal is about
who may use the data and for what, not about putting up new cameras.

## What we want to know

Whether you support the proposal, what worries you about it, and what safeguards would give
you confidence. The engagement runs for eight weeks. We will publish what you told us and
what we decide to do.
""",
    ),
    (
        "how-anpr-works",
        "How ANPR works",
        """An ANPR camera reads the number plate of each vehicle that passes it. For every read
it records the registration mark, the time, the camera's location and usually a photograph.

## From camera to police systems

1. The camera reads a plate and creates a record.
2. The record is compared with lists of vehicles of interest, for example stolen vehicles,
   vehicles with no insurance, or vehicles linked to a crime under investigation.
3. If there is a match, officers nearby can be alerted and may stop the vehicle.
4. The records are stored so that investigators can search them later, under strict rules.

## How big is it?

Across England and Wales, about 60 million plate reads a day reach the National ANPR
Service, which keeps them for 12 months. Between November 2020 and November 2023, TfL sent
the Met about 17.7 billion records, around 15.7 million a day.

## What ANPR does not do

ANPR reads plates, not faces. It does not by itself tell the police who was driving.
""",
    ),
    (
        "safeguards-and-data-protection",
        "Safeguards and data protection",
        """A number plate can be linked to the vehicle's registered keeper, so ANPR records are
**personal data**. Data protection law applies to every part of how they are collected,
kept, searched and shared.

## Rules the police must follow

* National and Met policies set who may search ANPR data, for what purposes and how long it
  is kept.
* Searches must be for preventing or detecting crime, and each search is logged so it can be
  audited.
* Access is limited to trained staff, and misuse is a disciplinary and potentially criminal
  matter.

## Oversight

The police are overseen by independent bodies, and MOPAC holds the Met to account on behalf
of Londoners. We will publish regular, anonymised statistics on how the data is used, on this
site.

## Your rights

You can ask the police what personal data they hold about you. Some information may be
withheld where releasing it would harm an investigation.
""",
    ),
    (
        "faqs",
        "Frequently asked questions",
        """## Will this mean more cameras?

No. The proposal uses cameras that TfL already operates.

## Can the police see where I drive every day?

Only for policing purposes allowed by law and policy, and every search is logged. Data is not
open to casual browsing.

## How long is the data kept?

Retention periods are set by national policy. We will publish them with the results of this
engagement.

## Does this cover the City of London?

The City of London has its own police force, the City of London Police. The proposal concerns
the Metropolitan Police Service, which covers the 32 London boroughs.

## How do I take part?

Read the pages of this consultation, join the discussion at the bottom of each page and
answer the survey. You need a Talk London account with a verified email address.
""",
    ),
]

FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Dev", "Efua", "Finn", "Grace", "Hamza", "Ines", "Jack", "Kemi",
    "Liam", "Maya", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sam", "Tariq", "Uma",
    "Victor", "Wen", "Xavier", "Yasmin", "Zoe", "Ade", "Bea", "Cal", "Dina",
]  # fmt: skip

OPENINGS = [
    "I support this.", "I'm not convinced.", "On balance I'm in favour.", "This worries me.",
    "Good idea in principle.", "I have mixed feelings.", "As a cyclist,", "As a cab driver,",
    "Speaking as someone whose car was stolen last year,", "I live near the South Circular and",
]  # fmt: skip
POINTS = [
    "the cameras are already there, so using them to catch criminals makes sense",
    "I want to know exactly how long the records are kept",
    "who checks that officers only search for genuine reasons?",
    "tripling the coverage sounds like a big step towards tracking everyone",
    "catching uninsured drivers alone would make the roads safer",
    "the audit logs need to be looked at by someone independent",
    "the data should be deleted quickly if it doesn't match anything",
    "it helped solve a murder, which is hard to argue with",
    "I'd like regular published figures on how often it's searched",
    "this should have been done years ago",
    "what stops the data being shared with other agencies?",
    "please make the retention period short and publish it",
]  # fmt: skip
CLOSINGS = [
    "", "", " Happy to be persuaded.", " Thanks for asking.", " Safeguards matter most.",
    " The statistics page is a good start.",
]  # fmt: skip
REPLIES = [
    "Agreed, well put.", "I see it differently: the safeguards page answers most of this.",
    "Good point about retention.", "Do you have a source for that?",
    "The FAQs say every search is logged.", "I had the same question.",
    "That's fair, but independent checks would help.", "Exactly my worry too.",
]  # fmt: skip


DEMO_DAYS_OPEN = 19


def _dates(historical: bool) -> tuple[datetime, datetime]:
    if historical:
        opens = datetime(2014, 2, 11, 9, 0, tzinfo=LONDON)
        closes = datetime(2014, 4, 8, 23, 59, tzinfo=LONDON)
    else:
        # Three weeks into its eight, so the demo has a history to show (responses over time).
        started = timezone.localdate() - timedelta(days=DEMO_DAYS_OPEN)
        opens = datetime.combine(started, time(0, 0), tzinfo=LONDON)
        closes = opens + timedelta(weeks=8) - timedelta(minutes=1)
    return opens, closes


def _residents() -> list[User]:
    areas = list(london_areas())
    people = []
    for n, name in enumerate(FIRST_NAMES):
        area = areas[(n * 7) % len(areas)]
        people.append(
            verified_user_create(
                email=f"resident{n + 1:02d}@demo.talk.london",
                display_name=f"{name} from {area.name}",
                borough=area.gss_code,
            )
        )
    return people


def _text(rng: random.Random) -> str:
    return f"{rng.choice(OPENINGS)} {rng.choice(POINTS)}.{rng.choice(CLOSINGS)}"


@transaction.atomic
def seed(*, stdout, historical: bool = False) -> Consultation:
    """Create the ANPR consultation, its pages, demo residents and a discussion. Idempotent."""
    opens, closes = _dates(historical)
    consultation, created = Consultation.objects.get_or_create(
        slug=SLUG,
        defaults={
            "title": TITLE,
            "summary": SUMMARY,
            "organisation": "Mayor's Office for Policing and Crime (MOPAC)",
            "opens_at": opens,
            "closes_at": closes,
            "moderation_mode": Consultation.ModerationMode.POST,
            # The demo shows a live site: what it creates is published.
            "published_at": timezone.now(),
        },
    )
    pages = []
    for position, (slug, title, body) in enumerate(PAGES, start=1):
        page, _ = ProposalPage.objects.get_or_create(
            consultation=consultation,
            slug=slug,
            defaults={
                "title": title,
                "body": body,
                "position": position,
                "published_at": timezone.now(),
            },
        )
        pages.append(page)
    residents = _residents()
    if Comment.objects.filter(page__consultation=consultation).exists():
        stdout.write(f"Consultation “{consultation.title}” already seeded.")
        return consultation
    _discussion(consultation, pages, residents)
    stdout.write(
        f"Consultation “{consultation.title}”: {len(pages)} pages, {len(residents)} residents, "
        f"{Comment.objects.filter(page__consultation=consultation).count()} comments."
    )
    return consultation


def _discussion(consultation: Consultation, pages: list[ProposalPage], residents: list[User]):
    rng = random.Random(2014)  # noqa: S311 - repeatable demo content, not security
    start = consultation.opens_at
    end = min(consultation.closes_at, timezone.now())
    if end <= start:
        end = start + timedelta(hours=1)
    span = (end - start).total_seconds()

    def when(i: int, total: int) -> datetime:
        return start + timedelta(seconds=span * (i + 1) / (total + 2))

    comments: list[Comment] = []
    total = 300
    for i in range(total):
        page = pages[0] if i % 3 == 0 else pages[i % len(pages)]
        author = residents[rng.randrange(len(residents))]
        candidates = [c for c in comments if c.page_id == page.pk]
        parent_choice = rng.choice(candidates) if candidates and rng.random() < 0.45 else None
        text = rng.choice(REPLIES) if parent_choice else _text(rng)
        created = when(i, total)
        fields = {
            "page": page,
            "author": author,
            "body": text,
            "body_html": render_markdown_lite(text),
            "status": Comment.Status.PUBLISHED,
            "created_at": created,
            "published_at": created,
            "like_count": rng.randrange(0, 12),
        }
        if parent_choice is not None:
            depth = min(parent_choice.depth + 1, 2)
            fields.update(
                parent=parent_choice if parent_choice.depth < 2 else parent_choice.parent,
                replied_to=parent_choice,
                thread=parent_choice.thread or parent_choice,
                depth=depth,
            )
        comments.append(Comment.objects.create(**fields))

    # Work for the moderator's desk.
    held = [
        ("I saw a police car follow AB51 XYZ down my road, is that ANPR?", "vehicle_registration"),
        ("Email me at worried.resident@example.org if you want to campaign.", "email"),
        ("Read more at www.example.org/anpr-truth", "link"),
    ]
    for n, (text, reason) in enumerate(held):
        Comment.objects.create(
            page=pages[n % len(pages)],
            author=residents[n],
            body=text,
            body_html=render_markdown_lite(text),
            status=Comment.Status.PENDING,
            held_for=reason,
            created_at=end - timedelta(minutes=10 - n),
        )
    for n, text in enumerate(["Could someone explain the retention period again?", "Agree."]):
        Comment.objects.create(
            page=pages[0],
            author=residents[10 + n],
            body=text,
            body_html=render_markdown_lite(text),
            status=Comment.Status.PENDING,
            created_at=end - timedelta(minutes=5 - n),
        )
    reported = comments[-20:-17]
    for n, comment in enumerate(reported):
        for reporter in residents[20 : 21 + n]:
            if reporter.pk == comment.author_id:
                continue
            CommentReport.objects.create(
                comment=comment, reporter=reporter, reason=CommentReport.Reason.OFF_TOPIC
            )
        comment.open_report_count = comment.reports.count()
        comment.save(update_fields=["open_report_count"])

    moderator = User.objects.filter(email="moderator@demo.talk.london").first()
    if moderator is not None:
        with_replies = next(
            (c for c in comments if c.depth == 0 and Comment.objects.filter(parent=c).exists()),
            None,
        )
        if with_replies is not None:
            with_replies.status = Comment.Status.REMOVED
            with_replies.removal_reason = "1"
            with_replies.save(update_fields=["status", "removal_reason"])
            ModerationAction.objects.create(
                actor=moderator,
                kind=ModerationAction.Kind.REJECT,
                comment=with_replies,
                subject_user_id=with_replies.author_id,
                consultation=consultation,
                reason_code="1",
                reason_text="Demo: a removed comment whose replies stay visible.",
            )
