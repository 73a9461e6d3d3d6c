"""Coverage figures against hand-computed expectations and an independent reference."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Assignment, Client, Status, StatusChange
from interviews import rules, rulesets
from interviews.choices import Outcome
from interviews.models import Interview
from reports.figures import Figures
from reports.periods import LOCAL_ZONE as HELSINKI
from reports.periods import month_ends
from reports.selectors.coverage import coverage_by_month, coverage_on
from tests.conftest import make_client, make_interview
from tools.demo.office import seed_demo

pytestmark = pytest.mark.django_db
D = dt.date


def _status(client, new, on, old=""):
    StatusChange.objects.create(client=client, old_status=old, new_status=new, effective_on=on)


def _move(client, from_team, to_team, on, by, from_adviser=None, to_adviser=None):
    a = Assignment.objects.create(
        client=client,
        from_team=from_team,
        to_team=to_team,
        from_adviser=from_adviser,
        to_adviser=to_adviser,
        moved_by=by,
        batch=uuid.uuid4(),
    )
    moved = dt.datetime.combine(on, dt.time(12), HELSINKI)
    Assignment.objects.filter(pk=a.pk).update(moved_at=moved)


def test_month_ends():
    assert month_ends(D(2026, 11, 25), 3) == [D(2026, 9, 30), D(2026, 10, 31), D(2026, 11, 25)]
    assert month_ends(D(2026, 2, 28), 2) == [D(2026, 1, 31), D(2026, 2, 28)]


def test_hand_computed_edge_cases(team_a, team_b, adviser, outsider):
    day = D(2026, 6, 30)
    # 1. Covered: held 2026-04-15 (within three months of 30.6.).
    c1 = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c1, Status.UNEMPLOYED, D(2025, 1, 1))
    make_interview(c1, adviser, held_on=D(2026, 4, 15))
    # 2. Only a no-show since March: not covered, and overdue (due 2026-06-01).
    c2 = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c2, Status.UNEMPLOYED, D(2025, 1, 1))
    make_interview(c2, adviser, held_on=D(2026, 3, 1))
    make_interview(c2, adviser, held_on=D(2026, 6, 1), outcome=Outcome.NO_SHOW)
    # 3. Never interviewed, registered 2026-06-25: required, not covered, not yet overdue.
    c3 = make_client(team_a, registered_on=D(2026, 6, 25))
    _status(c3, Status.UNEMPLOYED, D(2026, 6, 25))
    # 4. Employed since May: not required on 30.6. (but required on 30.4.).
    c4 = make_client(
        team_a, registered_on=D(2025, 1, 1), status=Status.EMPLOYED, status_since=D(2026, 5, 1)
    )
    _status(c4, Status.UNEMPLOYED, D(2025, 1, 1))
    _status(c4, Status.EMPLOYED, D(2026, 5, 1), old=Status.UNEMPLOYED)
    # 5. Moved from team B to team A on 2026-06-10: counted in A on 30.6., in B on 31.5.
    c5 = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c5, Status.UNEMPLOYED, D(2025, 1, 1))
    make_interview(c5, outsider, held_on=D(2026, 5, 20))
    _move(c5, team_b, team_a, D(2026, 6, 10), by=adviser)
    # 6. Registered after the day: not counted at all.
    c6 = make_client(team_a, registered_on=D(2026, 7, 5))
    _status(c6, Status.UNEMPLOYED, D(2026, 7, 5))

    june = coverage_on(day, level="team")
    assert june[team_a.pk] == Figures(required=4, covered=2, overdue=1)  # c1, c2, c3, c5
    assert team_b.pk not in june
    assert june[team_a.pk].coverage_pct == 50.0

    may = coverage_on(D(2026, 5, 31), level="team")
    assert may[team_a.pk] == Figures(required=2, covered=2, overdue=0)  # c1, c2 (held 1.3.)
    assert may[team_b.pk] == Figures(required=1, covered=1, overdue=0)  # c5
    april = coverage_on(D(2026, 4, 30), team_ids=[team_a.pk])
    assert april[team_a.pk].required == 3

    office = coverage_on(day, level="office")
    assert office == {team_a.service_line.office_id: Figures(4, 2, 1)}
    advisers = coverage_on(day, level="adviser")
    assert sum((f for f in advisers.values()), Figures()) == Figures(4, 2, 1)


def _reference(day: dt.date) -> dict[int, Figures]:
    """An independent, row-by-row computation of the definitions in Python."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), HELSINKI)
    result: dict[int, Figures] = {}
    for client in Client.objects.all():
        changes = [s for s in client.status_changes.all() if s.effective_on <= day]
        if not changes:
            continue
        latest = max(changes, key=lambda s: (s.effective_on, s.pk))
        if not rules.required_on(latest.new_status, day):
            continue
        held = [
            (i.held_at.astimezone(HELSINKI).date(), i.kind)
            for i in client.interviews.all()
            if i.outcome == Outcome.HELD and i.held_at < end
        ]
        last = rules.last_clock_day(held, lambda on: rulesets.in_force(None, on))
        moves = sorted(client.assignments.all(), key=lambda a: (a.moved_at, a.pk))
        before = [a for a in moves if a.moved_at < end]
        after = [a for a in moves if a.moved_at >= end]
        team = (
            before[-1].to_team_id if before else after[0].from_team_id if after else client.team_id
        )
        figures = result.setdefault(team, Figures())
        figures.required += 1
        figures.covered += rules.covered_on(last, day)
        due = rules.next_due_date(
            status=latest.new_status, status_since=latest.effective_on, last_held_on=last
        )
        figures.overdue += due < day
    return result


def test_seeded_office_matches_the_reference_every_month():
    today = D(2026, 11, 25)
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        seed_demo(clients=400, seed=3, today=today)
    for day, figures in coverage_by_month(today, 12):
        assert figures == _reference(day), day
    # Today's coverage agrees with the stored due states too.
    now = coverage_on(today)
    assert (
        sum(f.overdue for f in now.values()) == Client.objects.filter(due_state="overdue").count()
    )


def test_query_count_is_one_per_day_whatever_the_size(team_a, adviser):
    for _i in range(3):
        c = make_client(team_a, registered_on=D(2025, 1, 1))
        _status(c, Status.UNEMPLOYED, D(2025, 1, 1))
    with CaptureQueriesContext(connection) as few:
        coverage_by_month(D(2026, 11, 25), 12, team_ids=[team_a.pk])
    for _i in range(30):
        c = make_client(team_a, registered_on=D(2025, 1, 1))
        _status(c, Status.UNEMPLOYED, D(2025, 1, 1))
        make_interview(c, adviser, held_on=D(2026, 10, 1))
    with CaptureQueriesContext(connection) as many:
        coverage_by_month(D(2026, 11, 25), 12, team_ids=[team_a.pk])
    assert len(many) == len(few) <= 14  # 11 closed months + snapshot check + today + teams


def test_interviews_are_counted_by_helsinki_day(team_a, adviser):
    """An interview at 00:30 Helsinki time on 1 July is 30 June in UTC: it counts for July."""
    c = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c, Status.UNEMPLOYED, D(2025, 1, 1))
    held_at = dt.datetime(2026, 7, 1, 0, 30, tzinfo=HELSINKI)
    Interview.objects.create(
        client=c,
        adviser=adviser,
        recorded_by=adviser,
        held_at=held_at,
        channel="phone",
        outcome="held",
    )
    assert coverage_on(D(2026, 6, 30))[team_a.pk].covered == 0
    assert coverage_on(D(2026, 7, 1))[team_a.pk].covered == 1


def test_kept_snapshots_equal_the_history_and_are_never_served_stale(team_a, adviser):
    from interviews.services import interview_log
    from reports.models import CoverageDay
    from reports.selectors.history import coverage_from_history
    from reports.services import coverage_days_invalidate, coverage_snapshots_refresh

    today = D(2026, 11, 25)
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        seed_demo(clients=300, seed=5, today=today)
        built = coverage_snapshots_refresh(months=12)
        assert len(built) == 12 and built[-1] == D(2026, 10, 31)
        assert coverage_snapshots_refresh(months=12) == []  # all fresh: nothing to build
        live = {day: coverage_on(day) for day, _f in coverage_by_month(today, 12)}
        for day in built[1:]:
            history = coverage_from_history(day)
            assert coverage_on(day) == live[day]
            assert sum(history.values(), Figures()) == sum(live[day].values(), Figures())

        # An interview recorded today but held on 30 October changes October's figures.
        client = Client.objects.filter(status="unemployed", last_held_on__lt=D(2026, 8, 1)).first()
        before = coverage_on(D(2026, 10, 31))[client.team_id]
        interview_log(
            client=client,
            adviser=adviser,
            channel="phone",
            outcome=Outcome.HELD,
            held_at=dt.datetime(2026, 10, 30, 10, tzinfo=HELSINKI),
        )
        # The kept day was rebuilt for the client's teams in the same transaction: it stays
        # fresh, and what is kept equals the history.
        assert not CoverageDay.objects.filter(stale=True).exists()
        after = coverage_on(D(2026, 10, 31))[client.team_id]
        assert after.covered == before.covered + 1
        assert after == sum(
            (
                f
                for (t, _a), f in coverage_from_history(D(2026, 10, 31)).items()
                if t == client.team_id
            ),
            Figures(),
        )
        assert coverage_snapshots_refresh(months=12) == []  # nothing left for the nightly job
        assert coverage_days_invalidate(since=today) == 0  # today is never kept


def test_today_from_columns_equals_today_from_history(team_a):
    from reports.selectors.coverage import _current
    from reports.selectors.history import coverage_from_history

    today = D(2026, 11, 25)
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        seed_demo(clients=300, seed=9, today=today)
        assert _current(today, None) == coverage_from_history(today)
