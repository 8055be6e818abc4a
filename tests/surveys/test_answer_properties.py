"""Property-based tests (hypothesis) of the survey answer pages: whatever a respondent posts to
any page of the demo survey (every question type), the answer is the page again with its error
summary, a redirect, or a clear 4xx, never a 500; a refused page leaves the draft and the
stored answers exactly as they were."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultation.surveys.models import Answer, Response, Survey

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Free text with the shapes the answer parsers meet: Unicode digits, huge numbers, option ids
# from nowhere, postcodes, control characters, very long values.
hostile = st.text(max_size=60) | st.sampled_from(
    ["", " ", "²", "٣", "-1", "0", "1e9", "9" * 40, "NaN", "nw1 2db", "\x00", "x" * 5000]
)
value = hostile | st.lists(hostile, min_size=2, max_size=3)


def _posted(valid: dict, draw_values: dict, extra: dict) -> dict:
    data = {**valid}
    for name, replacement in draw_values.items():
        if replacement is not None:
            data[name] = replacement
    data.update(extra)
    return data


def _tampered(smap, index: int):
    """Valid answers for section `index`, some fields replaced by hostile values, perhaps
    fields of other questions and the form's control fields too."""
    valid = smap.page(index)
    return st.tuples(
        st.fixed_dictionaries({name: st.none() | value for name in valid}),
        st.dictionaries(
            st.sampled_from(
                [f"q{q.pk}" for q in smap.q]
                + [f"q{smap.q[2].pk}_s0", f"q{smap.q[3].pk}_r²", "action", "change", "q²"]
            ),
            value,
            max_size=3,
        ),
    ).map(lambda drawn: _posted(valid, *drawn))


def _stored(response: Response):
    response.refresh_from_db()
    return response.draft_answers, response.status, Answer.objects.count()


@pytest.fixture
def answering(client, participant, smap, settings):
    settings.RATELIMIT_ENABLE = False  # many posts in a minute, by design
    client.force_login(participant)
    assert client.post(reverse("surveys:begin", args=[smap.survey.slug])).status_code == 302
    # Answer every page validly first, so that every page applies and has a draft to keep.
    for index in range(5):
        url = reverse("surveys:section", args=[smap.survey.slug, smap.s[index].pk])
        assert client.post(url, smap.page(index)).status_code == 302
    return client, Response.objects.get(survey=smap.survey, respondent=participant)


@pytest.mark.parametrize("index", range(5))
def test_any_answers_on_any_survey_page_get_a_page_or_a_redirect(answering, smap, index):
    client, response = answering
    url = reverse("surveys:section", args=[smap.survey.slug, smap.s[index].pk])

    @PROPERTY
    @given(data=_tampered(smap, index))
    def post_anything(data):
        before = _stored(response)
        page = client.post(url, data)
        assert page.status_code in (200, 302, 400, 403, 404), page.status_code
        if page.status_code != 302:  # refused: the page again, saying what to fix
            if page.status_code == 200:
                assert b"govuk-error-summary" in page.content
            assert _stored(response) == before

    post_anything()


def test_any_answers_on_the_one_page_layout_get_a_page_or_a_redirect(answering, smap):
    client, response = answering
    Survey.objects.filter(pk=smap.survey.pk).update(layout=Survey.Layout.ONE_PAGE)
    url = reverse("surveys:one_page", args=[smap.survey.slug])
    valid = {k: v for index in range(5) for k, v in smap.page(index).items()}
    everything = st.fixed_dictionaries({name: st.none() | value for name in valid}).map(
        lambda drawn: _posted(valid, drawn, {})
    )

    @PROPERTY
    @given(data=everything)
    def post_anything(data):
        before = _stored(response)
        page = client.post(url, data)
        assert page.status_code in (200, 302, 400, 403, 404), page.status_code
        if page.status_code != 302:
            if page.status_code == 200:
                assert b"govuk-error-summary" in page.content
            assert _stored(response) == before

    post_anything()
