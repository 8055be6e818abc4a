"""Regression tests for the personal-data defects of issue 14: each failed before its fix.

The walk-through: a resident comments with a number plate and an email address, a moderator
redacts, the resident answers the survey with a plate and their email in free text, deletes
their account; years later the retention job runs.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultation.analysis.exports.datasets import ExportFilters, dataset_get
from consultation.analysis.exports.surveys import survey_dataset_key
from consultation.models import Comment, CommentVersion, ModerationAction
from consultation.services import moderation
from consultation.surveys.models import Answer, Question, ResponseVersion
from consultation.surveys.services.responses import survey_response_start, survey_response_submit
from talklondon import services
from talklondon.permissions import ROLE_MODERATOR
from tests import factories

pytestmark = pytest.mark.django_db

PLATE = "AB12 CDE"
EMAIL = "jo.bloggs@example.org"


def _free_text_survey():
    survey = factories.SurveyFactory()
    section = factories.SectionFactory(survey=survey)
    question = factories.QuestionFactory(
        section=section, type=Question.Type.LONG_TEXT, required=False
    )
    return survey, question


def _answer(survey, question, user, text, token):
    response = survey_response_start(survey=survey, actor=user)
    return survey_response_submit(
        response=response, actor=user, token=token, changes={question.pk: {"text": text}}
    )


def _export_text(survey) -> str:
    dataset = dataset_get(survey_dataset_key(survey.pk))
    return json.dumps([list(map(str, row)) for row in dataset.rows(ExportFilters())])


def test_deleting_an_account_blanks_survey_free_text_in_answers_versions_and_export(participant):
    survey, question = _free_text_survey()
    _answer(survey, question, participant, f"My car {PLATE} was logged. Mail {EMAIL}", "t1")
    _answer(survey, question, participant, f"Changed: still {PLATE}, {EMAIL}", "t2")
    assert ResponseVersion.objects.count() == 2

    services.account_erase(user=participant, remove_content=False)

    stored = [a.text for a in Answer.objects.all()] + [
        json.dumps(v.answers) for v in ResponseVersion.objects.all()
    ]
    for value in stored + [_export_text(survey)]:
        assert "AB12" not in value and "jo.bloggs" not in value, value
    # The response still counts, anonymously.
    assert Answer.objects.count() == 1


def _redacted_comment(moderator_user):
    comment = factories.CommentFactory(
        body=f"The car {PLATE} belongs to {EMAIL}", status=Comment.Status.PENDING
    )
    moderation.comment_redact(
        actor=moderator_user, comment=comment, text="The car [removed] belongs to [removed]"
    )
    return comment


def _everything_about(action: ModerationAction) -> str:
    row = ModerationAction.objects.filter(pk=action.pk).values().get()
    return json.dumps(row, default=str)


def test_audit_trail_keeps_no_redacted_text_in_clear_and_forgets_it_on_erasure(client, make_staff):
    moderator_user = make_staff(ROLE_MODERATOR)
    comment = _redacted_comment(moderator_user)
    action = ModerationAction.objects.get(kind="redact")
    author = comment.author

    # Not in the table in clear, not in comment history, not on the audit page.
    assert "AB12" not in _everything_about(action)
    assert all("AB12" not in v.body for v in CommentVersion.objects.all())
    client.force_login(moderator_user)
    page = client.get(reverse("consultation_staff:moderation_audit")).content.decode()
    assert "AB12" not in page and "jo.bloggs" not in page
    assert "The car [removed]" in page
    # The personal-data exporter can still account for the redaction while the person exists.
    identified = dataset_get("moderation-log", identified=True)
    assert "AB12" in json.dumps(list(identified.rows(ExportFilters())), default=str)

    services.account_erase(user=author, remove_content=False)

    for identified_variant in (False, True):
        log = dataset_get("moderation-log", identified=identified_variant)
        rows = json.dumps(list(log.rows(ExportFilters())), default=str)
        assert "AB12" not in rows and "jo.bloggs" not in rows
    # Still append-only, and still says who did what under which rule.
    action = ModerationAction.objects.get(pk=action.pk)
    assert (action.actor_id, action.kind, action.reason_code) == (moderator_user.pk, "redact", "2")


@pytest.mark.parametrize(
    "text",
    [
        "The car ab12cde belongs to [removed]",
        "The car [removed] belongs to jo@example.org",
        "The car [removed] belongs to 07700 900123",
    ],
)
def test_a_redaction_that_still_holds_personal_data_is_refused(make_staff, text):
    moderator_user = make_staff(ROLE_MODERATOR)
    comment = factories.CommentFactory(body=f"The car {PLATE} belongs to {EMAIL}")
    with pytest.raises(ValidationError) as refused:
        moderation.comment_redact(actor=moderator_user, comment=comment, text=text)
    assert "still contains" in refused.value.messages[0]
    comment.refresh_from_db()
    assert comment.redacted_at is None
    assert not ModerationAction.objects.exists()


def test_download_my_data_has_earlier_response_versions_and_removal_reasons_in_words(
    client, participant, make_staff
):
    survey, question = _free_text_survey()
    _answer(survey, question, participant, "First thoughts", "t1")
    _answer(survey, question, participant, "Second thoughts", "t2")
    comment = factories.CommentFactory(author=participant)
    moderation.comment_reject(actor=make_staff(ROLE_MODERATOR), comment=comment, reason_code="1")
    client.force_login(participant)

    data = client.get(reverse("account_data_download")).json()

    (response,) = data["apps"]["survey_responses"]
    assert [v["version"] for v in response["versions"]] == [1, 2]
    assert response["versions"][0]["answers"][0]["answer"] == ["First thoughts"]
    assert response["versions"][1]["answers"][0]["answer"] == ["Second thoughts"]
    (removed,) = [row for row in data["apps"]["comments"] if row["type"] == "comment"]
    assert removed["removal_reason"] == "1. Be civil"


def test_quarantine_keeps_keyed_digests_never_bare_sha256(settings):
    import hashlib

    from anpr_info import returns

    batch = returns.Batch(
        dataset="hits", period="2025-03", reason="", rows=[{"note": PLATE}], body_sha256=""
    )
    (finding,) = returns.tripwire(batch)
    stored = json.dumps(finding.as_dict())
    for bare in (PLATE, PLATE.replace(" ", ""), PLATE.lower(), PLATE.replace(" ", "").lower()):
        assert hashlib.sha256(bare.encode()).hexdigest() not in stored
    # Keyed: another key gives another digest, so a copy of the database alone cannot test
    # guesses.
    settings.PERSONAL_DATA_KEY = "another key"
    (again,) = returns.tripwire(batch)
    assert again.as_dict()["digest"] != finding.as_dict()["digest"]


def test_a_moderators_note_or_block_reason_holding_personal_data_is_refused(make_staff):
    from consultation.models import ParticipantBlock
    from talklondon.permissions import ROLE_MODERATOR as MODERATOR

    moderator_user = make_staff(MODERATOR)
    comment = factories.CommentFactory()
    with pytest.raises(ValidationError) as refused:
        moderation.comment_reject(
            actor=moderator_user, comment=comment, reason_code="2", note=f"It named {PLATE}"
        )
    assert "Your note or reason contains" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        moderation.participant_block(
            actor=moderator_user, user=comment.author, reason=f"Posted {EMAIL} again"
        )
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert not ParticipantBlock.objects.exists() and not ModerationAction.objects.exists()


def test_the_quarantine_page_never_shows_a_digest_in_full(client, make_staff):
    from anpr_info import returns
    from anpr_info.models import QuarantinedBatch
    from talklondon.permissions import ROLE_PUBLISHER

    batch = returns.Batch("hits", "2025-03", "", [{"note": PLATE}], "0" * 64)
    findings = [f.as_dict() for f in returns.tripwire(batch)]
    QuarantinedBatch.objects.create(body_sha256="0" * 64, findings=findings)
    client.force_login(make_staff(ROLE_PUBLISHER))
    page = client.get(reverse("anpr_staff:quarantine")).content.decode()
    digest = findings[0]["digest"]
    assert f"{digest[:8]}…" in page and digest not in page and "AB12" not in page
