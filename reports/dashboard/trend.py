"""The dashboard's trend: a team's coverage and interviews held per month against its line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from reports.figures import Figures, Pair
from reports.models import ActivityKind
from reports.periods import month_end
from reports.selectors.activity import activity_by_key
from reports.selectors.coverage import coverage_grouped
from teams.models import Team

from .rows import month_start, previous_month

TREND_MONTHS = 12


@dataclass
class TrendPoint:
    month: dt.date  # the month's first day
    team: Figures
    line: Figures
    team_held: int
    line_held: int | None  # None for the running month: the line is counted once it closes
    team_advisers: int
    line_advisers: int

    @property
    def team_held_per_adviser(self) -> float | None:
        return round(self.team_held / self.team_advisers, 1) if self.team_advisers else None

    @property
    def line_held_per_adviser(self) -> float | None:
        if self.line_held is None or not self.line_advisers:
            return None
        return round(self.line_held / self.line_advisers, 1)


def held_by_month(
    *, team_ids: list[int], first: dt.date, last: dt.date, today: dt.date
) -> dict[tuple[dt.date, int], int]:
    """{(month, team id): interviews held} for the whole months `first`..`last` (closed),
    from the coverage report's kept activity; a month not kept (or stale) is computed from
    the history, from the teams' clients only. The client's team at the month's end."""
    found = activity_by_key(
        first,
        month_end(last),
        level="team",
        team_ids=team_ids,
        today=today,
        kinds=[ActivityKind.HELD],
        narrow=True,
        by_month=True,
    )
    return {key: sum(activity.held.values()) for key, activity in found.items()}


def team_trend(
    *,
    team: Team,
    today: dt.date,
    months: list[tuple[dt.date, dict[Pair, Figures]]],
    line_teams: dict[int, int],
    team_advisers: int,
    held_this_month: int,
) -> list[TrendPoint]:
    """One point per month of `months` (the line's coverage per (team, adviser) at each
    month end, oldest first), the team against its line.

    `line_teams` is {team id: advisers} for the line's teams; the running month's interviews
    held by the team (`held_this_month`) come from the caller, the closed months' for the
    whole line from the kept activity (held_by_month).
    """
    this_month, last_month = month_start(today), previous_month(today)
    first_month = month_start(months[0][0])
    held = held_by_month(team_ids=list(line_teams), first=first_month, last=last_month, today=today)
    line_held: dict[dt.date, int] = defaultdict(int)
    for (month, _team_id), n in held.items():
        line_held[month] += n
    line_advisers = sum(line_teams.values())
    trend = []
    for day, pairs in months:
        month = month_start(day)
        by_team = coverage_grouped(pairs, "team")
        running = month == this_month
        trend.append(
            TrendPoint(
                month=month,
                team=by_team.get(team.pk, Figures()),
                line=sum(by_team.values(), Figures()),
                team_held=held_this_month if running else held.get((month, team.pk), 0),
                line_held=None if running else line_held[month],
                team_advisers=team_advisers,
                line_advisers=line_advisers,
            )
        )
    return trend
