"""The team dashboard: every adviser's figures, the team's total and its 12-month trend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from partners.models import ReferralOutcome
from partners.services import outcome_counts
from reports.figures import Figures
from reports.selectors.coverage import coverage_grouped, coverage_on, coverage_pairs_by_month
from teams.models import Membership, Team
from teams.names import display_name

from .counts import caseload_by_adviser, recent_interviews_by_adviser
from .rows import (
    InterviewCounts,
    MemberRow,
    month_start,
    ordered_rows,
    previous_month,
    suggest_receiver,
    sum_counts,
)
from .trend import TREND_MONTHS, TrendPoint, team_trend


@dataclass
class TeamDashboard:
    team: Team
    today: dt.date
    total: MemberRow
    members: list[MemberRow]  # current members (lead first), then others with clients
    unassigned: MemberRow | None
    trend: list[TrendPoint]
    suggested: MemberRow | None  # who has most room
    # Partner referrals of the team's clients that ended this month and last month:
    # [(outcome label, this month, last month)], and the two totals.
    referral_outcomes: list[tuple[str, int, int]] = field(default_factory=list)
    referral_totals: tuple[int, int] = (0, 0)

    @property
    def this_month(self) -> dt.date:
        return month_start(self.today)

    @property
    def last_month(self) -> dt.date:
        return previous_month(self.today)

    @property
    def overloaded(self) -> list[MemberRow]:
        return [m for m in self.members if m.over_target]


def team_member_rows(
    *, team: Team, today: dt.date, coverage: dict[int | None, Figures] | None = None
) -> dict:
    """{adviser id or None: MemberRow} with caseload, due soon and today's coverage figures
    for the team's members and anyone else responsible for its clients (3 queries; 2 when
    the caller has today's coverage per adviser already)."""
    target = team.target_caseload
    members = (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user_id")
    )
    rows: dict = {}
    for m in members:
        rows[m.user_id] = MemberRow(
            key=m.user_id,
            name=display_name(m.user.first_name, m.user.last_name, m.user.username),
            target=target,
            role=m.role,
            is_member=True,
        )
    for (_team_id, adviser_id), (count, soon, name) in caseload_by_adviser(
        team_ids=[team.pk], today=today
    ).items():
        row = rows.get(adviser_id)
        if row is None:
            row = rows[adviser_id] = MemberRow(
                key=adviser_id, name=name or _("Unassigned"), target=target
            )
        row.caseload, row.due_soon = count, soon
    if coverage is None:
        coverage = coverage_on(today, level="adviser", team_ids=[team.pk])
    for adviser_id, figures in coverage.items():
        if adviser_id not in rows:
            rows[adviser_id] = MemberRow(key=adviser_id, name=_("Unassigned"), target=target)
        rows[adviser_id].figures = figures
    return rows


def team_members(*, team: Team, today: dt.date) -> list[MemberRow]:
    """The team's current members with today's figures, lead first (3 queries)."""
    return [r for r in ordered_rows(team_member_rows(team=team, today=today)) if r.is_member]


def team_dashboard(*, team: Team, today: dt.date) -> TeamDashboard:
    """All figures for one team as of `today`, and the 12-month trend against its line.

    Queries, with the closed months kept: line teams with adviser counts 1, coverage 2
    (kept month ends, today), members 1, caseload 1, kept months 1, interviews held per
    closed month 1, interviews this month and last month 1, partner referrals 2 — the same
    for 1 client or 1,000,000. A month end without a fresh snapshot adds one coverage query.
    """
    line_teams = dict(
        Team.objects.filter(service_line_id=team.service_line_id)
        .annotate(advisers=Count("memberships"))
        .values_list("pk", "advisers")
    )
    # One coverage read for the line serves the trend (per team) and today's table (per
    # adviser of this team).
    months = coverage_pairs_by_month(today, TREND_MONTHS, team_ids=list(line_teams), narrow=True)
    today_pairs = months[-1][1]
    rows = team_member_rows(
        team=team,
        today=today,
        coverage=coverage_grouped(
            {pair: f for pair, f in today_pairs.items() if pair[0] == team.pk}, "adviser"
        ),
    )
    members = [r for r in rows.values() if r.is_member]

    recent = recent_interviews_by_adviser(team=team, today=today)
    for row in rows.values():
        row.this_month = recent.get((True, row.key)) or InterviewCounts()
        row.last_month = recent.get((False, row.key)) or InterviewCounts()
    team_counts = {
        current: sum_counts(c for (now, _a), c in recent.items() if now == current)
        for current in (True, False)
    }
    target = team.target_caseload
    total = MemberRow(
        key="team",
        name=team.name,
        target=target * max(len(members), 1),
        caseload=sum(r.caseload for r in rows.values()),
        due_soon=sum(r.due_soon for r in rows.values()),
        figures=sum((r.figures for r in rows.values()), Figures()),
        this_month=team_counts[True],
        last_month=team_counts[False],
    )
    ordered = ordered_rows(rows)
    trend = team_trend(
        team=team,
        today=today,
        months=months,
        line_teams=line_teams,
        team_advisers=len(members),
        held_this_month=total.this_month.held_total,
    )
    outcomes, totals = referral_outcomes(team=team, today=today)
    return TeamDashboard(
        team=team,
        today=today,
        total=total,
        members=ordered,
        unassigned=rows.get(None),
        trend=trend,
        suggested=suggest_receiver(ordered),
        referral_outcomes=outcomes,
        referral_totals=totals,
    )


def referral_outcomes(
    *, team: Team, today: dt.date
) -> tuple[list[tuple[str, int, int]], tuple[int, int]]:
    """Outcomes of the team's partner referrals that ended this month and last month
    (partners.services.outcome_counts: one query each)."""
    this_month, last_month = month_start(today), previous_month(today)
    now = outcome_counts(start=this_month, end=today, team_ids=[team.pk])
    before = outcome_counts(
        start=last_month, end=this_month - dt.timedelta(days=1), team_ids=[team.pk]
    )
    rows = [(str(label), now[value], before[value]) for value, label in ReferralOutcome.choices]
    return rows, (now["total"], before["total"])
