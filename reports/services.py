"""The writes of reports: the kept figures of closed months (coverage snapshots and
activity, built nightly and marked stale by retroactive history), the record of
client-level exports, and the stored monthly reports."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from clients.models import Assignment, Client
from teams import policy
from teams.models import ManagerScope, Office, ServiceLine, Team
from teoffice.db import sql_table

from .columns import LEVEL_LABELS
from .exports import report_xlsx_write
from .figures import Level
from .models import (
    ActivityCount,
    ActivityLineCount,
    ActivityMonth,
    ClientExport,
    CoverageDay,
    CoverageSnapshot,
    StoredReport,
)
from .periods import month_end, month_ends, period_month, period_validate, previous_month
from .selectors.activity_sql import ids_sql, pairs_from_history_sql
from .selectors.goals import report_goals
from .selectors.history import coverage_from_history
from .selectors.report import report_build

User = AbstractBaseUser | AnonymousUser


# --- The kept coverage figures -------------------------------------------------------------


# A late entry touching more teams than this (an import) marks the kept days stale for the
# nightly job instead of rebuilding them inside the writing transaction.
REBUILD_TEAMS_MAX = 20


def coverage_days_invalidate(*, since: dt.date) -> int:
    """History on or before `since` changed: kept figures from that day on are stale."""
    if since >= timezone.localdate():
        return 0
    return CoverageDay.objects.filter(day__gte=since, stale=False).update(stale=True)


def history_changed_receive(
    sender, *, since: dt.date, client_ids: Iterable[int] | None = None, **kwargs
) -> None:
    """teoffice.signals.history_changed: keep the kept figures from `since` on true.

    A change to a few clients (a late interview, a status change) rebuilds, in the writing
    transaction, only the rows of the teams those clients were ever in, so a page never
    computes a kept month from the history. A change to anyone (a rule-set choice) or to
    many teams (an import) marks the days stale for the nightly job."""
    if since >= timezone.localdate():
        return
    if client_ids is None:
        coverage_days_invalidate(since=since)
        return
    kept_figures_rebuild(since=since, client_ids=list(client_ids))


def _teams_of(client_ids: list[int]) -> list[int]:
    """Every team these clients were in at some time: now, or through a move."""
    now = Client.objects.filter(pk__in=client_ids).values_list("team_id", flat=True)
    moves = Assignment.objects.filter(client_id__in=client_ids)
    teams = {*now, *moves.values_list("from_team_id", flat=True)}
    teams.update(moves.values_list("to_team_id", flat=True))
    return sorted(teams)


@transaction.atomic
def kept_figures_rebuild(*, since: dt.date, client_ids: list[int]) -> list[dt.date]:
    """Rebuild the kept figures (coverage, and a month end's activity) of each fresh kept
    day from `since` to yesterday, for the teams the clients were ever in. Returns the days
    rebuilt.

    The days are locked in order first (as coverage_snapshot_build locks its day), so two
    late entries for one team rebuild one after the other, each seeing the other's rows."""
    days = list(
        CoverageDay.objects.select_for_update()
        .filter(day__gte=since, day__lt=timezone.localdate())
        .order_by("day")
    )
    if not days:
        return []
    teams = _teams_of(client_ids)
    if len(teams) > REBUILD_TEAMS_MAX:
        coverage_days_invalidate(since=since)
        return []
    rebuilt = []
    for kept in days:
        if kept.stale:  # the nightly job rebuilds the whole day
            continue
        CoverageSnapshot.objects.filter(day=kept, team_id__in=teams).delete()
        _snapshots_write(kept, coverage_from_history(kept.day, teams, narrow=True))
        month = ActivityMonth.objects.filter(day=kept).first()
        if month is not None:
            _activity_teams_rebuild(month, kept.day, teams)
        rebuilt.append(kept.day)
    return rebuilt


def _snapshots_write(kept: CoverageDay, pairs: dict) -> None:
    """Keep the figures per (team, adviser) of a day (its old rows already deleted)."""
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


def _activity_teams_rebuild(month: ActivityMonth, last: dt.date, teams: list[int]) -> None:
    """Replace a kept month's activity rows of these teams, and their service lines' sums."""
    lines = sorted(set(Team.objects.filter(pk__in=teams).values_list("service_line_id", flat=True)))
    ActivityCount.objects.filter(month=month, team_id__in=teams).delete()
    ActivityLineCount.objects.filter(month=month, service_line_id__in=lines).delete()
    sql, params = pairs_from_history_sql(last.replace(day=1), last, teams, narrow=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_COUNTS_INSERT} FROM ({sql}) q WHERE q.value IS NOT NULL ORDER BY q.team_on, q.kind",
            [month.pk, *params],
        )
        if lines:
            cursor.execute(
                f"{_LINES_INSERT} WHERE a.month_id = %s AND t.service_line_id IN "
                f"({ids_sql(lines)}) {_LINES_GROUP}",
                [month.pk],
            )


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
    CoverageSnapshot.objects.filter(day=kept).delete()
    _snapshots_write(kept, coverage_from_history(day))
    if day == month_end(day):
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


# --- The kept activity ---------------------------------------------------------------------


@transaction.atomic
def activity_month_build(day: CoverageDay) -> ActivityMonth:
    """Compute and keep the activity of the month ending on `day` (a month end), replacing
    what was kept. Called by coverage_snapshot_build in its transaction."""
    if day.day != month_end(day.day):
        raise ValueError(f"{day.day} is not a month end")
    ActivityMonth.objects.filter(day=day).delete()
    month = ActivityMonth.objects.create(day=day, computed_at=timezone.now())
    sql, params = pairs_from_history_sql(day.day.replace(day=1), day.day, None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_COUNTS_INSERT} FROM ({sql}) q "
            # Laid down team by team, kind by kind: a read of a few teams' rows of one
            # kind (the team dashboard's) then finds them in a few pages, not one each.
            "WHERE q.value IS NOT NULL ORDER BY q.team_on, q.kind",
            [month.pk, *params],
        )
        cursor.execute(f"{_LINES_INSERT} WHERE a.month_id = %s {_LINES_GROUP}", [month.pk])
    return month


_COUNTS_INSERT = (
    f"INSERT INTO {sql_table(ActivityCount)} (month_id, team_id, adviser_id, kind, value, n) "
    "SELECT %s, q.team_on, q.adviser_on, q.kind, q.value, q.n"
)


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


# --- Client-level exports ------------------------------------------------------------------


def client_export_start(*, user: User, fmt: str, filters: dict[str, str]) -> ClientExport:
    """Record a client-level export before its first row goes out."""
    if not policy.may_export_clients(user):
        raise PermissionDenied
    return ClientExport.objects.create(user=user, format=fmt, filters=filters)


def client_export_finish(*, export: ClientExport, rows: int, completed: bool) -> None:
    """The row count as streamed, and whether the whole file went out."""
    ClientExport.objects.filter(pk=export.pk).update(
        rows=rows, completed=completed, finished_at=timezone.now()
    )


# --- The stored monthly reports -------------------------------------------------------


def stored_reports_build(
    *, month: dt.date | None = None, today: dt.date | None = None
) -> list[StoredReport]:
    """Build and keep the coverage report of `month` (default: the previous month) for every
    office (office and team rows) and every service line a manager follows (service line
    and team rows), as XLSX. Idempotent: a (scope, month) already stored is left as it is,
    and a parallel run that stores it first wins (unique constraints)."""
    today = today or timezone.localdate()
    period = previous_month(today) if month is None else period_month(f"{month:%Y-%m}")
    period = period_validate(period, today=today)
    stored = set(
        StoredReport.objects.filter(month=period.start).values_list("office_id", "service_line_id")
    )
    teams = list(Team.objects.values_list("pk", "service_line_id", "service_line__office_id"))
    scopes: list[tuple[Office | None, ServiceLine | None, Level]] = [
        (office, None, "office") for office in Office.objects.all()
    ]
    followed = ManagerScope.objects.filter(service_line__isnull=False).values("service_line")
    scopes += [
        (None, line, "service_line")
        for line in ServiceLine.objects.filter(pk__in=followed).select_related("office")
    ]
    built = []
    for office, line, level in scopes:
        key = (office.pk if office else None, line.pk if line else None)
        if key in stored:
            continue
        team_ids = [
            t for t, sl, o in teams if (office and o == office.pk) or (line and sl == line.pk)
        ]
        top = report_build(period=period, level=level, team_ids=team_ids)
        by_team = report_build(period=period, level="team", team_ids=team_ids)
        buffer = io.BytesIO()
        report_xlsx_write(
            [(str(LEVEL_LABELS[level]), top), (str(LEVEL_LABELS["team"]), by_team)],
            buffer,
            goals=report_goals(by_team),  # the teams that met their coverage goal
        )
        scope_name = slugify(str(office or line)) or "scope"
        content = buffer.getvalue()
        try:
            with transaction.atomic():
                built.append(
                    StoredReport.objects.create(
                        office=office,
                        service_line=line,
                        month=period.start,
                        file_name=f"coverage_{scope_name}_{period.start:%Y-%m}.xlsx",
                        content=content,
                        size=len(content),
                    )
                )
        except IntegrityError:
            continue  # another run stored this scope's report first: keep that one
    return built
