"""The team dashboard's figures, the office view, rebalancing and the team's activity list.

Every figure comes from a fixed number of aggregate queries, whatever the team's size:
1. coverage (required / covered / overdue) from reports.coverage, never re-defined here:
   one read for the trend's closed months (their kept snapshots) and one for today, over
   the service line's teams, grouped here per team and per adviser of the team;
2. caseload and due-soon per responsible adviser: one grouped query over the team's clients;
3. interviews held in the trend's closed months, per team of the service line: the coverage
   report's kept activity (reports.activity, one query, and one to find the kept months;
   a month not kept or stale is computed from the history in the same statement);
4. interviews this month and last month per adviser and channel, and no-shows: one grouped
   query over the team's own clients (and those moved in or out);
5. members, the service line's teams: one query each.
Python then only adds up grouped rows (a few dozen), never clients.

An interview counts for the team the client had at the end of the month it took place in
(this month: today), as in the coverage report; in the table per adviser, for the adviser
who held it. "Due within 14 days" (INTERVIEW_DUE_SOON_DAYS) uses the client's stored next
due date, which the due engine and every interview or status change keep current.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import (
    Count,
    F,
    Max,
    Q,
)
from django.utils.translation import gettext as _

from clients.models import Assignment, Client
from clients.services import clients_reassign
from interviews import rules
from interviews.choices import Channel, Outcome
from interviews.models import Interview
from reports.figures import Figures
from reports.models import ActivityKind
from reports.periods import LOCAL_ZONE as HELSINKI
from reports.periods import day_end, month_end
from reports.selectors.activity import activity_by_key
from reports.selectors.coverage import coverage_grouped, coverage_on, coverage_pairs_by_month
from teoffice.db import sql_datetime, sql_table

from . import policy
from .models import Membership, Role, ServiceLine, Team

TREND_MONTHS = 12
UNASSIGNED = "unassigned"


def display_name(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (username or "")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# --- Rows -------------------------------------------------------------------------------


CHANNELS: tuple[tuple[str, str], ...] = tuple(Channel.choices)  # (value, lazy label)


@dataclass
class InterviewCounts:
    """Interviews in one month: held per channel, and no-shows (cancellations not counted)."""

    held: dict[str, int] = field(default_factory=lambda: {value: 0 for value, _l in CHANNELS})
    no_shows: int = 0

    @property
    def held_total(self) -> int:
        return sum(self.held.values())

    def by_channel(self) -> list[tuple[str, int]]:
        return [(label, self.held[value]) for value, label in CHANNELS]


@dataclass
class MemberRow:
    """One adviser's (or the whole team's) figures on the dashboard."""

    key: int | str | None  # user id; "team" for the total; None for unassigned clients
    name: str
    target: int
    role: str = ""  # Role value for members; "" for non-members, the total and unassigned
    is_member: bool = False
    caseload: int = 0
    due_soon: int = 0
    figures: Figures = field(default_factory=Figures)
    this_month: InterviewCounts = field(default_factory=InterviewCounts)
    last_month: InterviewCounts = field(default_factory=InterviewCounts)

    @property
    def required(self) -> int:
        return self.figures.required

    @property
    def covered(self) -> int:
        return self.figures.covered

    @property
    def overdue(self) -> int:
        return self.figures.overdue

    @property
    def coverage_pct(self) -> float | None:
        return self.figures.coverage_pct

    @property
    def load(self) -> float:
        """Caseload relative to the target (1.0 = exactly at target)."""
        return self.caseload / self.target if self.target else 0.0

    @property
    def load_pct(self) -> int:
        return round(100 * self.load)

    @property
    def over_target(self) -> bool:
        return self.caseload > self.target

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD


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


# --- Queries (each one aggregate) ---------------------------------------------------------


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
    today), read from the Assignment history as reports.coverage.row_on_sql reads it, and
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for current, adviser_id, channel, outcome, n in cursor.fetchall():
            counts = result[(bool(current), adviser_id)]
            if outcome == Outcome.HELD:
                counts.held[channel] += n
            else:
                counts.no_shows += n
    return result


def _sum_counts(items: Iterable[InterviewCounts]) -> InterviewCounts:
    total = InterviewCounts()
    for item in items:
        for channel, n in item.held.items():
            total.held[channel] += n
        total.no_shows += item.no_shows
    return total


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


# --- The dashboard -------------------------------------------------------------------------


def suggest_receiver(rows: Iterable[MemberRow], *, exclude: Iterable = ()) -> MemberRow | None:
    """Who has most room: lowest load relative to target, then fewest overdue, then name."""
    excluded = set(exclude)
    candidates = [r for r in rows if r.is_member and r.key not in excluded]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (r.load, r.overdue, r.name.lower(), r.key))


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


def ordered_rows(rows: dict) -> list[MemberRow]:
    """Members (lead first, then by name), then former advisers; unassigned left out."""
    return sorted(
        (r for k, r in rows.items() if k is not None),
        key=lambda r: (not r.is_member, not r.is_lead, r.name.lower(), r.key),
    )


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
    line_ids = list(line_teams)
    # One coverage read for the line serves the trend (per team) and today's table (per
    # adviser of this team).
    months = coverage_pairs_by_month(today, TREND_MONTHS, team_ids=line_ids, narrow=True)
    today_pairs = months[-1][1]
    rows = team_member_rows(
        team=team,
        today=today,
        coverage=coverage_grouped(
            {pair: f for pair, f in today_pairs.items() if pair[0] == team.pk}, "adviser"
        ),
    )
    members = [r for r in rows.values() if r.is_member]

    this_month, last_month = month_start(today), previous_month(today)
    recent = recent_interviews_by_adviser(team=team, today=today)
    for row in rows.values():
        row.this_month = recent.get((True, row.key)) or InterviewCounts()
        row.last_month = recent.get((False, row.key)) or InterviewCounts()
    team_counts = {
        current: _sum_counts(c for (now, _a), c in recent.items() if now == current)
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
    unassigned = rows.get(None)
    ordered = ordered_rows(rows)

    first_month = month_start(months[0][0])
    held = held_by_month(team_ids=line_ids, first=first_month, last=last_month, today=today)
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
                team_held=(
                    total.this_month.held_total if running else held.get((month, team.pk), 0)
                ),
                line_held=None if running else line_held[month],
                team_advisers=len(members),
                line_advisers=line_advisers,
            )
        )
    outcomes, totals = _referral_outcomes(team=team, today=today)
    return TeamDashboard(
        team=team,
        today=today,
        total=total,
        members=ordered,
        unassigned=unassigned,
        trend=trend,
        suggested=suggest_receiver(ordered),
        referral_outcomes=outcomes,
        referral_totals=totals,
    )


def _referral_outcomes(
    *, team: Team, today: dt.date
) -> tuple[list[tuple[str, int, int]], tuple[int, int]]:
    """Outcomes of the team's partner referrals that ended this month and last month
    (partners.services.outcome_counts: one query each)."""
    from partners.models import ReferralOutcome
    from partners.services import outcome_counts

    this_month, last_month = month_start(today), previous_month(today)
    now = outcome_counts(start=this_month, end=today, team_ids=[team.pk])
    before = outcome_counts(
        start=last_month, end=this_month - dt.timedelta(days=1), team_ids=[team.pk]
    )
    rows = [(str(label), now[value], before[value]) for value, label in ReferralOutcome.choices]
    return rows, (now["total"], before["total"])


# --- The office view -------------------------------------------------------------------------


@dataclass
class TeamOverview:
    team: Team
    advisers: int
    caseload: int
    figures: Figures

    @property
    def capacity(self) -> int:
        return self.team.target_caseload * self.advisers

    @property
    def load_pct(self) -> int | None:
        return round(100 * self.caseload / self.capacity) if self.capacity else None

    @property
    def coverage_pct(self) -> float | None:
        return self.figures.coverage_pct


OFFICE_SORTS = ("name", "coverage", "overdue", "load")


def service_line_overview(
    *, line: ServiceLine, today: dt.date, sort: str = "name", descending: bool = False
) -> list[TeamOverview]:
    """Every team of a service line side by side; three queries whatever the size.

    Sorting puts teams without a figure (nobody to interview, no advisers) last either way.
    """
    teams = list(
        Team.objects.filter(service_line=line)
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
    rows = [
        TeamOverview(
            team=t,
            advisers=t.advisers,
            caseload=counts.get(t.pk, 0),
            figures=coverage.get(t.pk, Figures()),
        )
        for t in teams
    ]
    value = {
        "name": lambda r: r.team.name.lower(),
        "coverage": lambda r: r.coverage_pct,
        "overdue": lambda r: r.figures.overdue,
        "load": lambda r: r.load_pct,
    }[sort if sort in OFFICE_SORTS else "name"]
    known = sorted((r for r in rows if value(r) is not None), key=value, reverse=descending)
    return known + [r for r in rows if value(r) is None]


# --- Settings ----------------------------------------------------------------------------------


def team_target_set(*, team: Team, target_caseload: int, changed_by: AbstractBaseUser) -> Team:
    if not policy.can_manage_team(changed_by, team):
        raise PermissionDenied(_("Only the team lead or a manager can change the target."))
    if not 1 <= target_caseload <= 5000:
        raise ValidationError(
            {"target_caseload": _("The target must be between 1 and 5,000 clients.")}
        )
    team.target_caseload = target_caseload
    team.save(update_fields=["target_caseload"])
    return team


# --- Rebalancing ----------------------------------------------------------------------------------

CLIENT_FILTERS = ("overdue", "due_soon", "never", "all")


def rebalance_clients(*, team: Team, today: dt.date, adviser: str | int | None, which: str):
    """The team's clients to choose from: one adviser's (or unassigned) and a filter."""
    clients = Client.objects.for_team(team)
    if adviser == UNASSIGNED:
        clients = clients.filter(responsible_adviser__isnull=True)
    elif adviser:
        clients = clients.filter(responsible_adviser_id=adviser)
    if which == "overdue":
        clients = clients.filter(next_due_date__lt=today)
    elif which == "due_soon":
        soon = today + dt.timedelta(days=rules.due_soon_days())
        clients = clients.filter(next_due_date__gte=today, next_due_date__lte=soon)
    elif which == "never":
        clients = clients.filter(next_due_date__isnull=False, last_held_on__isnull=True)
    return clients.select_related("responsible_adviser").order_by(
        F("next_due_date").asc(nulls_last=True), "last_name", "first_name", "pk"
    )


def move_destinations(*, user, team: Team) -> list[tuple[Team, list]]:
    """Advisers the user may move this team's clients to, by team: the team's own members for
    everyone; other teams of the service line only for its lead or a manager."""
    teams = policy.move_destination_teams(user, team)
    memberships = (
        Membership.objects.filter(team__in=teams)
        .select_related("user", "team")
        .order_by("team__name", "user__first_name", "user__last_name")
    )
    grouped: dict[int, tuple[Team, list]] = {}
    for m in memberships:
        grouped.setdefault(m.team_id, (m.team, []))[1].append(m.user)
    own = grouped.pop(team.pk, (team, []))
    return [own, *grouped.values()]


@dataclass
class LoadChange:
    key: int | str | None
    name: str
    team_name: str
    caseload_before: int
    caseload_after: int
    overdue_before: int
    overdue_after: int
    target: int

    @property
    def load_pct_before(self) -> int:
        return round(100 * self.caseload_before / self.target) if self.target else 0

    @property
    def load_pct_after(self) -> int:
        return round(100 * self.caseload_after / self.target) if self.target else 0


@dataclass
class MovePreview:
    client_ids: list[int]
    to_adviser: AbstractBaseUser
    to_team: Team
    changes: list[LoadChange]
    clients: list[Client]


def move_preview(
    *, team: Team, client_ids: Iterable[int], to_adviser: AbstractBaseUser, today: dt.date
) -> MovePreview:
    """What a move would do: each affected adviser's caseload and overdue, before -> after.

    Only clients of `team` count; clients already with `to_adviser` are left out. Three
    queries: the clients, the receiving membership, and the affected advisers' current load.
    """
    to_membership = (
        Membership.objects.select_related("team", "user").filter(user=to_adviser).first()
    )
    if to_membership is None:
        raise ValidationError({"to_adviser": _("Choose an adviser who belongs to a team.")})
    clients = list(
        Client.objects.for_team(team)
        .filter(pk__in=list(client_ids))
        .exclude(responsible_adviser=to_adviser, team=to_membership.team)
        .select_related("responsible_adviser")
        .order_by("last_name", "first_name", "pk")
    )
    if not clients:
        raise ValidationError({"clients": _("Choose at least one client to move.")})
    affected = {c.responsible_adviser_id for c in clients} | {to_adviser.pk}
    overdue = Q(next_due_date__lt=today)
    current = {
        (r["team_id"], r["responsible_adviser_id"]): (r["n"], r["overdue"])
        for r in Client.objects.filter(
            Q(responsible_adviser_id__in=[a for a in affected if a is not None])
            | Q(team=team, responsible_adviser__isnull=True)
        )
        .values("team_id", "responsible_adviser_id")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=overdue))
        .order_by()
    }

    def load(adviser_id, team_id=None) -> tuple[int, int]:
        pairs = [v for (t, a), v in current.items() if a == adviser_id and (team_id in (None, t))]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    moving: dict = defaultdict(lambda: [0, 0, ""])
    for c in clients:
        entry = moving[c.responsible_adviser_id]
        entry[0] += 1
        entry[1] += 1 if c.next_due_date is not None and c.next_due_date < today else 0
        entry[2] = (
            c.responsible_adviser.get_full_name() or c.responsible_adviser.username
            if c.responsible_adviser
            else _("Unassigned")
        )
    changes = []
    for adviser_id, (n, n_overdue, name) in sorted(moving.items(), key=lambda kv: kv[1][2]):
        before, before_overdue = load(adviser_id, None if adviser_id else team.pk)
        changes.append(
            LoadChange(
                key=adviser_id,
                name=name,
                team_name=team.name,
                caseload_before=before,
                caseload_after=before - n,
                overdue_before=before_overdue,
                overdue_after=before_overdue - n_overdue,
                target=team.target_caseload,
            )
        )
    before, before_overdue = load(to_adviser.pk)
    total_overdue = sum(v[1] for v in moving.values())
    changes.append(
        LoadChange(
            key=to_adviser.pk,
            name=to_adviser.get_full_name() or to_adviser.username,
            team_name=to_membership.team.name,
            caseload_before=before,
            caseload_after=before + len(clients),
            overdue_before=before_overdue,
            overdue_after=before_overdue + total_overdue,
            target=to_membership.team.target_caseload,
        )
    )
    return MovePreview(
        client_ids=[c.pk for c in clients],
        to_adviser=to_adviser,
        to_team=to_membership.team,
        changes=changes,
        clients=clients,
    )


@transaction.atomic
def team_clients_move(
    *,
    team: Team,
    client_ids: Iterable[int],
    to_adviser: AbstractBaseUser,
    moved_by: AbstractBaseUser,
) -> int:
    """Move the chosen clients of `team` to `to_adviser` (in their team) as one recorded batch.

    Clients outside `team` or not visible to the mover are ignored; clients_reassign checks
    that the mover may move within the team or, for a lead or manager, across teams.
    """
    membership = Membership.objects.select_related("team").filter(user=to_adviser).first()
    if membership is None:
        raise ValidationError({"to_adviser": _("Choose an adviser who belongs to a team.")})
    ids = list(
        policy.clients_visible_to(moved_by)
        .filter(team=team, pk__in=list(client_ids))
        .exclude(responsible_adviser=to_adviser, team=membership.team)
        .values_list("pk", flat=True)
    )
    if not ids:
        raise ValidationError({"clients": _("Choose at least one client to move.")})
    return clients_reassign(
        client_ids=ids, to_adviser=to_adviser, to_team=membership.team, moved_by=moved_by
    )


# --- Activity ----------------------------------------------------------------------------------


@dataclass
class MoveBatch:
    batch: uuid.UUID
    moved_at: dt.datetime
    moved_by: str
    count: int
    flows: list[tuple[str, str, str, str, int]]  # from adviser, from team, to adviser, to team, n
    clients: list[str]  # names of moved clients the viewer may still see
    hidden: int  # moved clients now in a team the viewer cannot see
    client_ids: list[int] = field(default_factory=list)  # of `clients`, for the access log


def team_activity(*, team: Team, viewer, limit: int = 20) -> list[MoveBatch]:
    """The team's latest moves in and out, one entry per batch (two queries)."""
    touching = Q(from_team=team) | Q(to_team=team)
    latest = list(
        Assignment.objects.filter(touching)
        .values("batch")
        .annotate(at=Max("moved_at"))
        .order_by("-at")[:limit]
    )
    if not latest:
        return []
    visible_team_ids = policy.team_ids_visible_to(viewer)
    rows = (
        Assignment.objects.filter(batch__in=[b["batch"] for b in latest])
        .values(
            "batch",
            "moved_at",
            "moved_by__first_name",
            "moved_by__last_name",
            "moved_by__username",
            "from_adviser__first_name",
            "from_adviser__last_name",
            "from_adviser__username",
            "to_adviser__first_name",
            "to_adviser__last_name",
            "to_adviser__username",
            "from_team__name",
            "to_team__name",
            "client__first_name",
            "client__last_name",
            "client__team_id",
            "client_id",
        )
        .order_by("client__last_name", "client__first_name", "client_id")
    )
    batches: dict[uuid.UUID, MoveBatch] = {}
    flows: dict[uuid.UUID, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        b = batches.get(r["batch"])
        if b is None:
            b = batches[r["batch"]] = MoveBatch(
                batch=r["batch"],
                moved_at=r["moved_at"],
                moved_by=display_name(
                    r["moved_by__first_name"], r["moved_by__last_name"], r["moved_by__username"]
                ),
                count=0,
                flows=[],
                clients=[],
                hidden=0,
            )
        b.count += 1
        b.moved_at = max(b.moved_at, r["moved_at"])
        if r["client__team_id"] in visible_team_ids:
            b.clients.append(f"{r['client__first_name']} {r['client__last_name']}")
            b.client_ids.append(r["client_id"])
        else:
            b.hidden += 1
        flow = (
            display_name(
                r["from_adviser__first_name"],
                r["from_adviser__last_name"],
                r["from_adviser__username"],
            )
            or _("Unassigned"),
            r["from_team__name"],
            display_name(
                r["to_adviser__first_name"], r["to_adviser__last_name"], r["to_adviser__username"]
            )
            or _("Unassigned"),
            r["to_team__name"],
        )
        flows[r["batch"]][flow] += 1
    for key, b in batches.items():
        b.flows = [(*flow, n) for flow, n in sorted(flows[key].items())]
    return sorted(batches.values(), key=lambda b: b.moved_at, reverse=True)


def advisers_by_id(ids: Iterable[int]) -> dict[int, AbstractBaseUser]:
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=list(ids))}
