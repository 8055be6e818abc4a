"""The demo: 40 statements, 600 synthetic voters from three profiles, and the groups found."""

import io
from collections import Counter

import pytest
from django.urls import reverse

from consultation.statements.models import OpinionResult, Statement, StatementsActivity
from demo import consultation as consultation_demo
from demo import statements as statements_demo
from talklondon.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.STATEMENTS_MIN_VOTES = 7
    consultation_demo.seed(stdout=io.StringIO())
    return statements_demo.seed(stdout=io.StringIO())


def test_the_computation_recovers_the_seeded_profiles(seeded):
    result = OpinionResult.objects.get(activity=seeded)
    assert result.voters_total == statements_demo.VOTER_COUNT
    assert result.group_count == len(statements_demo.PROFILES)
    profiles = statements_demo.voter_profiles()
    emails = [
        statements_demo.VOTER_EMAIL.format(n=n + 1) for n in range(statements_demo.VOTER_COUNT)
    ]
    ids = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    pairs = Counter(
        (profiles[n], result.assignments[str(ids[email])]) for n, email in enumerate(emails)
    )
    # Each profile lands (almost entirely) in a group of its own.
    for profile in range(len(statements_demo.PROFILES)):
        in_profile = sum(count for (p, _), count in pairs.items() if p == profile)
        best_group, best = max(
            ((g, count) for (p, g), count in pairs.items() if p == profile), key=lambda x: x[1]
        )
        assert best / in_profile > 0.95, (profile, pairs)
    assert len({g for (p, g) in pairs if pairs[(p, g)] > 20}) == len(statements_demo.PROFILES)
    # The common ground is what every profile agrees with.
    texts = {s["id"]: s["text"] for s in result.payload["statements"]}
    common = {texts[sid] for sid in result.payload["common_ground"]}
    expected = {text for text, stance in statements_demo.STATEMENTS if stance == "+++"}
    assert common == expected


def test_the_demo_statements_page_shows_the_groups_and_common_ground(client, seeded):
    html = client.get(
        reverse("statements:results", args=[seeded.consultation.slug])
    ).content.decode()
    assert "Group A" in html and "Group B" in html and "Group C" in html
    assert "An independent body should check how the police use ANPR data." in html
    assert "too small to describe" not in html
    assert html.count("% of this group") >= 6
    # A resident's statement waits for a moderator, and seeding again changes nothing.
    assert Statement.objects.filter(activity=seeded, status="pending").count() == 1
    assert Statement.objects.filter(activity=seeded, status="published").count() == len(
        statements_demo.STATEMENTS
    )
    statements_demo.seed(stdout=io.StringIO())
    assert StatementsActivity.objects.count() == 1
    assert OpinionResult.objects.count() == 1
