"""The coverage report's activity figures, computed the same way for any period.

Per row of the report: held interviews by channel, no-shows, cancellations (cancelled
interviews, and cancelled appointments that have no interview), the median number of days
between a held interview and the client's previous held one, and outcomes (clients whose
status went from a required status to work or to a service, and clients whose plan started
a study or a work trial for the first time).

**Whose activity it is.** A period is cut into *month parts*: its days within one calendar
month. Activity counts for the team and responsible adviser the client had at the end of
the month part it happened in (coverage definition 2). For a period within one month that
is the client's row at the period end; over a longer period a client who moved keeps each
month's activity with the team that served the client that month. Outcomes count clients
per month part (a client who found work twice in a year counts in both months).

**Where the figures come from.** A month part that is a whole closed month is read from
its kept ActivityCount rows when its CoverageDay is fresh (the nightly job builds them with
the coverage snapshot; a retroactive write marks both stale). Every other part is computed
from the history in the same statement. One statement per report, whatever the period.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from clients.models import Assignment, Client, Status, StatusChange
from interviews import rules
from interviews.choices import AppointmentStatus, Outcome
from interviews.models import Appointment, Interview
from plans.models import ActionKind, ActionStatus, EmploymentPlan, PlanAction, PlanVersion
from teams.models import ServiceLine, Team
from teoffice.db import sql_datetime, sql_table

from .coverage import day_end, month_end, row_on_sql
from .models import ActivityCount, ActivityKind, ActivityLineCount, ActivityMonth, CoverageDay

WORK_STATUSES = (Status.EMPLOYED, Status.PART_TIME)
SERVICE_STATUSES = (Status.IN_SERVICE,)
STARTED_ACTION = (ActionStatus.IN_PROGRESS, ActionStatus.DONE)
OUTCOMES = ("to_work", "to_study", "to_work_trial", "to_service")
Key = int | None


@dataclass
class Activity:
    """One row's activity: counts by channel, a histogram of gaps, clients by outcome."""

    held: Counter = field(default_factory=Counter)
    no_shows: int = 0
    cancellations: int = 0
    gaps: Counter = field(default_factory=Counter)  # {days: held interviews}
    outcomes: Counter = field(default_factory=Counter)

    def add(self, kind: str, value: str, n: int) -> None:
        if kind == ActivityKind.HELD:
            self.held[value] += n
        elif kind == ActivityKind.NO_SHOW:
            self.no_shows += n
        elif kind == ActivityKind.CANCELLED:
            self.cancellations += n
        elif kind == ActivityKind.GAP:
            if value is not None:  # a client's first held interview has no interval
                self.gaps[int(value)] += n
        else:
            self.outcomes[value] += n

    @property
    def median_gap(self) -> float | None:
        return median_of(self.gaps)


def median_of(histogram: Counter) -> float | None:
    """The median of the values a {value: count} histogram holds (the mean of the two
    middle values for an even count), as statistics.median would give over the values."""
    total = sum(histogram.values())
    if not total:
        return None
    lower, upper = (total - 1) // 2, total // 2  # 0-based positions of the middle values
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for position in (lower, upper):
            if seen <= position < seen + count:
                found.append(value)
        seen += count
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


def month_parts(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The period's days cut at month ends: [(first, last), ...]."""
    parts, day = [], start
    while day <= end:
        last = min(month_end(day), end)
        parts.append((day, last))
        day = last + dt.timedelta(days=1)
    return parts


# --- SQL -----------------------------------------------------------------------------------


def held_day_sql(column: str) -> str:
    """A held_at column (or scalar subquery) as its local (Helsinki) date."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'Europe/Helsinki')::date"
    return f"django_datetime_cast_date({column}, 'Europe/Helsinki', 'UTC')"


def days_between_sql(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _ids(values: list[int]) -> str:
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
    required, started = list(rules.REQUIRED_STATUSES), list(STARTED_ACTION)
    previous = (
        f"(SELECT p.held_at FROM {interviews} p WHERE p.client_id = i.client_id "
        "AND p.outcome = %s AND (p.held_at < i.held_at OR (p.held_at = i.held_at AND p.id < i.id)) "
        # The latest such time is one value whatever breaks a tie, so no id in the ORDER
        # BY: the (client, -held_at) index then yields it without a sort.
        "ORDER BY p.held_at DESC LIMIT 1)"
    )
    gap = days_between_sql(held_day_sql("i.held_at"), held_day_sql(previous))
    outcomes = [Outcome.HELD, Outcome.NO_SHOW, Outcome.CANCELLED]
    wanted = [o for o in outcomes if kinds is None or o in kinds]
    branches: list[tuple[str, list]] = []
    if wanted:
        # Interviews by outcome (held / no_show / cancelled) and channel.
        only = "" if len(wanted) == len(outcomes) else f" AND i.outcome IN ({_marks(wanted)})"
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
                f"({_marks(WORK_STATUSES)}) THEN 'to_work' ELSE 'to_service' END FROM {sc} sc "
                f"WHERE sc.effective_on >= %s AND sc.effective_on <= %s "
                f"AND sc.old_status IN ({_marks(required)}) "
                f"AND sc.new_status IN ({_marks(WORK_STATUSES + SERVICE_STATUSES)})",
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
                f"AND a.status IN ({_marks(started)}) AND v.created_at >= %s "
                f"AND v.created_at < %s AND NOT EXISTS (SELECT 1 FROM {pa} a2 "
                f"JOIN {pv} v2 ON v2.id = a2.version_id "
                "WHERE v2.plan_id = v.plan_id AND v2.number < v.number AND a2.kind = a.kind "
                f"AND a2.status IN ({_marks(started)}))",
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


def _pairs_from_history_sql(
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
    scope = "" if team_ids is None else f"WHERE x.team_on IN ({_ids(team_ids)})"
    clients = sql_table(Client)
    if narrow and team_ids is not None:
        ids = _ids(team_ids)
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


def _level_key(level: str) -> tuple[str, str]:
    """(key expression over p(team_on, adviser_on), joins) for a report level."""
    if level == "team":
        return "p.team_on", ""
    if level == "adviser":
        return "p.adviser_on", ""
    joins = f" JOIN {sql_table(Team)} t ON t.id = p.team_on"
    if level == "service_line":
        return "t.service_line_id", joins
    return "s.office_id", joins + f" JOIN {sql_table(ServiceLine)} s ON s.id = t.service_line_id"


# --- Reading -------------------------------------------------------------------------------


def kept_months(parts: list[tuple[dt.date, dt.date]], today: dt.date) -> dict[dt.date, int]:
    """{month end: ActivityMonth id} for the parts that are whole closed months with fresh
    kept figures (one query)."""
    whole = [
        last
        for first, last in parts
        if first.day == 1 and last == month_end(first) and last < today
    ]
    if not whole:
        return {}
    return {
        day: pk
        for pk, day in ActivityMonth.objects.filter(
            day__day__in=whole, day__stale=False
        ).values_list("pk", "day__day")
    }


def _whole_lines(team_ids: list[int] | None) -> tuple[list[int], list[int] | None]:
    """(service lines all of whose teams are in `team_ids`, the other team ids): a line's
    kept sums stand for its teams only when the report covers every one of them."""
    if team_ids is None:
        return list(ServiceLine.objects.values_list("pk", flat=True)), []
    asked = set(team_ids)
    teams_of: dict[int, set[int]] = {}
    touched = Team.objects.filter(pk__in=asked).order_by().values("service_line_id")
    teams = Team.objects.filter(service_line__in=touched).order_by()
    for pk, line in teams.values_list("pk", "service_line"):
        teams_of.setdefault(line, set()).add(pk)
    whole = sorted(line for line, teams in teams_of.items() if teams <= asked)
    covered = set().union(*(teams_of[line] for line in whole))
    return whole, sorted(asked - covered)


def activity_by_key(
    start: dt.date,
    end: dt.date,
    *,
    level: str,
    team_ids: list[int] | None,
    today: dt.date | None = None,
    kinds: Iterable[str] | None = None,
    narrow: bool = False,
    by_month: bool = False,
) -> dict:
    """Activity per report row (team, adviser, service line or office id) over the period:
    kept months read, the other month parts computed, all in one statement.

    `kinds` (ActivityKind values) limits the figures to those kinds, read and computed
    (None: all). `narrow` computes the month parts that are not kept from the clients of
    `team_ids` (see _pairs_from_history_sql): for a few teams out of many. `by_month` keys
    the result by (first day of the month part, row key) instead of the row key.
    """
    if team_ids is not None and not team_ids:
        return {}
    today = today or timezone.localdate()
    only = None if kinds is None else frozenset(kinds)
    parts = month_parts(start, end)
    kept = kept_months(parts, today)
    index = {last: i for i, (_first, last) in enumerate(parts)}
    pieces, params = [], []
    # A service-line or office report reads a kept month's whole lines from their sums.
    whole_lines, team_ids_left = [], team_ids
    if kept and level in ("service_line", "office"):
        whole_lines, team_ids_left = _whole_lines(team_ids)
    kept_ids = _ids(kept.values())

    def kept_filter(alias: str) -> str:
        if only is None:
            return ""
        params.extend(sorted(only))
        return f" AND {alias}kind IN ({_marks(only)})"

    def kept_part(alias: str) -> str:
        """Which part a kept row is of: its month's position among the parts."""
        if not by_month:
            return ""
        whens = " ".join(f"WHEN {int(pk)} THEN {index[day]}" for day, pk in kept.items())
        return f"CASE {alias}month_id {whens} END AS part, "

    if kept and team_ids_left != []:
        scope = "" if team_ids_left is None else f" AND team_id IN ({_ids(team_ids_left)})"
        pieces.append(
            f"SELECT {kept_part('')}team_id AS team_on, adviser_id AS adviser_on, kind, value, "
            f"n FROM {sql_table(ActivityCount)} WHERE month_id IN ({kept_ids}){scope}"
            f"{kept_filter('')}"
        )
    for first, last in parts:
        if last not in kept:
            sql, part_params = _pairs_from_history_sql(
                first, last, team_ids, kinds=only, narrow=narrow
            )
            if by_month:
                sql = f"SELECT {index[last]} AS part, h.* FROM ({sql}) h"
            pieces.append(sql)
            params += part_params
    key, joins = _level_key(level)
    part = "p.part, " if by_month else ""
    selects = []
    if pieces:
        union = " UNION ALL ".join(pieces)
        selects.append(
            f"SELECT {part}{key} AS row_key, p.kind, p.value, p.n FROM ({union}) p{joins}"
        )
    if whole_lines:
        line_key, line_joins = "l.service_line_id", ""
        if level == "office":
            line_key = "s.office_id"
            line_joins = f" JOIN {sql_table(ServiceLine)} s ON s.id = l.service_line_id"
        selects.append(
            f"SELECT {kept_part('l.')}{line_key} AS row_key, l.kind, l.value, l.n "
            f"FROM {sql_table(ActivityLineCount)} l{line_joins} WHERE l.month_id IN ({kept_ids}) "
            f"AND l.service_line_id IN ({_ids(whole_lines)}){kept_filter('l.')}"
        )
    group = "r.part, r.row_key" if by_month else "r.row_key"
    sql = (
        f"SELECT {group}, r.kind, r.value, SUM(r.n) FROM ({' UNION ALL '.join(selects)}) r "
        f"GROUP BY {group}, r.kind, r.value"
    )
    found: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for *head, kind, value, n in cursor.fetchall():
            row = (parts[int(head[0])][0], head[1]) if by_month else head[0]
            activity = found.get(row)
            if activity is None:  # not setdefault(): an Activity is three Counters to build
                activity = found[row] = Activity()
            activity.add(kind, value, int(n))
    return found


# --- Keeping ---------------------------------------------------------------------------------


@transaction.atomic
def activity_month_build(day: CoverageDay) -> ActivityMonth:
    """Compute and keep the activity of the month ending on `day` (a month end), replacing
    what was kept. Called by reports.coverage.coverage_snapshot_build in its transaction."""
    if day.day != month_end(day.day):
        raise ValueError(f"{day.day} is not a month end")
    ActivityMonth.objects.filter(day=day).delete()
    month = ActivityMonth.objects.create(day=day, computed_at=timezone.now())
    sql, params = _pairs_from_history_sql(day.day.replace(day=1), day.day, None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {sql_table(ActivityCount)} (month_id, team_id, adviser_id, kind, value, n) "
            f"SELECT %s, q.team_on, q.adviser_on, q.kind, q.value, q.n FROM ({sql}) q "
            # Laid down team by team, kind by kind: a read of a few teams' rows of one
            # kind (the team dashboard's) then finds them in a few pages, not one each.
            "WHERE q.value IS NOT NULL ORDER BY q.team_on, q.kind",
            [month.pk, *params],
        )
        cursor.execute(f"{_LINES_INSERT} WHERE a.month_id = %s {_LINES_GROUP}", [month.pk])
    return month


_LINES_INSERT = (
    f"INSERT INTO {sql_table(ActivityLineCount)} (month_id, service_line_id, kind, value, n) "
    f"SELECT a.month_id, t.service_line_id, a.kind, a.value, SUM(a.n) "
    f"FROM {sql_table(ActivityCount)} a JOIN {sql_table(Team)} t ON t.id = a.team_id"
)
_LINES_GROUP = "GROUP BY a.month_id, t.service_line_id, a.kind, a.value"


@transaction.atomic
def activity_lines_rebuild() -> int:
    """Sum every kept month's team rows per service line again: after a team changed
    service line (the admin calls this), the line sums follow the teams' current lines.
    Returns the number of rows kept."""
    ActivityLineCount.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"{_LINES_INSERT} {_LINES_GROUP}")
        return cursor.rowcount
