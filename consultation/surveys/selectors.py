"""Reads for surveys: structure, a person's answers, links for consultation pages, results."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from consultation.surveys.answers import (
    SCALE_LABELS,
    Structure,
    answer_display,
    visibility,
)
from consultation.surveys.drafts import draft_answers_pending
from consultation.surveys.models import (
    SCALE_CHOICES,
    Answer,
    AnswerChoice,
    Condition,
    Option,
    Question,
    Response,
    Section,
    Survey,
)
from talklondon.areas import borough_choices
from talklondon.cache import LocalCopies
from talklondon.compiled_queries import CompiledQuery
from talklondon.outbox import outbox_enqueue

Type = Question.Type


@dataclass(frozen=True)
class SurveyLink:
    title: str
    slug: str
    status: str
    url: str


def surveys_for_consultation(consultation) -> list[SurveyLink]:
    """The consultation's published surveys with their start pages, for the consultation page."""
    surveys = Survey.objects.filter(
        consultation=consultation, published_at__isnull=False
    ).select_related("consultation")
    return [
        SurveyLink(
            title=s.title,
            slug=s.slug,
            status=s.status,
            url=reverse("surveys:start", kwargs={"slug": s.slug}),
        )
        for s in surveys
    ]


# Respondents' pages reuse a survey's structure across requests, keyed on the survey's
# structure version (bumped by every builder service) and kept at most
# SURVEY_STRUCTURE_CACHE_SECONDS, a safety net for changes made outside the services (a shell,
# a data migration). Per process; 0 turns it off (the default under tests).
STRUCTURE_COPIES_MAX = 64
_structure_copies = LocalCopies(
    STRUCTURE_COPIES_MAX, lambda: settings.SURVEY_STRUCTURE_CACHE_SECONDS
)


def surveys_for_staff() -> QuerySet[Survey]:
    """Every survey with its consultation and `submitted`, its number of submitted responses.

    Counted per survey in a subquery over the responses' (survey, status, channel) index
    rather than by joining every response and grouping: at 100,000 responses the join read
    the whole table on each view of the list."""
    submitted = (
        Response.objects.filter(survey=OuterRef("pk"), status=Response.Status.SUBMITTED)
        .order_by()
        .values("survey")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Survey.objects.select_related("consultation")
        .annotate(submitted=Coalesce(Subquery(submitted), 0))
        .order_by("-consultation__opens_at", "pk")
    )


def survey_structure_for_respondents(survey: Survey) -> Structure:
    """`survey_structure`, reused across requests while the structure version is unchanged.

    For the respondent's pages, which never change the structure; the builder and staff
    pages load it afresh.
    """
    if not settings.SURVEY_STRUCTURE_CACHE_SECONDS:
        return survey_structure(survey)
    key = (survey.pk, survey.structure_version, survey.created_at)
    structure = _structure_copies.get(key)
    if structure is None:
        structure = survey_structure(survey)
        _structure_copies.put(key, structure)
    # The survey row itself (title, dates) is the one this request loaded; what was worked
    # out from the structure (its memo) is shared with every request that reuses it.
    return dataclasses.replace(structure, survey=survey, memo=structure.memo)


def survey_structure_copies_clear() -> None:
    """Forget every reused structure (tests that turn reuse on call it)."""
    _structure_copies.clear()


def survey_structure(survey: Survey) -> Structure:
    """Everything needed to show, validate and summarise a survey, in four queries."""
    sections = list(Section.objects.filter(survey=survey).order_by("position", "pk"))
    questions = list(
        Question.objects.filter(section__survey=survey)
        .order_by("section_id", "position", "pk")
        .prefetch_related(Prefetch("options", queryset=Option.objects.order_by("position", "pk")))
    )
    conditions = list(
        Condition.objects.filter(
            Q(section__survey=survey) | Q(question__section__survey=survey)
        ).prefetch_related("options")
    )
    by_section: dict[int, list[Question]] = defaultdict(list)
    options: dict[int, list[Option]] = {}
    for question in questions:
        by_section[question.section_id].append(question)
        options[question.pk] = list(question.options.all())
    return Structure(
        survey=survey,
        sections=sections,
        questions_by_section=dict(by_section),
        options_by_question=options,
        section_conditions={c.section_id: c for c in conditions if c.section_id},
        question_conditions={c.question_id: c for c in conditions if c.question_id},
        condition_options={c.pk: frozenset(o.pk for o in c.options.all()) for c in conditions},
    )


def answer_value(answer: Answer, question_type: str) -> dict:
    """One stored answer row (with its choices prefetched) as an answer value."""
    choices = list(answer.choices.all())
    if question_type == Type.SINGLE_CHOICE:
        return {"option": answer.option_id, "text": answer.text}
    if question_type == Type.MULTIPLE_CHOICE:
        return {"options": [c.option_id for c in choices]}
    if question_type == Type.AGREEMENT:
        return {"scale": answer.scale_point}
    if question_type == Type.MATRIX:
        return {"scales": [[c.option_id, c.scale_point] for c in choices]}
    if question_type == Type.RANKING:
        return {"ranks": [[c.option_id, c.rank] for c in choices]}
    if question_type == Type.NUMBER:
        return {"number": answer.number}
    if question_type == Type.YES_NO:
        return {"boolean": answer.boolean}
    if question_type == Type.ORGANISATION:
        return {"boolean": answer.boolean, "text": answer.text, "detail": answer.detail}
    return {"text": answer.text}


def response_answers(response: Response) -> dict[int, dict]:
    """The stored answers of a response, keyed by question id."""
    answers = (
        Answer.objects.filter(response=response)
        .select_related("question")
        .prefetch_related(Prefetch("choices", queryset=AnswerChoice.objects.order_by("pk")))
    )
    return {a.question_id: answer_value(a, a.question.type) for a in answers}


def response_current_answers(response: Response) -> dict[int, dict]:
    """The person's answers as they stand: pending ones if any, else the stored rows.

    Loaded once per request: the view and the service share the copy kept on the response.
    """
    cached = getattr(response, "_current_answers", None)
    if cached is None:
        pending = draft_answers_pending(response)
        cached = pending if pending is not None else response_answers(response)
        response._current_answers = cached
    return dict(cached)


@dataclass
class RespondentState:
    """What a respondent's survey page needs, loaded in one query when they have a response."""

    survey: Survey
    response: Response | None
    # Whether the person's email address is verified, loaded with the response (None if not).
    email_verified: bool | None


def respondent_state(slug: str, user) -> RespondentState | None:
    """The survey (with its consultation) and the signed-in person's own online response.

    One query when the person has a response: the survey and the email check ride along.
    None when there is no such survey, or it is still a draft (only its builders see a draft,
    through the staff preview). Both queries are compiled once per process (every survey
    page makes one).
    """
    signed_in = user is not None and user.is_authenticated
    if signed_in:
        response = _respondent_response.first(slug=slug, user_id=user.pk, email=user.email)
        if response is not None:
            return RespondentState(response.survey, response, response.respondent_email_verified)
        survey = _viewer_survey.first(slug=slug, user_id=user.pk, email=user.email)
    else:
        survey = _survey.first(slug=slug)
    if survey is None:
        return None
    # Signed in without a response (that query found none), or signed out.
    return RespondentState(survey, None, getattr(survey, "viewer_email_verified", None))


def _email_verified(user_id, email):
    return Exists(EmailAddress.objects.filter(user_id=user_id, email__iexact=email, verified=True))


def _published_surveys(slug):
    return Survey.objects.select_related("consultation").filter(
        slug=slug, published_at__isnull=False
    )


# Stand-ins for the values, found again among the compiled parameters (see CompiledQuery).
_PLACEHOLDERS = {
    "slug": "placeholder-slug-7310009",
    "user_id": -7310009,
    "email": "placeholder-7310009@invalid",
}
_IEXACT = {"email": lambda value, connection: connection.ops.prep_for_iexact_query(value)}

_respondent_response = CompiledQuery(
    lambda slug, user_id, email: Response.objects.select_related("survey__consultation")
    .annotate(respondent_email_verified=_email_verified(user_id, email))
    .filter(
        survey__slug=slug,
        survey__published_at__isnull=False,
        respondent_id=user_id,
        channel=Response.Channel.ONLINE,
    )
    .order_by("pk")[:1],
    placeholders=_PLACEHOLDERS,
    prepare=_IEXACT,
)
_viewer_survey = CompiledQuery(
    lambda slug, user_id, email: _published_surveys(slug)
    .annotate(viewer_email_verified=_email_verified(user_id, email))
    .order_by("pk")[:1],
    placeholders=_PLACEHOLDERS,
    prepare=_IEXACT,
)
_survey = CompiledQuery(
    lambda slug: _published_surveys(slug).order_by("pk")[:1],
    placeholders={"slug": _PLACEHOLDERS["slug"]},
)


def response_for_respondent(survey: Survey, user) -> Response | None:
    """The signed-in person's own online response to this survey, if any."""
    if user is None or not user.is_authenticated:
        return None
    response = Response.objects.filter(
        survey=survey, respondent=user, channel=Response.Channel.ONLINE
    ).first()
    if response is not None:
        response.survey = survey  # already loaded: spares the services a query
    return response


@dataclass
class SummaryRow:
    section: Section
    question: Question
    lines: list[str]


def answers_summary(structure: Structure, answers: dict) -> list[tuple[Section, list[SummaryRow]]]:
    """Visible questions and their answers, section by section, for "Check your answers"."""
    visible_sections, visible_questions = visibility(structure, answers)
    grouped = []
    for section in structure.sections:
        if section.pk not in visible_sections:
            continue
        rows = [
            SummaryRow(section, q, answer_display(structure, q, answers.get(q.pk)))
            for q in structure.questions_by_section.get(section.pk, [])
            if q.pk in visible_questions
        ]
        grouped.append((section, rows))
    return grouped


def response_snapshot(structure: Structure, answers: dict) -> list[dict]:
    """A readable copy of the visible answers, kept with each version of a response."""
    return [
        {
            "section": section.title,
            "question_id": row.question.pk,
            "question": row.question.text,
            "type": row.question.type,
            "answer": row.lines,
        }
        for section, rows in answers_summary(structure, answers)
        for row in rows
        if row.lines
    ]


# --- Results -------------------------------------------------------------------------------


@dataclass
class ResultRow:
    label: str
    count: int
    percent: float


@dataclass
class QuestionResult:
    question: Question
    answered: int
    rows: list[ResultRow]
    # Matrix: one table per statement.
    statements: list[tuple[str, list[ResultRow]]]


def _rows(labels: list[tuple[object, str]], counts: dict, total: int) -> list[ResultRow]:
    return [
        ResultRow(
            label, counts.get(key, 0), round(100 * counts.get(key, 0) / total, 1) if total else 0
        )
        for key, label in labels
    ]


# The likely-duplicate filter on staff figures: every response, none of the flagged ones, or
# only the flagged ones.
DUPLICATES_INCLUDE, DUPLICATES_EXCLUDE, DUPLICATES_ONLY = "", "exclude", "only"
DUPLICATE_CHOICES = [
    (DUPLICATES_INCLUDE, "Include likely duplicates"),
    (DUPLICATES_EXCLUDE, "Leave out likely duplicates"),
    (DUPLICATES_ONLY, "Only likely duplicates"),
]


def submitted_responses(survey: Survey, *, duplicates: str = DUPLICATES_INCLUDE):
    submitted = Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED)
    if duplicates == DUPLICATES_EXCLUDE:
        return submitted.filter(likely_duplicate_of__isnull=True)
    if duplicates == DUPLICATES_ONLY:
        return submitted.filter(likely_duplicate_of__isnull=False)
    return submitted


def results_summary(
    survey: Survey, *, channel: str = "", duplicates: str = "", structure: Structure | None = None
) -> dict:
    """Counts and percentages for every choice question, responses per day and per channel.

    Counts submitted responses only; `channel` filters to one channel, `duplicates` leaves
    likely duplicates out ("exclude") or keeps only them ("only"). A fixed number of queries
    whatever the number of responses (four fewer when `structure` is given).
    """
    if structure is None:
        structure = survey_structure(survey)
    submitted = submitted_responses(survey, duplicates=duplicates)
    by_channel = dict(
        submitted.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    if channel:
        submitted = submitted.filter(channel=channel)
    per_day = list(
        submitted.annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    # One pass over the answers and one over the choices, each grouped by everything the
    # tables need: at 100,000 responses each pass reads about a million rows, so six separate
    # aggregates cost six such reads.
    boroughs = [q.pk for q in structure.questions if q.type == Type.BOROUGH]
    answered: dict[int, int] = defaultdict(int)
    by_option, by_scale = defaultdict(dict), defaultdict(dict)
    by_boolean, by_text = defaultdict(dict), defaultdict(dict)
    for qid, option_id, scale, value, text, n in (
        Answer.objects.filter(response__in=submitted)
        .values(
            "question_id",
            "option_id",
            "scale_point",
            "boolean",
            borough=Case(
                When(question_id__in=boroughs, then=F("text")),
                default=Value(None),
                output_field=TextField(),
            ),
        )
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("question_id", "option_id", "scale_point", "boolean", "borough", "n")
    ):
        answered[qid] += n
        if option_id is not None:
            by_option[qid][option_id] = by_option[qid].get(option_id, 0) + n
        if scale is not None:
            by_scale[qid][scale] = by_scale[qid].get(scale, 0) + n
        if value is not None:
            by_boolean[qid][value] = by_boolean[qid].get(value, 0) + n
        if qid in boroughs:
            by_text[qid][text] = by_text[qid].get(text, 0) + n
    picked, rated, first_choice = defaultdict(dict), defaultdict(dict), defaultdict(dict)
    for qid, option_id, scale, first, n in (
        AnswerChoice.objects.filter(answer__response__in=submitted)
        .values(
            "answer__question_id",
            "option_id",
            "scale_point",
            first=Case(When(rank=1, then=Value(True)), default=Value(False)),
        )
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("answer__question_id", "option_id", "scale_point", "first", "n")
    ):
        picked[qid][option_id] = picked[qid].get(option_id, 0) + n
        if scale is not None:
            rated[option_id][scale] = rated[option_id].get(scale, 0) + n
        if first:
            first_choice[qid][option_id] = first_choice[qid].get(option_id, 0) + n

    results = []
    for question in structure.questions:
        qid = question.pk
        total = answered.get(qid, 0)
        options = [(o.pk, o.label) for o in structure.options_by_question.get(qid, [])]
        rows, statements = [], []
        if question.type == Type.SINGLE_CHOICE:
            rows = _rows(options, by_option[qid], total)
        elif question.type == Type.MULTIPLE_CHOICE:
            rows = _rows(options, picked[qid], total)
        elif question.type == Type.RANKING:
            # How often each option was ranked first.
            rows = _rows(options, first_choice[qid], total)
        elif question.type == Type.AGREEMENT:
            rows = _rows(SCALE_CHOICES, by_scale[qid], total)
        elif question.type in (Type.YES_NO, Type.ORGANISATION):
            labels = (
                [(True, "Yes"), (False, "No")]
                if question.type == Type.YES_NO
                else [(False, "As an individual"), (True, "On behalf of an organisation")]
            )
            rows = _rows(labels, by_boolean[qid], total)
        elif question.type == Type.BOROUGH:
            rows = [r for r in _rows(borough_choices(), by_text[qid], total) if r.count]
        elif question.type == Type.MATRIX:
            for option_id, label in options:
                counts = rated[option_id]
                statements.append((label, _rows(SCALE_CHOICES, counts, sum(counts.values()))))
        else:
            continue
        results.append(QuestionResult(question, total, rows, statements))
    return {
        "structure": structure,
        "total": submitted.count(),
        "by_channel": [
            (value, label, by_channel.get(value, 0)) for value, label in Response.Channel.choices
        ],
        "per_day": per_day,
        "questions": results,
        "scale_labels": SCALE_LABELS,
    }


# Staff figures count every submitted response: about a second at 100,000 responses. They are
# kept under a fingerprint of what they count (the survey's structure version and its submitted
# responses: how many, the newest id, the latest change and how many are flagged as likely
# duplicates), read in one query over the responses' index. A submission, a change of answers
# (which sets updated_at), a paper entry, an erasure or a new duplicate flag changes the
# fingerprint, so figures kept under the old one are not those of now. FIGURES_CACHE_SECONDS
# bounds how long a change no service marks (retention blanking old answers' text) goes unseen
# as fresh.
#
# Stale while revalidate: each computation is also kept, with its fingerprint and time, as the
# latest of its kind for the survey (its structure version) and filters, for
# FIGURES_LATEST_SECONDS. When the fingerprint has moved on (while a survey is open, most
# views), the page shows the latest at once, says when it was counted and how many responses
# have arrived since, and asks the Celery task `figures_refresh` (through the outbox) to count
# again; a lock in the cache makes a burst of views ask once. Only the first view of a kind of
# figure (for a survey, or after a change of its structure: the old structure's figures are
# never shown) counts in the request. Eager Celery (development, tests) counts while asked,
# so there the page shows fresh figures, as it did before.
FIGURES_CACHE_SECONDS = 600
# A week: Monday's first view is quick too. What it shows is dated and being recounted.
FIGURES_LATEST_SECONDS = 7 * 24 * 3600
# A refresh asked for and not finished within this long (its worker died, the queue is long)
# may be asked for again; the task skips figures someone counted meanwhile.
FIGURES_REFRESH_LOCK_SECONDS = 120
FIGURES_REFRESH_TASK = "consultation.surveys.tasks.figures_refresh"


@dataclass(frozen=True)
class FiguresFingerprint:
    """What a survey's staff figures count, in brief: read once per request and passed to
    every cached figure the page shows."""

    survey_id: int
    structure_version: int
    submitted: int
    newest_id: int | None
    changed: float
    likely_duplicates: int  # submitted responses flagged as likely duplicates

    @property
    def key(self) -> str:
        return ".".join(map(str, dataclasses.astuple(self)))


def figures_fingerprint(survey: Survey) -> FiguresFingerprint:
    found = Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED).aggregate(
        n=Count("pk"),
        top=Max("pk"),
        changed=Max("updated_at"),
        flagged=Count("pk", filter=Q(likely_duplicate_of__isnull=False)),
    )
    return FiguresFingerprint(
        survey_id=survey.pk,
        structure_version=survey.structure_version,
        submitted=found["n"],
        newest_id=found["top"],
        changed=found["changed"].timestamp() if found["changed"] else 0,
        likely_duplicates=found["flagged"],
    )


@dataclass(frozen=True)
class FiguresAsOf:
    """What figures a page shows: when they were counted, how many submitted responses there
    were then and are now, and whether they are stale (a recount has been asked for)."""

    computed_at: datetime
    counted: int
    submitted: int
    stale: bool

    @property
    def newer(self) -> int:
        """Submitted responses not in the figures (none when some were erased since)."""
        return max(self.submitted - self.counted, 0)

    @staticmethod
    def oldest(*found: FiguresAsOf | None) -> FiguresAsOf | None:
        """One statement for a page of several figures: the oldest, stale if any is."""
        found = [f for f in found if f is not None]
        if not found:
            return None
        oldest = min(found, key=lambda f: f.computed_at)
        return dataclasses.replace(oldest, stale=any(f.stale for f in found))


@dataclass(frozen=True)
class KeptFigures:
    """What the cache holds: the figures, the fingerprint they count and when. Any fingerprint
    that compares equal for the same figures and says how many responses it counted
    (`submitted`) will do: the results preview keeps its own, for a whole consultation."""

    value: object
    fingerprint: FiguresFingerprint
    computed_at: datetime

    def as_of(self, now: FiguresFingerprint) -> FiguresAsOf:
        return FiguresAsOf(
            computed_at=self.computed_at,
            counted=self.fingerprint.submitted,
            submitted=now.submitted,
            stale=self.fingerprint != now,
        )


# What each kind of figure counts: build(survey, structure or None, *parts) -> the figures,
# `parts` being its filters (plain values: the refresh task receives them as JSON). The
# analysis app registers its kinds when it starts (AnalysisConfig.ready), so the task finds
# them in every process.
_figure_builders: dict[str, Callable] = {}


def figures_kind_register(kind: str, build: Callable) -> None:
    _figure_builders[kind] = build


def _figures_keys(kind: str, survey: Survey, fingerprint: FiguresFingerprint, parts) -> tuple:
    """(the key of these exact figures, the key of the latest of their kind and filters)."""
    filters = ":".join(map(str, parts))
    # The survey's creation time: an id SQLite reuses after a deletion is another survey.
    survey_key = f"{survey.pk}.{survey.created_at.timestamp()}.{survey.structure_version}"
    return (
        f"survey-figures:{kind}:{fingerprint.key}:{filters}",
        f"survey-figures-latest:{kind}:{survey_key}:{filters}",
    )


def _figures_lock_key(kind: str, survey_id: int, parts) -> str:
    return f"survey-figures-refreshing:{kind}:{survey_id}:{':'.join(map(str, parts))}"


def _kept(found) -> KeptFigures | None:
    # Anything else is an entry written before figures were kept with their time.
    return found if isinstance(found, KeptFigures) else None


def figures_keep(exact_key: str, latest_key: str, kept: KeptFigures) -> KeptFigures:
    """Keep figures under their exact key and as the latest of their kind."""
    cache.set(exact_key, kept, FIGURES_CACHE_SECONDS)
    cache.set(latest_key, kept, FIGURES_LATEST_SECONDS)
    return kept


def figures_kept_or_latest(
    exact_key: str, latest_key: str, ask: Callable[[], bool], *, ask_if_none_kept: bool
) -> KeptFigures | None:
    """The figures kept under `exact_key`; failing that, `ask()` for a refresh (where some
    are kept under `latest_key`, or always with `ask_if_none_kept`) and the latest kept, or
    the fresh ones if eager Celery prepared them while asked. None if nothing is kept."""
    found = cache.get_many([exact_key, latest_key])
    kept = _kept(found.get(exact_key))
    if kept is None and (ask_if_none_kept or _kept(found.get(latest_key)) is not None):
        if ask():
            # Eager Celery has counted already; a worker has not, and the latest is shown.
            found = cache.get_many([exact_key, latest_key])
        kept = _kept(found.get(exact_key)) or _kept(found.get(latest_key))
    return kept


def figures_refresh_ask(lock_key: str, task_name: str, kwargs: dict) -> bool:
    """Ask a task to prepare figures again, unless it has been asked (`lock_key`) and not yet
    finished. True if asked now.

    The one write of a staff page's GET: an outbox row, committed at once (outside a
    transaction `outbox_enqueue` opens its own) and relayed to the broker after that commit,
    or run there and then by eager Celery.
    """
    if not cache.add(lock_key, 1, FIGURES_REFRESH_LOCK_SECONDS):
        return False
    outbox_enqueue(task_name=task_name, kwargs=kwargs)
    return True


def _figures_compute(kind, survey, fingerprint, parts, structure=None) -> KeptFigures:
    computed_at = timezone.now()
    value = _figure_builders[kind](survey, structure, *parts)
    kept = KeptFigures(value=value, fingerprint=fingerprint, computed_at=computed_at)
    return figures_keep(*_figures_keys(kind, survey, fingerprint, parts), kept)


def figures_cached(
    kind: str,
    fingerprint: FiguresFingerprint,
    parts: tuple = (),
    *,
    survey: Survey,
    structure: Structure | None = None,
) -> tuple[object, FiguresAsOf]:
    """A kind of staff figure (registered with `figures_kind_register`) for the survey and
    `parts` (its filters), with what they count and when.

    The figures of `fingerprint` if kept; otherwise the latest kept for this structure, marked
    stale, while the refresh task counts again (asked once per burst of views); counted here
    only when there are none. `structure`, if the page has it, spares the count a load.
    """
    kept = figures_kept_or_latest(
        *_figures_keys(kind, survey, fingerprint, parts),
        lambda: figures_refresh_ask(
            _figures_lock_key(kind, survey.pk, parts),
            FIGURES_REFRESH_TASK,
            {"survey_id": survey.pk, "kind": kind, "parts": list(parts)},
        ),
        ask_if_none_kept=False,  # counted here instead: the first view of this kind
    )
    if kept is None:
        kept = _figures_compute(kind, survey, fingerprint, parts, structure)
    return kept.value, kept.as_of(fingerprint)


def figures_refresh(*, survey_id: int, kind: str, parts: list) -> bool:
    """Count a kind of a survey's staff figures for its responses now and keep them (the
    Celery task `figures_refresh`). Idempotent: figures already kept under the present
    fingerprint are not counted again. False when there is nothing to count (the survey is
    gone, or the filters no longer fit its structure)."""
    try:
        survey = Survey.objects.filter(pk=survey_id).first()
        if survey is None or kind not in _figure_builders:
            return False
        fingerprint = figures_fingerprint(survey)
        exact_key, _latest_key = _figures_keys(kind, survey, fingerprint, parts)
        if _kept(cache.get(exact_key)) is None:
            try:
                _figures_compute(kind, survey, fingerprint, tuple(parts))
            except ValueError:  # a question cross-tabulated then is gone or changed type
                return False
        return True
    finally:
        # The next change may be counted as soon as this one is.
        cache.delete(_figures_lock_key(kind, survey_id, parts))


def _summary_figures(survey: Survey, structure, channel: str, duplicates: str) -> dict:
    # The structure is not kept with the figures (it is cached per process already).
    summary = results_summary(survey, channel=channel, duplicates=duplicates, structure=structure)
    summary.pop("structure")
    return summary


figures_kind_register("summary", _summary_figures)


def results_summary_cached(
    survey: Survey,
    *,
    channel: str = "",
    duplicates: str = "",
    fingerprint: FiguresFingerprint | None = None,
) -> dict:
    """`results_summary` for staff pages, kept under the figures fingerprint (read here unless
    the page has it already), with `as_of` (FiguresAsOf) saying what it counts. The published
    results never use this (results_tables counts afresh when a release is made)."""
    fingerprint = fingerprint or figures_fingerprint(survey)
    stored, as_of = figures_cached("summary", fingerprint, (channel, duplicates), survey=survey)
    return {**stored, "structure": survey_structure(survey), "as_of": as_of}


# --- Objects by id, for the routes that take one ---------------------------------------------
# Every route that takes an id fetches through one of these and answers 404 for None. Surveys
# have no private states: respondents may open any survey by its slug, and consultation
# managers (the staff guard) every survey, section, question, option and response.


def survey_get_public(*, slug: str) -> Survey | None:
    """A survey the public may reach: published ones only (a draft is for its builders)."""
    return (
        Survey.objects.select_related("consultation")
        .filter(slug=slug, published_at__isnull=False)
        .first()
    )


def survey_for_staff(*, survey_id: int) -> Survey | None:
    return Survey.objects.select_related("consultation").filter(pk=survey_id).first()


def section_for_staff(*, section_id: int) -> Section | None:
    return Section.objects.select_related("survey__consultation").filter(pk=section_id).first()


def question_for_staff(*, question_id: int) -> Question | None:
    return (
        Question.objects.select_related("section__survey__consultation")
        .filter(pk=question_id)
        .first()
    )


def option_for_staff(*, option_id: int) -> Option | None:
    return Option.objects.select_related("question__section__survey").filter(pk=option_id).first()


def response_for_staff(*, response_id: int) -> Response | None:
    return Response.objects.select_related("survey").filter(pk=response_id).first()
