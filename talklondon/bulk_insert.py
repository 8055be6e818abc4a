"""Many rows of one model in one INSERT, without the ORM's per-value compilation.

`bulk_create` prepares every value of every row through its field (about 300 calls for a
survey's 25 answers) and compiles the statement each time: a third of a submission's Python
time. On PostgreSQL `rows_insert` sends all the rows as one JSON document, which
`json_populate_recordset` turns into rows of the table's own column types, with a statement built
once per model from the model's own fields. (One JSON parameter rather than an array per column:
psycopg's client-side binding adapts and quotes an array element by element in Python, a tenth
of a submission's CPU in the spike; `json.dumps` is C.)
Elsewhere (the embedded SQLite default) it is `bulk_create`. `row_insert` does the same for one
row (the receipt's email and outbox rows, a response and its version), where `create` would
compile the INSERT each time.

Only for models whose concrete fields hold plain values that psycopg adapts as they are
(integers, text, booleans, dates and times, foreign keys to integer ids): `FIELD_TYPES` lists
them, and a model with any other field is refused rather than written wrongly.
"""

from __future__ import annotations

import json
from functools import cache

from django.db import connections, models, transaction

FIELD_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateTimeField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


@cache
def _statement(model: type[models.Model], vendor_key: str) -> tuple[str, list[str]]:
    connection = connections[vendor_key]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:
        kind = (field.target_field if field.is_relation else field).get_internal_type()
        if kind not in FIELD_TYPES:
            raise TypeError(f"rows_insert cannot write {model.__name__}.{field.name} ({kind})")
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    # Only the model's own table and column names; the rows are the one parameter. Rows come
    # back in the order of the document, as from UNNEST.
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - generated identifiers
        f"SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s::json) "
        f"RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, [(f.attname, f.column) for f in fields]


def _json_value(value):
    """Dates and times as ISO 8601 with their offset and microseconds (the JSON encoder's
    only values that are not plain)."""
    return value.isoformat()


def rows_insert(objects: list[models.Model], *, using: str = "default") -> list[models.Model]:
    """INSERT these unsaved instances of one model; each gets its primary key."""
    if not objects:
        return objects
    model = type(objects[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model.objects.using(using).bulk_create(objects)
    sql, names = _statement(model, using)
    rows = json.dumps(
        [{column: getattr(obj, attname) for attname, column in names} for obj in objects],
        default=_json_value,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [rows])
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objects


@cache
def _row_statement(
    model: type[models.Model], using: str
) -> tuple[str, tuple, dict[str, object]] | None:
    """INSERT … VALUES … RETURNING pk for one row of `model`, and the constant of each database
    default (by attname), or None where the ORM must write it: inherited models, models with a
    save() of their own, database defaults that are expressions, generated columns, or a
    database that cannot return the new key."""
    connection = connections[using]
    meta = model._meta
    if (
        meta.parents
        or model.save is not models.Model.save  # its own save() must run
        or model.save_base is not models.Model.save_base
        or not connection.features.can_return_columns_from_insert
    ):
        return None
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    if meta.auto_field is None or any(f.generated for f in fields):
        return None
    # A constant database default (`db_default=""`) is written as that constant, which is
    # what the database would store; an expression default (`Now()`) leaves it to the ORM.
    defaults = {}
    for field in fields:
        if field.db_default is models.NOT_PROVIDED:
            continue
        if hasattr(field.db_default, "resolve_expression"):
            return None
        defaults[field.attname] = field.db_default
    quote = connection.ops.quote_name
    # Only the model's own table and column names; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - generated identifiers
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields, defaults


def row_insert(obj: models.Model, *, using: str = "default") -> models.Model:
    """INSERT this unsaved instance, as `Model.objects.create` does, and give it its key.

    `create` compiles the statement on every call and walks `save()`'s machinery around it
    (about 0.25 ms of Python per row here, over twice the INSERT itself): this statement is
    built once per model, and each value goes through its field's `pre_save` and
    `get_db_prep_save`, as the ORM's insert does. Database errors come out as Django's
    (IntegrityError for a refused unique constraint). Where that is not the same thing, the
    ORM writes the row: when a `pre_save`/`post_save` receiver listens for the model, the key
    is given, a value is an expression, or `_row_statement` declines the model.
    """
    model = type(obj)
    statement = _row_statement(model, using)
    if (
        statement is not None
        and obj.pk is None
        and not models.signals.pre_save.has_listeners(model)
        and not models.signals.post_save.has_listeners(model)
    ):
        sql, fields, defaults = statement
        connection = connections[using]
        for attname, constant in defaults.items():
            # Left to the database default (the ORM's DatabaseDefault): its constant, as the
            # ORM's own save would read it back from the database.
            if isinstance(getattr(obj, attname), models.expressions.DatabaseDefault):
                setattr(obj, attname, constant)
        values = [f.pre_save(obj, True) for f in fields]
        if not any(hasattr(v, "resolve_expression") for v in values):
            params = [
                f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)
            ]
            # As save() does: an error inside a transaction marks it for rollback.
            with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
                cursor.execute(sql, params)
                pk = cursor.fetchone()[0]
            setattr(obj, model._meta.pk.attname, pk)
            obj._state.adding = False
            obj._state.db = using
            return obj
    obj.save(force_insert=True, using=using)
    return obj
