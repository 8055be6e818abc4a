"""The demo consultation: content, work for the moderator's desk, and idempotence."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from consultation.models import Comment, Consultation, ProposalPage
from demo import consultation as consultation_demo
from talklondon.models import User

pytestmark = pytest.mark.django_db


def test_seed_creates_the_anpr_consultation_and_is_idempotent(client):
    call_command("seed_demo", stdout=io.StringIO())
    consultation = Consultation.objects.get(slug=consultation_demo.SLUG)
    assert consultation.is_open
    assert (consultation.closes_at - consultation.opens_at).days == 55
    assert list(consultation.pages.values_list("title", flat=True)) == [
        "The proposal", "How ANPR works", "Safeguards and data protection",
        "Frequently asked questions",
    ]  # fmt: skip
    comments = Comment.objects.filter(page__consultation=consultation)
    assert 290 <= comments.count() <= 320
    assert comments.filter(depth__gt=0).count() > 50
    assert comments.filter(status="pending", held_for="").exists()
    assert comments.filter(status="pending").exclude(held_for="").count() >= 3
    assert comments.filter(open_report_count__gt=0).exists()
    assert comments.filter(status="removed").exists()
    residents = User.objects.filter(email__startswith="resident")
    assert residents.count() == 30
    assert residents.values("profile__borough").distinct().count() >= 20
    counts = (Consultation.objects.count(), ProposalPage.objects.count(), Comment.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        Consultation.objects.count(),
        ProposalPage.objects.count(),
        Comment.objects.count(),
    ) == (counts)
    page = comments.get(status="removed").page
    url = reverse("consultation:page", args=[consultation.slug, page.slug]) + "?sort=oldest"
    response = client.get(url)
    assert response.status_code == 200 and "Removed by a moderator" in response.content.decode()


def test_seed_historical_uses_2014_dates():
    consultation_demo.seed(stdout=io.StringIO(), historical=True)
    consultation = Consultation.objects.get(slug=consultation_demo.SLUG)
    london = ZoneInfo("Europe/London")
    assert consultation.opens_at.astimezone(london).date() == datetime(2014, 2, 11).date()
    assert consultation.closes_at.astimezone(london).date() == datetime(2014, 4, 8).date()
    assert consultation.is_closed
    first = Comment.objects.order_by("created_at").first()
    assert first.created_at >= consultation.opens_at
