"""Contact attempts as evidence, the missed-contacts report, the job-search obligation and
the manager's rule-set page, against hand-computed expectations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from interviews import rules
from interviews.choices import Channel
from interviews.models import ContactResult, OfficeRuleSet
from interviews.selectors import missed_contacts
from interviews.services import contact_attempt_record
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
