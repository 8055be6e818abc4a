"""The GOV.UK date input field: three boxes, one date, GOV.UK's error messages."""

import datetime as dt

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from talklondon.date_input import GovukDateField, GovukDateTimeField


class DateForm(forms.Form):
    when = GovukDateField(label="From date (optional)", required=False)


def _clean(day, month, year):
    form = DateForm({"when_0": day, "when_1": month, "when_2": year})
    return form.is_valid(), form.cleaned_data.get("when"), form.errors.get("when", [])


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "2", "2026"), "From date must include a day"),
        (("31", "", ""), "From date must include a month and a year"),
        (("31", "2", "2026"), "From date must be a real date"),
        (("1", "2", "26"), "Year must include 4 numbers"),
        (("١", "2", "2026"), "From date must be a real date"),  # an Arabic-Indic digit
        (("1e3", "2", "2026"), "From date must be a real date"),
    ],
)
def test_mistakes_get_the_govuk_message(parts, message):
    valid, _value, errors = _clean(*parts)
    assert not valid and errors == [message]


def test_a_real_date_and_an_empty_optional_date():
    assert _clean("8", "04", "2026")[:2] == (True, dt.date(2026, 4, 8))
    assert _clean("", "", "")[:2] == (True, None)


@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=12))
def test_any_input_is_a_date_none_or_a_form_error(day, month, year):
    valid, value, errors = _clean(day, month, year)
    assert (valid and (value is None or isinstance(value, dt.date))) or (not valid and errors)


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_every_real_date_round_trips(date):
    assert _clean(str(date.day), str(date.month), str(date.year))[:2] == (True, date)


class WhenForm(forms.Form):
    when = GovukDateTimeField(label="Opens")


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("11", "2", "2026", ""), "Opens must include a time"),
        (("11", "2", "2026", "25:00"), "Opens time must be on the 24-hour clock"),
        (("11", "", "2026", "09:00"), "Opens must include a month"),
    ],
)
def test_date_and_time_mistakes(parts, message):
    form = WhenForm({f"when_{i}": part for i, part in enumerate(parts)})
    assert not form.is_valid() and form.errors["when"][0].startswith(message)


def test_date_and_time_is_london_time():
    form = WhenForm({"when_0": "1", "when_1": "7", "when_2": "2026", "when_3": "9:30"})
    assert form.is_valid()
    assert form.cleaned_data["when"] == dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)  # BST
