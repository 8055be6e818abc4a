"""Published results are frozen, versioned, hash-chained releases, safe against differencing,
and their downloads are tidy and self-describing."""

import csv
import io
import json
import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultation.analysis.models import ResultsRelease
from consultation.analysis.services.releases import (
    results_revision_prepare,
    results_revision_publish,
)
from consultation.analysis.services.results import results_page_publish, results_page_save
from demo import surveys as surveys_demo
from talklondon.disclosure import TOTAL, differencing_problems, grid_of
from talklondon.hashchain import GENESIS, manifest_sha256, sha256_of
from talklondon.permissions import ROLE_MANAGER
from tests.analysis.surveydata import questions_by_type, survey_with_responses
from tests.disclosure.intruder import Knowledge

TEXT = {"we_asked": "Asked.", "you_said": "Said.", "we_did": "Did."}


def publish(survey, manager):
    results_page_save(actor=manager, consultation=survey.consultation, **TEXT)
    return results_page_publish(actor=manager, consultation=survey.consultation)


def late_responses(survey, count, seed):
    """Paper responses entered by staff after the close."""
    surveys_demo.responses_seed(
        survey,
        count=count,
        entered_by=ResultsRelease.objects.first().prepared_by,
        rng=random.Random(seed),
    )


def every_download(client, survey):
    structure, _ = questions_by_type(survey)
    slug = survey.consultation.slug
    found = {"page": client.get(reverse("results:detail", args=[slug])).context["surveys"]}
    for number in range(1, len(structure.questions) + 1):
        for name in ("table", "table_by_borough"):
            response = client.get(reverse(f"results:{name}", args=[slug, survey.pk, number]))
            if response.status_code == 200:
                found[(name, number)] = response.content
    return found


@pytest.fixture
def published(db, make_staff):
    survey = survey_with_responses(count=120, closed=True)
    manager = make_staff(ROLE_MANAGER)
    publish(survey, manager)
    return survey, manager


def test_a_late_paper_response_changes_no_public_figure(published, client):
    """Regression: the results CSVs were recomputed on every download, so downloading them
    before and after one late paper response revealed every answer of that person."""
    survey, _manager = published
    before = every_download(client, survey)
    assert len(before) > 10
    late_responses(survey, 1, seed=99)
    after = every_download(client, survey)
    for key, content in before.items():
        if key != "page":
            assert after[key] == content, key
    assert repr(after["page"]) == repr(before["page"])


def test_a_revision_is_checked_against_every_earlier_version(published, client):
    survey, manager = published
    first = ResultsRelease.objects.get()
    # A handful of late responses: any figure that moves would reveal their answers.
    late_responses(survey, 3, seed=5)
    try:
        draft = results_revision_prepare(
            actor=manager, consultation=survey.consultation, reason="Three late letters."
        )
    except ValidationError:
        draft = None  # no published figure moved: nothing to publish, nothing revealed
    if draft is not None and draft.problems:
        with pytest.raises(ValidationError):
            results_revision_publish(actor=manager, release=draft)
    # Many more: the revision passes and becomes version 2, chained to version 1.
    late_responses(survey, 150, seed=6)
    draft = results_revision_prepare(
        actor=manager, consultation=survey.consultation, reason="150 paper responses."
    )
    assert draft.problems == []
    results_revision_publish(actor=manager, release=draft)
    second = ResultsRelease.objects.get(version=draft.version)
    assert first.manifest["previous_manifest_sha256"] == GENESIS
    assert second.manifest["previous_manifest_sha256"] == manifest_sha256(first.manifest)
    assert first.manifest_sha256 == manifest_sha256(first.manifest)
    # Every table of every version still matches its digest, and cells hidden in version 1
    # are hidden in version 2.
    for release in (first, second):
        for entry in release.manifest["tables"]:
            assert sha256_of(release.content["tables"][entry["table"]]) == entry["sha256"]
    for table_id, table in first.content["tables"].items():
        hidden = {(r, c) for r, c, v, _f in table["cells"] if v is None}
        later = {(r, c): v for r, c, v, _f in second.content["tables"][table_id]["cells"]}
        assert all(later[cell] is None for cell in hidden)
    page = client.get(reverse("results:detail", args=[survey.consultation.slug]))
    assert f"Version {second.version} of these figures" in page.content.decode()


def test_differencing_one_late_person_is_caught():
    """Yes went from 32 to 33: published 30 then 35, which says 1 to 9 late people said Yes."""
    rows, cols = [("yes",), ("no",)], [("n",)]
    grid = grid_of({}, rows, cols, additive=True)
    lines = [([(p[0][0], p[1][0]) for p in parts], (t[0][0], t[1][0])) for parts, t in grid.lines]
    before = {("yes", "n"): 30, ("no", "n"): 40, (TOTAL, "n"): 70}
    before_true = {("yes", "n"): 32, ("no", "n"): 40, (TOTAL, "n"): 72}
    after = {("yes", "n"): 35, ("no", "n"): 40, (TOTAL, "n"): 75}
    after_true = {("yes", "n"): 33, ("no", "n"): 40, (TOTAL, "n"): 73}
    found = differencing_problems(before, before_true, after, after_true, lines)
    assert ("yes", "n") in found
    # Hidden in both versions, the same change reveals nothing.
    hidden = {("yes", "n"): None, ("no", "n"): None, (TOTAL, "n"): 70}
    assert differencing_problems(hidden, before_true, hidden, after_true, lines) == []


def _parse(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_no_hidden_figure_in_the_published_tables_can_be_narrowed(published, client):
    """Regression (small sums): results counts were exact and secondary suppression only asked
    for a second hidden cell, so two small hidden cells in a row were pinned by their
    published difference. The intruder reads the downloads and knows the rules."""
    survey, _manager = published
    downloads = every_download(client, survey)
    attacked = 0
    for key, content in downloads.items():
        if key == "page" or key[0] != "table_by_borough":
            continue
        rows = _parse(content)
        assert rows[0] == ["area_code", "borough", "answer", "value", "flag"]
        grid = {(b, a): (int(v) if v else None) for _code, b, a, v, _f in rows[1:]}
        boroughs = list(dict.fromkeys(b for b, _a in grid if b != "Total"))
        answers = list(dict.fromkeys(a for _b, a in grid if a != "Total"))
        knowledge = Knowledge(threshold=10, base=5)
        knowledge.add_grid(key, grid, boroughs, answers, total="Total")
        narrow = {k: r for k, r in knowledge.ranges().items() if r[1] - r[0] < 5}
        assert narrow == {}, key
        attacked += 1
    assert attacked >= 3
    # And every stored table of the release, one-way tables and matrices included.
    release = ResultsRelease.objects.get()
    for table_id, table in release.content["tables"].items():
        grid = {(r, c): v for r, c, v, _f in table["cells"]}
        rows = [code for code, _ in table["rows"]]
        columns = [code for code, _ in table["columns"]]
        knowledge = Knowledge(threshold=10, base=5)
        if table["additive"]:
            knowledge.add_grid(table_id, grid, rows, columns, total=TOTAL)
        else:
            for key, value in grid.items():
                knowledge.unknown((table_id, *key), value)
        narrow = {k: r for k, r in knowledge.ranges().items() if r[1] - r[0] < 5}
        assert narrow == {}, table_id


def test_downloads_are_tidy_and_described_by_a_valid_data_package(published, client, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    survey, _manager = published
    slug = survey.consultation.slug
    structure, _ = questions_by_type(survey)
    checked = 0
    for number in range(1, len(structure.questions) + 1):
        for name in ("table", "table_by_borough"):
            response = client.get(reverse(f"results:{name}", args=[slug, survey.pk, number]))
            if response.status_code != 200:
                continue
            descriptor = client.get(
                reverse(f"results:{name}_datapackage", args=[slug, survey.pk, number])
            ).json()
            assert descriptor["version"] == "1"
            resource = descriptor["resources"][0]
            flag = next(f for f in resource["schema"]["fields"] if f["name"] == "flag")
            assert "c: confidential" in flag["description"]
            if b",c\r\n" in response.content:
                assert "[c] means confidential" in resource["description"]
            folder = tmp_path / f"{name}-{number}"
            folder.mkdir()
            (folder / resource["path"]).write_bytes(response.content)
            (folder / "datapackage.json").write_text(json.dumps(descriptor))
            report = frictionless.validate(str(folder / "datapackage.json"))
            assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
            checked += 1
    assert checked >= 5


def test_everyone_who_took_part_is_told_once_unless_they_opted_out(
    db, make_staff, client, mailoutbox, django_capture_on_commit_callbacks
):
    from consultation.models import Comment
    from talklondon.models import Profile
    from tests.analysis.surveydata import online_response
    from tests.factories import UserFactory

    survey = survey_with_responses(count=30, closed=True)
    responders = [UserFactory() for _ in range(3)]
    for user in responders:
        online_response(survey, user)
    opted_out = UserFactory()
    online_response(survey, opted_out)
    Profile.objects.update_or_create(user=opted_out, defaults={"email_on_results": False})
    commenter = UserFactory()
    page = survey.consultation.pages.create(title="Proposal", slug="proposal", body="Text")
    Comment.objects.create(page=page, author=commenter, body="I agree.", status="published")
    bystander = UserFactory()
    manager = make_staff(ROLE_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        publish(survey, manager)
    told = sorted(address for email in mailoutbox for address in email.to)
    assert told == sorted(u.email for u in [*responders, commenter])
    assert bystander.email not in told and opted_out.email not in told
    email = next(e for e in mailoutbox if e.to == [commenter.email])
    results_url = reverse("results:detail", args=[survey.consultation.slug])
    assert results_url in email.body
    # One click: the List-Unsubscribe URL switches results emails off without signing in.
    unsubscribe = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + path).status_code == 200
    assert Profile.objects.get(user=commenter).email_on_results is False
    assert client.get("/results/unsubscribe/forged/").status_code == 400


def test_both_methodologies_explain_the_protection_with_a_worked_example(published, client):
    survey, _manager = published
    results = client.get(reverse("results:detail", args=[survey.consultation.slug]))
    html = results.content.decode()
    assert "How we protect the people who took part" in html
    assert "Yes 120, No [c], Not sure [c], Total 170" in html
    assert "cell-key" in html
    # The tables are attacked together, with the relations the questionnaire shows.
    assert "We attack all the tables of a survey together" in html
    assert "a question shown only after a given answer" in html
    anpr = client.get(reverse("anpr_info:methodology")).content.decode()
    assert "A worked example" in anpr and "0 to 24" in anpr
    assert "[c] confidential" in anpr and "[x] not available" in anpr


def test_a_revision_reason_that_names_someone_is_refused(published):
    """The reason is published beside the figures and kept for ever: a plate or an email
    address in it is refused, and no draft is stored."""
    survey, manager = published
    late_responses(survey, 150, seed=6)
    for reason in ("Late letter from jo.bloggs@example.com", "Letter about LB07 SEO"):
        with pytest.raises(ValidationError) as refused:
            results_revision_prepare(actor=manager, consultation=survey.consultation, reason=reason)
        assert "Take it out" in str(refused.value)
    assert not ResultsRelease.objects.filter(status=ResultsRelease.Status.DRAFT).exists()


def test_people_who_responded_on_paper_with_an_address_are_told_too(
    db, make_staff, client, mailoutbox, django_capture_on_commit_callbacks
):
    from consultation.models import NotificationSent
    from consultation.surveys.models import Response
    from talklondon.models import Profile
    from tests.analysis.surveydata import online_response
    from tests.factories import UserFactory

    survey = survey_with_responses(count=30, closed=True)
    paper = list(Response.objects.filter(survey=survey).exclude(channel="online")[:5])
    if len(paper) < 5:
        paper = list(Response.objects.filter(survey=survey)[:5])
        Response.objects.filter(pk__in=[r.pk for r in paper]).update(channel="paper")
    online = UserFactory(email="online@example.org")
    online_response(survey, online)
    switched_off = UserFactory(email="quiet@example.org")
    Profile.objects.update_or_create(user=switched_off, defaults={"email_on_results": False})
    given = [
        "ada@example.org",
        "ADA@example.org",  # the same person's second form
        "online@example.org",  # already told through their account
        "quiet@example.org",  # an account that switched results emails off
        "grace@example.org",
    ]
    for response, address in zip(paper, given, strict=True):
        Response.objects.filter(pk=response.pk).update(
            results_email=address, respondent_name="Ada" if "ada" in address.lower() else ""
        )
    manager = make_staff(ROLE_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        publish(survey, manager)
    told = sorted(address.lower() for email in mailoutbox for address in email.to)
    assert told == ["ada@example.org", "grace@example.org", "online@example.org"]
    # No address is kept in the record of what was sent.
    assert not NotificationSent.objects.filter(key__icontains="@").exists()
    ada = next(e for e in mailoutbox if e.to[0].lower() == "ada@example.org")
    assert "Hello Ada," in ada.body
    unsubscribe = ada.extra_headers["List-Unsubscribe"].strip("<>")
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200  # asks to confirm, changes nothing
    assert Response.objects.filter(results_email__iexact="ada@example.org").count() == 2
    assert client.post("/" + path).status_code == 200
    # One click deletes the address from both forms: we keep it for nothing else.
    assert not Response.objects.filter(results_email__iexact="ada@example.org").exists()
    assert Response.objects.filter(results_email="grace@example.org").exists()
