"""Regenerate docs/screenshots/*.png and the README's Screenshots section: `make screenshots`.

Seeds a fresh SQLite database with `seed_demo` (or, with --current-db, uses the database the
environment selects), serves the site with `runserver` on a free port, and photographs the main
pages in Debian's Chromium. A page that does not exist yet (404, or nothing seeded for it) is
skipped with a note, so each screenshot appears as soon as its feature lands: just run it again.

To add or fix a page, edit SHOTS: each entry lists candidate addresses, tried in order.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
README = ROOT / "README.md"
START, END = "<!-- screenshots:start -->", "<!-- screenshots:end -->"
MAX_HEIGHT = 2400  # long pages are cut here; the top of a page is what a reader needs


@dataclass
class Shot:
    name: str  # file name, without .png
    caption: str
    candidates: list  # callables returning a path (or None when there is nothing to show)
    staff_email: str = ""  # sign in as this demo staff account (password + TOTP) first
    resident_sections: (
        int | None
    ) = -1  # sign in as the screenshot resident, N survey pages answered
    mobile: bool = False
    notes: list = field(default_factory=list)


def _reverse(name, **kwargs):
    from django.urls import reverse

    return lambda: reverse(name, kwargs=kwargs or None)


def _object_url(model_label, *, filters=None, suffix=""):
    """The get_absolute_url() of the first object of a model, if the model and an object exist."""

    def resolve():
        from django.apps import apps

        model = apps.get_model(model_label)
        obj = model.objects.filter(**(filters or {})).order_by("pk").first()
        return obj.get_absolute_url() + suffix if obj else None

    return resolve


def _consultation_url(suffix=""):
    def resolve():
        from django.urls import reverse

        from consultation.models import Consultation

        consultation = Consultation.objects.order_by("pk").first()
        if consultation is None:
            return None
        return reverse("consultation:detail", kwargs={"slug": consultation.slug}) + suffix

    return resolve


def _path(path):
    return lambda: path


# --- A resident part-way through the demo survey ------------------------------------------------

RESIDENT_EMAIL = "screenshots@demo.talk.london"
SURVEY_SLUG = "anpr-cameras-survey"


def _resident_with_answers(sections: int | None):
    """The screenshot resident (created if needed, in the demo database only) with a draft
    response to the demo survey: `sections` pages answered, or all of them when None."""
    import random

    from consultation.surveys.answers import visibility
    from consultation.surveys.models import Survey
    from consultation.surveys.selectors import survey_structure
    from consultation.surveys.services import survey_response_start, survey_section_save
    from demo.accounts import DEMO_PASSWORD, verified_user_create
    from demo.surveys import _answers

    user = verified_user_create(
        email=RESIDENT_EMAIL,
        display_name="Sam from Camden",
        password=DEMO_PASSWORD,
        borough="E09000007",
    )
    survey = Survey.objects.get(slug=SURVEY_SLUG)
    structure = survey_structure(survey)
    answers = _answers(random.Random(4), structure.questions, structure.options_by_question)
    response = survey_response_start(survey=survey, actor=user)
    visible, _ = visibility(structure, answers)  # drivers' questions only for drivers
    shown = [section for section in structure.sections if section.pk in visible]
    for section in shown if sections is None else shown[:sections]:
        ids = {q.pk for q in structure.questions_by_section.get(section.pk, [])}
        survey_section_save(
            response=response,
            actor=user,
            section=section,
            answers={qid: value for qid, value in answers.items() if qid in ids},
        )
    return user


def _survey_page(answered: int):
    """The survey page after `answered` pages (the resident is signed in by then)."""

    def resolve():
        from django.urls import reverse

        from consultation.surveys.models import Survey

        sections = list(Survey.objects.get(slug=SURVEY_SLUG).sections.order_by("position"))
        return reverse(
            "surveys:section", kwargs={"slug": SURVEY_SLUG, "section_id": sections[answered].pk}
        )

    return resolve


def _survey_dashboard():
    """The demo survey's analysis dashboard (totals, channels, days, every choice question),
    with its first agreement question cross-tabulated by channel so the picture shows that too."""

    def resolve():
        from django.urls import reverse

        from consultation.surveys.models import Question, Survey

        survey = Survey.objects.filter(slug=SURVEY_SLUG).first()
        if survey is None:
            return None
        path = reverse("analysis_staff:survey_dashboard", kwargs={"survey_id": survey.pk})
        question = (
            Question.objects.filter(section__survey=survey, type=Question.Type.AGREEMENT)
            .order_by("section__position", "position")
            .first()
        )
        return f"{path}?question={question.pk}&by=channel" if question else path

    return resolve


def _builder():
    """The demo survey in the builder (questions with their options, Q1, Q2…)."""

    def resolve():
        from django.urls import reverse

        from consultation.surveys.models import Survey

        survey = Survey.objects.filter(slug=SURVEY_SLUG).first()
        return reverse("surveys_staff:builder", kwargs={"survey_id": survey.pk}) if survey else None

    return resolve


def _duplicate_response():
    """An email copy of a response we already had, typed in by the demo manager: the matching
    flags it (same name, same answers), and its page links to the original."""

    def resolve():
        from django.urls import reverse

        from consultation.surveys.models import Response, Survey
        from consultation.surveys.selectors import response_answers
        from consultation.surveys.services import survey_response_enter
        from talklondon.models import User

        flagged = Response.objects.filter(likely_duplicate_of__isnull=False).first()
        if flagged is None:
            survey = Survey.objects.filter(slug=SURVEY_SLUG).first()
            # A named response (the demo's online ones have no account; paper ones a name).
            original = (
                Response.objects.filter(survey=survey, status="submitted")
                .exclude(respondent_name="")
                .order_by("pk")
                .first()
            )
            if original is None:
                return None
            flagged = survey_response_enter(
                survey=survey,
                actor=User.objects.get(email="manager@demo.talk.london"),
                channel="email",
                channel_reference="Consultation inbox, 14 March",
                respondent_name=original.respondent_name,
                answers=response_answers(original),
                token="screenshot-duplicate",
            )
        return reverse("surveys_staff:response", kwargs={"response_id": flagged.pk})

    return resolve


def _release_revision():
    """A draft revision of the demo's revised month, prepared by one publisher from corrected
    returns, as the second publisher sees it before approving: the cell-by-cell changes."""

    def resolve():
        import datetime as dt

        from django.urls import reverse
        from django.utils import timezone

        from anpr_info.models import Release
        from anpr_info.services import releases as release_services
        from demo.anpr import PREPARER, demo_source_key
        from demo.anpr_simulator import Pusher, Simulator, return_body
        from talklondon.models import User

        draft = Release.objects.filter(status="draft", version__gt=1).first()
        if draft is None:
            revised = (
                Release.objects.filter(status="published", version__gt=1)
                .order_by("-sequence")
                .first()
            )
            if revised is None:
                return None
            rows = Simulator().month(revised.period)["hits"]
            for row in rows[:: max(1, len(rows) // 8)]:
                row["count"] += 5
            status, _ = Pusher(key=demo_source_key()).send(
                *return_body("hits", revised.period, rows, reason="One command unit recounted.")
            )
            if status != 201:
                return None
            preparer = User.objects.get(email=PREPARER)
            draft = release_services.release_announce(
                period=revised.period,
                announced_at=timezone.now() + dt.timedelta(days=1),
                actor=preparer,
                notes="Corrected: one command unit recounted its hits.",
            )
            release_services.release_prepare(release=draft, actor=preparer)
        return reverse("anpr_staff:release", kwargs={"pk": draft.pk})

    return resolve


SHOTS = [
    Shot("home", "Home page", [_reverse("home")]),
    Shot("home-mobile", "Home page on a phone (390 px)", [_reverse("home")], mobile=True),
    Shot("consultation", "The ANPR consultation", [_path("/consultations/anpr-cameras/")]),
    Shot(
        "proposal-with-comments",
        "A proposal with comments",
        [_path("/consultations/anpr-cameras/the-proposal/")],
    ),
    Shot(
        "survey-page",
        "A page of the survey",
        [_survey_page(1)],
        resident_sections=1,
    ),
    Shot(
        "check-answers",
        "Check your answers",
        [_reverse("surveys:check", slug=SURVEY_SLUG)],
        resident_sections=None,
    ),
    Shot(
        "moderators-desk",
        "The moderator's desk",
        [_path("/staff/consultations/moderation/?queue=held")],
        staff_email="moderator@demo.talk.london",
    ),
    Shot(
        "analysis-dashboard",
        "The analysis dashboard",
        [_survey_dashboard()],
        staff_email="analyst@demo.talk.london",
    ),
    Shot(
        "statements-results",
        "Statements: opinion groups and common ground",
        [_path("/consultations/anpr-cameras/statements/results/")],
    ),
    Shot(
        "survey-builder",
        "The survey builder",
        [_builder()],
        staff_email="manager@demo.talk.london",
    ),
    Shot(
        "response-page",
        "A response typed in from email, flagged as a likely duplicate",
        [_duplicate_response()],
        staff_email="manager@demo.talk.london",
    ),
    Shot(
        "release-diff",
        "Approving a revised ANPR release: what changed",
        [_release_revision()],
        staff_email="publisher2@demo.talk.london",
    ),
    Shot(
        "transparency-dashboard",
        "The ANPR transparency dashboard",
        [_reverse("anpr_info:dashboard")],
    ),
    Shot(
        "transparency-measure-map",
        "An ANPR measure by borough, on its tile map (Chart | Table | Map)",
        [_path("/anpr/measures/hits/?breakdown=area#map")],
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"runserver exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"runserver did not answer on {url}")


def _manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _resolve(shot: Shot, page) -> str | None:
    """The first candidate address that exists and answers 200."""
    for candidate in shot.candidates:
        try:
            path = candidate()
        except Exception as exc:  # a feature's model or url name not merged yet
            shot.notes.append(f"{exc.__class__.__name__}: {exc}")
            continue
        if not path:
            shot.notes.append("nothing seeded for it yet")
            continue
        response = page.goto(path)
        if response is not None and response.status == 200 and path in page.url:
            return path
        shot.notes.append(f"{path} answered {response.status if response else '?'}")
    return None


def _photograph(browser, base_url: str) -> list[Shot]:
    from demo.accounts import DEMO_PASSWORD, totp_current_code
    from talklondon.models import User
    from tests.browser.conftest import DESKTOP, MOBILE
    from tests.browser.helpers import sign_in

    OUT.mkdir(parents=True, exist_ok=True)
    taken = []
    codes_used: dict[int, str] = {}
    for shot in SHOTS:
        options = {**(MOBILE if shot.mobile else DESKTOP), "base_url": base_url, "locale": "en-GB"}
        options.pop("device_scale_factor", None)
        # Device pixels 1:1 keeps the PNGs small enough to live in git.
        context = browser.new_context(**options, reduced_motion="reduce", device_scale_factor=1)
        page = context.new_page()
        try:
            if shot.staff_email:
                user = User.objects.get(email=shot.staff_email)
                # A TOTP code works once: the same account signing in again within its 30
                # seconds waits for the next code.
                while totp_current_code(user) == codes_used.get(user.pk):
                    time.sleep(1)
                codes_used[user.pk] = totp_current_code(user)
                sign_in(page, user.email, DEMO_PASSWORD, totp=lambda u=user: totp_current_code(u))
            if shot.resident_sections != -1:
                user = _resident_with_answers(shot.resident_sections)
                sign_in(page, user.email, DEMO_PASSWORD)
            path = _resolve(shot, page)
            if path is None:
                print(f"  skipped {shot.name}: " + "; ".join(shot.notes))
                (OUT / f"{shot.name}.png").unlink(missing_ok=True)  # never show a stale page
                continue
            # A full-page picture shows what is below the fold: load lazy images now.
            page.evaluate(
                "() => document.querySelectorAll('img[loading=lazy]')"
                ".forEach(img => { img.loading = 'eager'; })"
            )
            page.wait_for_load_state("networkidle")
            page.wait_for_function("() => [...document.images].every(img => img.complete)")
            height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
            width = options["viewport"]["width"]
            page.screenshot(
                path=str(OUT / f"{shot.name}.png"),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": height},
                animations="disabled",
                caret="hide",
            )
            print(f"  saved docs/screenshots/{shot.name}.png  ({path})")
            taken.append(shot)
        finally:
            context.close()
    return taken


def _update_readme(taken: list[Shot]) -> None:
    lines = [
        START,
        "",
        "Regenerate with `make screenshots` (seeded demo data, Debian Chromium).",
        "",
    ]
    for shot in taken:
        lines += [
            f"**{shot.caption}**",
            "",
            f"![{shot.caption}](docs/screenshots/{shot.name}.png)",
            "",
        ]
    missing = [shot.caption for shot in SHOTS if shot not in taken]
    if missing:
        lines += ["Not shown yet (not in this build): " + "; ".join(missing) + ".", ""]
    lines.append(END)
    text = README.read_text()
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + "\n".join(lines) + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Screenshots\n\n" + "\n".join(lines) + "\n"
    README.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--current-db", action="store_true", help="use DATABASE_URL as set")
    parser.add_argument("--port", type=int, default=0, help="serve on this port (default: free)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    env = {**os.environ, "DEBUG": "1", "TALKLONDON_TESTING": ""}
    workdir = tempfile.TemporaryDirectory(prefix="tl-screens-")
    if not args.current_db:
        env["DATABASE_URL"] = f"sqlite:///{workdir.name}/screenshots.sqlite3"
        env.pop("REDIS_URL", None)
    os.environ.update(env)
    print("Seeding the demo…")
    _manage("migrate", "--noinput", "-v", "0", env=env)
    _manage("seed_demo", env=env)

    port = args.port or _free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_serving(base_url + "/", server)
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talklondon.settings")
        import django

        django.setup()
        from playwright.sync_api import sync_playwright

        from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

        print(f"Photographing {base_url}…")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            taken = _photograph(browser, base_url)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        workdir.cleanup()
    _update_readme(taken)
    print(f"{len(taken)} screenshot(s) in docs/screenshots/; README.md updated.")


if __name__ == "__main__":
    main()
