from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from interviews.choices import DueState
from interviews.models import DueRun
from interviews.services import DUE_RUN_LOCK_KEY, due_states_refresh
from tests.conftest import make_client, make_interview

D = dt.date
TODAY = D(2026, 11, 25)


def _spread(team, n: int) -> list[Client]:
    """n clients whose due dates fall on both sides of every boundary."""
    return [
        make_client(
            team,
            registered_on=D(2025, 1, 1),
            last_held_on=TODAY - dt.timedelta(days=30 + (i * 7) % 90),
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_daily_run_updates_only_stale_states_and_is_idempotent(team_a):
    clients = _spread(team_a, 20)
    Client.objects.update(due_state=DueState.NOT_REQUIRED)  # all stale now
    first = due_states_refresh(today=TODAY)
    assert first.changed == 20
    second = due_states_refresh(today=TODAY)
    assert second.changed == 0
    for client in Client.objects.all():
        assert client.due_state == client.due_state_on(TODAY)
    assert {c.pk for c in clients} == set(Client.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_full_run_recomputes_from_interviews(team_a, adviser):
    client = make_client(team_a, registered_on=D(2025, 1, 1))
    make_interview(client, adviser, held_on=D(2026, 10, 1))
    make_interview(client, adviser, held_on=D(2026, 11, 1), outcome="no_show")
    assert client.last_held_on is None  # written behind the services' back
    run = due_states_refresh(today=TODAY, full=True)
    client.refresh_from_db()
    assert client.last_held_on == D(2026, 10, 1)  # a no-show does not reset the cycle
    assert client.last_channel == "phone"
    # Three months on is 1.1.2027, New Year's Day: the law in force (2026) moves it to Monday.
    assert client.next_due_date == D(2027, 1, 4)
    assert client.due_state == DueState.OK
    assert run.changed == 1
    assert due_states_refresh(today=TODAY, full=True).changed == 0


@pytest.mark.django_db
@pytest.mark.parametrize("full", [False, True])
def test_query_count_does_not_grow_with_clients(team_a, full):
    _spread(team_a, 1)
    with CaptureQueriesContext(connection) as one:
        due_states_refresh(today=TODAY, full=full)
    _spread(team_a, 60)
    Client.objects.update(due_state=DueState.NOT_REQUIRED)
    with CaptureQueriesContext(connection) as many:
        run = due_states_refresh(today=TODAY, full=full)
    assert run.changed == 61
    assert len(many) == len(one)
    assert len(many) <= 8


@pytest.mark.django_db
def test_each_run_is_recorded(team_a):
    _spread(team_a, 3)
    call_command("flag_due", "--today", "2026-11-25")
    run = DueRun.objects.latest()
    assert run.as_of == TODAY and run.finished_at and run.duration_ms is not None
    assert not run.skipped


@pytest.mark.django_db(transaction=True)
def test_an_overlapping_run_is_skipped_not_doubled(team_a):
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises writers itself")
    _spread(team_a, 5)
    Client.objects.update(due_state=DueState.NOT_REQUIRED)
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DUE_RUN_LOCK_KEY])
                holding.set()
                release.wait(10)
                cursor.execute("ROLLBACK")
        finally:
            other.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert holding.wait(10)
        run = due_states_refresh(today=TODAY)
        assert run.skipped and run.changed == 0
        assert Client.objects.filter(due_state=DueState.NOT_REQUIRED).count() == 5
    finally:
        release.set()
        thread.join()
    assert due_states_refresh(today=TODAY).changed == 5
    with transaction.atomic():
        assert DueRun.objects.filter(skipped=True).count() == 1


@pytest.mark.django_db
def test_a_changed_rule_makes_the_next_daily_run_recompute_everyone_once(team_a):
    """A deploy that changes the rule (here: the law in force became the default, so a
    client's stored date from the 2017 rule is stale) recomputes every client in the next
    daily run, in one set-based run; the run after it is a plain daily one again."""
    from interviews import rulesets
    from reports.models import CoverageDay

    # Unemployed from Friday 11.12.2026: the 2017 rule said 25.12. (Christmas Day); the
    # 2026 reform's ten working days skip 24.–26.12. and end on Tuesday 29.12.
    client = make_client(team_a, registered_on=D(2026, 12, 11))
    Client.objects.filter(pk=client.pk).update(next_due_date=D(2026, 12, 25))  # as stored before
    at = dt.datetime(2026, 11, 24, 22, tzinfo=dt.UTC)
    kept = CoverageDay.objects.create(day=D(2026, 10, 31), computed_at=at, stale=False)
    DueRun.objects.create(mode="daily", started_at=at, as_of=TODAY - dt.timedelta(days=1))

    run = due_states_refresh(today=TODAY)

    assert run.mode == DueRun.Mode.FULL and run.rules == rulesets.fingerprint()
    client.refresh_from_db()
    assert client.next_due_date == D(2026, 12, 29)
    Client.objects.filter(pk=client.pk).update(next_due_date=D(2026, 12, 25))
    assert due_states_refresh(today=TODAY).mode == DueRun.Mode.DAILY  # same rule: daily only
    assert Client.objects.get(pk=client.pk).next_due_date == D(2026, 12, 25)
    kept.refresh_from_db()
    assert not kept.stale  # kept coverage of closed months does not change
