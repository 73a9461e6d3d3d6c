"""Spreadsheet cells that cannot be read as formulas (OWASP's CSV-injection practice).

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a
single quote, so Excel and LibreOffice show it as text instead of evaluating it. Numbers and
dates are left alone (a negative number is a number). spreadsheet_safe() is the rule in Python;
spreadsheet_safe_sql() is the same rule in SQL, for rows written by the database (COPY).
"""

from __future__ import annotations

from django.db.models import Case, CharField, Expression, Func, Value, When
from django.db.models.functions import Ord
from django.db.models.lookups import In

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The value, with a leading `'` if it is text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe_sql(expression: Expression) -> Case:
    """spreadsheet_safe() of a text column, computed by the database (NULL stays NULL)."""
    return Case(
        When(
            # the first character's code (ASCII() on PostgreSQL): an integer comparison,
            # cheaper per row than comparing one-character strings under a collation
            In(Ord(expression), [ord(start) for start in FORMULA_STARTS]),
            # `||` rather than Concat: no COALESCE per row, and NULL never gets here
            then=Func(Value("'"), expression, arg_joiner=" || ", template="(%(expressions)s)"),
        ),
        default=expression,
        output_field=CharField(),
    )
