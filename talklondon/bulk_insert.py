"""Many rows of one model in one INSERT, without the ORM's per-value compilation.

`bulk_create` prepares every value of every row through its field (about 300 calls for a
survey's 25 answers) and compiles the statement each time: a third of a submission's Python
time. On PostgreSQL `rows_insert` sends each column as one array through UNNEST, the values as
they are on the instances, with a statement built once per model from the model's own fields.
Elsewhere (the embedded SQLite default) it is `bulk_create`.

Only for models whose concrete fields hold plain values that psycopg adapts as they are
(integers, text, booleans, dates and times, foreign keys to integer ids): `FIELD_TYPES` lists
them, and a model with any other field is refused rather than written wrongly.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, models

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
    arrays = ", ".join(f"%s::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    # Only the model's own table, column and type names; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - generated identifiers
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT * FROM UNNEST({arrays}) RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, [f.attname for f in fields]


def rows_insert(objects: list[models.Model], *, using: str = "default") -> list[models.Model]:
    """INSERT these unsaved instances of one model; each gets its primary key."""
    if not objects:
        return objects
    model = type(objects[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model.objects.using(using).bulk_create(objects)
    sql, attnames = _statement(model, using)
    columns = [[getattr(obj, name) for obj in objects] for name in attnames]
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objects
