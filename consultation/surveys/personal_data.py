"""Survey data for the account data export and account deletion registry."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce

from consultation.surveys.drafts import draft_answers_discard_fields
from consultation.surveys.models import Answer, Option, Question, Response, ResponseVersion
from consultation.surveys.selectors import (
    answers_summary,
    response_current_answers,
    survey_structure,
)
from talklondon.personal_data import (
    BLANK,
    CONSENT,
    DELETE,
    KEEP,
    PSEUDONYMISE,
    PUBLIC_TASK,
    STAFF_RECORD,
    SURVEY_LIFE,
    Field,
    NotPersonal,
    Retention,
    RetentionRule,
    register_fields,
    register_not_personal,
    register_retention,
)
from talklondon.services import months_before


def responses_export(user) -> list[dict]:
    """Everything this person told us in surveys, readable, one dict per response."""
    exported = []
    responses = (
        Response.objects.filter(respondent=user)
        .select_related("survey")
        .prefetch_related("versions")
        .order_by("created_at", "pk")
    )
    structures = {}
    for response in responses:
        survey = response.survey
        if survey.pk not in structures:
            structures[survey.pk] = survey_structure(survey)
        structure = structures[survey.pk]
        answers = response_current_answers(response)  # with answers not yet submitted
        exported.append(
            {
                "survey": survey.title,
                "reference": response.reference,
                "status": response.get_status_display(),
                "channel": response.get_channel_display(),
                "started_at": response.created_at.isoformat(),
                "submitted_at": response.submitted_at.isoformat()
                if response.submitted_at
                else None,
                "versions": [
                    {
                        "version": version.number,
                        "submitted_at": version.created_at.isoformat(),
                        "answers": [
                            {
                                "section": item.get("section", ""),
                                "question": item.get("question", ""),
                                "answer": item.get("answer", []),
                            }
                            for item in version.answers
                        ],
                    }
                    for version in response.versions.all()
                ],
                "answers": [
                    {"section": section.title, "question": row.question.text, "answer": row.lines}
                    for section, rows in answers_summary(structure, answers)
                    for row in rows
                    if row.lines
                ],
            }
        )
    return exported


# Question types whose answers are the respondent's own words.
FREE_TEXT_TYPES = (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT)
ERASED_TEXT = "[removed when the respondent deleted their account]"


def answers_free_text_blank(response_ids) -> int:
    """Blank every free-text part of these responses' answers: short and long text, the
    "Other, please specify" text of a single choice, and the organisation's name and the
    person's role. The choices, scales and numbers stay (they count in the results).

    One of the places a person's own words live; `responses_free_text_blank` calls them all.
    """
    ids = list(response_ids)
    answers = Answer.objects.filter(response_id__in=ids)
    blanked = (
        answers.filter(question__type__in=FREE_TEXT_TYPES)
        .exclude(text="")
        .update(text="", held_for="")
    )
    answers.filter(question__type=Question.Type.SINGLE_CHOICE).exclude(text="").update(
        text="", held_for=""
    )
    answers.filter(question__type=Question.Type.ORGANISATION).update(
        text="", detail="", held_for=""
    )
    return blanked


def _version_item_blank(item: dict, other_labels: dict[int, str]) -> None:
    kind = item.get("type")
    if kind in FREE_TEXT_TYPES:
        item["answer"] = [ERASED_TEXT]
    elif kind == Question.Type.ORGANISATION and item["answer"] != ["As an individual"]:
        item["answer"] = ["On behalf of an organisation"]
    elif kind == Question.Type.SINGLE_CHOICE:
        label = other_labels.get(item.get("question_id"))
        if label is not None:
            # "Other: what they wrote" keeps only the option.
            item["answer"] = [
                label if line.startswith(f"{label}: ") else line for line in item["answer"]
            ]


def versions_free_text_blank(response_ids) -> int:
    """Blank the same free text in the readable copies kept with each version."""
    versions = list(ResponseVersion.objects.filter(response_id__in=list(response_ids)))
    question_ids = {item.get("question_id") for v in versions for item in v.answers}
    other_labels = dict(
        Option.objects.filter(question_id__in=question_ids, is_other=True).values_list(
            "question_id", "label"
        )
    )
    for version in versions:
        for item in version.answers:
            _version_item_blank(item, other_labels)
    ResponseVersion.objects.bulk_update(versions, ["answers"])
    return len(versions)


def responses_free_text_blank(response_ids) -> None:
    """Blank a person's own words everywhere a response keeps them: the answers and every
    stored version. (Where drafts keep answers elsewhere, blank them here too.)"""
    ids = list(response_ids)
    answers_free_text_blank(ids)
    versions_free_text_blank(ids)


@transaction.atomic
def responses_anonymise(user) -> int:
    """Detach this person's survey responses from their account, keeping the evidence.

    Submitted answers stay (they count in results, anonymously) but everything the person
    wrote in their own words is blanked, in the answers and in every earlier version: free
    text is where names, plates and email addresses turn up. Drafts that were never submitted
    are deleted. Returns how many responses were kept.
    """
    responses = Response.objects.select_for_update().filter(respondent=user)
    responses.filter(status=Response.Status.DRAFT).delete()
    kept = list(responses.values_list("pk", flat=True))
    responses_free_text_blank(kept)
    Response.objects.filter(pk__in=kept).update(
        respondent=None,
        respondent_name="",
        submit_token="",
        # Changes never submitted (consultation.surveys.drafts) go with the account.
        **draft_answers_discard_fields(),
    )
    return len(kept)


def response_participation():
    """(respondent id, survey close) for everyone who responded: feeds the retention job."""
    return (
        Response.objects.filter(respondent__isnull=False)
        .values("respondent_id")
        .annotate(ended_at=Max(Coalesce("survey__closes_at", "survey__consultation__closes_at")))
        .values_list("respondent_id", "ended_at")
    )


def responses_erase(*, user, remove_content: bool) -> None:
    """Eraser for the account-deletion registry: answers stay, unlinked and anonymised."""
    responses_anonymise(user)


# --- The survey app's part of the personal-data inventory ------------------------------------

OFFLINE_LIFE = Retention(
    "offline_identity",
    "{OFFLINE_RESPONSE_IDENTITY_MONTHS} months after the survey closes; the answers then stay "
    "anonymised",
)
_SURVEYS = "Survey answers"
_STAFF = "Staff"

register_fields(
    Field("surveys.Response", "respondent", "that a survey response is yours", "so you can "
          "come back to it and change it while the survey is open", PUBLIC_TASK, SURVEY_LIFE,
          PSEUDONYMISE, person="respondent", group=_SURVEYS),
    Field("surveys.Response", "reference", "your response's reference number", "so you can "
          "quote it to us", PUBLIC_TASK, SURVEY_LIFE, KEEP, person="respondent",
          group=_SURVEYS),
    Field("surveys.Response", "created_at", "when you started and submitted your response",
          "to count responses within the survey's dates", PUBLIC_TASK, SURVEY_LIFE, KEEP,
          person="respondent", group=_SURVEYS),
    Field("surveys.Response", "respondent_name", "the name on a paper form, email or letter "
          "response", "to record responses that did not come online and spot duplicates",
          PUBLIC_TASK, OFFLINE_LIFE, BLANK, person=None, group=_SURVEYS),
    Field("surveys.Response", "results_email", "the email address given on a paper form, "
          "email or letter response to hear about the results", "to tell the person when the "
          "results are published or revised", CONSENT, OFFLINE_LIFE, BLANK, person=None,
          group=_SURVEYS),
    Field("surveys.Response", "channel_reference", "the reference of a paper form, email or "
          "letter", "to find the original if a response is queried", PUBLIC_TASK,
          OFFLINE_LIFE, BLANK, person=None, group=_SURVEYS),
    Field("surveys.Response", "scan", "a scan of a paper form or letter", "to check what "
          "staff typed in", PUBLIC_TASK, OFFLINE_LIFE, DELETE, person=None, group=_SURVEYS),
    Field("surveys.Response", "entered_by", "which member of staff typed in a response",
          "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP, person="entered_by",
          audience="staff", group=_STAFF),
    Field("surveys.Response", "draft_answers", "answers you have saved but not yet submitted, "
          "or changes to a submitted response you have not submitted yet", "so you can come "
          "back and finish", PUBLIC_TASK, SURVEY_LIFE, BLANK, person="respondent",
          group=_SURVEYS),
    Field("surveys.ResponseVersion", "answers", "a copy of your answers each time you submit "
          "or change them", "so changes can be checked", PUBLIC_TASK, SURVEY_LIFE, BLANK,
          person="response__respondent", group=_SURVEYS),
    Field("surveys.Answer", "text", "what you write in your own words in a survey, and your "
          "borough or postcode district if asked", "to understand views in people's own words",
          PUBLIC_TASK, SURVEY_LIFE, BLANK, person="response__respondent", group=_SURVEYS),
    Field("surveys.Answer", "detail", "your role in an organisation you answer for",
          "to know who is speaking for an organisation", PUBLIC_TASK, SURVEY_LIFE, BLANK,
          person="response__respondent", group=_SURVEYS),
    Field("surveys.Answer", "reviewed_by", "which analyst reviewed an answer held back because "
          "it might contain personal information", "accountability", PUBLIC_TASK,
          STAFF_RECORD, KEEP, person="reviewed_by", audience="staff", group=_STAFF),
    Field("surveys.Survey", "published_by", "which member of staff published a survey",
          "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP, person="published_by",
          audience="staff", group=_STAFF),
    Field("surveys.SurveyChangeLog", "changed_by", "which member of staff changed a survey",
          "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP, person="changed_by",
          audience="staff", group=_STAFF),
)  # fmt: skip

register_not_personal(
    NotPersonal("surveys.Survey", ("consultation", "title", "slug", "intro", "opens_at",
                "closes_at", "created_at", "updated_at", "structure_version", "layout", "published_at"),
                "the survey MOPAC publishes"),
    NotPersonal("surveys.Section", ("survey", "position", "title", "intro"), "survey wording"),
    NotPersonal("surveys.Question", ("section", "position", "type", "text", "hint", "required",
                "min_picks", "max_picks", "char_limit", "min_value", "max_value"),
                "survey wording"),
    NotPersonal("surveys.Option", ("question", "position", "label", "is_other"),
                "survey wording"),
    NotPersonal("surveys.Condition", ("question", "section", "depends_on", "boolean_value",
                "options"), "survey structure"),
    NotPersonal("surveys.SurveyChangeLog", ("survey", "created_at", "had_responses",
                "description", "before", "after"), "changes to survey wording"),
    NotPersonal("surveys.Response", ("survey", "status", "channel", "current_section",
                "submit_token", "likely_duplicate_of", "submitted_at", "updated_at"),
                "state of a response: codes, a random token and times"),
    NotPersonal("surveys.ResponseVersion", ("response", "number", "created_at"),
                "which version and when"),
    NotPersonal("surveys.Answer", ("response", "question", "option", "number", "boolean",
                "scale_point"), "choices from the survey's own lists, counted in results"),
    NotPersonal("surveys.Answer", ("held_for", "reviewed_at"),
                "which hold rules the text tripped (codes) and when it was reviewed"),
    NotPersonal("surveys.AnswerChoice", ("answer", "option", "rank", "scale_point"),
                "choices from the survey's own lists"),
)  # fmt: skip


# --- Retention rules -------------------------------------------------------------------------


def _offline_identities(now):
    """Responses from other channels, whose survey closed more than the period ago, that still
    hold a name, a reference, a scan or free text."""
    cutoff = months_before(now, settings.OFFLINE_RESPONSE_IDENTITY_MONTHS)
    closed = Response.objects.exclude(channel=Response.Channel.ONLINE).alias(
        closes=Coalesce("survey__closes_at", "survey__consultation__closes_at")
    )
    return (
        closed.filter(closes__lt=cutoff)
        .filter(
            ~Q(respondent_name="")
            | ~Q(results_email="")
            | ~Q(channel_reference="")
            | ~Q(scan="")
            | Q(answers__question__type__in=FREE_TEXT_TYPES, answers__text__gt="")
        )
        .distinct()
    )


@transaction.atomic
def offline_identities_erase(now) -> int:
    """Blank the name and reference, delete the scan (file included) and blank the free text of
    paper, email, letter and event responses past their period: the answers stay anonymised,
    as online ones do once their account is erased."""
    responses = list(_offline_identities(now).order_by("pk"))
    for response in responses:
        if response.scan:
            response.scan.delete(save=False)
    ids = [r.pk for r in responses]
    responses_free_text_blank(ids)
    Response.objects.filter(pk__in=ids).update(
        respondent_name="", results_email="", channel_reference="", scan=""
    )
    return len(ids)


register_retention(
    RetentionRule(
        "offline-responses",
        "names, references, scans and free text of paper, email, letter and event responses",
        "the survey closed more than {OFFLINE_RESPONSE_IDENTITY_MONTHS} months ago: emptied "
        "(the anonymised choices stay)",
        lambda now: _offline_identities(now).count(),
        offline_identities_erase,
    ),
)
