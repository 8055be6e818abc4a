"""Answering a survey: drafts, submission, changes after submission, and staff entry."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from consultation.surveys.answers import Structure, answer_clean, answer_problems, visibility
from consultation.surveys.models import (
    Answer,
    AnswerChoice,
    Question,
    Response,
    ResponseVersion,
    Section,
    Survey,
)
from consultation.surveys.selectors import (
    answers_summary,
    likely_duplicates,
    response_answers,
    response_snapshot,
    survey_structure,
)
from talklondon.permissions import can_manage_consultations, participation_problem

Type = Question.Type
SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def _may_respond(*, survey: Survey, user) -> None:
    problem = participation_problem(user)
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


def survey_response_start(*, survey: Survey, user) -> Response:
    """The person's response to this survey, created as a draft the first time.

    One per account per survey: if two requests race, the database constraint lets one
    win and the other gets the same row.
    """
    _may_respond(survey=survey, user=user)
    existing = Response.objects.filter(
        survey=survey, respondent=user, channel=Response.Channel.ONLINE
    ).first()
    if existing:
        return existing
    first = Section.objects.filter(survey=survey).order_by("position", "pk").first()
    try:
        with transaction.atomic():
            return Response.objects.create(survey=survey, respondent=user, current_section=first)
    except IntegrityError:
        return Response.objects.get(survey=survey, respondent=user, channel=Response.Channel.ONLINE)


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


def _answers_write(response: Response, structure: Structure, values: dict[int, dict | None]):
    """Replace the stored answers to these questions with `values` (None removes one)."""
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
    Answer.objects.bulk_create([a for a, _, _ in rows])
    for answer, value, t in rows:
        if t == Type.MULTIPLE_CHOICE:
            choices += [AnswerChoice(answer=answer, option_id=o) for o in value["options"]]
        elif t == Type.MATRIX:
            choices += [
                AnswerChoice(answer=answer, option_id=o, scale_point=s) for o, s in value["scales"]
            ]
        elif t == Type.RANKING:
            choices += [AnswerChoice(answer=answer, option_id=o, rank=r) for o, r in value["ranks"]]
    AnswerChoice.objects.bulk_create(choices)


def _next_section(structure: Structure, answers: dict, after: Section) -> Section | None:
    visible_sections, _ = visibility(structure, answers)
    later = [s for s in structure.sections if s.pk in visible_sections]
    index = next((i for i, s in enumerate(later) if s.pk == after.pk), None)
    if index is None or index + 1 >= len(later):
        return None
    return later[index + 1]


def _structure(response: Response, loaded: Structure | None) -> Structure:
    # Loading a structure costs five queries; a view that already has it passes it along.
    if loaded is not None and loaded.survey.pk == response.survey_id:
        return loaded
    return survey_structure(response.survey)


def survey_section_save(
    *,
    response: Response,
    user,
    section: Section,
    answers: dict[int, dict | None],
    enforce_required: bool = True,
    structure: Structure | None = None,
) -> Response:
    """Save one page of a draft response and move the resume point to the next page.

    Only this section's questions may be answered. Invalid values are always refused;
    `enforce_required=False` ("save and come back later") keeps a page that is not finished.
    `structure` is the survey's structure if the caller has already loaded it this request.
    """
    _own(response, user)
    _may_respond(survey=response.survey, user=user)
    if response.is_submitted:
        raise ValidationError("This response has been submitted; change it from your answers.")
    if section.survey_id != response.survey_id:
        raise ValidationError("That page is not part of this survey.")
    structure = _structure(response, structure)
    section_ids = [q.pk for q in structure.questions_by_section.get(section.pk, [])]
    if set(answers) - set(section_ids):
        raise ValidationError("One of the answers is for a question that is not on this page.")
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.is_submitted:
            raise ValidationError("This response has been submitted; change it from your answers.")
        merged = response_answers(locked)
        merged.update({qid: answers.get(qid) for qid in section_ids})
        values = _validate(
            structure, merged, question_ids=section_ids, enforce_required=enforce_required
        )
        _answers_write(locked, structure, values)
        locked.current_section = (
            _next_section(structure, merged, section) if enforce_required else section
        )
        locked.updated_at = timezone.now()
        locked.save(update_fields=["current_section", "updated_at"])
    return locked


def survey_response_submit(
    *,
    response: Response,
    user,
    token: str,
    changes: dict[int, dict | None] | None = None,
    structure: Structure | None = None,
) -> Response:
    """Submit a draft, or submit changes to a submitted response, keeping each as a version.

    Idempotent: a repeated POST (double click, back button, retry) carrying the same token,
    or a second submit of an already submitted response without changes, changes nothing.
    Every visible required question must be answered; answers to hidden questions are
    discarded. Sends the receipt by email (through the outbox).
    """
    _own(response, user)
    _may_respond(survey=response.survey, user=user)
    structure = _structure(response, structure)
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        locked.survey, locked.respondent = response.survey, user  # checked above; no reload
        if token and locked.submit_token == token:
            return locked
        if locked.is_submitted and not changes:
            return locked
        answers = response_answers(locked)
        answers.update(changes or {})
        all_ids = [q.pk for q in structure.questions]
        values = _validate(structure, answers, question_ids=all_ids, enforce_required=True)
        _answers_write(locked, structure, values)
        now = timezone.now()
        first_time = not locked.is_submitted
        locked.status = Response.Status.SUBMITTED
        locked.submitted_at = locked.submitted_at or now
        locked.updated_at = now
        locked.current_section = None
        locked.submit_token = token or ""
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as exc:
            # The token was already used for another response: treat it as a retry.
            raise ValidationError("This form was already submitted. Check your answers.") from exc
        stored = {qid: v for qid, v in values.items() if v}
        number = ResponseVersion.objects.filter(response=locked).count() + 1
        ResponseVersion.objects.create(
            response=locked,
            number=number,
            created_at=now,
            answers=response_snapshot(structure, stored),
        )
        _receipt_send(locked, structure, stored, first_time=first_time)
    return locked


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
    user,
    channel: str,
    channel_reference: str,
    respondent_name: str,
    answers: dict[int, dict | None],
    token: str,
    scan=None,
) -> Response:
    """Record a paper, email, letter or event response on someone's behalf.

    The same rules apply as online except "required": staff type in what the person wrote.
    Flags the response as a likely duplicate of an earlier one (same name and postcode
    district, or near-identical free text). A repeated POST with the same token returns the
    response already recorded.
    """
    if not can_manage_consultations(user):
        raise PermissionDenied("Only consultation managers can enter responses.")
    if channel not in Response.Channel.values or channel == Response.Channel.ONLINE:
        raise ValidationError({"channel": ["Select how the response reached us"]})
    if survey.status == "upcoming":
        raise ValidationError("This survey has not opened yet.")
    existing = Response.objects.filter(submit_token=token).first() if token else None
    if existing:
        return existing
    scan_check(scan)
    structure = survey_structure(survey)
    all_ids = [q.pk for q in structure.questions]
    values = _validate(structure, answers, question_ids=all_ids, enforce_required=False)
    stored = {qid: v for qid, v in values.items() if v}
    if not stored:
        raise ValidationError("Enter at least one answer.")
    district = next(
        (
            v["text"]
            for qid, v in stored.items()
            if structure.question(qid).type == Type.POSTCODE_DISTRICT
        ),
        "",
    )
    texts = [
        v["text"]
        for qid, v in stored.items()
        if structure.question(qid).type in (Type.LONG_TEXT, Type.SHORT_TEXT)
    ]
    duplicates = likely_duplicates(
        survey, name=respondent_name, district=district, texts=texts, answers=stored
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                channel=channel,
                channel_reference=channel_reference.strip()[:100],
                respondent_name=respondent_name.strip()[:200],
                entered_by=user,
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
