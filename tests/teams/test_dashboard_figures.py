"""The dashboard's aggregates against hand-computed expectations, and its query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.models import Status
from clients.services import clients_reassign
from interviews.choices import Channel, Outcome
from reports.dashboard.rows import previous_month, suggest_receiver
from reports.dashboard.team import team_dashboard
from reports.periods import LOCAL_ZONE as HELSINKI
from teams.models import Role
from tests.conftest import make_user

from .helpers import client_with_history, interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(team_a, team_b, adviser, teammate, lead, outsider, manager):
    """Team A (target 3): alice, bob, lena (lead); team B: charlie. See the test for sums."""
    team_a.target_caseload = 3
    team_a.save(update_fields=["target_caseload"])
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=400)
    this_month = today.replace(day=1)
    last_month = previous_month(today) + dt.timedelta(days=14)
    # alice: one covered (held this month by phone), one never interviewed (overdue, with a
    # no-show and a cancellation this month).
    c1 = client_with_history(
        team_a, responsible_adviser=adviser, registered_on=long_ago, last_held_on=this_month
    )
    interview(c1, adviser, this_month)
    c2 = client_with_history(team_a, responsible_adviser=adviser, registered_on=long_ago)
    interview(c2, adviser, this_month, outcome=Outcome.NO_SHOW)
    interview(c2, adviser, this_month, outcome=Outcome.CANCELLED)
    # bob: laid off, last held 120 days ago (overdue, not covered); employed (not required);
    # new registration five days ago (due within 14 days).
    c3 = client_with_history(
        team_a,
        responsible_adviser=teammate,
        status=Status.LAID_OFF,
        registered_on=long_ago,
        last_held_on=today - dt.timedelta(days=120),
    )
    interview(c3, teammate, today - dt.timedelta(days=120))
    client_with_history(
        team_a, responsible_adviser=teammate, status=Status.EMPLOYED, registered_on=long_ago
    )
    client_with_history(
        team_a, responsible_adviser=teammate, registered_on=today - dt.timedelta(days=5)
    )
    # Unassigned: held last month face to face by the lead.
    c6 = client_with_history(team_a, registered_on=long_ago, last_held_on=last_month)
    interview(c6, lead, last_month, channel=Channel.FACE_TO_FACE)
    # Moved in from team B today; its video interview last month counts for team B.
    c7 = client_with_history(
        team_b, responsible_adviser=outsider, registered_on=long_ago, last_held_on=last_month
    )
    interview(c7, outsider, last_month, channel=Channel.VIDEO)
    clients_reassign(client_ids=[c7.pk], to_adviser=teammate, to_team=team_a, moved_by=manager)
    # Team B keeps one client of its own.
    client_with_history(team_b, responsible_adviser=outsider, registered_on=long_ago)
    return today


def test_member_and_team_figures_match_hand_computed_values(scene, team_a, adviser, teammate, lead):
    d = team_dashboard(team=team_a, today=scene)
    rows = {r.key: r for r in d.members}

    alice, bob, lena = rows[adviser.pk], rows[teammate.pk], rows[lead.pk]
    assert (alice.caseload, alice.required, alice.covered, alice.overdue, alice.due_soon) == (
        2,
        2,
        1,
        1,
        0,
    )
    assert alice.coverage_pct == 50.0
    assert alice.this_month.held == {"phone": 1, "face_to_face": 0, "video": 0}
    assert alice.this_month.no_shows == 1  # the cancellation is not a no-show
    assert (bob.caseload, bob.required, bob.covered, bob.overdue, bob.due_soon) == (4, 3, 1, 1, 1)
    assert bob.last_month.held_total == 0  # c7's interview was held in team B, by charlie
    assert (lena.caseload, lena.required, lena.last_month.held["face_to_face"]) == (0, 0, 1)
    assert d.unassigned.caseload == 1 and d.unassigned.covered == 1

    t = d.total
    assert (t.caseload, t.required, t.covered, t.overdue, t.due_soon) == (7, 6, 3, 2, 1)
    assert t.coverage_pct == 50.0
    assert t.this_month.held_total == 1 and t.this_month.no_shows == 1
    assert t.last_month.held == {"phone": 0, "face_to_face": 1, "video": 0}


def test_load_against_target_and_suggestion(scene, team_a, adviser, teammate, lead):
    d = team_dashboard(team=team_a, today=scene)
    rows = {r.key: r for r in d.members}
    assert rows[teammate.pk].load_pct == 133 and rows[teammate.pk].over_target
    assert [r.key for r in d.overloaded] == [teammate.pk]
    assert rows[adviser.pk].load_pct == 67 and not rows[adviser.pk].over_target
    assert d.suggested.key == lead.pk  # nobody has less load
    assert suggest_receiver(d.members, exclude=[lead.pk]).key == adviser.pk


def test_suggestion_breaks_load_ties_by_fewest_overdue(team_a, adviser, teammate):
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=400)
    client_with_history(team_a, responsible_adviser=adviser, registered_on=long_ago)  # overdue
    held = client_with_history(
        team_a, responsible_adviser=teammate, registered_on=long_ago, last_held_on=today
    )
    interview(held, teammate, today)
    d = team_dashboard(team=team_a, today=today)
    assert d.suggested.key == teammate.pk


def test_trend_shows_team_against_service_line(scene, team_a):
    d = team_dashboard(team=team_a, today=scene)
    assert len(d.trend) == 12
    now, before = d.trend[-1], d.trend[-2]
    assert now.month == scene.replace(day=1)
    assert (now.team.required, now.team.covered) == (6, 3)
    assert (now.line.required, now.line.covered) == (7, 3)  # plus team B's never-interviewed
    # The line's running month is counted once it closes; the team's is today's.
    assert (now.team_held, now.line_held) == (1, None)
    assert (before.team_held, before.line_held) == (1, 2)  # team B's video interview
    assert now.team_held_per_adviser == round(1 / 3, 1)
    assert now.line_held_per_adviser is None
    assert before.line_held_per_adviser == round(2 / 4, 1)


@pytest.fixture
def moved_mid_year(team_a, team_b, adviser, outsider, manager):
    """A client moved from A to B on the 10th of a month three months ago, and one moved
    today, with interviews around the moves. Returns the months the test reads."""
    from clients.models import Assignment

    today = timezone.localdate()
    last_month = previous_month(today)
    move_month = previous_month(previous_month(last_month))
    long_ago = today - dt.timedelta(days=400)
    months = {
        "this": today.replace(day=1),
        "last": last_month,
        "move": move_month,
        "before": previous_month(move_month),
        "after": previous_month(last_month),
    }
    mover = client_with_history(team_a, responsible_adviser=adviser, registered_on=long_ago)
    interview(mover, adviser, months["before"] + dt.timedelta(days=14))  # A
    interview(mover, adviser, move_month + dt.timedelta(days=4))  # B: the month ends there
    clients_reassign(client_ids=[mover.pk], to_adviser=outsider, to_team=team_b, moved_by=manager)
    Assignment.objects.filter(client=mover).update(
        moved_at=dt.datetime.combine(move_month + dt.timedelta(days=9), dt.time(12), HELSINKI)
    )
    interview(mover, outsider, move_month + dt.timedelta(days=19), channel=Channel.VIDEO)  # B
    interview(mover, outsider, months["after"] + dt.timedelta(days=4))  # B
    # Moved from A to B today: last month's interview stays with A, this month's goes to B.
    today_mover = client_with_history(team_a, responsible_adviser=adviser, registered_on=long_ago)
    interview(today_mover, adviser, last_month + dt.timedelta(days=9))
    interview(today_mover, adviser, months["this"], channel=Channel.FACE_TO_FACE)
    clients_reassign(
        client_ids=[today_mover.pk], to_adviser=outsider, to_team=team_b, moved_by=manager
    )
    # Someone who stayed in B, for the line's figures.
    stayer = client_with_history(team_b, responsible_adviser=outsider, registered_on=long_ago)
    interview(stayer, outsider, move_month + dt.timedelta(days=2))
    return today, months


@pytest.mark.parametrize("kept", [False, True], ids=["from history", "kept months"])
def test_interviews_count_for_the_team_the_client_had_at_the_months_end(
    moved_mid_year, team_a, team_b, adviser, kept
):
    """A client who moved mid-month counts for the new team for the whole month (its end)
    and for the old team before; the same read from kept months or from the history."""
    from reports.services import coverage_snapshots_refresh

    today, months = moved_mid_year
    if kept:
        coverage_snapshots_refresh(today=today, months=12)

    a = team_dashboard(team=team_a, today=today)
    b = team_dashboard(team=team_b, today=today)
    held_a = {p.month: p.team_held for p in a.trend}
    held_b = {p.month: p.team_held for p in b.trend}
    expected = {"before": (1, 0), "move": (0, 3), "after": (0, 1), "last": (1, 0), "this": (0, 1)}
    for name, (in_a, in_b) in expected.items():
        assert (held_a[months[name]], held_b[months[name]]) == (in_a, in_b), name
    for p in a.trend[:-1]:
        assert p.line_held == held_a[p.month] + held_b[p.month], p.month
    # The table per adviser: the team at the month's end, the adviser who held it.
    alice = next(r for r in a.members if r.key == adviser.pk)
    assert (alice.last_month.held_total, alice.this_month.held_total) == (1, 0)
    assert (a.total.last_month.held_total, a.total.this_month.held_total) == (1, 0)
    assert b.total.this_month.held == {"phone": 0, "face_to_face": 1, "video": 0}
    assert b.total.last_month.held_total == 0


def test_narrow_history_reads_equal_the_office_wide_ones(moved_mid_year, team_a, team_b):
    """Computing a month that is not kept from the teams' clients only (what the dashboard
    does) gives what the office-wide computation gives, moved clients included."""
    from reports.periods import month_end, month_ends
    from reports.selectors.activity import activity_by_key
    from reports.selectors.history import coverage_from_history

    today, months = moved_mid_year
    for ids in ([team_a.pk], [team_b.pk], [team_a.pk, team_b.pk]):
        for day in month_ends(today, 12)[:-1]:
            wide = coverage_from_history(day, ids)
            assert coverage_from_history(day, ids, narrow=True) == wide, (ids, day)
        first, last = months["before"], month_end(months["last"])
        read = {
            narrow: activity_by_key(
                first, last, level="team", team_ids=ids, narrow=narrow, by_month=True
            )
            for narrow in (False, True)
        }
        assert read[True] == read[False] and read[True], ids
    # At the move's month end B had the mover and its own client; A the one moved today.
    at_move = coverage_from_history(month_end(months["move"]), [team_b.pk], narrow=True)
    assert sum(f.required for f in at_move.values()) == 2


def _count_queries(team, today) -> int:
    with CaptureQueriesContext(connection) as ctx:
        team_dashboard(team=team, today=today)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_members_or_clients(team_a, team_b, adviser, manager):
    from reports.services import coverage_snapshots_refresh

    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=400)
    small = client_with_history(team_b, registered_on=long_ago)
    b_user = make_user("solo", team=team_b)
    small.responsible_adviser = b_user
    small.save(update_fields=["responsible_adviser"])
    few = _count_queries(team_b, today)

    members = [adviser] + [make_user(f"member{i}", team=team_a) for i in range(4)]
    make_user("lead5", team=team_a, role=Role.LEAD)
    moved = []
    for i in range(60):
        who = members[i % len(members)]
        held = today - dt.timedelta(days=i * 5)
        c = client_with_history(
            team_a, responsible_adviser=who, registered_on=long_ago, last_held_on=held
        )
        interview(c, who, held, channel=Channel.values[i % 3])
        interview(c, who, held - dt.timedelta(days=3), outcome=Outcome.NO_SHOW)
        moved.append(c.pk)
    clients_reassign(client_ids=moved[:20], to_adviser=b_user, to_team=team_b, moved_by=manager)
    many = _count_queries(team_a, today)
    assert few == many == _count_queries(team_b, today)
    # Nothing kept (a new office): line teams, coverage (kept month ends: none; 11 closed
    # month ends from history; today), members, caseload, interviews this month and last
    # month, kept activity months (none), interviews held per closed month (computed in
    # that one statement), partner referral outcomes this month and last month.
    assert many == 21

    # The nightly job's kept months: the month ends' coverage and activity are read.
    coverage_snapshots_refresh(today=today, months=12)
    kept = _count_queries(team_a, today)
    assert kept == _count_queries(team_b, today) == 10
