"""Survey fixtures: the demo ANPR survey (every question type) on an open consultation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultation.surveys.selectors import survey_structure
from demo import surveys as surveys_demo
from tests.factories import ConsultationFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def survey(db):
    return surveys_demo.survey_build(ConsultationFactory(), slug="anpr")


@pytest.fixture
def closed_survey(db):
    now = timezone.now()
    consultation = ConsultationFactory(
        opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1)
    )
    return surveys_demo.survey_build(consultation, slug="anpr-closed")


@pytest.fixture
def upcoming_survey(db):
    now = timezone.now()
    consultation = ConsultationFactory(
        opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=60)
    )
    return surveys_demo.survey_build(consultation, slug="anpr-upcoming")


class SurveyMap:
    """The demo survey's questions by index (0-15) and sections by index (0-4)."""

    def __init__(self, survey):
        self.survey = survey
        self.structure = survey_structure(survey)
        self.q = self.structure.questions
        self.s = self.structure.sections

    def options(self, index):
        return self.structure.options_by_question[self.q[index].pk]

    def option(self, index, position):
        return self.options(index)[position].pk

    def page(self, index, *, drives=True, aware=True) -> dict:
        """Valid POST data for section `index`."""
        q = self.q
        if index == 0:
            return {f"q{q[0].pk}": "individual"}
        if index == 1:
            data = {f"q{q[1].pk}": "4"}
            for option in self.options(2):
                data[f"q{q[2].pk}_s{option.pk}"] = "5"
            for rank, option in enumerate(self.options(3), start=1):
                data[f"q{q[3].pk}_r{option.pk}"] = str(rank)
            data[f"q{q[4].pk}"] = str(self.option(4, 1))
            data[f"q{q[5].pk}"] = "Safeguards matter."
            return data
        if index == 2:
            data = {
                f"q{q[6].pk}": "yes" if aware else "no",
                f"q{q[8].pk}": "yes" if drives else "no",
            }
            if aware:
                data[f"q{q[7].pk}"] = [str(self.option(7, 0)), str(self.option(7, 2))]
            return data
        if index == 3:
            return {
                f"q{q[9].pk}": "12",
                f"q{q[10].pk}": str(self.option(10, 0)),
                f"q{q[11].pk}": "Van",
            }
        return {f"q{q[12].pk}": "E09000007", f"q{q[13].pk}": "nw1 2db"}


@pytest.fixture
def smap(survey):
    return SurveyMap(survey)
