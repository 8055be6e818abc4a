"""The simulated police back end and the demo seed."""

import io

import pytest

from anpr_info.models import Release, Submission
from demo import anpr as anpr_demo
from demo.accounts import seed_staff
from demo.anpr_simulator import Simulator

pytestmark = pytest.mark.django_db


def test_the_simulator_is_at_london_scale():
    simulator = Simulator()
    owners = [s.owner for s in simulator.sites]
    assert owners.count("tfl_ruc") == 1500
    assert owners.count("met_fixed") + owners.count("met_mobile") == 1000
    returns = simulator.month("2025-03")
    daily = sum(row[5] for row in returns["site_reads"]) / 31
    assert 12_000_000 < daily < 18_000_000
    assert len(returns["site_reads"]) == len(simulator.sites) * 31
    assert "audit" in returns  # March closes a quarter
    small = [r for r in returns["outcomes"] if r["count"] < 10]
    assert small, "a few small cells must need suppressing"


def test_the_demo_seed_publishes_history_and_is_idempotent(monkeypatch):
    seed_staff()
    monkeypatch.setattr(anpr_demo, "MONTHS", 3)
    monkeypatch.setattr(anpr_demo, "REVISED_OFFSET", 2)
    monkeypatch.setattr(anpr_demo, "Simulator", lambda: Simulator(scale=0.02))
    out = io.StringIO()
    anpr_demo.seed(stdout=out)
    published = Release.objects.filter(status=Release.Status.PUBLISHED)
    assert published.count() >= 3
    assert {r.approved_by.email for r in published} == {anpr_demo.APPROVER}
    assert {r.prepared_by.email for r in published} == {anpr_demo.PREPARER}
    assert published.filter(version=2).exists()
    counts = (Release.objects.count(), Submission.objects.count())
    anpr_demo.seed(stdout=out)
    assert (Release.objects.count(), Submission.objects.count()) == counts
