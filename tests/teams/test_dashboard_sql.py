"""Every dashboard and office-view figure equals an independent SQL count on seeded data.

The demo office is seeded, then edge cases are added: clients moved between teams (today:
last month's interviews stay with the old team, this month's go with the client), status
changes out of and back into the cycle, no-shows and cancellations. The SQL below reads the
tables directly (stored columns for today's state, the Assignment history for the team a
client had at the end of each month) and shares no code with reports.dashboard,
reports.selectors.coverage or reports.selectors.activity.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from clients.models import Client, Status
from clients.services import client_status_change, clients_reassign
from interviews import rules, rulesets
from interviews.choices import Channel, Outcome
from interviews.models import Interview
from reports.dashboard.office import service_line_overview
from reports.dashboard.rows import previous_month
from reports.dashboard.team import team_dashboard
from reports.periods import LOCAL_ZONE as HELSINKI
from teams.models import Membership, Team
from tools.demo.office import seed_demo

pytestmark = pytest.mark.django_db


def sql(query: str, params: list | dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def db_datetime(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def covered_since(today: dt.date) -> dt.date:
    """The earliest last-held day that still covers `today` (held + interval >= today)."""
    months = rulesets.in_force(None, today).interval_months
    day = today - dt.timedelta(days=40 * months)
    while rules.add_months(day, months) < today:
        day += dt.timedelta(days=1)
    return day


# Who must have job-search discussions under the 2026 reform (docs/rules.md).
REQUIRED_2026 = (
    "('unemployed', 'laid_off', 'part_time', 'threatened', 'shortened_hours', 'wage_subsidy')"
)


def today_by_adviser(team_id: int, today: dt.date) -> dict:
    soon = today + dt.timedelta(days=rules.due_soon_days())
    rows = sql(
        f"""
        SELECT responsible_adviser_id,
               COUNT(*),
               SUM(CASE WHEN status IN {REQUIRED_2026} THEN 1 ELSE 0 END),
               SUM(CASE WHEN status IN {REQUIRED_2026}
                         AND last_held_on >= %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN next_due_date < %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN next_due_date >= %s AND next_due_date <= %s THEN 1 ELSE 0 END)
        FROM clients_client WHERE team_id = %s GROUP BY responsible_adviser_id
        """,
        [covered_since(today), today, today, soon, team_id],
    )
    return {r[0]: tuple(int(v or 0) for v in r[1:]) for r in rows}


# An interview counts for the team the client had at the end of its month (the running
# month: today): the latest move before then, else the origin of the first move after,
# else the client's team.
INTERVIEWS_SQL = """
    SELECT i.adviser_id, i.channel, i.outcome, COUNT(*)
    FROM interviews_interview i JOIN clients_client c ON c.id = i.client_id
    WHERE i.held_at >= %(start)s AND i.held_at < %(end)s
      AND COALESCE(
        (SELECT a.to_team_id FROM clients_assignment a
          WHERE a.client_id = i.client_id AND a.moved_at < %(end)s
          ORDER BY a.moved_at DESC, a.id DESC LIMIT 1),
        (SELECT a.from_team_id FROM clients_assignment a
          WHERE a.client_id = i.client_id AND a.moved_at >= %(end)s
          ORDER BY a.moved_at ASC, a.id ASC LIMIT 1),
        c.team_id) = %(team)s
    GROUP BY i.adviser_id, i.channel, i.outcome
"""


def interviews_in_month(team_id: int, month: dt.date, today: dt.date) -> dict:
    start = dt.datetime.combine(month, dt.time(0), HELSINKI)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    end = dt.datetime.combine(min(following, today + dt.timedelta(days=1)), dt.time(0), HELSINKI)
    params = {"start": db_datetime(start), "end": db_datetime(end), "team": team_id}
    rows = sql(INTERVIEWS_SQL, params)
    return {(r[0], r[1], r[2]): r[3] for r in rows}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo office with edge cases, built once for this module."""
    today = timezone.localdate()
    with django_db_blocker.unblock():
        seed_demo(clients=600, seed=11, today=today)
        manager = get_user_model().objects.get(username="manager")
        teams = list(Team.objects.filter(service_line__name="Supported employment"))
        t1, t2 = teams[0], teams[1]
        # Moves between teams, to an adviser and to nobody: the interviews held before stay
        # with the old team.
        t2_member = Membership.objects.filter(team=t2).first().user
        moved = list(
            Client.objects.filter(team=t1).order_by("pk")[:15].values_list("pk", flat=True)
        )
        clients_reassign(client_ids=moved[:10], to_adviser=t2_member, to_team=t2, moved_by=manager)
        clients_reassign(client_ids=moved[10:], to_adviser=None, to_team=t1, moved_by=manager)
        back = list(Client.objects.filter(team=t2).order_by("-pk")[:5].values_list("pk", flat=True))
        t1_member = Membership.objects.filter(team=t1).last().user
        clients_reassign(client_ids=back, to_adviser=t1_member, to_team=t1, moved_by=manager)
        # Status changes out of the cycle and back into it.
        for i, c in enumerate(Client.objects.filter(team=t1, status=Status.UNEMPLOYED)[:6]):
            new = Status.EMPLOYED if i % 2 else Status.IN_SERVICE
            client_status_change(
                client=c,
                status=new,
                effective_on=max(today - dt.timedelta(days=20), c.status_since),
                changed_by=manager,
            )
        for c in Client.objects.filter(team=t1, status=Status.EMPLOYED)[:4]:
            client_status_change(
                client=c,
                status=Status.UNEMPLOYED,
                effective_on=max(today - dt.timedelta(days=3), c.status_since),
                changed_by=manager,
            )
        # No-shows and cancellations this month and last month.
        month_days = [today.replace(day=1), previous_month(today) + dt.timedelta(days=9)]
        extra = []
        for i, c in enumerate(Client.objects.filter(team__in=[t1, t2]).order_by("pk")[:24]):
            adviser = c.responsible_adviser or t1_member
            extra.append(
                Interview(
                    client=c,
                    adviser=adviser,
                    recorded_by=adviser,
                    held_at=dt.datetime.combine(month_days[i % 2], dt.time(0, 20), HELSINKI),
                    channel=Channel.values[i % 3],
                    outcome=Outcome.NO_SHOW if i % 3 else Outcome.CANCELLED,
                )
            )
        Interview.objects.bulk_create(extra)
    yield today
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
        # flush empties every table, the working-day calendar its data migration filled too:
        # fill it again, or the due engine's SQL of later tests loses the holidays.
        migration = importlib.import_module("interviews.migrations.0004_fill_working_calendar")
        migration.fill(django_apps, None)


def test_every_member_figure_equals_direct_sql(seeded):
    today = seeded
    for team in Team.objects.all():
        d = team_dashboard(team=team, today=today)
        expected = today_by_adviser(team.pk, today)
        rows = {r.key: r for r in d.members}
        if d.unassigned:
            rows[None] = d.unassigned
        got = {
            key: (r.caseload, r.required, r.covered, r.overdue, r.due_soon)
            for key, r in rows.items()
            if r.caseload
        }
        assert got == expected, team
        totals = tuple(sum(v[i] for v in expected.values()) for i in range(5))
        t = d.total
        assert (t.caseload, t.required, t.covered, t.overdue, t.due_soon) == totals


def test_interview_counts_equal_direct_sql_with_moves(seeded):
    today = seeded
    for team in Team.objects.filter(service_line__name="Supported employment"):
        d = team_dashboard(team=team, today=today)
        for month, attr in (
            (today.replace(day=1), "this_month"),
            (previous_month(today), "last_month"),
        ):
            expected = interviews_in_month(team.pk, month, today)
            for row in d.members:
                counts = getattr(row, attr)
                for channel in Channel.values:
                    assert counts.held[channel] == expected.get((row.key, channel, "held"), 0)
                assert counts.no_shows == sum(
                    n for (a, _c, o), n in expected.items() if a == row.key and o == "no_show"
                )
            total = getattr(d.total, attr)
            assert total.held_total == sum(n for (_a, _c, o), n in expected.items() if o == "held")
            assert total.no_shows == sum(n for (_a, _c, o), n in expected.items() if o == "no_show")
        line = list(Team.objects.filter(service_line=team.service_line))
        for point in d.trend:
            expected = interviews_in_month(team.pk, point.month, today)
            assert point.team_held == sum(
                n for (_a, _c, o), n in expected.items() if o == "held"
            ), point.month
            if point.month == today.replace(day=1):
                assert point.line_held is None  # counted once the month has closed
                continue
            assert point.line_held == sum(
                n
                for t in line
                for (_a, _c, o), n in interviews_in_month(t.pk, point.month, today).items()
                if o == "held"
            ), point.month


def test_kept_months_give_the_same_dashboard_as_the_history(seeded):
    """The trend's closed months read from the nightly job's kept snapshots and activity
    equal the same months computed from the history, for every team of the office."""
    from reports.models import ActivityMonth, CoverageDay
    from reports.services import coverage_snapshots_refresh

    today = seeded

    def figures(d):
        members = [(r.key, r.figures, r.this_month, r.last_month) for r in d.members]
        return d.trend, members, d.total

    teams = list(Team.objects.all())
    assert not CoverageDay.objects.exists()
    live = {team.pk: figures(team_dashboard(team=team, today=today)) for team in teams}
    try:
        coverage_snapshots_refresh(today=today, months=12)
        assert ActivityMonth.objects.count() == 12
        for team in teams:
            assert figures(team_dashboard(team=team, today=today)) == live[team.pk], team
        assert any(p.team_held for trend, _m, _t in live.values() for p in trend[:-1])
    finally:
        CoverageDay.objects.all().delete()  # the module's other tests read the history


def test_office_view_figures_equal_direct_sql(seeded):
    today = seeded
    team = Team.objects.get(name="Team 1")
    rows = service_line_overview(line=team.service_line, today=today, sort="coverage")
    for r in rows:
        expected = today_by_adviser(r.team.pk, today)
        caseload = sum(v[0] for v in expected.values())
        assert r.caseload == caseload
        assert r.figures.required == sum(v[1] for v in expected.values())
        assert r.figures.covered == sum(v[2] for v in expected.values())
        assert r.figures.overdue == sum(v[3] for v in expected.values())
        advisers = sql("SELECT COUNT(*) FROM teams_membership WHERE team_id = %s", [r.team.pk])
        assert r.advisers == advisers[0][0]
    coverages = [r.coverage_pct for r in rows]
    assert coverages == sorted(coverages)
