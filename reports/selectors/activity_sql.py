"""The activity statements: each event of a month part with the row (team, responsible
adviser) its client had at the part's end (reports.selectors.activity says whose it is)."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from clients.models import Assignment, Client, Status, StatusChange
from interviews import rulesets
from interviews.choices import AppointmentStatus, Outcome
from interviews.models import Appointment, Interview
from plans.models import ActionKind, ActionStatus, EmploymentPlan, PlanAction, PlanVersion
from teoffice.db import sql_datetime, sql_table

from ..models import ActivityKind
from ..periods import day_end
from ..sql import days_between_sql, local_date_sql, row_on_sql

WORK_STATUSES = (Status.EMPLOYED, Status.PART_TIME)
SERVICE_STATUSES = (Status.IN_SERVICE,)
STARTED_ACTION = (ActionStatus.IN_PROGRESS, ActionStatus.DONE)


def marks_sql(values) -> str:
    return ", ".join(["%s"] * len(values))


def ids_sql(values: list[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


def _events_sql(
    first: dt.date, last: dt.date, kinds: frozenset[str] | None = None
) -> tuple[str, list]:
    """(kind, client_id, value) per event in [first, last]; outcome rows once per client.

    `kinds` (ActivityKind values) keeps only the parts of the statement that yield those
    kinds (None: all), so a caller that needs only interviews does not compute the rest.
    """
    since, until = sql_datetime(day_end(first - dt.timedelta(days=1))), sql_datetime(day_end(last))
    interviews, appointments = sql_table(Interview), sql_table(Appointment)
    sc, pa, pv, ep = (
        sql_table(StatusChange),
        sql_table(PlanAction),
        sql_table(PlanVersion),
        sql_table(EmploymentPlan),
    )
    required, started = sorted(rulesets.ANY_REQUIRED), list(STARTED_ACTION)
    previous = (
        f"(SELECT p.held_at FROM {interviews} p WHERE p.client_id = i.client_id "
        "AND p.outcome = %s AND (p.held_at < i.held_at OR (p.held_at = i.held_at AND p.id < i.id)) "
        # The latest such time is one value whatever breaks a tie, so no id in the ORDER
        # BY: the (client, -held_at) index then yields it without a sort.
        "ORDER BY p.held_at DESC LIMIT 1)"
    )
    gap = days_between_sql(local_date_sql("i.held_at"), local_date_sql(previous))
    outcomes = [Outcome.HELD, Outcome.NO_SHOW, Outcome.CANCELLED]
    wanted = [o for o in outcomes if kinds is None or o in kinds]
    branches: list[tuple[str, list]] = []
    if wanted:
        # Interviews by outcome (held / no_show / cancelled) and channel.
        only = "" if len(wanted) == len(outcomes) else f" AND i.outcome IN ({marks_sql(wanted)})"
        branches.append(
            (
                f"SELECT i.outcome AS kind, i.client_id AS client_id, i.channel AS value "
                f"FROM {interviews} i WHERE i.held_at >= %s AND i.held_at < %s{only}",
                [since, until, *(wanted if only else [])],
            )
        )
    if kinds is None or ActivityKind.CANCELLED in kinds:
        # Appointments cancelled without an interview record.
        branches.append(
            (
                f"SELECT %s, a.client_id, a.channel FROM {appointments} a "
                "WHERE a.status = %s AND a.starts_at >= %s AND a.starts_at < %s AND NOT EXISTS "
                f"(SELECT 1 FROM {interviews} i2 WHERE i2.appointment_id = a.id)",
                [ActivityKind.CANCELLED, AppointmentStatus.CANCELLED, since, until],
            )
        )
    if kinds is None or ActivityKind.GAP in kinds:
        # Days since the client's previous held interview, for each held one (NULL for a
        # client's first: left out when read and when kept, where it costs no second probe).
        branches.append(
            (
                f"SELECT %s, i.client_id, CAST({gap} AS TEXT) FROM {interviews} i "
                "WHERE i.outcome = %s AND i.held_at >= %s AND i.held_at < %s",
                [ActivityKind.GAP, Outcome.HELD, Outcome.HELD, since, until],
            )
        )
    if kinds is None or ActivityKind.OUTCOME in kinds:
        # Clients whose status went from a required one to work or to a service.
        branches.append(
            (
                f"SELECT DISTINCT %s, sc.client_id, CASE WHEN sc.new_status IN "
                f"({marks_sql(WORK_STATUSES)}) THEN 'to_work' ELSE 'to_service' END FROM {sc} sc "
                f"WHERE sc.effective_on >= %s AND sc.effective_on <= %s "
                f"AND sc.old_status IN ({marks_sql(required)}) "
                f"AND sc.new_status IN ({marks_sql(WORK_STATUSES + SERVICE_STATUSES)})",
                [
                    ActivityKind.OUTCOME,
                    *WORK_STATUSES,
                    first,
                    last,
                    *required,
                    *WORK_STATUSES,
                    *SERVICE_STATUSES,
                ],
            )
        )
        # Clients whose plan started a study / work trial: the first version that has one.
        branches.append(
            (
                f"SELECT DISTINCT %s, p.client_id, CASE WHEN a.kind = %s THEN 'to_study' "
                f"ELSE 'to_work_trial' END FROM {pa} a JOIN {pv} v ON v.id = a.version_id "
                f"JOIN {ep} p ON p.id = v.plan_id WHERE a.kind IN (%s, %s) "
                f"AND a.status IN ({marks_sql(started)}) AND v.created_at >= %s "
                f"AND v.created_at < %s AND NOT EXISTS (SELECT 1 FROM {pa} a2 "
                f"JOIN {pv} v2 ON v2.id = a2.version_id "
                "WHERE v2.plan_id = v.plan_id AND v2.number < v.number AND a2.kind = a.kind "
                f"AND a2.status IN ({marks_sql(started)}))",
                [
                    ActivityKind.OUTCOME,
                    ActionKind.STUDY,
                    ActionKind.STUDY,
                    ActionKind.WORK_TRIAL,
                    *started,
                    since,
                    until,
                    *started,
                ],
            )
        )
    if not branches:
        raise ValueError(f"no activity of kinds {sorted(kinds or ())}")
    sql = " UNION ALL ".join(text for text, _params in branches)
    return sql, [param for _text, params in branches for param in params]


def pairs_from_history_sql(
    first: dt.date,
    last: dt.date,
    team_ids: list[int] | None,
    *,
    kinds: frozenset[str] | None = None,
    narrow: bool = False,
) -> tuple[str, list]:
    """SQL of (team_on, adviser_on, kind, value, n) for the month part [first, last].

    `kinds` keeps only those kinds of activity (None: all). `narrow` (with `team_ids`) looks
    only at the clients ever in those teams, now or through a move: the only ones whose row
    can be one of them (coverage definition 2), so the result is the same, found from the
    teams' clients instead of from the office's events.
    """
    events, events_params = _events_sql(first, last, kinds)
    joins, team, adviser, row_params = row_on_sql(last)
    scope = "" if team_ids is None else f"WHERE x.team_on IN ({ids_sql(team_ids)})"
    clients = sql_table(Client)
    if narrow and team_ids is not None:
        ids = ids_sql(team_ids)
        clients = (
            f"(SELECT k.id, k.team_id, k.responsible_adviser_id FROM {clients} k "
            f"WHERE k.team_id IN ({ids}) UNION SELECT k.id, k.team_id, k.responsible_adviser_id "
            f"FROM {clients} k WHERE k.id IN (SELECT m.client_id FROM {sql_table(Assignment)} m "
            f"WHERE m.from_team_id IN ({ids}) OR m.to_team_id IN ({ids})))"
        )
    sql = (
        f"SELECT x.team_on, x.adviser_on, x.kind, x.value, COUNT(*) AS n FROM ("
        f"SELECT {team} AS team_on, {adviser} AS adviser_on, e.kind AS kind, e.value AS value "
        f"FROM ({events}) e JOIN {clients} c ON c.id = e.client_id {joins}) x {scope} "
        "GROUP BY x.team_on, x.adviser_on, x.kind, x.value"
    )
    # Parameters in the order the text holds them: on PostgreSQL the row's are in the joins
    # after the events; elsewhere they are in the team and adviser expressions before them.
    if connection.vendor == "postgresql":
        return sql, [*events_params, *row_params]
    return sql, [*row_params, *events_params]
