"""Journey 4: an analyst signs in with TOTP, filters and exports CSV and XLSX from the analysis
pages, and the downloaded files, opened with Python's csv module and openpyxl, hold exactly
what the database says. Error and empty states checked on the way."""

import csv
import datetime as dt
import io
import random
from collections import Counter

import openpyxl
import pytest
from django.utils import timezone

from consultation.analysis.exports import dataset_all
from consultation.analysis.models import ExportRecord
from consultation.surveys.demo import responses_seed
from consultation.surveys.models import Response
from talklondon import permissions
from talklondon.demo import totp_current_code
from talklondon.models import Profile, User
from tests.browser.accessibility import assert_error_summary_focused
from tests.browser.checks import check_page
from tests.browser.helpers import sign_in
from tests.browser.scenario import PASSWORD, anpr_consultation, resident_create, staff_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_EXPORT = "/staff/analysis/exports/new/"
CAMDEN, HACKNEY = "E09000007", "E09000012"
AGES = [Profile.AgeBand.AGE_25_34, Profile.AgeBand.AGE_45_54, Profile.AgeBand.AGE_65_74, ""]


def _people() -> None:
    """Residents in two boroughs with age bands; a staff member, who must never be exported."""
    for n in range(7):
        person = resident_create(
            f"p{n}@example.org", f"Person {n}", CAMDEN if n % 2 == 0 else HACKNEY
        )
        Profile.objects.filter(user=person).update(age_band=AGES[n % len(AGES)])
    # One who joined long ago: outside the date filter below.
    User.objects.filter(email="p6@example.org").update(
        date_joined=timezone.now() - dt.timedelta(days=400)
    )


def _exportable_profiles(borough: str = "", since=None):
    profiles = Profile.objects.filter(
        user__is_active=True, user__groups__isnull=True, user__is_superuser=False
    )
    if borough:
        profiles = profiles.filter(borough=borough)
    if since:
        profiles = profiles.filter(user__date_joined__date__gte=since)
    return profiles


def _export(page, *, dataset: str, file_format: str, borough: str = "", since: str = ""):
    """Fill in the export form and return the path of the downloaded file."""
    page.goto(NEW_EXPORT)
    page.get_by_role("group", name="Dataset").get_by_label(dataset, exact=True).check()
    page.get_by_role("group", name="Format").get_by_label(file_format).check()
    if borough:
        page.get_by_label("Borough").select_option(label=borough)
    if since:
        page.get_by_label("From date (optional)").fill(since)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    return download.value.path()


def _read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _read_xlsx(path) -> list[dict]:
    # Playwright saves downloads without an extension, which openpyxl's loader refuses.
    workbook = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    assert {"Data", "Codebook", "Manifest"} <= set(workbook.sheetnames)
    rows = list(workbook["Data"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    return [dict(zip(header, row, strict=True)) for row in body]


def _column(rows: list[dict], *names: str) -> list:
    """Values of the first of `names` the file has (files may label columns by key or title)."""
    name = next(n for n in names if n in rows[0])
    return [row[name] for row in rows]


def test_analyst_filters_and_exports_csv_and_xlsx(page, page_titles):
    data = anpr_consultation()
    _people()
    analyst = staff_create("ana@example.org", "Ana the analyst", permissions.ROLE_ANALYST)
    since = (timezone.localdate() - dt.timedelta(days=30)).strftime("%d/%m/%Y")

    page.goto("/staff/analysis/")
    sign_in(page, analyst.email, PASSWORD, totp=lambda: totp_current_code(analyst))
    page.goto("/staff/analysis/")
    check_page(page, page_titles)
    if page.locator("h1").inner_text() == "My exports":
        assert page.get_by_text("You have not made any exports yet.").is_visible()  # empty state

    # A date that does not exist: the error state, values kept.
    page.goto(NEW_EXPORT)
    check_page(page, page_titles)
    page.get_by_label("From date (optional)").fill("31/02/2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Export").click()
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    assert page.get_by_label("From date (optional)").input_value() == "31/02/2026"
    check_page(page, page_titles, key=NEW_EXPORT, reflow=False)

    # CSV, Camden only, joined in the last 30 days.
    rows = _read_csv(
        _export(
            page, dataset="Participant profiles", file_format="CSV", borough="Camden", since=since
        )
    )
    expected = _exportable_profiles(CAMDEN, timezone.localdate() - dt.timedelta(days=30))
    assert len(rows) == expected.count() > 0
    assert set(_column(rows, "borough", "Borough")) == {"Camden"}
    assert set(_column(rows, "borough_code", "Borough code")) == {CAMDEN}
    assert Counter(_column(rows, "age_band", "Age band")) == Counter(
        Profile.AgeBand(p.age_band).label if p.age_band else "" for p in expected
    )
    month = timezone.localtime().strftime("%Y-%m")
    assert set(_column(rows, "joined_month", "Month joined")) == {month}
    # Anonymised: no names, emails or account numbers.
    text = " ".join(" ".join(row.values()) for row in rows)
    assert "@example.org" not in text and "Person " not in text
    user_ids = {str(pk) for pk in expected.values_list("user_id", flat=True)}
    assert not user_ids & set(_column(rows, "respondent", "Respondent"))

    # XLSX, everyone (staff left out).
    rows = _read_xlsx(_export(page, dataset="Participant profiles", file_format="XLSX"))
    everyone = _exportable_profiles()
    assert len(rows) == everyone.count()
    assert Counter(_column(rows, "borough", "Borough")) == Counter(
        {"Camden": everyone.filter(borough=CAMDEN).count()}
        | {"Hackney": everyone.filter(borough=HACKNEY).count()}
        | {"Croydon": everyone.filter(borough="E09000008").count()}
    )
    assert "Ana the analyst" not in str(rows)

    # Survey responses, when that dataset is registered (the analysis work in progress adds it).
    if any(d.key == "survey-responses" for d in dataset_all()):
        responses_seed(data.survey, count=12, entered_by=analyst, rng=random.Random(7))
        survey_dataset = next(d for d in dataset_all() if d.key == "survey-responses")
        rows = _read_csv(_export(page, dataset=survey_dataset.title, file_format="CSV"))
        submitted = Response.objects.filter(survey=data.survey, status=Response.Status.SUBMITTED)
        assert len(rows) == submitted.count() == 12

    # Every export is on record, for this analyst only.
    page.goto("/staff/analysis/exports/")
    check_page(page, page_titles)
    records = ExportRecord.objects.filter(requested_by=analyst)
    assert records.count() >= 2
    table = page.locator("main table").inner_text()
    assert "Participant profiles" in table and "XLSX" in table and "CSV" in table
