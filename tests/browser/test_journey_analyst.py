"""Journey 4, the analysts.

1. An analyst signs in with TOTP, filters and exports CSV and XLSX from the analysis pages, and
   the downloaded files, opened with Python's csv module and openpyxl, hold exactly what the
   database says.
2. After the consultation closes, an analyst reads the survey dashboard (an empty one too),
   filters it by channel and cross-tabulates, reads the free-text answers, builds a theme and
   tags answers with it; a consultation manager writes, previews and publishes "We asked, you
   said, we did"; and anyone reads the published results and downloads their CSVs, which match
   the page and hide every count under 10.

Every page and state is checked (check_page), error and empty states included."""

import csv
import datetime as dt
import io
import random
from collections import Counter

import openpyxl
import pytest
from django.utils import timezone

from consultation.analysis.exports import dataset_all
from consultation.analysis.models import ExportRecord, Theme
from consultation.models import Consultation
from consultation.surveys.models import Answer, Question, Response
from consultation.surveys.selectors import survey_structure
from demo.accounts import totp_current_code
from demo.surveys import responses_seed, survey_build
from talklondon import permissions
from talklondon.areas import borough_choices
from talklondon.disclosure import round_base
from talklondon.models import Profile, User
from tests.browser.accessibility import (
    assert_error_summary_focused,
    assert_reduced_motion_respected,
    assert_visible_focus,
)
from tests.browser.checks import check_page
from tests.browser.helpers import sign_in, sign_out
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


def _fill_date(page, legend: str, date: str) -> None:
    """Type "dd/mm/yyyy" into a GOV.UK date input's Day, Month and Year boxes."""
    group = page.get_by_role("group", name=legend)
    for box, part in zip(("Day", "Month", "Year"), date.split("/"), strict=True):
        group.get_by_label(box, exact=True).fill(part)


def _export(page, *, dataset: str, file_format: str, borough: str = "", since: str = ""):
    """Fill in the export form and return the path of the downloaded file."""
    page.goto(NEW_EXPORT)
    page.get_by_role("group", name="Dataset").get_by_label(dataset, exact=True).check()
    page.get_by_role("group", name="Format").get_by_label(file_format).check()
    if borough:
        page.get_by_label("Borough").select_option(label=borough)
    if since:
        _fill_date(page, "From date (optional)", since)
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
    _fill_date(page, "From date (optional)", "31/02/2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Export").click()
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    from_date = page.get_by_role("group", name="From date (optional)")
    assert from_date.get_by_label("Day", exact=True).input_value() == "31"
    assert from_date.get_by_label("Month", exact=True).input_value() == "02"
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


# --- The analysis pages and the published results ---------------------------------------------

RESPONSES = 300  # enough for most published counts to clear the suppression threshold of 10


def _closed_with_responses(manager):
    """The ANPR consultation, closed two days ago, with RESPONSES submitted survey responses
    spread over its eight weeks; and an upcoming consultation whose survey has no response."""
    data = anpr_consultation()
    now = timezone.now()
    Consultation.objects.filter(pk=data.consultation.pk).update(
        opens_at=now - dt.timedelta(days=58), closes_at=now - dt.timedelta(days=2)
    )
    data.consultation.refresh_from_db()
    responses_seed(data.survey, count=RESPONSES, entered_by=manager, rng=random.Random(11))
    upcoming = Consultation.objects.create(
        slug="bus-lane-cameras",
        title="Should bus lane cameras be used for parking enforcement?",
        summary="A consultation that has not opened yet.",
        organisation="Transport for London",
        opens_at=now + dt.timedelta(days=7),
        closes_at=now + dt.timedelta(days=63),
        published_at=now,
    )
    empty = survey_build(upcoming, slug="bus-lane-cameras-survey")
    return data, empty


def _table_rows(table) -> list[list[str]]:
    """Each body row of a table as the text of its cells (header cell first)."""
    return table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def _read_summary_csv(path) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a published table: tidy, so one header row and data rows only."""
    with open(path, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def _assert_suppressed(rows: list[list[str]]) -> None:
    """No published count is under 10: each is hidden ([c] in the flag column) or is 10 or
    more, rounded to the nearest 5."""
    for *_labels, value, flag in rows:
        if value == "":
            assert flag == "c"
        else:
            assert int(value) >= 10 and int(value) % 5 == 0, f"not protected: {value}"


def test_analyst_analyses_and_the_public_reads_the_published_results(page, new_page, page_titles):
    manager = staff_create("mia@example.org", "Mia the manager", permissions.ROLE_MANAGER)
    analyst = staff_create("ana@example.org", "Ana the analyst", permissions.ROLE_ANALYST)
    data, empty = _closed_with_responses(manager)
    survey = data.survey
    structure = survey_structure(survey)
    numbers = {q.pk: n for n, q in enumerate(structure.questions, start=1)}
    agreement = next(q for q in structure.questions if q.type == Question.Type.AGREEMENT)
    open_question = next(q for q in structure.questions if q.type == Question.Type.LONG_TEXT)
    submitted = Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED)

    sign_in(page, analyst.email, PASSWORD, totp=lambda: totp_current_code(analyst))
    page.goto("/staff/analysis/")
    check_page(page, page_titles)
    assert_visible_focus(page)

    # A survey nobody has answered yet: the dashboard's empty state.
    page.locator(f"a[href='/staff/analysis/surveys/{empty.pk}/']").click()
    page.wait_for_url(f"**/staff/analysis/surveys/{empty.pk}/")
    assert page.locator("[data-total]").inner_text().startswith("0 submitted responses")
    assert page.locator("[data-no-responses]").is_visible()  # not an empty chart
    check_page(page, page_titles)

    # The closed consultation's dashboard: totals and channels as the database has them.
    page.goto("/staff/analysis/")
    page.locator(f"a[href='/staff/analysis/surveys/{survey.pk}/']").click()
    page.wait_for_url(f"**/staff/analysis/surveys/{survey.pk}/")
    assert page.locator("[data-total]").inner_text().startswith(f"{RESPONSES} submitted")
    for channel, count in Counter(submitted.values_list("channel", flat=True)).items():
        assert page.locator(f"[data-channel='{channel}']").inner_text() == str(count)
    check_page(page, page_titles)
    assert_visible_focus(page)

    # A question cross-tabulated by itself: the error state.
    page.get_by_label("Question", exact=True).select_option(str(agreement.pk))
    page.get_by_label("By", exact=True).select_option(f"q{agreement.pk}")
    with page.expect_navigation():
        page.get_by_role("button", name="Cross-tabulate").click()
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    check_page(page, page_titles, reflow=False)

    # The agreement question by channel: each channel's row counts its respondents.
    page.get_by_label("By", exact=True).select_option("channel")
    with page.expect_navigation():
        page.get_by_role("button", name="Cross-tabulate").click()
    assert not page.title().startswith("Error: ")
    answered = Counter(
        Answer.objects.filter(question=agreement, response__in=submitted).values_list(
            "response__channel", flat=True
        )
    )
    labels = dict(Response.Channel.choices)
    totals = {row[0]: int(row[-1]) for row in _table_rows(page.locator("[data-crosstab]"))}
    assert totals == {labels[c]: n for c, n in answered.items()} | {
        labels[c]: 0 for c in labels if c not in answered
    }
    check_page(page, page_titles, reflow=False)

    # Only the paper forms.
    page.locator("#channel").select_option("paper")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    paper = submitted.filter(channel="paper").count()
    assert page.locator("[data-total]").inner_text().startswith(f"{paper} submitted")
    check_page(page, page_titles, reflow=False)

    # Free text: the open question's answers, searched.
    page.locator(f"a[href='/staff/analysis/questions/{open_question.pk}/answers/']").click()
    page.wait_for_url(f"**/questions/{open_question.pk}/answers/")
    check_page(page, page_titles)
    # Its codebook is empty: the themes page's empty state, then a theme without a name.
    page.get_by_role("navigation", name="Free text").get_by_role("link", name="Themes (0)").click()
    page.wait_for_url(f"**/questions/{open_question.pk}/themes/")
    assert page.get_by_text("This question has no themes yet.").is_visible()
    check_page(page, page_titles)
    with page.expect_navigation():
        page.get_by_role("button", name="Add theme").click()
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    check_page(page, page_titles, reflow=False)
    page.get_by_label("Theme name").fill("Oversight and transparency")
    page.get_by_label("Description (optional)").fill("Wants independent oversight.")
    with page.expect_navigation():
        page.get_by_role("button", name="Add theme").click()
    assert page.get_by_text("Added the theme ‘Oversight and transparency’.").is_visible()
    check_page(page, page_titles, reflow=False)
    theme = Theme.objects.get(name="Oversight and transparency")

    # Tag every answer that mentions oversight.
    page.get_by_role("navigation", name="Free text").get_by_role(
        "link", name="Answers", exact=True
    ).click()
    page.get_by_label("Search the answers").fill("oversight")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    expected = set(
        Answer.objects.filter(
            question=open_question, response__in=submitted, text__icontains="oversight"
        ).values_list("pk", flat=True)
    )
    boxes = page.locator("[data-answer] input[type=checkbox]")
    assert boxes.count() == len(expected) >= 10
    check_page(page, page_titles, reflow=False)
    for index in range(boxes.count()):
        boxes.nth(index).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Tag the selected answers").click()
    assert page.get_by_text(f"Tagged {len(expected)} answer(s)").is_visible()
    assert set(theme.tags.values_list("answer_id", flat=True)) == expected
    check_page(page, page_titles, reflow=False)

    # Suggested themes and campaign groups: read, nothing applied by itself.
    for link, path in [
        ("Suggested themes", "suggestions"),
        ("Campaigns and duplicates", "campaigns"),
    ]:
        nav = page.get_by_role("navigation", name="Free text")
        nav.get_by_role("link", name=link, exact=True).click()
        page.wait_for_url(f"**/questions/{open_question.pk}/{path}/")
        check_page(page, page_titles)
    assert theme.tags.count() == len(expected)

    # A manager writes the results page (forgetting "We did" at first) and publishes it.
    sign_out(page)
    sign_in(page, manager.email, PASSWORD, totp=lambda: totp_current_code(manager))
    page.goto("/staff/analysis/")
    check_page(page, page_titles, reflow=False)  # a manager's links, not an analyst's
    page.get_by_role("region", name=data.consultation.title).get_by_role(
        "link", name="Write and publish the results page"
    ).click()
    page.wait_for_url(f"**/staff/analysis/results/{data.consultation.pk}/")
    check_page(page, page_titles)
    a, o = numbers[agreement.pk], numbers[open_question.pk]
    page.get_by_label("Summary").fill(f"Thank you to the {RESPONSES} people who responded.")
    page.get_by_label("We asked", exact=True).fill("Whether the Met should use TfL's cameras.")
    page.get_by_label("You said", exact=True).fill(
        f"Most agreed ([see the figures](#question-{a})); many asked for oversight "
        f"([see the themes](#themes-{o}))."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    assert page.get_by_label("We asked", exact=True).input_value().startswith("Whether")
    check_page(page, page_titles, reflow=False)
    page.get_by_label("We did", exact=True).fill("MOPAC will publish how often data is searched.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Results page saved.").is_visible()
    check_page(page, page_titles, reflow=False)
    page.get_by_role("link", name="Preview the page").click()
    page.wait_for_url(f"**/results/{data.consultation.slug}/")
    assert page.locator("[data-preview]").is_visible()
    check_page(page, page_titles)
    page.go_back()
    with page.expect_navigation():
        page.get_by_role("button", name="Publish the results").click()
    assert page.locator("[data-state]").inner_text().startswith("Published")
    check_page(page, page_titles, reflow=False)

    # Anyone: from the consultation to its results, figures and themes, and the CSVs.
    public = new_page()
    public.goto(f"/consultations/{data.consultation.slug}/")
    public.locator("[data-results-link] a").click()
    public.wait_for_url(f"**/results/{data.consultation.slug}/")
    assert public.locator("[data-preview]").count() == 0
    assert public.locator("[data-headline-total]").inner_text().startswith(f"{RESPONSES} ")
    for anchor in (f"question-{a}", f"themes-{o}"):  # "You said" cites what it rests on
        assert public.locator(f"[aria-labelledby=you-said] a[href='#{anchor}']").count() == 1
        assert public.locator(f"#{anchor}").count() == 1, f"#{anchor} missing"
    themes = _table_rows(public.locator(f"section[aria-labelledby='themes-{o}'] table"))
    assert ["Oversight and transparency", str(round_base(len(expected)))] == themes[0][:2]
    check_page(public, page_titles)
    assert_visible_focus(public)
    assert_reduced_motion_respected(public)  # a public page: its bars must not animate

    figures = _table_rows(public.locator(f"section[aria-labelledby='question-{a}'] table"))
    with public.expect_download() as download:
        public.get_by_role("link", name=f"counts (CSV) for question {a}").click()
    header, rows = _read_summary_csv(download.value.path())
    assert header == ["answer", "value", "flag"]
    assert [[label, value or f"[{flag}]"] for label, value, flag in rows] == [
        [row[0], row[1].replace(",", "")] for row in figures
    ]
    _assert_suppressed(rows)
    with public.expect_download() as download:
        public.get_by_role("link", name=f"by borough (CSV) for question {a}").click()
    header, rows = _read_summary_csv(download.value.path())
    # Every borough (and "Outside London") is listed, whether or not anyone there answered.
    assert header == ["area_code", "borough", "answer", "value", "flag"]
    assert list(dict.fromkeys(row[1] for row in rows)) == [
        *(name for _, name in borough_choices()),
        "Borough not given",
        "Total",
    ]
    _assert_suppressed(rows)
