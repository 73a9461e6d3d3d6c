"""Small portable SQL helpers (PostgreSQL and SQLite): date functions for set-based rule
updates, and table names and datetimes for hand-written statements."""

from __future__ import annotations

import re
import unicodedata

from django.db import connection, models
from django.db.models import Func, Lookup


def _fill(template: str, compiled: dict[str, tuple[str, list]]) -> tuple[str, list]:
    """Put each compiled argument into its {name} slots, its parameters repeated in the order
    the slots appear (an argument may be used more than once). Slots sit where any
    expression may stand (a function argument, or next to an operator that binds looser
    than a compiled expression's own), so no parentheses are added."""
    params: list = []

    def slot(match: re.Match) -> str:
        sql, sql_params = compiled[match.group(1)]
        params.extend(sql_params)
        return sql

    return re.sub(r"\{(\w+)\}", slot, template), params


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


# Whole calendar months from {s} to {e} ({e} >= {s}): the largest m with AddMonths(s, m) <= e.
# The month difference, less one when s's day of the month is later than e's and e is not
# its month's last day (AddMonths clamps). Kept shallow: SQLite's parser has a small stack.
_MONTHS_BETWEEN = {
    "postgresql": "(EXTRACT(YEAR FROM {e})::int * 12 + EXTRACT(MONTH FROM {e})::int "
    "- EXTRACT(YEAR FROM {s})::int * 12 - EXTRACT(MONTH FROM {s})::int "
    "- CASE WHEN EXTRACT(DAY FROM {s}) > EXTRACT(DAY FROM {e}) "
    "AND EXTRACT(DAY FROM {e} + 1) <> 1 THEN 1 ELSE 0 END)",
    # strftime's text turns into integers in arithmetic; two-digit days compare as text.
    "sqlite": "(strftime('%%Y', {e}) * 12 + strftime('%%m', {e}) "
    "- strftime('%%Y', {s}) * 12 - strftime('%%m', {s}) "
    "- (strftime('%%d', {s}) > strftime('%%d', {e}) AND strftime('%%d', {e}, '+1 day') <> '01'))",
}


class _TwoDates(Func):
    arity = 2

    def _compiled(self, compiler) -> dict[str, tuple[str, list]]:
        start, end = (compiler.compile(e) for e in self.source_expressions)
        return {"s": (start[0], list(start[1])), "e": (end[0], list(end[1]))}


class MonthsBetween(_TwoDates):
    """Whole calendar months from `start` to `end` (end >= start): the largest m with
    AddMonths(start, m) <= end."""

    output_field = models.IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return _fill(_MONTHS_BETWEEN["postgresql"], self._compiled(compiler))

    def as_sqlite(self, compiler, connection, **extra):
        return _fill(_MONTHS_BETWEEN["sqlite"], self._compiled(compiler))


class PeriodStart(_TwoDates):
    """The start of a repeating period, plus days: `start` + n * `every_months` months
    (clamped like AddMonths) + `plus_days`, where n is the number of whole periods from
    `start` to `day` (day >= start), plus `skip` (1: the next period's start)."""

    output_field = models.DateField()

    def __init__(self, start, day, *, every_months: int, skip: int = 0, plus_days: int = 0):
        self.every_months, self.skip, self.plus_days = int(every_months), int(skip), int(plus_days)
        super().__init__(start, day)

    def _months(self, vendor: str, more: int = 0) -> str:
        every = self.every_months  # integer division: whole periods, then months
        return f"{_MONTHS_BETWEEN[vendor]} / {every} * {every} + {self.skip * every + more}"

    def as_postgresql(self, compiler, connection, **extra):
        months = self._months("postgresql")
        return _fill(
            f"(({{s}} + make_interval(months => {months}))::date + {self.plus_days})",
            self._compiled(compiler),
        )

    def as_sqlite(self, compiler, connection, **extra):
        days = f"'{self.plus_days:+d} days'"
        return _fill(
            f"min(date({{s}}, 'start of month', ({self._months('sqlite')}) || ' months', "
            f"'+' || (strftime('%%d', {{s}}) - 1) || ' days', {days}), "
            f"date({{s}}, 'start of month', ({self._months('sqlite', 1)}) || ' months', "
            f"'-1 day', {days}))",
            self._compiled(compiler),
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


def sql_table(model) -> str:
    """A model's table name, quoted for hand-written SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def sql_datetime(value):
    """An aware datetime as the database takes it as a parameter of hand-written SQL."""
    return connection.ops.adapt_datetimefield_value(value)


# --- Folding names for search: case- and accent-insensitive, the same in Python and SQL -----

_FOLD_SPECIAL = {"Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i"}


def _fold_pairs() -> tuple[str, str]:
    """(accented letters, their base letters): Latin letters with a diacritic, one to one."""
    accented, plain = [], []
    for code in range(0xC0, 0x180):
        char = chr(code)
        base = _FOLD_SPECIAL.get(char)
        if base is None:
            decomposed = unicodedata.normalize("NFD", char)
            base = decomposed[0] if len(decomposed) > 1 and decomposed[0].isascii() else None
        if base is not None and base.isalpha():
            accented.append(char)
            plain.append(base)
    return "".join(accented), "".join(plain)


FOLD_FROM, FOLD_TO = _fold_pairs()
_FOLD_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)


def fold(text: str) -> str:
    """Text as name search compares it: accents dropped, lower case ("Nyström" → "nystrom")."""
    return text.translate(_FOLD_TABLE).lower()


def _letter_variants() -> dict[str, str]:
    """{plain lower-case letter: it in upper case and every accented letter that folds to it}."""
    variants: dict[str, set[str]] = {}
    for accented, plain in zip(FOLD_FROM, FOLD_TO, strict=True):
        variants.setdefault(plain.lower(), {plain.upper()}).add(accented)
    return {plain: "".join(sorted(chars)) for plain, chars in variants.items()}


_LETTER_VARIANTS = _letter_variants()


def name_pattern(word: str) -> str:
    """A regular expression for `__iregex` that finds `word` in a name whatever its case and
    accents: "nystrom" and "Nyström" both become "ny[sS…]tr[oOÖö…]m". The pattern, not the
    column, is folded, so the database compares each row as cheaply as a plain LIKE
    (PostgreSQL's ~*, and Python's re on SQLite)."""
    parts = []
    for char in fold(word):
        others = _LETTER_VARIANTS.get(char)
        parts.append(f"[{char}{others}]" if others else re.escape(char))
    return "".join(parts)
