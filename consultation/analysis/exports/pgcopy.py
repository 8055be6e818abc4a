"""The PostgreSQL fast path for large CSV exports: the database writes the CSV with COPY.

The dataset's `copy_select` gives one text column per export column. We wrap it so that
PostgreSQL also does the two things the Python writer does to each cell:
  - respondent ids become 'R-' + the first 16 hex digits of HMAC-SHA256(salt, id), computed
    with the built-in sha256() from the pseudonymiser's padded keys (identical to Python's);
  - text a spreadsheet would run as a formula gets a leading apostrophe, by the SQL form of
    talklondon/spreadsheet_safety.py's guard (columns whose type is a number, boolean, date or
    time are left alone, as in Python).
Then `COPY (...) TO STDOUT WITH (FORMAT csv)` streams the bytes, which we pass on unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection

from consultation.analysis.exports.datasets import RESPONDENT, Column
from consultation.analysis.exports.pseudonyms import Pseudonymiser
from talklondon.spreadsheet_safety import formula_guard_sql

CHUNK_BYTES = 64 * 1024
# PostgreSQL types whose text can never start a formula (numbers are read as numbers even when
# negative, and the Python writer leaves numbers alone too): no per-cell check needed.
_SAFE_TYPE_OIDS = frozenset(
    {16, 20, 21, 23, 26, 700, 701, 1700, 1082, 1083, 1114, 1184, 1186, 2950}
)


def copy_export_sql(
    *,
    select_sql: str,
    params: Sequence[Any],
    columns: Sequence[Column],
    pseudonymiser: Pseudonymiser,
) -> tuple[str, list[Any]]:
    """The SELECT to COPY: the dataset's rows, pseudonymised and formula-neutralised."""
    inner, outer = pseudonymiser.hmac_pads()
    names = [f"c{i}" for i in range(len(columns))]
    types = _column_types(select_sql, params)
    expressions = []
    extra: list[Any] = []
    for name, column, type_oid in zip(names, columns, types, strict=True):
        if column.kind == RESPONDENT:
            expressions.append(
                f"CASE WHEN {name} IS NULL THEN '' ELSE 'R-' || left(encode(sha256(%s::bytea "
                f"|| sha256(%s::bytea || convert_to({name}::text, 'UTF8'))), 'hex'), 16) END"
            )
            extra += [outer, inner]
        elif type_oid in _SAFE_TYPE_OIDS:
            expressions.append(name)
        else:
            expressions.append(formula_guard_sql(f"{name}::text"))
    sql = (
        f"SELECT {', '.join(expressions)} "  # noqa: S608 - only generated identifiers
        f"FROM ({select_sql}) AS export_rows({', '.join(names)})"
    )
    return sql, [*extra, *params]


def _column_types(select_sql: str, params: Sequence[Any]) -> list[int]:
    """The type OID of each column of a SELECT, without running it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({select_sql}) AS described LIMIT 0",  # noqa: S608
            list(params),
        )
        return [column.type_code for column in cursor.description]


class CopyCsv:
    """Iterate the CSV bytes of `COPY (sql) TO STDOUT WITH CSV`; `rows` is set at the end."""

    def __init__(self, sql: str, params: Sequence[Any]):
        self.sql = sql
        self.params = list(params)
        self.rows: int | None = None

    def __iter__(self) -> Iterator[bytes]:
        connection.ensure_connection()
        # The psycopg cursor itself: Django's debug wrapper does not pass COPY parameters on.
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            with cursor.copy(f"COPY ({self.sql}) TO STDOUT WITH (FORMAT csv)", self.params) as copy:
                # COPY hands over about one row per block: pass them on in ~64 KB chunks.
                pending = bytearray()
                for block in copy:
                    pending += block
                    if len(pending) >= CHUNK_BYTES:
                        yield bytes(pending)
                        pending.clear()
                if pending:
                    yield bytes(pending)
            self.rows = cursor.rowcount
