"""What one full online submission costs the database, page by page.

Launch-day throughput depends on it (bench/submission_spike.py drives this same journey), so a
change that adds queries per page shows here first.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultation.surveys.bench import SurveyBench
from consultation.surveys.models import Response
from consultation.surveys.selectors import survey_structure_copies_clear


@pytest.mark.django_db
@pytest.mark.parametrize("reuse", [False, True], ids=["structure-loaded", "structure-reused"])
def test_a_full_submission_stays_within_its_query_budget(client, participant, settings, reuse):
    # As in production, where the structure is reused between requests; and without that.
    settings.SURVEY_STRUCTURE_CACHE_SECONDS = 300 if reuse else 0
    survey_structure_copies_clear()
    bench = SurveyBench()
    bench.prepare()
    client.force_login(participant)
    counts = []
    for step in bench.steps(respondent=0, token="t" * 32):
        data = {}
        for name, value in step.fields:
            data.setdefault(name, []).append(value)
        with CaptureQueriesContext(connection) as queries:
            answer = client.post(step.path, data)
        assert answer.status_code == 302, answer.content[:2000]
        assert step.expect in answer["Location"]
        counts.append(len(queries))
    assert Response.objects.get(survey=bench.survey, respondent=participant).is_submitted
    begin, *pages, submit = counts
    # Session, user, survey, response, email check, structure (5, once), answers, the write.
    assert begin <= 15
    assert max(pages) <= (17 if reuse else 22), pages
    # Submitting rewrites every answer, keeps a version and queues the receipt (here the
    # eager Celery relay of that receipt runs in the same request, about 8 more).
    assert submit <= (36 if reuse else 41)
