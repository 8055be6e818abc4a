"""One definition of a number plate serves the comment rules and the ANPR tripwire."""

import pytest

from anpr_info.tripwire import _classify
from consultation.services.rules import looks_like_vehicle_registration
from talklondon.registration_marks import contains_registration_mark, is_dateless_mark


@pytest.mark.parametrize("text", ["LB07 SEO", "lb07seo", "A123 BCD", "ABC 123D", "seen XYZ 12Q"])
def test_every_dated_format_is_found_in_any_case(text):
    assert contains_registration_mark(text)
    assert looks_like_vehicle_registration(text)
    assert _classify(text) == "vehicle registration mark"


def test_comments_forgive_road_names_that_the_tripwire_does_not():
    road = "Traffic on the M25 and the A406 AND beyond"
    assert not looks_like_vehicle_registration(road)
    assert contains_registration_mark(road)  # "A406 AND": strict, as the tripwire is
    assert _classify(road) == "vehicle registration mark"


@pytest.mark.parametrize("value", ["ABC 123", "1234 AB", " k9 "])
def test_dateless_marks_count_only_as_whole_values(value):
    assert is_dateless_mark(value)
    assert not contains_registration_mark(f"the {value} bus")


def test_ordinary_text_is_not_a_plate():
    text = "Cameras at 1,300 sites; 2024 figures for Camden and Hackney"
    assert not contains_registration_mark(text)
    assert not is_dateless_mark(text)
    assert _classify(text) is None
