"""The job-search obligation by review period (issue 17, point 5): the pure rule, the same
rule in SQL (plans.selectors), the caseload's tag, the client page, the lead's selector."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Status
from interviews import rules
from interviews.rules import JobSearchPeriod, job_search_periods, job_search_standing
from plans import selectors
from plans.models import EmploymentPlan, Goal, JobSearchReport, PlanVersion
from tests.conftest import PASSWORD, make_client

D = dt.date


def periods(**given) -> list[JobSearchPeriod]:
    values = {
        "status": Status.UNEMPLOYED,
        "status_since": D(2026, 1, 10),
        "applications": 4,
        "period_months": 1,
        "start": D(2026, 10, 1),
        "today": D(2026, 12, 2),
        "reported": {},
    } | given
    return job_search_periods(**values)


# --- The pure rule ---------------------------------------------------------------------------


def test_one_month_periods_end_on_each_months_last_day():
    got = periods(reported={D(2026, 10, 1): 4, D(2026, 11, 1): 3, D(2026, 12, 1): 1})
    assert [(p.start, p.end) for p in got] == [
        (D(2026, 10, 1), D(2026, 10, 31)),
        (D(2026, 11, 1), D(2026, 11, 30)),
        (D(2026, 12, 1), D(2026, 12, 31)),
    ]
    assert [(p.reported, p.ended, p.short) for p in got] == [
        (4, True, False),
        (3, True, True),
        (1, False, False),  # running: 1/4 so far is no shortfall
    ]
    last, running = job_search_standing(got)
    assert (last.start, running.start) == (D(2026, 11, 1), D(2026, 12, 1))


def test_on_the_second_day_of_a_month_nobody_is_short_for_that_month():
    got = periods(start=D(2026, 12, 1), today=D(2026, 12, 2))
    assert len(got) == 1 and not got[0].ended and not got[0].short
    assert job_search_standing(got) == (None, got[0])


def test_a_period_is_short_from_the_day_after_it_ends():
    on_last_day = periods(start=D(2026, 2, 1), today=D(2026, 2, 28))
    assert not any(p.short for p in on_last_day)
    next_day = periods(start=D(2026, 2, 1), today=D(2026, 3, 1))
    assert [p.short for p in next_day] == [True, False]


def test_three_month_periods_sum_their_months():
    got = periods(
        status=Status.PART_TIME,
        applications=1,
        period_months=3,
        start=D(2026, 5, 1),
        today=D(2026, 12, 2),
        reported={D(2026, 6, 1): 1, D(2026, 9, 1): 0, D(2026, 12, 1): 2},
    )
    assert [(p.start, p.end, p.reported, p.short) for p in got] == [
        (D(2026, 5, 1), D(2026, 7, 31), 1, False),
        (D(2026, 8, 1), D(2026, 10, 31), 0, True),
        (D(2026, 11, 1), D(2027, 1, 31), 2, False),
    ]


def test_three_month_periods_across_a_year_end_and_february():
    got = periods(period_months=3, start=D(2025, 12, 1), today=D(2026, 3, 1))
    assert [(p.start, p.end, p.ended) for p in got] == [
        (D(2025, 12, 1), D(2026, 2, 28), True),
        (D(2026, 3, 1), D(2026, 5, 31), False),
    ]


@pytest.mark.parametrize(
    ("since", "first"),
    [
        (D(2026, 9, 1), D(2026, 12, 1)),  # three months of lay-off on 1.12.
        (D(2026, 9, 2), D(2027, 1, 1)),  # on 2.12.: from the next whole month
        (D(2026, 11, 30), D(2027, 3, 1)),  # 28.2.2027 clamps; March begins after it
    ],
)
def test_a_laid_off_clients_obligation_starts_after_three_months(since, first):
    assert (
        rules.job_search_starts_on(status=Status.LAID_OFF, status_since=since, start=D(2026, 9, 1))
        == first
    )
    got = periods(status=Status.LAID_OFF, status_since=since, start=D(2026, 9, 1))
    assert all(p.start >= first for p in got)
    # A plan that starts later than the deferral keeps its own start.
    assert rules.job_search_starts_on(
        status=Status.LAID_OFF, status_since=since, start=D(2027, 6, 1)
    ) == D(2027, 6, 1)


def test_a_laid_off_client_owes_nothing_in_the_first_three_months():
    got = periods(status=Status.LAID_OFF, status_since=D(2026, 10, 15), start=D(2026, 10, 1))
    assert got == []  # first period 1.2.2027, after today


@pytest.mark.parametrize(
    "given",
    [
        {"status": Status.EMPLOYED},
        {"status": Status.IN_SERVICE},
        {"applications": None},
        {"start": D(2027, 1, 1)},
    ],
)
def test_no_periods_without_an_obligation_in_force(given):
    assert periods(**given) == []


def test_the_default_start_is_the_first_whole_month():
    assert rules.job_search_default_start(D(2026, 12, 1)) == D(2026, 12, 1)
    assert rules.job_search_default_start(D(2026, 12, 2)) == D(2027, 1, 1)
    assert rules.job_search_default_start(D(2026, 12, 31)) == D(2027, 1, 1)


def test_period_around_today_and_the_one_before():
    first, today = D(2026, 2, 1), D(2026, 12, 2)
    assert rules.job_search_period_around(first, 3, today) == (D(2026, 11, 1), D(2027, 1, 31))
    assert rules.job_search_period_around(first, 3, today, back=1) == (
        D(2026, 8, 1),
        D(2026, 10, 31),
    )
    assert rules.month_of_index(rules.month_index(D(2026, 12, 31))) == D(2026, 12, 1)


# --- The same rule in SQL --------------------------------------------------------------------


def _plan(client, author, applications, months=1, start=None):
    plan = EmploymentPlan.objects.create(client=client)
    return PlanVersion.objects.create(
        plan=plan,
        number=1,
        goal=Goal.WORK,
        applications_per_month=applications,
        job_search_period_months=months,
        job_search_from=start or D(2026, 10, 1),
        author=author,
    )


def _report(client, author, month, applications):
    JobSearchReport.objects.create(
        client=client, month=month, applications=applications, recorded_by=author
    )


TODAY = D(2026, 12, 2)


@pytest.fixture
def obligations(team_a, team_b, adviser):
    """name: (status, status since, plan (applications, months, start) or None, reports)."""
    rows = {
        "short": (Status.UNEMPLOYED, D(2026, 1, 5), (4, 1, D(2026, 10, 1)), {D(2026, 11, 1): 2}),
        "met": (Status.UNEMPLOYED, D(2026, 1, 5), (4, 1, D(2026, 10, 1)), {D(2026, 11, 1): 5}),
        "new_month": (Status.UNEMPLOYED, D(2026, 11, 20), (4, 1, D(2026, 12, 1)), {}),
        "part_time_short": (
            Status.PART_TIME, D(2025, 1, 1), (1, 3, D(2026, 5, 1)), {D(2026, 7, 1): 1},
        ),
        "part_time_running": (
            Status.PART_TIME, D(2025, 1, 1), (1, 3, D(2026, 7, 1)), {D(2026, 8, 1): 1},
        ),
        "laid_off_deferred": (Status.LAID_OFF, D(2026, 10, 15), (4, 1, D(2026, 10, 1)), {}),
        "laid_off_due": (Status.LAID_OFF, D(2026, 7, 1), (4, 1, D(2026, 7, 1)), {}),
        "zero": (Status.UNEMPLOYED, D(2026, 1, 5), (0, 1, D(2026, 10, 1)), {}),
        "in_service": (Status.IN_SERVICE, D(2026, 1, 5), (4, 1, D(2026, 10, 1)), {}),
        "no_plan": (Status.UNEMPLOYED, D(2026, 1, 5), None, {}),
    }  # fmt: skip
    made = {}
    for name, (status, since, plan, reports) in rows.items():
        client = make_client(
            team_a,
            last_name=name.title().replace("_", ""),
            status=status,
            status_since=since,
            registered_on=min(since, D(2025, 1, 1)),
        )
        if plan is not None:
            _plan(client, adviser, *plan)
        for month, applications in reports.items():
            _report(client, adviser, month, applications)
        made[name] = client
    other = make_client(team_b, last_name="Muualla")
    _plan(other, adviser, 4)
    return made


def test_sql_figures_agree_with_the_python_rule(obligations, django_assert_num_queries):
    made = obligations
    with django_assert_num_queries(1):
        got = {
            c.pk: c
            for c in selectors.with_job_search_figures(clients=Client.objects.all(), today=TODAY)
        }
    short = {name for name, c in made.items() if got[c.pk].js_short}
    assert short == {"short", "part_time_short", "laid_off_due"}
    for name, client in made.items():
        row = got[client.pk]
        python = selectors.job_search_of_client(client=client, today=TODAY)
        assert row.js_obligation == python.applications, name
        assert bool(row.js_short) == bool(python.last_ended and python.last_ended.short), name
        if python.applications is None:
            continue
        assert rules.month_of_index(row.js_first_month) == python.first, name
        assert row.js_reported == (python.running.reported if python.running else None), name
        assert row.js_last_reported == (
            python.last_ended.reported if python.last_ended else None
        ), name


def test_sql_and_python_agree_on_random_plans_and_days(team_a, adviser):
    rng = random.Random(17)
    clients = []
    for n in range(40):
        since = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(600))
        client = make_client(
            team_a,
            last_name=f"R{n}",
            status=rng.choice([Status.UNEMPLOYED, Status.LAID_OFF, Status.PART_TIME]),
            status_since=since,
            registered_on=D(2025, 1, 1),
        )
        months = rng.choice([1, 3])
        start = D(2025, rng.randrange(1, 13), 1) if rng.random() < 0.9 else D(2026, 11, 1)
        _plan(client, adviser, rng.randrange(0, 4 * months + 1), months, start)
        for m in rng.sample(range(24), 10):
            _report(client, adviser, D(2025 + m // 12, m % 12 + 1, 1), rng.randrange(0, 6))
        clients.append(client)
    for today in [D(2025, 3, 1), D(2025, 12, 31), D(2026, 1, 1), D(2026, 2, 28), D(2026, 12, 2)]:
        rows = {
            c.pk: c
            for c in selectors.with_job_search_figures(clients=Client.objects.all(), today=today)
        }
        for client in clients:
            python = selectors.job_search_of_client(client=client, today=today)
            row = rows[client.pk]
            assert row.js_reported == (python.running.reported if python.running else None)
            assert row.js_last_reported == (
                python.last_ended.reported if python.last_ended else None
            )
            assert bool(row.js_short) == bool(python.last_ended and python.last_ended.short)


def test_job_search_shortfalls_is_one_query_and_gives_the_ended_period(
    obligations, django_assert_max_num_queries
):
    made = obligations
    with django_assert_max_num_queries(1):
        rows = selectors.job_search_shortfalls(
            Client.objects.filter(team=made["short"].team), today=TODAY
        )
        names = {r.client.last_name for r in rows}
    assert names == {"Short", "PartTimeShort", "LaidOffDue"}
    by_name = {r.client.last_name: r for r in rows}
    short = by_name["Short"]
    assert (short.period_start, short.period_end, short.required, short.reported) == (
        D(2026, 11, 1),
        D(2026, 11, 30),
        4,
        2,
    )
    part_time = by_name["PartTimeShort"]
    assert (part_time.period_start, part_time.period_end, part_time.reported) == (
        D(2026, 8, 1),
        D(2026, 10, 31),
        0,
    )
    laid_off = by_name["LaidOffDue"]  # laid off 1.7.: obligation from 1.10.
    assert (laid_off.period_start, laid_off.reported) == (D(2026, 11, 1), 0)


def test_job_search_shortfalls_takes_the_callers_scope(obligations, team_b):
    rows = selectors.job_search_shortfalls(Client.objects.filter(team=team_b), today=TODAY)
    assert [r.client.last_name for r in rows] == ["Muualla"]


# --- The pages -------------------------------------------------------------------------------


@pytest.fixture
def on_today(monkeypatch):
    """The pages judge the periods on TODAY."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def test_caseload_shows_a_shortfall_only_for_an_ended_period(
    client, adviser, obligations, on_today, django_assert_num_queries
):
    client.login(username=adviser.username, password=PASSWORD)
    html = client.get(reverse("clients:caseload")).content.decode()
    assert html.count('class="tag short"') == 3
    assert "Job search 2/4, period ended 30.11.2026" in html  # "Short"
    # The running month is neutral progress, not a shortfall: "NewMonth" has 0/4 on 2.12.
    assert "0/4 so far, period ends 31.12.2026" in html
    # The deferred lay-off (from 1.2.2027) has no tag: nothing is owed yet.
    deferred = html.split("LaidOffDeferred, Matti")[1].split("</tr>")[0]
    assert "tag" not in deferred
    assert "0/0" not in html  # an obligation of zero applications shows nothing
    # The figures are subqueries of the page's one row query: the same six queries as a
    # caseload without plans (tests/web/test_caseload.py), for one row or all of them.
    with django_assert_num_queries(6):
        client.get(reverse("clients:caseload"), {"q": "Short"})
    with django_assert_num_queries(6):
        client.get(reverse("clients:caseload"))


def test_the_fell_short_filter_and_page_list_ended_periods_only(
    client, adviser, obligations, on_today
):
    client.login(username=adviser.username, password=PASSWORD)
    url = reverse("clients:caseload")
    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    with CaptureQueriesContext(connection) as filtered:
        response = client.get(url, {"job_search": "on"})
    assert len(filtered) == len(plain)
    names = {c.last_name for c in response.context["page"].object_list}
    assert names == {"Short", "PartTimeShort", "LaidOffDue"}
    assert response.context["page"].paginator.count == 3
    combined = client.get(url, {"job_search": "on", "status": Status.PART_TIME})
    assert [c.last_name for c in combined.context["page"].object_list] == ["PartTimeShort"]
    page = client.get(reverse("interviews:fallen_short")).content.decode()
    assert "PartTimeShort" in page and "1.8.2026–31.10.2026" in page
    assert "NewMonth" not in page and "Muualla" not in page


def test_the_client_page_shows_progress_and_the_ended_periods(
    client, adviser, obligations, on_today
):
    client.login(username=adviser.username, password=PASSWORD)
    url = reverse("interviews:job_search", args=[obligations["short"].pk])
    html = client.get(url).content.decode()
    assert "4 applications in each one-month period, periods from 1.10.2026" in html
    assert "0/4 so far, period ends 31.12.2026" in html
    assert "1.11.2026–30.11.2026: 2/4" in html and "Fell short" in html
    fresh = client.get(
        reverse("interviews:job_search", args=[obligations["new_month"].pk])
    ).content.decode()
    assert "Fell short" not in fresh and "No period has ended yet." in fresh
    later = client.get(
        reverse("interviews:job_search", args=[obligations["laid_off_deferred"].pk])
    ).content.decode()
    assert "The obligation begins on 1.2.2027." in later


def test_the_client_page_speaks_finnish(client, adviser, obligations, on_today):
    client.login(username=adviser.username, password=PASSWORD)
    url = reverse("interviews:job_search", args=[obligations["short"].pk])
    html = client.get(url, headers={"accept-language": "fi"}).content.decode()
    assert "0/4 tähän mennessä, jakso päättyy 31.12.2026" in html


# --- The database's constraints --------------------------------------------------------------


@pytest.mark.parametrize(
    ("applications", "months", "start", "allowed"),
    [
        (4, 1, D(2026, 12, 1), True),
        (12, 3, D(2026, 12, 1), True),
        (0, 3, None, True),
        (5, 1, D(2026, 12, 1), False),  # 4 a month at most
        (13, 3, D(2026, 12, 1), False),
        (1, 2, D(2026, 12, 1), False),  # one or three months
        (4, 1, D(2026, 12, 15), False),  # periods start on a month's first day
    ],
)
def test_the_database_refuses_an_obligation_out_of_range(
    client_a, adviser, applications, months, start, allowed
):
    plan = EmploymentPlan.objects.create(client=client_a)
    values = {
        "plan": plan,
        "number": 1,
        "goal": Goal.WORK,
        "applications_per_month": applications,
        "job_search_period_months": months,
        "job_search_from": start,
        "author": adviser,
    }
    if allowed:
        PlanVersion.objects.create(**values)
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            PlanVersion.objects.create(**values)
