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
   N client threads each post one full survey submission per respondent, for the duration.
   During it the script stops Redis for 10 s and then restarts it, and later restarts
   PostgreSQL once with `pg_ctlcluster ... restart`.
5. Afterwards: acknowledged vs stored responses (0 lost, 0 duplicated), errors seen by clients
   in each outage window, time to recover, submissions per second and p99, ratio to the raw
   baseline (target >= 0.3x), and receipt emails queued vs sent once Celery catches up.

The survey itself belongs to the survey app. This harness needs one small adapter from it:
a module `consultation.surveys.bench` with a function `adapter()` returning an object with the
methods of `SurveyAdapter` below. Until that exists the benchmark prints "survey app not
present" and exits (0 with --quick, so that CI passes; 2 otherwise).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import itertools
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

ADAPTER_MODULE = "consultation.surveys.bench"
BENCH_CLUSTER = "talklondon_bench"
BENCH_PG_PORT = 5499
BENCH_REDIS_PORT = 6399
TARGET_RATIO_TO_RAW = 0.3
CSRF_SECRET = "benchbenchbenchbenchbenchbench32"  # 32 characters: Django's unmasked secret form


class SurveyAdapter(Protocol):
    """What the survey app provides so that this harness can drive and check its survey."""

    def prepare(self) -> None:
        """Make sure one open survey exists (idempotent); called once, inside Django."""

    def submit_path(self) -> str:
        """The path a signed-in respondent POSTs the whole survey to."""

    def form_fields(self, respondent: int) -> list[tuple[str, str]]:
        """One full, valid submission (every question answered) as form fields."""

    def is_acknowledged(self, status: int, location: str) -> bool:
        """True when this answer tells the respondent their response was kept."""

    def stored_counts(self, user_ids: list[int]) -> dict[int, int]:
        """How many responses are stored for each of these users."""

    def raw_insert(self, cursor, *, user_id: int, respondent: int) -> None:
        """Insert the same rows as one submission with plain SQL (the baseline)."""

    def raw_cleanup(self, cursor) -> None:
        """Delete what raw_insert wrote."""

    def receipt_subject(self) -> str:
        """Subject line (or part of it) of the receipt email sent for each response."""


def adapter_load():
    """The survey app's adapter, or None with the reason when the survey is not there yet."""
    try:
        module = importlib.import_module(ADAPTER_MODULE)
    except ModuleNotFoundError as error:
        if error.name and ADAPTER_MODULE.startswith(error.name):
            return None, f"{ADAPTER_MODULE} not found"
        raise
    return module.adapter(), ""


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
        self.pg("stop")


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
class Outcome:
    respondent: int
    user_id: int
    started: float
    seconds: float
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    acknowledged: bool
    error: str = ""


@dataclass
class Spike:
    port: int
    respondents: list[tuple[int, str]]
    adapter: SurveyAdapter
    clients: int
    duration: float
    outcomes: list[Outcome] = field(default_factory=list)
    _next: itertools.count = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _take(self) -> int | None:
        with self._lock:
            index = next(self._next)
        return index if index < len(self.respondents) else None

    def _client(self, deadline: float, path: str) -> None:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        while time.monotonic() < deadline:
            index = self._take()
            if index is None:
                return
            user_id, session_key = self.respondents[index]
            fields = [("csrfmiddlewaretoken", CSRF_SECRET), *self.adapter.form_fields(index)]
            body = urlencode(fields)
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session_key}; csrftoken={CSRF_SECRET}",
                "Host": "127.0.0.1",
            }
            started = time.monotonic()
            status, location, error = 0, "", ""
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status, location = response.status, response.getheader("Location", "")
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, HTTPException) as exc:
                error = type(exc).__name__
                connection.close()
                connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
            outcome = Outcome(
                respondent=index,
                user_id=user_id,
                started=started,
                seconds=time.monotonic() - started,
                status=status,
                acknowledged=bool(status) and self.adapter.is_acknowledged(status, location),
                error=error,
            )
            with self._lock:
                self.outcomes.append(outcome)
        connection.close()

    def run(self) -> float:
        path = self.adapter.submit_path()
        started = time.monotonic()
        deadline = started + self.duration
        threads = [
            threading.Thread(target=self._client, args=(deadline, path), daemon=True)
            for _ in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def raw_baseline(
    database_url: str, adapter: SurveyAdapter, respondents, *, clients: int, duration: float
) -> tuple[int, float]:
    """The same rows through raw psycopg, one transaction per response: (count, seconds)."""
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
    with psycopg.connect(database_url) as conn, conn.transaction(), conn.cursor() as cursor:
        adapter.raw_cleanup(cursor)
    return len(done), seconds


# --- Faults ----------------------------------------------------------------------------------------


@dataclass
class FaultWindow:
    name: str
    start: float = 0.0
    end: float = 0.0


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
    window.start = time.monotonic()
    services.redis_stop()
    common.log(f"fault: Redis stopped for {redis_for:.0f} s")
    time.sleep(redis_for)
    services.redis_start()
    window.end = time.monotonic()
    common.log("fault: Redis back")
    windows.append(window)

    sleep_until(pg_at)
    window = FaultWindow("PostgreSQL restart")
    window.start = time.monotonic()
    common.log("fault: restarting PostgreSQL")
    services.pg("restart")
    window.end = time.monotonic()
    common.log(f"fault: PostgreSQL back after {window.end - window.start:.1f} s")
    windows.append(window)
    return windows


def recovery_seconds(outcomes: list[Outcome], window: FaultWindow) -> float | None:
    """From the end of the fault to the first acknowledged submission started after it."""
    after = [o.started for o in outcomes if o.acknowledged and o.started >= window.end]
    return (min(after) - window.end) if after else None


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- Main ----------------------------------------------------------------------------------------


@dataclass
class Plan:
    clients: int = 200
    duration: float = 60.0
    respondents: int = 15000
    redis_at: float = 15.0
    redis_for: float = 10.0
    pg_at: float = 40.0
    drain_timeout: float = 120.0


QUICK_PLAN = Plan(
    clients=20, duration=8.0, respondents=1500, redis_at=2.0, redis_for=2.0, pg_at=5.0
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 clients, 8 s, short faults")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--duration", type=float)
    parser.add_argument("--respondents", type=int)
    parser.add_argument("--no-faults", action="store_true", help="measure without faults")
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
    site = common.Site(
        database_url=services.database_url,
        redis_url=services.redis_url,
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
    adapter, missing = adapter_load()
    if adapter is None:
        print(f"survey app not present ({missing}): the submission spike needs the survey.")
        print("See bench/README.md for the adapter the survey app provides.")
        return 0 if args.quick else 2

    load_at_start = common.load_average()
    services.start()
    site.prepare()
    from django.db import connections

    adapter.prepare()
    respondents = respondents_create(plan.respondents)
    half = len(respondents) // 2
    baseline_people, spike_people = respondents[:half], respondents[half:]
    connections.close_all()

    common.log(f"baseline: raw psycopg, {plan.clients} clients, {plan.duration:.0f} s")
    raw_count, raw_seconds = raw_baseline(
        services.database_url,
        adapter,
        baseline_people,
        clients=min(plan.clients, 50),
        duration=plan.duration,
    )
    raw_rate = raw_count / raw_seconds if raw_seconds else 0.0

    port = common.free_port()
    env = site.env()
    celery = str(common.VENV_BIN / "celery")
    worker = subprocess.Popen(
        [celery, "-A", "talklondon.celery", "worker", "--loglevel=WARNING", "--concurrency=2"],
        cwd=common.REPO,
        env=env,
        stdout=open(work / "worker.log", "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    beat = subprocess.Popen(
        [celery, "-A", "talklondon.celery", "beat", "--loglevel=WARNING",
         f"--schedule={work / 'celerybeat-schedule'}"],
        cwd=common.REPO,
        env=env,
        stdout=open(work / "beat.log", "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    windows: list[FaultWindow] = []
    try:
        with common.gunicorn(
            "talklondon.wsgi", env, port=port, log_path=work / "site.log", name="site"
        ):
            spike = Spike(
                port=port,
                respondents=spike_people,
                adapter=adapter,
                clients=plan.clients,
                duration=plan.duration,
            )
            spike_start = time.monotonic()
            fault_thread = None
            if not args.no_faults:
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

        text, ok = report(
            spike=spike,
            spike_seconds=spike_seconds,
            raw_rate=raw_rate,
            raw_count=raw_count,
            windows=windows,
            adapter=adapter,
            plan=plan,
            drain_timeout=plan.drain_timeout,
        )
    finally:
        for process in (beat, worker):
            common._stop(process, timeout=30)
    print(text)
    if record:
        machine = common.machine_description(services.database_url)
        machine["load average (1/5/15 min) at start"] = load_at_start
        machine["load average at end"] = common.load_average()
        common.results_append(
            f"Submission spike ({'quick' if args.quick else 'full'})", text, machine
        )
    return 0 if ok else 1


def report(*, spike, spike_seconds, raw_rate, raw_count, windows, adapter, plan, drain_timeout):
    """Count what was acknowledged and what was stored; wait for receipts; build the table."""
    from django.db import close_old_connections

    from talklondon.models import OutgoingEmail

    close_old_connections()
    outcomes = spike.outcomes
    acked = [o for o in outcomes if o.acknowledged]
    stored = adapter.stored_counts([o.user_id for o in outcomes])
    acked_users = {o.user_id for o in acked}
    lost = sum(1 for user_id in acked_users if stored.get(user_id, 0) == 0)
    duplicated = sum(1 for count in stored.values() if count > 1)
    stored_unacked = sum(1 for o in outcomes if not o.acknowledged and stored.get(o.user_id, 0) > 0)
    rate = len(acked) / spike_seconds if spike_seconds else 0.0
    p99 = percentile([o.seconds for o in acked], 0.99) * 1000
    p50 = percentile([o.seconds for o in acked], 0.50) * 1000

    # Receipts: every stored response should get one; wait for the outbox relay and workers.
    subject = adapter.receipt_subject()
    deadline = time.monotonic() + drain_timeout
    while True:
        receipts = OutgoingEmail.objects.filter(subject__contains=subject)
        queued, sent = receipts.count(), receipts.filter(sent_at__isnull=False).count()
        if sent >= queued or time.monotonic() > deadline:
            break
        time.sleep(2)

    lines = [
        f"Load: {plan.clients} signed-in clients for {plan.duration:.0f} s, one full survey "
        f"submission per respondent, sessions created beforehand.",
        "",
        "| measure | value | target | verdict |",
        "| --- | ---: | --- | --- |",
        f"| submissions acknowledged | {len(acked)} | | |",
        f"| submissions per second | {rate:.1f} | | |",
        f"| raw psycopg baseline (rows per second, {raw_count} responses) | {raw_rate:.1f} | | |",
        f"| ratio to raw baseline | {ratio_text(rate, raw_rate)} | >= {TARGET_RATIO_TO_RAW}x "
        f"| {'PASS' if raw_rate and rate / raw_rate >= TARGET_RATIO_TO_RAW else 'MISS'} |",
        f"| p50 / p99 latency (ms) | {p50:.0f} / {p99:.0f} | | |",
        f"| acknowledged but not stored (lost) | {lost} | 0 | {'PASS' if lost == 0 else 'MISS'} |",
        f"| stored more than once (duplicated) | {duplicated} | 0 "
        f"| {'PASS' if duplicated == 0 else 'MISS'} |",
        f"| stored but answered with an error (client may retry) | {stored_unacked} | | |",
        f"| receipt emails queued / sent | {queued} / {sent} | all sent "
        f"| {'PASS' if queued and sent == queued else 'MISS'} |",
    ]
    ok = lost == 0 and duplicated == 0 and sent == queued
    if windows:
        lines += [
            "",
            "| fault | lasted (s) | client errors during it | kinds | recovered after (s) |",
            "| --- | ---: | ---: | --- | ---: |",
        ]
        for window in windows:
            during = [
                o
                for o in outcomes
                if not o.acknowledged
                and window.start <= o.started + o.seconds
                and o.started <= window.end + 5
            ]
            kinds = Counter(o.error or f"HTTP {o.status}" for o in during)
            recovered = recovery_seconds(outcomes, window)
            lines.append(
                f"| {window.name} | {window.end - window.start:.1f} | {len(during)} "
                f"| {', '.join(f'{k} x{v}' for k, v in kinds.most_common()) or '-'} "
                f"| {'not within the run' if recovered is None else f'{recovered:.1f}'} |"
            )
    return "\n".join(lines), ok


def ratio_text(mine: float, baseline: float) -> str:
    return f"{mine / baseline:.2f}x" if baseline else "n/a"


if __name__ == "__main__":
    sys.exit(main())
