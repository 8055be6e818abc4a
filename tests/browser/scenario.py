"""Data the journeys share, created inside each test (the database is emptied between tests).

anpr_consultation()   the ANPR consultation as the demo has it (its four proposal pages in the
                      demo's words, post-moderation), the demo survey with its branch, three
                      residents and a short discussion on "The proposal"
anpr_statistics()     two months of small simulated ANPR returns, published through the real
                      release workflow (announce, prepare, approve, embargo, publish)
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.utils import timezone

from consultation.models import Comment, Consultation, ProposalPage
from consultation.surveys.models import Survey
from demo import consultation as consultation_demo
from demo.accounts import totp_ensure, verified_user_create
from demo.surveys import survey_build
from talklondon import permissions
from talklondon.models import User
from talklondon.rich_text import render_markdown_lite

PASSWORD = "Plane-trees-on-the-Embankment-7"  # noqa: S105 - test accounts only
SLUG = consultation_demo.SLUG  # "anpr-cameras"


@dataclass
class AnprConsultation:
    consultation: Consultation
    pages: list[ProposalPage]
    survey: Survey
    residents: list[User]
    comments: list[Comment] = field(default_factory=list)

    @property
    def proposal(self) -> ProposalPage:
        return self.pages[0]

    def page_path(self, page: ProposalPage) -> str:
        return f"/consultations/{self.consultation.slug}/{page.slug}/"


def resident_create(email: str, display_name: str, borough: str = "E09000007") -> User:
    """A verified resident who can sign in with PASSWORD (Camden unless told otherwise)."""
    return verified_user_create(
        email=email, display_name=display_name, password=PASSWORD, borough=borough
    )


def staff_create(email: str, display_name: str, role: str) -> User:
    """A staff member in `role` with TOTP set up (sign in with totp_current_code)."""
    user = resident_create(email, display_name)
    user.groups.add(Group.objects.get(name=role))
    totp_ensure(user)
    return user


def _comment(page, author, text, *, ago, reply_to=None, status=Comment.Status.PUBLISHED):
    created = timezone.now() - ago  # in the past, so that nothing trips the surge rule
    fields = {}
    if reply_to is not None:
        fields = {
            "parent": reply_to,
            "replied_to": reply_to,
            "thread": reply_to.thread or reply_to,
            "depth": reply_to.depth + 1,
        }
    return Comment.objects.create(
        page=page,
        author=author,
        body=text,
        body_html=render_markdown_lite(text),
        status=status,
        created_at=created,
        published_at=created if status == Comment.Status.PUBLISHED else None,
        **fields,
    )


def anpr_consultation() -> AnprConsultation:
    now = timezone.now()
    consultation = Consultation.objects.create(
        slug=SLUG,
        title=consultation_demo.TITLE,
        summary=consultation_demo.SUMMARY,
        organisation="Mayor's Office for Policing and Crime (MOPAC)",
        opens_at=now - dt.timedelta(days=7),
        closes_at=now + dt.timedelta(days=49),
        moderation_mode=Consultation.ModerationMode.POST,
        published_at=now,
    )
    pages = [
        ProposalPage.objects.create(
            consultation=consultation,
            slug=slug,
            title=title,
            body=body,
            position=position,
            published_at=now,
        )
        for position, (slug, title, body) in enumerate(consultation_demo.PAGES, start=1)
    ]
    residents = [
        resident_create("amara@example.org", "Amara from Hackney", "E09000012"),
        resident_create("ben@example.org", "Ben from Croydon", "E09000008"),
        resident_create("chloe@example.org", "Chloe from Camden", "E09000007"),
    ]
    proposal = pages[0]
    first = _comment(
        proposal,
        residents[0],
        "I support this if every search is logged and checked independently.",
        ago=dt.timedelta(hours=3),
    )
    second = _comment(
        proposal,
        residents[1],
        "Tripling the coverage sounds like a big step towards tracking everyone.",
        ago=dt.timedelta(hours=2),
    )
    reply = _comment(
        proposal,
        residents[2],
        "The safeguards page answers some of this.",
        ago=dt.timedelta(hours=1),
        reply_to=second,
    )
    survey = survey_build(consultation)
    return AnprConsultation(
        consultation=consultation,
        pages=pages,
        survey=survey,
        residents=residents,
        comments=[first, second, reply],
    )


# --- ANPR statistics --------------------------------------------------------------------------

STATISTICS_MONTHS = ("2025-02", "2025-03")


def anpr_statistics(months=STATISTICS_MONTHS) -> list:
    """Push small simulated returns through the signed ingestion API and publish each month."""
    from anpr_info.services import releases as release_services
    from anpr_info.services.sources import api_key_create, source_create
    from demo.anpr_simulator import Pusher, Simulator, feed_push

    source = source_create(name="Browser-test back end")
    _record, key = api_key_create(source=source)
    results = feed_push(
        pusher=Pusher(key=key), months=list(months), simulator=Simulator(scale=0.02)
    )
    assert {status for _d, _p, status in results} == {201}, results
    preparer = staff_create("prep@example.org", "Preparer", permissions.ROLE_PUBLISHER)
    approver = staff_create("appr@example.org", "Approver", permissions.ROLE_PUBLISHER)
    published = []
    for period in months:
        announced = timezone.now() - dt.timedelta(minutes=5)
        release = release_services.release_announce(
            period=period, announced_at=announced, actor=preparer
        )
        release_services.release_prepare(release=release, actor=preparer)
        release.refresh_from_db()
        release_services.release_approve(
            release=release, actor=approver, content_sha256=release.content_sha256
        )
        release_services.release_embargo(release=release, actor=approver)
        release.refresh_from_db()
        published.append(release_services.release_publish(release=release, now=timezone.now()))
    return published
