"""Issue 17, point 3: the kinds of discussion, which of them restart the clock under each rule
set, and the kind the form and the API propose."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client
from interviews import rules, rulesets
from interviews.choices import Channel, InterviewKind, Outcome
from interviews.models import Interview
from interviews.services import due_states_refresh, interview_log, office_rule_set_choose
from tests.conftest import make_client
from tests.web.test_interview_log import form_data

D = dt.date


def _log(client, adviser, day: dt.date, kind: str | None) -> Interview:
    interview, _created = interview_log(
        client=client,
        adviser=adviser,
        held_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
        channel=Channel.PHONE,
        outcome=Outcome.HELD,
        kind=kind,
        duration_minutes=30,
    )
    client.refresh_from_db()
    return interview


def test_each_rule_set_says_which_kinds_restart_the_clock():
    law = {code: rulesets.get(code).clock_kinds for code in rulesets.CODES}
    assert law["periodic_2017"] == set(InterviewKind.values)
    assert law["nordic_2022"] == {"initial", "supplementary", "job_search"}
    assert law["reform_2026"] == {"initial", "job_search"}


def test_a_supplementary_discussion_by_need_does_not_push_the_three_monthly_one_back(
    team_a, adviser
):
    client = make_client(team_a, status_since=D(2026, 1, 5), registered_on=D(2026, 1, 5))
    _log(client, adviser, D(2026, 9, 1), InterviewKind.JOB_SEARCH)
    assert client.next_due_date == D(2026, 12, 1)
    for kind in (InterviewKind.SUPPLEMENTARY, InterviewKind.OTHER):
        _log(client, adviser, D(2026, 10, 15), kind)
        assert (client.last_held_on, client.next_due_date) == (D(2026, 9, 1), D(2026, 12, 1))
    # The set-based recompute counts the same kinds.
    Client.objects.filter(pk=client.pk).update(last_held_on=None, next_due_date=None)
    due_states_refresh(today=D(2026, 11, 1), full=True)
    client.refresh_from_db()
    assert (client.last_held_on, client.next_due_date) == (D(2026, 9, 1), D(2026, 12, 1))
    assert Interview.objects.held().count() == 1
    assert Interview.objects.held_any_kind().count() == 3


def test_under_the_2022_model_a_supplementary_discussion_restarts_the_clock(team_a, adviser):
    client = make_client(team_a, status_since=D(2025, 1, 7), registered_on=D(2025, 1, 7))
    _log(client, adviser, D(2025, 9, 1), InterviewKind.JOB_SEARCH)
    _log(client, adviser, D(2025, 9, 20), InterviewKind.SUPPLEMENTARY)
    assert client.last_held_on == D(2025, 9, 20)
    # "Other" is not a job-search discussion: it does not count after 2.5.2022.
    _log(client, adviser, D(2025, 10, 1), InterviewKind.OTHER)
    assert client.last_held_on == D(2025, 9, 20)


def test_an_office_on_the_2017_rule_counts_every_kind(office, team_a, adviser, manager):
    office_rule_set_choose(
        office=office, code="periodic_2017", effective_from=D(2000, 1, 1), chosen_by=manager
    )
    client = make_client(team_a, status_since=D(2026, 1, 5), registered_on=D(2026, 1, 5))
    _log(client, adviser, D(2026, 9, 1), InterviewKind.JOB_SEARCH)
    _log(client, adviser, D(2026, 10, 15), InterviewKind.OTHER)
    assert client.last_held_on == D(2026, 10, 15)
    Client.objects.filter(pk=client.pk).update(last_held_on=None)
    due_states_refresh(today=D(2026, 11, 1), full=True)
    client.refresh_from_db()
    assert client.last_held_on == D(2026, 10, 15)


def test_the_rule_proposes_an_initial_interview_first_then_the_three_monthly_one(team_a, adviser):
    client = make_client(team_a, status_since=D(2026, 6, 1), registered_on=D(2025, 1, 1))
    assert rules.proposed_kind(status_since=D(2026, 6, 1), last_held_on=None) == "initial"
    # A discussion held before the current status began does not count.
    assert rules.proposed_kind(status_since=D(2026, 6, 1), last_held_on=D(2026, 5, 1)) == (
        "initial"
    )
    first = _log(client, adviser, D(2026, 6, 8), None)
    assert first.kind == InterviewKind.INITIAL
    second = _log(client, adviser, D(2026, 9, 8), None)
    assert second.kind == InterviewKind.JOB_SEARCH


def test_the_form_shows_the_proposed_kind_and_records_the_advisers_choice(client, team_a, adviser):
    person = make_client(team_a, status_since=D(2026, 6, 1), registered_on=D(2026, 6, 1))
    client.force_login(adviser)
    url = reverse("interviews:log", args=[person.pk])
    page = client.get(url)
    assert page.context["form"]["kind"].value() == InterviewKind.INITIAL
    assert '<option value="initial" selected>' in page.content.decode()
    data = form_data(
        kind=InterviewKind.SUPPLEMENTARY, held_at="2026-06-03T10:00", **{"actions-TOTAL_FORMS": "0"}
    )
    bad = client.post(url, data | {"kind": "periodic"})
    assert "kind" in bad.context["form"].errors
    assert not Interview.objects.filter(client=person).exists()
    assert client.post(url, data).status_code == 302
    assert Interview.objects.get(client=person).kind == InterviewKind.SUPPLEMENTARY
    # After an interview the form proposes the three-monthly discussion.
    person.refresh_from_db()
    assert client.get(url).context["form"]["kind"].value() == InterviewKind.INITIAL
    _log(person, adviser, D(2026, 6, 10), InterviewKind.INITIAL)
    assert client.get(url).context["form"]["kind"].value() == InterviewKind.JOB_SEARCH


@pytest.mark.parametrize("sent,stored", [(None, "initial"), ("other", "other")])
def test_the_api_records_the_kind_or_the_proposal(adviser, team_a, sent, stored):
    person = make_client(team_a, status_since=D(2026, 6, 1), registered_on=D(2026, 6, 1))
    payload = {
        "client": person.pk,
        "held_at": "2026-06-03T10:00:00+03:00",
        "channel": "phone",
        "outcome": "held",
    }
    if sent:
        payload["kind"] = sent
    api = APIClient()
    api.force_login(adviser)
    response = api.post("/api/v1/interviews/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert Interview.objects.get(client=person).kind == stored
