"""Issue 17, point 4: re-entry. A client whose job seeking restarts within six months
continues the cycle; after a break of at least six months a new initial interview is due."""

from __future__ import annotations

import datetime as dt

import pytest

from clients.models import Client, Status
from clients.services import client_create, client_status_change
from interviews import rules, rulesets
from interviews.services import due_states_refresh
from tests.conftest import make_code, make_interview

D = dt.date
U, E, L = Status.UNEMPLOYED, Status.EMPLOYED, Status.LAID_OFF


def _law(day: dt.date) -> rulesets.RuleSet:
    return rulesets.in_force(None, day)


@pytest.mark.parametrize(
    "changes,start",
    [
        # Back within six months: the cycle goes on from the first unemployment.
        ([(D(2026, 1, 5), U), (D(2026, 3, 2), E), (D(2026, 7, 1), U)], D(2026, 1, 5)),
        # A break of exactly six months (2.3. to 2.9.) is "at least six months": a new cycle.
        ([(D(2026, 1, 5), U), (D(2026, 3, 2), E), (D(2026, 9, 2), U)], D(2026, 9, 2)),
        ([(D(2026, 1, 5), U), (D(2026, 3, 2), E), (D(2026, 9, 1), U)], D(2026, 1, 5)),
        # Moving between required statuses is no break.
        ([(D(2026, 1, 5), U), (D(2026, 2, 2), L)], D(2026, 1, 5)),
        # A first status that needs no discussions starts nothing.
        ([(D(2026, 1, 5), E), (D(2026, 2, 2), U)], D(2026, 2, 2)),
        # The 2017 rule counted continuous unemployment: every change starts over.
        ([(D(2020, 1, 6), U), (D(2020, 2, 3), L)], D(2020, 2, 3)),
        # The rule set of the return's day decides: a return in 2022 under the Nordic model.
        ([(D(2021, 12, 1), U), (D(2022, 1, 3), E), (D(2022, 5, 2), U)], D(2021, 12, 1)),
    ],
)
def test_the_cycle_starts_over_only_after_a_break_of_six_months(changes, start):
    assert rules.cycle_start(changes, _law) == start


def test_as_of_a_day_only_the_changes_until_then_count():
    changes = [(D(2026, 1, 5), U), (D(2026, 3, 2), E), (D(2026, 7, 1), U)]
    # The latest change that started a cycle (the status in force, employed, needs none).
    assert rules.cycle_start(changes, _law, D(2026, 5, 1)) == D(2026, 1, 5)
    assert rules.cycle_start(changes, _law, D(2025, 5, 1)) is None


def _registered(team, adviser, since: dt.date):
    return client_create(
        personal_identity_code=make_code(),
        first_name="Aino",
        last_name="Ärrä",
        team=team,
        status=U,
        registered_on=since,
        status_since=since,
        created_by=adviser,
    )


def test_a_client_back_within_six_months_continues_from_the_last_discussion(team_a, adviser):
    client = _registered(team_a, adviser, D(2026, 1, 5))
    make_interview(client, adviser, held_on=D(2026, 1, 12))
    client.last_held_on = D(2026, 1, 12)
    client_status_change(client=client, status=E, effective_on=D(2026, 2, 2), changed_by=adviser)
    client_status_change(client=client, status=U, effective_on=D(2026, 5, 4), changed_by=adviser)
    client.refresh_from_db()
    assert client.cycle_since == D(2026, 1, 5)
    # Three months after the discussion on 12.1.: 12.4.2026 (a Sunday) moves to 13.4.
    assert client.next_due_date == D(2026, 4, 13)
    # The full recompute (set-based) agrees.
    Client.objects.filter(pk=client.pk).update(cycle_since=None, next_due_date=None)
    due_states_refresh(today=D(2026, 11, 1), full=True)
    client.refresh_from_db()
    assert (client.cycle_since, client.next_due_date) == (D(2026, 1, 5), D(2026, 4, 13))


def test_after_six_months_away_a_new_initial_interview_is_due(team_a, adviser):
    client = _registered(team_a, adviser, D(2026, 1, 5))
    make_interview(client, adviser, held_on=D(2026, 1, 12))
    client.last_held_on = D(2026, 1, 12)
    client_status_change(client=client, status=E, effective_on=D(2026, 2, 2), changed_by=adviser)
    client_status_change(client=client, status=U, effective_on=D(2026, 8, 3), changed_by=adviser)
    client.refresh_from_db()
    assert client.cycle_since is None  # the cycle began with the status
    # The initial interview within 10 working days of 3.8.2026: 17.8.2026.
    assert client.next_due_date == D(2026, 8, 17)
