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

from django.utils import timezone

from teams.models import ServiceLine, Team
from teoffice.db import sql_table
from teoffice.db_routing import reading_connection

from ..models import ActivityCount, ActivityKind, ActivityLineCount, ActivityMonth
from ..periods import month_end, month_parts
from .activity_sql import ids_sql, marks_sql, pairs_from_history_sql

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
    `team_ids` (see pairs_from_history_sql): for a few teams out of many. `by_month` keys
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
    kept_ids = ids_sql(kept.values())

    def kept_filter(alias: str) -> str:
        if only is None:
            return ""
        params.extend(sorted(only))
        return f" AND {alias}kind IN ({marks_sql(only)})"

    def kept_part(alias: str) -> str:
        """Which part a kept row is of: its month's position among the parts."""
        if not by_month:
            return ""
        whens = " ".join(f"WHEN {int(pk)} THEN {index[day]}" for day, pk in kept.items())
        return f"CASE {alias}month_id {whens} END AS part, "

    if kept and team_ids_left != []:
        scope = "" if team_ids_left is None else f" AND team_id IN ({ids_sql(team_ids_left)})"
        pieces.append(
            f"SELECT {kept_part('')}team_id AS team_on, adviser_id AS adviser_on, kind, value, "
            f"n FROM {sql_table(ActivityCount)} WHERE month_id IN ({kept_ids}){scope}"
            f"{kept_filter('')}"
        )
    for first, last in parts:
        if last not in kept:
            sql, part_params = pairs_from_history_sql(
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
            f"AND l.service_line_id IN ({ids_sql(whole_lines)}){kept_filter('l.')}"
        )
    group = "r.part, r.row_key" if by_month else "r.row_key"
    sql = (
        f"SELECT {group}, r.kind, r.value, SUM(r.n) FROM ({' UNION ALL '.join(selects)}) r "
        f"GROUP BY {group}, r.kind, r.value"
    )
    found: dict = {}
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        for *head, kind, value, n in cursor.fetchall():
            row = (parts[int(head[0])][0], head[1]) if by_month else head[0]
            activity = found.get(row)
            if activity is None:  # not setdefault(): an Activity is three Counters to build
                activity = found[row] = Activity()
            activity.add(kind, value, int(n))
    return found
