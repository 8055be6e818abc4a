"""The rules for answers, shared by the respondent's forms, staff entry and the services.

An answer value is a small JSON-safe dict, by question type:

- single choice: {"option": id, "text": "what 'Other' means"}
- multiple choice: {"options": [id, ...]}
- agreement: {"scale": 0-5}
- matrix: {"scales": [[statement id, 0-5], ...]}
- ranking: {"ranks": [[option id, rank], ...]}
- short/long text, borough (GSS code), postcode district: {"text": "..."}
- number: {"number": int}
- yes/no: {"boolean": bool}
- organisation: {"boolean": on behalf of an organisation, "text": name, "detail": role}

Forms parse what was typed into these values; `answer_problems` decides whether a value is
acceptable. The services call it again, so a tampered form never reaches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from consultation.surveys.models import SCALE_CHOICES, Condition, Option, Question, Section, Survey
from talklondon.areas import borough_choices, borough_name

Type = Question.Type
SCALE_VALUES = frozenset(value for value, _ in SCALE_CHOICES)
SCALE_LABELS = dict(SCALE_CHOICES)
OTHER_TEXT_LIMIT = 200
ORGANISATION_TEXT_LIMIT = 200
# Whole numbers must fit the database column.
NUMBER_FLOOR = -2_147_483_648
NUMBER_CEILING = 2_147_483_647

# UK outward codes (the district: "SW1A", "E1", "N1C", "EC1A") and inward codes ("1AA").
OUTWARD_RE = re.compile(
    r"^(GIR|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]))$"
)
INWARD_RE = re.compile(r"^[0-9][ABD-HJLNP-UW-Z]{2}$")


def postcode_district(raw: str) -> str | None:
    """The district of a UK outward code or full postcode, or None if it is not one.

    "sw1a 1aa" -> "SW1A"; "E1" -> "E1"; "N1C" -> "N1C"; "XYZ" -> None.
    """
    compact = re.sub(r"\s+", "", raw or "").upper()
    if OUTWARD_RE.match(compact):
        return compact
    if len(compact) >= 5 and INWARD_RE.match(compact[-3:]) and OUTWARD_RE.match(compact[:-3]):
        return compact[:-3]
    return None


# --- Field names: one Django form field per input the respondent sees ----------------------


def field_name(question_id: int, part: str = "") -> str:
    return f"q{question_id}{'_' + part if part else ''}"


def statement_field(question_id: int, option_id: int) -> str:
    return field_name(question_id, f"s{option_id}")


def rank_field(question_id: int, option_id: int) -> str:
    return field_name(question_id, f"r{option_id}")


# --- The survey's structure, loaded once per request ---------------------------------------


@dataclass
class Structure:
    """A survey's sections, questions, options and conditions in order, without more queries."""

    survey: Survey
    sections: list[Section]
    questions_by_section: dict[int, list[Question]]
    options_by_question: dict[int, list[Option]]
    section_conditions: dict[int, Condition] = field(default_factory=dict)
    question_conditions: dict[int, Condition] = field(default_factory=dict)
    condition_options: dict[int, frozenset[int]] = field(default_factory=dict)
    # Things worked out from the structure and reused while it lives (a structure is reused
    # between requests until the survey changes), such as each question's form fields.
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in self.questions_by_section.get(s.pk, [])]

    @cached_property
    def _question_index(self) -> dict[int, Question]:
        return {q.pk: q for q in self.questions}

    @cached_property
    def _option_labels(self) -> dict[int, str]:
        return {o.pk: o.label for options in self.options_by_question.values() for o in options}

    def question(self, question_id: int) -> Question | None:
        return self._question_index.get(question_id)

    def section(self, section_id: int) -> Section | None:
        return next((s for s in self.sections if s.pk == section_id), None)

    def option_ids(self, question: Question) -> set[int]:
        return {o.pk for o in self.options_by_question.get(question.pk, [])}

    def other_option_id(self, question: Question) -> int | None:
        return next(
            (o.pk for o in self.options_by_question.get(question.pk, []) if o.is_other), None
        )

    def option_label(self, option_id: int) -> str:
        return self._option_labels.get(option_id, "")


# --- Visibility ----------------------------------------------------------------------------


def condition_holds(structure: Structure, condition: Condition, answers: dict) -> bool:
    """Whether the (visible) earlier answer matches; an unanswered or hidden one never does."""
    value = answers.get(condition.depends_on_id)
    if not value:
        return False
    wanted = structure.condition_options.get(condition.pk, frozenset())
    if "option" in value:
        return value["option"] in wanted
    if "options" in value:
        return bool(set(value["options"]) & wanted)
    if "boolean" in value and condition.boolean_value is not None:
        return value["boolean"] is condition.boolean_value
    return False


def visibility(structure: Structure, answers: dict) -> tuple[set[int], set[int]]:
    """(visible section ids, visible question ids) given the answers so far.

    Conditions only look backwards, so one pass in order settles chains: an answer counts
    only once its own question has been found visible.
    """
    visible_answers: dict[int, dict] = {}
    sections: set[int] = set()
    questions: set[int] = set()
    for section in structure.sections:
        condition = structure.section_conditions.get(section.pk)
        if condition and not condition_holds(structure, condition, visible_answers):
            continue
        sections.add(section.pk)
        for question in structure.questions_by_section.get(section.pk, []):
            condition = structure.question_conditions.get(question.pk)
            if condition and not condition_holds(structure, condition, visible_answers):
                continue
            questions.add(question.pk)
            if answers.get(question.pk):
                visible_answers[question.pk] = answers[question.pk]
    return sections, questions


# --- Parsing what was typed ----------------------------------------------------------------


def _text(raw) -> str:
    """Trimmed text with browser line endings counted the way the character count does."""
    if raw is None:
        return ""
    return str(raw).replace("\r\n", "\n").replace("\x00", "").strip()


def _int(raw) -> int | None:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return None


def answer_parse(structure: Structure, question: Question, data) -> tuple[dict | None, list]:
    """Turn submitted strings into a value (None when unanswered), with any format problems.

    `data` is a dict-like of field name -> string (or list of strings for checkboxes).
    """
    qid = question.pk
    name = field_name(qid)
    problems: list[tuple[str, str]] = []
    t = question.type
    if t == Type.SINGLE_CHOICE:
        option = _int(data.get(name))
        if data.get(name) in (None, ""):
            return None, problems
        if option is None:
            return None, [(name, "Select one of the options")]
        return {"option": option, "text": _text(data.get(field_name(qid, "other")))}, problems
    if t == Type.MULTIPLE_CHOICE:
        raw = data.getlist(name) if hasattr(data, "getlist") else (data.get(name) or [])
        if isinstance(raw, str):
            raw = [raw]
        options = [_int(v) for v in raw if v != ""]
        if any(o is None for o in options):
            return None, [(name, "Select from the options shown")]
        return ({"options": options} if options else None), problems
    if t in (Type.AGREEMENT, Type.YES_NO, Type.ORGANISATION):
        raw = data.get(name)
        if raw in (None, ""):
            return None, problems
        if t == Type.AGREEMENT:
            scale = _int(raw)
            if scale not in SCALE_VALUES:
                return None, [(name, "Select one of the options")]
            return {"scale": scale}, problems
        if t == Type.YES_NO:
            if raw not in ("yes", "no"):
                return None, [(name, "Select yes or no")]
            return {"boolean": raw == "yes"}, problems
        if raw not in ("individual", "organisation"):
            return None, [
                (name, "Select whether you are responding as an individual or for an organisation")
            ]
        return {
            "boolean": raw == "organisation",
            "text": _text(data.get(field_name(qid, "name"))),
            "detail": _text(data.get(field_name(qid, "role"))),
        }, problems
    if t == Type.MATRIX:
        scales = []
        for option in structure.options_by_question.get(qid, []):
            raw = data.get(statement_field(qid, option.pk))
            if raw in (None, ""):
                continue
            scale = _int(raw)
            if scale not in SCALE_VALUES:
                problems.append((statement_field(qid, option.pk), "Select one of the options"))
                continue
            scales.append([option.pk, scale])
        return ({"scales": scales} if scales else None), problems
    if t == Type.RANKING:
        ranks = []
        for option in structure.options_by_question.get(qid, []):
            raw = data.get(rank_field(qid, option.pk))
            if raw in (None, ""):
                continue
            rank = _int(raw)
            if rank is None:
                problems.append((rank_field(qid, option.pk), "Choose a number from the list"))
                continue
            ranks.append([option.pk, rank])
        return ({"ranks": ranks} if ranks else None), problems
    if t == Type.NUMBER:
        raw = _text(data.get(name)).replace(",", "").replace(" ", "")
        if not raw:
            return None, problems
        if not re.fullmatch(r"[-+]?[0-9]{1,12}", raw):
            return None, [(name, f"Enter a whole number for ‘{_short(question.text)}’, like 12")]
        return {"number": int(raw)}, problems
    if t == Type.POSTCODE_DISTRICT:
        raw = _text(data.get(name))
        if not raw:
            return None, problems
        district = postcode_district(raw)
        if district is None:
            return None, [(name, "Enter the first part of a UK postcode, like SW1A or E1")]
        return {"text": district}, problems
    # Short text, long text and borough.
    raw = _text(data.get(name))
    return ({"text": raw} if raw else None), problems


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Deciding whether a value is acceptable -------------------------------------------------


def answer_problems(structure: Structure, question: Question, value: dict | None) -> list:
    """Every reason this value cannot be stored for this question, as (field name, message).

    Checks the value's shape too, because services receive values, not form data.
    """
    qid = question.pk
    name = field_name(qid)
    label = _short(question.text)
    if not value:
        if not question.required:
            return []
        return _missing(structure, question)
    if not isinstance(value, dict):
        return [(name, "That answer is not in a form we can accept")]
    t = question.type
    option_ids = structure.option_ids(question)
    try:
        if t == Type.SINGLE_CHOICE:
            option = value.get("option")
            if option not in option_ids:
                return [(name, f"Select one of the options for ‘{label}’")]
            text = value.get("text", "")
            if option == structure.other_option_id(question):
                if not text:
                    return [(field_name(qid, "other"), "Tell us what ‘Other’ means for you")]
                if len(text) > OTHER_TEXT_LIMIT:
                    return [
                        (
                            field_name(qid, "other"),
                            f"Your description of ‘Other’ must be {OTHER_TEXT_LIMIT} characters or fewer",
                        )
                    ]
            return []
        if t == Type.MULTIPLE_CHOICE:
            chosen = value.get("options") or []
            if any(o not in option_ids for o in chosen) or len(set(chosen)) != len(chosen):
                return [(name, f"Select from the options shown for ‘{label}’")]
            low, high = question.min_picks, question.max_picks
            if low and high and not low <= len(chosen) <= high:
                if low == high:
                    return [(name, f"Select {low} options for ‘{label}’")]
                return [(name, f"Select between {low} and {high} options for ‘{label}’")]
            if low and len(chosen) < low:
                return [(name, f"Select at least {low} options for ‘{label}’")]
            if high and len(chosen) > high:
                return [(name, f"Select no more than {high} options for ‘{label}’")]
            return []
        if t == Type.AGREEMENT:
            if value.get("scale") not in SCALE_VALUES:
                return [(name, f"Select how much you agree with ‘{label}’")]
            return []
        if t == Type.MATRIX:
            pairs = value.get("scales") or []
            seen = [p[0] for p in pairs]
            if len(set(seen)) != len(seen) or any(
                p[0] not in option_ids or p[1] not in SCALE_VALUES for p in pairs
            ):
                return [(name, f"Select from the options shown for ‘{label}’")]
            if question.required:
                return [
                    (
                        statement_field(qid, o.pk),
                        f"Select how much you agree with ‘{_short(o.label)}’",
                    )
                    for o in structure.options_by_question.get(qid, [])
                    if o.pk not in seen
                ]
            return []
        if t == Type.RANKING:
            pairs = value.get("ranks") or []
            options = [p[0] for p in pairs]
            ranks = [p[1] for p in pairs]
            count = len(option_ids)
            if len(set(options)) != len(options) or any(o not in option_ids for o in options):
                return [(name, f"Rank only the options shown for ‘{label}’")]
            if any(not isinstance(r, int) or not 1 <= r <= count for r in ranks):
                return [
                    (
                        rank_field(qid, options[0]),
                        f"Use numbers from 1 to {count} to rank ‘{label}’",
                    )
                ]
            if len(set(ranks)) != len(ranks):
                duplicate = next(o for o, r in pairs if ranks.count(r) > 1)
                return [
                    (
                        rank_field(qid, duplicate),
                        f"Give each option a different number for ‘{label}’",
                    )
                ]
            if question.required:
                return [
                    (rank_field(qid, o.pk), f"Give ‘{_short(o.label)}’ a number")
                    for o in structure.options_by_question.get(qid, [])
                    if o.pk not in options
                ]
            return []
        if t in (Type.SHORT_TEXT, Type.LONG_TEXT):
            text = value.get("text", "")
            if not isinstance(text, str):
                return [(name, "Enter your answer as text")]
            if len(text) > question.text_limit:
                return [
                    (
                        name,
                        f"Your answer to ‘{label}’ must be {question.text_limit} characters or fewer",
                    )
                ]
            return []
        if t == Type.NUMBER:
            number = value.get("number")
            if not isinstance(number, int) or isinstance(number, bool):
                return [(name, f"Enter a whole number for ‘{label}’")]
            low = question.min_value if question.min_value is not None else NUMBER_FLOOR
            high = question.max_value if question.max_value is not None else NUMBER_CEILING
            if not low <= number <= high:
                if question.min_value is not None and question.max_value is not None:
                    return [(name, f"Enter a number between {low} and {high} for ‘{label}’")]
                if number < low:
                    return [(name, f"Enter a number that is {low} or more for ‘{label}’")]
                return [(name, f"Enter a number that is {high} or less for ‘{label}’")]
            return []
        if t == Type.YES_NO:
            if not isinstance(value.get("boolean"), bool):
                return [(name, f"Select yes or no for ‘{label}’")]
            return []
        if t == Type.BOROUGH:
            if value.get("text") not in dict(borough_choices()):
                return [(name, "Select a London borough from the list, or ‘Outside London’")]
            return []
        if t == Type.POSTCODE_DISTRICT:
            text = value.get("text", "")
            if not isinstance(text, str) or postcode_district(text) != text:
                return [(name, "Enter the first part of a UK postcode, like SW1A or E1")]
            return []
        if t == Type.ORGANISATION:
            if not isinstance(value.get("boolean"), bool):
                return [
                    (
                        name,
                        "Select whether you are responding as an individual or for an organisation",
                    )
                ]
            if not value["boolean"]:
                return []
            problems = []
            for part, what in (("text", "name"), ("detail", "role")):
                text = value.get(part, "")
                field = field_name(qid, "name" if part == "text" else "role")
                noun = (
                    "the organisation’s name" if what == "name" else "your role in the organisation"
                )
                if not isinstance(text, str) or not text:
                    problems.append((field, f"Enter {noun}"))
                elif len(text) > ORGANISATION_TEXT_LIMIT:
                    problems.append(
                        (
                            field,
                            f"{noun[0].upper()}{noun[1:]} must be {ORGANISATION_TEXT_LIMIT} characters or fewer",
                        )
                    )
            return problems
    except (TypeError, IndexError, KeyError, AttributeError):
        pass
    return [(name, "That answer is not in a form we can accept")]


def _missing(structure: Structure, question: Question) -> list:
    qid = question.pk
    label = _short(question.text)
    t = question.type
    if t == Type.MATRIX:
        return [
            (statement_field(qid, o.pk), f"Select how much you agree with ‘{_short(o.label)}’")
            for o in structure.options_by_question.get(qid, [])
        ]
    if t == Type.RANKING:
        options = structure.options_by_question.get(qid, [])
        first = rank_field(qid, options[0].pk) if options else field_name(qid)
        return [(first, f"Rank the options for ‘{label}’")]
    if t in (Type.SHORT_TEXT, Type.LONG_TEXT, Type.NUMBER, Type.POSTCODE_DISTRICT):
        return [(field_name(qid), f"Enter an answer for ‘{label}’")]
    return [(field_name(qid), f"Select an answer for ‘{label}’")]


def answer_clean(structure: Structure, question: Question, value: dict | None) -> dict | None:
    """Drop the parts of a valid value that do not apply (e.g. 'Other' text for another option)."""
    if not value:
        return None
    t = question.type
    if t == Type.SINGLE_CHOICE:
        keep_text = value["option"] == structure.other_option_id(question)
        return {"option": value["option"], "text": value.get("text", "") if keep_text else ""}
    if t == Type.ORGANISATION and not value["boolean"]:
        return {"boolean": False, "text": "", "detail": ""}
    return value


# --- Showing an answer ---------------------------------------------------------------------


def answer_display(structure: Structure, question: Question, value: dict | None) -> list[str]:
    """The answer as lines of plain text, for "Check your answers", receipts and exports."""
    if not value:
        return []
    t = question.type
    label = structure.option_label
    if t == Type.SINGLE_CHOICE:
        text = label(value["option"])
        return [f"{text}: {value['text']}" if value.get("text") else text]
    if t == Type.MULTIPLE_CHOICE:
        return [label(o) for o in value["options"]]
    if t == Type.AGREEMENT:
        return [SCALE_LABELS.get(value["scale"], "")]
    if t == Type.MATRIX:
        return [f"{label(o)}: {SCALE_LABELS.get(s, '')}" for o, s in value["scales"]]
    if t == Type.RANKING:
        return [f"{r}. {label(o)}" for o, r in sorted(value["ranks"], key=lambda p: p[1])]
    if t == Type.NUMBER:
        return [str(value["number"])]
    if t == Type.YES_NO:
        return ["Yes" if value["boolean"] else "No"]
    if t == Type.BOROUGH:
        return [borough_name(value["text"]) or value["text"]]
    if t == Type.ORGANISATION:
        if not value["boolean"]:
            return ["As an individual"]
        if not value.get("text"):
            return ["On behalf of an organisation"]  # details removed when anonymised
        return [f"On behalf of {value['text']}", f"Role: {value['detail']}"]
    return value["text"].split("\n")
