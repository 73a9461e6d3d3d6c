"""The interview rule, in one place: who must be interviewed, when, and the due state.

Every caller (the due engine's SQL, a single client's refresh after an interview, the pages,
the API and the reports) goes through this module, in Python for one client or as SQL
expressions for every client at once. The two forms are tested against each other.

The rule (the 2017 periodic-interview rule; parameters in settings):
1. Clients whose status is in REQUIRED_STATUSES must be interviewed; others are "not required".
2. If an interview was held since the client's current status began, the next one is due
   INTERVIEW_INTERVAL_MONTHS calendar months after it.
3. Otherwise the first interview is due INTERVIEW_FIRST_WITHIN_DAYS days after the status
   began (history from before a pause does not count).
4. Past the due date the client is overdue; within INTERVIEW_DUE_SOON_DAYS of it, due soon.

Rule sets (interviews.rulesets): an office may choose another rule set from a date
(interviews.models.OfficeRuleSet). A deadline is computed under the rule set in force, for
the client's office, on the day the deadline is counted from: the status start for the
first interview, the last held interview for the next one. A later switch therefore never
changes a deadline counted from an earlier day, and past figures stay as they were. With no
OfficeRuleSet rows the default (periodic_2017, the rule above) applies everywhere.

Working days (nordic_2022, reform_2026): Monday to Friday except Finnish public holidays
(holidays.Finland(), which includes Midsummer Eve and Christmas Eve). A deadline that falls
on a Saturday, Sunday or holiday moves to the next working day, as in the Act on the
Calculation of Statutory Time Limits (laki säädettyjen määräaikain laskemisesta 150/1930,
5 §). "Within N working days of D" is the N-th working day after D. In SQL the working days
come from the CalendarDay table (filled from the same library), so both forms agree.

Supplementary conversations (nordic_2022): every two weeks for the first three months of the
status, then, each time the status has lasted another six months, a period of two more
(due_after_held() says how a held conversation is placed in such a period).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools

import holidays
from django.conf import settings
from django.db.models import Case, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.fields import CharField, DateField
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThanOrEqual, In, IsNull, LessThan, LessThanOrEqual

from clients.models import Status
from teoffice.db import AddDays, AddMonths, IsNotDistinctFrom, MonthsBetween, PeriodStart

from . import rulesets
from .choices import DueState

REQUIRED_STATUSES: frozenset[str] = frozenset({Status.UNEMPLOYED, Status.LAID_OFF})


def interval_months() -> int:
    return settings.INTERVIEW_INTERVAL_MONTHS


def first_within_days() -> int:
    return settings.INTERVIEW_FIRST_WITHIN_DAYS


def due_soon_days() -> int:
    return settings.INTERVIEW_DUE_SOON_DAYS


def must_be_interviewed(status: str) -> bool:
    return status in REQUIRED_STATUSES


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the last day of that month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@functools.lru_cache(maxsize=64)
def _finnish_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Finland(years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _finnish_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the next working day (150/1930, 5 §)."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `day` (`day` itself does not count)."""
    for _ in range(days):
        day = next_working_day(day + dt.timedelta(days=1))
    return day


def first_due(rule_set: rulesets.RuleSet, status_since: dt.date) -> dt.date:
    if rule_set.first_in_working_days:
        return add_working_days(status_since, rule_set.first_within_days)
    due = status_since + dt.timedelta(days=rule_set.first_within_days)
    return next_working_day(due) if rule_set.shift_to_working_day else due


def months_elapsed(since: dt.date, day: dt.date) -> int:
    """Whole months from `since` to `day` (day >= since): the largest m with
    add_months(since, m) <= day."""
    months = (day.year - since.year) * 12 + day.month - since.month
    return months - 1 if add_months(since, months) > day else months


def _shift(rule_set: rulesets.RuleSet, day: dt.date) -> dt.date:
    return next_working_day(day) if rule_set.shift_to_working_day else day


def due_after_held(
    rule_set: rulesets.RuleSet, status_since: dt.date, last_held_on: dt.date
) -> dt.date:
    """The next conversation after one held on `last_held_on`.

    1. While the supplementary phase lasts (supplementary_for_months from the status start),
       a supplementary conversation supplementary_every_days on.
    2. Else one interval on, unless an extra period comes first. With extra_every_months,
       period k (k >= 1) starts when the status has lasted k * extra_every_months months;
       its first conversation is due supplementary_every_days into it, its second twice as
       many days into it.
    3. A conversation held in a period's first three weeks (1.5 times
       supplementary_every_days: halfway between the two deadlines) is taken as its first,
       so the second is due next; one held later as its second. The rule reads only the
       last held day, so a first one held more than a week late ends the period too.
    """
    every = rule_set.supplementary_every_days
    if every and last_held_on < add_months(status_since, rule_set.supplementary_for_months):
        return _shift(rule_set, last_held_on + dt.timedelta(days=every))
    due = add_months(last_held_on, rule_set.interval_months)
    repeat = rule_set.extra_every_months
    if every and repeat:
        period = months_elapsed(status_since, last_held_on) // repeat * repeat
        start = add_months(status_since, period)
        if period >= repeat and last_held_on < start + dt.timedelta(days=every * 3 // 2):
            due = start + dt.timedelta(days=2 * every)
        else:
            next_start = add_months(status_since, period + repeat)
            due = min(due, next_start + dt.timedelta(days=every))
    return _shift(rule_set, due)


def next_due_date(
    *,
    status: str,
    status_since: dt.date,
    last_held_on: dt.date | None,
    schedule: rulesets.Schedule | None = None,
) -> dt.date | None:
    """The next interview's due date. `schedule` is the office's rule sets by start date
    (office_schedule()); None or empty: the default rule set."""
    if not must_be_interviewed(status):
        return None
    if last_held_on is not None and last_held_on >= status_since:
        return due_after_held(rulesets.in_force(schedule, last_held_on), status_since, last_held_on)
    return first_due(rulesets.in_force(schedule, status_since), status_since)


def office_schedule(office_id: int) -> rulesets.Schedule:
    """The office's chosen rule sets, (effective from, code), in one query."""
    from .models import OfficeRuleSet

    return list(
        OfficeRuleSet.objects.filter(office_id=office_id).values_list("effective_from", "code")
    )


def due_state(next_due: dt.date | None, today: dt.date) -> DueState:
    if next_due is None:
        return DueState.NOT_REQUIRED
    if next_due < today:
        return DueState.OVERDUE
    if next_due <= today + dt.timedelta(days=due_soon_days()):
        return DueState.DUE_SOON
    return DueState.OK


def covered_on(last_held_on: dt.date | None, day: dt.date) -> bool:
    """Coverage: the last held interview is at most one interval old on `day`."""
    return last_held_on is not None and add_months(last_held_on, interval_months()) >= day


# --- The same rule as SQL expressions over Client rows ---------------------------------


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


def _by_rule_set(team, anchor, build):
    """The deadline built for the rule set in force on `anchor` for the team's office."""
    if team is None:
        return build(rulesets.get(None))
    others = {rs.code: build(rs) for rs in rulesets.all_rule_sets() if rs.code != rulesets.DEFAULT}
    return _SimpleCase(
        rule_set_code_expression(team, anchor),
        others,
        build(rulesets.get(None)),
        output_field=DateField(),
    )


def next_due_date_expression(
    status="status", status_since="status_since", last_held_on="last_held_on", *, team=None
):
    """The next-due date in SQL. Arguments are field names or expressions, so the same rule
    serves the stored columns (the due engine) and values as of a past day (coverage).

    `team` (a field name or expression of the client's team id) applies the rule set its
    office chose (OfficeRuleSet); None: the default rule set only, as before rule sets."""
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


def full_recompute_statement(today: dt.date, connection) -> tuple[str, list]:
    """PostgreSQL: one UPDATE ... FROM that recomputes every derived column from the
    interviews, joining each client's latest held interview once (DISTINCT ON) instead of
    correlated subqueries per row, and writing only the rows where something differs.

    The rule's expressions are the same ORM expressions as everywhere else, compiled against
    the joined row ("latest" is the derived table of last held interviews). The next due
    date is computed once per client in a derived table (OFFSET 0 keeps PostgreSQL from
    pulling it up and evaluating the rule again in SET and WHERE); the due state, and the
    comparisons with what is stored, read that one value.
    """
    from clients.models import Client

    from .models import Interview

    latest = (
        Interview.objects.held()
        .order_by("client_id", "-held_at", "-id")
        .distinct("client_id")
        .annotate(day=TruncDate("held_at"))
        .values("client_id", "day", "channel")
    )
    latest_sql, latest_params = latest.query.sql_with_params()
    query = Client.objects.all().query
    compiler = query.get_compiler(connection=connection)

    def compile_(expression) -> tuple[str, list]:
        sql, params = compiler.compile(expression.resolve_expression(query))
        return sql, list(params)

    held = RawSQL("latest.day", (), output_field=DateField())
    due_sql, due_params = compile_(
        next_due_date_expression("status", "status_since", held, team="team")
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


def recomputed_columns(today: dt.date) -> tuple[dict, Q]:
    """Every derived column recomputed from the interviews, and the filter of the rows where
    any of them differs from what is stored: one UPDATE for a full recompute, which writes
    only the rows that change."""
    from .models import Interview

    last = Interview.objects.held().filter(client=OuterRef("pk")).order_by("-held_at", "-id")
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


def office_schedule_of_team(team_id: int) -> rulesets.Schedule:
    """The rule sets chosen by the office of a team, (effective from, code), in one query."""
    from .models import OfficeRuleSet

    return list(
        OfficeRuleSet.objects.filter(office__service_lines__teams=team_id).values_list(
            "effective_from", "code"
        )
    )


# --- The job-search obligation --------------------------------------------------------------

# The law's maximum: the plan sets 0–4 applications a month (fewer for part-time and laid-off
# clients, as agreed in the plan); a larger figure in an old plan counts as 4.
JOB_SEARCH_MAX_APPLICATIONS = 4
JOB_SEARCH_STATUSES: frozenset[str] = frozenset(
    {Status.UNEMPLOYED, Status.LAID_OFF, Status.PART_TIME}
)


def job_search_obligation(*, status: str, plan_applications: int | None) -> int | None:
    """Applications a month the client must report (None: no obligation to follow up: not a
    job seeker in the obligation's scope, or no plan agreed yet)."""
    if status not in JOB_SEARCH_STATUSES or plan_applications is None:
        return None
    return min(plan_applications, JOB_SEARCH_MAX_APPLICATIONS)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def with_job_search_figures(clients, month: dt.date):
    """Clients annotated, set-based, with the month's obligation (js_obligation: applications
    a month, capped at JOB_SEARCH_MAX_APPLICATIONS; None when there is none to follow up)
    and the applications reported for that month (js_reported). Each is one subquery in the
    SELECT list, so a page of rows reads them for its rows only."""
    from django.db.models import IntegerField

    from plans.models import JobSearchReport, PlanVersion

    capped = Case(
        When(
            applications_per_month__gt=JOB_SEARCH_MAX_APPLICATIONS,
            then=Value(JOB_SEARCH_MAX_APPLICATIONS),
        ),
        default=F("applications_per_month"),
        output_field=IntegerField(),
    )
    latest = (
        PlanVersion.objects.filter(plan__client=OuterRef("pk"))
        .order_by("-number")
        .annotate(capped=capped)
        .values("capped")[:1]
    )
    obligation = Case(
        When(In(F("status"), list(JOB_SEARCH_STATUSES)), then=Subquery(latest)),
        default=Value(None, output_field=IntegerField()),
        output_field=IntegerField(),
    )
    reported = Coalesce(
        Subquery(
            JobSearchReport.objects.filter(client=OuterRef("pk"), month=month_start(month))
            .order_by()
            .values("applications")[:1]
        ),
        Value(0),
        output_field=IntegerField(),
    )
    return clients.annotate(js_obligation=obligation, js_reported=reported)


def job_search_short(obligation: int | None, reported: int) -> bool:
    """Whether a client with these figures fell short: what `js_short` says in SQL."""
    return obligation is not None and reported < obligation


def with_job_search(clients, month: dt.date):
    """with_job_search_figures, and whether the client fell short (js_short), for filtering."""
    from django.db.models import BooleanField, ExpressionWrapper

    return with_job_search_figures(clients, month).annotate(
        js_short=ExpressionWrapper(
            Q(js_obligation__isnull=False) & Q(js_reported__lt=F("js_obligation")),
            output_field=BooleanField(),
        )
    )


def fallen_short(clients, month: dt.date):
    """The clients who reported fewer applications than their obligation for `month`."""
    return with_job_search(clients, month).filter(js_short=True)
