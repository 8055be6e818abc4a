"""The ingestion tripwire: personal data anywhere in a return refuses the whole batch.

Registration marks, email addresses, and fields that name a person, in the header, the rows and
any nested value. Every scan is linear in the length of the text (RE2), so one long value cannot
hold a worker; only keyed digests (HMAC) of what it finds are ever kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import re2

from anpr_info import registry
from talklondon.digests import keyed_digest
from talklondon.registration_marks import contains_registration_mark, is_dateless_mark
from talklondon.text_scan import EMAIL_LIKE

if TYPE_CHECKING:
    from anpr_info.returns import Batch

NAME_FIELDS = re2.compile(
    r"(?:^|_)(?:name|names|forename|forenames|surname|first_name|last_name|full_name|given_name|"
    r"family_name|driver|keeper|registered_keeper|person|owner_name|driver_name|keeper_name)(?:$|_)"
)
SAFE_VALUE = re2.compile(
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{2}|[0-9]{4}-Q[1-4]|S-[0-9a-f]{8}|[0-9]+)$"
)


@dataclass
class Finding:
    row: int  # 0 for the batch header
    field: str
    kind: str
    digest: str  # keyed (HMAC), never a bare hash: see finding_digest

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "kind": self.kind, "digest": self.digest}


def finding_digest(value) -> str:
    """A keyed digest of an offending value: enough to see the same value again, useless for
    guessing it (a bare SHA-256 of a plate can be reversed by trying every plate)."""
    return keyed_digest(str(value), purpose="anpr-quarantine")


def _classify(value: str) -> str | None:
    if EMAIL_LIKE.search(value):
        return "email address"
    if contains_registration_mark(value) or is_dateless_mark(value):
        return "vehicle registration mark"
    return None


def _strings(value):
    """Every string inside a value (keys of nested objects too); depth is bounded by parsing."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(str(key) for key in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def tripwire(batch: Batch) -> list[Finding]:
    """Anything that looks like personal data: a registration mark, an email address, or a
    field that names a person, anywhere in the document (header, rows, nested values). Only
    Keyed digests of the offending values are returned. Every scan is linear in the text."""
    findings: list[Finding] = []
    known = registry.all_codes()
    seen: dict[str, str | None] = {}
    names: dict[str, tuple[bool, str | None]] = {}

    def name_check(name) -> tuple[bool, str | None]:
        name = str(name)
        if name not in names:
            names[name] = (bool(NAME_FIELDS.search(name.lower())), _classify(name))
        return names[name]

    def classify(value: str) -> str | None:
        if value in known:
            return None
        if value not in seen:
            seen[value] = None if SAFE_VALUE.match(value) else _classify(value)
        return seen[value]

    def check(row: int, name, value) -> None:
        is_name_field, name_kind = name_check(name)
        if is_name_field:
            shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
            findings.append(Finding(row, str(name), "personal name field", finding_digest(shown)))
            return
        if name_kind:
            findings.append(Finding(row, "(field name)", name_kind, finding_digest(str(name))))
        for text in _strings(value):
            if kind := classify(text):
                findings.append(Finding(row, str(name), kind, finding_digest(text)))

    header = batch.document or {"reason": batch.reason}
    for name, value in header.items():
        if name != "rows":
            check(0, name, value)
    rows = batch.rows
    if _tripwire_clear(rows, name_check, classify):
        return findings
    for number, row in enumerate(rows, start=1):
        if isinstance(row, dict):
            for name, value in row.items():
                check(number, name, value)
        elif isinstance(row, list):
            for position, value in enumerate(row):
                check(number, f"[{position}]", value)
        else:
            check(number, "", row)
    return findings


def _tripwire_clear(rows, name_check, classify) -> bool:
    """Fast path for large returns: look at each distinct field name and value once. True when
    nothing suspicious appears; otherwise the caller scans row by row to say where."""
    if not all(type(row) is dict for row in rows):
        return False
    names: set = set()
    for row in rows:
        names.update(row)
    for name in names:
        is_name_field, name_kind = name_check(name)
        if is_name_field or name_kind:
            return False
        values: set[str] = set()
        for row in rows:
            value = row.get(name)
            if type(value) is str:
                values.add(value)
            elif isinstance(value, dict | list):
                return False  # nested values: the row-by-row scan walks them
        if any(classify(value) for value in values):
            return False
    return True
