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
from django.db.models.expressions import Exists, OuterRef, RawSQL, Subquery
from django.db.models.fields import BigIntegerField, CharField, DateField
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from teoffice.db import AddDays, AddMonths, IsNotDistinctFrom, MonthsBetween, PeriodStart

from . import rulesets
from .choices import DueState
from .rules import due_soon_days


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


def rule_set_in_force_expression(team, day):
    """SQL for rulesets.in_force(): the code of the rule set in force on `day` for the
    team's office (its latest choice from before it, or else the law's; team None: the
    law's)."""
    code = law_code_expression(day)
    if team is not None:
        code = Coalesce(rule_set_code_expression(team, day), code, output_field=CharField())
    return code


def _by_rule_set(team, anchor, build, output_field=None):
    """The expression built for the rule set in force on `anchor` (a deadline by default)."""
    first, *others = rulesets.all_rule_sets()
    return _SimpleCase(
        rule_set_in_force_expression(team, anchor),
        {rs.code: build(rs) for rs in others},
        build(first),
        output_field=output_field or DateField(),
    )


def _one_of(items: list, value) -> Q:
    """SQL boolean: `value` IN items (never empty here: each list is built non-empty)."""
    assert items, "an empty IN list"
    return Q(In(value, items))


def required_expression(status, day, *, team=None) -> Q:
    """SQL for rules.required_on(): `status` needs discussions under the rule set in force on
    `day` (`team`: its office's choice). Statuses every rule set requires need no look-up."""
    status = _expr(status)
    always = frozenset.intersection(*(rs.required_statuses for rs in rulesets.all_rule_sets()))
    condition = _one_of(sorted(always), status)
    code = rule_set_in_force_expression(team, _expr(day))
    for rs in rulesets.all_rule_sets():
        if rs.required_statuses - always:
            condition |= _one_of(sorted(rs.required_statuses - always), status) & Q(
                Exact(code, Value(rs.code))
            )
    return condition


def clock_kind_expression(kind, day, *, team=None) -> Q:
    """SQL for rules.restarts_clock() with the rule set in force on `day` (the day a
    discussion was held; `team`: its office's choice). Kinds that restart the clock under
    every rule set (the initial interview, the job-search discussion) need no look-up."""
    kind = _expr(kind)
    condition = _one_of(sorted(rulesets.ALWAYS_CLOCK_KINDS), kind)
    codes: dict[str, list[str]] = {}
    for rs in rulesets.all_rule_sets():
        for other in rs.clock_kinds - rulesets.ALWAYS_CLOCK_KINDS:
            codes.setdefault(other, []).append(rs.code)
    if codes:
        code = rule_set_in_force_expression(team, _expr(day))
        for other, in_codes in sorted(codes.items()):
            condition |= Q(Exact(kind, Value(other))) & _one_of(in_codes, code)
    return condition


def next_due_date_expression(
    status="status", status_since="status_since", last_held_on="last_held_on", *, team=None
):
    """The next-due date in SQL. Arguments are field names or expressions, so the same rule
    serves the stored columns (the due engine) and values as of a past day (coverage).

    `team` (a field name or expression of the client's team id) applies the rule set its
    office chose (OfficeRuleSet) where it chose one; otherwise, and for None, the law's."""
    status, since, held = _expr(status), _expr(status_since), _expr(last_held_on)
    after_held = IsNull(held, False) & GreaterThanOrEqual(held, since)
    # Required-ness by the anchor's rule set, as flat conditions (SQLite's parser has a
    # small stack: no CASE nested in each rule set's branch).
    return Case(
        When(
            after_held & required_expression(status, held, team=team),
            then=_by_rule_set(team, held, lambda rs: _after_held_expression(rs, since, held)),
        ),
        When(
            ~Q(after_held) & required_expression(status, since, team=team),
            then=_by_rule_set(team, since, lambda rs: _first_due_expression(rs, since)),
        ),
        default=Value(None, output_field=DateField()),
        output_field=DateField(),
    )


def _starts_cycle_q(changes: QuerySet) -> Q:
    """SQL for rules.starts_cycle() over StatusChange rows (`changes`: every status change),
    under the rule set in force on each row's day for its client's team's office. Rule sets
    with the same lists and break share one condition."""
    code = rule_set_in_force_expression(F("client__team"), F("effective_on"))
    groups: dict[tuple[frozenset[str], int | None], list[str]] = {}
    for rs in rulesets.all_rule_sets():
        groups.setdefault((rs.required_statuses, rs.reentry_break_months), []).append(rs.code)
    starts = Q()
    for (required, months), codes in groups.items():
        condition = Q(new_status__in=sorted(required)) & _one_of(codes, code)
        if months is not None:
            # The change right after an earlier required status s is when s ended; the
            # cycle goes on when that was less than `months` before this change.
            ended = (
                changes.filter(client=OuterRef("client"))
                .filter(
                    Q(effective_on__gt=OuterRef("effective_on"))
                    | Q(effective_on=OuterRef("effective_on"), pk__gt=OuterRef("pk"))
                )
                .order_by("effective_on", "pk")
                .values("effective_on")[:1]
            )
            recent = (
                changes.filter(client=OuterRef("client"), new_status__in=sorted(required))
                .filter(
                    Q(effective_on__lt=OuterRef("effective_on"))
                    | Q(effective_on=OuterRef("effective_on"), pk__lt=OuterRef("pk"))
                )
                .annotate(ended=Subquery(ended, output_field=DateField()))
                .filter(Q(GreaterThan(AddMonths(F("ended"), months), OuterRef("effective_on"))))
            )
            condition &= ~Exists(recent)
        starts |= condition
    return starts


def _twice_required(changes: QuerySet, client, day: dt.date | None) -> Exists:
    """The client has at least two changes (on or before `day`) to a status some rule set
    requires. With fewer, the cycle starts with the status in force (the one required
    change, if any, starts it or is not required under its own rule set; either way
    rules.cycle_start() gives the status start): the flags need not be evaluated."""
    rows = changes.filter(client=client, new_status__in=sorted(rulesets.ANY_REQUIRED))
    if day is not None:
        rows = rows.filter(effective_on__lte=day)
    return Exists(rows.order_by()[1:2])


def cycle_starts(changes: QuerySet, day: dt.date | None = None) -> QuerySet:
    """The status changes (on or before `day`) that start a job-search cycle, of the clients
    whose cycle may have begun before their status (_twice_required)."""
    rows = changes if day is None else changes.filter(effective_on__lte=day)
    rows = rows.filter(_twice_required(changes, OuterRef("client"), day))
    return rows.filter(_starts_cycle_q(changes))


def cycle_start_expression(changes: QuerySet, day: dt.date | None = None):
    """SQL for rules.cycle_start() over a Client row, without its fallback (NULL: the status
    start): the latest change on or before `day` that started a cycle."""
    latest = (
        cycle_starts(changes, day).filter(client=OuterRef("pk")).order_by("-effective_on", "-pk")
    )
    return Subquery(latest.values("effective_on")[:1], output_field=DateField())


def covered_expression(last_held_on, day: dt.date, *, team=None):
    """SQL for covered_on(): a held discussion at most one interval (of the rule set in force
    on `day`, for the team's office) before `day`."""
    held = _expr(last_held_on)
    when = Value(day, output_field=DateField())
    months = {rs.interval_months for rs in rulesets.all_rule_sets()}
    if len(months) == 1:  # the usual case: no look-up of the rule set
        horizon = AddMonths(held, months.pop())
    else:
        horizon = _by_rule_set(team, when, lambda rs: AddMonths(held, rs.interval_months))
    return IsNull(held, False) & GreaterThanOrEqual(horizon, when)


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
    today: dt.date, connection, *, clients: QuerySet, held: QuerySet, changes: QuerySet
) -> tuple[str, list]:
    """PostgreSQL: one UPDATE ... FROM that recomputes every derived column from the
    interviews and the status history, joining each client's latest held interview once
    (DISTINCT ON) instead of correlated subqueries per row, and writing only the rows where
    something differs.

    The rule's expressions are the same ORM expressions as everywhere else, compiled against
    the joined row ("latest" is the derived table of last held interviews). The start of the
    job-search cycle (re-entry: cycle_start_expression) and then the next due date are
    computed once per client in derived tables (OFFSET 0 keeps PostgreSQL from pulling them
    up and evaluating the rule again in SET and WHERE); the due state, and the comparisons
    with what is stored, read that one value. cycle_since is stored only where it differs
    from status_since and the client has a due date (NULL: the cycle began with the status).

    `clients` is every Client (the rule's columns are compiled against it), `held` the held
    interviews that restart the clock and `changes` every StatusChange, all passed in: this
    module reads no model.
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

    def ref(name: str, field):
        return RawSQL(f"y.{name}", (), output_field=field)

    cycle_sql, cycle_params = compile_(cycle_start_expression(changes))
    since = RawSQL("COALESCE(y.cycle, y.status_since)", (), output_field=DateField())
    due_sql, due_params = compile_(
        next_due_date_expression(
            ref("status", CharField()),
            since,
            ref("day", DateField()),
            team=ref("team_id", BigIntegerField()),
        )
    )
    state_sql, state_params = compile_(
        due_state_expression(today, RawSQL("x.due", (), output_field=DateField()))
    )
    target = '"clients_client"'
    # Kept only for a client who must be interviewed (with no due date it explains nothing).
    cycle = "(CASE WHEN x.due IS NULL THEN NULL ELSE x.cycle END)"
    per_client = (
        f"SELECT {target}.id AS id, {target}.status AS status, "
        f"{target}.status_since AS status_since, {target}.team_id AS team_id, "
        f"latest.day AS day, COALESCE(latest.channel, '') AS channel, {cycle_sql} AS cycle "
        f"FROM {target} LEFT JOIN ({latest_sql}) AS latest "
        f"ON latest.client_id = {target}.id OFFSET 0"
    )
    computed = (
        "SELECT y.id, y.day, y.channel, NULLIF(y.cycle, y.status_since) AS cycle, "
        f"{due_sql} AS due FROM ({per_client}) AS y OFFSET 0"
    )
    statement = (
        f"UPDATE {target} SET last_held_on = x.day, last_channel = x.channel, "
        f"cycle_since = {cycle}, next_due_date = x.due, due_state = {state_sql} "
        f"FROM ({computed}) AS x WHERE x.id = {target}.id AND ("
        f"{target}.last_held_on IS DISTINCT FROM x.day "
        f"OR {target}.last_channel IS DISTINCT FROM x.channel "
        f"OR {target}.cycle_since IS DISTINCT FROM {cycle} "
        f"OR {target}.next_due_date IS DISTINCT FROM x.due "
        f"OR {target}.due_state IS DISTINCT FROM {state_sql})"
    )
    params = [*state_params, *due_params, *cycle_params, *latest_params, *state_params]
    return statement, params


def recomputed_steps(today: dt.date, *, held: QuerySet, changes: QuerySet) -> list[tuple[dict, Q]]:
    """Every derived column recomputed from the interviews (`held`: the held interviews that
    restart the clock), as two UPDATEs, each with the filter of the rows where its columns
    differ from what is stored (the databases other than PostgreSQL; see
    full_recompute_statement there): first the last held discussion, its channel and the
    start of the job-search cycle (from the status changes, `changes`), then
    the next-due date and state from them. Two steps keep the statement shallow: the held
    subquery, with its kind's rule-set look-up, is not repeated inside the rule."""
    last = held.filter(client=OuterRef("pk")).order_by("-held_at", "-id")
    held_on = Subquery(
        last.annotate(day=TruncDate("held_at")).values("day")[:1], output_field=DateField()
    )
    channel = Coalesce(Subquery(last.values("channel")[:1]), Value(""))
    cycle = NullIf(cycle_start_expression(changes), F("status_since"))
    since = Coalesce("cycle_since", "status_since")
    next_due = next_due_date_expression("status", since, "last_held_on", team="team")
    steps = []
    for values in (
        {"last_held_on": held_on, "last_channel": channel, "cycle_since": cycle},
        {
            "next_due_date": next_due,
            "due_state": due_state_expression(today, next_due),
            # Kept only for a client with a due date (as in full_recompute_statement).
            "cycle_since": Case(
                When(IsNull(next_due, True), then=Value(None, output_field=DateField())),
                default=F("cycle_since"),
                output_field=DateField(),
            ),
        },
    ):
        same = Q()
        for field, expression in values.items():
            same &= Q(IsNotDistinctFrom(F(field), expression))
        steps.append((values, ~same))
    return steps


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
