"""A police return: read, checked against its published schema and summed into table cells.

Pure functions, no database: the service that receives a return and stores it as a submission
is services/submissions.py, used by the API and the file import.

The order is fixed: parse within the limits (size, nesting depth, rows, cell size) → tripwire
(personal data anywhere refuses the whole batch) → validate the document against the JSON Schema
that /api/ingest/v1/schema/ publishes (any error refuses the whole batch) → the few checks a
schema cannot say (the period has ended, dates inside the period, no repeated rows) → aggregate
into the cells of published tables. CSV rows are converted into the same document first, so both
formats meet the same schema. A compiled validator (jsonschema_rs) judges each return; only a
refused one is walked again by Python's jsonschema, whose errors are turned into our words.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter

import jsonschema_rs
import re2
from django.conf import settings
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import extend

from anpr_info import registry
from anpr_info.signing import sha256_hex
from anpr_info.tripwire import Finding, finding_digest, tripwire  # noqa: F401  (this module's API)

MAX_VALUE = 10**11
MAX_ERRORS = 200

# A CSV cell that is a whole number: ASCII digits only, and short enough to be below MAX_VALUE.
WHOLE_NUMBER = re2.compile(r"^[0-9]{1,11}$")


class ParseError(ValueError):
    """The body cannot be read, or is over a limit (status 413)."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Batch:
    dataset: str  # "" unless the document names it as text
    period: str
    reason: str
    rows: list
    body_sha256: str
    document: dict = field(default_factory=dict)


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


# --- Parsing, within the limits -------------------------------------------------------------


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _too_deep(document, limit: int) -> bool:
    """Whether containers nest more than `limit` deep (iterative: no recursion to exhaust)."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _json_int(text: str) -> int:
    # Python would read up to 4300 digits (in time that grows faster than the length); no
    # count has more than 11, and the schema's maximum gives the row-level error.
    if len(text) > 40:
        raise ParseError("A number in the body is too long.")
    return int(text)


def _json_constant(name: str):
    raise ParseError(f"{name} is not a number JSON allows.")


def _parse_json(text: str, digest: str) -> Batch:
    depth = settings.ANPR_INGEST_MAX_DEPTH
    try:
        document = json.loads(text, parse_int=_json_int, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise ParseError(f"The body is not valid JSON: {exc.msg} (line {exc.lineno}).") from exc
    except RecursionError:
        raise ParseError(f"The JSON is nested too deep (at most {depth} levels).") from None
    except ParseError:
        raise
    except ValueError as exc:  # a number over Python's digit limit, and the like
        raise ParseError("The body is not valid JSON: a value cannot be read.") from exc
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise ParseError('The JSON body must be an object with a "rows" list.')
    if _too_deep(document, depth):
        raise ParseError(f"The JSON is nested too deep (at most {depth} levels).")
    rows = document["rows"]
    _check_row_count(len(rows))
    return Batch(
        dataset=_text(document.get("dataset")),
        period=_text(document.get("period")),
        reason=_text(document.get("reason")),
        rows=rows,
        body_sha256=digest,
        document=document,
    )


def _check_row_count(count: int) -> None:
    limit = settings.ANPR_INGEST_MAX_ROWS
    if count > limit:
        raise ParseError(f"Send at most {limit} rows in one return.", status=413)


def _parse_csv(text: str, params: dict[str, str], digest: str) -> Batch:
    cell_limit = settings.ANPR_INGEST_MAX_CELL_CHARS
    row_limit = settings.ANPR_INGEST_MAX_ROWS
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if not header:
            raise ParseError("The CSV has no header row.")
        if len(set(header)) != len(header):
            raise ParseError("The CSV header names a column twice.")
        dataset = registry.DATASETS.get(params.get("dataset", ""))
        value_field = dataset.value_field if dataset else None
        width = len(header)
        rows = []
        for line in reader:
            if len(line) != width:
                raise ParseError(f"CSV line {reader.line_num} has {len(line)} values, not {width}.")
            if any(len(cell) > cell_limit for cell in line):
                raise ParseError(
                    f"CSV line {reader.line_num} has a cell longer than {cell_limit} characters."
                )
            row = dict(zip(header, line, strict=True))
            value = row.get(value_field) if value_field else None
            if value is not None and WHOLE_NUMBER.match(value):
                row[value_field] = int(value)
            rows.append(row)
            _check_row_count(len(rows)) if len(rows) > row_limit else None
    except csv.Error as exc:
        raise ParseError(
            f"CSV line {reader.line_num} cannot be read ({exc}): a cell is too long or badly "
            "quoted."
        ) from None
    document = {"dataset": params.get("dataset", ""), "period": params.get("period", "")}
    if params.get("reason"):
        document["reason"] = params["reason"]
    document["rows"] = rows
    return Batch(
        dataset=document["dataset"],
        period=document["period"],
        reason=params.get("reason", ""),
        rows=rows,
        body_sha256=digest,
        document=document,
    )


def parse_body(body: bytes, content_type: str, params: dict[str, str]) -> Batch:
    """A JSON document {"dataset", "period", "reason"?, "rows": [...]}, or CSV with dataset,
    period and reason given as query parameters. Raises ParseError (400, or 413 over a limit)."""
    limit = settings.ANPR_INGEST_MAX_BYTES
    if len(body) > limit:
        raise ParseError(f"Send at most {limit} bytes in one return.", status=413)
    digest = sha256_hex(body)
    kind = (content_type or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError("The body must be UTF-8.") from exc
    if kind in ("application/json", ""):
        return _parse_json(text, digest)
    if kind in ("text/csv", "application/csv"):
        return _parse_csv(text, params, digest)
    raise ParseError("Send application/json or text/csv.")


# --- Validation: the published schema first, then what a schema cannot say ------------------


def _is_strict_integer(checker, instance) -> bool:
    # JSON Schema counts 1.0 as an integer; a count sent as 1.0 is a mistake, so refuse it.
    return type(instance) is int


StrictValidator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)


DATE_FORMAT = FormatChecker(["date"])


@functools.lru_cache(maxsize=1024)
def _is_date(value: str) -> bool:
    # The compiled validator would take year 0000; Python's dates start at year 1. Using the
    # reference validator's own rule keeps both judging dates alike (a month has few dates,
    # hence the cache).
    return DATE_FORMAT.conforms(value, "date")


@functools.cache
def _validators(dataset_code: str):
    """(compiled, reference) validators of one dataset's published schema, built once.

    The compiled validator (jsonschema_rs) judges a whole return in milliseconds; the reference
    validator (Python jsonschema, a hundred times slower) words the errors of a refused one, so
    a refused return gets exactly the errors, in the order, it always got."""
    schema = json_schema(registry.DATASETS[dataset_code])
    compiled = jsonschema_rs.validator_for(
        schema, validate_formats=True, formats={"date": _is_date}
    )
    return compiled, StrictValidator(schema, format_checker=DATE_FORMAT)


def _schema_errors(dataset: registry.Dataset, document: dict):
    """The published schema's errors in this document, in the reference validator's order."""
    compiled, reference = _validators(dataset.code)
    rows = document.get("rows")
    # JSON Schema counts 1.0 as an integer, and so does the compiled validator; our counts are
    # strict (a float is a mistake), so a float where a count goes is left to the reference.
    has_float_count = isinstance(rows, list) and any(
        isinstance(row, dict) and type(row.get(dataset.value_field)) is float for row in rows
    )
    if not has_float_count:
        try:
            if compiled.is_valid(document):
                return ()
        except ValueError:  # text it cannot take (a lone surrogate): the reference judges it
            pass
    return reference.iter_errors(document)


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _error(dataset: registry.Dataset, period: str, error) -> list[RowError]:
    """Our words for one schema error, located as (row, field); row 0 is the header."""
    path = list(error.absolute_path)
    kind = error.validator
    if not path or (len(path) == 2 and path[0] == "rows"):
        row = path[1] + 1 if path else 0
        if kind == "required":
            return [
                RowError(row, name, "This field is missing.")
                for name in error.validator_value
                if name not in error.instance
            ]
        if kind == "additionalProperties":
            allowed = error.schema.get("properties", {})
            return [
                RowError(row, str(name), "This field is not in the schema.")
                for name in error.instance
                if name not in allowed
            ]
        if row:
            return [RowError(row, "", "Each row must be an object.")]
        return [RowError(0, "", "The body must be a JSON object.")]
    if path[0] == "rows" and len(path) == 1:
        if kind == "minItems":
            return [RowError(0, "rows", "The return has no rows.")]
        return [RowError(0, "rows", '"rows" must be a list of objects.')]
    if path[0] == "period":
        example = "2025-03" if dataset.grain == "month" else "2025-Q1"
        return [
            RowError(0, "period", f"This dataset is sent per {dataset.grain}, like {example!r}.")
        ]
    if path[0] == "reason":
        return [RowError(0, "reason", "The reason must be text.")]
    if path[0] == "dataset":
        return [RowError(0, "dataset", f"This schema is for {dataset.code!r}.")]
    if path[0] != "rows":
        return [RowError(0, str(path[0]), "This field is not in the schema.")]
    row, name = path[1] + 1, str(path[2])
    value = error.instance
    if name == dataset.value_field:
        message = "This must be a whole number, 0 or more."
    elif name == "date":
        message = "This must be a date in the period (YYYY-MM-DD)."
    elif name == "site_id":
        message = 'Site ids are opaque: "S-" and 8 hex digits.'
    elif name == "area" and value == registry.CITY_OF_LONDON:
        message = (
            "The City of London is policed by the City of London Police: send no Metropolitan "
            "Police rows for it."
        )
    elif name in registry.DIMENSIONS:
        message = f"{_shown(value)} is not a {registry.DIMENSIONS[name].label.lower()} code."
    else:
        message = "This value is not allowed."
    return [RowError(row, name, message)]


def validate(
    batch: Batch, *, today: dt.date | None = None
) -> tuple[registry.Dataset | None, Checked]:
    """Check the document against its dataset's published schema, then the period, dates and
    repeats; returns the dataset and clean rows, or the errors (at most MAX_ERRORS)."""
    checked = Checked()
    errors = checked.errors
    code = batch.document.get("dataset") if batch.document else batch.dataset
    dataset = registry.DATASETS.get(code) if isinstance(code, str) else None
    if dataset is None:
        errors.append(RowError(0, "dataset", f"Unknown dataset {_shown(code)}."))
        return None, checked
    document = batch.document or {
        "dataset": batch.dataset,
        "period": batch.period,
        **({"reason": batch.reason} if batch.reason else {}),
        "rows": batch.rows,
    }
    for error in _schema_errors(dataset, document):
        errors.extend(_error(dataset, batch.period, error))
        if len(errors) >= MAX_ERRORS:
            errors.append(RowError(0, "", "Too many errors; stopped checking."))
            return dataset, checked
    if errors:
        errors.sort(key=lambda e: (e.row, e.field))
        return dataset, checked
    period = document["period"]
    if not registry.period_valid(period, dataset.grain):
        example = "2025-03" if dataset.grain == "month" else "2025-Q1"
        errors.append(
            RowError(0, "period", f"This dataset is sent per {dataset.grain}, like {example!r}.")
        )
        return dataset, checked
    first, last = registry.period_bounds(period)
    today = today or timezone.localdate()
    if last >= today:
        errors.append(
            RowError(
                0,
                "period",
                f"{period} has not ended yet: send its return from {last + dt.timedelta(days=1)}.",
            )
        )
        return dataset, checked
    rows = document["rows"]
    if dataset.has_date:
        days = {(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
        for number, row in enumerate(rows, start=1):
            if row["date"] not in days:
                errors.append(
                    RowError(number, "date", f"This must be a date in {period} (YYYY-MM-DD).")
                )
    if dataset.has_site:
        for number, row in enumerate(rows, start=1):
            if not registry.SITE_ID_FULL_RE.fullmatch(row["site_id"]):
                errors.append(
                    RowError(number, "site_id", 'Site ids are opaque: "S-" and 8 hex digits.')
                )
    getter = itemgetter(*[f for f in dataset.fields if f != dataset.value_field])
    seen_keys: set = set()
    for number, row in enumerate(rows, start=1):
        key = getter(row)
        if key in seen_keys:
            errors.append(RowError(number, "", "This row repeats an earlier row's dimensions."))
        seen_keys.add(key)
        if len(errors) >= MAX_ERRORS:
            errors.append(RowError(number, "", "Too many errors; stopped checking."))
            break
    if not errors:
        checked.rows = rows
    return dataset, checked


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
    properties[dataset.value_field] = {"type": "integer", "minimum": 0, "maximum": MAX_VALUE - 1}
    pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$" if dataset.grain == "month" else r"^[0-9]{4}-Q[1-4]$"
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
