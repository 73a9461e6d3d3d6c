"""Each rule set over boundary dates, Finnish holidays and status pauses, in Python and SQL."""

from __future__ import annotations

import datetime as dt

import pytest

from clients.models import Client, Status
from interviews import rules, rulesets
from interviews.services import due_states_refresh, office_rule_set_choose
from tests.conftest import make_client, make_interview

D = dt.date


def _due(code, since, held=None, status=Status.UNEMPLOYED):
    schedule = [(D(2000, 1, 1), code)]
    return rules.next_due_date(
        status=status, status_since=since, last_held_on=held, schedule=schedule
    )


@pytest.mark.parametrize(
    "code,since,expected",
    [
        # periodic_2017: 14 calendar days, never moved (the default, as before rule sets)
        ("periodic_2017", D(2026, 6, 6), D(2026, 6, 20)),  # Midsummer Day stays
        ("periodic_2017", D(2026, 12, 11), D(2026, 12, 25)),  # Christmas Day stays
        # nordic_2022: 5 working days
        ("nordic_2022", D(2026, 3, 2), D(2026, 3, 9)),  # Mon -> next Mon
        ("nordic_2022", D(2026, 3, 6), D(2026, 3, 13)),  # Fri -> next Fri
        ("nordic_2022", D(2026, 3, 7), D(2026, 3, 13)),  # Sat: counting starts Monday
        ("nordic_2022", D(2026, 6, 15), D(2026, 6, 23)),  # Midsummer Eve skipped
        ("nordic_2022", D(2026, 12, 21), D(2026, 12, 30)),  # Christmas Eve, Day, Boxing Day
        ("nordic_2022", D(2026, 4, 1), D(2026, 4, 10)),  # Easter 2026: 3.4. and 6.4.
        ("nordic_2022", D(2027, 3, 24), D(2027, 4, 2)),  # Easter 2027: 26.3. and 29.3.
        ("nordic_2022", D(2026, 4, 29), D(2026, 5, 7)),  # May Day
        # reform_2026: 10 working days
        ("reform_2026", D(2026, 3, 2), D(2026, 3, 16)),
        ("reform_2026", D(2026, 12, 21), D(2027, 1, 8)),  # Christmas, New Year, Epiphany
        ("reform_2026", D(2027, 12, 3), D(2027, 12, 20)),  # Independence Day 2027 (Mon)
    ],
)
def test_first_interview_deadline(code, since, expected):
    assert _due(code, since) == expected


@pytest.mark.parametrize(
    "code,since,held,expected",
    [
        ("periodic_2017", D(2025, 10, 1), D(2026, 3, 20), D(2026, 6, 20)),  # a Saturday, kept
        # three months on lands on Midsummer Day (Sat): moved to Monday
        ("nordic_2022", D(2025, 10, 1), D(2026, 3, 20), D(2026, 6, 22)),
        ("reform_2026", D(2025, 10, 1), D(2026, 3, 20), D(2026, 6, 22)),
        # Christmas Eve 2026 (Thu) -> Monday 28.12.
        ("reform_2026", D(2025, 1, 1), D(2026, 9, 24), D(2026, 12, 28)),
        # nordic supplementary phase: every two weeks for the first three months
        ("nordic_2022", D(2026, 3, 2), D(2026, 3, 6), D(2026, 3, 20)),
        ("nordic_2022", D(2026, 3, 2), D(2026, 5, 29), D(2026, 6, 12)),
        ("nordic_2022", D(2026, 3, 2), D(2026, 6, 1), D(2026, 6, 15)),  # last day of the phase
        ("nordic_2022", D(2026, 3, 2), D(2026, 6, 2), D(2026, 9, 2)),  # phase over
        ("nordic_2022", D(2026, 3, 2), D(2026, 3, 24), D(2026, 4, 7)),  # 7.4. after Easter
        ("nordic_2022", D(2026, 3, 2), D(2026, 3, 20), D(2026, 4, 7)),  # 3.4. Good Friday
        # reform: no scheduled supplementary conversations
        ("reform_2026", D(2026, 3, 2), D(2026, 3, 6), D(2026, 6, 8)),  # 6.6. Sat -> Mon
    ],
)
def test_next_interview_after_a_held_one(code, since, held, expected):
    assert _due(code, since, held) == expected


@pytest.mark.parametrize("code", rulesets.CODES)
@pytest.mark.parametrize(
    "status", [Status.IN_SERVICE, Status.NOT_JOB_SEEKER, Status.EMPLOYED, Status.PART_TIME]
)
def test_no_interview_is_due_during_a_pause(code, status):
    assert _due(code, D(2026, 3, 2), D(2026, 3, 6), status=status) is None


@pytest.mark.parametrize(
    "code,expected",
    [
        ("periodic_2017", D(2026, 6, 29)),
        ("nordic_2022", D(2026, 6, 23)),
        ("reform_2026", D(2026, 6, 30)),
    ],
)
def test_after_a_pause_the_deadline_comes_from_the_rule_not_stale_history(code, expected):
    # Held on 1.5., then in a service; unemployed again from 15.6.: the old interview does
    # not count, the first-interview deadline runs from the new status.
    assert _due(code, D(2026, 6, 15), D(2026, 5, 1)) == expected


def test_every_rule_set_keeps_the_three_month_interval():
    # Coverage ("held at most one interval ago") is the same figure under every rule set.
    assert {rs.interval_months for rs in rulesets.all_rule_sets()} == {rules.interval_months()}


def test_without_a_schedule_the_default_rule_applies():
    assert rules.next_due_date(
        status=Status.UNEMPLOYED, status_since=D(2026, 6, 6), last_held_on=None
    ) == _due("periodic_2017", D(2026, 6, 6))


CASES = [
    (D(2026, 6, 15), None, Status.UNEMPLOYED),
    (D(2026, 12, 21), None, Status.LAID_OFF),
    (D(2026, 4, 1), None, Status.UNEMPLOYED),
    (D(2025, 10, 1), D(2026, 3, 20), Status.UNEMPLOYED),
    (D(2026, 3, 2), D(2026, 3, 20), Status.UNEMPLOYED),
    (D(2026, 3, 2), D(2026, 6, 2), Status.UNEMPLOYED),
    (D(2026, 6, 15), D(2026, 5, 1), Status.UNEMPLOYED),
    (D(2026, 3, 2), None, Status.IN_SERVICE),
]


@pytest.mark.parametrize("code", rulesets.CODES)
def test_sql_and_python_agree_for_every_rule_set(code, office, team_a, adviser, manager):
    clients = []
    for since, held, status in CASES:
        client = make_client(
            team_a, registered_on=since, status_since=since, last_held_on=held, status=status
        )
        if held:
            make_interview(client, adviser, held_on=held)
        clients.append(client)
    if code != rulesets.DEFAULT:
        office_rule_set_choose(
            office=office, code=code, effective_from=D(2000, 1, 1), chosen_by=manager
        )
    due_states_refresh(today=D(2026, 11, 25), full=True)
    stored = dict(Client.objects.values_list("pk", "next_due_date"))
    for client, (since, held, status) in zip(clients, CASES, strict=True):
        assert stored[client.pk] == _due(code, since, held, status), (since, held, status)


def test_the_expression_without_a_team_is_the_default_rule(team_a, office, manager):
    client = make_client(team_a, registered_on=D(2026, 6, 15), status_since=D(2026, 6, 15))
    office_rule_set_choose(
        office=office, code="nordic_2022", effective_from=D(2000, 1, 1), chosen_by=manager
    )
    plain, per_office = (
        Client.objects.filter(pk=client.pk)
        .annotate(
            plain=rules.next_due_date_expression(),
            per_office=rules.next_due_date_expression(team="team"),
        )
        .values_list("plain", "per_office")
        .get()
    )
    assert plain == D(2026, 6, 29)
    assert per_office == D(2026, 6, 23)
