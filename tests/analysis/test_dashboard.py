"""The analysis dashboard: totals, per-day and per-channel counts, question charts, cross-tabs."""

from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation.surveys.models import Answer, AnswerChoice, Question, Response
from talklondon.permissions import ROLE_ANALYST
from tests.analysis.surveydata import Type, questions_by_type, survey_with_responses
from tests.factories import OptionFactory, QuestionFactory


def dashboard(client, survey, **params):
    return client.get(reverse("analysis_staff:survey_dashboard", args=[survey.pk]), params)


@pytest.mark.django_db
def test_dashboard_totals_channels_days_and_question_counts_match_the_database(staff_client):
    survey = survey_with_responses(count=60)
    Response.objects.filter(pk=Response.objects.filter(survey=survey).first().pk).update(
        status="draft", submitted_at=None
    )
    client, _ = staff_client(ROLE_ANALYST)
    page = dashboard(client, survey)
    assert page.status_code == 200
    submitted = Response.objects.filter(survey=survey, status="submitted")
    assert page.context["total"] == submitted.count() == 59
    channels = Counter(submitted.values_list("channel", flat=True))
    assert {v: n for v, _, n in page.context["by_channel"]} == {
        v: channels.get(v, 0) for v in Response.Channel.values
    }
    assert sum(d["n"] for d in page.context["per_day"]) == 59
    html = page.content.decode()
    assert " style=" not in html  # the CSP forbids inline styles: bars are SVG attributes
    assert '<svg class="tl-columns"' in html and '<svg class="tl-bar"' in html

    structure, by_type = questions_by_type(survey)
    agreement = by_type[Type.AGREEMENT][0]
    result = next(r for r in page.context["questions"] if r.question.pk == agreement.pk)
    counts = Counter(
        Answer.objects.filter(question=agreement, response__in=submitted).values_list(
            "scale_point", flat=True
        )
    )
    shown = {row.label: row.count for row in result.rows}
    assert shown["Agree"] == counts.get(4, 0) and shown["Strongly agree"] == counts.get(5, 0)
    assert sum(shown.values()) == result.answered
    multiple = by_type[Type.MULTIPLE_CHOICE][0]
    result = next(r for r in page.context["questions"] if r.question.pk == multiple.pk)
    picks = Counter(
        AnswerChoice.objects.filter(
            answer__question=multiple, answer__response__in=submitted
        ).values_list("option__label", flat=True)
    )
    assert {row.label: row.count for row in result.rows} == {
        o.label: picks.get(o.label, 0) for o in structure.options_by_question[multiple.pk]
    }
    assert f"{result.rows[0].percent}%" in html

    paper = dashboard(client, survey, channel="paper")
    assert paper.context["total"] == channels.get("paper", 0)


def expected_crosstab(survey, question, group_of):
    """{(group, value): count} computed response by response in Python."""
    counts = Counter()
    for response in Response.objects.filter(survey=survey, status="submitted"):
        answers = {a.question_id: a for a in response.answers.all()}
        answer = answers.get(question.pk)
        group = group_of(response, answers)
        if answer is None or group is None:
            continue
        groups = group if isinstance(group, list) else [group]
        if question.type == Type.MULTIPLE_CHOICE:
            values = [c.option_id for c in answer.choices.all()]
        elif question.type == Type.AGREEMENT:
            values = [answer.scale_point]
        elif question.type == Type.YES_NO:
            values = [answer.boolean]
        else:
            values = [answer.option_id]
        for g in groups:
            for v in values:
                counts[(g, v)] += 1
    return dict(counts)


@pytest.mark.django_db
def test_cross_tabulations_by_borough_channel_and_another_question(staff_client):
    survey = survey_with_responses(count=80)
    structure, by_type = questions_by_type(survey)
    retention = by_type[Type.SINGLE_CHOICE][0]
    heard = by_type[Type.MULTIPLE_CHOICE][0]
    agreement = by_type[Type.AGREEMENT][0]
    borough = by_type[Type.BOROUGH][0]
    client, _ = staff_client(ROLE_ANALYST)

    def shown(question, by):
        page = dashboard(client, survey, question=question.pk, by=by)
        assert page.status_code == 200
        table = page.context["crosstab"]
        assert table is not None, page.context["form"].errors
        return {k: v for k, v in table.counts.items() if v}, table

    counts, table = shown(retention, "borough")
    assert counts == expected_crosstab(
        survey,
        retention,
        lambda r, a: a[borough.pk].text if borough.pk in a else None,
    )
    # Each row's respondents and percentages add up for a single-choice question.
    for row in table.table:
        assert sum(count for count, _ in row["cells"]) == row["total"]

    counts, _ = shown(retention, "channel")
    assert counts == expected_crosstab(survey, retention, lambda r, a: r.channel)

    counts, table = shown(heard, f"q{agreement.pk}")
    assert counts == expected_crosstab(
        survey, heard, lambda r, a: a[agreement.pk].scale_point if agreement.pk in a else None
    )
    counts, _ = shown(agreement, f"q{heard.pk}")
    assert counts == expected_crosstab(
        survey,
        agreement,
        lambda r, a: [c.option_id for c in a[heard.pk].choices.all()] if heard.pk in a else None,
    )
    page = dashboard(client, survey, question=retention.pk, by="borough")
    assert "data-crosstab" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"question": "abc", "by": "borough"},
        {"question": "", "by": ""},
        {"question": "1", "by": "q999999"},
    ],
)
def test_bad_cross_tab_input_gives_form_errors(staff_client, params):
    survey = survey_with_responses(count=3)
    client, _ = staff_client(ROLE_ANALYST)
    page = dashboard(client, survey, **params)
    assert page.status_code == 200
    assert "govuk-error-summary" in page.content.decode()
    assert page.context["crosstab"] is None


@pytest.mark.django_db
def test_cross_tab_by_the_same_question_is_refused(staff_client):
    survey = survey_with_responses(count=3)
    _, by_type = questions_by_type(survey)
    question = by_type[Type.SINGLE_CHOICE][0]
    client, _ = staff_client(ROLE_ANALYST)
    page = dashboard(client, survey, question=question.pk, by=f"q{question.pk}")
    assert "Choose a different question" in page.content.decode()


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_questions_or_responses(staff_client):
    survey = survey_with_responses(count=10)
    client, _ = staff_client(ROLE_ANALYST)
    dashboard(client, survey)  # warm up sessions and caches

    def queries():
        # Counted afresh each time: the figures are cached (see the test below).
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert dashboard(client, survey).status_code == 200
        return len(captured)

    before = queries()
    survey_more = survey_with_responses(count=40)
    section = survey_more.sections.first()
    for _ in range(6):
        question = QuestionFactory(section=section, type=Question.Type.SINGLE_CHOICE)
        for _ in range(4):
            OptionFactory(question=question)
    survey = survey_more
    assert queries() == before


@pytest.mark.django_db
def test_figures_are_read_once_until_a_response_changes_them(staff_client):
    """At 100,000 responses the dashboard's counts took 1.4 s and its cross-tabs 2 s (bench/
    staff_pages.py). They are kept under a fingerprint of the submitted responses: a second
    view reads no answers, and a new response is in the very next view: with eager Celery, as
    here, the refresh it asks for counts inside that view (with a worker, the view shows the
    earlier figures meanwhile: test_figures_freshness.py)."""
    survey = survey_with_responses(count=12)
    _, by_type = questions_by_type(survey)
    question = by_type[Type.SINGLE_CHOICE][0]
    client, _ = staff_client(ROLE_ANALYST)

    def view():
        with CaptureQueriesContext(connection) as captured:
            page = dashboard(client, survey, question=question.pk, by="channel")
        assert page.status_code == 200
        answer_reads = [q for q in captured if "surveys_answer" in q["sql"]]
        return page, answer_reads

    first, reads = view()
    assert reads, "the first view counts the answers"
    again, reads = view()
    assert reads == []
    assert again.context["total"] == first.context["total"] == 12
    assert again.context["crosstab"].answered == first.context["crosstab"].answered

    Response.objects.create(
        survey=survey, status=Response.Status.SUBMITTED, submitted_at=timezone.now()
    )
    after, reads = view()
    assert reads, "a new response is counted"
    assert after.context["total"] == 13
