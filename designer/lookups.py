"""Lookups by a unique column, compiled once.

Clients poll DescribeExecution many times a second while an execution runs, and each poll reads
one execution with its state machine. Building that query through the ORM (the filter, the
select_related columns, the SQL) costs the web process several times what the database does, on
the same thread as everything else it serves. :class:`UniqueLookup` asks the ORM for the SQL,
the column converters and the field names once per database, then runs the statement itself and
makes the model instances with ``Model.from_db``, as the ORM would.
"""
from __future__ import annotations

import threading
from typing import Any, NamedTuple

from django.db import connections, router
from django.db.models import Model, QuerySet

from designer.models import Execution, StateMachine

__all__ = ["UniqueLookup", "EXECUTION_BY_ARN", "STATE_MACHINE_BY_ARN"]


class _Part(NamedTuple):
    model: type[Model]
    attnames: list[str]
    start: int
    end: int
    link: Any  # the foreign key that caches this part on the first, None for the first


class _Plan(NamedTuple):
    sql: str
    converters: list[tuple[int, list, Any]]  # (column, converters, expression)
    parts: list[_Part]


class UniqueLookup:
    """``UniqueLookup(Model, "column", "fk", ...)``: ``get(value)`` returns the one instance whose
    ``column`` equals ``value`` (the instances of the named foreign keys selected with it), or None."""

    _MARK = "\x00switchyard-lookup\x00"

    def __init__(self, model: type[Model], column: str, *related: str):
        self.model, self.column, self.related = model, column, related
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def get(self, value: Any) -> Model | None:
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        plan = self._plans.get(alias) or self._compile(alias)
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, [value])
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, converters, expression in plan.converters:
            for converter in converters:
                row[position] = converter(row[position], expression, connection)
        first = None
        for part in plan.parts:
            instance = part.model.from_db(alias, part.attnames, row[part.start:part.end])
            if first is None:
                first = instance
            else:
                part.link.set_cached_value(first, instance)
        return first

    def _compile(self, alias: str) -> _Plan:
        with self._lock:
            if alias in self._plans:
                return self._plans[alias]
            queryset: QuerySet = self.model._default_manager.using(alias).filter(**{self.column: self._MARK})
            if self.related:
                queryset = queryset.select_related(*self.related)
            compiler = queryset.order_by()[:1].query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            if list(params) != [self._MARK]:
                raise ValueError(f"unexpected parameters in the lookup of {self.model.__name__}: {params!r}")
            columns = [column for column, _, _ in compiler.select]
            converters = [(position, convs, expression)
                          for position, (convs, expression) in compiler.get_converters(columns).items()]
            parts = [self._part(compiler.klass_info, columns, None)]
            for info in compiler.klass_info.get("related_klass_infos", []):
                if info.get("related_klass_infos"):
                    raise ValueError("UniqueLookup follows one level of foreign keys")
                parts.append(self._part(info, columns, info["field"]))
            plan = _Plan(sql, converters, parts)
            self._plans[alias] = plan
            return plan

    @staticmethod
    def _part(info: dict, columns: list, link) -> _Part:
        fields = info["select_fields"]
        if fields != list(range(fields[0], fields[-1] + 1)):
            raise ValueError("UniqueLookup needs each model's columns side by side")
        return _Part(info["model"], [columns[i].target.attname for i in fields], fields[0], fields[-1] + 1, link)


# What clients ask most: DescribeExecution polls an execution (with its state machine), and
# StartExecution names a state machine; the live view reads each execution that ends.
EXECUTION_BY_ARN = UniqueLookup(Execution, "arn", "state_machine")
STATE_MACHINE_BY_ARN = UniqueLookup(StateMachine, "arn")
