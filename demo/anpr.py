"""Demo data: two years of simulated returns, sent through the signed ingestion API, and a
published release for every month, each prepared by one demo publisher and approved by the other.

Idempotent: once the demo releases exist, running it again changes nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone

from anpr_info import registry
from anpr_info.models import Release, Source
from anpr_info.services import releases as release_services
from anpr_info.services.sources import api_key_rotate, source_create
from demo.anpr_simulator import Pusher, Simulator, feed_push, months_back, return_body
from talklondon.models import User

DEMO_SOURCE = "Metropolitan Police ANPR back end (simulated)"
PREPARER = "publisher@demo.talk.london"
APPROVER = "publisher2@demo.talk.london"
MONTHS = 24
REVISED_OFFSET = 4  # the demo revises the month four months before the latest
LONDON = zoneinfo.ZoneInfo("Europe/London")


def announced_time(period: str) -> dt.datetime:
    """Releases come out at 09:30 London time on the 15th of the following month."""
    year, month = int(period[:4]), int(period[5:7])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.datetime(year, month, 15, 9, 30, tzinfo=LONDON)


def demo_source_key() -> str:
    """A fresh key for the simulated source (rotating revokes the previous one)."""
    source = Source.objects.filter(name=DEMO_SOURCE).first() or source_create(name=DEMO_SOURCE)
    _record, key = api_key_rotate(source=source)
    return key


def _publish_month(
    period: str, preparer: User, approver: User, *, notes: str = "", announced=None
) -> Release:
    announced = announced or announced_time(period)
    release = release_services.release_announce(
        period=period, announced_at=announced, actor=preparer, notes=notes
    )
    release_services.release_prepare(release=release, actor=preparer)
    release.refresh_from_db()
    release_services.release_approve(
        release=release, actor=approver, content_sha256=release.content_sha256
    )
    release_services.release_embargo(release=release, actor=approver)
    if announced <= timezone.now():
        release = release_services.release_publish(release=release, now=announced)
    return release


def seed(*, stdout, historical: bool = False) -> None:
    """Seed two years of ANPR statistics (the same whether or not `historical` is set: the
    transparency data are always the most recent two years)."""
    if Release.objects.exists():
        stdout.write("ANPR statistics: demo releases already exist.")
        return
    preparer = User.objects.get(email=PREPARER)
    approver = User.objects.get(email=APPROVER)
    months = months_back(MONTHS)
    simulator = Simulator()
    pusher = Pusher(key=demo_source_key())
    results = feed_push(pusher=pusher, months=months, simulator=simulator)
    refused = [r for r in results if r[2] != 201]
    if refused:
        raise RuntimeError(f"The simulated feed was refused: {refused[:3]}")
    with transaction.atomic():
        for period in months:
            _publish_month(period, preparer, approver)
    # A revision: late hit returns for one month, resubmitted with a reason and republished.
    revised = months[-REVISED_OFFSET]
    rows = simulator.month(revised)["hits"]
    for row in rows[:: max(1, len(rows) // 40)]:
        row["count"] += 3
    status, _ = pusher.send(
        *return_body("hits", revised, rows, reason="Late hit returns from two command units.")
    )
    if status != 201:
        raise RuntimeError(f"The demo revision was refused ({status}).")
    with transaction.atomic():
        _publish_month(
            revised,
            preparer,
            approver,
            notes="Revised: late hit returns from two command units were added.",
            announced=timezone.now() - dt.timedelta(minutes=1),
        )
    # The next release on the calendar: announced, not yet prepared.
    today = timezone.localdate()
    current = registry.month_period(today.year, today.month)
    release_services.release_announce(
        period=current, announced_at=announced_time(current), actor=preparer
    )
    published = Release.objects.filter(status=Release.Status.PUBLISHED).count()
    stdout.write(
        f"ANPR statistics: {published} releases published from {len(results)} simulated returns."
    )
