"""Submission spike with faults: many signed-in respondents submit the full survey at once.

    python bench/submission_spike.py           # 200 clients for 60 s, Redis stopped 10 s, PostgreSQL restarted
    python bench/submission_spike.py --quick   # 20 clients for 8 s, short faults: the CI smoke

What it does, in one run:

1. Starts its OWN PostgreSQL cluster (`pg_createcluster <version> talklondon_bench`, port 5499)
   and its own Redis (port 6399), so that stopping and restarting them disturbs nobody else.
2. Migrates and seeds the site, then creates the respondents beforehand: verified accounts with
   a display name and a signed-in session row each (no sign-in traffic during the spike).
3. Baseline: raw psycopg inserting the same rows the survey stores, one transaction per
   response, with the same number of concurrent clients.
4. Spike: gunicorn (deploy/gunicorn.conf.py, production settings), a Celery worker and beat;
   N client threads each take respondents one after another and post one full survey
   submission for each through the real pages: start, every page of the survey, then "check
   your answers" (a browser's journey). A request that gets no answer or a 5xx is retried
   after a short pause, as a person would press the button again; the submit carries the
   same token each time, so a retry can never store a response twice.
   During it the script stops Redis for 10 s and then restarts it, and later restarts
   PostgreSQL once with `pg_ctlcluster ... restart`.
5. Afterwards: acknowledged vs stored responses (0 lost, 0 duplicated, none half-written),
   errors seen by clients in each outage window and their kinds, time to recover, submissions
   per second and p50/p99 (of the submit and of every request), ratio to the raw baseline
   (target >= 0.3x), and receipt emails queued vs sent once Celery catches up, including
   those queued while Redis was down.

The survey's side of the journey (which requests make one submission, how to count what was
stored, the raw SQL of the baseline) is `bench/survey_adapter.py`: `adapter()` returns an object
with the methods of `SurveyAdapter` below. It is imported once Django is set up (it uses the ORM).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import itertools
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

ADAPTER_MODULE = "bench.survey_adapter"
# The isolated PostgreSQL cluster and Redis; set these to run beside another engineer's spike.
BENCH_CLUSTER = os.environ.get("BENCH_PG_CLUSTER", "talklondon_bench")
BENCH_PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5499"))
BENCH_REDIS_PORT = int(os.environ.get("BENCH_ISOLATED_REDIS_PORT", "6399"))
# Issue #19: at least 0.1x the raw psycopg baseline, aiming for 0.3x; the submit POST's p99
# under a second.
TARGET_RATIO_TO_RAW = 0.1
AIM_RATIO_TO_RAW = 0.3
TARGET_SUBMIT_P99_MS = 1000
CSRF_SECRET = "benchbenchbenchbenchbenchbench32"  # 32 characters: Django's unmasked secret form


class Step(Protocol):
    path: str  # where to POST
    fields: list[tuple[str, str]]  # the form fields (the harness adds the CSRF token)
    expect: str  # an accepted POST redirects to a Location containing this


class SurveyAdapter(Protocol):
    """What bench/survey_adapter.py provides so that this harness can drive and check the survey."""

    def prepare(self) -> None:
        """Make sure one open survey exists for this run; called once, inside Django."""

    def steps(self, respondent: int, token: str) -> list[Step]:
        """The POSTs of one full submission, in order; the last one submits, carrying `token`."""

    def stored_counts(self, user_ids: list[int]) -> dict[int, int]:
        """How many times each of these users' response is stored (1 when kept once)."""

    def half_written(self, user_ids: list[int]) -> int:
        """Submitted responses of these users that lack answers they gave (must be 0)."""

    def raw_insert(self, cursor, *, user_id: int, respondent: int) -> None:
        """Insert the same rows as one submission with plain SQL (the baseline)."""

    def raw_cleanup(self, cursor) -> None:
        """Delete what raw_insert wrote."""

    def receipt_subject(self) -> str:
        """Text in the subject of this run's receipt emails."""


def adapter_load() -> SurveyAdapter:
    """The survey's adapter; imported only after django.setup(), as it uses the ORM."""
    return importlib.import_module(ADAPTER_MODULE).adapter()


# --- Isolated services: faults here must not touch anybody else's PostgreSQL or Redis ------------


@dataclass
class IsolatedServices:
    work: Path
    pg_port: int = BENCH_PG_PORT
    redis_port: int = BENCH_REDIS_PORT

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/talklondon_bench"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def pg(self, action: str) -> None:
        version, _ = common.postgres_cluster()
        common.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, BENCH_CLUSTER, action],
            quiet=True,
        )

    def start(self) -> None:
        version, _ = common.postgres_cluster()
        if not Path(f"/etc/postgresql/{version}/{BENCH_CLUSTER}").exists():
            common.log(f"creating PostgreSQL cluster {version}/{BENCH_CLUSTER} on {self.pg_port}")
            common.run(
                [
                    "pg_createcluster", version, BENCH_CLUSTER, "-p", str(self.pg_port),
                    "--", "--auth-host=trust", "--auth-local=trust",
                ],
                quiet=True,
            )  # fmt: skip
        if not common.postgres_ready(self.database_url):
            self.pg("start")
        self.redis_start()
        common._wait(lambda: common.postgres_ready(self.database_url), 30, "bench PostgreSQL")

    def redis_start(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        common.run(
            [
                "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                "--daemonize", "yes", "--save", "", "--appendonly", "no",
                "--pidfile", str(self.work / "redis.pid"),
                "--logfile", str(self.work / "redis.log"),
            ],
            quiet=True,
        )  # fmt: skip
        common._wait(lambda: common.redis_ready(self.redis_url), 15, "bench Redis")

    def redis_stop(self) -> None:
        common.run(["redis-cli", "-p", str(self.redis_port), "shutdown", "nosave"], check=False)

    def stop(self) -> None:
        self.redis_stop()
        version, _ = common.postgres_cluster()
        common.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, BENCH_CLUSTER, "stop"],
            check=False,
            quiet=True,
        )

    @staticmethod
    def unavailable() -> str:
        """Why this machine cannot run the isolated services, or "" when it can."""
        for tool in ("pg_createcluster", "pg_ctlcluster", "redis-server", "redis-cli"):
            if shutil.which(tool) is None:
                return f"{tool} is not installed"
        if not Path("/etc/postgresql").is_dir():
            return "no Debian PostgreSQL (/etc/postgresql)"
        if os.geteuid() != 0:
            return "creating a PostgreSQL cluster needs root"
        return ""


# --- Respondents, created beforehand -------------------------------------------------------------


def respondents_create(count: int, *, prefix: str = "respondent") -> list[tuple[int, str]]:
    """`count` verified respondents, each with a signed-in session: [(user id, session key)].

    Rows are bulk-inserted (no password hashing, no sign-in requests), so that the spike
    measures submissions only. Running it again reuses the same people and sessions.
    """
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from talklondon.models import Profile, User

    emails = [f"{prefix}-{i:06d}@bench.talk.london" for i in range(count)]
    unusable = make_password(None)
    with transaction.atomic():
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        User.objects.bulk_create(
            [
                User(email=email, display_name=f"Respondent {i}", password=unusable)
                for i, email in enumerate(emails)
                if email not in existing
            ],
            batch_size=2000,
        )
        users = list(User.objects.filter(email__in=emails).order_by("email"))
        Profile.objects.bulk_create(
            [Profile(user=user, borough="E09000033") for user in users],
            batch_size=2000,
            ignore_conflicts=True,
        )
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in users
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        store = SessionStore()
        expires = timezone.now() + datetime.timedelta(hours=6)
        sessions, pairs = [], []
        backend = settings.AUTHENTICATION_BACKENDS[0]
        for user in users:
            key = f"bench{user.pk:027d}"  # 32 characters, stable across runs
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
            pairs.append((user.pk, key))
        Session.objects.filter(session_key__in=[key for _, key in pairs]).delete()
        Session.objects.bulk_create(sessions, batch_size=2000)
    return pairs


# --- Load ----------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One HTTP request of a journey, as the client saw it."""

    started: float
    seconds: float
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    accepted: bool
    final: bool  # the submit itself (the last step)
    error: str = ""

    @property
    def kind(self) -> str:
        return self.error or f"HTTP {self.status}"


@dataclass
class Outcome:
    """One respondent's whole journey."""

    respondent: int
    user_id: int
    started: float
    seconds: float
    acknowledged: bool  # the submit was answered with the confirmation page
    attempts: list[Attempt] = field(default_factory=list)
    gave_up: str = ""  # why the journey stopped short, if it did

    @property
    def finished(self) -> float:
        return self.started + self.seconds


RETRY_PAUSE = 0.5
RETRY_FOR = 30.0  # keep retrying a step this long past the end of the run, then give up


@dataclass
class Spike:
    port: int
    respondents: list[tuple[int, str]]
    adapter: SurveyAdapter
    clients: int
    duration: float
    run_id: str = field(default_factory=lambda: f"{time.time_ns():x}")
    started_at: float = 0.0
    retry_for: float = RETRY_FOR
    outcomes: list[Outcome] = field(default_factory=list)
    _next: itertools.count = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _take(self) -> int | None:
        with self._lock:
            index = next(self._next)
        return index if index < len(self.respondents) else None

    def _post(self, connection, path: str, body: str, session_key: str):
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={session_key}; csrftoken={CSRF_SECRET}",
            "Host": "127.0.0.1",
        }
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
        return response.status, response.getheader("Location", "")

    def _journey(self, connection, index: int, deadline: float) -> tuple[Outcome, HTTPConnection]:
        user_id, session_key = self.respondents[index]
        token = f"bench-{self.run_id}-{index}"
        steps = self.adapter.steps(index, token)
        outcome = Outcome(
            respondent=index,
            user_id=user_id,
            started=time.monotonic(),
            seconds=0.0,
            acknowledged=False,
        )
        for number, step in enumerate(steps):
            final = number == len(steps) - 1
            body = urlencode([("csrfmiddlewaretoken", CSRF_SECRET), *step.fields])
            while True:
                started = time.monotonic()
                status, location, error = 0, "", ""
                try:
                    status, location = self._post(connection, step.path, body, session_key)
                except (OSError, HTTPException) as exc:
                    error = type(exc).__name__
                    connection.close()
                    connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
                accepted = status in (301, 302, 303) and step.expect in location
                outcome.attempts.append(
                    Attempt(
                        started=started,
                        seconds=time.monotonic() - started,
                        status=status,
                        accepted=accepted,
                        final=final,
                        error=error,
                    )
                )
                if accepted:
                    break
                retryable = status == 0 or status >= 500 or status == 429
                if not retryable or time.monotonic() > deadline + self.retry_for:
                    outcome.gave_up = f"step {number + 1}: {error or f'HTTP {status} {location}'}"
                    break
                time.sleep(RETRY_PAUSE)
            if outcome.gave_up:
                break
        else:
            outcome.acknowledged = True
        outcome.seconds = time.monotonic() - outcome.started
        return outcome, connection

    def _client(self, deadline: float) -> None:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        while time.monotonic() < deadline:
            index = self._take()
            if index is None:
                break
            outcome, connection = self._journey(connection, index, deadline)
            with self._lock:
                self.outcomes.append(outcome)
        connection.close()

    def run(self) -> float:
        """Run the clients; returns when every journey begun before the deadline has ended."""
        started = self.started_at = time.monotonic()
        deadline = started + self.duration
        threads = [
            threading.Thread(target=self._client, args=(deadline,), daemon=True)
            for _ in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def raw_baseline(
    database_url: str,
    adapter: SurveyAdapter,
    respondents,
    *,
    clients: int,
    duration: float,
    sampler: CpuSampler | None = None,
) -> tuple[int, float]:
    """The same rows through raw psycopg, one transaction per response: (count, seconds).

    With `sampler`, it samples while the clients insert (not the cleanup after them)."""
    import psycopg

    counter, lock, done = itertools.count(), threading.Lock(), []

    def client(deadline: float) -> None:
        with psycopg.connect(database_url) as conn:
            while time.monotonic() < deadline:
                with lock:
                    index = next(counter)
                if index >= len(respondents):
                    return
                user_id, _ = respondents[index]
                with conn.transaction(), conn.cursor() as cursor:
                    adapter.raw_insert(cursor, user_id=user_id, respondent=index)
                with lock:
                    done.append(index)

    if sampler is not None:
        sampler.start()
    started = time.monotonic()
    threads = [
        threading.Thread(target=client, args=(started + duration,), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    if sampler is not None:
        sampler.stop()
    with psycopg.connect(database_url) as conn, conn.transaction(), conn.cursor() as cursor:
        adapter.raw_cleanup(cursor)
    return len(done), seconds


# --- Faults ----------------------------------------------------------------------------------------


@dataclass
class FaultWindow:
    name: str
    start: float = 0.0  # time.monotonic()
    end: float = 0.0
    wall_start: float = 0.0  # time.time(), to find the emails queued during the fault
    wall_end: float = 0.0

    def begin(self) -> None:
        self.start, self.wall_start = time.monotonic(), time.time()

    def finish(self) -> None:
        self.end, self.wall_end = time.monotonic(), time.time()


def faults_run(
    services: IsolatedServices,
    *,
    spike_start: float,
    redis_at: float,
    redis_for: float,
    pg_at: float,
) -> list[FaultWindow]:
    """Stop Redis for `redis_for` seconds at `redis_at`, then restart PostgreSQL at `pg_at`."""
    windows = []

    def sleep_until(offset: float) -> None:
        time.sleep(max(0.0, spike_start + offset - time.monotonic()))

    sleep_until(redis_at)
    window = FaultWindow("Redis stopped")
    window.begin()
    services.redis_stop()
    common.log(f"fault: Redis stopped for {redis_for:.0f} s")
    time.sleep(redis_for)
    services.redis_start()
    window.finish()
    common.log("fault: Redis back")
    windows.append(window)

    sleep_until(pg_at)
    window = FaultWindow("PostgreSQL restart")
    window.begin()
    common.log("fault: restarting PostgreSQL")
    services.pg("restart")
    window.finish()
    common.log(f"fault: PostgreSQL back after {window.end - window.start:.1f} s")
    windows.append(window)
    return windows


def recovery_seconds(outcomes: list[Outcome], window: FaultWindow) -> float | None:
    """From the end of the fault to the first request started after it that was accepted."""
    after = [
        a.started for o in outcomes for a in o.attempts if a.accepted and a.started >= window.end
    ]
    return (min(after) - window.end) if after else None


def errors_during(
    outcomes: list[Outcome], window: FaultWindow, grace: float = 5.0, until: float | None = None
):
    """Requests not accepted whose answer (or failure) came while the fault lasted or in the
    `grace` seconds after it (but not after `until`, where the next fault begins): what
    clients saw during that outage."""
    end = window.end + grace if until is None else min(window.end + grace, until)
    return [
        a
        for o in outcomes
        for a in o.attempts
        if not a.accepted and window.start <= a.started + a.seconds <= end
    ]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- Machine time: CPU seconds of each part of the machine during the spike ---------------------


def machine_ticks() -> tuple[int, int, int]:
    """/proc/stat's first line, all cores: (busy, idle, steal) in clock ticks.

    Idle includes iowait; steal (the hypervisor ran someone else) is neither ours nor idle.
    Guest time is already inside user time, so it is not added again.
    """
    with open("/proc/stat", "rb") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    values += [0] * (8 - len(values))
    user, nice, system, idle, iowait, irq, softirq, steal = values[:8]
    return user + nice + system + irq + softirq, idle + iowait, steal


@dataclass
class MachineTime:
    """What a CpuSampler measured: CPU seconds per component and of the whole machine."""

    components: dict[str, float]  # CPU seconds, in the order the matchers were given
    wall: float  # seconds sampled
    cores: int
    busy: float  # every core's non-idle CPU seconds (/proc/stat), whoever used them
    idle: float
    steal: float
    sampler: float  # the sampling thread's own CPU seconds (inside this process)

    @property
    def available(self) -> float:
        return self.wall * self.cores

    @property
    def other(self) -> float:
        """Busy time none of the components account for: other work on the machine, and
        processes too short-lived for the sampler to see (pg_ctlcluster, a forked backend)."""
        return max(0.0, self.busy - sum(self.components.values()))


class CpuSampler(threading.Thread):
    """Samples /proc every `interval` seconds: CPU time of the processes each matcher selects.

    `matchers` maps a component's name to `match(pid, ppid, command)`; a process counts for the
    first component that matches it. One scan of /proc per interval serves every component.
    Each process (pid and start time) counts from its first sample, or from zero if it was
    born during the measurement; its last sample is kept after it exits. A process that lives
    less than one interval is missed, as is the last interval of one that exits: a slight
    undercount, the same for every layout, which lands in the machine's "other" time.
    """

    def __init__(self, matchers: dict, interval: float = 0.5):
        super().__init__(daemon=True)
        self.matchers = matchers
        self.interval = interval
        # (pid, start) -> [component, first ticks, last ticks]
        self.seen: dict[tuple[int, int], list] = {}
        self._first = True
        self._stop_event = threading.Event()
        self.ticks = os.sysconf("SC_CLK_TCK")
        self._machine_start = (0, 0, 0)
        self._wall_start = 0.0
        self._own_cpu = 0.0
        self._own_cpu_first = 0.0
        self.result: MachineTime | None = None  # what stop() measured

    @staticmethod
    def _processes():
        for entry in os.scandir("/proc"):
            if not entry.name.isdecimal() or len(entry.name) > 9:
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            # After the name: state(0) ppid(1) ... utime(11) stime(12) ... starttime(19).
            pid = int(entry.name)
            yield pid, int(fields[1]), int(fields[19]), int(fields[11]) + int(fields[12]), command

    def _component(self, pid: int, ppid: int, command: str) -> str | None:
        for name, match in self.matchers.items():
            if match(pid, ppid, command):
                return name
        return None

    def sample(self) -> None:
        for pid, ppid, start, cpu, command in self._processes():
            key = (pid, start)
            if key not in self.seen:
                name = self._component(pid, ppid, command)
                if name is None:
                    continue
                self.seen[key] = [name, cpu if self._first else 0, cpu]
            self.seen[key][2] = cpu
        self._first = False

    def run(self) -> None:
        started = time.thread_time()
        while not self._stop_event.wait(self.interval):
            self.sample()
        self._own_cpu = time.thread_time() - started

    def start(self) -> None:
        self._machine_start = machine_ticks()
        self._wall_start = time.monotonic()
        started = time.thread_time()
        self.sample()
        self._own_cpu_first = time.thread_time() - started
        super().start()

    def stop(self) -> MachineTime:
        """Stop sampling; the CPU seconds used since `start`."""
        self._stop_event.set()
        self.join()
        started = time.thread_time()
        self.sample()
        wall = time.monotonic() - self._wall_start
        busy, idle, steal = (
            b - a for a, b in zip(self._machine_start, machine_ticks(), strict=True)
        )
        own = self._own_cpu + self._own_cpu_first + time.thread_time() - started
        components = dict.fromkeys(self.matchers, 0.0)
        for name, first, last in self.seen.values():
            components[name] += (last - first) / self.ticks
        # The sampler runs inside the load generator's process: give its CPU its own line.
        if "load generator" in components:
            components["load generator"] = max(0.0, components["load generator"] - own)
        self.result = MachineTime(
            components=components,
            wall=wall,
            cores=os.cpu_count() or 1,
            busy=busy / self.ticks,
            idle=idle / self.ticks,
            steal=steal / self.ticks,
            sampler=own,
        )
        return self.result


def gunicorn_match(master_pid: int):
    return lambda pid, ppid, command: pid == master_pid or ppid == master_pid


def postgres_match(cluster: str):
    """The isolated cluster's postmaster and its children (Debian titles them 'VERSION/NAME:')."""
    version, _ = common.postgres_cluster()
    postmaster = f"/etc/postgresql/{version}/{cluster}/postgresql.conf"
    title = f"postgres: {version}/{cluster}: "
    return lambda pid, ppid, command: postmaster in command or command.startswith(title)


def processes_match(*pid_sets: set[int]):
    """The processes in these sets and their children (a Celery worker's pool, beat). The sets
    are read at each sample, so a process restarted and added to one is followed too."""
    return lambda pid, ppid, command: any(pid in pids or ppid in pids for pids in pid_sets)


def redis_match(port: int):
    """The redis-server listening on this port (its title is 'redis-server 127.0.0.1:PORT')."""
    return lambda pid, ppid, command: (
        command.startswith("redis-server") and command.rstrip().endswith(f":{port}")
    )


def self_match():
    """This process: the load generator's client threads (and the fault thread)."""
    me = os.getpid()
    return lambda pid, ppid, command: pid == me


# --- Main ----------------------------------------------------------------------------------------


@dataclass
class Plan:
    clients: int = 200
    duration: float = 60.0
    respondents: int = 30000
    redis_at: float = 15.0
    redis_for: float = 10.0
    pg_at: float = 40.0
    drain_timeout: float = 120.0
    baseline_for: float = 60.0
    retry_for: float = RETRY_FOR


QUICK_PLAN = Plan(
    clients=20,
    duration=8.0,
    respondents=400,
    redis_at=2.0,
    redis_for=2.0,
    pg_at=5.0,
    drain_timeout=30.0,
    baseline_for=3.0,
    retry_for=10.0,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 clients, 8 s, short faults")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--duration", type=float)
    parser.add_argument("--respondents", type=int)
    parser.add_argument("--no-faults", action="store_true", help="measure without faults")
    parser.add_argument(
        "--layout",
        action="append",
        dest="layouts",
        help="run only this survey layout (repeatable; default: every layout the adapter has)",
    )
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="append to bench/RESULTS.md (default: yes, except with --quick)",
    )
    args = parser.parse_args(argv)
    plan = dataclasses.replace(
        QUICK_PLAN if args.quick else Plan(),
        **{
            name: value
            for name, value in (
                ("clients", args.clients),
                ("duration", args.duration),
                ("respondents", args.respondents),
            )
            if value
        },
    )
    record = (not args.quick) if args.record is None else args.record

    work = common.WORK_DIR / "submission_spike"
    services = IsolatedServices(work=work)
    database_url, redis_url = services.database_url, services.redis_url
    isolated = IsolatedServices.unavailable()
    faults = not args.no_faults
    if isolated:
        if not args.quick:
            print(f"Cannot run the faults safely: {isolated}.", file=sys.stderr)
            return 2
        # The CI smoke: the ordinary services, and no faults (never stop a shared server).
        print(f"No isolated PostgreSQL/Redis ({isolated}): smoke run without faults.")
        database_url = os.environ.get("BENCH_DATABASE_URL", common.DEFAULT_DATABASE_URL)
        redis_url = os.environ.get("BENCH_REDIS_URL", common.DEFAULT_REDIS_URL)
        faults = False
    site = common.Site(
        database_url=database_url,
        redis_url=redis_url,
        work_dir=work / "site",  # not shared with the read spike running alongside
        extra_env={
            # Receipts are "sent" by the Celery worker; the dummy backend accepts every message.
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "RATELIMIT_ENABLE": "0",  # one client address stands for thousands of people
        },
    )
    # Django in this process too: the adapter, respondents and the final counts use the ORM.
    os.environ.update(site.env())
    import django

    django.setup()
    adapter = adapter_load()

    load_at_start = common.load_average()
    try:
        return _run(args, plan, record, site, services, isolated, faults, adapter, load_at_start)
    finally:
        if not isolated:
            # Port 6399 and the cluster are this benchmark's alone: leave nothing listening.
            services.stop()


def _run(args, plan, record, site, services, isolated, faults, adapter, load_at_start) -> int:
    database_url = site.database_url
    work = services.work
    work.mkdir(parents=True, exist_ok=True)
    if not isolated:
        services.start()
    # No demo content: the adapter builds its own survey and the respondents come next.
    site.prepare(demo=False)
    from django.db import connections

    layouts = getattr(adapter, "LAYOUTS", (None,))
    if args.layouts:
        unknown = set(args.layouts) - set(layouts)
        if unknown:
            print(f"Unknown layout {', '.join(sorted(unknown))}: {', '.join(layouts)}.")
            return 2
        layouts = tuple(layout for layout in layouts if layout in args.layouts)
    adapter.prepare(*(layout for layout in layouts[:1] if layout))
    respondents = respondents_create(plan.respondents)
    half = len(respondents) // 2
    baseline_people, spike_people = respondents[:half], respondents[half:]
    connections.close_all()

    common.log(f"baseline: raw psycopg, 50 clients, up to {plan.duration:.0f} s")
    # Its CPU (PostgreSQL and its own client threads) per response, beside the site's per
    # submission: a comparison the other work on a shared machine does not move.
    raw_sampler = None
    if not isolated:
        raw_sampler = CpuSampler(
            {"PostgreSQL": postgres_match(BENCH_CLUSTER), "client": self_match()}
        )
    raw_count, raw_seconds = raw_baseline(
        database_url,
        adapter,
        baseline_people,
        clients=min(plan.clients, 50),
        duration=min(plan.duration, plan.baseline_for),
        sampler=raw_sampler,
    )
    raw_rate = raw_count / raw_seconds if raw_seconds else 0.0
    raw_cpu = (
        sum(raw_sampler.result.components.values()) / raw_count
        if raw_sampler is not None and raw_count
        else None
    )

    texts, ok = [], True
    for number, layout in enumerate(layouts):
        # A worker per spike, restarted if it exits (see Supervised).
        processes = _celery(work, site.env())
        try:
            if number:
                # Each layout answers its own copy of the survey, with the same respondents
                # (the first layout's survey is the one prepared above).
                adapter = type(adapter)()
                adapter.prepare(layout=layout)
                connections.close_all()
            text, intact = _spike_layout(
                plan,
                site,
                services,
                isolated,
                faults,
                adapter,
                spike_people,
                raw_rate,
                raw_count,
                celery=processes,
                raw_cpu=raw_cpu,
            )
        finally:
            for process in processes:
                process.stop(timeout=30)
        heading = f"Layout: {layout.replace('_', ' ')}" if layout else ""
        texts.append(f"### {heading}\n\n{text}" if heading else text)
        ok = ok and intact
    text = "\n\n".join(texts)
    print(text)
    if record:
        machine = common.machine_description(database_url)
        machine["load average (1/5/15 min) at start"] = load_at_start
        machine["load average at end"] = common.load_average()
        common.results_append(
            f"Submission spike ({'quick' if args.quick else 'full'})", text, machine
        )
    if not ok:
        print("Responses were lost, doubled or half-written, or none was kept.", file=sys.stderr)
    return 0 if ok else 1


class Supervised(threading.Thread):
    """A process restarted whenever it exits, as systemd does for the deployed worker and
    beat (deploy/systemd/talklondon-*.service: Restart=always, RestartSec=2).

    Celery's worker can die on a broker outage ("Unrecoverable error: AttributeError:
    'NoneType' object has no attribute 'hostname'" in kombu's Redis transport, celery/kombu#582);
    without this, a spike whose worker died measured a bench without a worker, not the site
    as deployed. `pids` holds every process it started (the CPU sampler follows them all);
    `restarts` counts the restarts, for the report.
    """

    RESTART_AFTER = 2.0

    def __init__(self, command: list[str], *, env: dict, log_path: Path):
        super().__init__(daemon=True)
        self.command, self.env, self.log_path = command, env, log_path
        self.pids: set[int] = set()
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.process = self._spawn()

    def _spawn(self) -> subprocess.Popen:
        process = subprocess.Popen(
            self.command,
            cwd=common.REPO,
            env=self.env,
            stdout=open(self.log_path, "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pids.add(process.pid)
        return process

    def run(self) -> None:
        while not self._stopping.wait(0.5):
            if self.process.poll() is None:
                continue
            if self._stopping.wait(self.RESTART_AFTER):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                common.log(f"{self.log_path.stem} exited ({self.process.returncode}): restarting")
                self.process = self._spawn()
                self.restarts += 1

    def stop(self, timeout: float = 30) -> None:
        with self._lock:
            self._stopping.set()
        common._stop(self.process, timeout=timeout)
        if self.is_alive():
            self.join()


def _celery(work: Path, env: dict) -> list[Supervised]:
    """A Celery worker and beat for one spike (each spike's faults hit its own worker), each
    restarted if it exits, as in production."""
    celery = str(common.VENV_BIN / "celery")
    worker = Supervised(
        [celery, "-A", "talklondon.celery", "worker", "--loglevel=WARNING", "--concurrency=2"],
        env=env,
        log_path=work / "worker.log",
    )
    beat = Supervised(
        [celery, "-A", "talklondon.celery", "beat", "--loglevel=WARNING",
         f"--schedule={work / 'celerybeat-schedule'}"],
        env=env,
        log_path=work / "beat.log",
    )  # fmt: skip
    for process in (worker, beat):
        process.start()
    return [beat, worker]


def _spike_layout(
    plan,
    site,
    services,
    isolated,
    faults,
    adapter,
    spike_people,
    raw_rate,
    raw_count,
    *,
    celery: list[Supervised],
    raw_cpu: float | None = None,
) -> tuple[str, bool]:
    """One spike (with the faults) against this adapter's survey, and its report."""
    port = common.free_port()
    env = site.env()
    windows: list[FaultWindow] = []
    redis_port = urlsplit(site.redis_url).port or 6379
    with common.gunicorn(
        "talklondon.wsgi", env, port=port, log_path=services.work / "site.log", name="site"
    ) as server:
        # Every part of the machine the spike uses, in one sampler (one scan of /proc each
        # interval); the rest of the machine's busy time is reported as "other".
        matchers = {"gunicorn": gunicorn_match(server.pid)}
        if not isolated:
            matchers["PostgreSQL"] = postgres_match(BENCH_CLUSTER)
        celery_pids = [process.pids for process in celery]
        matchers["Celery worker + beat"] = processes_match(*celery_pids)
        matchers["Redis"] = redis_match(redis_port)
        matchers["load generator"] = self_match()
        sampler = CpuSampler(matchers)
        # The receipts' own figure: the worker's CPU until the last receipt is sent (the drain
        # after the spike included), divided by the receipts sent.
        receipts_sampler = CpuSampler({"Celery worker + beat": processes_match(*celery_pids)})
        spike = Spike(
            port=port,
            respondents=spike_people,
            adapter=adapter,
            clients=plan.clients,
            duration=plan.duration,
            retry_for=plan.retry_for,
        )
        sampler.start()
        receipts_sampler.start()
        spike_start = time.monotonic()
        fault_thread = None
        if faults:
            fault_thread = threading.Thread(
                target=lambda: windows.extend(
                    faults_run(
                        services,
                        spike_start=spike_start,
                        redis_at=plan.redis_at,
                        redis_for=plan.redis_for,
                        pg_at=plan.pg_at,
                    )
                ),
                daemon=True,
            )
            fault_thread.start()
        spike_seconds = spike.run()
        if fault_thread is not None:
            fault_thread.join()
        machine = sampler.stop()
    return report(
        spike=spike,
        spike_seconds=spike_seconds,
        raw_rate=raw_rate,
        raw_count=raw_count,
        windows=windows,
        adapter=adapter,
        plan=plan,
        drain_timeout=plan.drain_timeout,
        machine=machine,
        receipts_sampler=receipts_sampler,
        restarts={Path(process.log_path).stem: process for process in celery},
        raw_cpu=raw_cpu,
    )


def report(
    *,
    spike,
    spike_seconds,
    raw_rate,
    raw_count,
    windows,
    adapter,
    plan,
    drain_timeout,
    machine: MachineTime,
    receipts_sampler: CpuSampler | None = None,
    restarts: dict | None = None,
    raw_cpu: float | None = None,
):
    """Count what was acknowledged and what was stored; wait for receipts; build the tables.

    Returns (text, intact): `intact` is False only when a response was lost, doubled or
    half-written, which is a fault in the site rather than a missed performance target.
    """
    from django.db import close_old_connections

    from talklondon.models import OutgoingEmail

    close_old_connections()
    outcomes = spike.outcomes
    acked = [o for o in outcomes if o.acknowledged]
    user_ids = [o.user_id for o in outcomes]
    stored = adapter.stored_counts(user_ids)
    half_written = adapter.half_written(user_ids)
    lost = sum(1 for o in acked if stored.get(o.user_id, 0) == 0)
    duplicated = sum(1 for count in stored.values() if count > 1)
    stored_unacked = sum(1 for o in outcomes if not o.acknowledged and stored.get(o.user_id, 0))
    gave_up = Counter(o.gave_up.split(":", 1)[1].strip() for o in outcomes if o.gave_up)
    in_time = [o for o in acked if o.finished - spike.started_at <= spike.duration]
    rate = len(in_time) / spike.duration if spike.duration else 0.0
    submits = [a.seconds for o in acked for a in o.attempts if a.final and a.accepted]
    requests = [a for o in outcomes for a in o.attempts]
    accepted_requests = [a.seconds for a in requests if a.accepted]
    journeys = [o.seconds for o in acked]
    retried = sum(1 for o in acked if len(o.attempts) > len(adapter.steps(0, "x")))

    # Receipts: every stored response gets one; wait for the outbox relay and the workers.
    subject = adapter.receipt_subject()
    drain_deadline = time.monotonic() + drain_timeout
    drain_started = time.monotonic()
    while True:
        receipts = OutgoingEmail.objects.filter(subject__contains=subject)
        queued, sent = receipts.count(), receipts.filter(sent_at__isnull=False).count()
        if sent >= queued or time.monotonic() > drain_deadline:
            break
        time.sleep(2)
    drained_after = time.monotonic() - drain_started
    receipts_cpu = (
        receipts_sampler.stop().components["Celery worker + beat"] if receipts_sampler else None
    )
    expected_receipts = sum(1 for count in stored.values() if count)

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    ratio_ok = bool(raw_rate) and rate / raw_rate >= TARGET_RATIO_TO_RAW
    lines = [
        f"Load: {plan.clients} signed-in clients for {plan.duration:.0f} s, sessions created "
        f"beforehand. One submission = the whole journey through the real pages, then check "
        f"your answers and submit ({len(adapter.steps(0, 'x'))} POSTs), every question "
        "answered. Raw baseline: "
        "psycopg inserting the same rows (response, answers, choices, first version), one "
        "transaction per response, 50 connections.",
        "",
        "| measure | value | target | verdict |",
        "| --- | ---: | --- | --- |",
        f"| submissions acknowledged (confirmation page reached) | {len(acked)} | | |",
        f"| submissions per second (completed within the {plan.duration:.0f} s) | {rate:.1f} | | |",
        f"| raw psycopg baseline, responses per second ({raw_count} responses) "
        f"| {raw_rate:.1f} | | |",
        f"| ratio to raw baseline | {ratio_text(rate, raw_rate)} | >= {TARGET_RATIO_TO_RAW}x "
        f"(aim {AIM_RATIO_TO_RAW}x) | {verdict(ratio_ok)} |",
        f"| submit POST p50 / p99 (ms) | {ms(submits, 0.5)} / {ms(submits, 0.99)} "
        f"| p99 < {TARGET_SUBMIT_P99_MS} "
        f"| {verdict(bool(submits) and percentile(submits, 0.99) * 1000 < TARGET_SUBMIT_P99_MS)} |",
        f"| any POST of the journey p50 / p99 (ms), {len(requests)} requests "
        f"| {ms(accepted_requests, 0.5)} / {ms(accepted_requests, 0.99)} | | |",
        f"| whole journey p50 / p99 (ms) | {ms(journeys, 0.5)} / {ms(journeys, 0.99)} | | |",
        f"| acknowledged but not stored (lost) | {lost} | 0 | {verdict(lost == 0)} |",
        f"| stored more than once (duplicated) | {duplicated} | 0 | {verdict(duplicated == 0)} |",
        f"| submitted with answers missing (half-written) | {half_written} | 0 "
        f"| {verdict(half_written == 0)} |",
        f"| journeys that needed a retry and then succeeded | {retried} | | |",
        f"| journeys given up (not retryable or still failing {spike.retry_for:.0f} s after the end) "
        f"| {sum(gave_up.values())} | | |",
        f"| stored but the submit's answer was lost (the person would see it on return) "
        f"| {stored_unacked} | | |",
        f"| receipt emails queued / sent ({drained_after:.0f} s after the run) "
        f"| {queued} / {sent} (for {expected_receipts} stored) | all sent "
        f"| {verdict(bool(queued) and sent == queued == expected_receipts)} |",
    ]
    posts = len(requests)
    cpu = {
        name: seconds
        for name, seconds in machine.components.items()
        if name in ("gunicorn", "PostgreSQL")
    }
    for name, seconds in cpu.items():
        lines.append(
            f"| machine time per POST: {name} CPU s / POSTs answered "
            f"| {seconds:.1f} s / {posts} = {1000 * seconds / posts if posts else 0:.1f} ms | | |"
        )
    if len(cpu) > 1 and posts:
        total = sum(cpu.values())
        steps = len(adapter.steps(0, "x"))
        lines.append(
            f"| machine time per POST, gunicorn + PostgreSQL | {1000 * total / posts:.1f} ms "
            f"({1000 * total / posts * steps:.0f} ms per submission of {steps} POSTs) | | |"
        )
    # Every acknowledged submission ran inside the sampled window (it lasts until the last
    # journey ends), so the CPU per submission divides by all of them.
    lines += machine_rows(machine, submissions=len(acked), raw_cpu=raw_cpu)
    if receipts_cpu is not None:
        per = f"{1000 * receipts_cpu / sent:.1f} ms" if sent else "n/a"
        lines.append(
            f"| receipts: Celery worker + beat CPU s from the start of the spike until sent "
            f"/ receipts sent | {receipts_cpu:.1f} s / {sent} = {per} | | |"
        )
    if restarts:
        # Read after the drain: a restart while receipts were still going out counts too.
        lines.append(
            "| Celery processes restarted after exiting (as systemd restarts them) "
            f"| {', '.join(f'{name} {p.restarts}' for name, p in restarts.items())} | | |"
        )
    if gave_up:
        lines += ["", "Given up: " + ", ".join(f"{k} x{v}" for k, v in gave_up.most_common(5))]
    if windows:
        lines += [
            "",
            "| fault | lasted (s) | failed requests during it (+5 s) | kinds "
            "| clear errors only (503/429, no 500) | recovered after (s) "
            "| receipts queued during it / sent later |",
            "| --- | ---: | ---: | --- | --- | ---: | --- |",
        ]
        for number, window in enumerate(windows):
            following = windows[number + 1].start if number + 1 < len(windows) else None
            during = errors_during(outcomes, window, until=following)
            kinds = Counter(a.kind for a in during)
            # A 503 says "busy, try again" (with Retry-After) and a 429 "too often"; any other
            # 5xx is the generic error page, which is not the clear error the target asks for.
            unclear = sum(1 for a in during if a.status >= 500 and a.status != 503)
            recovered = recovery_seconds(outcomes, window)
            mails = OutgoingEmail.objects.filter(
                subject__contains=subject,
                created_at__gte=dt_from_timestamp(window.wall_start),
                created_at__lte=dt_from_timestamp(window.wall_end),
            )
            lines.append(
                f"| {window.name} | {window.end - window.start:.1f} | {len(during)} "
                f"| {', '.join(f'{k} x{v}' for k, v in kinds.most_common()) or '-'} "
                f"| {verdict(unclear == 0)}{f' ({unclear} other 5xx)' if unclear else ''} "
                f"| {'not within the run' if recovered is None else f'{recovered:.1f}'} "
                f"| {mails.count()} / {mails.filter(sent_at__isnull=False).count()} |"
            )
    intact = lost == 0 and duplicated == 0 and half_written == 0 and bool(acked)
    return "\n".join(lines), intact


def machine_rows(
    machine: MachineTime, *, submissions: int, raw_cpu: float | None = None
) -> list[str]:
    """Where the machine's CPU went during the spike: each component's CPU seconds and share
    of the core-seconds available, the machine's busy and idle time from /proc/stat, and what
    the site (gunicorn, PostgreSQL, Redis, Celery) had, per submission acknowledged."""
    available = machine.available

    def share(seconds: float) -> str:
        return f"{100 * seconds / available:.0f}%" if available else "n/a"

    rows = [
        f"| CPU of the spike window: {machine.cores} cores x {machine.wall:.1f} s "
        f"= {available:.1f} core-seconds; machine busy / idle (/proc/stat) "
        f"| {machine.busy:.1f} s ({share(machine.busy)}) / {machine.idle:.1f} s "
        f"({share(machine.idle)}){f'; stolen {machine.steal:.1f} s' if machine.steal else ''} "
        "| | |"
    ]
    for name, seconds in machine.components.items():
        rows.append(f"| CPU: {name} | {seconds:.1f} s ({share(seconds)}) | | |")
    rows += [
        f"| CPU: the CPU sampler itself | {machine.sampler:.1f} s ({share(machine.sampler)}) | | |",
        f"| CPU: everything else busy (other work on the machine, short-lived processes) "
        f"| {machine.other:.1f} s ({share(machine.other)}) | | |",
    ]
    site = sum(seconds for name, seconds in machine.components.items() if name != "load generator")
    if site and machine.busy:
        per = f"{1000 * site / submissions:.0f} ms" if submissions else "n/a"
        rows.append(
            f"| the site's share (gunicorn, PostgreSQL, Celery, Redis) of the busy CPU; "
            f"its CPU per submission acknowledged | {100 * site / machine.busy:.0f}%; "
            f"{site:.1f} s / {submissions} = {per} | | |"
        )
        if raw_cpu and submissions:
            # Not the target (which is throughput, with whatever else the machine runs): the
            # CPU the raw baseline spent per response (PostgreSQL and its client threads)
            # over what the site spent per submission, which other work does not move.
            rows.append(
                f"| site-only comparison, not the target: raw baseline CPU per response "
                f"(PostgreSQL + its client) / the site's CPU per submission "
                f"| {1000 * raw_cpu:.1f} ms / {1000 * site / submissions:.0f} ms "
                f"= {raw_cpu / (site / submissions):.2f}x | | |"
            )
    return rows


def dt_from_timestamp(value: float):
    return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)


def ms(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction) * 1000:.0f}"


def ratio_text(mine: float, baseline: float) -> str:
    return f"{mine / baseline:.2f}x" if baseline else "n/a"


if __name__ == "__main__":
    sys.exit(main())
