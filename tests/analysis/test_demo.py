"""The analysis demo: themes with tags, and a published results page for the 2014 dates."""

import io

import pytest
from django.urls import reverse

from consultation.analysis.models import ResultsPage, ResultsRelease, Theme, ThemeTag
from consultation.models import Consultation
from demo import analysis as analysis_demo
from demo import surveys as surveys_demo
from talklondon.disclosure import TOTAL
from talklondon.models import OutboxTask
from tests.disclosure.intruder import Knowledge

pytestmark = pytest.mark.django_db


def test_historical_demo_publishes_results_and_is_idempotent(client):
    surveys_demo.seed(stdout=io.StringIO(), historical=True)
    out = io.StringIO()
    analysis_demo.seed(stdout=out, historical=True)
    assert Theme.objects.count() == 3
    tags = ThemeTag.objects.count()
    assert tags > 100
    assert {t.tagged_by.email for t in ThemeTag.objects.select_related("tagged_by")} == {
        analysis_demo.DEMO_ANALYST
    }
    consultation = Consultation.objects.get(slug=surveys_demo.CONSULTATION_SLUG)
    assert consultation.results_published_at > consultation.closes_at
    page = client.get(reverse("results:detail", args=[consultation.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "agreed or strongly agreed" in html and 'href="#themes-6"' in html
    assert 'id="themes-6"' in html and 'id="question-2"' in html

    # The intruder (written apart from the engine) narrows no hidden figure of the demo's
    # published release, and nobody was emailed about a historical publication.
    [release] = ResultsRelease.objects.filter(consultation=consultation)
    assert not OutboxTask.objects.filter(task_name__contains="results_published").exists()
    for table_id, table in release.content["tables"].items():
        grid = {(r, c): v for r, c, v, _f in table["cells"]}
        knowledge = Knowledge(threshold=10, base=5)
        if table["additive"]:
            rows = [code for code, _ in table["rows"]]
            columns = [code for code, _ in table["columns"]]
            knowledge.add_grid(table_id, grid, rows, columns, total=TOTAL)
        else:
            for key, value in grid.items():
                knowledge.unknown((table_id, *key), value)
        narrow = {k: r for k, r in knowledge.ranges().items() if r[1] - r[0] < 5}
        assert narrow == {}, table_id

    analysis_demo.seed(stdout=io.StringIO(), historical=True)
    assert (Theme.objects.count(), ThemeTag.objects.count(), ResultsPage.objects.count()) == (
        3,
        tags,
        1,
    )
    assert ResultsRelease.objects.count() == 1


def test_current_demo_has_themes_but_no_results_page():
    surveys_demo.seed(stdout=io.StringIO(), historical=False)
    analysis_demo.seed(stdout=io.StringIO())
    assert Theme.objects.count() == 3 and ThemeTag.objects.exists()
    assert not ResultsPage.objects.exists()
    assert Consultation.objects.get().results_published_at is None
