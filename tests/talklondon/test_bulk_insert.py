"""rows_insert writes exactly what bulk_create writes, whatever the values, in one statement."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultation.surveys.models import Answer, Response
from talklondon.bulk_insert import row_insert, rows_insert
from talklondon.models import OutboxTask, OutgoingEmail
from tests import factories

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text that array literals and NULL handling could get wrong, and anything else.
TEXT = st.one_of(
    st.sampled_from(["", "NULL", "null", '"', "\\", "{}", "{a,b}", "a,b", " ", "'; --", "é🙂"]),
    st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00")),
)
ANSWER = st.fixed_dictionaries(
    {
        "text": TEXT,
        "detail": TEXT.map(lambda t: t[:200]),
        "number": st.none() | st.integers(-(2**31), 2**31 - 1),
        "boolean": st.none() | st.booleans(),
        "scale_point": st.none() | st.integers(0, 5),
        "held_for": TEXT.map(lambda t: t[:100]),
    }
)
FIELDS = ["question_id", "text", "detail", "number", "boolean", "scale_point", "held_for"]


@pytest.fixture
def two_responses(db):
    """Six questions (one answer each per response) and two responses."""
    first = factories.QuestionFactory()
    questions = [first] + [factories.QuestionFactory(section=first.section) for _ in range(5)]
    survey = first.section.survey
    responses = [Response.objects.create(survey=survey, respondent=None) for _ in range(2)]
    return questions, responses


@PROPERTY
@given(values=st.lists(ANSWER, min_size=1, max_size=6))
def test_the_rows_are_the_ones_bulk_create_writes(two_responses, values):
    questions, (ours, theirs) = two_responses
    # Each example in a savepoint of its own, so one failure cannot hide behind another.
    with transaction.atomic():
        _compare(questions, ours, theirs, values)
        transaction.set_rollback(True)


def _compare(questions, ours, theirs, values):
    inserted = rows_insert(
        [Answer(response=ours, question=q, **v) for q, v in zip(questions, values, strict=False)]
    )
    Answer.objects.bulk_create(
        [Answer(response=theirs, question=q, **v) for q, v in zip(questions, values, strict=False)]
    )
    assert all(a.pk for a in inserted)
    mine = list(Answer.objects.filter(response=ours).order_by("pk").values_list(*FIELDS))
    reference = list(Answer.objects.filter(response=theirs).order_by("pk").values_list(*FIELDS))
    assert mine == reference
    # Each instance got the id of its own row.
    assert [Answer.objects.get(pk=a.pk).text for a in inserted] == [v["text"] for v in values]


def test_one_statement_and_a_model_it_cannot_write_is_refused(two_responses):
    questions, (response, _) = two_responses
    question = questions[0]
    with CaptureQueriesContext(connection) as queries:
        rows_insert([Answer(response=response, question=q, text=q.text) for q in questions])
    assert len(queries) == 1
    if connection.vendor == "postgresql":
        # Response has file and JSON columns, which need the ORM's conversion.
        with pytest.raises(TypeError, match="cannot write Response"):
            rows_insert([Response(survey=question.section.survey), Response()])


def _row(model, pk, *, leave_out=("id",)):
    row = model.objects.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in leave_out}


def test_row_insert_writes_the_row_create_writes_in_one_statement(two_responses):
    questions, _ = two_responses
    survey = questions[0].section.survey
    email = {
        "to": ["a@example.com", "b@example.com"],
        "from_email": "Talk London <noreply@example.com>",
        "subject": "Your response: TL-1234",
        "body_text": "Thank you.\n\n“Quotes” and NULL and \\ and é🙂",
        "headers": {"Reply-To": "x@example.com"},
    }
    with CaptureQueriesContext(connection) as queries:
        ours = row_insert(OutgoingEmail(**email))
    assert len(queries) == 1
    assert ours.pk and not ours._state.adding and ours._state.db == "default"
    theirs = OutgoingEmail.objects.create(**email)
    leave_out = ("id", "created_at")
    assert _row(OutgoingEmail, ours.pk, leave_out=leave_out) == _row(
        OutgoingEmail, theirs.pk, leave_out=leave_out
    )
    task = {"task_name": "t", "kwargs": {"email_id": ours.pk}, "relayed_at": None, "attempts": 1}
    assert _row(OutboxTask, row_insert(OutboxTask(**task)).pk, leave_out=leave_out) == _row(
        OutboxTask, OutboxTask.objects.create(**task).pk, leave_out=leave_out
    )
    # A response: defaults (its reference), a file field left empty, JSON, foreign keys.
    fields = {"survey": survey, "respondent": None, "draft_answers": {"1": {"text": "x"}}}
    leave_out = ("id", "reference", "created_at", "updated_at")
    assert _row(Response, row_insert(Response(**fields)).pk, leave_out=leave_out) == _row(
        Response, Response.objects.create(**fields).pk, leave_out=leave_out
    )


def test_row_insert_refuses_a_duplicate_as_create_does_and_spoils_the_transaction(two_responses):
    _, (response, _) = two_responses
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            row_insert(Response(survey=response.survey, reference=response.reference))
        # As after a failed save(): nothing more may run in this transaction.
        assert transaction.get_connection().needs_rollback


def test_row_insert_leaves_the_row_to_save_when_someone_listens_or_the_key_is_given(db):
    seen = []

    def listener(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(listener, sender=OutboxTask)
    try:
        task = row_insert(OutboxTask(task_name="t", kwargs={}))
    finally:
        post_save.disconnect(listener, sender=OutboxTask)
    assert seen == [(task.pk, True)]
    given = row_insert(OutboxTask(pk=task.pk + 1000, task_name="t", kwargs={}))
    assert OutboxTask.objects.get(pk=task.pk + 1000).task_name == "t" and given.pk == task.pk + 1000


def test_row_insert_writes_a_constant_database_default_itself(two_responses, monkeypatch):
    """A person's first answers start their response: that INSERT must not fall back to the
    ORM's save() (compiled on every call) because one column has a constant db_default."""
    questions, _ = two_responses
    survey = questions[0].section.survey

    def refuse(*args, **kwargs):
        raise AssertionError("row_insert fell back to save()")

    with monkeypatch.context() as patched:
        patched.setattr(Response, "save", refuse)
        ours = row_insert(Response(survey=survey))
        given = row_insert(Response(survey=survey, results_email="a@example.com"))
    # The instance holds what the database holds, not the ORM's DatabaseDefault marker.
    assert ours.results_email == ""
    assert Response.objects.get(pk=ours.pk).results_email == ""
    assert Response.objects.get(pk=given.pk).results_email == "a@example.com"
    leave_out = ("id", "reference", "created_at", "updated_at")
    assert _row(Response, ours.pk, leave_out=leave_out) == _row(
        Response, Response.objects.create(survey=survey).pk, leave_out=leave_out
    )
