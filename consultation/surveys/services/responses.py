"""Answering a survey: drafts, submission, changes after submission, and staff entry."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from consultation.surveys.answers import Structure, answer_clean, answer_problems, visibility
from consultation.surveys.drafts import draft_answers_discard_fields, draft_answers_encode
from consultation.surveys.free_text import answer_flags_set
from consultation.surveys.models import (
    Answer,
    AnswerChoice,
    Question,
    Response,
    ResponseVersion,
    Section,
    Survey,
)
from consultation.surveys.pages import section_after
from consultation.surveys.response_selectors import likely_duplicates
from consultation.surveys.selectors import (
    answers_summary,
    response_current_answers,
    response_snapshot,
    survey_structure,
)
from talklondon.bulk_insert import row_insert, rows_insert
from talklondon.models import User
from talklondon.permissions import can_manage_consultations, participation_problem

Type = Question.Type
SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def _may_respond(
    *, survey: Survey, actor: User | AnonymousUser, email_verified: bool | None = None
) -> None:
    problem = participation_problem(actor, email_verified=email_verified)
    if problem:
        raise PermissionDenied(problem)
    if not survey.is_open:
        if survey.is_closed:
            raise PermissionDenied("This survey has closed. You can no longer answer or change it.")
        raise PermissionDenied("This survey is not open yet.")


def _own(response: Response, user) -> None:
    if response.respondent_id is None or response.respondent_id != user.pk:
        raise PermissionDenied("This is not your response.")
    if response.channel != Response.Channel.ONLINE:
        raise PermissionDenied("This response was entered by staff.")


def survey_response_start(
    *,
    survey: Survey,
    actor: User | AnonymousUser,
    structure: Structure | None = None,
    email_verified: bool | None = None,
    answers: dict[int, dict | None] | None = None,
    enforce_required: bool = True,
) -> Response:
    """The person's response to this survey, created as a draft the first time.

    One per account per survey: the database constraint lets one of two racing requests
    create it, and the other gets the same row. `structure` and `email_verified` are what the
    caller already loaded this request, if anything. With `answers` (the "one page" layout's
    first POST), the whole survey's answers are checked and stored with the new response in
    the same INSERT, as `survey_section_save(section=None)` would store them.
    """
    _may_respond(survey=survey, actor=actor, email_verified=email_verified)
    structure = structure if structure is not None and structure.survey.pk == survey.pk else None
    structure = structure or survey_structure(survey)
    if answers is None:
        fields = {
            "current_section": structure.sections[0] if structure.sections else None,
            "draft_answers": draft_answers_encode({}),
        }
    else:
        question_ids = [q.pk for q in structure.questions]
        if set(answers) - set(question_ids):
            raise ValidationError(
                "One of the answers is for a question that is not in this survey."
            )
        merged = {qid: answers.get(qid) for qid in question_ids}
        merged.update(
            _validate(
                structure, merged, question_ids=question_ids, enforce_required=enforce_required
            )
        )
        fields = _draft_fields(structure, None, merged, enforce_required, submitted=False)
    created = _create_once(survey=survey, respondent=actor, **fields)
    if created is not None:
        if answers is not None:
            created._current_answers = {qid: v for qid, v in merged.items() if v}
        return created
    existing = Response.objects.get(
        survey=survey, respondent=actor, channel=Response.Channel.ONLINE
    )
    existing.survey = survey
    if answers is None:
        return existing
    return survey_section_save(
        response=existing,
        actor=actor,
        section=None,
        answers=answers,
        enforce_required=enforce_required,
        structure=structure,
        email_verified=email_verified,
    )


def _create_once(**fields) -> Response | None:
    """INSERT a person's online response, or None if they have one (the one-per-account
    constraint refused it)."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint, so the caller's transaction survives
                return row_insert(Response(**fields))
        # In autocommit a refused INSERT leaves nothing to roll back: no BEGIN and COMMIT
        # around it (two queries on every respondent's first page).
        return row_insert(Response(**fields))
    except IntegrityError:
        return None


def _validate(
    structure: Structure,
    answers: dict[int, dict | None],
    *,
    question_ids: list[int],
    enforce_required: bool,
) -> dict[int, dict | None]:
    """Check `answers` for `question_ids` against everything the survey allows.

    Returns the values to store (None for hidden or empty). Raises ValidationError keyed by
    form field name so views can point at the exact input.
    """
    _, visible = visibility(structure, answers)
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, dict | None] = {}
    for qid in question_ids:
        question = structure.question(qid)
        if question is None:
            raise ValidationError(
                "One of the answers is for a question that is not in this survey."
            )
        value = answers.get(qid)
        if qid not in visible:
            # Answers to questions that are hidden by earlier answers are discarded.
            cleaned[qid] = None
            continue
        if not value and not enforce_required:
            cleaned[qid] = None
            continue
        problems = answer_problems(structure, question, value)
        for field, message in problems:
            errors.setdefault(field, []).append(message)
        cleaned[qid] = None if problems else answer_clean(structure, question, value)
    unknown = set(answers) - {q.pk for q in structure.questions}
    if unknown:
        raise ValidationError("One of the answers is for a question that is not in this survey.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _answers_write(
    response: Response, structure: Structure, values: dict[int, dict | None], replace=True
):
    """Replace the stored answers to these questions with `values` (None removes one).

    `replace=False` when the response is known to have no answer rows for them.
    """
    if replace:
        Answer.objects.filter(response=response, question_id__in=list(values)).delete()
    rows, choices = [], []
    for qid, value in values.items():
        if not value:
            continue
        question = structure.question(qid)
        answer = Answer(response=response, question_id=qid)
        t = question.type
        if t == Type.SINGLE_CHOICE:
            answer.option_id = value["option"]
            answer.text = value.get("text", "")
        elif t == Type.AGREEMENT:
            answer.scale_point = value["scale"]
        elif t == Type.NUMBER:
            answer.number = value["number"]
        elif t == Type.YES_NO:
            answer.boolean = value["boolean"]
        elif t == Type.ORGANISATION:
            answer.boolean = value["boolean"]
            answer.text = value.get("text", "")
            answer.detail = value.get("detail", "")
        elif t in (Type.SHORT_TEXT, Type.LONG_TEXT, Type.BOROUGH, Type.POSTCODE_DISTRICT):
            answer.text = value["text"]
        rows.append((answer, value, t))
    if rows:
        # Free text is held to the comment rules: flagged here, withheld until reviewed.
        rows_insert([answer_flags_set(a) for a, _, _ in rows])
    for answer, value, t in rows:
        if t == Type.MULTIPLE_CHOICE:
            choices += [AnswerChoice(answer=answer, option_id=o) for o in value["options"]]
        elif t == Type.MATRIX:
            choices += [
                AnswerChoice(answer=answer, option_id=o, scale_point=s) for o, s in value["scales"]
            ]
        elif t == Type.RANKING:
            choices += [AnswerChoice(answer=answer, option_id=o, rank=r) for o, r in value["ranks"]]
    rows_insert(choices)


def _structure(response: Response, loaded: Structure | None) -> Structure:
    # Loading a structure costs five queries; a view that already has it passes it along.
    if loaded is not None and loaded.survey.pk == response.survey_id:
        return loaded
    return survey_structure(response.survey)


def _locked(response: Response) -> Response:
    """The response again, locked until the transaction ends (the slow, contended path)."""
    locked = Response.objects.select_for_update().get(pk=response.pk)
    locked.survey = response.survey  # already loaded and checked: no reload
    return locked


def _unchanged(response: Response):
    """The response's row, only while nobody else has changed it since it was read.

    Writes go through `.update()` on this: none is made (0 rows) if another request changed
    the response in the meantime, and the service then redoes its work under a lock.
    """
    return Response.objects.filter(
        pk=response.pk, status=response.status, updated_at=response.updated_at
    )


def survey_section_save(
    *,
    response: Response,
    actor: User | AnonymousUser,
    section: Section | None,
    answers: dict[int, dict | None],
    enforce_required: bool = True,
    structure: Structure | None = None,
    email_verified: bool | None = None,
) -> Response:
    """Save one page of answers and move the resume point to the next page.

    `section=None` saves the whole survey at once (the "one page" layout).

    The answers wait in the response's one row (`draft_answers`) until the person submits;
    for a submitted response they are changes to submit later. Only this section's questions
    may be answered. Invalid values are always refused; `enforce_required=False` ("save and
    come back later", drafts only) keeps a page that is not finished. `structure` and
    `email_verified` are what the caller already loaded this request, if anything; the
    answers so far are the ones it read (`response_current_answers`), and the write is made
    only if the response has not changed since.
    """
    _own(response, actor)
    _may_respond(survey=response.survey, actor=actor, email_verified=email_verified)
    if section is not None and section.survey_id != response.survey_id:
        raise ValidationError("That page is not part of this survey.")
    structure = _structure(response, structure)
    if section is None:
        section_ids = [q.pk for q in structure.questions]
    else:
        section_ids = [q.pk for q in structure.questions_by_section.get(section.pk, [])]
    if set(answers) - set(section_ids):
        raise ValidationError("One of the answers is for a question that is not on this page.")
    if response.is_submitted:
        enforce_required = True
    if _section_write(response, structure, section, section_ids, answers, enforce_required):
        return response
    with transaction.atomic():
        locked = _locked(response)
        if locked.is_submitted and not response.is_submitted:
            raise ValidationError("This response has been submitted; change it from your answers.")
        _section_write(locked, structure, section, section_ids, answers, enforce_required)
    return locked


def _section_write(
    response: Response,
    structure: Structure,
    section: Section | None,
    section_ids: list[int],
    answers: dict[int, dict | None],
    enforce_required: bool,
) -> bool:
    """Validate the page against the answers so far and store the result in one UPDATE."""
    merged = response_current_answers(response)
    merged.update({qid: answers.get(qid) for qid in section_ids})
    values = _validate(
        structure, merged, question_ids=section_ids, enforce_required=enforce_required
    )
    merged.update(values)
    fields = _draft_fields(
        structure, section, merged, enforce_required, submitted=response.is_submitted
    )
    if not _unchanged(response).update(**fields):
        return False
    for name, value in fields.items():
        setattr(response, name, value)
    response._current_answers = {qid: v for qid, v in merged.items() if v}
    return True


def _draft_fields(
    structure: Structure,
    section: Section | None,
    merged: dict,
    enforce_required: bool,
    *,
    submitted: bool,
) -> dict:
    """The response's fields after saving a page: the answers so far and where to resume."""
    fields = {"draft_answers": draft_answers_encode(merged), "updated_at": timezone.now()}
    if not submitted and section is None:
        # One page: "check your answers" next, or back to the page after "later".
        fields["current_section"] = (
            None if enforce_required or not structure.sections else structure.sections[0]
        )
    elif not submitted:
        fields["current_section"] = (
            section_after(structure, merged, section) if enforce_required else section
        )
    return fields


def survey_changes_discard(*, response: Response, actor: User | AnonymousUser) -> Response:
    """Forget the changes made to a submitted response since it was last submitted."""
    _own(response, actor)
    if response.is_submitted and response.draft_answers is not None:
        Response.objects.filter(pk=response.pk, status=Response.Status.SUBMITTED).update(
            **draft_answers_discard_fields(), updated_at=timezone.now()
        )
        response.draft_answers = None
        response.__dict__.pop("_current_answers", None)
    return response


def survey_response_submit(
    *,
    response: Response,
    actor: User | AnonymousUser,
    token: str,
    changes: dict[int, dict | None] | None = None,
    structure: Structure | None = None,
    email_verified: bool | None = None,
) -> Response:
    """Submit a draft, or submit changes to a submitted response, keeping each as a version.

    The answers submitted are the pending ones (`survey_section_save`), with `changes` on top.

    The normalised answer rows are written here, once, in one transaction with `bulk_create`.
    Idempotent: a repeated POST (double click, back button, retry) carrying the same token,
    or a second submit of an already submitted response without changes, changes nothing.
    Every visible required question must be answered; answers to hidden questions are
    discarded. Sends the receipt by email (through the outbox).
    """
    _own(response, actor)
    _may_respond(survey=response.survey, actor=actor, email_verified=email_verified)
    structure = _structure(response, structure)
    try:
        with transaction.atomic():
            submitted = _submit(response, actor, token, structure, changes)
            if submitted is None:
                # Someone else changed the response since it was read: redo it under a lock.
                locked = _locked(response)
                submitted = _submit(locked, actor, token, structure, changes)
    except IntegrityError as exc:
        # The token was already used for another response: treat it as a retry. Nothing of
        # this submission was kept (the whole transaction rolled back).
        raise ValidationError("This form was already submitted. Check your answers.") from exc
    return submitted


def _submit(
    response: Response, user, token: str, structure: Structure, changes: dict | None
) -> Response | None:
    """Submit within the caller's transaction; None if the response changed since it was read."""
    if token and response.submit_token == token:
        return response
    if response.is_submitted and response.draft_answers is None and not changes:
        return response  # nothing changed since it was submitted
    answers = response_current_answers(response)
    answers.update(changes or {})
    all_ids = [q.pk for q in structure.questions]
    values = _validate(structure, answers, question_ids=all_ids, enforce_required=True)
    now = timezone.now()
    first_time = not response.is_submitted
    # Rows exist for a submitted response, and for a draft started before drafts were kept
    # in one row (its pending answers are then None).
    replace_rows = response.is_submitted or response.draft_answers is None
    updated = _unchanged(response).update(
        status=Response.Status.SUBMITTED,
        submitted_at=response.submitted_at or now,
        updated_at=now,
        current_section=None,
        submit_token=token or "",
        **draft_answers_discard_fields(),
    )
    if not updated:
        return None
    response.status = Response.Status.SUBMITTED
    response.submitted_at = response.submitted_at or now
    response.updated_at = now
    response.current_section = None
    response.submit_token = token or ""
    response.draft_answers = None
    response.respondent = user  # checked above; spares the receipt a query
    if replace_rows:
        Answer.objects.filter(response=response).delete()
    _answers_write(response, structure, values, replace=False)
    stored = {qid: v for qid, v in values.items() if v}
    response._current_answers = stored
    number = (
        1
        if first_time
        else ResponseVersion.objects.filter(response=response).aggregate(n=Max("number"))["n"] + 1
    )
    row_insert(
        ResponseVersion(
            response=response,
            number=number,
            created_at=now,
            answers=response_snapshot(structure, stored),
        )
    )
    _receipt_send(response, structure, stored, first_time=first_time)
    return response


def _receipt_send(response: Response, structure: Structure, answers: dict, *, first_time: bool):
    survey = response.survey
    url = settings.SITE_URL + reverse("surveys:my_response", kwargs={"slug": survey.slug})
    lines = [
        f"Thank you for your response to “{survey.title}”.",
        "" if first_time else "We have saved the changes you made to your response.",
        f"Your reference number is {response.reference}.",
        "",
        "You can read and change your response until the survey closes on "
        f"{date_format(timezone.localtime(survey.closes), 'j F Y, H:i')}:",
        url,
        "",
        "A copy of your answers:",
    ]
    for section, rows in answers_summary(structure, answers):
        lines += ["", section.title.upper()]
        for row in rows:
            lines += ["", row.question.text] + [
                f"  {line}" for line in row.lines or ["Not answered"]
            ]
    subject = (
        f"Your response to {survey.title}: {response.reference}"
        if first_time
        else f"Your changed response to {survey.title}: {response.reference}"
    )
    send_mail(subject, "\n".join(lines), None, [response.respondent.email])


def scan_check(upload) -> None:
    """Accept a scan only if its content really is a PDF, JPEG or PNG of sensible size."""
    if upload is None:
        return
    if upload.size > SCAN_MAX_BYTES:
        raise ValidationError({"scan": ["The scan must be smaller than 10 MB"]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in SCAN_SIGNATURES):
        raise ValidationError({"scan": ["The scan must be a PDF, JPEG or PNG file"]})


def survey_response_enter(
    *,
    survey: Survey,
    actor: User | AnonymousUser,
    channel: str,
    channel_reference: str,
    respondent_name: str,
    answers: dict[int, dict | None],
    token: str,
    scan=None,
    results_email: str = "",
) -> Response:
    """Record a paper, email, letter or event response on someone's behalf.

    The same rules apply as online except "required": staff type in what the person wrote.
    Flags the response as a likely duplicate of an earlier one (same name and postcode
    district, or near-identical free text). A repeated POST with the same token returns the
    response already recorded.
    """
    if not can_manage_consultations(actor):
        raise PermissionDenied("Only consultation managers can enter responses.")
    if channel not in Response.Channel.values or channel == Response.Channel.ONLINE:
        raise ValidationError({"channel": ["Select how the response reached us"]})
    if survey.status == "upcoming":
        raise ValidationError("This survey has not opened yet.")
    existing = Response.objects.filter(submit_token=token).first() if token else None
    if existing:
        return existing
    scan_check(scan)
    results_email = results_email.strip()
    if results_email:
        try:
            validate_email(results_email)
        except ValidationError:
            raise ValidationError(
                {"results_email": ["Enter an email address in the correct format"]}
            ) from None
    structure = survey_structure(survey)
    all_ids = [q.pk for q in structure.questions]
    values = _validate(structure, answers, question_ids=all_ids, enforce_required=False)
    stored = {qid: v for qid, v in values.items() if v}
    if not stored:
        raise ValidationError("Enter at least one answer.")
    duplicates = likely_duplicates(structure, name=respondent_name, answers=stored)
    now = timezone.now()
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                channel=channel,
                channel_reference=channel_reference.strip()[:100],
                respondent_name=respondent_name.strip()[:200],
                results_email=results_email,
                entered_by=actor,
                status=Response.Status.SUBMITTED,
                submitted_at=now,
                updated_at=now,
                current_section=None,
                submit_token=token,
                likely_duplicate_of=duplicates[0].response if duplicates else None,
            )
            if scan is not None:
                response.scan.save(f"{response.reference}-{scan.name[-40:]}", scan, save=True)
            _answers_write(response, structure, values)
            ResponseVersion.objects.create(
                response=response,
                number=1,
                created_at=now,
                answers=response_snapshot(structure, stored),
            )
    except IntegrityError:
        # The same form posted twice at once: the token lets one win.
        existing = Response.objects.filter(submit_token=token).first()
        if existing:
            return existing
        raise
    return response
