"""Demo content for analysis: a few accepted themes with tags on the survey's open question,
and, for the historical (closed) consultation, a published "We asked, you said, we did" page.

Running it again changes nothing. Runs after the surveys demo (it needs the demo survey).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from consultation.analysis.models import ResultsPage, Theme
from consultation.analysis.selectors import TEXT_DATASET
from consultation.analysis.services.results import results_page_publish, results_page_save
from consultation.analysis.services.themes import theme_create, theme_tag_add
from consultation.surveys.models import Answer, Question, Response, Survey
from consultation.surveys.selectors import results_summary
from demo import surveys as surveys_demo

DEMO_ANALYST = "analyst@demo.talk.london"
DEMO_MANAGER = "manager@demo.talk.london"
# (theme, description, words that mark an answer as expressing it: a person chose these
# for the demo's fixed texts, the way an analyst would tag them by reading)
THEMES = [
    (
        "Oversight and transparency",
        "Wants independent oversight, quick deletion or regular published figures.",
        ("oversight", "publish regular figures"),
    ),
    (
        "Surveillance and mission creep",
        "Worried the cameras become a surveillance network or the data spreads.",
        ("surveillance", "mission creep", "goes too far"),
    ),
    (
        "Support for catching criminals",
        "Supports the proposal as a way to catch serious offenders.",
        ("catch violent criminals",),
    ),
]


def _open_question(survey: Survey) -> Question | None:
    return (
        Question.objects.filter(section__survey=survey, type=Question.Type.LONG_TEXT)
        .order_by("section__position", "position")
        .first()
    )


def themes_seed(survey: Survey, analyst, stdout) -> None:
    question = _open_question(survey)
    if question is None:
        return
    answers = list(
        Answer.objects.filter(question=question, response__status=Response.Status.SUBMITTED)
        .exclude(text="")
        .values_list("pk", "text")
    )
    for name, description, words in THEMES:
        theme = Theme.objects.filter(
            dataset_key=TEXT_DATASET, question_key=str(question.pk), name=name
        ).first()
        if theme is None:
            theme = theme_create(
                actor=analyst,
                dataset_key=TEXT_DATASET,
                question_key=str(question.pk),
                name=name,
                description=description,
            )
        ids = [pk for pk, text in answers if any(w in text.lower() for w in words)]
        if ids:
            added = theme_tag_add(actor=analyst, theme=theme, answer_ids=ids)
            if added:
                stdout.write(f"Tagged {added} answers with the theme “{name}”.")


def text_analysis_seed(survey: Survey, analyst, stdout) -> None:
    """Campaign groups and suggested themes for the open question, as an analyst would ask for
    them (computed at once where Celery is eager, as in the embedded demo; by a worker
    otherwise), so that those pages show a result rather than an empty state."""
    from consultation.analysis.models import TextAnalysis
    from consultation.analysis.services.text_analysis import text_analysis_request

    question = _open_question(survey)
    if question is None:
        return
    for kind in TextAnalysis.Kind.values:
        if not TextAnalysis.objects.filter(question=question, kind=kind).exists():
            run = text_analysis_request(actor=analyst, question=question, kind=kind)
            run.refresh_from_db()
            stdout.write(f"{run.get_kind_display()} for the open question: {run.state}.")


def _share(rows, labels) -> tuple[int, int]:
    """(percentage, count) of the rows whose label is one of `labels`."""
    total = sum(r.count for r in rows)
    count = sum(r.count for r in rows if r.label in labels)
    return (round(100 * count / total) if total else 0), count


def results_seed(survey: Survey, manager, stdout) -> None:
    consultation = survey.consultation
    if (
        consultation.results_published_at
        and ResultsPage.objects.filter(consultation=consultation).exists()
    ):
        return
    summary = results_summary(survey)
    questions = {r.question.pk: r for r in summary["questions"]}
    ordered = list(summary["structure"].questions)
    numbers = {q.pk: n for n, q in enumerate(ordered, start=1)}
    agreement_q = next(q for q in ordered if q.type == Question.Type.AGREEMENT)
    retention_q = next(q for q in ordered if q.type == Question.Type.SINGLE_CHOICE)
    open_q = _open_question(survey)
    agree, _ = _share(questions[agreement_q.pk].rows, {"Agree", "Strongly agree"})
    short, _ = _share(
        questions[retention_q.pk].rows, {"Not at all", "Up to 30 days", "Up to 90 days"}
    )
    a, r, o = numbers[agreement_q.pk], numbers[retention_q.pk], numbers.get(open_q.pk)
    results_page_save(
        actor=manager,
        consultation=consultation,
        summary=(
            f"Thank you to the {summary['total']:,} people and organisations who responded "
            "online, on paper, by email, by letter and at public events."
        ),
        we_asked=(
            "We asked Londoners whether the Metropolitan Police should have routine access to "
            "Transport for London's automatic number plate recognition (ANPR) cameras, which "
            "enforce the Congestion Charge and the Low Emission Zone, and what safeguards "
            "should apply: how long data is kept, who checks its use and what the public "
            "is told."
        ),
        you_said=(
            f"- {agree}% agreed or strongly agreed that the police should have routine access "
            f"([see the figures](#question-{a})).\n"
            f"- {short}% wanted data on vehicles not linked to a crime kept for 90 days or "
            f"less ([see the figures](#question-{r})).\n"
            "- Many who wrote to us asked for independent oversight and regular published "
            "figures, and some worried that the cameras would become a surveillance network "
            f"([see the themes](#themes-{o}))."
        ),
        we_did=(
            "MOPAC agreed routine access with safeguards:\n\n"
            "1. Searches of the data are logged and audited every quarter.\n"
            "2. Records not linked to a crime are deleted after 90 days.\n"
            "3. MOPAC publishes statistics on use of the cameras every quarter on the "
            "[ANPR transparency pages](/anpr/)."
        ),
    )
    results_page_publish(
        actor=manager,
        consultation=consultation,
        now=consultation.closes_at + timedelta(weeks=8),
        notify=False,  # a historical demo: nobody is told today
    )
    stdout.write("Published the results page “We asked, you said, we did”.")


@transaction.atomic
def seed(*, stdout, historical: bool = False) -> None:
    """Themes with tags on the open question; a published results page when historical."""
    from demo.accounts import seed_staff
    from talklondon.models import User

    survey = (
        Survey.objects.select_related("consultation").filter(slug=surveys_demo.SURVEY_SLUG).first()
    )
    if survey is None:
        stdout.write("No demo survey: run the surveys demo first.")
        return
    if User.objects.filter(email__in=[DEMO_ANALYST, DEMO_MANAGER]).count() != 2:
        seed_staff()
    analyst = User.objects.get(email=DEMO_ANALYST)
    manager = User.objects.get(email=DEMO_MANAGER)
    themes_seed(survey, analyst, stdout)
    text_analysis_seed(survey, analyst, stdout)
    if historical and survey.consultation.is_closed:
        results_seed(survey, manager, stdout)
