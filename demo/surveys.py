"""Demo content: the ANPR survey and about 2,000 synthetic responses from several channels.

Running it again changes nothing. The responses are invented (seeded randomness) so that the
results summary and exports have something realistic to show; online ones have no account,
as if their authors had since deleted them.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from consultation.models import Consultation
from consultation.surveys.models import (
    Answer,
    AnswerChoice,
    Condition,
    Option,
    Question,
    Response,
    ResponseVersion,
    Section,
    Survey,
)
from consultation.surveys.models.responses import REFERENCE_ALPHABET
from consultation.surveys.selectors import response_snapshot, survey_structure
from talklondon.areas import borough_choices

Type = Question.Type
CONSULTATION_SLUG = "anpr-cameras"
SURVEY_SLUG = "anpr-cameras-survey"
RESPONSE_COUNT = 2000
DEMO_MANAGER = "manager@demo.talk.london"

# (section title, intro, [(type, text, hint, required, options, settings)])
SURVEY = [
    (
        "About your response",
        "",
        [
            (
                Type.ORGANISATION,
                "Are you responding as an individual or on behalf of an organisation?",
                "",
                True,
                [],
                {},
            ),
        ],
    ),
    (
        "Police access to TfL's cameras",
        "Transport for London runs about 1,300 ANPR cameras to enforce the Congestion Charge and the Low Emission Zone. The proposal would let the Metropolitan Police use them routinely to prevent and detect crime.",
        [
            (
                Type.AGREEMENT,
                "The Met Police should have routine access to TfL's ANPR cameras to prevent and detect crime.",
                "",
                True,
                [],
                {},
            ),
            (
                Type.MATRIX,
                "How far do you agree with these statements about safeguards?",
                "Answer for each statement.",
                True,
                [
                    "I trust the police to use ANPR data only for lawful purposes",
                    "Independent oversight of police use of the cameras would reassure me",
                    "Every search of ANPR data should be logged and audited",
                    "The public should be told regularly how the data is used",
                ],
                {},
            ),
            (
                Type.RANKING,
                "Rank these uses of ANPR data from most to least important to you",
                "",
                False,
                [
                    "Tackling serious and organised crime",
                    "Counter-terrorism",
                    "Finding missing or vulnerable people",
                    "Catching uninsured and stolen vehicles",
                ],
                {},
            ),
            (
                Type.SINGLE_CHOICE,
                "How long should the police be able to keep ANPR data about vehicles that are not linked to a crime?",
                "Nationally, ANPR records are kept for 12 months.",
                True,
                [
                    "Not at all",
                    "Up to 30 days",
                    "Up to 90 days",
                    "Up to 12 months",
                    "Longer than 12 months",
                    "Other, please specify",
                ],
                {"other": True},
            ),
            (
                Type.LONG_TEXT,
                "Is there anything else you want to tell us about the proposal?",
                "Do not include personal details such as your name or number plate.",
                False,
                [],
                {"char_limit": 1500},
            ),
        ],
    ),
    (
        "Awareness and driving",
        "",
        [
            (
                Type.YES_NO,
                "Before today, did you know that cameras read number plates on London's roads?",
                "",
                True,
                [],
                {},
            ),
            (
                Type.MULTIPLE_CHOICE,
                "Where have you heard about ANPR cameras?",
                "Select up to 3.",
                True,
                ["News", "Social media", "Road signs", "Friends or family", "At work"],
                {"min_picks": 1, "max_picks": 3, "condition": (6, True)},
            ),
            (Type.YES_NO, "Do you drive in London?", "", True, [], {}),
        ],
    ),
    (
        "The Congestion Charge and Low Emission Zone",
        "These questions are for people who drive in London.",
        [
            (
                Type.NUMBER,
                "On how many days a month do you usually drive in the Congestion Charge zone?",
                "Enter 0 if you never do.",
                True,
                [],
                {"min_value": 0, "max_value": 31},
            ),
            (
                Type.SINGLE_CHOICE,
                "Have you paid the Congestion Charge or the Low Emission Zone charge in the last year?",
                "",
                True,
                ["The Congestion Charge", "The Low Emission Zone charge", "Both", "Neither"],
                {},
            ),
            (
                Type.SHORT_TEXT,
                "What kind of vehicle do you mostly drive?",
                "For example a car, a van or a motorbike.",
                False,
                [],
                {"char_limit": 100},
            ),
        ],
    ),
    (
        "About you",
        "These questions help us check that we have heard from every part of London. They are optional except your borough.",
        [
            (Type.BOROUGH, "Which London borough do you live in?", "", True, [], {}),
            (
                Type.POSTCODE_DISTRICT,
                "What is your postcode district?",
                "The first part of your postcode, for example SW1A or E1.",
                False,
                [],
                {},
            ),
            (
                Type.SINGLE_CHOICE,
                "Which age group are you in?",
                "",
                False,
                ["Under 25", "25 to 44", "45 to 64", "65 or over", "Prefer not to say"],
                {},
            ),
            (
                Type.SINGLE_CHOICE,
                "What is your ethnic group?",
                "",
                False,
                [
                    "Asian or Asian British",
                    "Black, Black British, Caribbean or African",
                    "Mixed or multiple ethnic groups",
                    "White",
                    "Another ethnic group",
                    "Prefer not to say",
                ],
                {},
            ),
        ],
    ),
]
DRIVING_QUESTION = 8  # "Do you drive in London?" (0-based order across the survey)


def survey_build(consultation: Consultation, *, slug: str = SURVEY_SLUG) -> Survey:
    """Create the ANPR survey with every question type and its conditions."""
    survey = Survey.objects.create(
        consultation=consultation,
        slug=slug,
        title="Have your say on police access to TfL's road cameras",
        intro=(
            "Tell us what you think about letting the Metropolitan Police routinely use "
            "Transport for London's automatic number plate recognition (ANPR) cameras. "
            "It takes about 10 minutes."
        ),
        published_at=timezone.now(),
    )
    questions: list[Question] = []
    sections: list[Section] = []
    for s_index, (title, intro, items) in enumerate(SURVEY, start=1):
        section = Section.objects.create(survey=survey, title=title, intro=intro, position=s_index)
        sections.append(section)
        for q_index, (qtype, text, hint, required, options, settings) in enumerate(items, start=1):
            question = Question.objects.create(
                section=section,
                position=q_index,
                type=qtype,
                text=text,
                hint=hint,
                required=required,
                min_picks=settings.get("min_picks"),
                max_picks=settings.get("max_picks"),
                char_limit=settings.get("char_limit"),
                min_value=settings.get("min_value"),
                max_value=settings.get("max_value"),
            )
            for o_index, label in enumerate(options, start=1):
                Option.objects.create(
                    question=question,
                    position=o_index,
                    label=label,
                    is_other=bool(settings.get("other")) and o_index == len(options),
                )
            if "condition" in settings:
                source, value = settings["condition"]
                Condition.objects.create(
                    question=question, depends_on=questions[source], boolean_value=value
                )
            questions.append(question)
    # The driving section is shown only to people who drive in London.
    Condition.objects.create(
        section=sections[3], depends_on=questions[DRIVING_QUESTION], boolean_value=True
    )
    return survey


def consultation_ensure(*, historical: bool) -> Consultation:
    if historical:
        opens = datetime(2014, 2, 11, 9, 0, tzinfo=UTC)
        closes = datetime(2014, 4, 8, 23, 59, tzinfo=UTC)
    else:
        # As in demo.consultation: three weeks into its eight.
        opens = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=19)
        closes = opens + timedelta(weeks=8)
    consultation, _ = Consultation.objects.get_or_create(
        slug=CONSULTATION_SLUG,
        defaults={
            "title": "Police access to TfL's road cameras (ANPR)",
            "summary": (
                "Should the Metropolitan Police have routine access to Transport for London's "
                "1,300 number plate cameras? Tell us what you think."
            ),
            "opens_at": opens,
            "closes_at": closes,
            "published_at": timezone.now(),
        },
    )
    return consultation


def _reference(rng: random.Random, used: set[str]) -> str:
    while True:
        body = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"TL-{body[:4]}-{body[4:]}"
        if reference not in used:
            used.add(reference)
            return reference


COMMENTS = [
    "I support this if there is proper oversight and the data is deleted quickly.",
    "Cameras paid for to manage traffic should not become a surveillance network.",
    "Anything that helps catch violent criminals is worth it.",
    "I am worried about mission creep and who else will get the data.",
    "Please publish regular figures on how often the data is searched.",
    "The police already have enough powers; this goes too far.",
]
DISTRICTS = [
    "E1",
    "E14",
    "N1",
    "N1C",
    "NW3",
    "SE1",
    "SE15",
    "SW1A",
    "SW9",
    "W2",
    "W12",
    "EC1A",
    "CR0",
    "BR1",
    "HA0",
    "IG1",
]
VEHICLES = ["Car", "Van", "Motorbike", "Taxi", "Car, sometimes a van"]


def _answers(rng: random.Random, questions: list[Question], options: dict) -> dict[int, dict]:
    """One plausible respondent's answers, respecting the survey's conditions."""
    q = questions
    stance = rng.random()  # 0 = strongly against, 1 = strongly for
    agree = max(1, min(5, round(1 + 4 * stance + rng.uniform(-1, 1))))
    answers: dict[int, dict] = {}
    organisation = rng.random() < 0.04
    answers[q[0].pk] = {
        "boolean": organisation,
        "text": rng.choice(["Camden Cyclists", "Residents' Association", "Privacy Now"])
        if organisation
        else "",
        "detail": "Secretary" if organisation else "",
    }
    answers[q[1].pk] = {"scale": 0 if rng.random() < 0.05 else agree}
    answers[q[2].pk] = {
        "scales": [
            [o.pk, max(1, min(5, agree + rng.choice([-1, 0, 0, 1])))] for o in options[q[2].pk]
        ]
    }
    if rng.random() < 0.8:
        ranked = options[q[3].pk][:]
        rng.shuffle(ranked)
        answers[q[3].pk] = {"ranks": [[o.pk, i] for i, o in enumerate(ranked, start=1)]}
    retention = options[q[4].pk]
    pick = min(4, int(stance * 5)) if rng.random() > 0.03 else 5
    answers[q[4].pk] = {
        "option": retention[pick].pk,
        "text": "Only as long as an investigation needs" if retention[pick].is_other else "",
    }
    if rng.random() < 0.3:
        answers[q[5].pk] = {"text": rng.choice(COMMENTS)}
    aware = rng.random() < 0.6
    answers[q[6].pk] = {"boolean": aware}
    if aware:
        picked = rng.sample(options[q[7].pk], rng.randint(1, 3))
        answers[q[7].pk] = {"options": [o.pk for o in picked]}
    drives = rng.random() < 0.45
    answers[q[8].pk] = {"boolean": drives}
    if drives:
        answers[q[9].pk] = {"number": rng.randint(0, 22)}
        answers[q[10].pk] = {"option": rng.choice(options[q[10].pk]).pk}
        if rng.random() < 0.5:
            answers[q[11].pk] = {"text": rng.choice(VEHICLES)}
    answers[q[12].pk] = {"text": rng.choice(borough_choices())[0]}
    if rng.random() < 0.7:
        answers[q[13].pk] = {"text": rng.choice(DISTRICTS)}
    if rng.random() < 0.8:
        answers[q[14].pk] = {"option": rng.choice(options[q[14].pk]).pk}
    if rng.random() < 0.7:
        answers[q[15].pk] = {"option": rng.choice(options[q[15].pk]).pk}
    return answers


def responses_seed(survey: Survey, *, count: int, entered_by, rng: random.Random) -> int:
    """Bulk-create `count` submitted responses with their answers and first versions."""
    structure = survey_structure(survey)
    questions = structure.questions
    options = structure.options_by_question
    start = survey.opens
    end = min(timezone.now(), survey.closes)
    span = max((end - start).total_seconds(), 60)
    channels = [("online", 80), ("paper", 8), ("email", 6), ("letter", 3), ("event", 3)]
    used = set(Response.objects.values_list("reference", flat=True))
    responses, all_answers = [], []
    for number in range(count):
        channel = rng.choices([c for c, _ in channels], weights=[w for _, w in channels])[0]
        # Most responses arrive early and just before the deadline.
        when = start + timedelta(seconds=span * rng.betavariate(0.7, 0.9))
        response = Response(
            survey=survey,
            reference=_reference(rng, used),
            status=Response.Status.SUBMITTED,
            channel=channel,
            channel_reference="" if channel == "online" else f"DEMO-{number:04d}",
            respondent_name="" if channel == "online" else f"Demo respondent {number}",
            entered_by=None if channel == "online" else entered_by,
            created_at=when,
            submitted_at=when,
            updated_at=when,
        )
        responses.append(response)
        all_answers.append(_answers(rng, questions, options))
    Response.objects.bulk_create(responses, batch_size=1000)
    rows, choices, versions = [], [], []
    by_id = {q.pk: q for q in questions}
    for response, answers in zip(responses, all_answers, strict=True):
        for qid, value in answers.items():
            t = by_id[qid].type
            answer = Answer(response=response, question_id=qid)
            if "option" in value:
                answer.option_id = value["option"]
                answer.text = value.get("text", "")
            elif "scale" in value:
                answer.scale_point = value["scale"]
            elif "number" in value:
                answer.number = value["number"]
            elif "boolean" in value:
                answer.boolean = value["boolean"]
                answer.text = value.get("text", "")
                answer.detail = value.get("detail", "")
            elif "text" in value:
                answer.text = value["text"]
            rows.append((answer, value, t))
        versions.append(
            ResponseVersion(
                response=response,
                number=1,
                created_at=response.submitted_at,
                answers=response_snapshot(structure, answers),
            )
        )
    Answer.objects.bulk_create([a for a, _, _ in rows], batch_size=2000)
    for answer, value, _ in rows:
        if "options" in value:
            choices += [AnswerChoice(answer=answer, option_id=o) for o in value["options"]]
        elif "scales" in value:
            choices += [
                AnswerChoice(answer=answer, option_id=o, scale_point=s) for o, s in value["scales"]
            ]
        elif "ranks" in value:
            choices += [AnswerChoice(answer=answer, option_id=o, rank=r) for o, r in value["ranks"]]
    AnswerChoice.objects.bulk_create(choices, batch_size=2000)
    ResponseVersion.objects.bulk_create(versions, batch_size=1000)
    return len(responses)


@transaction.atomic
def seed(*, stdout, historical: bool = False) -> None:
    """Create the ANPR survey and its synthetic responses, once."""
    from demo.accounts import seed_staff
    from talklondon.models import User

    consultation = consultation_ensure(historical=historical)
    survey = Survey.objects.filter(slug=SURVEY_SLUG).first()
    if survey is None:
        survey = survey_build(consultation)
        stdout.write(f"Created the survey “{survey.title}”.")
    if survey.responses.exists():
        stdout.write(f"The survey already has {survey.responses.count()} responses.")
        return
    manager = User.objects.filter(email=DEMO_MANAGER).first()
    if manager is None:
        seed_staff()
        manager = User.objects.get(email=DEMO_MANAGER)
    created = responses_seed(
        survey, count=RESPONSE_COUNT, entered_by=manager, rng=random.Random(2014)
    )
    stdout.write(f"Added {created} synthetic survey responses.")
