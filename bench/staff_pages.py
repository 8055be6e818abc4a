"""Benchmark: every staff page's time at 10,000 and 100,000 survey responses (PostgreSQL).

The issue's target: every staff page under 500 ms at 100,000 survey responses. For each size,
on PostgreSQL (DATABASE_URL, migrated and given the demo with `seed_demo` if needed):

  - builds a copy of the demo ANPR survey in the demo consultation and fills it with N
    submitted responses in raw `INSERT ... SELECT generate_series` (about 12 answers and 8
    choices per response): answers follow a per-respondent stance, choices are spread over the
    options and boroughs, a third answer the open question with text drawn from a few dozen
    sentences (some with a number plate, email address or phone number, so held for review),
    a fifth came on paper, by email, letter or at an event; themes tag the matching answers,
    and the campaign groups and theme suggestions are computed once (as a worker would);
  - then, in a fresh process with production settings (DEBUG off, manifest static files,
    PostgreSQL, the cache in Redis with a key prefix of its own, so it starts cold), signs in a
    superuser holding every staff role with MFA in the session (Django's test Client) and GETs
    every staff URL Django's resolver knows (all of /staff/), its parameters filled with that
    survey, its questions, a response, a theme, the demo consultation and so on; plus a few
    filtered variants staff use (a text search, a theme filter, a cross-tabulation), and the
    staff preview of the demo consultation's unpublished public results (/results/<slug>/,
    prepared with its disclosure audit by a task, as the figures are refreshed);
  - per page: the first GET (cold), the median and max of several warm GETs, the SQL queries
    (CaptureQueriesContext) of the first and of one warm GET, and the status;
  - then, for the figures pages (the dashboard, a cross-tab, the survey results, the results
    preview), the first view after one new response: counted in the request (the earlier
    figures forgotten and Celery eager, as before stale-while-revalidate) and served from the
    earlier figures while a refresh is asked for (as now), the refresh tasks as a worker runs
    them, and the view after them.

The same-run baseline (speed is reported as ratios, never as timed tests): the staff home, the
lightest staff page; every page's warm median is given as a ratio to the home's. PASS/MISS is
the warm median against the 500 ms target. Exit status 1 only when the benchmark is broken (a
crash or a 5xx); a missed target or another status is reported, not failed. A URL that answers
a GET with 405 is a POST-only action and is listed as skipped, as are downloads of generated
files and URLs whose objects the seed does not make.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> BENCH_REDIS_URL=redis://127.0.0.1:6379/<n> \\
        .venv/bin/python bench/staff_pages.py [--sizes 10000 100000] [--repeats 5] [--no-record]
    ... bench/staff_pages.py --quick          # 1,000 responses, 2 warm GETs, records nothing
"""

# The seed builds its SQL from constants and ids of its own (no input from anyone):
# ruff: noqa: S608

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

SIZES = [10_000, 100_000]
QUICK_SIZES = [1_000]
REPEATS = 5
QUICK_REPEATS = 2
# A page whose first GET takes longer than this gets only 2 warm GETs (the run stays bounded).
SLOW_COLD_MS = 10_000
# ...and one whose first GET takes longer than this only 1.
VERY_SLOW_COLD_MS = 60_000
TARGET_MS = 500
SLUG_PREFIX = "bench-staff-pages-"
BENCH_EMAIL = "bench-staff-pages@example.org"
WORK = common.WORK_DIR / "staff_pages"
BASELINE = "staff:home"
MISSING_ID = 999_999_999
PREVIEW = "results:detail (staff preview of unpublished results)"
# Pages measured again at the first view after one new response (after_change).
AFTER_CHANGE = [
    "analysis_staff:survey_dashboard",
    "analysis_staff:survey_dashboard (cross-tab by borough)",
    "surveys_staff:results",
    PREVIEW,
]

# Staff URLs not measured, and why (URLs that answer a GET with 405 are added at run time).
SKIPPED = {
    "surveys_staff:response_scan": "download of an uploaded scan, and the seed makes no scans",
    "analysis_staff:export_download": "download of a generated export file",
    "analysis_staff:export_manifest": "download of a generated export's manifest",
    "statements_staff:vote_matrix": "CSV download generated from the statements votes",
}

# The demo survey's questions, in order (demo/surveys.py): the seed answers them by position.
EXPECTED_TYPES = [
    "organisation",
    "agreement",
    "matrix",
    "ranking",
    "single_choice",
    "long_text",
    "yes_no",
    "multiple_choice",
    "yes_no",
    "number",
    "single_choice",
    "short_text",
    "borough",
    "postcode_district",
    "single_choice",
    "single_choice",
]

# Free text for the open question, roughly from against (first) to for (last) the proposal; the
# seed picks near each respondent's stance. The last three hold personal data (held for review).
SENTENCES = [
    "The police already have enough powers; this goes too far.",
    "Cameras paid for to manage traffic should not become a surveillance network.",
    "I am worried about mission creep and who else will get the data.",
    "This is mass surveillance of innocent drivers and I strongly object.",
    "Nobody asked Londoners before the cameras went up, and now this.",
    "Data kept for a year on everyone is far too long.",
    "I do not trust that the data will stay with the Met.",
    "Private companies must never get access to these records.",
    "What happens when the data is hacked or leaked?",
    "My journeys are my own business, not the police's.",
    "It will be used against protesters and journalists.",
    "Cyclists and pedestrians are not affected, so why should drivers be?",
    "I have no strong view but want clear rules on deletion.",
    "Please publish regular figures on how often the data is searched.",
    "An independent body should audit every search of the data.",
    "Only with a warrant for each search, as for phone records.",
    "Keep the data for 30 days at most unless it is linked to a crime.",
    "I support this if there is proper oversight and the data is deleted quickly.",
    "The cameras are there anyway, so the police may as well use them.",
    "It would help find missing and vulnerable people faster.",
    "Uninsured and stolen cars are a real danger on our streets.",
    "Anything that helps catch violent criminals is worth it.",
    "Knife crime in my area would justify stronger measures.",
    "Terrorism is a real threat and the police need every tool.",
    "If you have nothing to hide you have nothing to fear.",
    "Good idea, as long as the privacy of residents is respected.",
    "The Congestion Charge cameras should be used to tackle car theft gangs.",
    "I was a victim of a hit and run; this would have helped find the driver.",
    "Support, but tell us each year how many crimes it helped solve.",
    "Yes, and extend it to the bus lane cameras too.",
    "The car that hit mine was AB12 CDE and the police never traced it.",
    "Write to me at worried.resident@example.org about how this is used.",
    "Call me on 020 7946 0000 if you want to discuss this.",
]
HELD = 3  # the last sentences, which hold a plate, an email address or a phone number
# Themes on the open question, and the words that mark an answer as expressing each.
THEMES = [
    ("Oversight and transparency", ["oversight", "publish", "audit", "tell us"]),
    ("Surveillance and mission creep", ["surveillance", "mission creep", "too far", "trust"]),
    ("Support for catching criminals", ["criminals", "crime", "stolen", "terrorism"]),
    ("Data retention", ["deleted", "deletion", "30 days", "year"]),
]
ORGANISATIONS = ["Camden Cyclists", "Residents' Association", "Privacy Now", "Road Haulage Assoc"]
DISTRICTS = ["E1", "E14", "N1", "N1C", "NW3", "SE1", "SE15", "SW1A", "SW9", "W2", "W12", "EC1A"]
DISTRICTS += ["CR0", "BR1", "HA0", "IG1", "TW1", "UB8", "EN1", "KT1", "RM1", "DA1"]
VEHICLES = ["Car", "Van", "Motorbike", "Taxi", "Car, sometimes a van", "Electric car", "Lorry"]


def _production_env(redis_url: str) -> None:
    """As gunicorn runs the site: DEBUG off, manifest static files, the cache in Redis."""
    for key in ("TALKLONDON_TESTING", "PYTEST_CURRENT_TEST"):
        os.environ.pop(key, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "talklondon.settings",
            "DEBUG": "0",
            "DEMO": "1",
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "REDIS_URL": redis_url,
            "STATIC_ROOT": str(WORK / "static"),
            "MEDIA_ROOT": str(WORK / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    # A fresh prefix per process (the measuring one gets its own): the cache starts cold, and
    # other runs sharing this Redis database are not disturbed.
    os.environ["CACHE_KEY_PREFIX"] = f"bench-staff-{os.getpid()}-{time.time_ns()}"


# --- The data ---------------------------------------------------------------------------------


def site_prepare() -> None:
    """Migrate, seed the demo if missing, collect static files if missing (all idempotent)."""
    from django.conf import settings
    from django.core.management import call_command

    from consultation.surveys.models import Survey
    from demo import surveys as surveys_demo

    call_command("migrate", interactive=False, verbosity=0)
    if not Survey.objects.filter(slug=surveys_demo.SURVEY_SLUG).exists():
        common.log("seeding the demo (seed_demo)")
        settings.CELERY_TASK_ALWAYS_EAGER = True  # its text analyses run here, as in a worker
        try:
            call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        finally:
            settings.CELERY_TASK_ALWAYS_EAGER = False
    if not (WORK / "static" / "staticfiles.json").exists():
        common.log("collecting static files")
        call_command("collectstatic", interactive=False, verbosity=0)


def bench_user():
    """A superuser in every staff role, with TOTP (the MFA step is recorded in the session)."""
    from django.contrib.auth.models import Group

    from demo.accounts import totp_ensure, verified_user_create
    from talklondon import permissions

    user = verified_user_create(email=BENCH_EMAIL, display_name="Bench staff")
    user.is_superuser = user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    user.groups.add(*Group.objects.filter(name__in=permissions.STAFF_ROLES))
    totp_ensure(user)
    return user


def drafts_make() -> dict[str, int]:
    """A draft consultation, a draft page of the demo consultation and a draft copy of the demo
    survey, so that the three "publish" pages (which send people back when there is nothing
    to publish) are measured asking to confirm."""
    from django.db import transaction
    from django.utils import timezone

    from consultation.models import Consultation, ProposalPage
    from consultation.surveys.models import Survey
    from demo import surveys as surveys_demo

    survey = Survey.objects.select_related("consultation").get(slug=surveys_demo.SURVEY_SLUG)
    now = timezone.now()
    with transaction.atomic():
        consultation = Consultation.objects.create(
            slug=f"{SLUG_PREFIX}draft",
            title="Bench draft consultation",
            summary="Benchmark only: never published.",
            opens_at=now + timezone.timedelta(days=30),
            closes_at=now + timezone.timedelta(days=90),
            published_at=None,
        )
        ProposalPage.objects.create(
            consultation=consultation, title="Bench draft", slug=f"{SLUG_PREFIX}draft", body="-"
        )
        page = ProposalPage.objects.create(
            consultation=survey.consultation,
            title="Bench draft page",
            slug=f"{SLUG_PREFIX}draft",
            position=99,
            body="Benchmark only: never published.",
        )
        draft = surveys_demo.survey_build(survey.consultation, slug=f"{SLUG_PREFIX}draft")
        draft.published_at = None
        draft.save(update_fields=["published_at"])
    return {"consultation": consultation.pk, "page": page.pk, "survey": draft.pk}


def _array(values, cast: str = "") -> str:
    """A PostgreSQL array literal of ints or (quoted) strings."""
    items = [
        str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'" for v in values
    ]
    return f"ARRAY[{','.join(items)}]{cast}"


def survey_seed(rows: int) -> int:
    """A copy of the demo ANPR survey in the demo consultation with `rows` submitted responses;
    returns its id."""
    from django.db import connection, transaction
    from django.utils import timezone

    from consultation.analysis.selectors import TEXT_DATASET
    from consultation.analysis.services.themes import theme_create
    from consultation.surveys.free_text import text_flags
    from consultation.surveys.models import Option, Question, Survey
    from demo import surveys as surveys_demo
    from talklondon.areas import borough_choices
    from talklondon.models import User

    user = bench_user()
    manager = User.objects.filter(email=surveys_demo.DEMO_MANAGER).first() or user
    consultation = Survey.objects.get(slug=surveys_demo.SURVEY_SLUG).consultation
    with transaction.atomic():
        survey = surveys_demo.survey_build(consultation, slug=f"{SLUG_PREFIX}{rows}")
        survey.title = f"{survey.title} (bench, {rows:,} responses)"
        survey.save(update_fields=["title"])
    questions = list(
        Question.objects.filter(section__survey=survey).order_by("section__position", "position")
    )
    if [q.type for q in questions] != EXPECTED_TYPES:
        raise SystemExit("The demo survey's questions changed: update EXPECTED_TYPES and the seed")
    options = {
        q.pk: list(
            Option.objects.filter(question=q).order_by("position").values_list("pk", flat=True)
        )
        for q in questions
    }
    q = [question.pk for question in questions]
    opt = [options[pk] for pk in q]
    opens = consultation.opens_at
    span = max((min(timezone.now(), consultation.closes_at) - opens).total_seconds() - 60, 60)
    boroughs = [code for code, _ in borough_choices()]
    held = [text_flags(text) for text in SENTENCES]
    if [bool(h) for h in held] != [False] * (len(SENTENCES) - HELD) + [True] * HELD:
        raise SystemExit(f"Hold rules changed: the flags of the sentences are {held}")
    clean = len(SENTENCES) - HELD
    agree = "GREATEST(1, LEAST(5, round(1 + 4 * d.s + (2 * random() - 1))))::int"

    def answers(question: int, columns: str, where: str = "TRUE") -> None:
        """Insert one answer per drawn respondent: `columns` gives option_id, text, detail,
        number, boolean, scale_point, held_for."""
        cursor.execute(
            "INSERT INTO surveys_answer (response_id, question_id, option_id, text, detail, "
            f"number, boolean, scale_point, held_for) SELECT d.id, {question}, {columns} "
            f"FROM bench_draws d WHERE {where}"
        )

    def choices(question: int, select: str, where: str = "TRUE") -> None:
        cursor.execute(
            "INSERT INTO surveys_answerchoice (answer_id, option_id, rank, scale_point) "
            f"SELECT {select} WHERE {where}".replace("{q}", str(question))
        )

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [0.2014])
        # Channels as the demo's (80% online); arrival times U-shaped (early and at the end).
        cursor.execute(
            """
            INSERT INTO surveys_response (survey_id, respondent_id, respondent_name, results_email,
                status, reference, channel, channel_reference, scan, entered_by_id,
                current_section_id, submit_token, likely_duplicate_of_id, created_at,
                submitted_at, updated_at, draft_answers)
            SELECT %(survey)s, NULL, CASE WHEN ch = 'online' THEN '' ELSE 'Respondent ' || g END,
                '', 'submitted', 'SP' || %(survey)s || '-' || g, ch,
                CASE WHEN ch = 'online' THEN '' ELSE upper(ch) || '-' || lpad(g::text, 6, '0') END,
                '', CASE WHEN ch = 'online' THEN NULL ELSE %(manager)s END, NULL, '', NULL,
                ts, ts, ts, NULL
            FROM (
                SELECT g,
                    CASE WHEN u < 0.80 THEN 'online' WHEN u < 0.88 THEN 'paper'
                         WHEN u < 0.94 THEN 'email' WHEN u < 0.97 THEN 'letter'
                         ELSE 'event' END AS ch,
                    %(opens)s + (%(span)s * (0.5 - 0.5 * cos(pi() * t))) * interval '1 second'
                        AS ts
                FROM (SELECT g, random() AS u, random() AS t
                      FROM generate_series(1, %(rows)s) AS g) AS s
            ) AS s2
            ORDER BY ts
            """,
            {
                "survey": survey.pk,
                "manager": manager.pk,
                "opens": opens,
                "span": span,
                "rows": rows,
            },
        )
        # A few offline responses look like an online one typed in again.
        cursor.execute(
            "UPDATE surveys_response SET likely_duplicate_of_id = id - 1 WHERE survey_id = %s "
            "AND channel <> 'online' AND id %% 25 = 0 AND id > "
            "(SELECT min(id) FROM surveys_response WHERE survey_id = %s)",
            [survey.pk, survey.pk],
        )
        # Each respondent's stance (0 against, 1 for) and the answers the conditions depend on.
        cursor.execute("DROP TABLE IF EXISTS bench_draws")
        cursor.execute(
            "CREATE TEMP TABLE bench_draws ON COMMIT DROP AS "
            "SELECT id, random() AS s, random() < 0.6 AS aware, random() < 0.45 AS drives "
            "FROM surveys_response WHERE survey_id = %s",
            [survey.pk],
        )
        nul6 = "NULL, NULL, NULL, ''"
        # Organisation: 4% answer for one (set below, with its name and the person's role).
        answers(q[0], "NULL, '', '', NULL, FALSE, NULL, ''")
        answers(
            q[1], f"NULL, '', '', NULL, NULL, CASE WHEN random() < 0.05 THEN 0 ELSE {agree} END, ''"
        )
        answers(q[2], f"NULL, '', '', {nul6}")
        answers(q[3], f"NULL, '', '', {nul6}", "random() < 0.8")
        retention = opt[4]
        answers(
            q[4],
            f"CASE WHEN random() < 0.03 THEN {retention[-1]} ELSE ({_array(retention)})"
            f"[1 + LEAST(4, floor(d.s * 5))::int] END, '', '', {nul6}",
        )
        cursor.execute(
            f"UPDATE surveys_answer SET text = 'Only as long as an investigation needs it' "
            f"WHERE question_id = {q[4]} AND option_id = {retention[-1]}"
        )
        cursor.execute(
            "INSERT INTO surveys_answer (response_id, question_id, option_id, text, detail, "
            "number, boolean, scale_point, held_for) "
            f"SELECT id, {q[5]}, NULL, ({_array(SENTENCES)})[i1] || COALESCE(' ' || "
            f"({_array(SENTENCES[:clean])})[i2], ''), '', NULL, NULL, NULL, ({_array(held)})[i1] "
            "FROM (SELECT d.id, CASE WHEN random() < 0.01 "
            f"THEN {clean} + 1 + floor(random() * {HELD})::int "
            f"ELSE 1 + LEAST({clean - 1}, floor(GREATEST(0, LEAST(0.999, d.s + (random() - 0.5) "
            f"* 0.5)) * {clean})::int) END AS i1, CASE WHEN random() < 0.3 "
            f"THEN 1 + floor(random() * {clean})::int END AS i2 "
            "FROM bench_draws d WHERE random() < 0.3) AS t"
        )
        answers(q[6], "NULL, '', '', NULL, d.aware, NULL, ''")
        answers(q[7], f"NULL, '', '', {nul6}", "d.aware")
        answers(q[8], "NULL, '', '', NULL, d.drives, NULL, ''")
        answers(q[9], "NULL, '', '', floor(random() * 23)::int, NULL, NULL, ''", "d.drives")
        answers(
            q[10],
            f"({_array(opt[10])})[1 + floor(random() * {len(opt[10])})::int], '', '', {nul6}",
            "d.drives",
        )
        answers(
            q[11],
            f"NULL, ({_array(VEHICLES)})[1 + floor(power(random(), 2) * {len(VEHICLES)})::int], "
            f"'', {nul6}",
            "d.drives AND random() < 0.5",
        )
        answers(
            q[12],
            f"NULL, ({_array(boroughs)})[1 + floor(power(random(), 1.4) * {len(boroughs)})::int]"
            f", '', {nul6}",
        )
        answers(
            q[13],
            f"NULL, ({_array(DISTRICTS)})[1 + floor(random() * {len(DISTRICTS)})::int], '', {nul6}",
            "random() < 0.7",
        )
        answers(
            q[14],
            f"({_array(opt[14])})[1 + floor(power(random(), 0.9) * {len(opt[14])})::int], '', '',"
            f" {nul6}",
            "random() < 0.8",
        )
        # London's mix, roughly: more "White" and "Asian" than the other groups.
        ethnic = [opt[15][i] for i in (0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 3, 4, 5)]
        answers(
            q[15],
            f"({_array(ethnic)})[1 + floor(random() * {len(ethnic)})::int], '', '', {nul6}",
            "random() < 0.7",
        )
        # Matrix: each statement rated near the respondent's stance.
        choices(
            q[2],
            f"a.id, o.id, NULL, GREATEST(1, LEAST(5, round(1 + 4 * d.s + (2 * random() - 1))))"
            f"::int FROM surveys_answer a JOIN bench_draws d ON d.id = a.response_id "
            f"CROSS JOIN unnest({_array(opt[2])}) AS o(id)",
            "a.question_id = {q}",
        )
        # Ranking: every option, in a random order.
        choices(
            q[3],
            "answer_id, option_id, row_number() OVER (PARTITION BY answer_id ORDER BY r), NULL "
            f"FROM (SELECT a.id AS answer_id, o.id AS option_id, random() AS r FROM "
            f"surveys_answer a CROSS JOIN unnest({_array(opt[3])}) AS o(id) "
            "WHERE a.question_id = {q}) AS t",
        )
        # Multiple choice: 1 to 3 picks, some options more popular than others.
        weights = [1.0, 1.3, 2.2, 1.6, 3.0][: len(opt[7])]
        choices(
            q[7],
            "answer_id, option_id, NULL, NULL FROM (SELECT a.id AS answer_id, o.id AS option_id, "
            "row_number() OVER (PARTITION BY a.id ORDER BY random() * o.w) AS n FROM "
            f"surveys_answer a CROSS JOIN unnest({_array(opt[7])}, "
            f"{_array(weights, '::float8[]')}) AS o(id, w) "
            "WHERE a.question_id = {q}) AS t",
            "n <= 1 + answer_id % 3",
        )
        cursor.execute(
            "UPDATE surveys_answer SET boolean = TRUE, "
            f"text = ({_array(ORGANISATIONS)})[1 + (id % {len(ORGANISATIONS)})::int], "
            f"detail = 'Secretary' WHERE question_id = {q[0]} AND id % 25 = 0"
        )
        # The first version of each response: a readable copy of its answers.
        cursor.execute(
            """
            INSERT INTO surveys_responseversion (response_id, number, created_at, answers)
            SELECT r.id, 1, r.submitted_at, jsonb_agg(jsonb_build_object(
                    'section', s.title, 'question_id', q.id, 'question', q.text, 'type', q.type,
                    'answer', jsonb_build_array(COALESCE(o.label, NULLIF(a.text, ''),
                        a.number::text, CASE a.boolean WHEN TRUE THEN 'Yes' WHEN FALSE THEN 'No'
                        END, a.scale_point::text, '')))
                ORDER BY s.position, q.position)
            FROM surveys_response r
            JOIN surveys_answer a ON a.response_id = r.id
            JOIN surveys_question q ON q.id = a.question_id
            JOIN surveys_section s ON s.id = q.section_id
            LEFT JOIN surveys_option o ON o.id = a.option_id
            WHERE r.survey_id = %s
            GROUP BY r.id, r.submitted_at
            """,
            [survey.pk],
        )
    # Themes on the open question, tagging the answers that use their words.
    question_key = str(q[5])
    for name, words in THEMES:
        theme = theme_create(
            actor=user, dataset_key=TEXT_DATASET, question_key=question_key, name=name
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO analysis_themetag (theme_id, item_id, tagged_by_id, tagged_at) "
                "SELECT %s, a.id, %s, now() FROM surveys_answer a WHERE a.question_id = %s "
                "AND a.held_for = '' AND a.text ILIKE ANY(%s)",
                [theme.pk, user.pk, q[5], [f"%{w}%" for w in words]],
            )
    with connection.cursor() as cursor:
        # As a database that has lived a while: statistics gathered, visibility map set.
        for table in (
            "surveys_response",
            "surveys_answer",
            "surveys_answerchoice",
            "surveys_responseversion",
            "analysis_themetag",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    common.log(f"seeded {rows:,} responses in {time.perf_counter() - started:.1f} s")
    return survey.pk


def text_analysis_seed(survey_id: int) -> float:
    """Campaign groups and theme suggestions for the open question, computed here as a worker
    would, so that their pages show a result. Returns the seconds taken."""
    from django.conf import settings

    from consultation.analysis.models import TextAnalysis
    from consultation.analysis.services.text_analysis import text_analysis_request
    from consultation.surveys.models import Question

    question = Question.objects.get(section__survey_id=survey_id, type="long_text")
    user = bench_user()
    started = time.perf_counter()
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the outbox runs the task in-process at commit
    try:
        for kind in TextAnalysis.Kind.values:
            run = text_analysis_request(actor=user, question=question, kind=kind)
            run.refresh_from_db()
            if run.state != TextAnalysis.State.DONE:
                common.log(f"text analysis {kind}: {run.state} {run.error}")
    finally:
        settings.CELERY_TASK_ALWAYS_EAGER = False
    return time.perf_counter() - started


def surveys_drop() -> None:
    """Delete the bench surveys, their responses, themes and this benchmark's exports."""
    from django.db import connection

    from consultation.analysis.models import ExportRecord, Theme
    from consultation.models import Consultation, ProposalPage
    from consultation.surveys.models import Question, Survey

    ids = list(Survey.objects.filter(slug__startswith=SLUG_PREFIX).values_list("pk", flat=True))
    ExportRecord.objects.filter(requested_by__email=BENCH_EMAIL).delete()
    ProposalPage.objects.filter(slug__startswith=SLUG_PREFIX).delete()
    if not ids:
        Consultation.objects.filter(slug__startswith=SLUG_PREFIX).delete()
        return
    questions = [
        str(pk)
        for pk in Question.objects.filter(section__survey_id__in=ids).values_list("pk", flat=True)
    ]
    with connection.cursor() as cursor:
        answers = (
            "SELECT a.id FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
            "WHERE r.survey_id = ANY(%s)"
        )
        cursor.execute(f"DELETE FROM analysis_themetag WHERE item_id IN ({answers})", [ids])
        cursor.execute(f"DELETE FROM surveys_answerchoice WHERE answer_id IN ({answers})", [ids])
        responses = "SELECT id FROM surveys_response WHERE survey_id = ANY(%s)"
        cursor.execute(f"DELETE FROM surveys_answer WHERE response_id IN ({responses})", [ids])
        cursor.execute(
            f"DELETE FROM surveys_responseversion WHERE response_id IN ({responses})",
            [ids],
        )
        cursor.execute(
            "UPDATE surveys_response SET likely_duplicate_of_id = NULL WHERE survey_id = ANY(%s)",
            [ids],
        )
        cursor.execute("DELETE FROM surveys_response WHERE survey_id = ANY(%s)", [ids])
    Theme.objects.filter(question_key__in=questions).delete()
    Survey.objects.filter(pk__in=ids).delete()
    Consultation.objects.filter(slug__startswith=SLUG_PREFIX).delete()


# --- The pages --------------------------------------------------------------------------------


def staff_patterns():
    """(name, route, pattern) of every URL pattern under /staff/, in the resolver's order."""
    from tests.url_patterns import every_url_pattern

    for name, route, pattern in every_url_pattern():
        if route.startswith("staff/"):
            yield name, route, pattern


def world(survey_id: int, user) -> tuple[dict, dict, list]:
    """(path parameters, per-route overrides, extra variants) naming real objects: the bench
    survey and its parts, the demo consultation and its pages, comments, statements and ANPR
    releases."""
    from anpr_info.models import Release
    from consultation.analysis.exports.surveys import survey_dataset_key
    from consultation.analysis.figure_selectors import BY_BOROUGH
    from consultation.analysis.models import ExportRecord, Theme
    from consultation.models import Attachment, Comment, Consultation, ProposalPage
    from consultation.statements.models import Statement
    from consultation.surveys.models import Answer, Option, Question, Response, Survey

    survey = Survey.objects.select_related("consultation").get(pk=survey_id)
    consultation = survey.consultation
    questions = list(
        Question.objects.filter(section__survey=survey).order_by("section__position", "position")
    )
    open_q = next(q for q in questions if q.type == "long_text")
    choice_q = next(q for q in questions if q.type == "single_choice")
    page = (
        ProposalPage.objects.filter(consultation=consultation)
        .exclude(slug__startswith=SLUG_PREFIX)
        .order_by("pk")
        .first()
    )
    comment = (
        Comment.objects.filter(page__consultation=consultation, status=Comment.Status.PENDING)
        .order_by("pk")
        .first()
        or Comment.objects.filter(page__consultation=consultation).order_by("pk").first()
    )
    attachment = Attachment.objects.order_by("pk").first()
    response = (
        Response.objects.filter(survey=survey, answers__question=open_q).order_by("-pk").first()
    )
    held = Answer.objects.filter(question=open_q).exclude(held_for="").order_by("pk").first()
    theme = Theme.objects.filter(question_key=str(open_q.pk)).order_by("pk").first()
    statement = Statement.objects.filter(activity__consultation=consultation).order_by("pk").first()
    release = Release.objects.order_by("-pk").first()
    export = ExportRecord.objects.create(
        requested_by=user,
        dataset_key=survey_dataset_key(survey.pk),
        dataset_title=f"{survey.title} (anonymised)",
        file_format=ExportRecord.Format.CSV,
        delivery=ExportRecord.Delivery.BACKGROUND,
        status=ExportRecord.Status.RUNNING,
        rows_total=Response.objects.filter(survey=survey).count(),
        rows_written=1000,
    )

    def pk(obj):
        return obj.pk if obj is not None else MISSING_ID

    values = {
        "pk": consultation.pk,
        "page_id": pk(page),
        "attachment_id": pk(attachment),
        "comment_id": pk(comment),
        "user_id": comment.author_id if comment else MISSING_ID,
        "survey_id": survey.pk,
        "section_id": open_q.section_id,
        "question_id": open_q.pk,
        "option_id": Option.objects.filter(question=choice_q).order_by("position").first().pk,
        "response_id": pk(response),
        "theme_id": pk(theme),
        "consultation_id": consultation.pk,
        "answer_id": pk(held),
        "statement_id": pk(statement),
        "version": 1,
        "source_id": MISSING_ID,
        "key_id": MISSING_ID,
        "batch_id": MISSING_ID,
        "action": "publish",
    }
    draft = f"{SLUG_PREFIX}draft"
    per_route = {
        "consultation_staff:consultation_publish": {
            "pk": pk(Consultation.objects.filter(slug=draft).first())
        },
        "consultation_staff:page_publish": {
            "page_id": pk(
                ProposalPage.objects.filter(consultation=consultation, slug=draft).first()
            )
        },
        "surveys_staff:survey_publish": {
            "survey_id": pk(Survey.objects.filter(slug=draft).first())
        },
        "surveys_staff:option_create": {"question_id": choice_q.pk},
        "anpr_staff:release": {"pk": pk(release)},
        "anpr_staff:release_action": {"pk": pk(release)},
        "analysis_staff:export_detail": {"pk": export.pk},
        "analysis_staff:export_status": {"pk": export.pk},
    }
    agreement_q = next(q for q in questions if q.type == "agreement")
    variants = [
        ("analysis_staff:text_answers", "search", "?q=privacy"),
        ("analysis_staff:text_answers", "theme filter", f"?theme={pk(theme)}"),
        ("analysis_staff:text_answers", "page 50", "?page=50"),
        ("analysis_staff:survey_dashboard", "paper only", "?channel=paper"),
        (
            "analysis_staff:survey_dashboard",
            "cross-tab by borough",
            f"?question={agreement_q.pk}&by={BY_BOROUGH}",
        ),
        (
            "analysis_staff:survey_dashboard",
            "cross-tab by question",
            f"?question={agreement_q.pk}&by=q{choice_q.pk}",
        ),
    ]
    return values, per_route, variants


def _mfa_session(client, user) -> None:
    """Sign in as allauth does after password and TOTP (tests/conftest.py), freshly timed so
    that pages asking for a recent second factor do not send the bench to re-authenticate."""
    from allauth.mfa.models import Authenticator

    from tests.sessions import mark_second_factor_passed

    authenticator = Authenticator.objects.get(user_id=user.pk, type=Authenticator.Type.TOTP)
    mark_second_factor_passed(client.session, user_id=user.pk, authenticator_id=authenticator.pk)


_PUBLISH: dict = {}  # the outbox's own publish, which `measure` replaces with a no-op


@contextlib.contextmanager
def _tasks_run_inline():
    """Celery eager, and the outbox publishing: a task a page asks for runs in its request."""
    from django.conf import settings

    from talklondon import outbox

    stub = outbox._publish
    settings.CELERY_TASK_ALWAYS_EAGER = True
    outbox._publish = _PUBLISH.get("real", stub)
    try:
        yield
    finally:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        outbox._publish = stub


def _get(client, url: str):
    """(status, milliseconds, location) of one GET, reading a streamed body to its end."""
    started = time.perf_counter()
    response = client.get(url, secure=True)
    if response.streaming:
        for _chunk in response.streaming_content:
            pass
    else:
        _ = response.content
    ms = (time.perf_counter() - started) * 1000
    return response.status_code, ms, response.get("Location", "")


def measure(survey_id: int, repeats: int, *, stream: bool = False) -> dict:
    """In a fresh process (cold per-process caches and a cache prefix of its own): every staff
    page, signed in as the bench user."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from consultation.surveys.models import Survey
    from talklondon import outbox
    from talklondon.models import User

    # A GET of a POST-only URL answers 405, which Django logs as a warning: not news here.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    # No Celery worker here: a task a page might enqueue stays in the outbox, unpublished
    # (except where _tasks_run_inline says otherwise).
    _PUBLISH["real"] = outbox._publish
    outbox._publish = lambda task: False
    user = User.objects.get(email=BENCH_EMAIL)
    values, per_route, variants = world(survey_id, user)
    # A view that raises answers 500, as in production, rather than stopping the run.
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.force_login(user)

    pages, skipped = [], []
    for name, route, pattern in staff_patterns():
        if name is None:
            skipped.append({"name": route, "route": route, "why": "no URL name to reverse"})
            continue
        if name in SKIPPED:
            skipped.append({"name": name, "route": route, "why": SKIPPED[name]})
            continue
        params = {**values, **per_route.get(name, {})}
        missing = [key for key in pattern.pattern.converters if key not in params]
        if missing:
            skipped.append({"name": name, "route": route, "why": f"no object for {missing}"})
            continue
        try:
            url = reverse(name, kwargs={k: params[k] for k in pattern.pattern.converters})
        except NoReverseMatch:
            skipped.append({"name": name, "route": route, "why": "cannot be reversed"})
            continue
        pages.append((name, url))
        for variant_of, label, query in variants:
            if variant_of == name:
                pages.append((f"{name} ({label})", url + query))
    # The baseline first, then the rest in the resolver's order.
    pages.sort(key=lambda page: page[0] != BASELINE)
    # Not under /staff/, but a staff page all the same: before publication, a consultation
    # manager or analyst with MFA sees a preview of the public results, prepared by a task
    # (measured after the first view after a change has had one prepared).
    consultation = Survey.objects.select_related("consultation").get(pk=survey_id).consultation
    pages.append((PREVIEW, reverse("results:detail", kwargs={"slug": consultation.slug})))

    results, after = [], []
    for name, url in pages:
        if name == PREVIEW:
            # Before the preview: its first view after a change prepares one to show.
            after = after_change(client, user, survey_id, dict(pages))
            if stream:
                print("AFTER " + json.dumps(after), flush=True)
        _mfa_session(client, user)
        with CaptureQueriesContext(connection) as captured:
            status, cold_ms, location = _get(client, url)
        cold_queries = len(captured)
        if status == 405:
            skipped.append({"name": name, "route": url, "why": "POST only: a GET answers 405"})
            continue
        row = {
            "name": name,
            "url": url,
            "status": status,
            "location": location,
            "cold_ms": cold_ms,
            "cold_queries": cold_queries,
        }
        if status == 200:
            n = (
                repeats
                if cold_ms < SLOW_COLD_MS
                else min(repeats, 2)
                if cold_ms < VERY_SLOW_COLD_MS
                else 1
            )
            warm = [_get(client, url) for _ in range(n)]
            with CaptureQueriesContext(connection) as captured:
                _get(client, url)
            row.update(
                warm_median_ms=statistics.median(ms for _s, ms, _l in warm),
                warm_max_ms=max(ms for _s, ms, _l in warm),
                warm_n=n,
                warm_queries=len(captured),
                warm_statuses=sorted({s for s, _ms, _l in warm}),
            )
        results.append(row)
        if stream:
            print("PAGE " + json.dumps(row), flush=True)
        print(
            f"[bench {time.strftime('%H:%M:%S')}]   {name:55} {status} cold {cold_ms:8.1f} ms"
            + (
                f", warm median {row['warm_median_ms']:8.1f} ms, {row['warm_queries']} queries"
                if "warm_median_ms" in row
                else f" {location}"
            ),
            file=sys.stderr,
            flush=True,
        )
    if stream:
        print("SKIPPED " + json.dumps(skipped), flush=True)
    return {"pages": results, "skipped": skipped, "after_change": after}


def _stale_keys_forget() -> None:
    """Delete the kept "latest" staff figures of this process, as if none had been counted
    before (the cache before stale-while-revalidate had nothing else to show)."""
    from django.conf import settings
    from django.core.cache import cache

    client = cache._cache.get_client(None, write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(f"{prefix}:*survey-figures-latest:*", count=1000))
    keys += list(client.scan_iter(f"{prefix}:*results-preview-latest:*", count=1000))
    if keys:
        client.delete(*keys)


def _response_arrives(survey_id: int) -> None:
    """One more submitted response (no answers: enough to change the figures' fingerprint)."""
    from django.utils import timezone

    from consultation.surveys.models import Response

    now = timezone.now()
    Response.objects.create(
        survey_id=survey_id,
        status=Response.Status.SUBMITTED,
        submitted_at=now,
        created_at=now,
        updated_at=now,
    )


def _refreshes_run() -> tuple[int, float]:
    """Run the figures refreshes the pages asked for, as a worker would: (how many, ms)."""
    from django.utils import timezone

    from consultation.analysis.results_preview import (
        PREVIEW_REFRESH_TASK,
        results_preview_refresh,
    )
    from consultation.surveys.selectors import FIGURES_REFRESH_TASK, figures_refresh
    from talklondon.models import OutboxTask

    run = {FIGURES_REFRESH_TASK: figures_refresh, PREVIEW_REFRESH_TASK: results_preview_refresh}
    tasks = list(OutboxTask.objects.filter(task_name__in=list(run), completed_at=None))
    started = time.perf_counter()
    for task in tasks:
        run[task.task_name](**task.kwargs)
    ms = (time.perf_counter() - started) * 1000
    OutboxTask.objects.filter(pk__in=[t.pk for t in tasks]).update(completed_at=timezone.now())
    return len(tasks), ms


def after_change(client, user, survey_id: int, urls: dict) -> list[dict]:
    """The first view of each figures page after one new response, the pages measured above
    having counted the figures before: counted in the request (as before stale-while-revalidate:
    the earlier figures forgotten) and served from the earlier figures (now: a refresh asked
    for), then the refresh as a worker runs it, and the view after it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = []
    for name in AFTER_CHANGE:
        url = urls.get(name)
        if url is None:
            continue
        _mfa_session(client, user)
        row = {"name": name, "url": url}
        # As before: a change, and nothing kept to show meanwhile. Celery eager, as the
        # results preview was prepared in the request before it had a task of its own.
        _response_arrives(survey_id)
        _stale_keys_forget()
        with _tasks_run_inline(), CaptureQueriesContext(connection) as captured:
            status, row["recount_ms"], _l = _get(client, url)
        row["recount_queries"] = len(captured)
        # Now: a change, and the figures just counted are shown while the worker counts again.
        _response_arrives(survey_id)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            body = response.content
            row["stale_ms"] = (time.perf_counter() - started) * 1000
        row["stale_queries"] = len(captured)
        row["stale_answer_reads"] = sum("surveys_answer" in q["sql"] for q in captured)
        row["stale_shown"] = b"data-figures-stale" in body
        row["status"] = max(status, response.status_code)
        row["refreshes"], row["refresh_ms"] = _refreshes_run()
        status, row["next_ms"], _l = _get(client, url)
        rows.append(row)
        print(
            f"[bench {time.strftime('%H:%M:%S')}]   after a change: {name:40} counted in the "
            f"request {row['recount_ms']:8.1f} ms, earlier figures shown {row['stale_ms']:8.1f}"
            f" ms ({row['stale_queries']} queries), {row['refreshes']} refreshes"
            f" {row['refresh_ms']:8.1f} ms, next view {row['next_ms']:8.1f} ms",
            file=sys.stderr,
            flush=True,
        )
    return rows


def cache_forget() -> None:
    """Delete this process's cache keys (its prefix is its own) from the shared Redis."""
    from django.conf import settings
    from django.core.cache import cache

    try:
        client = cache._cache.get_client(None, write=True)
        prefix = settings.CACHES["default"]["KEY_PREFIX"]
        keys = list(client.scan_iter(f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    except Exception as exc:  # noqa: BLE001 - tidying only
        common.log(f"could not delete the cache keys: {exc}")


# --- Running and reporting --------------------------------------------------------------------


class Stopped(Exception):  # noqa: N818 - it is not an error: the run was stopped
    """The run was stopped while measuring; `result` holds the pages measured so far."""

    def __init__(self, result: dict):
        super().__init__("stopped")
        self.result = result


def _worker(survey_id: int, repeats: int) -> dict:
    """`measure` in a fresh process; its log goes to our stderr, and each page's figures come
    back as a line of JSON as soon as it is measured (so a stopped run keeps them)."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(survey_id), "--repeats", str(repeats)],
        cwd=common.REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        text=True,
    )
    result, other = {"pages": [], "skipped": []}, []
    try:
        for line in process.stdout:
            if line.startswith("PAGE "):
                result["pages"].append(json.loads(line[5:]))
            elif line.startswith("SKIPPED "):
                result["skipped"] = json.loads(line[8:])
            elif line.startswith("AFTER "):
                result["after_change"] = json.loads(line[6:])
            else:
                other.append(line)
        code = process.wait()
    except KeyboardInterrupt:
        process.kill()
        process.wait()
        raise Stopped(result) from None
    if code != 0:
        sys.stdout.write("".join(other)[-5000:])
        raise SystemExit(f"the measuring process failed ({code})")
    return result


def _ms(value) -> str:
    return "–" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def report(
    runs: list[tuple[int, dict, float]], *, repeats: int, text_analysis: bool = True
) -> tuple[str, bool]:
    """The Markdown section and whether the benchmark is broken (a 5xx)."""
    sizes = [rows for rows, _r, _s in runs]
    largest = sizes[-1]
    names = []
    for _rows, result, _s in runs:
        for page in result["pages"]:
            if page["name"] not in names:
                names.append(page["name"])
    by_size = {rows: {p["name"]: p for p in result["pages"]} for rows, result, _s in runs}
    home = {rows: by_size[rows].get(BASELINE, {}).get("warm_median_ms") for rows in sizes}

    header = "| Page | URL |"
    rule = "|---|---|"
    for rows in sizes:
        header += f" {rows:,}: cold ms | warm median | max | queries (cold/warm) | × home |"
        rule += "---:|---:|---:|---:|---:|"
    header += f" < {TARGET_MS} ms at {largest:,} |"
    rule += "---|"
    lines = [header, rule]
    broken, misses, others = False, [], []
    for name in names:
        url = next(by_size[r][name]["url"] for r in sizes if name in by_size[r])
        line = f"| {name} | `{url}` |"
        verdict = "–"
        for rows in sizes:
            page = by_size[rows].get(name)
            if page is None:
                line += " – | – | – | – | – |"
                continue
            if page["status"] >= 500:
                broken = True
            if page["status"] != 200:
                others.append(f"{name} at {rows:,}: {page['status']} {page['location']}".strip())
                line += f" {page['status']} | – | – | {page['cold_queries']} | – |"
                verdict = f"{page['status']}"
                continue
            median = page["warm_median_ms"]
            ratio = f"{median / home[rows]:.1f}×" if home[rows] else "–"
            line += (
                f" {_ms(page['cold_ms'])} | {_ms(median)} | {_ms(page['warm_max_ms'])} | "
                f"{page['cold_queries']}/{page['warm_queries']} | {ratio} |"
            )
            if rows == largest:
                verdict = "PASS" if median < TARGET_MS else "MISS"
                if verdict == "MISS":
                    misses.append(f"{name} ({_ms(median)} ms)")
        lines.append(line + f" {verdict} |")
    skipped: dict[str, list[str]] = {}
    for _rows, result, _s in runs:
        for item in result["skipped"]:
            names_skipped = skipped.setdefault(item["why"], [])
            if item["name"] not in names_skipped:
                names_skipped.append(item["name"])
    seeded = ", ".join(f"{seconds:.0f} s at {rows:,}" for rows, _r, seconds in runs)
    after = [
        "First view after one new response, the figures having been counted before: counted in "
        "the request (as before stale-while-revalidate; the earlier figures forgotten), and "
        "served from the earlier figures while a refresh is asked for (now), then the refresh "
        "tasks as a worker runs them, and the next view.",
        "",
        "| Page | responses | counted in the request: ms (queries) | earlier figures shown: ms "
        "(queries, answer reads) | stale note | refresh tasks: n, ms | next view ms |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for rows, result, _s in runs:
        for row in result.get("after_change", []):
            after.append(
                f"| {row['name']} | {rows:,} | {_ms(row['recount_ms'])} ({row['recount_queries']})"
                f" | {_ms(row['stale_ms'])} ({row['stale_queries']}, "
                f"{row['stale_answer_reads']}) | {'shown' if row['stale_shown'] else 'NOT shown'}"
                f" | {row['refreshes']}, {_ms(row['refresh_ms'])} | {_ms(row['next_ms'])} |"
            )
            if row["status"] >= 500:
                broken = True
    text = [
        f"`bench/staff_pages.py`: every GET under /staff/ from Django's resolver, signed in as a "
        f"superuser in every staff role with MFA, in one process with production settings "
        f"(DEBUG off, PostgreSQL, cache in Redis with a fresh prefix: the first GET is cold), "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end. Parameters name a copy of the demo ANPR survey "
        f"with N submitted responses (seeded with generate_series in {seeded}, "
        + ("text analyses included" if text_analysis else "no text analyses")
        + f") and the demo consultation. Warm: median and max of {repeats} GETs after the "
        f"first (2 where the first took over {SLOW_COLD_MS / 1000:.0f} s, 1 over "
        f"{VERY_SLOW_COLD_MS / 1000:.0f} s). × home: warm median "
        f"over the staff home's in the same run (the baseline). Target: warm median under "
        f"{TARGET_MS} ms at {largest:,} responses (reported, not asserted).",
        "",
        *lines,
        "",
        f"Over {TARGET_MS} ms at {largest:,}: " + ("; ".join(misses) if misses else "none") + ".",
        "",
        *after,
        "",
        "Not 200: " + ("; ".join(others) if others else "none") + ".",
        "Skipped: "
        + "; ".join(
            f"{why}: " + ", ".join(f"`{name}`" for name in names) for why, names in skipped.items()
        )
        + ".",
    ]
    return "\n".join(text) + "\n", broken


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 responses, 2 warm GETs")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--repeats", type=int, default=None, help="warm GETs per page")
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="append to RESULTS.md (default: yes; --quick never records)",
    )
    parser.add_argument("--no-text-analysis", action="store_true", help="skip computing them")
    parser.add_argument("--keep", action="store_true", help="keep the last bench survey")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeats = args.repeats or (QUICK_REPEATS if args.quick else REPEATS)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database: the target is for PostgreSQL.")
        return 2
    redis_url = os.environ.get("BENCH_REDIS_URL", common.DEFAULT_REDIS_URL)
    _production_env(redis_url)
    if args.worker:
        common.django_setup()
        try:
            measure(args.worker, repeats, stream=True)
        finally:
            cache_forget()
        return 0

    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    # --quick is a smoke run: it never records, whatever else is asked.
    record = args.record is not False and not args.quick
    common.ensure_services(os.environ["DATABASE_URL"], redis_url)
    load_start = common.load_average()
    common.django_setup()
    site_prepare()
    surveys_drop()
    runs, unfinished, partial = [], [], ""
    # Stopped (Ctrl-C, or SIGTERM from a time limit), it still reports the sizes it finished.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for rows in sizes:
            unfinished = sizes[len(runs) :]
            surveys_drop()
            started = time.perf_counter()
            survey_id = survey_seed(rows)
            drafts_make()
            if not args.no_text_analysis:
                common.log(f"text analyses computed in {text_analysis_seed(survey_id):.1f} s")
            seeded = time.perf_counter() - started
            common.log(f"{rows:,} responses: measuring every staff page ({repeats} warm GETs)")
            try:
                runs.append((rows, _worker(survey_id, repeats), seeded))
            except Stopped as stopped:
                runs.append((rows, stopped.result, seeded))
                partial = f"{rows:,} responses ({len(stopped.result['pages'])} pages)"
                raise KeyboardInterrupt from None
        unfinished = []
    except KeyboardInterrupt:
        common.log(f"interrupted: {', '.join(f'{rows:,}' for rows in unfinished)} not measured")
    finally:
        if not args.keep:
            surveys_drop()
        cache_forget()
    if not runs:
        return 1
    body, broken = report(runs, repeats=repeats, text_analysis=not args.no_text_analysis)
    if unfinished:
        left = [f"{rows:,}" for rows in unfinished if rows not in {r for r, _x, _s in runs}]
        body += (
            "\nThe run was stopped: "
            + (f"measured in part at {partial}" if partial else "")
            + ("; " if partial and left else "")
            + (f"not measured at {', '.join(left)} responses" if left else "")
            + ".\n"
        )
    body += f"\nLoad average at start: {load_start}; at end: {common.load_average()}.\n"
    measured = [rows for rows, _r, _s in runs]
    title = f"Staff pages at {' and '.join(f'{rows:,}' for rows in measured)} survey responses" + (
        " (quick)" if args.quick else ""
    )
    print(f"## {title}\n\n{body}")
    if record:
        common.results_append(title, body, common.machine_description(os.environ["DATABASE_URL"]))
    if broken:
        print("BROKEN: a staff page answered with a server error (see the table).")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
