"""Reading, checking and aggregating returns: pure functions used by the API and the file import.

The order is fixed: parse → tripwire (personal data anywhere refuses the whole batch) → validate
every row (any error refuses the whole batch) → aggregate into the cells of published tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter

from anpr_info import registry
from anpr_info.signing import sha256_hex
from talklondon.digests import keyed_digest
from talklondon.registration_marks import contains_registration_mark, is_dateless_mark

MAX_VALUE = 10**11

EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}")
NAME_FIELDS = re.compile(
    r"(^|_)(name|names|forename|forenames|surname|first_name|last_name|full_name|given_name|"
    r"family_name|driver|keeper|registered_keeper|person|owner_name|driver_name|keeper_name)($|_)"
)
SAFE_VALUE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4}-Q[1-4]|S-[0-9a-f]{8}|\d+)$")


class ParseError(ValueError):
    pass


@dataclass
class Batch:
    dataset: str
    period: str
    reason: str
    rows: list[dict]
    body_sha256: str


@dataclass
class Finding:
    row: int  # 0 for the batch header
    field: str
    kind: str
    digest: str  # keyed (HMAC), never a bare hash: see finding_digest

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "kind": self.kind, "digest": self.digest}


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class Checked:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_body(body: bytes, content_type: str, params: dict[str, str]) -> Batch:
    """A JSON document {"dataset", "period", "reason"?, "rows": [...]}, or CSV with dataset,
    period and reason given as query parameters."""
    digest = sha256_hex(body)
    kind = (content_type or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError("The body must be UTF-8.") from exc
    if kind in ("application/json", ""):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(f"The body is not valid JSON: {exc.msg} (line {exc.lineno}).") from exc
        if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
            raise ParseError('The JSON body must be an object with a "rows" list.')
        return Batch(
            dataset=str(document.get("dataset", "")),
            period=str(document.get("period", "")),
            reason=str(document.get("reason", "") or ""),
            rows=document["rows"],
            body_sha256=digest,
        )
    if kind in ("text/csv", "application/csv"):
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if not header:
            raise ParseError("The CSV has no header row.")
        width = len(header)
        rows = []
        for line in reader:
            if len(line) != width:
                raise ParseError(f"CSV line {reader.line_num} has {len(line)} values, not {width}.")
            rows.append(dict(zip(header, line, strict=True)))
        return Batch(
            dataset=params.get("dataset", ""),
            period=params.get("period", ""),
            reason=params.get("reason", ""),
            rows=rows,
            body_sha256=digest,
        )
    raise ParseError("Send application/json or text/csv.")


def finding_digest(value) -> str:
    """A keyed digest of an offending value: enough to see the same value again, useless for
    guessing it (a bare SHA-256 of a plate can be reversed by trying every plate)."""
    return keyed_digest(str(value), purpose="anpr-quarantine")


def _classify(value: str) -> str | None:
    if EMAIL.search(value):
        return "email address"
    if contains_registration_mark(value) or is_dateless_mark(value):
        return "vehicle registration mark"
    return None


def tripwire(batch: Batch) -> list[Finding]:
    """Anything that looks like personal data: a registration mark, an email address, or a
    field that names a person. Only keyed digests of the offending values are returned."""
    findings: list[Finding] = []
    known = registry.all_codes()
    seen: dict[str, str | None] = {}
    names: dict[str, tuple[bool, str | None]] = {}

    def name_check(name) -> tuple[bool, str | None]:
        name = str(name)
        if name not in names:
            names[name] = (bool(NAME_FIELDS.search(name.lower())), _classify(name))
        return names[name]

    def check(row: int, name, value) -> None:
        is_name_field, name_kind = name_check(name)
        if is_name_field:
            findings.append(Finding(row, str(name), "personal name field", finding_digest(value)))
            return
        if name_kind:
            findings.append(Finding(row, "(field name)", name_kind, finding_digest(name)))
        if not isinstance(value, str) or value in known:
            return
        if value not in seen:
            seen[value] = None if SAFE_VALUE.match(value) else _classify(value)
        if kind := seen[value]:
            findings.append(Finding(row, str(name), kind, finding_digest(value)))

    check(0, "reason", batch.reason)
    if _tripwire_clear(batch.rows, name_check, seen, known):
        return findings
    for number, row in enumerate(batch.rows, start=1):
        if isinstance(row, dict):
            for name, value in row.items():
                check(number, name, value)
        elif isinstance(row, list):
            for position, value in enumerate(row):
                check(number, f"[{position}]", value)
    return findings


def _tripwire_clear(rows, name_check, seen, known) -> bool:
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
        for value in {row.get(name) for row in rows}:
            if not isinstance(value, str) or value in known:
                continue
            if value not in seen:
                seen[value] = None if SAFE_VALUE.match(value) else _classify(value)
            if seen[value]:
                return False
    return True


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def validate(batch: Batch) -> tuple[registry.Dataset | None, Checked]:
    """Check the header and every row; returns the dataset and clean rows, or the errors."""
    checked = Checked()
    dataset = registry.DATASETS.get(batch.dataset)
    if dataset is None:
        checked.errors.append(RowError(0, "dataset", f"Unknown dataset {batch.dataset!r}."))
        return None, checked
    if not registry.period_valid(batch.period, dataset.grain):
        example = "2025-03" if dataset.grain == "month" else "2025-Q1"
        checked.errors.append(
            RowError(0, "period", f"This dataset is sent per {dataset.grain}, like {example!r}.")
        )
        return dataset, checked
    first, last = registry.period_bounds(batch.period)
    if not batch.rows:
        checked.errors.append(RowError(0, "rows", "The return has no rows."))
    expected = set(dataset.fields)
    dims = [registry.DIMENSIONS[d] for d in dataset.dimensions]
    allowed = []
    for dim in dims:
        codes = set(dim.codes)
        if dataset.met_only_area and dim.code == "area":
            codes.discard(registry.CITY_OF_LONDON)
        allowed.append((dim, codes))
    days = {(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
    value_field = dataset.value_field
    key_fields = [f for f in dataset.fields if f != value_field]
    fast = _validate_fast(batch.rows, expected, allowed, days, dataset, key_fields)
    if fast is not None:
        checked.rows = fast
        return dataset, checked
    seen_keys: set[tuple] = set()
    errors = checked.errors
    for number, raw in enumerate(batch.rows, start=1):
        if type(raw) is not dict:
            errors.append(RowError(number, "", "Each row must be an object."))
            continue
        before = len(errors)
        if raw.keys() != expected:
            names = set(raw)
            for missing in sorted(expected - names):
                errors.append(RowError(number, missing, "This field is missing."))
            for unknown in sorted(names - expected, key=str):
                errors.append(RowError(number, str(unknown), "This field is not in the schema."))
        for dim, codes in allowed:
            value = raw.get(dim.code)
            if value not in codes and dim.code in raw:
                if dim.code == "area" and value == registry.CITY_OF_LONDON:
                    message = (
                        "The City of London is policed by the City of London Police: send no "
                        "Metropolitan Police rows for it."
                    )
                else:
                    message = f"{value!r} is not a {dim.label.lower()} code."
                errors.append(RowError(number, dim.code, message))
        value = raw.get(value_field)
        if type(value) is not int:
            value = _int(value)
        if value_field in raw and (value is None or not 0 <= value < MAX_VALUE):
            errors.append(RowError(number, value_field, "This must be a whole number, 0 or more."))
        if dataset.has_date and "date" in raw and raw["date"] not in days:
            errors.append(
                RowError(number, "date", f"This must be a date in {batch.period} (YYYY-MM-DD).")
            )
        if dataset.has_site and "site_id" in raw:
            site = raw["site_id"]
            if not (isinstance(site, str) and registry.SITE_ID_RE.match(site)):
                errors.append(
                    RowError(number, "site_id", 'Site ids are opaque: "S-" and 8 hex digits.')
                )
        if len(errors) == before:
            key = tuple(raw[f] for f in key_fields)
            if key in seen_keys:
                errors.append(RowError(number, "", "This row repeats an earlier row's dimensions."))
            else:
                seen_keys.add(key)
                clean = dict(raw)
                clean[value_field] = value
                checked.rows.append(clean)
        if len(errors) >= 200:
            errors.append(RowError(number, "", "Too many errors; stopped checking."))
            break
    return dataset, checked


def _validate_fast(rows, expected, allowed, days, dataset, key_fields) -> list[dict] | None:
    """Column-wise checks for large, clean returns: each distinct value is checked once.
    Returns the clean rows, or None when anything is wrong (the row-wise pass then says what)."""
    if not rows or not all(type(row) is dict and row.keys() == expected for row in rows):
        return None
    for dim, codes in allowed:
        if not {row[dim.code] for row in rows} <= codes:
            return None
    if dataset.has_date and not {row["date"] for row in rows} <= days:
        return None
    if dataset.has_site:
        sites = {row["site_id"] for row in rows}
        if not all(isinstance(s, str) and registry.SITE_ID_RE.match(s) for s in sites):
            return None
    value_field = dataset.value_field
    values = [row[value_field] for row in rows]
    if not all(type(v) is int for v in values):
        if not all(type(v) is str and v.isdigit() and v.isascii() for v in values):
            return None
        values = [int(v) for v in values]
    if not all(0 <= v < MAX_VALUE for v in values):
        return None
    getter = itemgetter(*key_fields)
    if len({getter(row) for row in rows}) != len(rows):
        return None
    clean = []
    for row, value in zip(rows, values, strict=True):
        row = dict(row)
        row[value_field] = value
        clean.append(row)
    return clean


def aggregate(dataset: registry.Dataset, rows: list[dict]) -> dict[str, list]:
    """Sum the rows into the cells of every published table that draws on this dataset.

    Returns {"measure/table": [[row key, column key, value], ...]} with JSON-friendly lists."""
    result: dict[str, list] = {}
    value_field = dataset.value_field
    for measure in registry.measures_for_dataset(dataset.code):
        for table in measure.tables:
            fields = table.rows + table.columns
            split = len(table.rows)
            getter = itemgetter(*fields)
            if measure.aggregate == "distinct_sites":
                sites: dict = defaultdict(set)
                for row in rows:
                    if row[value_field] > 0:
                        sites[getter(row)].add(row["site_id"])
                cells = {key: len(members) for key, members in sites.items()}
            else:
                cells = defaultdict(int)
                for row in rows:
                    cells[getter(row)] += row[value_field]
            entries = []
            for key, value in sorted(cells.items()):
                key = key if len(fields) > 1 else (key,)
                entries.append([list(key[:split]), list(key[split:]), value])
            result[f"{measure.code}/{table.code}"] = entries
    return result


def json_schema(dataset: registry.Dataset, *, base_url: str = "") -> dict:
    """The published JSON Schema of one dataset's JSON body."""
    properties: dict = {}
    if dataset.has_site:
        properties["site_id"] = {
            "type": "string",
            "pattern": registry.SITE_ID_RE.pattern,
            "description": "Opaque camera site id; never a location.",
        }
    if dataset.has_date:
        properties["date"] = {
            "type": "string",
            "format": "date",
            "description": "A day inside the period.",
        }
    for code in dataset.dimensions:
        dim = registry.DIMENSIONS[code]
        codes = list(dim.codes)
        if dataset.met_only_area and code == "area":
            codes = [c for c in codes if c != registry.CITY_OF_LONDON]
        properties[code] = {
            "title": dim.label,
            "description": dim.description,
            "enum": codes,
            "x-labels": {v.code: v.label for v in dim.values if v.code in codes},
        }
    properties[dataset.value_field] = {"type": "integer", "minimum": 0}
    pattern = r"^\d{4}-(0[1-9]|1[0-2])$" if dataset.grain == "month" else r"^\d{4}-Q[1-4]$"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url}/api/ingest/v1/schema/{dataset.code}.json",
        "title": dataset.title,
        "description": dataset.description or f"One {dataset.grain}ly return.",
        "type": "object",
        "required": ["dataset", "period", "rows"],
        "additionalProperties": False,
        "properties": {
            "dataset": {"const": dataset.code},
            "period": {"type": "string", "pattern": pattern},
            "reason": {
                "type": "string",
                "description": "Required when resubmitting a period: why it changed.",
            },
            "rows": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": list(dataset.fields),
                    "additionalProperties": False,
                    "properties": properties,
                },
            },
        },
    }
