"""Each rule set over boundary dates, Finnish holidays and status pauses, in Python and SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models

from clients.models import Client, Status
from interviews import rules, rules_sql, rulesets
from interviews.services import due_states_refresh, office_rule_set_choose
from tests.conftest import make_client, make_interview

D = dt.date


def _due(code, since, held=None, status=Status.UNEMPLOYED):
    """The due date under `code` chosen for the office (None: no choice, the law's)."""
    schedule = [(D(2000, 1, 1), code)] if code else None
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
        # three months on lands on Midsummer Day (Sat): moved to Monday (no extra period
        # before it: six months from 10.12. is 10.6., its first conversation due 24.6.)
        ("nordic_2022", D(2025, 12, 10), D(2026, 3, 20), D(2026, 6, 22)),
        # ... but unemployed since 1.10.: six months on 1.4., its first extra conversation
        # due 15.4. comes before the three-monthly one
        ("nordic_2022", D(2025, 10, 1), D(2026, 3, 20), D(2026, 4, 15)),
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


@pytest.mark.parametrize(
    "since,held,expected",
    [
        # Unemployed since Mon 2.3.2026: six months on Wed 2.9.2026, the period's first
        # conversation due 16.9., its second 30.9.; twelve months on Tue 2.3.2027.
        (D(2026, 3, 2), D(2026, 7, 1), D(2026, 9, 16)),  # the period's first, before 1.10.
        (D(2026, 3, 2), D(2026, 9, 2), D(2026, 9, 30)),  # held on the start: the second
        (D(2026, 3, 2), D(2026, 9, 16), D(2026, 9, 30)),  # held on the deadline
        (D(2026, 3, 2), D(2026, 9, 22), D(2026, 9, 30)),  # late, within three weeks: first
        (D(2026, 3, 2), D(2026, 9, 23), D(2026, 12, 23)),  # after three weeks: the second
        (D(2026, 3, 2), D(2026, 9, 30), D(2026, 12, 30)),
        (D(2026, 3, 2), D(2026, 12, 17), D(2027, 3, 16)),  # the twelve-month period first
        # in it: the second due 30.3.2027, the Tuesday after Easter Monday
        (D(2026, 3, 2), D(2027, 3, 3), D(2027, 3, 30)),
        # Since 11.6.2026: six months on 11.12., the first extra conversation due Christmas
        # Day (Fri), moved over Boxing Day and the weekend to Mon 28.12.; the second 8.1.2027.
        (D(2026, 6, 11), D(2026, 10, 1), D(2026, 12, 28)),
        (D(2026, 6, 11), D(2026, 12, 28), D(2027, 1, 8)),  # held on the moved deadline
        # in the fourth week: the second; three months on is Sunday 4.4.2027
        (D(2026, 6, 11), D(2027, 1, 4), D(2027, 4, 5)),
        # Since 31.8.2026: six months on is 28.2.2027 (clamped). The first is due Sun 14.3.
        # (so Mon 15.3.), the second Sun 28.3. (so past Easter Monday to Tue 30.3.).
        (D(2026, 8, 31), D(2027, 2, 26), D(2027, 3, 15)),
        (D(2026, 8, 31), D(2027, 3, 1), D(2027, 3, 30)),
        # Since 1.12.2025: six months on 1.6.2026, the first due 15.6., the second 29.6.
        (D(2025, 12, 1), D(2026, 3, 2), D(2026, 6, 2)),  # three months on comes first
        (D(2025, 12, 1), D(2026, 6, 15), D(2026, 6, 29)),
    ],
)
@pytest.mark.parametrize("status", [Status.UNEMPLOYED, Status.LAID_OFF])
def test_nordic_extra_conversations_after_six_months(since, held, expected, status):
    assert _due("nordic_2022", since, held, status=status) == expected


@pytest.mark.parametrize(
    "since,day,months",
    [
        (D(2026, 3, 2), D(2026, 3, 2), 0),
        (D(2026, 3, 2), D(2026, 9, 1), 5),
        (D(2026, 3, 2), D(2026, 9, 2), 6),
        (D(2026, 1, 31), D(2026, 2, 27), 0),
        (D(2026, 1, 31), D(2026, 2, 28), 1),  # 31.1. + 1 month is 28.2.
        (D(2026, 1, 31), D(2026, 3, 30), 1),
        (D(2026, 1, 31), D(2026, 3, 31), 2),
        (D(2024, 2, 29), D(2025, 2, 28), 12),
        (D(2025, 12, 15), D(2027, 1, 14), 12),
    ],
)
def test_months_elapsed_counts_whole_clamped_months(since, day, months):
    assert rules.months_elapsed(since, day) == months
    assert rules.add_months(since, months) <= day < rules.add_months(since, months + 1)


@pytest.mark.parametrize("code", rulesets.CODES)
@pytest.mark.parametrize("status", [Status.IN_SERVICE, Status.NOT_JOB_SEEKER, Status.EMPLOYED])
def test_no_interview_is_due_during_a_pause(code, status):
    assert _due(code, D(2026, 3, 2), D(2026, 3, 6), status=status) is None


@pytest.mark.parametrize(
    "status",
    [Status.PART_TIME, Status.THREATENED, Status.SHORTENED_HOURS, Status.WAGE_SUBSIDY],
)
def test_the_law_since_2022_also_requires_part_time_threatened_shortened_and_subsidised(status):
    # Työmarkkinatori's list (docs/rules.md, "Who must have them"); the 2017 rule named the
    # unemployed only.
    assert _due("periodic_2017", D(2026, 3, 2), D(2026, 3, 6), status=status) is None
    assert _due("nordic_2022", D(2026, 3, 2), D(2026, 3, 6), status=status) == D(2026, 3, 20)
    assert _due("reform_2026", D(2026, 3, 2), D(2026, 3, 6), status=status) == D(2026, 6, 8)
    assert rules.required_on(status, D(2026, 3, 2))
    assert not rules.required_on(status, D(2022, 5, 1))


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
    # The law's three months; only the 2017 rule's may be changed in settings.
    assert {rs.interval_months for rs in rulesets.all_rule_sets()} == {3}


def test_coverage_of_a_day_uses_the_interval_of_the_rule_set_in_force_that_day(settings, team_a):
    # The 2017 rule's interval is overridden: a day under it uses 2 months, a day under the
    # 2026 reform still 3 (one source per parameter: the rule set of the day), in Python and
    # in SQL.
    settings.INTERVIEW_INTERVAL_MONTHS = 2
    cases = [(D(2021, 1, 1), D(2021, 3, 15)), (D(2026, 1, 15), D(2026, 4, 15))]
    assert [rules.covered_on(held, day) for held, day in cases] == [False, True]
    client = make_client(team_a)
    flags = {
        f"c{index}": models.Case(
            models.When(rules_sql.covered_expression(models.Value(held), day), then=True),
            default=False,
        )
        for index, (held, day) in enumerate(cases)
    }
    got = Client.objects.filter(pk=client.pk).annotate(**flags).values_list(*flags).get()
    assert list(got) == [False, True]


@pytest.mark.parametrize(
    "since,code",
    [
        (D(2016, 6, 6), "periodic_2017"),  # before 2017 too: the oldest rule set
        (D(2022, 5, 1), "periodic_2017"),
        (D(2022, 5, 2), "nordic_2022"),
        (D(2025, 12, 31), "nordic_2022"),
        (D(2026, 1, 1), "reform_2026"),
        (D(2026, 6, 6), "reform_2026"),
    ],
)
def test_without_a_schedule_each_day_follows_the_law_in_force(since, code):
    assert rulesets.in_force(None, since).code == code
    assert rules.next_due_date(
        status=Status.UNEMPLOYED, status_since=since, last_held_on=None
    ) == _due(code, since)


def test_the_law_in_force_in_2026_gives_ten_working_days_not_a_holiday():
    """The issue's example: unemployment from Thursday 30.4.2026. The 2017 rule said
    14.5.2026 (Ascension Day); the 2026 reform counts ten working days, the start day not
    counted (150/1930, 2 §): 4.–8.5. and 11.–13.5. are eight (Friday 1.5. is May Day), 15.5.
    the ninth (14.5. is Ascension Day), Monday 18.5. the tenth."""
    due = rules.next_due_date(
        status=Status.UNEMPLOYED, status_since=D(2026, 4, 30), last_held_on=None
    )
    assert due == D(2026, 5, 18)


def test_an_office_choice_applies_from_its_date_and_the_law_before_it():
    schedule = [(D(2026, 3, 1), "nordic_2022")]
    assert rulesets.in_force(schedule, D(2026, 2, 27)).code == "reform_2026"
    assert rulesets.in_force(schedule, D(2026, 3, 1)).code == "nordic_2022"
    assert rulesets.in_force(schedule, D(2027, 3, 1)).code == "nordic_2022"


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
    office_rule_set_choose(
        office=office, code=code, effective_from=D(2000, 1, 1), chosen_by=manager
    )
    due_states_refresh(today=D(2026, 11, 25), full=True)
    stored = dict(Client.objects.values_list("pk", "next_due_date"))
    for client, (since, held, status) in zip(clients, CASES, strict=True):
        assert stored[client.pk] == _due(code, since, held, status), (since, held, status)


def test_the_expression_without_a_team_is_the_law_in_force(team_a, office, manager):
    client = make_client(team_a, registered_on=D(2026, 6, 15), status_since=D(2026, 6, 15))
    office_rule_set_choose(
        office=office, code="nordic_2022", effective_from=D(2000, 1, 1), chosen_by=manager
    )
    plain, per_office = (
        Client.objects.filter(pk=client.pk)
        .annotate(
            plain=rules_sql.next_due_date_expression(),
            per_office=rules_sql.next_due_date_expression(team="team"),
        )
        .values_list("plain", "per_office")
        .get()
    )
    assert plain == _due("reform_2026", D(2026, 6, 15))  # ten working days: 30.6.
    assert plain == D(2026, 6, 30)
    assert per_office == D(2026, 6, 23)


# Boundary days for the SQL and Python forms: month ends (clamping), days before Easter,
# Midsummer and Christmas, a leap day; held days around every phase and period edge.
GRID_SINCE = [
    D(2026, 3, 2),
    D(2026, 6, 11),
    D(2026, 8, 31),
    D(2025, 12, 31),
    D(2026, 1, 31),
    D(2027, 2, 28),
    D(2026, 6, 19),
    D(2023, 8, 29),
]
GRID_OFFSETS = [0, 1, 13, 14, 15, 16, 60, 88, 89, 90, 91, 92, 93, 150, *range(176, 206), 270]
GRID_OFFSETS += [*range(355, 385, 2), 540, 548, 730]


def _grid():
    for since in GRID_SINCE:
        yield since, None, Status.UNEMPLOYED
        for offset in GRID_OFFSETS:
            yield since, since + dt.timedelta(days=offset), Status.UNEMPLOYED
        yield since, since + dt.timedelta(days=200), Status.LAID_OFF
        yield since, since + dt.timedelta(days=200), Status.IN_SERVICE
        yield since, since - dt.timedelta(days=10), Status.UNEMPLOYED  # from before a pause


@pytest.mark.parametrize("code", [*rulesets.CODES, None])
def test_sql_and_python_agree_over_a_grid_of_boundary_dates(code, office, team_a, manager):
    """The rule's SQL against its Python over every case of the grid, as values (no rows per
    case): a handful of queries of many annotations over one client."""
    from django.db.models import Value
    from django.db.models.fields import CharField, DateField

    client = make_client(team_a)
    if code is not None:  # None: no office choice, the law in force on each day
        office_rule_set_choose(
            office=office, code=code, effective_from=D(2000, 1, 1), chosen_by=manager
        )
    else:
        from interviews.services import working_calendar_fill

        working_calendar_fill()
    cases = list(_grid())
    assert len(cases) > 500
    got = {}
    for first in range(0, len(cases), 40):
        chunk = dict(enumerate(cases[first : first + 40], start=first))
        row = (
            Client.objects.filter(pk=client.pk)
            .annotate(
                **{
                    f"d{i}": rules_sql.next_due_date_expression(
                        Value(status, output_field=CharField()),
                        Value(since, output_field=DateField()),
                        Value(held, output_field=DateField()),
                        team="team",
                    )
                    for i, (since, held, status) in chunk.items()
                }
            )
            .values(*(f"d{i}" for i in chunk))
            .get()
        )
        got.update({i: row[f"d{i}"] for i in chunk})
    wrong = [
        (since, held, status, got[i], _due(code, since, held, status))
        for i, (since, held, status) in enumerate(cases)
        if got[i] != _due(code, since, held, status)
    ]
    assert wrong == []


def test_months_between_and_period_start_in_sql_match_python(team_a):
    from django.db.models import Value
    from django.db.models.fields import DateField

    from teoffice.db import MonthsBetween, PeriodStart

    client = make_client(team_a)
    pairs = [
        (since, since + dt.timedelta(days=offset))
        for since in [*GRID_SINCE, D(2024, 2, 29), D(2026, 3, 31), D(2026, 5, 30)]
        for offset in (0, 27, 28, 29, 30, 31, 59, 60, 61, 181, 182, 183, 184, 365, 366, 548)
    ]
    row = (
        Client.objects.filter(pk=client.pk)
        .annotate(
            **{
                f"m{i}": MonthsBetween(
                    Value(since, output_field=DateField()), Value(day, output_field=DateField())
                )
                for i, (since, day) in enumerate(pairs)
            },
            **{
                f"a{i}": PeriodStart(
                    Value(since, output_field=DateField()),
                    Value(day, output_field=DateField()),
                    every_months=1,
                    skip=1,
                    plus_days=3,
                )
                for i, (since, day) in enumerate(pairs)
            },
        )
        .values(*(f"m{i}" for i in range(len(pairs))), *(f"a{i}" for i in range(len(pairs))))
        .get()
    )
    for i, (since, day) in enumerate(pairs):
        months = rules.months_elapsed(since, day)
        expected = rules.add_months(since, months + 1) + dt.timedelta(days=3)
        assert (row[f"m{i}"], row[f"a{i}"]) == (months, expected), (
            since,
            day,
        )
