"""Make cell values safe to open in spreadsheet software without changing what they say.

The one definition of the formula guard, for every CSV and XLSX the site writes (analysis
exports, their PostgreSQL COPY fast path, the vote matrix, ANPR chart data, the published
tables' downloads). Text that a spreadsheet would run as a formula gains a leading apostrophe,
following OWASP's "CSV injection" guidance: a cell is guarded when it starts with

- a formula start: = + - @, or its full-width form ＝ ＋ － ＠ (which spreadsheets with an East
  Asian input method turn into the ASCII one);
- tab, carriage return or NUL, which some importers strip before they look at what follows;
- any run of whitespace or control characters followed by a formula start (" =1+1",
  "\\n@cmd"), which some spreadsheets skip the same way.

Numbers, dates and booleans are never guarded: a negative number stays a number. Every other
character (emoji, right-to-left text, control characters inside the text) is kept as it is.
`formula_guard_sql` is the same rule for the database to apply, generated from the same
characters; a test checks the two agree.
"""

from __future__ import annotations

import re

FORMULA_STARTS = "=+-@\uff1d\uff0b\uff0d\uff20"
# Guarded whatever follows them.
ALWAYS_GUARDED = "\t\r\x00"
# Skipped when looking for a formula start: C0 and C1 controls, DEL, and Unicode's spaces,
# line and paragraph separators, zero-width characters and the byte-order mark.
SKIPPED_BEFORE = (
    "".join(map(chr, range(0x00, 0x21)))
    + "\x7f"
    + "".join(map(chr, range(0x80, 0xA1)))
    + "\u1680\u180e"
    + "".join(map(chr, range(0x2000, 0x200E)))
    + "\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)
# The characters a guarded text can start with: any other first character means no guard, so
# the hot path of a large export costs one set lookup per cell.
FIRST_CHARACTERS = frozenset(FORMULA_STARTS + ALWAYS_GUARDED + SKIPPED_BEFORE)

# Characters XML 1.0 cannot hold at all (C0 controls except tab, LF, CR). XLSX only. The same
# pattern as openpyxl's ILLEGAL_CHARACTERS_RE (a test holds them equal), written out so that
# web workers, which never build a workbook, do not load openpyxl.
XML_ILLEGAL_RE: re.Pattern[str] = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


_STARTS = frozenset(FORMULA_STARTS)
_ALWAYS = frozenset(ALWAYS_GUARDED)


def starts_formula(text: str) -> bool:
    """True when a spreadsheet could run this text as a formula."""
    # Sets, not strings: the empty string is "in" every string.
    first = text[:1]
    if first not in FIRST_CHARACTERS:
        return False
    return first in _ALWAYS or text.lstrip(SKIPPED_BEFORE)[:1] in _STARTS


def formula_guarded(value):
    """Text with an apostrophe in front when a spreadsheet would treat it as a formula.

    Anything that is not text (numbers, dates, None) is returned unchanged.
    """
    if isinstance(value, str) and starts_formula(value):
        return "'" + value
    return value


def guarded_text(value) -> str:
    """A CSV cell as text: empty for None, anything else as its text, formula-guarded."""
    return formula_guarded("" if value is None else str(value))


def formula_guard_sql(expression: str) -> str:
    """SQL for `formula_guarded` applied to a text-valued `expression`, for PostgreSQL (COPY)
    and SQLite alike: only `substr`, `ltrim`, `IN` and `||`.

    The characters are written as literals, NUL aside: no database text can hold it.
    """

    def literals(characters: str) -> str:
        return ", ".join(_literal(ch) for ch in characters if ch != "\x00")

    skipped = _literal("".join(ch for ch in SKIPPED_BEFORE if ch != "\x00"))
    return (
        f"CASE WHEN substr({expression}, 1, 1) IN ({literals(ALWAYS_GUARDED)}) "
        f"OR substr(ltrim({expression}, {skipped}), 1, 1) IN ({literals(FORMULA_STARTS)}) "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def _literal(text: str) -> str:
    # A plain quoted literal holds every character above but a quote, and a percent sign
    # would be read as a placeholder by the database driver: neither may join the sets.
    if "'" in text or "%" in text:
        raise ValueError("A guarded character cannot be written as a plain SQL literal.")
    return f"'{text}'"


def strip_xml_illegal(value: str) -> tuple[str, int]:
    """Remove the characters an XLSX file cannot contain; returns (text, how many removed)."""
    cleaned, removed = XML_ILLEGAL_RE.subn("", value)
    return cleaned, removed
