"""The submission-spike harness pieces that do not need the survey: respondents and sessions,
and the arithmetic of the report."""

import os
import time

import pytest
from django.urls import reverse

from bench import submission_spike as spike
from talklondon.models import User
from talklondon.permissions import can_participate


@pytest.mark.django_db
def test_respondents_are_signed_in_and_can_take_part(client):
    pairs = spike.respondents_create(3, prefix="t")
    assert len(pairs) == 3
    user_id, session_key = pairs[1]
    user = User.objects.get(pk=user_id)
    assert can_participate(user)

    client.cookies["sessionid"] = session_key
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    assert response.wsgi_request.user == user


@pytest.mark.django_db
def test_creating_respondents_twice_reuses_them():
    first = spike.respondents_create(2, prefix="again")
    second = spike.respondents_create(2, prefix="again")
    assert first == second
    assert User.objects.filter(email__startswith="again-").count() == 2


def _attempt(started, seconds, accepted, status=302, error=""):
    return spike.Attempt(
        started=started,
        seconds=seconds,
        status=status,
        accepted=accepted,
        final=False,
        error=error,
    )


def _outcome(*attempts):
    return spike.Outcome(
        respondent=0,
        user_id=1,
        started=attempts[0].started,
        seconds=1.0,
        acknowledged=True,
        attempts=list(attempts),
    )


def test_recovery_is_timed_from_the_end_of_the_fault():
    window = spike.FaultWindow("Redis stopped", start=10.0, end=20.0)
    outcomes = [
        _outcome(_attempt(19.0, 0.1, True)),
        _outcome(
            _attempt(20.5, 0.1, False, status=0, error="ConnectionRefusedError"),
            _attempt(22.0, 0.1, True),
        ),
        _outcome(_attempt(23.0, 0.1, True)),
    ]
    assert spike.recovery_seconds(outcomes, window) == pytest.approx(2.0)
    assert spike.recovery_seconds(outcomes[:1], window) is None


def test_errors_are_counted_while_a_fault_lasts_and_shortly_after():
    window = spike.FaultWindow("PostgreSQL restart", start=10.0, end=12.0)
    outcomes = [
        _outcome(
            _attempt(9.0, 0.5, False, status=500),  # before it
            _attempt(9.8, 0.5, False, status=500),  # answered during it
            _attempt(14.0, 0.1, False, status=0, error="ConnectionResetError"),  # just after
            _attempt(30.0, 0.1, False, status=500),  # long after
            _attempt(11.0, 0.1, True),  # accepted: not an error
        )
    ]
    kinds = [a.kind for a in spike.errors_during(outcomes, window)]
    assert kinds == ["HTTP 500", "ConnectionResetError"]


def test_percentile():
    values = [i / 100 for i in range(1, 101)]
    assert spike.percentile(values, 0.99) == pytest.approx(1.0)
    assert spike.percentile(values, 0.5) == pytest.approx(0.51)
    assert spike.percentile([], 0.99) == 0.0


def test_the_cpu_sampler_splits_the_machine_into_components():
    sampler = spike.CpuSampler(
        {"load generator": spike.self_match(), "nobody": lambda pid, ppid, command: False}
    )
    sampler.start()
    deadline = time.thread_time() + 0.3
    while time.thread_time() < deadline:  # burn some CPU in this process
        pass
    machine = sampler.stop()
    assert machine.components["nobody"] == 0.0
    assert machine.components["load generator"] > 0.1
    # /proc/stat and a process's own counters are read a moment apart, in clock ticks: the
    # process may show a tick or two the machine's total has not counted yet.
    ticks = 3 / os.sysconf("SC_CLK_TCK")
    assert machine.busy + ticks >= machine.components["load generator"]
    assert machine.wall > 0 and machine.cores >= 1
    assert machine.other == pytest.approx(machine.busy - sum(machine.components.values()), abs=0.01)


def test_the_machine_rows_say_how_busy_the_cores_were_and_the_sites_share():
    machine = spike.MachineTime(
        components={"gunicorn": 40.0, "PostgreSQL": 20.0, "load generator": 30.0},
        wall=60.0,
        cores=2,
        busy=110.0,
        idle=10.0,
        steal=0.0,
        sampler=1.0,
    )
    rows = "\n".join(spike.machine_rows(machine, submissions=600, raw_cpu=0.004))
    assert "2 cores x 60.0 s = 120.0 core-seconds" in rows
    assert "110.0 s (92%) / 10.0 s (8%)" in rows
    assert "| CPU: load generator | 30.0 s (25%) |" in rows
    assert "| CPU: everything else busy" in rows and "20.0 s (17%)" in rows
    # The site: gunicorn and PostgreSQL, 60 s of the 110 s busy, 100 ms per submission.
    assert "55%; 60.0 s / 600 = 100 ms" in rows
    # Beside the target, and said not to be it: 4 ms per raw response against 100 ms.
    assert "not the target" in rows and "4.0 ms / 100 ms = 0.04x" in rows
