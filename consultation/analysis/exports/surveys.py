"""Survey responses as a dataset: one row per response, one column per question (or option).

One dataset per survey (a dataset family, keys `survey-responses-<survey id>`), so the export
form lists each survey as its own dataset and no extra parameter is needed. Columns, in survey
order, with variables numbered Q1, Q2, ... as in the codebook:

- single choice: the option chosen, plus `_other` for "Other, please specify" text;
- multiple choice: one column per option, 1 (chosen) or 0 (not chosen), empty if unanswered;
- ranking: one column per option with its rank; matrix: one column per statement;
- agreement: the scale label; yes/no: Yes/No; number: the number; text: the text;
- borough: the borough's name and (`_code`) its GSS code; postcode district: the district;
- individual or organisation: which, and (`_name`) the organisation's name; the person's role
  in it is in the identified variant only.

Anonymised rows hold a pseudonymous respondent id, status, channel, submission time and the
answers: the only places are the survey's own borough and postcode district questions. The
identified variant (Personal-data exporter) adds the response reference, the name (display name
for online respondents, `respondent_name` for other channels), the email address of online
respondents and the channel's own reference. The answers are the live `Answer` rows, i.e. the
latest submitted version of each response (changes not yet submitted are left out); a draft's
are the answers saved so far (`Response.draft_answers`), as its submission would write them.

Rows stream in chunks of responses (keyset pagination on the response id) with their answers
and choices fetched per chunk: three queries per CHUNK responses, however many questions.
On PostgreSQL `copy_select` gives the same rows as one pivoting SELECT for the COPY fast path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from consultation.analysis.exports.datasets import (
    FILTER_BOROUGH,
    FILTER_CHANNEL,
    FILTER_DATES,
    FILTER_DRAFTS,
    BaseDataset,
    CodebookRow,
    Column,
    ExportFilters,
    UnknownDataset,
    respondent_column,
)
from consultation.surveys.answers import (
    SCALE_LABELS,
    Structure,
    answer_clean,
    answer_problems,
    visibility,
)
from consultation.surveys.drafts import draft_answers_of_draft, draft_answers_saved_q
from consultation.surveys.free_text import WITHHELD, shown_sql, text_flags, text_shown
from consultation.surveys.models import SCALE_CHOICES, Answer, AnswerChoice, Question, Response
from consultation.surveys.models import Survey as SurveyModel
from talklondon.areas import borough_choices
from talklondon.converters import ascii_int

Type = Question.Type
PREFIX = "survey-responses"
CHUNK = 2000
CHANNEL_LABELS = dict(Response.Channel.choices)
STATUS_LABELS = dict(Response.Status.choices)
HEADER_TEXT_LIMIT = 70


def survey_dataset_key(survey_id: int) -> str:
    return f"{PREFIX}-{survey_id}"


def survey_dataset_choices() -> list[tuple[str, str]]:
    """Every survey, as (subject, label), for the registry family."""
    return [
        (str(pk), title)
        for pk, title in SurveyModel.objects.order_by("pk").values_list("pk", "title")
    ]


def survey_dataset_factory(subject: str, *, identified: bool = False) -> SurveyResponsesDataset:
    pk = ascii_int(subject)
    survey = SurveyModel.objects.filter(pk=pk).first() if pk is not None else None
    if survey is None:
        raise UnknownDataset(f"{PREFIX}-{subject}")
    return SurveyResponsesDataset(survey, identified=identified)


def _short(text: str, limit: int = HEADER_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _Answer:
    """One answer row of a response, as read from the database."""

    option_id: int | None
    text: str
    detail: str
    number: int | None
    boolean: bool | None
    scale_point: int | None
    choices: list[tuple[int, int | None, int | None]] = field(default_factory=list)


@dataclass
class _Variable:
    """The columns of one question, how to fill them from an answer, and how SQL does it."""

    question: Question
    number: int
    columns: list[Column]
    values: Callable[[_Answer | None], list]
    sql: list[tuple[str, list]]  # one (expression, params) per column
    codebook: list[CodebookRow]


def _nullif(value):
    return value if value not in ("", None) else None


class SurveyResponsesDataset(BaseDataset):
    has_identified_variant = True
    channel_choices = tuple(Response.Channel.choices)

    def __init__(self, survey: SurveyModel, *, identified: bool = False):
        super().__init__(identified=identified)
        self.survey = survey
        self.key = survey_dataset_key(survey.pk)
        self.title = f"Survey responses: {survey.title}"
        self.description = (
            "One row per response, one column per question (one per option for multiple "
            "choice, ranking and matrix questions). Filter by date submitted, channel, borough "
            "(the survey's borough question) and drafts."
        )
        self._structure: Structure | None = None
        self._variables: list[_Variable] | None = None

    # --- Structure ---------------------------------------------------------------------

    @property
    def structure(self) -> Structure:
        if self._structure is None:
            from consultation.surveys.selectors import survey_structure

            self._structure = survey_structure(self.survey)
        return self._structure

    @property
    def _choice_questions(self) -> frozenset[int]:
        """Questions whose answers are in AnswerChoice rows (multiple choice, ranking, matrix)."""
        return frozenset(
            q.pk
            for q in self.structure.questions
            if q.type in (Type.MULTIPLE_CHOICE, Type.RANKING, Type.MATRIX)
        )

    @property
    def borough_question(self) -> Question | None:
        return next((q for q in self.structure.questions if q.type == Type.BOROUGH), None)

    @property
    def supported_filters(self) -> frozenset[str]:  # type: ignore[override]
        supported = {FILTER_DATES, FILTER_CHANNEL, FILTER_DRAFTS}
        if self.borough_question is not None:
            supported.add(FILTER_BOROUGH)
        return frozenset(supported)

    def _responses(self, filters: ExportFilters):
        responses = Response.objects.filter(survey=self.survey)
        if not filters.include_drafts:
            responses = responses.filter(status=Response.Status.SUBMITTED)
        start, end = filters.datetime_range()
        # Final responses are dated by when they were submitted, drafts by their last save.
        if start:
            responses = responses.filter(
                Q(submitted_at__gte=start) | Q(submitted_at__isnull=True, updated_at__gte=start)
            )
        if end:
            responses = responses.filter(
                Q(submitted_at__lt=end) | Q(submitted_at__isnull=True, updated_at__lt=end)
            )
        if filters.channel:
            responses = responses.filter(channel=filters.channel)
        if filters.borough:
            question = self.borough_question
            if question is None:
                return responses.none()
            responses = responses.filter(
                pk__in=Answer.objects.filter(question=question, text=filters.borough).values(
                    "response_id"
                )
            )
        return responses

    def count(self, filters: ExportFilters) -> int:
        return self._responses(filters).count()

    # --- Columns -------------------------------------------------------------------------

    def _fixed_columns(self) -> list[Column]:
        columns = [
            respondent_column(),
            Column("status", "Status", "Submitted, or Draft (only when drafts are included)."),
            Column("channel", "Channel", "How the response reached us."),
            Column(
                "submitted_at",
                "Submitted at",
                "Date and time submitted, London time; empty for drafts.",
            ),
            Column(
                "likely_duplicate",
                "Likely duplicate",
                "1 = typed in from another channel and flagged as a likely duplicate of a "
                "response we already had (recorded after a person checked), 0 = not flagged.",
            ),
        ]
        if self.identified:
            columns += [
                Column("reference", "Reference", "Personal data: the response's reference."),
                Column(
                    "name",
                    "Name",
                    "Personal data: display name (online) or the name given (other channels).",
                ),
                Column("email", "Email address", "Personal data: online respondents only."),
                Column(
                    "channel_reference",
                    "Channel reference",
                    "Personal data: the paper form, email or letter's own reference.",
                ),
                Column(
                    "likely_duplicate_of",
                    "Likely duplicate of",
                    "The reference of the response this one is a likely duplicate of.",
                ),
            ]
        return columns

    def variables(self) -> list[_Variable]:
        if self._variables is None:
            numbers = {q.pk: n for n, q in enumerate(self.structure.questions, start=1)}
            self._variables = [
                self._variable(question, numbers[question.pk], numbers)
                for question in self.structure.questions
            ]
        return self._variables

    def columns(self, filters: ExportFilters) -> list[Column]:
        return self._fixed_columns() + [c for v in self.variables() for c in v.columns]

    def _condition_text(self, question: Question, numbers: dict[int, int]) -> str:
        structure = self.structure
        parts = []
        for condition, scope in (
            (structure.section_conditions.get(question.section_id), " (whole section)"),
            (structure.question_conditions.get(question.pk), ""),
        ):
            if condition is None:
                continue
            source = f"Q{numbers.get(condition.depends_on_id, '?')}"
            wanted = structure.condition_options.get(condition.pk, frozenset())
            if wanted:
                labels = " or ".join(f"‘{structure.option_label(o)}’" for o in sorted(wanted))
                parts.append(f"Shown only if {source} includes {labels}{scope}")
            elif condition.boolean_value is not None:
                answer = "Yes" if condition.boolean_value else "No"
                depends_on = structure.question(condition.depends_on_id)
                if depends_on is not None and depends_on.type == Type.ORGANISATION:
                    answer = "Organisation" if condition.boolean_value else "Individual"
                parts.append(f"Shown only if {source} is {answer}{scope}")
        if not question.required:
            parts.append("Optional")
        return "; ".join(parts)

    def _variable(self, question: Question, number: int, numbers: dict[int, int]) -> _Variable:
        """The columns for one question, their Python values and their SQL expressions."""
        qid = question.pk
        var = f"q{number}"
        label = f"Q{number}. {_short(question.text)}"
        options = self.structure.options_by_question.get(qid, [])
        condition = self._condition_text(question, numbers)
        codebook = [
            CodebookRow(variable=var, label=question.text, condition=condition),
        ]
        in_question = f"a.question_id = {int(qid)}"
        t = question.type

        def scale_sql(inner: str) -> tuple[str, list]:
            whens = " ".join("WHEN %s THEN %s" for _ in SCALE_CHOICES)
            params = [p for value, text in SCALE_CHOICES for p in (value, text)]
            return f"(CASE {inner} {whens} END)", params

        if t == Type.SINGLE_CHOICE:
            labels = {o.pk: o.label for o in options}
            other = next((o for o in options if o.is_other), None)
            columns = [Column(var, label, "The option chosen.")]
            sql = [(f"max(CASE WHEN {in_question} THEN o.label END)", [])]
            codebook += [
                CodebookRow(variable=var, label="", value=o.label, value_label=o.label)
                for o in options
            ]
            if other is not None:
                columns.append(
                    Column(f"{var}_other", f"{label} – {_short(other.label, 40)}", "Text given.")
                )
                sql.append(self._text_sql(in_question, "text"))
                codebook.append(
                    CodebookRow(
                        variable=f"{var}_other",
                        label=f"{other.label}: what the person wrote",
                        condition=f"Only when {var} is ‘{other.label}’",
                    )
                )

            def values(a):
                if a is None:
                    return [None] * len(columns)
                chosen = [labels.get(a.option_id)]
                return chosen + ([_nullif(a.text)] if other is not None else [])

        elif t in (Type.MULTIPLE_CHOICE, Type.RANKING, Type.MATRIX):
            columns, sql = [], []
            for k, option in enumerate(options, start=1):
                key = f"{var}_{k}"
                header = f"{label} – {_short(option.label, 50)}"
                if t == Type.MULTIPLE_CHOICE:
                    columns.append(Column(key, header, "1 = chosen, 0 = not chosen."))
                    sql.append(
                        (
                            f"CASE WHEN bool_or({in_question}) THEN "
                            f"max(CASE WHEN c.option_id = {int(option.pk)} THEN 1 ELSE 0 END) END",
                            [],
                        )
                    )
                    codebook += [
                        CodebookRow(
                            variable=key, label=option.label, value="1", value_label="Chosen"
                        ),
                        CodebookRow(variable=key, label="", value="0", value_label="Not chosen"),
                    ]
                elif t == Type.RANKING:
                    columns.append(Column(key, header, "Rank given (1 = most important)."))
                    sql.append(
                        (f"max(CASE WHEN c.option_id = {int(option.pk)} THEN c.rank END)", [])
                    )
                    codebook.append(
                        CodebookRow(
                            variable=key,
                            label=option.label,
                            value=f"1–{len(options)}",
                            value_label="Rank (1 = most important); empty if not ranked",
                        )
                    )
                else:
                    columns.append(Column(key, header, "Agreement with the statement."))
                    sql.append(
                        scale_sql(
                            f"max(CASE WHEN c.option_id = {int(option.pk)} THEN c.scale_point END)"
                        )
                    )
                    codebook.append(CodebookRow(variable=key, label=option.label))
                    codebook += [
                        CodebookRow(variable=key, label="", value=text, value_label=text)
                        for _, text in SCALE_CHOICES
                    ]
            positions = {o.pk: i for i, o in enumerate(options)}

            def values(a):
                if a is None:
                    return [None] * len(columns)
                if t == Type.MULTIPLE_CHOICE:
                    row = [0] * len(columns)
                    for option_id, _rank, _scale in a.choices:
                        if option_id in positions:
                            row[positions[option_id]] = 1
                    return row
                row = [None] * len(columns)
                for option_id, rank, scale in a.choices:
                    if option_id in positions:
                        row[positions[option_id]] = (
                            rank if t == Type.RANKING else SCALE_LABELS.get(scale)
                        )
                return row

        elif t == Type.AGREEMENT:
            columns = [Column(var, label, "Agreement on the scale.")]
            sql = [scale_sql(f"max(CASE WHEN {in_question} THEN a.scale_point END)")]
            codebook += [
                CodebookRow(variable=var, label="", value=text, value_label=text)
                for _, text in SCALE_CHOICES
            ]

            def values(a):
                return [SCALE_LABELS.get(a.scale_point) if a else None]

        elif t == Type.YES_NO:
            columns = [Column(var, label, "Yes or No.")]
            sql = [
                (
                    f"CASE bool_or(CASE WHEN {in_question} THEN a.boolean END) "
                    "WHEN true THEN 'Yes' WHEN false THEN 'No' END",
                    [],
                )
            ]
            codebook += [
                CodebookRow(variable=var, label="", value="Yes", value_label="Yes"),
                CodebookRow(variable=var, label="", value="No", value_label="No"),
            ]

            def values(a):
                if a is None or a.boolean is None:
                    return [None]
                return ["Yes" if a.boolean else "No"]

        elif t == Type.NUMBER:
            columns = [Column(var, label, "A whole number.")]
            sql = [(f"max(CASE WHEN {in_question} THEN a.number END)", [])]

            def values(a):
                return [a.number if a else None]

        elif t == Type.BOROUGH:
            boroughs = borough_choices()
            names = dict(boroughs)
            columns = [
                Column(var, label, "Borough name."),
                Column(f"{var}_code", f"{label} – code", "GSS code, or ‘outside’."),
            ]
            text = f"max(CASE WHEN {in_question} THEN a.text END)"
            whens = " ".join("WHEN %s THEN %s" for _ in boroughs)
            sql = [
                (f"(CASE {text} {whens} END)", [p for pair in boroughs for p in pair]),
                (f"NULLIF({text}, '')", []),
            ]
            codebook.append(CodebookRow(variable=f"{var}_code", label="Borough code"))
            codebook += [
                CodebookRow(variable=f"{var}_code", label="", value=code, value_label=name)
                for code, name in boroughs
            ]

            def values(a):
                if a is None or not a.text:
                    return [None, None]
                return [names.get(a.text), a.text]

        elif t == Type.ORGANISATION:
            columns = [
                Column(var, label, "Individual or Organisation."),
                Column(f"{var}_name", f"{label} – organisation", "The organisation's name."),
            ]
            sql = [
                (
                    f"CASE bool_or(CASE WHEN {in_question} THEN a.boolean END) "
                    "WHEN true THEN 'Organisation' WHEN false THEN 'Individual' END",
                    [],
                ),
                self._text_sql(in_question, "text"),
            ]
            if self.identified:
                columns.append(
                    Column(f"{var}_role", f"{label} – role", "Personal data: the person's role.")
                )
                sql.append(self._text_sql(in_question, "detail"))
            codebook += [
                CodebookRow(variable=var, label="", value="Individual", value_label="Individual"),
                CodebookRow(
                    variable=var, label="", value="Organisation", value_label="Organisation"
                ),
            ]

            def values(a):
                if a is None or a.boolean is None:
                    return [None] * len(columns)
                row = ["Organisation" if a.boolean else "Individual", _nullif(a.text)]
                return row + ([_nullif(a.detail)] if self.identified else [])

        else:  # short text, long text, postcode district
            description = (
                "Postcode district (first part of the postcode)."
                if t == Type.POSTCODE_DISTRICT
                else "Text as written."
            )
            columns = [Column(var, label, description)]
            sql = [self._text_sql(in_question, "text")]

            def values(a):
                return [_nullif(a.text) if a else None]

        return _Variable(question, number, columns, values, sql, codebook)

    def _text_sql(self, in_question: str, column: str) -> tuple[str, list]:
        """A free-text column for the COPY path: withheld, as in rows(), unless identified."""
        if self.identified:
            return (f"NULLIF(max(CASE WHEN {in_question} THEN a.{column} END), '')", [])
        shown = shown_sql(column)
        return (f"NULLIF(max(CASE WHEN {in_question} THEN {shown} END), '')", [WITHHELD])

    # --- Rows ----------------------------------------------------------------------------

    def _response_fields(self) -> list[str]:
        fields = ["pk", "respondent_id", "status", "channel", "submitted_at", "likely_duplicate_of"]
        if self.identified:
            fields += [
                "reference",
                "respondent_name",
                "respondent__display_name",
                "respondent__email",
                "channel_reference",
                "likely_duplicate_of__reference",
            ]
        return fields

    def rows(self, filters: ExportFilters) -> Iterator[tuple]:
        variables = self.variables()
        fields = self._response_fields()
        responses = self._responses(filters).order_by("pk").values_list(*fields, "draft_answers")
        last = 0
        while True:
            chunk = list(responses.filter(pk__gt=last)[:CHUNK])
            if not chunk:
                return
            first, last = chunk[0][0], chunk[-1][0]
            answers = self._answers_between(first, last)
            for *response, raw_draft in chunk:
                # fields: pk, respondent_id, status, ...
                saved = draft_answers_of_draft(response[2], raw_draft)
                if saved is not None:
                    found = self._draft_answers(saved)
                else:
                    found = answers.get(response[0], {})
                yield self._row(tuple(response), found, variables)

    def _draft_answers(self, saved: dict[int, dict]) -> dict[int, _Answer]:
        """A draft's saved answers as the rows its submission would write
        (`services.responses._submit`): answers to questions hidden by earlier answers, or no
        longer valid for the survey, are left out.

        Free text: a submitted answer is scanned when written and withheld from anonymised
        exports until an analyst reviews it. A draft's text has not been scanned and cannot
        have been reviewed (there is no answer row to review yet), so it gets the same scan
        here and, when flagged, is withheld: exactly what the file would show the moment the
        draft is submitted. Unflagged text is shown, as a submitted answer's would be.
        """
        structure = self.structure
        _, visible = visibility(structure, saved)
        found: dict[int, _Answer] = {}
        for question in structure.questions:
            value = saved.get(question.pk)
            if not value or question.pk not in visible:
                continue
            if answer_problems(structure, question, value):
                continue
            value = answer_clean(structure, question, value)
            answer = _Answer(
                option_id=value.get("option"),
                text=value.get("text", ""),
                detail=value.get("detail", ""),
                number=value.get("number"),
                boolean=value.get("boolean"),
                scale_point=value.get("scale"),
            )
            if question.type == Type.MULTIPLE_CHOICE:
                answer.choices = [(o, None, None) for o in value["options"]]
            elif question.type == Type.RANKING:
                answer.choices = [(o, r, None) for o, r in value["ranks"]]
            elif question.type == Type.MATRIX:
                answer.choices = [(o, None, s) for o, s in value["scales"]]
            if not self.identified:
                held_for = text_flags(answer.text, answer.detail)
                answer.text = text_shown(answer.text, held_for=held_for, reviewed=False)
                answer.detail = text_shown(answer.detail, held_for=held_for, reviewed=False)
            found[question.pk] = answer
        return found

    def _answers_between(self, first: int, last: int) -> dict[int, dict[int, _Answer]]:
        """The answers (with choices) of this survey's responses with ids in [first, last]:
        one query for the answers, one for their choices."""
        # This survey's questions rather than a join to the responses: answers of other
        # surveys' responses in the id range have other questions.
        in_range = {
            "response_id__gte": first,
            "response_id__lte": last,
            "question_id__in": [q.pk for q in self.structure.questions],
        }
        by_response: dict[int, dict[int, _Answer]] = {}
        by_id: dict[int, _Answer] = {}
        answer_questions: dict[int, int] = {}  # answer id -> question id
        for pk, response_id, question_id, *values in (
            Answer.objects.filter(**in_range)
            .order_by()
            .values_list(
                "pk",
                "response_id",
                "question_id",
                "option_id",
                "text",
                "detail",
                "number",
                "boolean",
                "scale_point",
                "held_for",
                "reviewed_at",
            )
        ):
            *values, held_for, reviewed_at = values
            answer = _Answer(*values)
            # Free text that may hold personal data is withheld until an analyst reviews it,
            # except from the identified export (the Personal-data exporter sees it all).
            if not self.identified:
                reviewed = reviewed_at is not None
                answer.text = text_shown(answer.text, held_for=held_for, reviewed=reviewed)
                answer.detail = text_shown(answer.detail, held_for=held_for, reviewed=reviewed)
            by_response.setdefault(response_id, {})[question_id] = answer
            by_id[pk] = answer
            answer_questions[pk] = question_id
        # The choices of the same answers: by the answers' response range and the survey's
        # choice questions (an index range on the answers, then the choices' answer index).
        choice_questions = self._choice_questions
        if choice_questions and any(q in choice_questions for q in answer_questions.values()):
            choices = (
                AnswerChoice.objects.filter(
                    answer__response_id__gte=first,
                    answer__response_id__lte=last,
                    answer__question_id__in=choice_questions,
                )
                .order_by()
                .values_list("answer_id", "option_id", "rank", "scale_point")
            )
            for answer_id, option_id, rank, scale in choices:
                answer = by_id.get(answer_id)
                if answer is not None:
                    answer.choices.append((option_id, rank, scale))
        return by_response

    def _row(self, response: tuple, answers: dict[int, _Answer], variables) -> tuple:
        pk, respondent_id, status, channel, submitted_at, duplicate_of, *identity = response
        # Responses from other channels have no account: pseudonymise the response instead.
        row = [
            respondent_id if respondent_id is not None else f"response-{pk}",
            STATUS_LABELS.get(status, status),
            CHANNEL_LABELS.get(channel, channel),
            submitted_at,
            0 if duplicate_of is None else 1,
        ]
        if self.identified:
            reference, respondent_name, display_name, email, channel_reference, of = identity
            online = channel == Response.Channel.ONLINE
            row += [
                reference,
                _nullif(display_name if online else respondent_name),
                _nullif(email) if online else None,
                _nullif(channel_reference),
                of,
            ]
        for variable in variables:
            row += variable.values(answers.get(variable.question.pk))
        return tuple(row)

    # --- The COPY fast path (PostgreSQL) -----------------------------------------------

    def copy_select(self, filters: ExportFilters) -> tuple[str, list] | None:
        """The same rows as rows(), pivoted and formatted by PostgreSQL in one SELECT; None
        (the Python writer, `rows()`) when drafts with saved answers are included: those
        answers are in one JSON column until submitted, and their free text needs the
        personal-data scan, which is Python's (`_draft_answers`)."""
        if (
            filters.include_drafts
            and self._responses(filters).filter(draft_answers_saved_q()).exists()
        ):
            return None
        ids_sql, ids_params = (
            self._responses(filters).order_by().values("pk").query.sql_with_params()
        )
        zone = settings.TIME_ZONE.replace("'", "")
        channel_whens = " ".join("WHEN %s THEN %s" for _ in Response.Channel.choices)
        expressions: list[tuple[str, list]] = [
            ("COALESCE(r.respondent_id::text, 'response-' || r.id::text)", []),
            ("CASE r.status WHEN 'submitted' THEN 'Submitted' ELSE 'Draft' END", []),
            (
                f"CASE r.channel {channel_whens} ELSE r.channel END",
                [p for pair in Response.Channel.choices for p in pair],
            ),
            (f"to_char(r.submitted_at AT TIME ZONE '{zone}', 'YYYY-MM-DD HH24:MI:SS')", []),
            ("CASE WHEN r.likely_duplicate_of_id IS NULL THEN '0' ELSE '1' END", []),
        ]
        if self.identified:
            expressions += [
                ("r.reference", []),
                (
                    "NULLIF(CASE WHEN r.channel = 'online' THEN u.display_name "
                    "ELSE r.respondent_name END, '')",
                    [],
                ),
                ("CASE WHEN r.channel = 'online' THEN NULLIF(u.email, '') END", []),
                ("NULLIF(r.channel_reference, '')", []),
                ("d.reference", []),
            ]
        for variable in self.variables():
            expressions += variable.sql
        tables = {
            "response": Response._meta.db_table,
            "answer": Answer._meta.db_table,
            "choice": AnswerChoice._meta.db_table,
            "option": Answer._meta.get_field("option").related_model._meta.db_table,
            "user": Response._meta.get_field("respondent").related_model._meta.db_table,
        }
        select = ", ".join(expression for expression, _ in expressions)
        sql = (
            f"SELECT {select} FROM {tables['response']} r "  # noqa: S608 - generated identifiers
            f"LEFT JOIN {tables['user']} u ON u.id = r.respondent_id "
            f"LEFT JOIN {tables['response']} d ON d.id = r.likely_duplicate_of_id "
            f"LEFT JOIN {tables['answer']} a ON a.response_id = r.id "
            f"LEFT JOIN {tables['option']} o ON o.id = a.option_id "
            f"LEFT JOIN {tables['choice']} c ON c.answer_id = a.id "
            f"WHERE r.id IN ({ids_sql}) GROUP BY r.id, u.id, d.id ORDER BY r.id"
        )
        params = [p for _, expression_params in expressions for p in expression_params]
        return sql, [*params, *ids_params]

    # --- Codebook -----------------------------------------------------------------------

    def codebook(self, filters: ExportFilters) -> Iterator[CodebookRow]:
        for column in self._fixed_columns():
            yield CodebookRow(
                variable=column.key, label=column.header, condition=column.description
            )
            if column.key == "channel":
                for _value, label in Response.Channel.choices:
                    yield CodebookRow(variable="channel", label="", value=label, value_label=label)
        for variable in self.variables():
            yield from variable.codebook
