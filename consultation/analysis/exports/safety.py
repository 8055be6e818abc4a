"""Make cell values safe to open in spreadsheet software without changing what they say."""

import re

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets
# (OWASP "CSV injection"); tab and carriage return are included because some importers strip
# them and then see the next character.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 cannot hold at all (C0 controls except tab, LF, CR). XLSX only.
XML_ILLEGAL_RE: re.Pattern[str] = ILLEGAL_CHARACTERS_RE


def neutralise_formula(value):
    """Prefix an apostrophe to text that a spreadsheet would treat as a formula.

    Everything else (numbers, dates, other text including emoji, right-to-left text and control
    characters) is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def strip_xml_illegal(value: str) -> tuple[str, int]:
    """Remove the characters an XLSX file cannot contain; returns (text, how many removed)."""
    cleaned, removed = XML_ILLEGAL_RE.subn("", value)
    return cleaned, removed
