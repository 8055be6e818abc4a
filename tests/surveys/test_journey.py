"""A whole survey answered through the views with the test client, as a respondent would."""

import re

import pytest
from django.urls import reverse

from consultation.surveys.drafts import draft_answers_pending
from consultation.surveys.models import Answer, AnswerChoice, Response, ResponseVersion


def _url(name, survey, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"slug": survey.slug, **kwargs})


def _section_url(smap, index):
    return _url("section", smap.survey, section_id=smap.s[index].pk)


def _token(response):
    return re.search(r'name="token" value="([0-9a-f]+)"', response.content.decode()).group(1)


@pytest.mark.django_db
def test_full_survey_through_the_views(
    client, participant, smap, mailoutbox, django_capture_on_commit_callbacks
):
    survey = smap.survey
    client.force_login(participant)
    start = client.get(_url("start", survey))
    assert b"Start now" in start.content

    begun = client.post(_url("begin", survey))
    assert begun.status_code == 302
    assert begun.url == _section_url(smap, 0)

    for index in range(5):
        page = client.get(_section_url(smap, index))
        assert page.status_code == 200
        assert f"Section {index + 1} of 5".encode() in page.content
        saved = client.post(_section_url(smap, index), smap.page(index))
        assert saved.status_code == 302, saved.content.decode()[:3000]
    assert saved.url == _url("check", survey)

    check = client.get(_url("check", survey))
    assert b"Check your answers" in check.content
    assert b"Camden" in check.content  # borough shown by name
    assert b"NW1" in check.content  # only the district is kept
    assert b"Not answered" in check.content  # optional questions left empty

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(_url("check", survey), {"token": _token(check)})
    assert done.url == _url("confirmation", survey)
    response = Response.objects.get(survey=survey, respondent=participant)
    assert response.status == Response.Status.SUBMITTED
    confirmation = client.get(done.url)
    assert response.reference.encode() in confirmation.content

    # Typed rows, one per answer; choices as rows too.
    assert Answer.objects.filter(response=response).count() == 14
    assert AnswerChoice.objects.filter(answer__response=response, rank__isnull=False).count() == 4
    assert AnswerChoice.objects.filter(answer__question=smap.q[7]).count() == 2  # both picks
    postcode = Answer.objects.get(response=response, question=smap.q[13])
    assert postcode.text == "NW1"

    assert len(mailoutbox) == 1
    receipt = mailoutbox[0]
    assert response.reference in receipt.subject
    assert "Strongly agree" in receipt.body
    assert receipt.to == [participant.email]


@pytest.mark.django_db
def test_section_condition_skips_driving_pages(client, participant, smap):
    survey = smap.survey
    client.force_login(participant)
    client.post(_url("begin", survey))
    client.post(_section_url(smap, 0), smap.page(0))
    client.post(_section_url(smap, 1), smap.page(1))
    after_driving = client.post(_section_url(smap, 2), smap.page(2, drives=False))
    # "No" to driving: the Congestion Charge page is skipped.
    assert after_driving.url == _section_url(smap, 4)
    page = client.get(_section_url(smap, 4))
    assert b"Section 4 of 4" in page.content
    # Going to the skipped page directly sends the person on.
    assert client.get(_section_url(smap, 3)).status_code == 302


@pytest.mark.django_db
def test_errors_keep_values_and_link_to_fields(client, participant, smap):
    survey = smap.survey
    client.force_login(participant)
    client.post(_url("begin", survey))
    client.post(_section_url(smap, 0), smap.page(0))
    data = smap.page(1)
    q = smap.q
    data[f"q{q[5].pk}"] = "x" * 1501  # over the 1,500 character limit
    data[f"q{q[4].pk}"] = str(smap.option(4, 5))  # "Other" without saying what
    del data[f"q{q[1].pk}"]  # a required question unanswered
    page = client.post(_section_url(smap, 1), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "There is a problem" in html
    assert f'href="#id_q{q[1].pk}_0"' in html
    assert f'href="#id_q{q[5].pk}"' in html
    assert f'href="#id_q{q[4].pk}_other"' in html
    assert "must be 1500 characters or fewer" in html
    assert "x" * 1501 in html  # what they typed is still there
    assert "Error:" in html.split("</title>")[0]
    assert not Answer.objects.filter(question__in=q[1:6]).exists()


@pytest.mark.django_db
def test_draft_resumes_where_the_person_stopped(client, participant, smap):
    survey = smap.survey
    client.force_login(participant)
    client.post(_url("begin", survey))
    client.post(_section_url(smap, 0), smap.page(0))
    client.post(_section_url(smap, 1), smap.page(1))
    # Half of page 3, then "save and come back later".
    later = client.post(_section_url(smap, 2), {f"q{smap.q[6].pk}": "no", "action": "later"})
    assert later.url == _url("start", survey)
    client.logout()

    client.force_login(participant)
    start = client.get(_url("start", survey))
    assert b"Continue where you stopped" in start.content
    resumed = client.post(_url("begin", survey))
    assert resumed.url == _section_url(smap, 2)
    page = client.get(resumed.url).content.decode()
    assert f'name="q{smap.q[6].pk}" type="radio" value="no" checked' in page
    response = Response.objects.get(respondent=participant)
    assert response.status == Response.Status.DRAFT
    # A draft's answers wait in its one row; the answer rows are written on submit.
    assert len(draft_answers_pending(response)) == 7
    assert not Answer.objects.filter(response=response).exists()


@pytest.mark.django_db
def test_double_submit_creates_one_response_and_one_version(
    client, participant, smap, mailoutbox, django_capture_on_commit_callbacks
):
    survey = smap.survey
    client.force_login(participant)
    client.post(_url("begin", survey))
    client.post(_url("begin", survey))  # a second start: still one response
    for index in range(5):
        client.post(_section_url(smap, index), smap.page(index))
    token = _token(client.get(_url("check", survey)))
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(_url("check", survey), {"token": token})
        second = client.post(_url("check", survey), {"token": token})
        third = client.post(_url("check", survey), {"token": "another-tab"})
    assert first.url == second.url == third.url == _url("confirmation", survey)
    assert Response.objects.filter(survey=survey).count() == 1
    assert ResponseVersion.objects.filter(response__survey=survey).count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_changes_after_submitting_are_versions_and_exports_use_the_latest(
    client, participant, smap, mailoutbox, django_capture_on_commit_callbacks
):
    survey = smap.survey
    q = smap.q
    client.force_login(participant)
    client.post(_url("begin", survey))
    for index in range(5):
        client.post(_section_url(smap, index), smap.page(index))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("check", survey), {"token": _token(client.get(_url("check", survey)))})

    # Change the driving answer to "No": the Congestion Charge answers must go.
    mine = client.get(_url("my_response", survey))
    assert b"Change" in mine.content
    changed = client.post(
        _section_url(smap, 2) + "?change=1", {**smap.page(2, drives=False), "change": "1"}
    )
    assert changed.url == _url("check", survey)
    # Until submitted, the stored response is untouched.
    assert Answer.objects.filter(question=q[9]).exists()
    check = client.get(_url("check", survey))
    assert b"Submit your changes" in check.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("check", survey), {"token": _token(check)})

    response = Response.objects.get(respondent=participant)
    assert list(response.versions.values_list("number", flat=True)) == [1, 2]
    assert not Answer.objects.filter(response=response, question__in=q[9:12]).exists()
    assert Answer.objects.get(response=response, question=q[8]).boolean is False
    assert len(mailoutbox) == 2
    assert "changed" in mailoutbox[1].subject


@pytest.mark.django_db
def test_a_change_that_reveals_new_questions_asks_for_them(client, participant, smap):
    survey = smap.survey
    client.force_login(participant)
    client.post(_url("begin", survey))
    for index in (0, 1):
        client.post(_section_url(smap, index), smap.page(index))
    client.post(_section_url(smap, 2), smap.page(2, drives=False))
    client.post(_section_url(smap, 4), smap.page(4))
    client.post(_url("check", survey), {"token": _token(client.get(_url("check", survey)))})
    client.post(_section_url(smap, 2), {**smap.page(2, drives=True), "change": "1"})
    check = client.get(_url("check", survey))
    failed = client.post(_url("check", survey), {"token": _token(check)})
    assert failed.status_code == 400
    assert b"On how many days a month" in failed.content
    assert f"page/{smap.s[3].pk}/?change=1#id_q{smap.q[9].pk}".encode() in failed.content
    assert Response.objects.get().versions.count() == 1


@pytest.mark.django_db
def test_closed_survey_shows_notice_and_own_answers(client, participant, smap, closed_survey):
    from consultation.surveys.selectors import survey_structure

    response = Response.objects.create(
        survey=closed_survey,
        respondent=participant,
        status="submitted",
        submitted_at=closed_survey.consultation.opens_at,
    )
    question = survey_structure(closed_survey).questions[0]
    Answer.objects.create(response=response, question=question, boolean=False)
    client.force_login(participant)
    start = client.get(_url("start", closed_survey))
    assert b"This survey closed on" in start.content
    assert b"Start now" not in start.content
    mine = client.get(_url("my_response", closed_survey))
    assert b"As an individual" in mine.content
    assert b"no longer change" in mine.content
    refused = client.post(_url("begin", closed_survey))
    assert refused.status_code == 403
    section = closed_survey.sections.first()
    post = client.post(
        _url("section", closed_survey, section_id=section.pk), {f"q{question.pk}": "organisation"}
    )
    assert post.status_code == 403
    assert Answer.objects.get(response=response).boolean is False
