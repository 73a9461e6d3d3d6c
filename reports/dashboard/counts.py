"""The dashboard's grouped queries per adviser: caseload and due soon, and recent interviews."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q

from clients.models import Assignment, Client
from interviews import rules
from interviews.choices import Outcome
from interviews.models import Interview
from reports.periods import LOCAL_ZONE as HELSINKI
from reports.periods import day_end
from teams.models import Team
from teams.names import display_name
from teoffice.db import sql_datetime, sql_table
from teoffice.db_routing import reading_connection

from .rows import InterviewCounts, month_start, previous_month


def caseload_by_adviser(*, team_ids: list[int], today: dt.date) -> dict:
    """{(team_id, adviser_id or None): (caseload, due_soon, name)} in one grouped query."""
    soon = today + dt.timedelta(days=rules.due_soon_days())
    rows = (
        Client.objects.filter(team_id__in=team_ids)
        .values(
            "team_id",
            "responsible_adviser_id",
            "responsible_adviser__first_name",
            "responsible_adviser__last_name",
            "responsible_adviser__username",
        )
        .annotate(
            caseload=Count("pk"),
            due_soon=Count("pk", filter=Q(next_due_date__gte=today, next_due_date__lte=soon)),
        )
        .order_by()
    )
    return {
        (r["team_id"], r["responsible_adviser_id"]): (
            r["caseload"],
            r["due_soon"],
            display_name(
                r["responsible_adviser__first_name"],
                r["responsible_adviser__last_name"],
                r["responsible_adviser__username"],
            ),
        )
        for r in rows
    }


def recent_interviews_by_adviser(
    *, team: Team, today: dt.date
) -> dict[tuple[bool, int], InterviewCounts]:
    """{(this month?, adviser id): InterviewCounts} for this month and last month, in one
    grouped query over the team's clients.

    An interview counts for the team the client had at the end of its month (this month:
    today), read from the Assignment history as reports.sql.row_on_sql reads it, and
    for the adviser who held it.

    Plain SQL: built with the ORM, this statement's five subqueries took longer to compile
    than to run.
    """
    this_month = sql_datetime(dt.datetime.combine(month_start(today), dt.time(0), HELSINKI))
    start = sql_datetime(dt.datetime.combine(previous_month(today), dt.time(0), HELSINKI))
    end = sql_datetime(day_end(today))
    interviews, clients = sql_table(Interview), sql_table(Client)
    moves, pk = sql_table(Assignment), int(team.pk)

    def move(column: str, before: bool) -> str:
        where, order = ("<", "DESC") if before else (">=", "ASC")
        return (
            f"(SELECT m.{column} FROM {moves} m WHERE m.client_id = i.client_id "
            f"AND m.moved_at {where} %s ORDER BY m.moved_at {order}, m.id {order} LIMIT 1)"
        )

    sql = (
        f"SELECT i.held_at >= %s, i.adviser_id, i.channel, i.outcome, COUNT(*) "
        f"FROM {interviews} i WHERE i.held_at >= %s AND i.held_at < %s "
        "AND i.outcome IN (%s, %s) "
        # The team's clients and every client moved in or out of it: one id list the
        # interview index (client, -held_at) serves, instead of the office's interviews.
        f"AND i.client_id IN (SELECT c.id FROM {clients} c WHERE c.team_id = {pk} "
        f"UNION SELECT m.client_id FROM {moves} m "
        f"WHERE m.from_team_id = {pk} OR m.to_team_id = {pk}) "
        # Of these, one never moved is one of the team's own; a moved one is in the team
        # the latest move before the month's end took it to, else the first move after it
        # came from. So no client row is read, and the never-moved need one probe only.
        f"AND CASE WHEN NOT EXISTS (SELECT 1 FROM {moves} m WHERE m.client_id = i.client_id) "
        f"THEN {pk} WHEN i.held_at >= %s THEN {move('to_team_id', True)} "
        f"ELSE COALESCE({move('to_team_id', True)}, {move('from_team_id', False)}) "
        f"END = {pk} GROUP BY 1, 2, 3, 4"
    )
    params = [this_month, start, end, Outcome.HELD, Outcome.NO_SHOW]
    params += [this_month, end, this_month, this_month]
    result: dict[tuple[bool, int], InterviewCounts] = defaultdict(InterviewCounts)
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        for current, adviser_id, channel, outcome, n in cursor.fetchall():
            counts = result[(bool(current), adviser_id)]
            if outcome == Outcome.HELD:
                counts.held[channel] += n
            else:
                counts.no_shows += n
    return result
