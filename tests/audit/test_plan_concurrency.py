"""Two advisers revising the same plan at once: the second save is refused, nothing is lost."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interviews.choices import Channel, Outcome
from plans.models import ActionKind, ActionStatus, Goal, PlanVersion
from plans.services import PlanConflict, PlanInput, plan_revise
from tests.conftest import make_client, make_user


def _plan(details: str, applications: int = 4) -> PlanInput:
    return PlanInput(goal=Goal.WORK, applications_per_month=applications, goal_details=details)


def test_the_second_of_two_revisions_from_the_same_version_is_refused(client_a, adviser, teammate):
    plan_revise(client=client_a, author=adviser, data=_plan("first agreed"), based_on=None)
    # Both open version 1; Alice saves first.
    plan_revise(client=client_a, author=adviser, data=_plan("Alice's revision"), based_on=1)
    bobs = _plan("Bob's revision", applications=2)
    with pytest.raises(PlanConflict) as refused:
        plan_revise(client=client_a, author=teammate, data=bobs, based_on=1)
    assert refused.value.current.number == 2
    assert "revised by Alice Tester while you were editing" in str(refused.value)
    versions = list(
        PlanVersion.objects.filter(plan__client=client_a)
        .order_by("number")
        .values_list("number", "goal_details", "author__username")
    )
    assert versions == [(1, "first agreed", "alice"), (2, "Alice's revision", "alice")]
    # Bob's input is still his to re-submit, now on top of version 2.
    third = plan_revise(client=client_a, author=teammate, data=bobs, based_on=2)
    assert (third.number, third.goal_details, third.author) == (3, "Bob's revision", teammate)


def test_a_first_plan_started_twice_is_saved_once(client_a, adviser, teammate):
    plan_revise(client=client_a, author=adviser, data=_plan("Alice"), based_on=None)
    with pytest.raises(PlanConflict):
        plan_revise(client=client_a, author=teammate, data=_plan("Bob"), based_on=None)
    assert PlanVersion.objects.filter(plan__client=client_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_revisions_in_the_database_one_wins_one_is_refused(
    office, service_line, team_a
):
    """Two threads, two database connections, the same base version at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL (CI runs it there)")
    alice = make_user("alice", team=team_a)
    bob = make_user("bob", team=team_a)
    client = make_client(team_a)
    plan_revise(client=client, author=alice, data=_plan("v1"), based_on=None)
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def revise(author, text):
        try:
            start.wait(timeout=10)
            results[text] = plan_revise(client=client, author=author, data=_plan(text), based_on=1)
        except PlanConflict as conflict:
            results[text] = conflict
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=revise, args=(alice, "alice")),
        threading.Thread(target=revise, args=(bob, "bob")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["PlanConflict", "PlanVersion"]
    assert sorted(
        PlanVersion.objects.filter(plan__client=client).values_list("number", flat=True)
    ) == [
        1,
        2,
    ]


# --- The same, through the interview form ------------------------------------------------


def _form(based_on: str, details: str) -> dict:
    held = timezone.localtime(timezone.now() - dt.timedelta(minutes=30))
    return {
        "channel": Channel.PHONE,
        "outcome": Outcome.HELD,
        "held_at": held.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "30",
        "notes": "",
        "submission_key": str(uuid.uuid4()),
        "plan_based_on": based_on,
        "appointment": "",
        "plan-goal": Goal.WORK,
        "plan-goal_details": details,
        "plan-applications_per_month": "3",
        "plan-job_search_period_months": "1",
        "plan-job_search_from": "2026-12",
        "plan-follow_up": "",
        "plan-strengths": "",
        "plan-needs": "",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "40",
        "actions-0-kind": ActionKind.COACHING,
        "actions-0-description": f"Coaching for {details}",
        "actions-0-status": ActionStatus.PLANNED,
        "actions-0-due_date": "",
    }


def test_two_advisers_saving_the_interview_form_at_once(client_a, adviser, teammate):
    plan_revise(client=client_a, author=adviser, data=_plan("agreed in spring"), based_on=None)
    url = reverse("interviews:log", args=[client_a.pk])
    alice, bob = Client(), Client()
    alice.force_login(adviser)
    bob.force_login(teammate)
    # Both open the form on version 1.
    for browser in (alice, bob):
        assert browser.get(url).context["form"]["plan_based_on"].value() == 1
    assert alice.post(url, _form("1", "Alice's words")).status_code == 302
    # Bob confirms that his is a second interview that day (the form asks: issue 18).
    refused = bob.post(url, {**_form("1", "Bob's words"), "second_today": "on"})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "The plan was revised by Alice Tester while you were editing" in html
    assert "Bob&#x27;s words" in html and "Coaching for Bob&#x27;s words" in html  # kept
    assert str(refused.context["form"]["plan_based_on"].value()) == "2"
    details = list(
        PlanVersion.objects.filter(plan__client=client_a)
        .order_by("number")
        .values_list("goal_details", flat=True)
    )
    assert details == ["agreed in spring", "Alice's words"]
    # Bob re-submits what he wrote, on top of Alice's version.
    again = {**_form("2", "Bob's words"), "second_today": "on"}
    assert bob.post(url, again).status_code == 302
    assert PlanVersion.objects.filter(plan__client=client_a).latest().goal_details == "Bob's words"
