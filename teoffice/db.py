"""Small portable SQL date functions (PostgreSQL and SQLite), for set-based rule updates."""

from __future__ import annotations

from django.db import models
from django.db.models import Func, Lookup


class AddDays(Func):
    """date + n days, as a date."""

    output_field = models.DateField()
    arity = 1

    def __init__(self, expression, days: int, **extra):
        self.days = int(days)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) + {self.days})", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{self.days:+d} days')", params


class AddMonths(Func):
    """date + n calendar months, clamped to the month's last day (30.11. + 3 → 28.2.)."""

    output_field = models.DateField()
    arity = 1

    def __init__(self, expression, months: int, **extra):
        self.months = int(months)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) + interval '{self.months} months')::date", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        n = self.months
        # The same day n months on, but never past that month's last day.
        return (
            f"min(date({sql}, 'start of month', '{n:+d} months', "
            f"'+' || (cast(strftime('%%d', {sql}) as integer) - 1) || ' days'), "
            f"date({sql}, 'start of month', '{n + 1:+d} months', '-1 day'))",
            params * 3,
        )


class IsNotDistinctFrom(Lookup):
    """a IS NOT DISTINCT FROM b: equal, or both NULL (SQLite spells it IS)."""

    lookup_name = "isnotdistinctfrom"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "IS" if connection.vendor == "sqlite" else "IS NOT DISTINCT FROM"
        return f"({lhs} {operator} {rhs})", (*lhs_params, *rhs_params)
