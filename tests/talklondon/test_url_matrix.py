"""Every URL the site answers, for every kind of person: the role x URL matrix and the POST sweep.

The URLs come from Django's resolver, so a new URL is covered by itself: until its rule is
declared below the matrix fails, naming it. To declare a rule, add the URL's name to RULES
(exact names win over prefixes ending in ":" or "_"):

- PUBLIC            anyone; never a server error.
- SIGNED_IN         anonymous people are sent to sign in; anyone signed in may use it.
- staff(*roles)     only these staff roles (and superusers), in a session that passed MFA;
                    everyone else gets 404 (or, on /staff/, is sent to sign in or to give the
                    second factor), never the page. POSTs by them change nothing.
- ALLAUTH / ADMIN   allauth's own pages and the Django admin (superusers with MFA only).

Path parameters are filled from PARAMS with real objects, including objects that belong to
someone else and comments in every state; the text of held and removed comments must never
reach anyone but moderators. If your URL takes a new kind of id, add it to PARAMS.

Public consultation routes are also requested with a draft consultation and a draft proposal
page (and the comments, documents and statements under them): everyone gets 404, and no public
page names the draft.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from anpr_info import registry
from anpr_info.services import releases as release_services
from anpr_info.services.sources import api_key_create, source_create
from consultation.analysis.models import ExportRecord, Theme
from consultation.models import Attachment, Comment, ParticipantBlock
from consultation.surveys.models import Answer, Option, Question, Response, Section
from talklondon import permissions as p
from talklondon.models import User
from tests import factories
from tests.analysis.surveydata import survey_with_responses
from tests.talklondon.helpers import force_login_without_mfa
from tests.url_patterns import every_url_pattern

HELD_MARKER = "HELD-TEXT-NAMING-AB12CDE"
DRAFT_MARKER = "DRAFT-NOT-YET-PUBLISHED"
# Public routes that read a consultation or its pages: drafts must be "not found" on them.
DRAFT_CHECKED = ("consultation:", "statements:")
# An id that names nothing (for objects the world does not build): everyone gets 404.
MISSING_ID = 999999

ANONYMOUS = "anonymous"
UNVERIFIED = "unverified"
RESIDENT = "resident"
BLOCKED = "blocked resident"
NO_MFA = "staff without MFA in this session"
SUPERUSER = "superuser"
PEOPLE = [ANONYMOUS, UNVERIFIED, RESIDENT, BLOCKED, NO_MFA, *p.STAFF_ROLES, SUPERUSER]
# Who may read held and removed comment text (on the moderator's desk).
MAY_READ_HELD = {p.ROLE_MODERATOR, SUPERUSER}


@dataclass(frozen=True)
class Rule:
    kind: str
    roles: frozenset = field(default_factory=frozenset)


PUBLIC = Rule("public")
SIGNED_IN = Rule("signed-in")
ALLAUTH = Rule("allauth")
ADMIN = Rule("admin")


def staff(*roles: str) -> Rule:
    return Rule("staff", frozenset(roles) | {SUPERUSER})


MANAGER = staff(p.ROLE_MANAGER)
MODERATOR = staff(p.ROLE_MODERATOR)
ANALYST = staff(p.ROLE_ANALYST)
PUBLISHER = staff(p.ROLE_PUBLISHER)
EXPORTS = staff(p.ROLE_ANALYST, p.ROLE_EXPORTER)

RULES: dict[str, Rule] = {
    # Prefixes
    "account_": ALLAUTH,
    "mfa_": ALLAUTH,
    "admin:": ADMIN,
    "consultation:": PUBLIC,
    "surveys:": PUBLIC,
    "anpr_info:": PUBLIC,
    "anpr_api:": PUBLIC,
    # A release's data package and the tidy CSVs it names (issue 15): open data, like its pages.
    "anpr_info:chart_datapackage": PUBLIC,
    "anpr_info:release_datapackage": PUBLIC,
    "anpr_info:release_table_csv": PUBLIC,
    # The world's results are not published yet: a preview for these roles, 404 for others.
    "results:": staff(p.ROLE_ANALYST, p.ROLE_MANAGER),
    # The link in a results email: the signed token is the only credential.
    "results:unsubscribe": PUBLIC,
    "consultation_staff:": MANAGER,  # including publishing and previewing drafts
    "surveys_staff:": MANAGER,
    "anpr_staff:": PUBLISHER,
    "analysis_staff:": ANALYST,
    # Exact names
    "home": PUBLIC,
    "privacy": PUBLIC,
    "accessibility": PUBLIC,
    "cookies": PUBLIC,
    "house_rules": PUBLIC,
    "contact": PUBLIC,
    "profile": SIGNED_IN,
    "account_data": SIGNED_IN,
    "account_data_download": SIGNED_IN,
    "account_delete": SIGNED_IN,
    "staff:home": staff(*p.STAFF_ROLES),
    "consultation_staff:moderation": MODERATOR,
    "consultation_staff:moderation_bulk": MODERATOR,
    "consultation_staff:moderation_audit": MODERATOR,
    "consultation_staff:moderation_comment": MODERATOR,
    "consultation_staff:moderation_approve": MODERATOR,
    "consultation_staff:moderation_reject": MODERATOR,
    "consultation_staff:moderation_redact": MODERATOR,
    "consultation_staff:participant_block": MODERATOR,
    "surveys_staff:list": staff(p.ROLE_MANAGER, p.ROLE_ANALYST),
    "surveys_staff:results": ANALYST,
    # Analysts read a response; managers (who enter paper responses) also see names and scans.
    "surveys_staff:response": staff(p.ROLE_MANAGER, p.ROLE_ANALYST),
    "analysis_staff:index": staff(p.ROLE_ANALYST, p.ROLE_EXPORTER, p.ROLE_MANAGER),
    "analysis_staff:results_edit": MANAGER,
    "analysis_staff:results_publish": MANAGER,
    "analysis_staff:results_unpublish": MANAGER,
    "analysis_staff:results_revise": MANAGER,
    "analysis_staff:results_revision_publish": MANAGER,
    "analysis_staff:oversight": staff(p.ROLE_DPO),
    # Campaign groups and theme suggestions computed by a task (issue 16 item 9): analysts ask
    # for a run and watch its progress.
    "analysis_staff:text_campaigns_compute": ANALYST,
    "analysis_staff:text_campaigns_status": ANALYST,
    "analysis_staff:text_suggestions_compute": ANALYST,
    "analysis_staff:text_suggestions_status": ANALYST,
    "analysis_staff:export_list": EXPORTS,
    "analysis_staff:export_create": EXPORTS,
    "analysis_staff:export_detail": EXPORTS,
    "analysis_staff:export_status": EXPORTS,
    "analysis_staff:export_download": EXPORTS,
    "analysis_staff:export_manifest": EXPORTS,
    # Statements (issue 18), declared ahead of the merge.
    "statements:": PUBLIC,
    "statements_staff:": staff(p.ROLE_MANAGER, p.ROLE_MODERATOR, p.ROLE_ANALYST),
    "statements_staff:activity_edit": MANAGER,
    "statements_staff:seed": MANAGER,
    "statements_staff:common_ground": MANAGER,
    "statements_staff:vote_matrix": ANALYST,
    "statements_staff:approve": MODERATOR,
    "statements_staff:reject": MODERATOR,
}


# Not requested: signing out ends the session under test; the admin's autocomplete is Django's
# own JSON endpoint for its widgets and needs their parameters (it is still superuser-only).
NOT_REQUESTED = {"account_logout", "admin:autocomplete"}


def rule_for(name: str | None) -> Rule | None:
    if name in RULES:
        return RULES[name]
    prefixes = [key for key in RULES if key.endswith((":", "_")) and (name or "").startswith(key)]
    return RULES[max(prefixes, key=len)] if prefixes else None


# --- The world: objects in every state, most of them someone else's ---------------------------


@pytest.fixture
def world(db, make_staff):
    now = timezone.now()
    author = factories.UserFactory()
    page = factories.ProposalPageFactory()
    published = factories.CommentFactory(page=page, author=author)
    held = factories.CommentFactory(
        page=page, author=author, status=Comment.Status.PENDING, body=HELD_MARKER
    )
    removed = factories.CommentFactory(
        page=page,
        author=author,
        status=Comment.Status.REMOVED,
        removal_reason="2",
        body=HELD_MARKER,
    )
    attachment = Attachment.objects.create(
        page=page, title="Plan", file="consultation/attachments/x.pdf", size_bytes=1
    )
    survey = survey_with_responses(count=3, closed=True)
    section = Section.objects.filter(survey=survey).first()
    question = Question.objects.filter(section__survey=survey, type=Question.Type.LONG_TEXT).first()
    option = Option.objects.filter(question__section__survey=survey).first()
    response = Response.objects.filter(survey=survey).first()
    answer = Answer.objects.filter(question=question).first()
    activity = factories.StatementsActivityFactory(consultation=survey.consultation)
    statement = factories.StatementFactory(activity=activity, status="pending", published_at=None)
    theme = Theme.objects.create(
        dataset_key="survey-answers",
        question_key=str(question.pk),
        name="Cost",
        created_by=author,
    )
    publisher = make_staff(p.ROLE_PUBLISHER)
    # Someone else's finished export: only its requester may see it, so everyone gets 404.
    others_export = ExportRecord.objects.create(
        requested_by=make_staff(p.ROLE_ANALYST),
        dataset_key="participant-profiles",
        dataset_title="Participant profiles",
        file_format=ExportRecord.Format.CSV,
        delivery=ExportRecord.Delivery.BACKGROUND,
        status=ExportRecord.Status.READY,
    )
    source = source_create(name="Back end")
    key_record, _key = api_key_create(source=source)
    release = release_services.release_announce(
        period=(now - timedelta(days=62)).strftime("%Y-%m"),
        announced_at=now + timedelta(days=3),
        actor=publisher,
    )
    values = {
        "pk": page.consultation.pk,
        "page_id": page.pk,
        "attachment_id": attachment.pk,
        "comment_id": held.pk,
        "user_id": author.pk,
        "survey_id": survey.pk,
        "section_id": section.pk,
        "question_id": question.pk,
        "option_id": option.pk,
        "response_id": response.pk,
        "theme_id": theme.pk,
        "consultation_id": survey.consultation.pk,
        "slug": survey.consultation.slug,
        "page_slug": page.slug,
        "number": 1,
        "source_id": source.pk,
        "key_id": key_record.pk,
        "batch_id": MISSING_ID,
        "action": "approve",
        "token": "not-a-token",
        "code": next(iter(registry.MEASURES)),
        "measure": next(iter(registry.MEASURES)),
        "table": "x",
        "period": "2025-01",
        "dataset": "x",
        "statement_id": statement.pk,
        "answer_id": answer.pk if answer else MISSING_ID,
        "version": 1,
        # Django admin
        "object_id": author.pk,
        "id": author.pk,
        "content_type_id": ContentType.objects.get_for_model(User).pk,
    }
    # Where a name means a different object on a different route.
    per_route = {
        "surveys_staff:response_scan": {"response_id": MISSING_ID},  # the world has no scans
        "anpr_staff:release": {"pk": release.pk},
        "anpr_staff:release_action": {"pk": release.pk},
        "analysis_staff:export_detail": {"pk": others_export.pk},
        "analysis_staff:export_status": {"pk": others_export.pk},
        "analysis_staff:export_download": {"pk": others_export.pk},
        "analysis_staff:export_manifest": {"pk": others_export.pk},
        "consultation:detail": {"slug": page.consultation.slug},
        "consultation:page": {"slug": page.consultation.slug},
        "surveys:start": {"slug": survey.slug},
        "surveys:begin": {"slug": survey.slug},
        "surveys:section": {"slug": survey.slug},
        "surveys:check": {"slug": survey.slug},
        "surveys:confirmation": {"slug": survey.slug},
        "surveys:my_response": {"slug": survey.slug},
    }
    extra_comments = {"published": published.pk, "removed": removed.pk}
    return {
        "values": values,
        "per_route": per_route,
        "comments": extra_comments,
        "nobodys": NOBODYS_ROUTES,
        "drafts": _drafts(page),
    }


def _drafts(published_page) -> dict[str, dict]:
    """Path parameters naming drafts: a draft consultation (with a published page, comment,
    document and statement of its own) and a draft page of a published consultation."""
    consultation = factories.ConsultationFactory(title=DRAFT_MARKER, published_at=None)
    in_draft = factories.ProposalPageFactory(consultation=consultation, title=DRAFT_MARKER)
    activity = factories.StatementsActivityFactory(consultation=consultation)
    draft_page = factories.ProposalPageFactory(
        consultation=published_page.consultation, title=DRAFT_MARKER, published_at=None
    )
    drafts = {}
    for state, page in (("draft consultation", in_draft), ("draft page", draft_page)):
        drafts[state] = {
            "slug": page.consultation.slug,
            "page_slug": page.slug,
            "comment_id": factories.CommentFactory(page=page).pk,
            "attachment_id": Attachment.objects.create(
                page=page, title="Plan", file="consultation/attachments/d.pdf", size_bytes=1
            ).pk,
        }
    drafts["draft consultation"]["statement_id"] = factories.StatementFactory(
        activity=activity, text=DRAFT_MARKER
    ).pk
    return drafts


def _hidden(response) -> bool:
    """Not found, or (for a route that asks people to sign in first) sent to sign in."""
    if response.status_code == 302:
        return response["Location"].startswith(SIGN_IN_STEPS)
    return response.status_code in (404, 405)


def url_for(world, name, route, pattern, extra=None) -> str | None:
    """The URL with real objects in it, or None if it cannot be built (regex admin routes)."""
    from django.urls import NoReverseMatch, reverse

    if name is None:
        return None
    params = {**world["values"], **world["per_route"].get(name, {}), **(extra or {})}
    kwargs = {key: params[key] for key in pattern.pattern.converters}
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def person(kind: str, make_staff) -> Client:
    client = Client()
    if kind == ANONYMOUS:
        return client
    if kind == UNVERIFIED:
        client.force_login(factories.UserFactory(verified=False))
    elif kind == RESIDENT:
        client.force_login(factories.UserFactory())
    elif kind == BLOCKED:
        user = factories.UserFactory()
        moderator = make_staff(p.ROLE_MODERATOR)
        ParticipantBlock.objects.create(user=user, blocked_by=moderator, reason="Abuse")
        client.force_login(user)
    elif kind == NO_MFA:
        # Every role at once: not one of them may open anything without MFA in the session.
        user = make_staff(p.ROLE_MODERATOR)
        user.groups.add(*Group.objects.filter(name__in=p.STAFF_ROLES))
        force_login_without_mfa(client, user)
    elif kind == SUPERUSER:
        user = factories.UserFactory(is_superuser=True, is_staff=True)
        factories.totp_add(user)
        client.force_login(user)
    else:
        client.force_login(make_staff(kind))
    return client


def test_every_url_has_a_declared_rule():
    missing = sorted(
        {route for name, route, _ in every_url_pattern() if name and rule_for(name) is None}
    )
    assert not missing, f"Declare a rule in RULES for: {missing}"


# Routes the world fills with an object that is nobody's to see (someone else's export): the
# role holders get 404 like everyone else.
NOBODYS_ROUTES = {
    "analysis_staff:export_detail",
    "analysis_staff:export_status",
    "analysis_staff:export_download",
    "analysis_staff:export_manifest",
}


# Where people who may not see a staff page are sent instead: to sign in, or to give the
# second factor (set it up, or enter a code).
SIGN_IN_STEPS = ("/accounts/login/", "/accounts/2fa/")


def _problems_for(kind, rule, url, response, *, nobodys: bool = False) -> list[str]:
    status = response.status_code
    problems = []
    if status >= 500:
        problems.append(f"{status} server error")
    if rule.kind == "signed-in" and kind == ANONYMOUS and status != 302:
        problems.append(f"{status}: anonymous people should be sent to sign in")
    denied = rule.kind == "staff" and kind not in rule.roles
    if denied and status not in (302, 404, 405):
        problems.append(f"{status}: should be not found (or sent to sign in)")
    if denied and status == 302 and not response["Location"].startswith(SIGN_IN_STEPS):
        problems.append(f"302 to {response['Location']}: should be sent to sign in")
    if nobodys and status not in (302, 404, 405):
        problems.append(f"{status}: someone else's object was shown")
    refused = status == 403 or (status == 404 and f"/{MISSING_ID}/" not in url and not nobodys)
    if rule.kind == "staff" and kind in rule.roles and refused:
        problems.append(f"{status}: a holder of the role is refused")
    if rule.kind == "admin" and kind != SUPERUSER and status == 200:
        problems.append("the Django admin opened for a non-superuser")
    if kind not in MAY_READ_HELD and HELD_MARKER.encode() in getattr(response, "content", b""):
        problems.append("held or removed comment text leaked")
    if rule.kind == "public" and DRAFT_MARKER.encode() in getattr(response, "content", b""):
        problems.append("a draft consultation or page was shown")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PEOPLE)
def test_role_by_url_matrix(world, make_staff, kind):
    client = person(kind, make_staff)
    problems = []
    for name, route, pattern in every_url_pattern():
        rule = rule_for(name)
        url = url_for(world, name, route, pattern)
        if rule is None or url is None or name in NOT_REQUESTED:
            continue
        response = client.get(url)
        problems += [
            f"GET {url} ({name}): {problem}"
            for problem in _problems_for(
                kind, rule, url, response, nobodys=name in world["nobodys"]
            )
        ]
        if name.startswith("consultation:comment_"):
            for state, comment_id in world["comments"].items():
                other = url.replace(f"/{world['values']['comment_id']}/", f"/{comment_id}/")
                response = client.get(other)
                problems += [
                    f"GET {other} ({state} comment): {problem}"
                    for problem in _problems_for(kind, rule, other, response)
                ]
        if rule.kind == "public" and name.startswith(DRAFT_CHECKED):
            for state, params in world["drafts"].items():
                draft_url = url_for(world, name, route, pattern, params)
                if draft_url == url:
                    continue  # the route takes none of the draft's ids
                response = client.get(draft_url)
                if not _hidden(response):
                    problems.append(f"GET {draft_url} ({state}): {response.status_code}, not 404")
    assert not problems, "\n".join(problems)


# --- The POST sweep: people who may not use a staff URL change nothing by posting to it --------

PLAUSIBLE = {
    "reason": "Persistent abuse of other people",
    "text": "Replacement text",
    "body": "Some text",
    "name": "A name",
    "title": "A title",
    "summary": "A summary",
    "action": "approve",
    "comment_ids": "1",
    "purpose": "Checking something for a good reason here",
    "kind": "anonymised",
    "file_format": "csv",
    "rotate": "1",
    "period": "2025-01",
    "announced_at": "2030-01-01 09:00",
    "content_sha256": "0" * 64,
}


def _row_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.label] = model._default_manager.count()
    return counts


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [ANONYMOUS, RESIDENT, BLOCKED, NO_MFA, *p.STAFF_ROLES])
def test_post_sweep_changes_nothing(world, make_staff, kind):
    client = person(kind, make_staff)
    client.handler.enforce_csrf_checks = True
    client.get("/")  # a CSRF cookie, as a browser would have
    problems = []
    groups_before = {g.name: g.user_set.count() for g in Group.objects.all()}
    for name, route, pattern in every_url_pattern():
        rule = rule_for(name)
        url = url_for(world, name, route, pattern)
        if rule is None or rule.kind != "staff" or url is None or kind in rule.roles:
            continue
        token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
        before = _row_counts()
        response = client.post(url, {**PLAUSIBLE, "csrfmiddlewaretoken": token})
        if response.status_code == 200 or response.status_code >= 500:
            problems.append(f"POST {url}: {response.status_code}")
        if _row_counts() != before:
            problems.append(f"POST {url}: the database changed")
    assert {g.name: g.user_set.count() for g in Group.objects.all()} == groups_before
    assert not problems, "\n".join(problems)
