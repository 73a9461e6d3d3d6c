"""The interview rule as SQL expressions over Client rows, for every client at once.

The same rule as interviews.rules (which says what it is), step for step: the due engine's
set-based updates, the coverage figures for past days and the dashboard read it from here.
Arguments are column names or expressions; querysets are passed in: this module imports no
model. Working days come from the CalendarDay table (interviews_calendarday), an office's
rule sets from interviews_officeruleset, both by table name.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, Func, Q, QuerySet, Value, When
from django.db.models.expressions import OuterRef, RawSQL, Subquery
from django.db.models.fields import CharField, DateField
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThanOrEqual, In, IsNull, LessThan, LessThanOrEqual

from teoffice.db import AddDays, AddMonths, IsNotDistinctFrom, MonthsBetween, PeriodStart

from . import rulesets
from .choices import DueState
from .rules import REQUIRED_STATUSES, due_soon_days, interval_months


def _expr(value):
    return F(value) if isinstance(value, str) else value


class _Snippet(Func):
    """A scalar SQL snippet around compiled argument expressions, each used once and in
    order ({0}, {1}, ...), for the lookups the ORM cannot say without OuterRef."""

    def __init__(self, snippet: str, *expressions, output_field):
        self.snippet = snippet
        super().__init__(*expressions, output_field=output_field)

    def as_sql(self, compiler, connection, **extra):
        parts, params = [], []
        for expression in self.source_expressions:
            sql, sql_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(sql_params)
        return self.snippet.format(*parts), params


class _SimpleCase(Func):
    """CASE subject WHEN 'a' THEN x ... ELSE default END: the subject is evaluated once."""

    def __init__(self, subject, branches: dict[str, object], default, output_field):
        self.codes = list(branches)
        super().__init__(subject, *branches.values(), default, output_field=output_field)

    def as_sql(self, compiler, connection, **extra):
        subject, *thens, default = self.source_expressions
        sql, params = compiler.compile(subject)
        pieces = [f"CASE {sql}"]
        params = list(params)
        for code, then in zip(self.codes, thens, strict=True):
            then_sql, then_params = compiler.compile(then)
            pieces.append(f"WHEN %s THEN {then_sql}")
            params += [code, *then_params]
        default_sql, default_params = compiler.compile(default)
        pieces.append(f"ELSE {default_sql} END")
        return " ".join(pieces), [*params, *default_params]


def next_working_day_expression(day):
    """SQL for next_working_day(); a day outside the calendar table stays as it is."""
    day = _expr(day)
    lookup = _Snippet(
        "(SELECT cal.next_working FROM interviews_calendarday cal WHERE cal.day = {0})",
        day,
        output_field=DateField(),
    )
    return Coalesce(lookup, day, output_field=DateField())


def add_working_days_expression(day, days: int):
    """SQL for add_working_days(), from the CalendarDay table's running count."""
    day = _expr(day)
    lookup = _Snippet(
        "(SELECT cal2.day FROM interviews_calendarday cal2 WHERE cal2.working AND cal2.seq = "
        f"(SELECT cal1.seq FROM interviews_calendarday cal1 WHERE cal1.day = {{0}}) + {int(days)})",
        day,
        output_field=DateField(),
    )
    return Coalesce(lookup, AddDays(day, days), output_field=DateField())


def rule_set_code_expression(team, day):
    """SQL: the code of the rule set the team's office chose for `day` (NULL: the default)."""
    return _Snippet(
        "(SELECT rs_r.code FROM teams_team rs_t "
        "INNER JOIN teams_serviceline rs_s ON rs_s.id = rs_t.service_line_id "
        "INNER JOIN interviews_officeruleset rs_r ON rs_r.office_id = rs_s.office_id "
        "WHERE rs_t.id = {0} AND rs_r.effective_from <= {1} "
        "ORDER BY rs_r.effective_from DESC LIMIT 1)",
        _expr(team),
        _expr(day),
        output_field=CharField(),
    )


def _shifted(expression, rule_set: rulesets.RuleSet):
    return next_working_day_expression(expression) if rule_set.shift_to_working_day else expression


def _first_due_expression(rule_set: rulesets.RuleSet, since):
    if rule_set.first_in_working_days:
        return add_working_days_expression(since, rule_set.first_within_days)
    return _shifted(AddDays(since, rule_set.first_within_days), rule_set)


def _after_held_expression(rule_set: rulesets.RuleSet, since, held):
    """SQL for due_after_held(), step for step (kept shallow: SQLite's parser has a small
    stack, and `held` may be a subquery)."""
    every = rule_set.supplementary_every_days
    regular = AddMonths(held, rule_set.interval_months)
    if not every:
        return _shifted(regular, rule_set)
    branches = [
        When(
            LessThan(held, AddMonths(since, rule_set.supplementary_for_months)),
            then=AddDays(held, every),
        )
    ]
    repeat = rule_set.extra_every_months
    if repeat:
        first_weeks_end = PeriodStart(since, held, every_months=repeat, plus_days=every * 3 // 2)
        second = PeriodStart(since, held, every_months=repeat, plus_days=2 * every)
        next_first = PeriodStart(since, held, every_months=repeat, skip=1, plus_days=every)
        branches += [
            When(
                GreaterThanOrEqual(MonthsBetween(since, held), Value(repeat))
                & LessThan(held, first_weeks_end),
                then=second,
            ),
            When(LessThan(next_first, regular), then=next_first),
        ]
    due = Case(*branches, default=regular, output_field=DateField())
    return _shifted(due, rule_set)


def law_code_expression(day):
    """SQL for rulesets.law_code_on(): the code of the rule set the law had on `day`."""
    day = _expr(day)
    return Case(
        *(
            When(GreaterThanOrEqual(day, Value(start, output_field=DateField())), then=Value(code))
            for start, code in rulesets.law_starts()
        ),
        default=Value(rulesets.LAW[0]),
        output_field=CharField(),
    )


def _by_rule_set(team, anchor, build):
    """The deadline built for the rule set in force on `anchor`: the team's office's latest
    choice from before it, or else the law's (rulesets.in_force)."""
    code = law_code_expression(anchor)
    if team is not None:
        code = Coalesce(rule_set_code_expression(team, anchor), code, output_field=CharField())
    first, *others = rulesets.all_rule_sets()
    return _SimpleCase(
        code, {rs.code: build(rs) for rs in others}, build(first), output_field=DateField()
    )


def next_due_date_expression(
    status="status", status_since="status_since", last_held_on="last_held_on", *, team=None
):
    """The next-due date in SQL. Arguments are field names or expressions, so the same rule
    serves the stored columns (the due engine) and values as of a past day (coverage).

    `team` (a field name or expression of the client's team id) applies the rule set its
    office chose (OfficeRuleSet) where it chose one; otherwise, and for None, the law's."""
    status, since, held = _expr(status), _expr(status_since), _expr(last_held_on)
    required = In(status, list(REQUIRED_STATUSES))
    return Case(
        When(
            required & IsNull(held, False) & GreaterThanOrEqual(held, since),
            then=_by_rule_set(team, held, lambda rs: _after_held_expression(rs, since, held)),
        ),
        When(required, then=_by_rule_set(team, since, lambda rs: _first_due_expression(rs, since))),
        default=Value(None, output_field=DateField()),
        output_field=DateField(),
    )


def covered_expression(last_held_on, day: dt.date):
    """SQL for covered_on(): a held interview at most one interval before `day`."""
    held = _expr(last_held_on)
    return IsNull(held, False) & GreaterThanOrEqual(
        AddMonths(held, interval_months()), Value(day, output_field=DateField())
    )


def due_state_expression(today: dt.date, next_due="next_due_date"):
    """The due state in SQL, from the stored next-due date or any date expression."""
    due = _expr(next_due)
    day = Value(today, output_field=DateField())
    soon = Value(today + dt.timedelta(days=due_soon_days()), output_field=DateField())
    return Case(
        When(IsNull(due, True), then=Value(DueState.NOT_REQUIRED)),
        When(LessThan(due, day), then=Value(DueState.OVERDUE)),
        When(LessThanOrEqual(due, soon), then=Value(DueState.DUE_SOON)),
        default=Value(DueState.OK),
        output_field=CharField(),
    )


def full_recompute_statement(
    today: dt.date, connection, *, clients: QuerySet, held: QuerySet
) -> tuple[str, list]:
    """PostgreSQL: one UPDATE ... FROM that recomputes every derived column from the
    interviews, joining each client's latest held interview once (DISTINCT ON) instead of
    correlated subqueries per row, and writing only the rows where something differs.

    The rule's expressions are the same ORM expressions as everywhere else, compiled against
    the joined row ("latest" is the derived table of last held interviews). The next due
    date is computed once per client in a derived table (OFFSET 0 keeps PostgreSQL from
    pulling it up and evaluating the rule again in SET and WHERE); the due state, and the
    comparisons with what is stored, read that one value.

    `clients` is every Client (the rule's columns are compiled against it) and `held` the
    held interviews, both passed in: this module reads no model.
    """
    latest = (
        held.order_by("client_id", "-held_at", "-id")
        .distinct("client_id")
        .annotate(day=TruncDate("held_at"))
        .values("client_id", "day", "channel")
    )
    latest_sql, latest_params = latest.query.sql_with_params()
    query = clients.query
    compiler = query.get_compiler(connection=connection)

    def compile_(expression) -> tuple[str, list]:
        sql, params = compiler.compile(expression.resolve_expression(query))
        return sql, list(params)

    held_on = RawSQL("latest.day", (), output_field=DateField())
    due_sql, due_params = compile_(
        next_due_date_expression("status", "status_since", held_on, team="team")
    )
    state_sql, state_params = compile_(
        due_state_expression(today, RawSQL("x.due", (), output_field=DateField()))
    )
    computed = (
        'SELECT "clients_client"."id" AS id, latest.day AS day, '
        f"COALESCE(latest.channel, '') AS channel, {due_sql} AS due "
        f'FROM "clients_client" LEFT JOIN ({latest_sql}) AS latest '
        'ON latest.client_id = "clients_client"."id" OFFSET 0'
    )
    target = '"clients_client"'
    statement = (
        f"UPDATE {target} SET last_held_on = x.day, last_channel = x.channel, "
        f"next_due_date = x.due, due_state = {state_sql} "
        f"FROM ({computed}) AS x WHERE x.id = {target}.id AND ("
        f"{target}.last_held_on IS DISTINCT FROM x.day "
        f"OR {target}.last_channel IS DISTINCT FROM x.channel "
        f"OR {target}.next_due_date IS DISTINCT FROM x.due "
        f"OR {target}.due_state IS DISTINCT FROM {state_sql})"
    )
    return statement, [*state_params, *due_params, *latest_params, *state_params]


def recomputed_columns(today: dt.date, *, held: QuerySet) -> tuple[dict, Q]:
    """Every derived column recomputed from the interviews (`held`: the held interviews),
    and the filter of the rows where any of them differs from what is stored: one UPDATE
    for a full recompute, which writes only the rows that change."""
    last = held.filter(client=OuterRef("pk")).order_by("-held_at", "-id")
    held_on = Subquery(
        last.annotate(day=TruncDate("held_at")).values("day")[:1], output_field=DateField()
    )
    channel = Coalesce(Subquery(last.values("channel")[:1]), Value(""))
    next_due = next_due_date_expression("status", "status_since", held_on, team="team")
    values = {
        "last_held_on": held_on,
        "last_channel": channel,
        "next_due_date": next_due,
        "due_state": due_state_expression(today, next_due),
    }
    same = Q()
    for field, expression in values.items():
        same &= Q(IsNotDistinctFrom(F(field), expression))
    return values, ~same


def stale_due_state_filter(today: dt.date) -> Q:
    """Clients whose stored due state is no longer right for `today`.

    Written per stored state as ranges on the (due_state, next_due_date) index rather than
    "state != CASE ...", so a daily run reads and writes only the rows that change:
    an OK client turns stale only once its due date is within the due-soon window, a due-soon
    client only outside it, an overdue client only when its due date moved to today or later.
    """
    soon = today + dt.timedelta(days=due_soon_days())
    required_states = [DueState.OK, DueState.DUE_SOON, DueState.OVERDUE]
    return (
        Q(due_state=DueState.OK, next_due_date__lte=soon)
        | Q(due_state=DueState.DUE_SOON, next_due_date__lt=today)
        | Q(due_state=DueState.DUE_SOON, next_due_date__gt=soon)
        | Q(due_state=DueState.OVERDUE, next_due_date__gte=today)
        | Q(due_state=DueState.NOT_REQUIRED, next_due_date__isnull=False)
        | Q(due_state__in=required_states, next_due_date__isnull=True)
    )
