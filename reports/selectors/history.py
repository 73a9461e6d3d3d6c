"""Coverage as of a past day, computed from the history (never kept): the definitions in
reports.selectors.coverage, as one set-based statement on PostgreSQL and correlated
subqueries elsewhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields import CharField, DateField
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import LessThan

from clients.models import Assignment, Client, StatusChange
from interviews import rules_sql, rulesets
from interviews.choices import Outcome
from interviews.models import Interview
from teoffice.db_routing import reading_connection

from ..figures import Figures, Pair
from ..periods import LOCAL_ZONE, day_end
from ..sql import local_date_sql, row_on_sql


def clients_as_of(day: dt.date, clients=None):
    """Clients annotated with their status, status start, last held interview, team and
    responsible adviser as of the end of `day`."""
    end = day_end(day)
    clients = Client.objects.all() if clients is None else clients
    status = StatusChange.objects.filter(client=OuterRef("pk"), effective_on__lte=day).order_by(
        "-effective_on", "-id"
    )
    held = (
        Interview.objects.held()
        .filter(client=OuterRef("pk"), held_at__lt=end)
        .order_by("-held_at")
        .annotate(day=TruncDate("held_at", tzinfo=LOCAL_ZONE))
    )
    before = Assignment.objects.filter(client=OuterRef("pk"), moved_at__lt=end).order_by(
        "-moved_at", "-id"
    )
    after = Assignment.objects.filter(client=OuterRef("pk"), moved_at__gte=end).order_by(
        "moved_at", "id"
    )
    return clients.annotate(
        status_on=Subquery(status.values("new_status")[:1]),
        # The cycle's start as of `day` (re-entry), else the status start.
        since_on=Coalesce(
            rules_sql.cycle_start_expression(StatusChange.objects.all(), day),
            Subquery(status.values("effective_on")[:1]),
            output_field=DateField(),
        ),
        held_on=Subquery(held.values("day")[:1]),
        team_on=Coalesce(
            Subquery(before.values("to_team")[:1]),
            Subquery(after.values("from_team")[:1]),
            F("team"),
            output_field=BigIntegerField(),
        ),
        adviser_on=Case(
            When(Exists(before), then=Subquery(before.values("to_adviser")[:1])),
            When(Exists(after), then=Subquery(after.values("from_adviser")[:1])),
            default=F("responsible_adviser"),
            output_field=BigIntegerField(),
        ),
    )


def _candidates(team_ids: Iterable[int] | None):
    """Clients that may have been in these teams at some time: now, or through a move."""
    if team_ids is None:
        return Client.objects.all()
    team_ids = list(team_ids)
    moved = Assignment.objects.filter(client=OuterRef("pk")).filter(
        Q(from_team__in=team_ids) | Q(to_team__in=team_ids)
    )
    return Client.objects.filter(Q(team__in=team_ids) | Exists(moved))


def _history_orm(day: dt.date, team_ids: list[int] | None) -> dict[Pair, Figures]:
    """As of `day` from the history, with correlated subqueries (any database).

    One statement: the clients' values as of `day` (status, cycle start, last held
    discussion, team, adviser) in a CTE, and a GROUP BY over it that applies the rule to those
    values as plain columns (the rule repeats its arguments: the correlated subqueries
    written into it overflow SQLite's parser stack)."""
    annotated = clients_as_of(day, _candidates(team_ids)).filter(
        status_on__in=sorted(rulesets.ANY_REQUIRED)
    )
    if team_ids is not None:
        annotated = annotated.filter(team_on__in=team_ids)
    values = annotated.values("status_on", "since_on", "held_on", "team_on", "adviser_on")
    values_sql, values_params = values.query.sql_with_params()
    query = Client.objects.all().query
    compiler = query.get_compiler(connection=connection)

    def compile_(expression) -> tuple[str, list]:
        sql, params = compiler.compile(expression.resolve_expression(query))
        return sql, list(params)

    def ref(name: str, field):
        return RawSQL(f"x.{name}", (), output_field=field)

    def flag(condition) -> tuple[str, list]:
        return compile_(
            Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
        )

    team = ref("team_on", BigIntegerField())
    held = ref("held_on", DateField())
    due = rules_sql.next_due_date_expression(
        ref("status_on", CharField()), ref("since_on", DateField()), held, team=team
    )
    covered_sql, covered_params = flag(rules_sql.covered_expression(held, day, team=team))
    overdue_sql, overdue_params = flag(LessThan(due, Value(day, output_field=DateField())))
    required_sql, required_params = flag(
        rules_sql.required_expression(
            ref("status_on", CharField()), Value(day, output_field=DateField()), team=team
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH x AS ({values_sql}) SELECT x.team_on, x.adviser_on, COUNT(*), "
            f"SUM({covered_sql}), SUM({overdue_sql}) FROM x WHERE {required_sql} = 1 "
            "GROUP BY x.team_on, x.adviser_on",
            [*values_params, *covered_params, *overdue_params, *required_params],
        )
        rows = cursor.fetchall()
    return {(t, a): Figures(n, int(c or 0), int(o or 0)) for t, a, n, c, o in rows}


def _history_postgres(
    day: dt.date, team_ids: list[int] | None, narrow: bool = False
) -> dict[Pair, Figures]:
    """As of `day` from the history in one set-based statement (PostgreSQL): each table's
    latest row per client is found once with DISTINCT ON and hash-joined, instead of
    correlated subqueries per client. The rule's expressions are compiled from
    interviews.rules, as everywhere else.

    `narrow` (with `team_ids`) reads the status changes and interviews of the teams'
    possible clients only (the same clients the result is limited to), instead of the
    office's: for a few teams out of many."""
    end = day_end(day)
    query = Client.objects.all().query
    compiler = query.get_compiler(connection=connection)

    def compile_(expression) -> tuple[str, list]:
        sql, params = compiler.compile(expression.resolve_expression(query))
        return sql, list(params)

    def ref(name: str, field):
        return RawSQL(f"x.{name}", (), output_field=field)

    def flag(condition) -> tuple[str, list]:
        return compile_(
            Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
        )

    team_ref = ref("team_id", BigIntegerField())
    covered_sql, covered_params = flag(
        rules_sql.covered_expression(ref("held_on", DateField()), day, team=team_ref)
    )
    required_sql, required_params = flag(
        rules_sql.required_expression(
            ref("status_on", CharField()), Value(day, output_field=DateField()), team=team_ref
        )
    )
    # The held interview's kind must restart the clock under the rule set of its day, for
    # the office of the client's team (as Interview.objects.held() says it).
    kind_sql, kind_params = flag(
        rules_sql.clock_kind_expression(
            RawSQL("kind", (), output_field=CharField()),
            RawSQL(local_date_sql("held_at"), (), output_field=DateField()),
            team=RawSQL(
                "(SELECT kc.team_id FROM clients_client kc WHERE kc.id = client_id)",
                (),
                output_field=BigIntegerField(),
            ),
        )
    )
    due = rules_sql.next_due_date_expression(
        ref("status_on", CharField()),
        ref("since_on", DateField()),
        ref("held_on", DateField()),
        team=ref("team_id", BigIntegerField()),
    )
    overdue_sql, overdue_params = compile_(
        Case(
            When(LessThan(due, Value(day, output_field=DateField())), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    # The changes on or before `day` that started a job-search cycle, the latest per client.
    cycles = (
        rules_sql.cycle_starts(StatusChange.objects.all(), day)
        .order_by("client_id", "-effective_on", "-id")
        .distinct("client_id")
        .values("client_id", "effective_on")
    )
    cycles_sql, cycles_params = cycles.query.sql_with_params()
    joins, team, adviser, row_params = row_on_sql(day)
    scope, scope_params = "", []
    within, within_params = "", []
    if narrow and team_ids is not None:
        within = (
            "client_id IN (SELECT id FROM clients_client WHERE team_id = ANY(%s) "
            "UNION SELECT client_id FROM clients_assignment "
            "WHERE from_team_id = ANY(%s) OR to_team_id = ANY(%s)) AND "
        )
        within_params = [team_ids, team_ids, team_ids]
    if team_ids is not None:
        # Only the clients that may have been in these teams: now, or through a move.
        scope = (
            "AND (c.team_id = ANY(%s) OR EXISTS (SELECT 1 FROM clients_assignment m "
            "WHERE m.client_id = c.id AND (m.from_team_id = ANY(%s) OR m.to_team_id = ANY(%s))))"
        )
        scope_params = [team_ids, team_ids, team_ids]
    sql = f"""
        WITH st AS (
            SELECT DISTINCT ON (client_id) client_id, new_status, effective_on
            FROM clients_statuschange WHERE {within}effective_on <= %s
            ORDER BY client_id, effective_on DESC, id DESC),
        held AS (
            SELECT DISTINCT ON (client_id) client_id,
                   {local_date_sql("held_at")} AS day
            FROM interviews_interview WHERE {within}outcome = %s AND held_at < %s
            AND {kind_sql} = 1
            ORDER BY client_id, held_at DESC, id DESC),
        cyc AS ({cycles_sql}),
        x AS (
            SELECT {team} AS team_id, {adviser} AS adviser_id, st.new_status AS status_on,
                   COALESCE(cyc.effective_on, st.effective_on) AS since_on, h.day AS held_on
            FROM clients_client c
            JOIN st ON st.client_id = c.id
            LEFT JOIN held h ON h.client_id = c.id
            LEFT JOIN cyc ON cyc.client_id = c.id
            {joins}
            WHERE st.new_status = ANY(%s) {scope})
        SELECT team_id, adviser_id, count(*), sum({covered_sql}), sum({overdue_sql})
        FROM x WHERE {required_sql} = 1 {"AND team_id = ANY(%s)" if team_ids is not None else ""}
        GROUP BY team_id, adviser_id
    """
    params = [
        *within_params,
        day,
        *within_params,
        Outcome.HELD,
        end,
        *kind_params,
        *cycles_params,
        *row_params,
        sorted(rulesets.ANY_REQUIRED),
        *scope_params,
        *covered_params,
        *overdue_params,
        *required_params,
        *([team_ids] if team_ids is not None else []),
    ]
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return {(t, a): Figures(n, int(c or 0), int(o or 0)) for t, a, n, c, o in cursor.fetchall()}


def coverage_from_history(
    day: dt.date, team_ids: list[int] | None = None, *, narrow: bool = False
) -> dict[Pair, Figures]:
    """Figures per (team, adviser) as of `day`, computed from the history (never cached).
    `narrow`: see _history_postgres (the other databases' query is narrow already)."""
    if connection.vendor == "postgresql":
        return _history_postgres(day, team_ids, narrow)
    return _history_orm(day, team_ids)
