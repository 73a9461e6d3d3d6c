"""Coverage: the figure the office is steered by, computed the same way everywhere.

The team dashboard, the coverage report and its exports, and the API all call this module.

Definitions, for a day D (all dates in Europe/Helsinki):
1. **Must be interviewed on D**: the client's status on D (the latest StatusChange with
   effective_on <= D) is one the interview rule requires (interviews.rules.REQUIRED_STATUSES).
   A client with no status change on or before D was not yet registered and is not counted.
2. **Team and adviser on D**: from the Assignment history: the destination of the latest move
   on or before D; failing that, the origin of the first move after D; failing that (never
   moved), the client's current team and responsible adviser.
3. **Covered on D**: the last interview *held* on or before D is at most one interval old
   (held_on + INTERVIEW_INTERVAL_MONTHS >= D). No-shows and cancellations do not count.
4. **Overdue on D**: the rule's due date as of D (from the last held interview on or before D
   and the start of the status in force on D) is before D.
5. **Coverage** = covered / must be interviewed (None when nobody must be interviewed).

Where the figures come from: today's from the clients' own columns (kept up to date by the
services and the due engine: one GROUP BY); a past day's from its kept snapshot
(CoverageDay/CoverageSnapshot, built nightly for the last 13 month ends) when that is fresh;
otherwise from the history itself. Services that write history dated in the past mark the
kept days from then on stale, and a stale day is never served. Every figure is a fixed
number of aggregate queries whatever the number of clients or groups; nothing loops over
clients in Python.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields import CharField, DateField
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import LessThan
from django.utils import timezone

from clients.models import Assignment, Client, StatusChange
from interviews import rules
from interviews.choices import Outcome
from interviews.models import Interview
from teams.models import Team

from .models import CoverageDay, CoverageSnapshot

Level = Literal["team", "adviser", "service_line", "office"]
LEVELS: tuple[Level, ...] = ("office", "service_line", "team", "adviser")
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")


@dataclass
class Figures:
    required: int = 0
    covered: int = 0
    overdue: int = 0

    @property
    def coverage(self) -> float | None:
        return self.covered / self.required if self.required else None

    @property
    def coverage_pct(self) -> float | None:
        return None if self.coverage is None else round(100 * self.coverage, 1)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.required + other.required,
            self.covered + other.covered,
            self.overdue + other.overdue,
        )


def day_end(day: dt.date) -> dt.datetime:
    """The first instant after `day` in Helsinki: held_at < day_end(D) means held on or before D."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), HELSINKI)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(last: dt.date, count: int) -> list[dt.date]:
    """The last day of each of `count` months up to `last`'s month, oldest first; the
    running month ends at `last` itself (a figure for a day that has not come is no figure)."""
    days = []
    year, month = last.year, last.month
    for _ in range(count):
        days.append(min(month_end(dt.date(year, month, 1)), last))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return days[::-1]


def clients_as_of(day: dt.date, clients=None):
    """Clients annotated with their status, status start, last held interview, team and
    responsible adviser as of the end of `day`."""
    end = day_end(day)
    clients = Client.objects.all() if clients is None else clients
    status = StatusChange.objects.filter(client=OuterRef("pk"), effective_on__lte=day).order_by(
        "-effective_on", "-id"
    )
    held = (
        Interview.objects.filter(client=OuterRef("pk"), outcome=Outcome.HELD, held_at__lt=end)
        .order_by("-held_at")
        .annotate(day=TruncDate("held_at", tzinfo=HELSINKI))
    )
    before = Assignment.objects.filter(client=OuterRef("pk"), moved_at__lt=end).order_by(
        "-moved_at", "-id"
    )
    after = Assignment.objects.filter(client=OuterRef("pk"), moved_at__gte=end).order_by(
        "moved_at", "id"
    )
    return clients.annotate(
        status_on=Subquery(status.values("new_status")[:1]),
        since_on=Subquery(status.values("effective_on")[:1]),
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


Pair = tuple[int, int | None]  # (team id, responsible adviser id) as of the day


def _history_orm(day: dt.date, team_ids: list[int] | None) -> dict[Pair, Figures]:
    """As of `day` from the history, with correlated subqueries (any database)."""
    annotated = clients_as_of(day, _candidates(team_ids)).filter(
        status_on__in=list(rules.REQUIRED_STATUSES)
    )
    if team_ids is not None:
        annotated = annotated.filter(team_on__in=team_ids)
    due_on = rules.next_due_date_expression("status_on", "since_on", "held_on", team="team_on")
    rows = (
        annotated.annotate(
            is_covered=Case(
                When(rules.covered_expression("held_on", day), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            is_overdue=Case(
                When(LessThan(due_on, Value(day)), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values("team_on", "adviser_on")
        .annotate(required=Count("pk"), covered=Sum("is_covered"), overdue=Sum("is_overdue"))
        .order_by()
    )
    return {
        (r["team_on"], r["adviser_on"]): Figures(
            r["required"], r["covered"] or 0, r["overdue"] or 0
        )
        for r in rows
    }


def row_on_sql(day: dt.date) -> tuple[str, str, str, list]:
    """(joins, team, adviser, params): the team and responsible adviser of client `c` as of
    the end of `day` (coverage definition 2: the latest move before, else the origin of the
    first move after, else the client's own columns)."""
    end = connection.ops.adapt_datetimefield_value(day_end(day))
    moves = connection.ops.quote_name(Assignment._meta.db_table)
    if connection.vendor == "postgresql":
        joins = (
            "LEFT JOIN (SELECT DISTINCT ON (client_id) client_id, to_team_id, to_adviser_id "
            f"FROM {moves} WHERE moved_at < %s ORDER BY client_id, moved_at DESC, id DESC) mb "
            "ON mb.client_id = c.id "
            "LEFT JOIN (SELECT DISTINCT ON (client_id) client_id, from_team_id, from_adviser_id "
            f"FROM {moves} WHERE moved_at >= %s ORDER BY client_id, moved_at, id) ma "
            "ON ma.client_id = c.id"
        )
        team = "COALESCE(mb.to_team_id, ma.from_team_id, c.team_id)"
        adviser = (
            "CASE WHEN mb.client_id IS NOT NULL THEN mb.to_adviser_id "
            "WHEN ma.client_id IS NOT NULL THEN ma.from_adviser_id "
            "ELSE c.responsible_adviser_id END"
        )
        return joins, team, adviser, [end, end]

    def move(column: str, after: bool) -> str:
        where = (
            "m.moved_at >= %s ORDER BY m.moved_at, m.id"
            if after
            else ("m.moved_at < %s ORDER BY m.moved_at DESC, m.id DESC")
        )
        return f"(SELECT m.{column} FROM {moves} m WHERE m.client_id = c.id AND {where} LIMIT 1)"

    before_exists = f"EXISTS (SELECT 1 FROM {moves} m WHERE m.client_id = c.id AND m.moved_at < %s)"
    after_exists = f"EXISTS (SELECT 1 FROM {moves} m WHERE m.client_id = c.id AND m.moved_at >= %s)"
    team = f"COALESCE({move('to_team_id', False)}, {move('from_team_id', True)}, c.team_id)"
    adviser = (
        f"CASE WHEN {before_exists} THEN {move('to_adviser_id', False)} "
        f"WHEN {after_exists} THEN {move('from_adviser_id', True)} "
        "ELSE c.responsible_adviser_id END"
    )
    return "", team, adviser, [end, end, end, end, end, end]


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

    covered_sql, covered_params = compile_(
        Case(
            When(rules.covered_expression(ref("held_on", DateField()), day), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    due = rules.next_due_date_expression(
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
                   (held_at AT TIME ZONE 'Europe/Helsinki')::date AS day
            FROM interviews_interview WHERE {within}outcome = %s AND held_at < %s
            ORDER BY client_id, held_at DESC, id DESC),
        x AS (
            SELECT {team} AS team_id, {adviser} AS adviser_id,
                   st.new_status AS status_on, st.effective_on AS since_on, h.day AS held_on
            FROM clients_client c
            JOIN st ON st.client_id = c.id
            LEFT JOIN held h ON h.client_id = c.id
            {joins}
            WHERE st.new_status = ANY(%s) {scope})
        SELECT team_id, adviser_id, count(*), sum({covered_sql}), sum({overdue_sql})
        FROM x {"WHERE team_id = ANY(%s)" if team_ids is not None else ""}
        GROUP BY team_id, adviser_id
    """
    params = [
        *within_params,
        day,
        *within_params,
        Outcome.HELD,
        end,
        *row_params,
        list(rules.REQUIRED_STATUSES),
        *scope_params,
        *covered_params,
        *overdue_params,
        *([team_ids] if team_ids is not None else []),
    ]
    with connection.cursor() as cursor:
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


def _current(today: dt.date, team_ids: list[int] | None) -> dict[Pair, Figures]:
    """Today's figures from the clients' own columns, which the services keep up to date
    (one GROUP BY over the clients; equal to the history by construction, and tested so)."""
    clients = Client.objects.filter(status__in=list(rules.REQUIRED_STATUSES))
    if team_ids is not None:
        clients = clients.filter(team__in=team_ids)
    rows = (
        clients.values("team", "responsible_adviser")
        .annotate(
            required=Count("pk"),
            covered=Count("pk", filter=Q(rules.covered_expression("last_held_on", today))),
            overdue=Count("pk", filter=Q(next_due_date__lt=today)),
        )
        .order_by()
    )
    return {
        (r["team"], r["responsible_adviser"]): Figures(r["required"], r["covered"], r["overdue"])
        for r in rows
    }


def _snapshots(
    days: list[dt.date], team_ids: list[int] | None
) -> dict[dt.date, dict[Pair, Figures]]:
    """Kept figures for those of `days` that have a fresh snapshot (one query: each fresh
    day with its rows for these teams, joined so that a day without any is still found)."""
    condition = Q() if team_ids is None else Q(rows__team__in=team_ids)
    rows = (
        CoverageDay.objects.filter(day__in=days, stale=False)
        .annotate(kept=FilteredRelation("rows", condition=condition))
        .values_list(
            "day",
            "kept__team",
            "kept__adviser",
            "kept__required",
            "kept__covered",
            "kept__overdue",
        )
        .order_by()
    )
    found: dict[dt.date, dict[Pair, Figures]] = {}
    for day, team, adviser, required, covered, overdue in rows:
        pairs = found.setdefault(day, {})
        if team is not None:
            pairs[(team, adviser)] = Figures(required, covered, overdue)
    return found


def _parents(team_ids: Iterable[int], level: Level) -> dict[int, int]:
    """{team id: its service line or office id} for a level above the team (one query)."""
    field = "service_line_id" if level == "service_line" else "service_line__office_id"
    teams = Team.objects.filter(pk__in=set(team_ids)).order_by()
    return dict(teams.values_list("pk", field))


def _group(
    pairs: dict[Pair, Figures], level: Level, parent: dict[int, int] | None = None
) -> dict[int | None, Figures]:
    """Figures summed per row of `level`; `parent` (from _parents) when the caller has it."""
    grouped: dict[int | None, Figures] = {}
    if level in ("team", "adviser"):
        index = 0 if level == "team" else 1
        for pair, figures in pairs.items():
            grouped[pair[index]] = grouped.get(pair[index], Figures()) + figures
        return grouped
    if parent is None:
        parent = _parents((t for t, _a in pairs), level)
    for (team_id, _adviser), figures in pairs.items():
        grouped[parent[team_id]] = grouped.get(parent[team_id], Figures()) + figures
    return grouped


def _figures_on(
    days: list[dt.date], team_ids: list[int] | None, narrow: bool = False
) -> dict[dt.date, dict[Pair, Figures]]:
    today = timezone.localdate()
    past = [d for d in days if d < today]
    result = _snapshots(past, team_ids) if past else {}
    for day in days:
        if day >= today:
            result[day] = _current(today, team_ids)
        elif day not in result:
            result[day] = coverage_from_history(day, team_ids, narrow=narrow)
    return result


def coverage_on(
    day: dt.date, *, level: Level = "team", team_ids: Iterable[int] | None = None
) -> dict[int | None, Figures]:
    """Figures per group (team, adviser, service line or office id) as of the end of `day`.

    `team_ids` limits the count to clients in those teams on `day` (None: every team).
    Adviser level keys are user ids, with None for clients without a responsible adviser.
    Today comes from the clients' columns; a past day from its kept snapshot when one is
    fresh, else from the history (a stale snapshot is never served).
    """
    team_ids = None if team_ids is None else list(team_ids)
    return _group(_figures_on([day], team_ids)[day], level)


def coverage_pairs_by_month(
    last: dt.date, months: int, *, team_ids: Iterable[int] | None = None, narrow: bool = False
) -> list[tuple[dt.date, dict[Pair, Figures]]]:
    """Figures per (team, adviser) at each month end up to `last` (oldest first), for a
    caller that groups one read at two levels (coverage_grouped). Closed months come from
    their snapshots (one query for all of them), the running month from the clients; a
    month end not kept from the history (`narrow`: see _history_postgres)."""
    team_ids = None if team_ids is None else list(team_ids)
    days = month_ends(last, months)
    figures = _figures_on(days, team_ids, narrow)
    return [(day, figures[day]) for day in days]


def coverage_grouped(pairs: dict[Pair, Figures], level: Level) -> dict[int | None, Figures]:
    """Figures per (team, adviser) summed per group of `level`, as coverage_on() gives them."""
    return _group(pairs, level)


def coverage_by_month(
    last: dt.date, months: int, *, level: Level = "team", team_ids: Iterable[int] | None = None
) -> list[tuple[dt.date, dict[int | None, Figures]]]:
    """coverage_on() at each month end up to `last` (oldest first). Closed months come from
    their snapshots (one query for all of them), the running month from the clients."""
    months_pairs = coverage_pairs_by_month(last, months, team_ids=team_ids)
    parent = None
    if level not in ("team", "adviser"):  # one lookup of the teams' lines for all months
        parent = _parents((t for _day, pairs in months_pairs for t, _a in pairs), level)
    return [(day, _group(pairs, level, parent)) for day, pairs in months_pairs]


# --- Keeping the snapshots -----------------------------------------------------------------


def coverage_days_invalidate(*, since: dt.date) -> int:
    """History on or before `since` changed: kept figures from that day on are stale."""
    if since >= timezone.localdate():
        return 0
    return CoverageDay.objects.filter(day__gte=since, stale=False).update(stale=True)


def history_changed_receive(sender, *, since: dt.date, **kwargs) -> None:
    """teoffice.signals.history_changed: the kept figures from `since` on are stale."""
    coverage_days_invalidate(since=since)


@transaction.atomic
def coverage_snapshot_build(day: dt.date) -> CoverageDay:
    """Compute and keep the figures of a past day (for a month end, its activity too).

    The CoverageDay row is locked first, so a retroactive write that commits while the
    figures are computed waits for this transaction and then marks the day stale again.
    """
    kept, _created = CoverageDay.objects.get_or_create(
        day=day, defaults={"computed_at": timezone.now(), "stale": True}
    )
    kept = CoverageDay.objects.select_for_update().get(pk=kept.pk)
    pairs = coverage_from_history(day)
    CoverageSnapshot.objects.filter(day=kept).delete()
    CoverageSnapshot.objects.bulk_create(
        CoverageSnapshot(
            day=kept,
            team_id=team,
            adviser_id=adviser,
            required=f.required,
            covered=f.covered,
            overdue=f.overdue,
        )
        for (team, adviser), f in pairs.items()
    )
    if day == month_end(day):
        from .activity import activity_month_build

        activity_month_build(kept)
    kept.computed_at, kept.stale = timezone.now(), False
    kept.save(update_fields=["computed_at", "stale"])
    return kept


def coverage_snapshots_refresh(*, today: dt.date | None = None, months: int = 13) -> list[dt.date]:
    """Keep the figures of the last `months` closed month ends: build the missing and the
    stale ones (the nightly job). Returns the days built."""
    today = today or timezone.localdate()
    days = [d for d in month_ends(today, months + 1) if d < today]
    # Fresh and complete: not stale, and a month end's activity is kept too (days kept
    # before activity was kept are rebuilt once).
    fresh = set(
        CoverageDay.objects.filter(day__in=days, stale=False, activity__isnull=False).values_list(
            "day", flat=True
        )
    )
    built = [d for d in days if d not in fresh]
    for day in built:
        coverage_snapshot_build(day)
    return built
