"""Campaign groups and theme suggestions computed by a Celery task, stored with their progress
and time of computation, and read (never computed) by the staff pages (issue 16 item 9)."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation.analysis.models import TextAnalysis
from consultation.analysis.services import text_analysis as service
from consultation.analysis.services.text_analysis import text_analysis_request, text_analysis_run
from consultation.surveys.free_text import WITHHELD
from consultation.surveys.models import Answer, Question, Response
from talklondon.models import OutboxTask
from talklondon.permissions import ROLE_ANALYST, ROLE_EXPORTER, ROLE_MANAGER
from tests.analysis.surveydata import Type, online_response, survey_with_responses
from tests.factories import UserFactory

CAMPAIGN = (
    "I object to the police using TfL cameras to track law-abiding drivers across London "
    "without a warrant or any independent oversight."
)
OTHERS = [
    "Catching car thieves and uninsured drivers matters more than privacy.",
    "Data should be deleted after 30 days unless linked to a crime.",
    "Keep the data for as short a time as possible and publish audits.",
    "Stolen cars and uninsured drivers are a menace: use the cameras.",
    "Who checks how often the police search the data? Publish the numbers.",
    "Publish audits of how often the police search the camera data.",
]
TEXTS = [CAMPAIGN, CAMPAIGN, CAMPAIGN + " Please listen.", CAMPAIGN.replace("London", "London!")]
TEXTS += OTHERS
CAMPAIGNS = TextAnalysis.Kind.CAMPAIGNS
SUGGESTIONS = TextAnalysis.Kind.SUGGESTIONS


def url(name, *args):
    return reverse(f"analysis_staff:{name}", args=args)


@pytest.fixture
def question(db):
    survey = survey_with_responses(count=0)
    for text in TEXTS:
        online_response(survey, UserFactory(), text=text)
    return Question.objects.get(section__survey=survey, type=Type.LONG_TEXT)


def add_answers(question, texts):
    """Submitted responses with one answer each to `question`, in bulk (for larger datasets)."""
    now = timezone.now()
    responses = Response.objects.bulk_create(
        Response(
            survey=question.section.survey,
            status=Response.Status.SUBMITTED,
            submitted_at=now,
        )
        for _ in texts
    )
    Answer.objects.bulk_create(
        Answer(response=r, question=question, text=t) for r, t in zip(responses, texts, strict=True)
    )


@pytest.fixture
def no_heavy_code(monkeypatch):
    """MinHash and NMF raise if anything calls them (the pages must only read stored runs)."""

    def boom(*args, **kwargs):
        raise AssertionError("heavy text analysis called in the request")

    monkeypatch.setattr("consultation.analysis.text.campaigns.campaign_groups", boom)
    monkeypatch.setattr("consultation.analysis.text.themes.suggest_themes", boom)


def progress_spy(monkeypatch):
    """Every progress report, with the run's row as it stood in the database just after it."""
    seen = []
    real = service._reporter

    def spy(run, stage, start, end):
        report = real(run, stage, start, end)

        def wrapped(done, total):
            report(done, total)
            seen.append(
                TextAnalysis.objects.values_list("state", "progress", "stage").get(pk=run.pk)
            )

        return wrapped

    monkeypatch.setattr(service, "_reporter", spy)
    return seen


# --- Request → task → done ---------------------------------------------------------------------


@pytest.mark.django_db
def test_campaign_groups_are_requested_computed_in_the_task_and_stored_with_progress_and_time(
    question, make_staff, monkeypatch
):
    monkeypatch.setattr("consultation.analysis.text.campaigns.PROGRESS_EVERY", 2)
    seen = progress_spy(monkeypatch)
    analyst = make_staff(ROLE_ANALYST)
    before = timezone.now()
    with transaction.atomic():
        run = text_analysis_request(actor=analyst, question=question, kind=CAMPAIGNS)
        # Queued in the same transaction as the run; the task runs after commit.
        task = OutboxTask.objects.get(task_name=service.RUN_TASK)
        assert task.kwargs == {"analysis_id": run.pk}
        assert TextAnalysis.objects.get(pk=run.pk).state == TextAnalysis.State.QUEUED

    run.refresh_from_db()
    assert run.state == TextAnalysis.State.DONE and run.progress == 100
    assert before <= run.requested_at <= run.started_at <= run.finished_at <= timezone.now()
    assert run.requested_by == analyst
    assert run.answers_counted == len(TEXTS)
    assert run.last_answer_id == Answer.objects.filter(question=question).order_by("pk").last().pk
    assert run.fingerprint.startswith(f"{len(TEXTS)}:{run.last_answer_id}:")
    ids = list(
        Answer.objects.filter(question=question, text__startswith="I object").values_list(
            "pk", flat=True
        )
    )
    assert run.result["groups"] == [{"ids": sorted(ids), "size": 4}]
    # Ids, never text.
    assert "police" not in json.dumps(run.result) and "object" not in json.dumps(run.result)

    # Progress moved while it ran: reported per chunk of answers, rising, below 100 until done.
    percents = [p for _, p, _ in seen]
    assert len(seen) >= 4 and {s for s, _, _ in seen} == {TextAnalysis.State.RUNNING}
    assert percents == sorted(percents) and 0 < percents[0] < percents[-2] < 100
    assert all(stage == "Comparing answers" for _, _, stage in seen)
    assert OutboxTask.objects.get().completed_at is not None


@pytest.mark.django_db
def test_pages_show_the_run_its_time_and_answers_since(question, staff_client, no_heavy_code):
    client, analyst = staff_client(ROLE_ANALYST)
    empty = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "No campaign groups have been computed for this question yet" in empty
    assert ">Find campaign groups</button>" in empty and "analysis-text.js" not in empty

    finished = timezone.make_aware(timezone.datetime(2026, 11, 30, 14, 2, 5))
    TextAnalysis.objects.create(
        question=question,
        kind=CAMPAIGNS,
        state=TextAnalysis.State.DONE,
        progress=100,
        requested_by=analyst,
        started_at=finished - timedelta(seconds=3),
        finished_at=finished,
        answers_counted=5812,
        # Read up to the second newest answer: the newest arrived since.
        last_answer_id=Answer.objects.filter(question=question).order_by("-pk")[1].pk,
        result={"groups": [{"ids": [Answer.objects.filter(text=CAMPAIGN).first().pk] * 2}]},
    )
    page = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "Computed at 14:02 on 30 November 2026 from 5,812 answers in 3.0 seconds." in page
    assert "1 answer has arrived since: compute again to include it." in page
    assert ">Compute again</button>" in page
    assert "data-group-size>2<" in page and "I object to the police" in page


@pytest.mark.django_db
def test_answers_arriving_after_a_run_are_counted_as_since(question, staff_client):
    client, _ = staff_client(ROLE_ANALYST)
    client.post(url("text_campaigns_compute", question.pk))
    page = client.get(url("text_campaigns", question.pk)).content.decode()
    assert f"from {len(TEXTS)} answers" in page and "data-text-analysis-changed" not in page
    add_answers(question, ["A new answer about cameras.", "And another one."])
    page = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "2 answers have arrived since: compute again to include them." in page
    # A withheld answer is not one the analysis would read, so it is not counted.
    Answer.objects.filter(text="And another one.").update(held_for="email")
    page = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "1 answer has arrived since" in page


@pytest.mark.django_db
def test_suggestions_are_computed_in_the_task_with_stages_and_quotes_read_by_id(
    question, staff_client, monkeypatch
):
    seen = progress_spy(monkeypatch)
    client, _ = staff_client(ROLE_ANALYST)
    empty = client.get(url("text_suggestions", question.pk)).content.decode()
    assert "No suggested themes have been computed" in empty and ">Suggest themes</button>" in empty

    response = client.post(url("text_suggestions_compute", question.pk))
    assert response.status_code == 302 and response["Location"] == url(
        "text_suggestions", question.pk
    )
    run = TextAnalysis.objects.get(kind=SUGGESTIONS)
    assert run.state == TextAnalysis.State.DONE and run.answers_counted == len(TEXTS)
    assert [p for _, p, _ in seen] == [35, 65, 95]  # three stages between 5% and 95%
    stored = run.result["suggestions"]
    assert stored and all(set(s) == {"label", "terms", "size", "quote_ids"} for s in stored)
    assert "police" not in json.dumps([s["quote_ids"] for s in stored])

    page = client.get(url("text_suggestions", question.pk))
    suggestions = [item["suggestion"] for item in page.context["suggestions"]]
    assert suggestions and suggestions[0].quotes
    texts = dict(Answer.objects.filter(question=question).values_list("pk", "text"))
    assert all(texts[pk] == quote for s in suggestions for pk, quote in s.quotes)


@pytest.mark.django_db
def test_an_answer_withheld_after_the_run_is_neither_quoted_nor_shown(
    question, staff_client, no_heavy_code
):
    client, analyst = staff_client(ROLE_ANALYST)
    first = Answer.objects.filter(text=CAMPAIGN).order_by("pk").first()
    for kind, result in (
        (CAMPAIGNS, {"groups": [{"ids": [first.pk, first.pk + 1], "size": 2}]}),
        (
            SUGGESTIONS,
            {"suggestions": [{"label": "x", "terms": ["x"], "size": 1, "quote_ids": [first.pk]}]},
        ),
    ):
        TextAnalysis.objects.create(
            question=question,
            kind=kind,
            state=TextAnalysis.State.DONE,
            requested_by=analyst,
            finished_at=timezone.now(),
            result=result,
        )
    Answer.objects.filter(pk=first.pk).update(held_for="email")
    campaigns = client.get(url("text_campaigns", question.pk)).content.decode()
    assert WITHHELD in campaigns and "I object" not in campaigns
    suggestion = client.get(url("text_suggestions", question.pk)).context["suggestions"][0]
    assert suggestion["suggestion"].quotes == ()


# --- One live run per question and kind --------------------------------------------------------


@pytest.mark.django_db
def test_asking_again_while_a_run_waits_or_runs_joins_it(
    question, make_staff, django_capture_on_commit_callbacks
):
    analyst, other = make_staff(ROLE_ANALYST), make_staff(ROLE_ANALYST)
    with django_capture_on_commit_callbacks(execute=False):
        first = text_analysis_request(actor=analyst, question=question, kind=CAMPAIGNS)
        again = text_analysis_request(actor=other, question=question, kind=CAMPAIGNS)
        assert again.pk == first.pk
        TextAnalysis.objects.filter(pk=first.pk).update(
            state=TextAnalysis.State.RUNNING, started_at=timezone.now()
        )
        assert text_analysis_request(actor=other, question=question, kind=CAMPAIGNS).pk == first.pk
        # The other kind is a run of its own.
        themes = text_analysis_request(actor=other, question=question, kind=SUGGESTIONS)
        assert themes.pk != first.pk
    assert TextAnalysis.objects.count() == 2 and OutboxTask.objects.count() == 2

    # A second delivery of the task (the outbox is at-least-once) leaves a running run alone.
    assert text_analysis_run(analysis_id=first.pk) is None
    assert TextAnalysis.objects.get(pk=first.pk).progress == 0

    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        TextAnalysis.objects.create(question=question, kind=CAMPAIGNS, requested_by=analyst)

    # Once it has finished, asking again starts a new run.
    TextAnalysis.objects.filter(pk=first.pk).update(state=TextAnalysis.State.DONE)
    with django_capture_on_commit_callbacks(execute=False):
        new = text_analysis_request(actor=analyst, question=question, kind=CAMPAIGNS)
    assert new.pk != first.pk


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_taken_over_by_the_next_delivery(question, make_staff):
    analyst = make_staff(ROLE_ANALYST)
    run = TextAnalysis.objects.create(
        question=question,
        kind=CAMPAIGNS,
        state=TextAnalysis.State.RUNNING,
        progress=40,
        requested_by=analyst,
        started_at=timezone.now() - service.STALE_RUNNING - timedelta(minutes=1),
    )
    assert text_analysis_run(analysis_id=run.pk) is not None
    run.refresh_from_db()
    assert run.state == TextAnalysis.State.DONE and run.result["groups"]
    assert text_analysis_run(analysis_id=run.pk) is None  # done: left alone


@pytest.mark.django_db
def test_a_run_left_running_by_a_lost_worker_is_replaced_when_asked_again(
    question, staff_client, django_capture_on_commit_callbacks
):
    # The outbox redelivers a task whose worker died, but the redelivery finds the run
    # "running" and leaves it: without this, no one could ever ask for that kind again.
    client, analyst = staff_client(ROLE_ANALYST)
    lost = TextAnalysis.objects.create(
        question=question,
        kind=CAMPAIGNS,
        state=TextAnalysis.State.RUNNING,
        progress=40,
        requested_by=analyst,
        started_at=timezone.now() - TextAnalysis.STALE_AFTER - timedelta(minutes=1),
    )
    page = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "data-text-analysis-stale" in page and ">Find campaign groups</button>" in page
    with django_capture_on_commit_callbacks(execute=False):
        new = text_analysis_request(actor=analyst, question=question, kind=CAMPAIGNS)
    assert new.pk != lost.pk and new.state == TextAnalysis.State.QUEUED
    lost.refresh_from_db()
    assert lost.state == TextAnalysis.State.FAILED and "stopped without finishing" in lost.error
    assert text_analysis_run(analysis_id=lost.pk) is None  # a late delivery leaves it alone


@pytest.mark.django_db
def test_while_running_the_page_shows_progress_a_refresh_link_and_the_polling_script(
    question, staff_client, no_heavy_code
):
    client, analyst = staff_client(ROLE_ANALYST)
    run = TextAnalysis.objects.create(
        question=question,
        kind=CAMPAIGNS,
        state=TextAnalysis.State.RUNNING,
        progress=45,
        stage="Comparing answers",
        requested_by=analyst,
        started_at=timezone.now(),
    )
    page = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "Finding campaign groups: 45% done (comparing answers)" in page
    assert 'value="45"' in page and "Refresh this page" in page
    assert "analysis-text.js" in page and "Compute again" not in page
    assert "Find campaign groups</button>" not in page  # no second run while one runs

    status = client.get(url("text_campaigns_status", question.pk)).json()
    assert status == {
        "state": "running",
        "state_label": "Running",
        "percent": 45,
        "stage": "Comparing answers",
        "finished": False,
    }
    TextAnalysis.objects.filter(pk=run.pk).update(
        state=TextAnalysis.State.DONE, finished_at=timezone.now()
    )
    assert client.get(url("text_campaigns_status", question.pk)).json()["finished"] is True
    assert client.get(url("text_suggestions_status", question.pk)).json()["finished"] is True


# --- Failure -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_run_says_so_safely_and_can_be_tried_again(question, staff_client, monkeypatch):
    def broken(items, **kwargs):
        raise ValueError(f"cannot hash {items[0][1]}")  # a message quoting an answer

    monkeypatch.setattr("consultation.analysis.text.campaigns.campaign_groups", broken)
    client, _ = staff_client(ROLE_ANALYST)
    client.post(url("text_campaigns_compute", question.pk))
    run = TextAnalysis.objects.get()
    assert run.state == TextAnalysis.State.FAILED and run.finished_at is not None
    assert "ValueError" in run.error and "object" not in run.error and run.result == {}
    page = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "data-text-analysis-failed" in page and "ValueError" in page
    assert "I object" not in page and ">Find campaign groups</button>" in page

    monkeypatch.undo()
    client.post(url("text_campaigns_compute", question.pk))
    assert TextAnalysis.objects.filter(state=TextAnalysis.State.DONE).count() == 1
    page = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "data-text-analysis-failed" not in page  # the newer run succeeded


@pytest.mark.django_db
def test_a_run_asked_by_someone_who_lost_the_role_fails(question, make_staff):
    analyst = make_staff(ROLE_ANALYST)
    run = TextAnalysis.objects.create(question=question, kind=CAMPAIGNS, requested_by=analyst)
    analyst.groups.clear()
    assert text_analysis_run(analysis_id=run.pk) is None
    run.refresh_from_db()
    assert run.state == TextAnalysis.State.FAILED and "no longer permitted" in run.error


# --- Permission ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [ROLE_MANAGER, ROLE_EXPORTER])
def test_only_analysts_may_ask_for_or_watch_a_run(question, make_staff, client, role):
    outsider = make_staff(role)
    with pytest.raises(PermissionDenied):
        text_analysis_request(actor=outsider, question=question, kind=CAMPAIGNS)
    client.force_login(outsider)
    for name in ("text_campaigns_compute", "text_suggestions_compute"):
        assert client.post(url(name, question.pk)).status_code == 404
    for name in ("text_campaigns_status", "text_suggestions_status", "text_campaigns"):
        assert client.get(url(name, question.pk)).status_code == 404
    assert not TextAnalysis.objects.exists()


@pytest.mark.django_db
def test_compute_is_post_only_and_only_for_open_questions(question, staff_client):
    client, _ = staff_client(ROLE_ANALYST)
    assert client.get(url("text_campaigns_compute", question.pk)).status_code == 405
    choice = Question.objects.filter(
        section__survey=question.section.survey, type=Type.SINGLE_CHOICE
    ).first()
    assert client.post(url("text_campaigns_compute", choice.pk)).status_code == 404
    assert client.get(url("text_campaigns_status", choice.pk)).status_code == 404
    assert not TextAnalysis.objects.exists()


# --- The pages stay fast: constant queries, nothing computed ------------------------------------


def _store_groups(question, analyst, count):
    ids = list(
        Answer.objects.filter(question=question).exclude(text="").values_list("pk", flat=True)
    )
    groups = [{"ids": ids[i * 2 : i * 2 + 2], "size": 2} for i in range(count)]
    for kind, result in ((CAMPAIGNS, {"groups": groups}), (SUGGESTIONS, {"suggestions": []})):
        TextAnalysis.objects.create(
            question=question,
            kind=kind,
            state=TextAnalysis.State.DONE,
            requested_by=analyst,
            finished_at=timezone.now(),
            answers_counted=len(ids),
            result=result,
        )


def _queries(client, path, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, data or {}).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_campaign_pages_query_count_does_not_grow_with_answers_or_groups(
    question, staff_client, no_heavy_code, django_assert_max_num_queries
):
    client, analyst = staff_client(ROLE_ANALYST)
    _store_groups(question, analyst, 3)
    campaigns = url("text_campaigns", question.pk)
    answers = url("text_answers", question.pk)
    client.get(campaigns)  # the session's first request loads more (MFA state, caches)
    small = (
        _queries(client, campaigns),
        _queries(client, answers, {"campaign": 1}),
        _queries(client, url("text_suggestions", question.pk)),
    )

    add_answers(question, [f"Answer number {n} about the cameras and data." for n in range(300)])
    TextAnalysis.objects.all().delete()
    _store_groups(question, analyst, 140)  # three pages of groups
    large = (
        _queries(client, campaigns),
        _queries(client, answers, {"campaign": 1}),
        _queries(client, url("text_suggestions", question.pk)),
    )
    assert large == small
    with django_assert_max_num_queries(12):
        page = client.get(campaigns, {"page": 3})
    assert [row["number"] for row in page.context["rows"]][:1] == [101]
    assert len(page.context["rows"]) == 40


# --- The demo ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_shows_campaign_groups_and_suggestions_computed_when_seeded(staff_client):
    import io

    from demo import analysis as analysis_demo
    from demo import surveys as surveys_demo

    surveys_demo.seed(stdout=io.StringIO())
    analysis_demo.seed(stdout=io.StringIO())
    runs = TextAnalysis.objects.order_by("kind")
    assert [(r.kind, r.state) for r in runs] == [("campaigns", "done"), ("suggestions", "done")]
    analysis_demo.seed(stdout=io.StringIO())  # again: nothing new
    assert TextAnalysis.objects.count() == 2

    client, _ = staff_client(ROLE_ANALYST)
    question = runs[0].question
    campaigns = client.get(url("text_campaigns", question.pk)).content.decode()
    assert "Computed at" in campaigns and "data-campaign-summary" in campaigns
    suggestions = client.get(url("text_suggestions", question.pk))
    assert suggestions.context["suggestions"]
