"""Property-based tests (hypothesis) of the input edge: whatever a client sends, the answer is a
clear 4xx problem or a success, never a 500, and nothing is stored from a refused return."""

import itertools
import json
import re
import time

import pytest
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_info import registry, returns
from anpr_info.models import Submission
from anpr_info.signing import signed_headers
from talklondon import text_scan
from talklondon.converters import ascii_int
from talklondon.registration_marks import contains_registration_mark

from .conftest import RETURNS, hits_document

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_nonce = itertools.count()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
row_fields = st.sampled_from(["owner", "area", "category", "count", "note", "date", "site_id"])
rows = st.lists(
    st.dictionaries(
        row_fields,
        json_values | st.sampled_from(["tfl_ruc", "E09000033", "stolen", "²", "٣", "12"]),
    )
    | json_values,
    max_size=5,
)
documents = st.fixed_dictionaries(
    {"rows": rows},
    optional={
        "dataset": st.sampled_from(["hits", "site_reads", "nope"]) | json_values,
        "period": st.sampled_from(["2025-03", "2025-Q1", "²⁰²⁵-03", "2025-03\n"]) | json_values,
        "reason": json_values,
        "extra": json_values,
    },
)


@pytest.fixture
def send(client, api_key):
    """A signed POST of any bytes, unique each time (the signature covers a nonce)."""

    def _send(body: bytes, *, content_type="application/json", query=""):
        path = f"{RETURNS}?n={next(_nonce)}{query}"
        headers = signed_headers(
            key=api_key, timestamp=int(time.time()), method="POST", path=path, body=body
        )
        return client.post(path, data=body, content_type=content_type, headers=headers)

    return _send


def _refused_cleanly(response, before: int) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        body = json.loads(response.content)
        assert body["status"] == response.status_code and body["title"]
        assert Submission.objects.count() == before


@PROPERTY
@given(document=documents)
def test_any_json_document_gets_a_clear_answer(send, document):
    before = Submission.objects.count()
    response = send(json.dumps(document).encode())
    _refused_cleanly(response, before)


@PROPERTY
@given(body=st.binary(max_size=300))
def test_any_bytes_get_a_clear_answer(send, body):
    before = Submission.objects.count()
    _refused_cleanly(send(body), before)


csv_cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["tfl_ruc", "E09000033", "stolen", "25", "²", "AB12 CDE", '"', ""]
)


@PROPERTY
@given(
    header=st.lists(st.sampled_from(["owner", "area", "category", "count", "x"]), max_size=5),
    lines=st.lists(st.lists(csv_cells, max_size=5), max_size=4),
    period=st.sampled_from(["2025-03", "٢٠٢٥-03", "2025-13", ""]),
)
def test_any_csv_gets_a_clear_answer(send, header, lines, period):
    text = "\n".join(",".join(line) for line in [header, *lines])
    before = Submission.objects.count()
    response = send(text.encode(), content_type="text/csv", query=f"&dataset=hits&period={period}")
    _refused_cleanly(response, before)


@PROPERTY
@given(count=json_values)
def test_a_refused_count_stores_nothing(send, count):
    document = hits_document(period="2024-11")
    document["rows"][0]["count"] = count
    before = Submission.objects.count()
    response = send(json.dumps(document).encode())
    _refused_cleanly(response, before)
    if not (type(count) is int and 0 <= count < returns.MAX_VALUE):
        assert response.status_code == 422


# --- Path converters and query strings of the public API --------------------------------------

path_text = st.text(
    alphabet=st.characters(exclude_characters="/?#%", exclude_categories=["Cs", "Cc"]),
    min_size=1,
    max_size=30,
)


@PROPERTY
@given(slug=path_text)
def test_release_urls_resolve_only_ascii_slugs(slug):
    for url in (f"/api/v1/releases/{slug}/", f"/anpr/releases/{slug}/"):
        try:
            match = resolve(url)
        except Resolver404:
            continue
        assert re.fullmatch(r"[0-9]{4}(-[0-9]{2}|-Q[1-4])?-v[1-9][0-9]{0,5}", match.kwargs["slug"])
    url = f"/api/v1/releases/2025-03-v1/tables/hits/by_area/{slug}/"
    try:
        match = resolve(url)
    except Resolver404:
        return
    assert re.fullmatch(r"[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?", match.kwargs["period"])


@PROPERTY
@given(slug=path_text, page=st.text(max_size=12), name=st.text(min_size=1, max_size=8))
def test_public_api_urls_never_answer_500(client, slug, page, name):
    for response in (
        client.get(f"/api/v1/releases/{slug}/"),
        client.get(f"/api/v1/releases/{slug}/manifest/"),
        client.get("/api/v1/observations/", {"page": page}),
        client.get("/api/v1/observations/", {name: page}),
        client.get(f"/anpr/releases/{slug}/"),
    ):
        assert response.status_code in (200, 400, 404), response.content[:300]


# --- Scanners and parsers of untrusted text -----------------------------------------------------


@given(text=st.text(max_size=40))
def test_ascii_int_reads_only_ascii_digits(text):
    value = ascii_int(text)
    if re.fullmatch(r"[0-9]{1,9}", text, flags=re.ASCII):
        assert value == int(text)
    else:
        assert value is None


# The patterns the scanners replaced (Python's backtracking `re`), as the reference for what
# the linear ones must find, on ASCII text where the two engines define \w and \b alike.
OLD_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.ASCII)
OLD_PHONE = re.compile(
    r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|\(?0)\d(?:[\s\-)]?\d){8,9}(?!\d)", re.ASCII
)
OLD_LINK = re.compile(
    r"(https?://|www\.|\]\(|(?<![@\w.-])[a-z0-9-]+\.(com|co\.uk|org|net|uk|io)\b)",
    re.I | re.ASCII,
)
OLD_CURRENT = re.compile(r"\b[a-z]{2}[0-9]{2}\s?[a-z]{3}\b", re.I | re.ASCII)
ascii_text = st.text(alphabet="0123456789 +()-.@_abcdeokmuwxyzABCL:/[]", max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=ascii_text)
def test_linear_scanners_find_what_the_old_patterns_found(text):
    assert text_scan.contains_email(text) == bool(OLD_EMAIL.search(text))
    assert text_scan.contains_phone_number(text) == bool(OLD_PHONE.search(text))
    assert text_scan.contains_link(text) == bool(OLD_LINK.search(text))
    if OLD_CURRENT.search(text):
        assert contains_registration_mark(text)


@given(text=st.text(max_size=200))
def test_scanners_accept_any_text(text):
    text_scan.contains_email(text)
    text_scan.contains_email_like(text)
    text_scan.contains_phone_number(text)
    text_scan.contains_link(text)
    contains_registration_mark(text)


# --- The compiled validator and the reference validator judge alike ---------------------------

SITE_ROW = {
    "site_id": "S-0123abcd",
    "date": "2025-03-04",
    "owner": "tfl_ruc",
    "zone": "ccz",
    "area": "E09000033",
    "reads": 120,
}
# Where the two validators' own rules differ: integral floats (JSON Schema integers, not our
# counts), year 0000, a newline before the end (Python's `$`), lone surrogates, numbers past 64
# bits; then the ordinary mistakes.
EDGES = [
    ("count", 1.0),
    ("count", -1.0),
    ("count", 1e300),
    ("count", 0.5),
    ("count", True),
    ("count", 10**30),
    ("count", 2**64),
    ("area", "\ud800"),
    ("area", "E09000001"),
    ("owner", None),
    ("extra", 1),
    ("period", "2025-03\n"),
    ("period", 202503),
    ("date", "0000-01-01"),
    ("date", "2025-02-29"),
    ("date", "2024-02-29"),
    ("date", "2025-03-04\n"),
    ("site_id", "S-0123abcd\n"),
    ("site_id", "S-0123ABCD"),
]


def _return_with(dataset: str, name: str, value) -> dict:
    if dataset == "hits":
        document = hits_document()
    else:
        document = {"dataset": dataset, "period": "2025-03", "rows": [dict(SITE_ROW)]}
    if name == "period":
        document["period"] = value
    else:
        name = "reads" if name == "count" and dataset == "site_reads" else name
        document["rows"][0][name] = value
    return document


@pytest.mark.parametrize("dataset", ["hits", "site_reads"])
@pytest.mark.parametrize(("name", "value"), EDGES)
def test_the_fast_validator_refuses_whatever_the_reference_refuses(dataset, name, value):
    """A return is judged by jsonschema_rs and worded by Python jsonschema: the fast one must
    never let through what the reference would refuse (a refused return would be stored), and
    the errors are the reference's, in its order."""
    document = _return_with(dataset, name, value)
    _compiled, reference = returns._validators(dataset)

    def located(errors):
        return [(list(e.absolute_path), e.validator) for e in errors]

    expected = located(reference.iter_errors(document))
    assert located(returns._schema_errors(registry.DATASETS[dataset], document)) == expected
