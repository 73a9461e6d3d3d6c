"""Late entries (issue 21): an interview, a no-show, a cancellation or a status change dated in
a closed month rebuilds, in the writing transaction, the kept figures of the teams the client
was ever in, so no page computes a kept month from the history."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from clients.choices import Status
from clients.models import Client
from clients.services import client_status_change, clients_reassign
from interviews.choices import Outcome
from interviews.services import interview_log
from reports.models import ActivityCount, ActivityLineCount, CoverageDay, CoverageSnapshot
from reports.selectors.activity_sql import pairs_from_history_sql
from reports.selectors.history import coverage_from_history
from reports.services import REBUILD_TEAMS_MAX, coverage_snapshots_refresh, kept_figures_rebuild
from tests.conftest import make_user
from tools.demo.office import seed_demo

pytestmark = pytest.mark.django_db
D = dt.date
HELSINKI = ZoneInfo("Europe/Helsinki")
TODAY = D(2026, 11, 25)


def _kept(day: dt.date) -> dict:
    rows = CoverageSnapshot.objects.filter(day__day=day)
    return {
        (r.team_id, r.adviser_id): (r.required, r.covered, r.overdue)
        for r in rows
        if r.required or r.covered or r.overdue
    }


def _history(day: dt.date) -> dict:
    return {
        pair: (f.required, f.covered, f.overdue)
        for pair, f in coverage_from_history(day).items()
        if f.required or f.covered or f.overdue
    }


def _activity_kept(day: dt.date) -> tuple[Counter, Counter]:
    teams = Counter(
        {
            (r.team_id, r.adviser_id, r.kind, r.value): r.n
            for r in ActivityCount.objects.filter(month__day__day=day)
        }
    )
    lines = Counter(
        {
            (r.service_line_id, r.kind, r.value): r.n
            for r in ActivityLineCount.objects.filter(month__day__day=day)
        }
    )
    return teams, lines


def _activity_history(day: dt.date) -> Counter:
    sql, params = pairs_from_history_sql(day.replace(day=1), day, None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Counter({(t, a, k, v): n for t, a, k, v, n in cursor.fetchall() if v is not None})


def _assert_kept_equal_history(days):
    from teams.models import Team

    line_of = dict(Team.objects.values_list("pk", "service_line_id"))
    for day in days:
        assert _kept(day) == _history(day), day
        if day.month != (day + dt.timedelta(days=1)).month:
            teams, lines = _activity_kept(day)
            history = _activity_history(day)
            assert teams == history, day
            summed = Counter()
            for (team, _adviser, kind, value), n in history.items():
                summed[(line_of[team], kind, value)] += n
            assert lines == summed, day


@pytest.fixture
def office_with_kept_months(db):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        seed_demo(clients=300, seed=11, today=TODAY)
        built = coverage_snapshots_refresh(months=6)
        yield built


def test_late_entries_rebuild_only_their_teams_and_keep_the_days_fresh(office_with_kept_months):
    built = office_with_kept_months
    adviser = make_user("late")
    clients = list(Client.objects.filter(status=Status.UNEMPLOYED).order_by("pk")[:3])
    other_teams = {c.team_id for c in Client.objects.exclude(team_id=clients[0].team_id)}
    untouched = {
        day: {p: f for p, f in _kept(day).items() if p[0] in other_teams - {clients[0].team_id}}
        for day in built
    }
    # A held interview in October, a no-show in August, a status change in September.
    interview_log(
        client=clients[0],
        adviser=adviser,
        channel="phone",
        outcome=Outcome.HELD,
        held_at=dt.datetime(2026, 10, 30, 10, tzinfo=HELSINKI),
    )
    interview_log(
        client=clients[1],
        adviser=adviser,
        channel="video",
        outcome=Outcome.NO_SHOW,
        held_at=dt.datetime(2026, 8, 3, 9, tzinfo=HELSINKI),
    )
    client_status_change(
        client=clients[2], status=Status.EMPLOYED, effective_on=D(2026, 9, 10), changed_by=adviser
    )
    assert not CoverageDay.objects.filter(stale=True).exists()
    _assert_kept_equal_history(built)
    # Teams none of the clients were ever in kept their rows as they were.
    for day in built:
        touched = {c.team_id for c in clients}
        assert {p: f for p, f in _kept(day).items() if p[0] in other_teams - touched} == {
            p: f for p, f in untouched[day].items() if p[0] not in touched
        }


def test_a_moved_client_rebuilds_both_teams(office_with_kept_months):
    built = office_with_kept_months
    lead = make_user("mover", is_superuser=True)
    client = Client.objects.filter(status=Status.UNEMPLOYED).order_by("pk").first()
    target = Client.objects.exclude(team_id=client.team_id).first().team
    clients_reassign(client_ids=[client.pk], to_adviser=None, to_team=target, moved_by=lead)
    interview_log(
        client=client,
        adviser=lead,
        channel="phone",
        outcome=Outcome.HELD,
        held_at=dt.datetime(2026, 9, 29, 10, tzinfo=HELSINKI),
    )
    assert not CoverageDay.objects.filter(stale=True).exists()
    _assert_kept_equal_history(built)


def test_a_change_across_many_teams_leaves_the_days_to_the_nightly_job(office_with_kept_months):
    """An import into more than REBUILD_TEAMS_MAX teams is not rebuilt in its transaction."""
    from teams.models import Team

    built = office_with_kept_months
    team_ids = list(Team.objects.values_list("pk", flat=True))
    one_per_team = {}
    for pk, team in Client.objects.values_list("pk", "team_id"):
        one_per_team.setdefault(team, pk)
    if len(one_per_team) <= REBUILD_TEAMS_MAX:
        extra = REBUILD_TEAMS_MAX + 1 - len(one_per_team)
        office = Team.objects.get(pk=team_ids[0]).service_line
        for i in range(extra):
            team = Team.objects.create(service_line=office, name=f"Extra {i}")
            client = Client.objects.exclude(pk__in=one_per_team.values()).first()
            Client.objects.filter(pk=client.pk).update(team=team)
            one_per_team[team.pk] = client.pk
    assert kept_figures_rebuild(since=built[0], client_ids=list(one_per_team.values())) == []
    assert set(CoverageDay.objects.filter(stale=True).values_list("day", flat=True)) == set(built)
