"""The manager story: an office switches from periodic_2017 to nordic_2022 from a chosen date.
New clients get the new deadlines; existing history and past coverage stay as they were."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from clients.models import Client
from clients.selectors import office_schedule_of_team
from clients.services import client_create
from interviews.choices import Channel, Outcome
from interviews.models import OfficeRuleSet
from interviews.services import interview_log, office_rule_set_choose
from reports.models import CoverageDay
from reports.selectors.history import coverage_from_history
from reports.services import coverage_snapshot_build
from tests.conftest import make_client, make_code, make_interview

D = dt.date


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9), dt.UTC), tick=False)


def _history(team_a, adviser):
    """Clients with history before the switch (built as of 10.6.2026)."""
    held = make_client(team_a, registered_on=D(2026, 3, 2), last_held_on=D(2026, 5, 1))
    make_interview(held, adviser, held_on=D(2026, 5, 1))
    waiting = make_client(team_a, registered_on=D(2026, 6, 1))
    lapsed = make_client(team_a, registered_on=D(2025, 6, 2), last_held_on=D(2025, 9, 1))
    make_interview(lapsed, adviser, held_on=D(2025, 9, 1))
    return held, waiting, lapsed


def test_switch_gives_new_clients_five_working_days_and_keeps_history(
    office, team_a, adviser, manager
):
    with at(D(2026, 6, 10)):
        held, waiting, lapsed = _history(team_a, adviser)
        before = {day: coverage_from_history(day) for day in (D(2026, 3, 31), D(2026, 5, 31))}
        kept = coverage_snapshot_build(D(2026, 5, 31))
        dues_before = dict(Client.objects.values_list("pk", "next_due_date"))

        office_rule_set_choose(
            office=office, code="nordic_2022", effective_from=D(2026, 6, 15), chosen_by=manager
        )

        # Existing clients: deadlines counted from days before the switch do not move.
        assert dict(Client.objects.values_list("pk", "next_due_date")) == dues_before
        assert dues_before[waiting.pk] == D(2026, 6, 15)
        # Three months after 1.5. is Saturday 1.8.: the law of 2026 moves it to Monday.
        assert dues_before[held.pk] == D(2026, 8, 3)
        # Past coverage: the same figures, and the kept snapshot is still served.
        assert {day: coverage_from_history(day) for day in before} == before
        kept.refresh_from_db()
        assert not kept.stale

    with at(D(2026, 6, 15)):
        new = client_create(
            personal_identity_code=make_code(),
            first_name="Uusi",
            last_name="Asiakas",
            team=team_a,
            created_by=adviser,
        )
        # 16., 17., 18. are working days; 19.6. is Midsummer Eve, 20.–21. a weekend.
        assert new.next_due_date == D(2026, 6, 23)
        assert Client.objects.get(pk=waiting.pk).next_due_date == D(2026, 6, 15)

    with at(D(2026, 6, 16)):
        # An interview after the switch: the next deadline follows nordic_2022 (the
        # supplementary phase of three months from 2.3. is over, so three months on).
        interview_log(
            client=Client.objects.get(pk=held.pk),
            adviser=adviser,
            held_at=timezone.now(),
            channel=Channel.PHONE,
            outcome=Outcome.HELD,
        )
        assert Client.objects.get(pk=held.pk).next_due_date == D(2026, 9, 16)
        # The new client's first conversation starts the two-weekly supplementary phase.
        interview_log(
            client=new,
            adviser=adviser,
            held_at=timezone.now(),
            channel=Channel.PHONE,
            outcome=Outcome.HELD,
        )
        assert Client.objects.get(pk=new.pk).next_due_date == D(2026, 6, 30)
        assert {day: coverage_from_history(day) for day in before} == before


def test_a_switch_dated_in_the_past_marks_kept_days_from_then_stale(office, team_a, manager):
    with at(D(2026, 6, 10)):
        make_client(team_a, registered_on=D(2026, 4, 1))
        coverage_snapshot_build(D(2026, 3, 31))
        coverage_snapshot_build(D(2026, 4, 30))
        office_rule_set_choose(
            office=office, code="reform_2026", effective_from=D(2026, 4, 1), chosen_by=manager
        )
        assert dict(CoverageDay.objects.values_list("day", "stale")) == {
            D(2026, 3, 31): False,
            D(2026, 4, 30): True,
        }
        # The client registered on 1.4. now has ten working days (Easter: 3.4. and 6.4.).
        assert Client.objects.get().next_due_date == D(2026, 4, 17)


def test_choosing_again_for_the_same_day_replaces_the_choice(office, manager, team_a):
    with at(D(2026, 6, 10)):
        office_rule_set_choose(
            office=office, code="nordic_2022", effective_from=D(2026, 7, 1), chosen_by=manager
        )
        office_rule_set_choose(
            office=office, code="reform_2026", effective_from=D(2026, 7, 1), chosen_by=manager
        )
    assert list(OfficeRuleSet.objects.values_list("code", flat=True)) == ["reform_2026"]
    assert office_schedule_of_team(team_id=team_a.pk) == [(D(2026, 7, 1), "reform_2026")]


def test_a_rule_set_change_recomputes_in_one_set_based_run(office, team_a, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    with at(D(2026, 6, 10)):
        office_rule_set_choose(
            office=office, code="nordic_2022", effective_from=D(2026, 1, 1), chosen_by=manager
        )
        for code, clients in (("reform_2026", 1), ("nordic_2022", 5), ("reform_2026", 0)):
            for _n in range(clients):
                make_client(team_a, registered_on=D(2026, 6, 8))
            with CaptureQueriesContext(connection) as captured:
                office_rule_set_choose(
                    office=office, code=code, effective_from=D(2026, 1, 1), chosen_by=manager
                )
            counts.append(len(captured.captured_queries))
    # The same number of statements for 1 client as for 6: nothing loops over clients.
    assert counts[0] == counts[1] == counts[2] <= 15
    assert set(Client.objects.values_list("next_due_date", flat=True)) == {D(2026, 6, 23)}


def test_done_when_a_manager_switches_the_demo_office_on_the_page(db, client, settings):
    """Issue 9's "done when", end to end on the demo office: the manager chooses nordic_2022
    from a date on the rule-set page; a client registered on that day is due for the initial
    interview in five working days (Midsummer skipped); every existing client keeps its
    deadline and history, and past coverage stays as it was."""
    from django.urls import reverse

    from interviews.models import Interview
    from teams.models import Membership, Office
    from tools.demo.office import seed_demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with at(D(2026, 6, 10)):
        seed_demo(clients=300, seed=5, today=D(2026, 6, 10), password="pw-demo")
        office = Office.objects.get(code="demo")
        past_days = (D(2026, 1, 31), D(2026, 3, 31), D(2026, 5, 31))
        coverage_before = {day: coverage_from_history(day) for day in past_days}
        kept = coverage_snapshot_build(D(2026, 5, 31))
        dues_before = dict(Client.objects.values_list("pk", "next_due_date"))
        history_before = sorted(Interview.objects.values_list("id", "client_id", "held_at"))
        assert sum(f.required for f in coverage_before[D(2026, 5, 31)].values()) > 50

        assert client.login(username="manager", password="pw-demo")
        url = reverse("interviews:office_rule_sets")
        page = client.get(url).content.decode()
        assert "No rule set chosen: the law in force applies." in page
        response = client.post(
            url, {"office": office.pk, "code": "nordic_2022", "effective_from": "2026-06-15"}
        )
        assert response.status_code == 302
        page = client.get(url).content.decode()
        assert "Nordic job-seeking model (2022)" in page and "15.6.2026" in page
        assert list(OfficeRuleSet.objects.values_list("office", "code", "effective_from")) == [
            (office.pk, "nordic_2022", D(2026, 6, 15))
        ]

        # Existing clients: the same deadlines and history; past coverage as it was, and the
        # figures kept for 31.5. are still served.
        assert dict(Client.objects.values_list("pk", "next_due_date")) == dues_before
        assert sorted(Interview.objects.values_list("id", "client_id", "held_at")) == (
            history_before
        )
        assert {day: coverage_from_history(day) for day in past_days} == coverage_before
        kept.refresh_from_db()
        assert not kept.stale

    with at(D(2026, 6, 15)):
        # An adviser of the demo office registers a new client on the first day of the rule.
        team = Membership.objects.get(user__username="adviser").team
        client.logout()
        assert client.login(username="adviser", password="pw-demo")
        response = client.post(
            "/api/v1/clients/",
            {
                "personal_identity_code": make_code(),
                "first_name": "Uusi",
                "last_name": "Asiakas",
                "team": team.pk,
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        # Working days 16., 17., 18.; Midsummer Eve 19.6. and the weekend skipped; 22., 23.
        assert response.json()["next_due_date"] == "2026-06-23"
        new = Client.objects.get(pk=response.json()["id"])
        assert new.registered_on == D(2026, 6, 15)
        # The nightly run on the switch day leaves the existing clients' deadlines alone.
        from interviews.services import due_states_refresh

        due_states_refresh(full=True)
        after = dict(Client.objects.exclude(pk=new.pk).values_list("pk", "next_due_date"))
        assert after == dues_before
        assert {day: coverage_from_history(day) for day in past_days} == coverage_before
