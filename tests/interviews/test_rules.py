"""The interview rule at its boundaries, in Python and as SQL (they must agree)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from clients.models import Client, Status
from interviews import rules, rules_sql
from interviews.choices import DueState
from tests.conftest import make_client

D = dt.date


@pytest.mark.parametrize(
    "day,months,expected",
    [
        (D(2026, 1, 15), 3, D(2026, 4, 15)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),  # clamped to February's end
        (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year
        (D(2026, 12, 31), 3, D(2027, 3, 31)),
        (D(2026, 10, 31), 1, D(2026, 11, 30)),
        (D(2026, 12, 1), 1, D(2027, 1, 1)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_next_due_is_three_months_after_the_last_held_interview():
    due = rules.next_due_date(
        status=Status.UNEMPLOYED, status_since=D(2026, 1, 1), last_held_on=D(2026, 3, 10)
    )
    assert due == D(2026, 6, 10)


RULE_2017 = [(D(2000, 1, 1), "periodic_2017")]  # an office that chose the 2017 rule


def test_first_interview_is_due_two_weeks_after_the_status_began_under_the_2017_rule():
    due = rules.next_due_date(
        status=Status.UNEMPLOYED, status_since=D(2026, 3, 1), last_held_on=None, schedule=RULE_2017
    )
    assert due == D(2026, 3, 15)


def test_first_interview_is_due_in_ten_working_days_under_the_law_of_2026():
    due = rules.next_due_date(
        status=Status.UNEMPLOYED, status_since=D(2026, 3, 1), last_held_on=None
    )
    assert due == D(2026, 3, 13)  # Sunday 1.3.: 2.–6.3. and 9.–13.3.


def test_history_from_before_the_current_status_does_not_count():
    due = rules.next_due_date(
        status=Status.UNEMPLOYED,
        status_since=D(2026, 5, 1),
        last_held_on=D(2026, 4, 20),
        schedule=RULE_2017,
    )
    assert due == D(2026, 5, 15)


@pytest.mark.parametrize("status", [Status.IN_SERVICE, Status.EMPLOYED, Status.NOT_JOB_SEEKER])
def test_clients_not_required_have_no_due_date(status):
    assert rules.next_due_date(status=status, status_since=D(2026, 1, 1), last_held_on=None) is None
    assert rules.due_state(None, D(2026, 6, 1)) == DueState.NOT_REQUIRED


@pytest.mark.parametrize(
    "today,expected",
    [
        (D(2026, 5, 16), DueState.OK),  # 15 days before
        (D(2026, 5, 17), DueState.DUE_SOON),  # 14 days before: due soon begins
        (D(2026, 5, 31), DueState.DUE_SOON),  # the due day itself
        (D(2026, 6, 1), DueState.OVERDUE),  # the day after
    ],
)
def test_due_state_boundaries(today, expected):
    assert rules.due_state(D(2026, 5, 31), today) == expected


@pytest.mark.parametrize("interval", [1, 3, 6])
def test_the_2017_rules_interval_is_a_setting(settings, interval):
    settings.INTERVIEW_INTERVAL_MONTHS = interval
    due = rules.next_due_date(
        status=Status.UNEMPLOYED,
        status_since=D(2025, 1, 1),
        last_held_on=D(2025, 1, 31),
        schedule=RULE_2017,
    )
    assert due == rules.add_months(D(2025, 1, 31), interval)


@pytest.mark.django_db
def test_sql_rule_agrees_with_python_rule(team_a):
    """Every status and a spread of dates: the SQL expressions give what Python gives."""
    today = D(2026, 11, 25)
    cases = []
    for status in Status.values:
        for since in (D(2025, 2, 28), D(2026, 8, 31), D(2026, 11, 20)):
            for held in (None, D(2025, 11, 30), D(2026, 8, 31), D(2026, 11, 1), D(2026, 2, 28)):
                cases.append(
                    make_client(
                        team_a,
                        status=status,
                        status_since=since,
                        registered_on=since,
                        last_held_on=held,
                    )
                )
    Client.objects.update(next_due_date=None, due_state=DueState.OK)
    Client.objects.update(next_due_date=rules_sql.next_due_date_expression())
    Client.objects.update(due_state=rules_sql.due_state_expression(today))
    for client in Client.objects.all():
        expected_due = rules.next_due_date(
            status=client.status,
            status_since=client.status_since,
            last_held_on=client.last_held_on,
        )
        assert client.next_due_date == expected_due, client.__dict__
        assert client.due_state == rules.due_state(expected_due, today)
    assert len(cases) == Client.objects.count()


@pytest.mark.django_db
def test_due_state_moves_with_time(team_a):
    """Time travel: a client held on 1 March is ok, then due soon, then overdue."""
    from interviews.services import due_states_refresh

    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False):
        client = make_client(team_a, registered_on=D(2025, 1, 1), last_held_on=D(2026, 3, 1))
        assert client.next_due_date == D(2026, 6, 1)
        assert client.due_state == DueState.OK
    with time_machine.travel(dt.datetime(2026, 5, 18, 12, tzinfo=dt.UTC), tick=False):
        due_states_refresh()
        client.refresh_from_db()
        assert client.due_state == DueState.DUE_SOON
        assert client.due_state_on(timezone.localdate()) == DueState.DUE_SOON
    with time_machine.travel(dt.datetime(2026, 6, 2, 12, tzinfo=dt.UTC), tick=False):
        due_states_refresh()
        client.refresh_from_db()
        assert client.due_state == DueState.OVERDUE


@pytest.mark.parametrize(
    "due,expected",
    [
        (D(2026, 12, 31), D(2026, 12, 28)),  # a week before is Christmas Eve: Monday 28.12.
        (D(2027, 1, 13), D(2027, 1, 7)),  # a week before is Epiphany (6.1.): the day after
        (D(2026, 12, 16), D(2026, 12, 9)),  # an ordinary Wednesday stays
    ],
)
def test_the_suggested_booking_day_skips_weekends_and_public_holidays(due, expected):
    from interviews.views import suggested_start

    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC), tick=False):
        start = suggested_start(due)
    assert timezone.localtime(start).date() == expected
