"""Why the next interview is due when it is: rules.next_due_explained(), the same code path as
next_due_date(), for each kind of deadline; and the office's choice read with the client."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from clients.models import Client, Status
from clients.selectors import due_explanation, with_rule_set_in_force
from interviews import rules, rulesets
from interviews.services import office_rule_set_choose
from tests.conftest import make_client

D = dt.date
K = rules.DueKind


def _why(code, since, held=None, status=Status.UNEMPLOYED):
    """The explanation under `code` chosen for the office (None: no choice, the law's)."""
    schedule = [(D(2000, 1, 1), code)] if code else None
    return rules.next_due_explained(
        lambda day: rulesets.in_force(schedule, day),
        status=status,
        status_since=since,
        last_held_on=held,
    )


@pytest.mark.parametrize(
    "code,since,held,kind,due,anchor,moved",
    [
        # 2017: 14 calendar days from the status start, never moved (14.5.2026 is Ascension Day)
        ("periodic_2017", D(2026, 4, 30), None, K.FIRST, D(2026, 5, 14), D(2026, 4, 30), False),
        ("periodic_2017", D(2026, 1, 5), D(2026, 3, 2), K.REGULAR, D(2026, 6, 2), D(2026, 3, 2), False),
        # nordic_2022: initial within 5 working days
        ("nordic_2022", D(2026, 3, 2), None, K.FIRST, D(2026, 3, 9), D(2026, 3, 2), False),
        # supplementary every 14 days for the first three months
        ("nordic_2022", D(2026, 3, 2), D(2026, 3, 10), K.SUPPLEMENTARY, D(2026, 3, 24), D(2026, 3, 10), False),
        # after them, three months on
        ("nordic_2022", D(2025, 1, 1), D(2025, 4, 10), K.REGULAR, D(2025, 7, 10), D(2025, 4, 10), False),
        # unless the extra period at six months comes first: 14 days into it
        ("nordic_2022", D(2025, 1, 1), D(2025, 5, 1), K.EXTRA_FIRST, D(2025, 7, 15), D(2025, 7, 1), False),
        # its first held early in the period: the second 28 days into it
        ("nordic_2022", D(2025, 1, 1), D(2025, 7, 14), K.EXTRA_SECOND, D(2025, 7, 29), D(2025, 7, 1), False),
        # 2026: initial within 10 working days (1.5. May Day, 14.5. Ascension Day skipped)
        ("reform_2026", D(2026, 4, 30), None, K.FIRST, D(2026, 5, 18), D(2026, 4, 30), False),
        ("reform_2026", D(2026, 1, 5), D(2026, 9, 10), K.REGULAR, D(2026, 12, 10), D(2026, 9, 10), False),
        # 14.3.2027 is a Sunday: moved to Monday
        ("reform_2026", D(2026, 1, 5), D(2026, 12, 14), K.REGULAR, D(2027, 3, 15), D(2026, 12, 14), True),
        # nordic supplementary on Midsummer Day (Sat 20.6.2026): moved to Monday 22.6.
        ("nordic_2022", D(2026, 4, 1), D(2026, 6, 6), K.SUPPLEMENTARY, D(2026, 6, 22), D(2026, 6, 6), True),
    ],
)  # fmt: skip
def test_each_kind_of_deadline_is_explained(code, since, held, kind, due, anchor, moved):
    why = _why(code, since, held)
    assert (why.kind, why.due, why.anchor, why.moved) == (kind, due, anchor, moved)
    assert why.rule_set.code == code
    assert (why.counted == why.due) != moved and why.counted <= why.due


def test_the_moved_deadline_keeps_the_counted_day():
    why = _why("reform_2026", D(2026, 1, 5), D(2026, 12, 14))
    assert why.counted == D(2027, 3, 14) and why.due == D(2027, 3, 15)


def test_a_status_that_needs_no_interviews_has_no_due_date():
    why = _why("reform_2026", D(2026, 1, 5), D(2026, 2, 1), status=Status.EMPLOYED)
    assert (why.kind, why.due, why.anchor, why.rule_set, why.moved) == (
        K.NOT_REQUIRED,
        None,
        None,
        None,
        False,
    )


def test_without_an_office_choice_the_law_of_the_anchor_day_explains():
    assert _why(None, D(2026, 4, 30)).rule_set.code == "reform_2026"
    assert _why(None, D(2024, 4, 30)).rule_set.code == "nordic_2022"
    assert _why(None, D(2021, 4, 30)).rule_set.code == "periodic_2017"


def test_the_explanation_and_next_due_date_agree_over_many_cases():
    rng = random.Random(17)
    statuses = [Status.UNEMPLOYED, Status.LAID_OFF, Status.EMPLOYED, Status.PART_TIME]
    schedules = [None, [(D(2025, 6, 1), "periodic_2017"), (D(2026, 3, 1), "nordic_2022")]]
    schedules += [[(D(2000, 1, 1), code)] for code in rulesets.CODES]
    for _ in range(3000):
        since = D(2021, 1, 1) + dt.timedelta(days=rng.randrange(2300))
        held = None
        if rng.random() < 0.8:
            held = since + dt.timedelta(days=rng.randrange(-60, 500))
        status, schedule = rng.choice(statuses), rng.choice(schedules)
        why = rules.next_due_explained(
            lambda day, s=schedule: rulesets.in_force(s, day),
            status=status,
            status_since=since,
            last_held_on=held,
        )
        expected = rules.next_due_date(
            status=status, status_since=since, last_held_on=held, schedule=schedule
        )
        assert why.due == expected, (status, since, held, schedule)
        if why.due is not None:
            assert why.anchor in (since, held) or why.kind in (K.EXTRA_FIRST, K.EXTRA_SECOND)
            assert why.due == rules.next_working_day(why.counted) or not why.moved


@pytest.mark.django_db
def test_the_office_choice_is_read_with_the_client_in_no_extra_query(
    team_a, django_assert_num_queries
):
    office = team_a.service_line.office
    office_rule_set_choose(office=office, code="nordic_2022", effective_from=D(2026, 1, 1))
    office_rule_set_choose(office=office, code="periodic_2017", effective_from=D(2026, 9, 1))
    before = make_client(team_a, status_since=D(2026, 3, 2))
    after = make_client(team_a, status_since=D(2026, 3, 2), last_held_on=D(2026, 9, 10))
    law = make_client(team_a, status_since=D(2025, 12, 1))
    loaded = {c.pk: c for c in with_rule_set_in_force(Client.objects.all())}
    with django_assert_num_queries(0):
        whys = {pk: due_explanation(client=c) for pk, c in loaded.items()}
    assert whys[before.pk].rule_set.code == "nordic_2022"
    assert whys[after.pk].rule_set.code == "periodic_2017"
    assert whys[law.pk].rule_set.code == "nordic_2022"  # 1.12.2025: the law's, no choice yet
    for pk, why in whys.items():
        fresh = due_explanation(client=Client.objects.get(pk=pk))  # the schedule in a query
        assert why == fresh
