"""Contact attempts as evidence, the missed-contacts report, the job-search obligation and
the manager's rule-set page, against hand-computed expectations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Status
from interviews import rules
from interviews.choices import Channel
from interviews.models import ContactResult, OfficeRuleSet
from interviews.selectors import missed_contacts
from interviews.services import contact_attempt_record
from plans import selectors as job_search
from plans.models import EmploymentPlan, Goal, PlanVersion
from plans.services import job_search_report_record
from tests.conftest import PASSWORD, make_client

D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _attempt(client, adviser, day, result, notice=None):
    return contact_attempt_record(
        client=client,
        adviser=adviser,
        attempted_at=at(day),
        channel=Channel.PHONE,
        result=result,
        notice_sent_at=notice,
    )


@pytest.fixture
def attempts(client_a, adviser, team_b, outsider):
    other = make_client(team_b, last_name="Muualla")
    return {
        "before": _attempt(client_a, adviser, D(2026, 10, 31), ContactResult.NO_ANSWER),
        "reached": _attempt(client_a, adviser, D(2026, 11, 2), ContactResult.REACHED),
        "no_answer": _attempt(
            client_a, adviser, D(2026, 11, 3), ContactResult.NO_ANSWER, at(D(2026, 10, 30))
        ),
        "wrong": _attempt(client_a, adviser, D(2026, 11, 10), ContactResult.WRONG_NUMBER),
        "cancelled": _attempt(client_a, adviser, D(2026, 11, 20), ContactResult.CLIENT_CANCELLED),
        "other_team": _attempt(other, outsider, D(2026, 11, 3), ContactResult.NO_ANSWER),
    }


def test_missed_contacts_for_a_period_are_the_unreached_attempts(attempts, client_a):
    found = missed_contacts(
        clients=Client.objects.filter(pk=client_a.pk), start=D(2026, 11, 1), end=D(2026, 11, 15)
    )
    assert list(found) == [attempts["no_answer"], attempts["wrong"]]
    assert found[0].notice_sent and found[0].notice_sent_at == at(D(2026, 10, 30))
    assert not found[1].notice_sent


def test_a_notice_after_the_attempt_or_an_attempt_in_the_future_is_refused(client_a, adviser):
    with pytest.raises(ValidationError):
        _attempt(client_a, adviser, D(2026, 11, 3), ContactResult.REACHED, at(D(2026, 11, 4)))
    with pytest.raises(ValidationError):
        contact_attempt_record(
            client=client_a,
            adviser=adviser,
            attempted_at=timezone.now() + dt.timedelta(hours=1),
            channel=Channel.PHONE,
            result=ContactResult.REACHED,
        )


def test_the_report_page_shows_only_the_users_teams_missed_contacts(client, adviser, attempts):
    client.login(username=adviser.username, password=PASSWORD)
    html = client.get(
        reverse("interviews:missed_contacts"), {"start": "2026-11-01", "end": "2026-11-30"}
    ).content.decode()
    assert "3 missed contacts" in html  # no answer, wrong number, client cancelled
    assert "Muualla" not in html


def test_the_client_page_part_lists_attempts_and_records_one(client, adviser, client_a, attempts):
    client.login(username=adviser.username, password=PASSWORD)
    url = reverse("interviews:contact_attempts", args=[client_a.pk])
    assert client.get(url).content.decode().count("<tr>") == 1 + 5
    response = client.post(
        url,
        {"attempted_at": "2026-11-24T09:30", "channel": "phone", "result": "no_answer"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert client_a.contact_attempts.count() == 6
    detail = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert url in detail


def test_outsider_cannot_see_or_record_attempts(client, outsider, client_a, attempts):
    client.login(username=outsider.username, password=PASSWORD)
    url = reverse("interviews:contact_attempts", args=[client_a.pk])
    assert client.get(url).status_code == 404
    post = {"attempted_at": "2026-11-24T09:30", "channel": "phone", "result": "no_answer"}
    assert client.post(url, post).status_code == 404
    assert client_a.contact_attempts.count() == 5


def _plan(client, adviser, applications):
    plan = EmploymentPlan.objects.create(client=client)
    PlanVersion.objects.create(
        plan=plan, number=1, goal=Goal.WORK, applications_per_month=applications, author=adviser
    )


@pytest.fixture
def obligations(team_a, team_b, adviser):
    month = rules.month_start(timezone.localdate())
    rows = {
        # name: (status, plan's applications or None, reported or None, short?)
        "short": (Status.UNEMPLOYED, 4, 2, True),
        "laid_off_met": (Status.LAID_OFF, 2, 2, False),
        "part_time_none": (Status.PART_TIME, 1, None, True),
        "zero": (Status.UNEMPLOYED, 0, None, False),
        "in_service": (Status.IN_SERVICE, 4, None, False),
        "no_plan": (Status.UNEMPLOYED, None, None, False),
        "legacy_ten": (Status.UNEMPLOYED, 10, 4, False),  # capped at 4
    }
    made = {}
    for name, (status, applications, reported, _short) in rows.items():
        client = make_client(team_a, last_name=name.title().replace("_", ""), status=status)
        if applications is not None:
            _plan(client, adviser, applications)
        if reported is not None:
            job_search_report_record(
                client=client, month=month, applications=reported, recorded_by=adviser
            )
        made[name] = client
    other = make_client(team_b, last_name="Muualla")
    _plan(other, adviser, 4)
    return made, rows


def test_fallen_short_matches_hand_computed_obligations(obligations, django_assert_num_queries):
    made, rows = obligations
    today = timezone.localdate()
    with django_assert_num_queries(1):
        got = {
            c.pk: (c.js_obligation, c.js_reported, c.js_short)
            for c in job_search.with_job_search(clients=Client.objects.all(), month=today)
        }
    expected_obligation = {
        "short": 4, "laid_off_met": 2, "part_time_none": 1, "zero": 0,
        "in_service": None, "no_plan": None, "legacy_ten": 4,
    }  # fmt: skip
    for name, client in made.items():
        assert got[client.pk][0] == expected_obligation[name], name
        assert got[client.pk][2] is rows[name][3] or got[client.pk][2] == rows[name][3], name
    short = set(
        job_search.fallen_short(clients=Client.objects.filter(team=made["short"].team), month=today)
    )
    assert short == {made["short"], made["part_time_none"]}


def test_the_caseload_chains_the_shortfall_into_its_one_query(
    obligations, adviser, django_assert_num_queries
):
    made, _rows = obligations
    today = timezone.localdate()
    month = rules.month_start(today)
    last_month = rules.month_start(month - dt.timedelta(days=1))
    # Last month's report does not count for this month.
    job_search_report_record(
        client=made["short"], month=last_month, applications=9, recorded_by=adviser
    )
    team = made["short"].team
    with django_assert_num_queries(1):
        page = list(
            job_search.with_job_search(
                clients=Client.objects.for_team(team).with_list_columns(), month=today
            ).order_by("last_name", "id")[:50]
        )
        assert {c.team.name for c in page} == {team.name}  # no query per row
    assert {c.pk for c in page if c.js_short} == {made["short"].pk, made["part_time_none"].pk}
    assert {c.pk: c.js_reported for c in page}[made["short"].pk] == 2
    assert set(job_search.fallen_short(clients=Client.objects.for_team(team), month=today)) == {
        made["short"],
        made["part_time_none"],
    }
    # Last month only "short" reported (nine): everyone else with an obligation fell short.
    assert set(
        job_search.fallen_short(clients=Client.objects.for_team(team), month=last_month)
    ) == {
        made["laid_off_met"],
        made["part_time_none"],
        made["legacy_ten"],
    }


def test_a_month_report_is_corrected_not_duplicated(client_a, adviser):
    month = rules.month_start(timezone.localdate())
    job_search_report_record(client=client_a, month=month, applications=1, recorded_by=adviser)
    report = job_search_report_record(
        client=client_a, month=month + dt.timedelta(days=3), applications=3, recorded_by=adviser
    )
    assert report.month == month
    assert client_a.job_search_reports.get().applications == 3
    with pytest.raises(ValidationError):
        job_search_report_record(
            client=client_a, month=D(2099, 1, 1), applications=1, recorded_by=adviser
        )


def test_the_fallen_short_page_lists_the_teams_clients(client, adviser, outsider, obligations):
    client.login(username=adviser.username, password=PASSWORD)
    html = client.get(reverse("interviews:fallen_short")).content.decode()
    assert "Short" in html and "PartTimeNone" in html
    assert "LaidOffMet" not in html and "Muualla" not in html
    client.login(username=outsider.username, password=PASSWORD)
    assert "Muualla" in client.get(reverse("interviews:fallen_short")).content.decode()
    caseload = client.get(reverse("clients:caseload")).content.decode()
    assert reverse("interviews:fallen_short") in caseload


def test_the_job_search_part_shows_the_obligation(client, adviser, obligations):
    made, _rows = obligations
    client.login(username=adviser.username, password=PASSWORD)
    html = client.get(reverse("interviews:job_search", args=[made["short"].pk])).content.decode()
    assert "Fallen short this month" in html


def test_a_manager_chooses_the_offices_rule_set_on_the_page(client, manager, office):
    client.login(username=manager.username, password=PASSWORD)
    url = reverse("interviews:office_rule_sets")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"office": office.pk, "code": "nordic_2022", "effective_from": "2026-12-01"}
    )
    assert response.status_code == 302
    assert list(OfficeRuleSet.objects.values_list("office", "code", "effective_from")) == [
        (office.pk, "nordic_2022", D(2026, 12, 1))
    ]
    assert "Nordic job-seeking model (2022)" in client.get(url).content.decode()


@pytest.mark.parametrize("persona", ["adviser", "lead", "outsider"])
def test_only_a_manager_may_choose_a_rule_set(client, request, persona, office):
    user = request.getfixturevalue(persona)
    client.login(username=user.username, password=PASSWORD)
    url = reverse("interviews:office_rule_sets")
    assert client.get(url).status_code == 403
    post = {"office": office.pk, "code": "nordic_2022", "effective_from": "2026-12-01"}
    assert client.post(url, post).status_code == 403
    assert not OfficeRuleSet.objects.exists()


def test_the_caseload_marks_and_filters_who_fell_short_this_month(client, adviser, obligations):
    """The caseload itself: a "Job search 2/4" mark on the rows that fell short, a filter for
    them that combines with the others, and the same query count with the filter on."""
    made, _rows = obligations
    client.force_login(adviser)
    url = reverse("clients:caseload")
    page = client.get(url).content.decode()
    assert "Job search 2/4" in page and "Job search 0/1" in page
    assert page.count('class="tag short"') == 2
    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    with CaptureQueriesContext(connection) as filtered:
        response = client.get(url, {"job_search": "on"})
    names = {c.last_name for c in response.context["page"].object_list}
    assert names == {made["short"].last_name, made["part_time_none"].last_name}
    assert response.context["page"].paginator.count == 2
    assert len(filtered) == len(plain)
    combined = client.get(url, {"job_search": "on", "status": Status.PART_TIME})
    assert [c.last_name for c in combined.context["page"].object_list] == [
        made["part_time_none"].last_name
    ]
