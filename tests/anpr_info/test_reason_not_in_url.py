"""A CSV return's `reason` is free text: it must never travel in the URL, where access logs keep
it (issue 14). It goes in the X-ANPR-Reason header instead."""

import json
import urllib.parse

import pytest

from anpr_info.models import Submission
from demo.anpr_simulator import return_body
from tests.anpr_info.conftest import RETURNS, hits_document

pytestmark = pytest.mark.django_db

REASON = "Late returns; plate AB12 CDE was miskeyed"


def _csv(count=25) -> bytes:
    rows = hits_document(count=count)["rows"]
    lines = ["owner,area,category,count"] + [
        f"{r['owner']},{r['area']},{r['category']},{r['count']}" for r in rows
    ]
    return ("\n".join(lines) + "\n").encode()


def test_a_reason_in_the_query_string_is_refused_before_anything_is_stored(signed_post):
    path = f"{RETURNS}?dataset=hits&period=2025-03&reason={urllib.parse.quote(REASON)}"
    response = signed_post(_csv(), path=path, content_type="text/csv")
    assert response.status_code == 400
    problem = json.loads(response.content)
    assert problem["type"].endswith("reason-in-url")
    assert "X-ANPR-Reason" in problem["detail"]
    assert not Submission.objects.exists()


def test_a_csv_revision_takes_its_reason_from_the_header(signed_post):
    path = f"{RETURNS}?dataset=hits&period=2025-03"
    assert signed_post(_csv(), path=path, content_type="text/csv").status_code == 201
    accepted = signed_post(
        _csv(count=30),
        path=path,
        content_type="text/csv",
        headers={"X-ANPR-Reason": urllib.parse.quote("Late returns from Westminster.")},
    )
    assert accepted.status_code == 201, accepted.content
    assert Submission.objects.get(revision=2).reason == "Late returns from Westminster."


def test_the_simulated_back_end_never_puts_a_reason_in_the_url():
    path, content_type, body = return_body("site_reads", "2025-03", [], reason=REASON)
    assert "reason" not in path
    assert content_type == "application/json" and REASON.encode() in body
