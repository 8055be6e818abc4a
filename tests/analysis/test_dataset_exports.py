"""The real datasets: survey responses, comments and the moderation log match the database."""

import io
from datetime import timedelta
from html import escape

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from consultation.analysis.exports import ExportFilters, dataset_all, dataset_get
from consultation.analysis.exports.surveys import survey_dataset_key
from consultation.analysis.models import ExportRecord
from consultation.models import ModerationAction
from consultation.services.moderation import comment_reject
from consultation.surveys.answers import SCALE_LABELS
from consultation.surveys.free_text import WITHHELD
from consultation.surveys.models import Response
from consultation.surveys.selectors import response_answers
from talklondon.areas import borough_name
from talklondon.permissions import ROLE_ANALYST, ROLE_EXPORTER, ROLE_MODERATOR
from tests.analysis.helpers import NASTY_TEXTS, csv_rows
from tests.analysis.surveydata import (
    CAMDEN,
    HACKNEY,
    Type,
    online_response,
    questions_by_type,
    survey_with_responses,
)
from tests.analysis.test_exports import CREATE, form_data, streamed
from tests.factories import CommentFactory, UserFactory


def expected_cells(dataset, response, structure) -> dict[str, str]:
    """What each question column should say for this response, read through the surveys app."""
    answers = response_answers(response)
    expected = {}
    for variable in dataset.variables():
        question = variable.question
        value = answers.get(question.pk)
        keys = [c.key for c in variable.columns]
        options = structure.options_by_question.get(question.pk, [])
        cells = [""] * len(keys)
        if value:
            t = question.type
            if t == Type.SINGLE_CHOICE:
                cells[0] = structure.option_label(value["option"])
                if len(keys) > 1:
                    cells[1] = value.get("text", "")
            elif t == Type.MULTIPLE_CHOICE:
                cells = ["1" if o.pk in value["options"] else "0" for o in options]
            elif t == Type.RANKING:
                ranks = dict(map(tuple, value["ranks"]))
                cells = [str(ranks[o.pk]) if o.pk in ranks else "" for o in options]
            elif t == Type.MATRIX:
                scales = dict(map(tuple, value["scales"]))
                cells = [SCALE_LABELS[scales[o.pk]] if o.pk in scales else "" for o in options]
            elif t == Type.AGREEMENT:
                cells = [SCALE_LABELS[value["scale"]]]
            elif t == Type.YES_NO:
                cells = ["Yes" if value["boolean"] else "No"]
            elif t == Type.NUMBER:
                cells = [str(value["number"])]
            elif t == Type.BOROUGH:
                cells = [borough_name(value["text"]), value["text"]]
            elif t == Type.ORGANISATION:
                cells = ["Organisation" if value["boolean"] else "Individual", value["text"]]
                if len(keys) > 2:
                    cells.append(value["detail"])
            else:
                cells = [value["text"]]
        expected.update(zip(keys, cells, strict=True))
    return expected


def export_csv(client, **overrides):
    return csv_rows(streamed(client.post(CREATE, form_data(**overrides))))


@pytest.mark.django_db
def test_each_survey_is_a_dataset_and_listed_in_the_form(staff_client):
    survey = survey_with_responses(count=0)
    keys = {d.key for d in dataset_all()}
    assert {survey_dataset_key(survey.pk), "comments", "moderation-log"} <= keys
    client, _ = staff_client(ROLE_ANALYST)
    page = client.get(CREATE).content.decode()
    assert escape(f"Survey responses: {survey.title}") in page
    assert f'value="{survey_dataset_key(survey.pk)}"' in page


@pytest.mark.django_db
def test_anonymised_survey_export_matches_the_database(staff_client):
    survey = survey_with_responses(count=30)
    person = UserFactory(display_name="Ada Lovelace-Byron")
    online_response(survey, person, text='=HYPERLINK("http://evil")', other="@home only")
    client, _ = staff_client(ROLE_ANALYST)

    rows = export_csv(client, dataset=survey_dataset_key(survey.pk))

    dataset = dataset_get(survey_dataset_key(survey.pk))
    columns = dataset.columns(ExportFilters())
    header, data = rows[0], rows[1:]
    assert header == [c.header for c in columns]
    assert header[:4] == ["Respondent", "Status", "Channel", "Submitted at"]
    responses = list(Response.objects.filter(survey=survey, status="submitted").order_by("pk"))
    assert len(data) == len(responses) == 31
    structure, _ = questions_by_type(survey)
    keys = [c.key for c in columns]
    for response, row in zip(responses, data, strict=True):
        cells = dict(zip(keys, row, strict=True))
        assert cells["channel"] == response.get_channel_display()
        assert cells["submitted_at"] == timezone.localtime(response.submitted_at).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        assert cells["respondent"].startswith("R-")
        for key, value in expected_cells(dataset, response, structure).items():
            # Formula-like text gains a leading apostrophe; everything else is as stored.
            if value[:1] in ("=", "+", "-", "@") and not value.lstrip("-").isdigit():
                value = "'" + value
            assert cells[key] == value, (key, response.pk)
    # Every response has its own pseudonym; nothing identifies anyone.
    assert len({row[0] for row in data}) == len(data)
    text = "\n".join(",".join(r) for r in rows)
    assert person.email not in text and "Ada Lovelace-Byron" not in text
    assert "Chair" not in text  # the organisation role is personal: identified only
    assert '\'=HYPERLINK("http://evil")' in text and "'@home only" in text
    assert ",-3," in text  # a negative number stays a number


@pytest.mark.django_db
def test_identified_survey_export_adds_names_and_emails(staff_client):
    survey = survey_with_responses(count=3)
    person = UserFactory(display_name="Grace Hopper")
    mine = online_response(survey, person)
    client, _ = staff_client(ROLE_EXPORTER)

    rows = export_csv(
        client,
        dataset=survey_dataset_key(survey.pk),
        kind="identified",
        purpose="Writing back to respondents who asked us to",
    )

    header = rows[0]
    assert header[4:10] == [
        "Likely duplicate",
        "Reference",
        "Name",
        "Email address",
        "Channel reference",
        "Likely duplicate of",
    ]
    by_reference = {row[5]: row for row in rows[1:]}
    assert by_reference[mine.reference][6:8] == ["Grace Hopper", person.email]
    for response in Response.objects.filter(survey=survey).exclude(pk=mine.pk):
        row = by_reference[response.reference]
        # Other channels: the name written on the form, no email; demo online ones: no account.
        assert row[6] == response.respondent_name
        assert row[7] == ""
    role_column = next(i for i, h in enumerate(header) if h.endswith("– role"))
    assert by_reference[mine.reference][role_column] == "Chair"
    record = ExportRecord.objects.get()
    assert record.identified and "-identified-" in record.file_name


@pytest.mark.django_db
def test_survey_export_filters_by_channel_borough_dates_and_drafts(staff_client):
    survey = survey_with_responses(count=0)
    camden = online_response(survey, UserFactory(), borough=CAMDEN)
    hackney = online_response(survey, UserFactory(), borough=HACKNEY)
    draft = online_response(survey, UserFactory(), borough=CAMDEN, status="draft")
    Response.objects.filter(pk=hackney.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    client, _ = staff_client(ROLE_ANALYST)
    key = survey_dataset_key(survey.pk)

    def statuses(**filters):
        rows = export_csv(client, dataset=key, **filters)
        return sorted(row[1] for row in rows[1:])

    assert statuses() == ["Submitted", "Submitted"]
    assert statuses(include_drafts="all") == ["Draft", "Submitted", "Submitted"]
    assert statuses(borough=CAMDEN) == ["Submitted"]
    assert statuses(borough=CAMDEN, include_drafts="all") == ["Draft", "Submitted"]
    since = (timezone.localdate() - timedelta(days=2)).strftime("%d/%m/%Y")
    assert statuses(date_from=since) == ["Submitted"]
    rows = export_csv(client, dataset=key, date_from=since)
    assert rows[1][1] == "Submitted"
    response = client.post(CREATE, form_data(dataset=key, channel="paper"))
    assert response.status_code == 302  # nothing matched: the record page says so
    record = ExportRecord.objects.order_by("-pk").first()
    assert record.row_count == 0 and "No rows matched" in record.manifest["message"]
    assert camden and draft


@pytest.mark.django_db
def test_survey_xlsx_has_codebook_with_options_and_conditions(staff_client):
    survey = survey_with_responses(count=2)
    client, _ = staff_client(ROLE_ANALYST)
    response = client.post(
        CREATE, form_data(dataset=survey_dataset_key(survey.pk), file_format="xlsx")
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Data", "Codebook", "Manifest"]
    codebook = [[c or "" for c in row] for row in workbook["Codebook"].iter_rows(values_only=True)]
    texts = {row[1] for row in codebook}
    assert "Where have you heard about ANPR cameras?" in texts
    conditions = {row[0]: row[4] for row in codebook if row[4]}
    # Q8 (where heard) is shown only to those who knew; the driving section only to drivers.
    assert conditions["q8"].startswith("Shown only if Q7 is Yes")
    assert "Shown only if Q9 is Yes (whole section)" in conditions["q10"]
    values = {(row[0], row[2]) for row in codebook}
    assert ("q5", "Other, please specify") in values
    assert ("q13_code", CAMDEN) in values
    data = list(workbook["Data"].iter_rows(values_only=True))
    assert len(data) == 3


@pytest.mark.django_db
def test_survey_export_query_count_does_not_grow_with_responses(
    staff_client, django_assert_max_num_queries
):
    survey = survey_with_responses(count=60)
    dataset = dataset_get(survey_dataset_key(survey.pk))
    dataset.variables()
    with django_assert_max_num_queries(4):
        rows = list(dataset.rows(ExportFilters()))
    assert len(rows) == 60


@pytest.mark.django_db
def test_comments_export_has_thread_position_and_state(staff_client, make_staff):
    top = CommentFactory(body="First top-level comment")
    second = CommentFactory(page=top.page, body="=cmd|' /C calc'!A0")
    reply = CommentFactory(reply_to=top, body="A reply 👍🏽")
    reply2 = CommentFactory(reply_to=top, body="Another reply")
    deep = CommentFactory(reply_to=reply, body="Deep reply")
    moderator = make_staff(ROLE_MODERATOR)
    comment_reject(actor=moderator, comment=reply2, reason_code="1")
    client, _ = staff_client(ROLE_ANALYST)

    rows = export_csv(client, dataset="comments")
    header, data = rows[0], rows[1:]
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in data}
    assert set(by_id) == {top.pk, second.pk, reply.pk, reply2.pk, deep.pk}
    assert by_id[top.pk]["Parent id"] == "" and by_id[top.pk]["Position"] == "1"
    assert by_id[second.pk]["Position"] == "2" and by_id[second.pk]["Depth"] == "0"
    assert by_id[reply.pk]["Parent id"] == str(top.pk)
    assert by_id[reply2.pk]["Position"] == "2"
    assert by_id[deep.pk]["Depth"] == "2" and by_id[deep.pk]["Thread id"] == str(top.pk)
    assert by_id[second.pk]["Text"] == "'=cmd|' /C calc'!A0"
    assert by_id[reply.pk]["Text"] == "A reply 👍🏽"
    assert by_id[reply2.pk]["Moderation state"] == "Removed by a moderator"
    assert by_id[reply2.pk]["Removed under"] == "Rule 1: Be civil"
    assert by_id[reply2.pk]["Text"] == ""  # withheld from the anonymised file
    assert by_id[top.pk]["Page"] == top.page.title
    assert top.author.email not in "".join(",".join(r) for r in rows)
    assert by_id[top.pk]["Author"].startswith("R-")

    exporter_client, _ = staff_client(ROLE_EXPORTER)
    rows = export_csv(
        exporter_client,
        dataset="comments",
        kind="identified",
        purpose="Investigating a complaint about moderation",
    )
    by_id = {int(row[0]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_id[reply2.pk]["Text"] == "Another reply"
    assert by_id[top.pk]["Email address"] == top.author.email
    assert by_id[top.pk]["Display name"] == top.author.display_name


@pytest.mark.django_db
def test_moderation_log_export_lists_every_entry(staff_client, make_staff):
    comment = CommentFactory(body="Call me on 07700 900123")
    moderator = make_staff(ROLE_MODERATOR)
    comment_reject(actor=moderator, comment=comment, reason_code="2", note="Phone number")
    client, _ = staff_client(ROLE_ANALYST)

    rows = export_csv(client, dataset="moderation-log")
    entries = list(ModerationAction.objects.order_by("pk"))
    assert len(rows) - 1 == len(entries) == 1
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Action"] == "Removed"
    assert row["Moderator"] == moderator.display_name
    assert row["Comment id"] == str(comment.pk)
    assert row["House rule"] == "Rule 2: Do not share personal information"
    assert row["Reason given"] == "Phone number"
    assert row["Participant"].startswith("R-")
    assert "07700" not in ",".join(rows[1])

    exporter_client, _ = staff_client(ROLE_EXPORTER)
    rows = export_csv(
        exporter_client,
        dataset="moderation-log",
        kind="identified",
        purpose="Subject access request from the participant",
    )
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Participant email"] == comment.author.email
    assert row["Moderator email"] == moderator.email


@pytest.mark.django_db
def test_hostile_free_text_in_survey_answers_exports_intact_and_safe(staff_client):
    survey = survey_with_responses(count=0)
    for text in NASTY_TEXTS:
        online_response(survey, UserFactory(), text=text)
    client, _ = staff_client(ROLE_ANALYST)
    dataset = dataset_get(survey_dataset_key(survey.pk))
    text_column = next(
        i for i, c in enumerate(dataset.columns(ExportFilters())) if c.header.startswith("Q6.")
    )
    rows = export_csv(client, dataset=survey_dataset_key(survey.pk))
    exported = [row[text_column] for row in rows[1:]]
    expected = ["'" + t if t[:1] in "=+-@\t\r" else t for t in NASTY_TEXTS]
    assert exported == expected

    response = client.post(
        CREATE, form_data(dataset=survey_dataset_key(survey.pk), file_format="xlsx")
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Data"]
    cells = [row[text_column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells[0] == "'=1+1" and cells[6] == "Thumbs up 👍🏽 and 🚓"
    assert all(not isinstance(c, str) or not c.startswith(("=", "+", "-", "@")) for c in cells)


@pytest.mark.django_db
def test_large_survey_export_is_built_in_the_background_with_the_same_rows(
    staff_client, settings, django_capture_on_commit_callbacks, mailoutbox
):
    from django.urls import reverse

    survey = survey_with_responses(count=12)
    client, analyst = staff_client(ROLE_ANALYST)
    data = form_data(dataset=survey_dataset_key(survey.pk))
    streamed_rows = csv_rows(streamed(client.post(CREATE, data)))

    settings.EXPORT_STREAM_MAX_ROWS = 5
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, data)
    record = ExportRecord.objects.filter(delivery=ExportRecord.Delivery.BACKGROUND).get()
    assert response["Location"] == reverse("analysis_staff:export_detail", args=[record.pk])
    assert record.status == ExportRecord.Status.READY and record.row_count == 12
    download = client.get(reverse("analysis_staff:export_download", args=[record.pk]))
    built = csv_rows(b"".join(download.streaming_content))
    assert [row[1:] for row in built] == [row[1:] for row in streamed_rows]
    assert [m.to for m in mailoutbox] == [[analyst.email]]


def draft_saved_on_two_pages(survey):
    """A draft with answers saved on its first two pages (kept in `draft_answers`, no Answer
    rows yet), and a submitted response whose first page has a change not submitted yet."""
    from consultation.surveys import services

    structure, by_type = questions_by_type(survey)
    organisation = by_type[Type.ORGANISATION][0]
    agreement = by_type[Type.AGREEMENT][0]
    matrix = by_type[Type.MATRIX][0]
    single = by_type[Type.SINGLE_CHOICE][0]
    long_text = by_type[Type.LONG_TEXT][0]
    person = UserFactory()
    draft = services.survey_response_start(survey=survey, actor=person)
    services.survey_section_save(
        response=draft,
        actor=person,
        section=organisation.section,
        answers={organisation.pk: {"boolean": True, "text": "=Draft Cyclists", "detail": "Chair"}},
        enforce_required=False,
    )
    statements = structure.options_by_question[matrix.pk]
    services.survey_section_save(
        response=draft,
        actor=person,
        section=agreement.section,
        answers={
            agreement.pk: {"scale": 4},
            matrix.pk: {"scales": [[s.pk, 1 if s == statements[0] else 3] for s in statements]},
            single.pk: {"option": structure.options_by_question[single.pk][1].pk},
            long_text.pk: {"text": "Ring me on 07700 900123 about it"},
        },
        enforce_required=False,
    )
    assert not draft.answers.exists()
    changer = UserFactory()
    submitted = online_response(survey, changer)
    services.survey_section_save(
        response=submitted,
        actor=changer,
        section=organisation.section,
        answers={organisation.pk: {"boolean": True, "text": "Acme Ltd", "detail": "Boss"}},
    )
    return draft, submitted


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["anonymised", "identified"])
def test_a_drafts_saved_answers_are_exported_as_they_would_be_once_submitted(kind, staff_client):
    """Drafts keep their answers in one JSON column until submitted: an export that includes
    drafts shows them (formula-safe, personal free text withheld from the anonymised file),
    and a submitted response's pending changes stay out of it."""
    survey = survey_with_responses(count=0)
    draft, submitted = draft_saved_on_two_pages(survey)
    client, _ = staff_client(ROLE_EXPORTER if kind == "identified" else ROLE_ANALYST)
    key = survey_dataset_key(survey.pk)

    rows = export_csv(
        client,
        dataset=key,
        kind=kind,
        include_drafts="all",
        purpose="Checking what people have saved in their drafts",
    )

    keys = [
        c.key for c in dataset_get(key, identified=kind == "identified").columns(ExportFilters())
    ]
    cells = {row[1]: dict(zip(keys, row, strict=True)) for row in rows[1:]}
    drafted, final = cells["Draft"], cells["Submitted"]
    structure, by_type = questions_by_type(survey)
    single = by_type[Type.SINGLE_CHOICE][0]
    assert drafted["q1"] == "Organisation" and drafted["q1_name"] == "'=Draft Cyclists"
    assert drafted["q2"] == SCALE_LABELS[4]
    assert drafted["q3_1"] == SCALE_LABELS[1] and drafted["q3_2"] == SCALE_LABELS[3]
    assert drafted["q5"] == structure.options_by_question[single.pk][1].label
    if kind == "identified":
        assert drafted["q1_role"] == "Chair"
        assert drafted["q6"] == "Ring me on 07700 900123 about it"
    else:
        # Not reviewed (it cannot be while a draft): withheld, as a submitted answer would be.
        assert drafted["q6"] == WITHHELD
    assert drafted["q13"] == ""  # not answered yet
    assert final["q1_name"] == "Camden Cyclists"
    assert "Acme" not in str(rows)
