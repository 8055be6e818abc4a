"""Every staff URL, enumerated from the resolver, with data behind each kind of id.

staff_routes()        (route, "namespace:name", parameter names) under /staff/
staff_data(roles)     creates the data and returns the ids to fill routes with, by namespace
staff_urls(ids)       {"namespace:name": "/staff/..."}; fails naming any parameter it cannot fill
"""

import datetime as dt
import re

from django.utils import timezone

from anpr_info.models import ApiKey, QuarantinedBatch, Release, Source
from consultation.analysis.models import ExportRecord
from consultation.analysis.services.themes import theme_create
from consultation.surveys import services as survey_services
from consultation.surveys.models import Question, Response
from talklondon import permissions
from tests import factories
from tests.browser.scenario import anpr_consultation, anpr_statistics, staff_create
from tests.url_patterns import every_url_pattern

MISSING = 999_999  # for an object the data has none of: the page answers 404


def staff_routes() -> list[tuple[str, str, list[str]]]:
    """(route, namespace:name, parameter names) of every URL pattern under /staff/, named with
    its full namespace path as reverse() takes it (tests/url_patterns.py)."""
    return [
        (route, name, re.findall(r"<(?:\w+:)?(\w+)>", route))
        for name, route, _pattern in every_url_pattern()
        if route.startswith("staff/")
    ]


def fill(route: str, values: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def staff_data(roles: dict) -> dict:
    """Something behind every kind of staff URL, and the ids to reach it by namespace."""
    scene = anpr_consultation()
    anpr_statistics()
    survey = scene.survey
    manager = roles[permissions.ROLE_MANAGER]
    analyst = roles[permissions.ROLE_ANALYST]
    long_text = Question.objects.filter(section__survey=survey, type="long_text").first()
    choice = Question.objects.filter(section__survey=survey, type="single_choice").first()
    answers = {choice.pk: {"option": choice.options.first().pk, "text": ""}}
    online = survey_services.survey_response_enter(
        survey=survey, actor=manager, channel="email", channel_reference="Inbox 4",
        respondent_name="Amara Okafor", answers=answers, token="one",
    )  # fmt: skip
    paper = survey_services.survey_response_enter(
        survey=survey, actor=manager, channel="paper", channel_reference="Box 1",
        respondent_name="Amara Okafor", answers=answers, token="two",
    )  # fmt: skip
    Response.objects.filter(pk=paper.pk).update(likely_duplicate_of=online)
    theme = theme_create(
        actor=analyst, dataset_key="survey-answers", question_key=str(long_text.pk), name="Privacy"
    )
    export = ExportRecord.objects.create(
        requested_by=analyst,
        dataset_key="participant-profiles",
        dataset_title="Participant profiles",
        file_format="csv",
        delivery="stream",
        status="failed",
        error="The database was unavailable.",
        finished_at=timezone.now(),
    )
    # A draft revision of a published month, so the release page shows its diff.
    revision = Release.objects.create(
        period="2025-03",
        version=2,
        announced_at=timezone.now() + dt.timedelta(days=2),
        notes="Corrected counts.",
        created_by=roles[permissions.ROLE_PUBLISHER],
    )
    section = survey.sections.order_by("position").first()
    # The statements activity's workspace, with one statement waiting for moderation.
    activity = factories.StatementsActivityFactory(consultation=scene.consultation)
    statement = factories.StatementFactory(activity=activity, status="pending", published_at=None)
    common = {
        "pk": MISSING,
        "consultation_id": scene.consultation.pk,
        "survey_id": survey.pk,
        "section_id": section.pk,
        "question_id": choice.pk,
        "option_id": choice.options.first().pk,
        "response_id": paper.pk,
        "page_id": scene.proposal.pk,
        "comment_id": scene.comments[0].pk,
        "user_id": scene.residents[0].pk,
        "attachment_id": MISSING,
        "theme_id": theme.pk,
        "source_id": Source.objects.first().pk,
        "key_id": ApiKey.objects.first().pk,
        "batch_id": getattr(QuarantinedBatch.objects.first(), "pk", MISSING),
        "action": "prepare",
        "statement_id": statement.pk,
        "answer_id": MISSING,  # no answer is waiting for review
        "version": 1,
    }
    return {
        None: common,
        "consultation_staff": {**common, "pk": scene.consultation.pk},
        "anpr_staff": {**common, "pk": revision.pk},
        "analysis_staff": {**common, "pk": export.pk, "question_id": long_text.pk},
    }


def staff_roles() -> dict:
    """One signed-up staff member per role, with TOTP set up (password: scenario.PASSWORD)."""
    return {
        role: staff_create(f"role{n}@example.org", f"Staff {n}", role)
        for n, role in enumerate(permissions.STAFF_ROLES)
    }


def staff_urls(ids: dict) -> dict[str, str]:
    urls = {}
    for route, name, params in staff_routes():
        values = ids.get(name.split(":")[0], ids[None])
        unknown = [p for p in params if p not in values]
        assert not unknown, f"no value for {unknown} in {route} ({name}): add it to staff_data()"
        urls[name] = fill(route, values)
    return urls
