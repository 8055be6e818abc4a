"""The spreadsheet formula guard: what it guards, and that its SQL form (the PostgreSQL COPY
export path) gives exactly what the Python one gives, on SQLite and on the suite's database."""

import sqlite3

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talklondon.spreadsheet_safety import (
    ALWAYS_GUARDED,
    FORMULA_STARTS,
    SKIPPED_BEFORE,
    formula_guard_sql,
    formula_guarded,
    guarded_text,
)
from tests.analysis.helpers import NASTY_TEXTS

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    "text",
    [
        *NASTY_TEXTS[:6],  # = + - @ tab and carriage return first
        "\x00nul",
        "\uff1dHYPERLINK(1)",  # full-width =
        "\uff0b1",
        "\uff0d1",
        "\uff20cmd",
        " =1+1",
        "\n\n=1+1",
        "\u00a0\u3000@cmd",  # no-break space, ideographic space
        "\ufeff=1",  # a byte-order mark
        "\x1b-1",
        "-3",  # text, not a number: spreadsheets would compute it
    ],
)
def test_text_a_spreadsheet_would_run_gains_an_apostrophe(text):
    assert formula_guarded(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        " leading space",
        "\nnew line first",
        "a=b",
        "Thumbs up 👍🏽",
        "مرحبا",
        "bell\x07inside",
        "'already quoted",
        -3,
        2.5,
        None,
        True,
    ],
)
def test_everything_else_is_left_as_it_is(value):
    assert formula_guarded(value) is value


def test_cells_as_text():
    assert guarded_text(None) == ""
    assert guarded_text(-3) == "'-3"  # callers keep numbers out of the guard themselves
    assert guarded_text("=x") == "'=x"


# Text made mostly of the characters that matter, so that the interesting cases are common.
interesting = st.sampled_from(FORMULA_STARTS + ALWAYS_GUARDED + SKIPPED_BEFORE + "a1'")
texts = st.text(
    alphabet=interesting | st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=8,
).filter(lambda text: "\x00" not in text)  # no database text can hold NUL


@PROPERTY
@given(st.text(max_size=8) | texts)
def test_no_guarded_cell_starts_a_formula_however_it_is_trimmed(text):
    guarded = formula_guarded(text)
    assert guarded.lstrip(SKIPPED_BEFORE)[:1] not in set(FORMULA_STARTS)
    assert guarded[:1] not in set(ALWAYS_GUARDED)
    assert guarded in (text, "'" + text)


@PROPERTY
@given(texts)
def test_the_sql_guard_matches_the_python_one_on_sqlite(text):
    with sqlite3.connect(":memory:") as database:
        sql = f"SELECT {formula_guard_sql('v')} FROM (SELECT ? AS v)"  # noqa: S608
        (guarded,) = database.execute(sql, (text,)).fetchone()
    assert guarded == formula_guarded(text)


@pytest.mark.django_db
@PROPERTY
@given(texts)
def test_the_sql_guard_matches_the_python_one_on_the_database(text):
    """PostgreSQL when DATABASE_URL names it: the database the COPY export path runs on."""
    sql = f"SELECT {formula_guard_sql('v')} FROM (SELECT CAST(%s AS text) AS v) AS cell"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [text])
        (guarded,) = cursor.fetchone()
    assert guarded == formula_guarded(text)


def test_the_xml_illegal_characters_are_openpyxls():
    """Written out so that web workers need not load openpyxl; it must stay openpyxl's rule, or
    a workbook export would fail on a character we let through."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from talklondon.spreadsheet_safety import XML_ILLEGAL_RE

    for code in range(0x110000):
        character = chr(code)
        assert bool(XML_ILLEGAL_RE.search(character)) == bool(
            ILLEGAL_CHARACTERS_RE.search(character)
        ), hex(code)
