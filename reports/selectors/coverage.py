"""Coverage: the figure the office is steered by, computed the same way everywhere.

The team dashboard, the coverage report and its exports, and the API all call this module.

Definitions, for a day D (all dates local, in settings.TIME_ZONE):
1. **Must be interviewed on D**: the client's status on D (the latest StatusChange with
   effective_on <= D) is one the rule set in force on D requires (its required_statuses, for
   the office of the client's team on D: interviews.rules.required_on). A client with no
   status change on or before D was not yet registered and is not counted.
2. **Team and adviser on D**: from the Assignment history: the destination of the latest move
   on or before D; failing that, the origin of the first move after D; failing that (never
   moved), the client's current team and responsible adviser.
3. **Covered on D**: the last discussion *held* on or before D, of a kind that restarts the
   clock (interviews.rules.restarts_clock), is at most one interval of the rule set in force
   on D old (held_on + interval_months >= D). No-shows and cancellations do not count.
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

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, FilteredRelation, Q, Value
from django.utils import timezone

from clients.models import Client
from interviews import rules_sql, rulesets
from teams.models import Team

from ..figures import Figures, Level, Pair
from ..models import CoverageDay
from ..periods import month_ends
from .history import coverage_from_history


def _current(today: dt.date, team_ids: list[int] | None) -> dict[Pair, Figures]:
    """Today's figures from the clients' own columns, which the services keep up to date
    (one GROUP BY over the clients; equal to the history by construction, and tested so)."""
    clients = Client.objects.filter(status__in=sorted(rulesets.ANY_REQUIRED)).filter(
        rules_sql.required_expression("status", Value(today), team="team")
    )
    if team_ids is not None:
        clients = clients.filter(team__in=team_ids)
    covered = rules_sql.covered_expression("last_held_on", today, team="team")
    rows = (
        clients.values("team", "responsible_adviser")
        .annotate(
            required=Count("pk"),
            covered=Count("pk", filter=Q(covered)),
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
