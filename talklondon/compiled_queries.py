"""ORM queries compiled once per process, for the hottest reads.

Turning a queryset with a subquery into SQL costs Django more CPU than PostgreSQL spends
answering it: the survey pages' one query for the person's state took about a third of a
submission POST's Python time. `CompiledQuery` compiles such a query once per process and
database (with placeholder values), then runs the same SQL with each request's values and
builds the rows into model instances exactly as the ORM does (select_related and annotations
included), through the same query counting and wrappers as any other query.

Only for queries whose shape never changes: the values may change, the SQL may not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators


class CompiledQuery:
    """`build(**values)` returns the queryset; `placeholders` gives each value a stand-in
    that no real value or constant of the query can equal (it is found again by equality
    among the compiled parameters). `prepare` maps a value's name to how the ORM transforms
    it before it becomes a parameter (e.g. `iexact`, or a date and time on SQLite), so the
    placeholder is found and the real value transformed alike.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        placeholders: dict[str, Any],
        prepare: dict[str, Callable[[Any, Any], Any]] | None = None,
    ):
        self.build = build
        self.placeholders = placeholders
        self.prepare = prepare or {}
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def first(self, using: str = "default", **values):
        """The first row as a model instance, or None (the queryset must be sliced to 1)."""
        rows = self.all(using, **values)
        return rows[0] if rows else None

    def all(self, using: str = "default", **values) -> list:
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or _Compiled(self, using)
                self._compiled[using] = compiled
        return compiled.run(values)


class _Compiled:
    def __init__(self, query: CompiledQuery, using: str):
        queryset = query.build(**query.placeholders)
        compiler = queryset.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        # Each parameter: the name of the value it takes, or its constant.
        connection = connections[using]
        by_placeholder = {
            repr(query.prepare[name](v, connection) if name in query.prepare else v): name
            for name, v in query.placeholders.items()
        }
        self.params = [(by_placeholder.get(repr(p)), p) for p in params]
        missing = set(query.placeholders) - {name for name, _ in self.params if name}
        if missing:
            raise ValueError(f"Values not found in the compiled query: {sorted(missing)}")
        self.prepare = query.prepare
        self.using = using
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.related_populators = get_related_populators(klass_info, select, using)
        self.annotations = dict(compiler.annotation_col_map or {})
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])

    def run(self, values: dict) -> list:
        connection = connections[self.using]
        params = []
        for name, constant in self.params:
            if name is None:
                params.append(constant)
                continue
            value = values[name]
            prepare = self.prepare.get(name)
            params.append(prepare(value, connection) if prepare else value)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        instances = []
        for row in rows:
            row = list(row)
            for position, (converters, expression) in self.converters.items():
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            obj = self.model.from_db(self.using, self.init_list, row[self.start : self.end])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            instances.append(obj)
        return instances
