"""Each question type: valid, invalid and boundary answers, through the same rules the
services apply (so a tampered form is judged exactly like a typed one)."""

import pytest
from django.http import QueryDict

from consultation.surveys.answers import answer_parse, answer_problems, postcode_district
from consultation.surveys.forms import AnswersForm


def judge(smap, index, data):
    """Parse form data for question `index` and return (value, messages)."""
    question = smap.q[index]
    value, problems = answer_parse(smap.structure, question, data)
    if not problems:
        problems = answer_problems(smap.structure, question, value)
    return value, [message for _, message in problems]


@pytest.mark.parametrize(
    ("typed", "district"),
    [
        ("SW1A", "SW1A"),
        ("sw1a 1aa", "SW1A"),
        ("E1", "E1"),
        ("e1 6an", "E1"),
        ("N1C", "N1C"),
        ("N1C 4AG", "N1C"),
        ("EC1A", "EC1A"),
        ("EC1A 1BB", "EC1A"),
        ("CR0", "CR0"),
        ("W1A0AX", "W1A"),
        ("XYZ", None),
        ("123", None),
        ("SW1A 1A", None),
        ("", None),
        ("Q1", None),
        ("<script>", None),
    ],
)
def test_postcode_district_keeps_only_a_valid_outward_code(typed, district):
    assert postcode_district(typed) == district


@pytest.mark.django_db
class TestQuestionTypes:
    def test_single_choice(self, smap):
        q = smap.q[4]
        assert judge(smap, 4, {f"q{q.pk}": str(smap.option(4, 0))})[1] == []
        # An option id from another question is refused.
        assert judge(smap, 4, {f"q{q.pk}": str(smap.option(10, 0))})[1]
        assert judge(smap, 4, {f"q{q.pk}": "not-a-number"})[1]
        assert "Select an answer" in judge(smap, 4, {})[1][0]

    def test_single_choice_other_needs_and_limits_a_description(self, smap):
        q = smap.q[4]
        other = str(smap.option(4, 5))
        assert "Tell us what ‘Other’" in judge(smap, 4, {f"q{q.pk}": other})[1][0]
        value, problems = judge(smap, 4, {f"q{q.pk}": other, f"q{q.pk}_other": "x" * 200})
        assert problems == [] and value["text"] == "x" * 200
        assert judge(smap, 4, {f"q{q.pk}": other, f"q{q.pk}_other": "x" * 201})[1]

    def test_multiple_choice_picks_between_min_and_max(self, smap):
        q = smap.q[7]
        ids = [str(o.pk) for o in smap.options(7)]
        data = QueryDict(mutable=True)
        assert "Select an answer" in judge(smap, 7, data)[1][0]
        data.setlist(f"q{q.pk}", ids[:1])
        assert judge(smap, 7, data)[1] == []
        data.setlist(f"q{q.pk}", ids[:3])
        assert judge(smap, 7, data)[1] == []
        data.setlist(f"q{q.pk}", ids[:4])
        assert "between 1 and 3" in judge(smap, 7, data)[1][0]
        data.setlist(f"q{q.pk}", [ids[0], ids[0]])
        assert judge(smap, 7, data)[1]  # the same option twice
        data.setlist(f"q{q.pk}", [ids[0], str(smap.option(4, 0))])
        assert judge(smap, 7, data)[1]  # an option of another question

    def test_agreement_scale_has_five_points_and_dont_know(self, smap):
        q = smap.q[1]
        for point in ("0", "1", "5"):
            assert judge(smap, 1, {f"q{q.pk}": point})[1] == []
        for bad in ("6", "-1", "strongly"):
            assert judge(smap, 1, {f"q{q.pk}": bad})[1]

    def test_matrix_needs_every_statement_when_required(self, smap):
        q = smap.q[2]
        statements = smap.options(2)
        full = {f"q{q.pk}_s{o.pk}": "3" for o in statements}
        value, problems = judge(smap, 2, full)
        assert problems == [] and len(value["scales"]) == 4
        partial = dict(list(full.items())[:2])
        assert len(judge(smap, 2, partial)[1]) == 2
        assert judge(smap, 2, {**full, f"q{q.pk}_s{statements[0].pk}": "9"})[1]

    def test_ranking_needs_distinct_numbers_in_range(self, smap):
        q = smap.q[3]
        options = smap.options(3)
        ranks = {f"q{q.pk}_r{o.pk}": str(i) for i, o in enumerate(options, start=1)}
        assert judge(smap, 3, ranks)[1] == []
        assert judge(smap, 3, {})[1] == []  # optional
        same = {**ranks, f"q{q.pk}_r{options[1].pk}": "1"}
        assert "different number" in judge(smap, 3, same)[1][0]
        assert judge(smap, 3, {**ranks, f"q{q.pk}_r{options[0].pk}": "5"})[1]
        assert judge(smap, 3, {**ranks, f"q{q.pk}_r{options[0].pk}": "0"})[1]

    def test_long_text_limit_counts_line_breaks_once(self, smap):
        q = smap.q[5]
        assert judge(smap, 5, {f"q{q.pk}": "x" * 1500})[1] == []
        assert judge(smap, 5, {f"q{q.pk}": "x" * 1501})[1]
        assert judge(smap, 5, {f"q{q.pk}": "x\r\n" * 750})[1] == []  # 1,499 characters
        assert judge(smap, 5, {})[1] == []  # optional

    def test_short_text(self, smap):
        q = smap.q[11]
        assert judge(smap, 11, {f"q{q.pk}": "A" * 100})[1] == []
        assert judge(smap, 11, {f"q{q.pk}": "A" * 101})[1]

    def test_number_with_bounds(self, smap):
        q = smap.q[9]
        for good in ("0", "31", " 12 "):
            assert judge(smap, 9, {f"q{q.pk}": good})[1] == []
        assert "between 0 and 31" in judge(smap, 9, {f"q{q.pk}": "32"})[1][0]
        assert "between 0 and 31" in judge(smap, 9, {f"q{q.pk}": "-1"})[1][0]
        assert "whole number" in judge(smap, 9, {f"q{q.pk}": "2.5"})[1][0]
        assert judge(smap, 9, {f"q{q.pk}": "9" * 40})[1]

    def test_yes_no(self, smap):
        q = smap.q[8]
        assert judge(smap, 8, {f"q{q.pk}": "yes"})[0] == {"boolean": True}
        assert judge(smap, 8, {f"q{q.pk}": "no"})[0] == {"boolean": False}
        assert judge(smap, 8, {f"q{q.pk}": "maybe"})[1]
        assert judge(smap, 8, {})[1]

    def test_borough(self, smap):
        q = smap.q[12]
        assert judge(smap, 12, {f"q{q.pk}": "E09000001"})[1] == []  # City of London
        assert judge(smap, 12, {f"q{q.pk}": "outside"})[1] == []
        assert judge(smap, 12, {f"q{q.pk}": "E06000001"})[1]  # Hartlepool
        assert judge(smap, 12, {})[1]

    def test_postcode_district_question(self, smap):
        q = smap.q[13]
        assert judge(smap, 13, {f"q{q.pk}": "se1 7pb"})[0] == {"text": "SE1"}
        assert "first part of a UK postcode" in judge(smap, 13, {f"q{q.pk}": "London"})[1][0]
        assert judge(smap, 13, {})[1] == []  # optional

    def test_organisation_asks_for_name_and_role(self, smap):
        q = smap.q[0]
        assert judge(smap, 0, {f"q{q.pk}": "individual", f"q{q.pk}_name": "Ignored"})[1] == []
        problems = judge(smap, 0, {f"q{q.pk}": "organisation"})[1]
        assert problems == ["Enter the organisation’s name", "Enter your role in the organisation"]
        value, problems = judge(
            smap, 0, {f"q{q.pk}": "organisation", f"q{q.pk}_name": "Acme", f"q{q.pk}_role": "Chair"}
        )
        assert problems == [] and value == {"boolean": True, "text": "Acme", "detail": "Chair"}
        too_long = {f"q{q.pk}": "organisation", f"q{q.pk}_name": "A" * 201, f"q{q.pk}_role": "C"}
        assert judge(smap, 0, too_long)[1]


@pytest.mark.django_db
def test_form_drops_other_text_when_other_is_not_chosen(smap):
    q = smap.q[4]
    form = AnswersForm(
        {f"q{q.pk}": str(smap.option(4, 0)), f"q{q.pk}_other": "leftover"},
        structure=smap.structure,
        questions=[q],
        enforce_required=True,
    )
    assert form.is_valid()
    assert form.answers[q.pk] == {"option": smap.option(4, 0), "text": ""}


@pytest.mark.django_db
def test_null_bytes_and_huge_input_never_cause_errors(client, participant, smap):
    from django.urls import reverse

    client.force_login(participant)
    client.post(reverse("surveys:begin", kwargs={"slug": smap.survey.slug}))
    url = reverse("surveys:section", kwargs={"slug": smap.survey.slug, "section_id": smap.s[1].pk})
    data = smap.page(1)
    data[f"q{smap.q[5].pk}"] = "safe\x00text"
    data[f"q{smap.q[1].pk}"] = "4\x00"
    response = client.post(url, data)
    assert response.status_code == 200  # the tampered scale value is refused with a message
    assert b"There is a problem" in response.content
