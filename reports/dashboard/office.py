"""The office view: every team of an office (or of one service line) side by side, for
managers, with each team's coverage goal and whether it meets it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from clients.models import Client
from reports.figures import Figures
from reports.selectors.coverage import coverage_on
from teams.models import CoverageGoal, ServiceLine, Team
from teams.selectors import coverage_goals_for

OFFICE_SORTS = ("name", "coverage", "overdue", "load")


@dataclass
class TeamOverview:
    team: Team
    advisers: int
    caseload: int
    figures: Figures
    goal: CoverageGoal | None = None

    @property
    def capacity(self) -> int:
        return self.team.target_caseload * self.advisers

    @property
    def load_pct(self) -> int | None:
        return round(100 * self.caseload / self.capacity) if self.capacity else None

    @property
    def coverage_pct(self) -> float | None:
        return self.figures.coverage_pct

    @property
    def meets_goal(self) -> bool | None:
        return None if self.goal is None else self.goal.meets(self.coverage_pct)


def service_line_overview(
    *, line: ServiceLine, today: dt.date, sort: str = "name", descending: bool = False
) -> list[TeamOverview]:
    """Every team of a service line side by side."""
    return teams_overview(lines=[line], today=today, sort=sort, descending=descending)


def teams_overview(
    *, lines: list[ServiceLine], today: dt.date, sort: str = "name", descending: bool = False
) -> list[TeamOverview]:
    """Every team of the service lines side by side with its goal; five queries whatever the
    size (teams, caseloads, coverage, and two for the goals).

    Sorting puts teams without a figure (nobody to interview, no advisers) last either way.
    """
    teams = list(
        Team.objects.filter(service_line__in=lines)
        .select_related("service_line__office")
        .annotate(advisers=Count("memberships"))
    )
    ids = [t.pk for t in teams]
    counts = dict(
        Client.objects.filter(team_id__in=ids)
        .values("team_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("team_id", "n")
    )
    coverage = coverage_on(today, level="team", team_ids=ids)
    goals = coverage_goals_for(level="team", keys=ids, day=today)
    rows = [
        TeamOverview(
            team=t,
            advisers=t.advisers,
            caseload=counts.get(t.pk, 0),
            figures=coverage.get(t.pk, Figures()),
            goal=goals.get(t.pk),
        )
        for t in teams
    ]
    value = {
        "name": lambda r: (r.team.service_line.name.lower(), r.team.name.lower()),
        "coverage": lambda r: r.coverage_pct,
        "overdue": lambda r: r.figures.overdue,
        "load": lambda r: r.load_pct,
    }[sort if sort in OFFICE_SORTS else "name"]
    known = sorted((r for r in rows if value(r) is not None), key=value, reverse=descending)
    return known + [r for r in rows if value(r) is None]
