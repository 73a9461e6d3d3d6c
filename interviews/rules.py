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
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.fields import CharField, DateField
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThanOrEqual, In, IsNull, LessThan, LessThanOrEqual

from clients.models import Status
from teoffice.db import AddDays, AddMonths, IsNotDistinctFrom

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


def next_due_date(
    *, status: str, status_since: dt.date, last_held_on: dt.date | None
) -> dt.date | None:
    if not must_be_interviewed(status):
        return None
    if last_held_on is not None and last_held_on >= status_since:
        return add_months(last_held_on, interval_months())
    return status_since + dt.timedelta(days=first_within_days())


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


def next_due_date_expression(
    status="status", status_since="status_since", last_held_on="last_held_on"
):
    """The next-due date in SQL. Arguments are field names or expressions, so the same rule
    serves the stored columns (the due engine) and values as of a past day (coverage)."""
    status, since, held = _expr(status), _expr(status_since), _expr(last_held_on)
    required = In(status, list(REQUIRED_STATUSES))
    return Case(
        When(
            required & IsNull(held, False) & GreaterThanOrEqual(held, since),
            then=AddMonths(held, interval_months()),
        ),
        When(required, then=AddDays(since, first_within_days())),
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

    The rule's expressions are the same ORM expressions as everywhere else, compiled here
    against the joined row ("latest" is the derived table of last held interviews).
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
    next_due = next_due_date_expression("status", "status_since", held)
    values = {
        "last_held_on": ("latest.day", []),
        "last_channel": ("COALESCE(latest.channel, '')", []),
        "next_due_date": compile_(next_due),
        "due_state": compile_(due_state_expression(today, next_due)),
    }
    sets, differs, params = [], [], []
    for column, (sql, sql_params) in values.items():
        sets.append(f"{column} = {sql}")
        params += sql_params
    where_params: list = []
    for column, (sql, sql_params) in values.items():
        differs.append(f'"clients_client"."{column}" IS DISTINCT FROM {sql}')
        where_params += sql_params
    statement = (
        f"UPDATE clients_client SET {', '.join(sets)} "
        f"FROM clients_client AS c2 LEFT JOIN ({latest_sql}) AS latest "
        f"ON latest.client_id = c2.id "
        f"WHERE c2.id = clients_client.id AND ({' OR '.join(differs)})"
    )
    return statement, [*params, *latest_params, *where_params]


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
    next_due = next_due_date_expression("status", "status_since", held_on)
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

    Written as four index-friendly ranges on (due_state, next_due_date) rather than
    "state != CASE ...", so a daily run touches and reads only the rows that change.
    """
    soon = today + dt.timedelta(days=due_soon_days())
    return (
        (Q(next_due_date__isnull=True) & ~Q(due_state=DueState.NOT_REQUIRED))
        | (Q(next_due_date__lt=today) & ~Q(due_state=DueState.OVERDUE))
        | (Q(next_due_date__gte=today, next_due_date__lte=soon) & ~Q(due_state=DueState.DUE_SOON))
        | (Q(next_due_date__gt=soon) & ~Q(due_state=DueState.OK))
    )
