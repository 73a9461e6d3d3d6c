"""Every list endpoint runs the same number of queries for one row as for many."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interviews.models import Appointment
from plans.services import ActionInput, PlanInput, plan_revise
from teams.models import Role
from tests.conftest import make_client, make_interview, make_user

pytestmark = pytest.mark.django_db


def _add_rows(team, adviser, n: int, start: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        client = make_client(team, responsible_adviser=adviser)
        make_interview(client, adviser, held_on=today - dt.timedelta(days=1 + i))
        Appointment.objects.create(
            client=client,
            adviser=adviser,
            booked_by=adviser,
            starts_at=timezone.now() + dt.timedelta(days=1 + i),
            channel="phone",
        )
        for _ in range(2):  # two versions, each with actions
            current = client.plan.versions.count() if hasattr(client, "plan") else 0
            plan_revise(
                client=client,
                author=adviser,
                data=PlanInput(
                    goal="work",
                    applications_per_month=4,
                    actions=[ActionInput(kind="study", description="Course", status="planned")],
                ),
                based_on=current or None,
            )
            client.refresh_from_db()
        make_user(f"member{start + i}", team=team, role=Role.ADVISER)


def _count(client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["count"] >= 1
    return len(ctx.captured_queries)


LISTS = [
    ("/api/v1/clients/", {}),
    ("/api/v1/clients/", {"due_state": "overdue", "ordering": "-next_due_date"}),
    ("/api/v1/interviews/", {}),
    ("/api/v1/appointments/", {}),
    ("/api/v1/plans/", {}),
    ("/api/v1/teams/", {}),
]


@pytest.mark.parametrize("url,params", LISTS)
@pytest.mark.parametrize("persona", ["adviser", "manager"])
def test_list_query_count_does_not_grow_with_rows(
    api, team_a, adviser, manager, persona, url, params
):
    user = {"adviser": adviser, "manager": manager}[persona]
    _add_rows(team_a, adviser, 1, 0)
    one = _count(api(user, token=True), url, params)
    _add_rows(team_a, adviser, 8, 1)
    many = _count(api(user, token=True), url, params)
    print(f"{persona} {url} {params}: {one} queries for 1 row, {many} for 9")
    assert one == many
    assert many <= 10


def test_plan_history_query_count_does_not_grow(api, adviser, team_a):
    _add_rows(team_a, adviser, 1, 0)
    plan_id = team_a.clients.get().plan.pk
    one = _count(api(adviser), f"/api/v1/plans/{plan_id}/versions/")
    client = team_a.clients.get()
    for number in range(2, 8):
        plan_revise(
            client=client,
            author=adviser,
            data=PlanInput(
                goal="work",
                applications_per_month=4,
                actions=[ActionInput(kind="study", description="x", status="planned")],
            ),
            based_on=number,
        )
    assert _count(api(adviser), f"/api/v1/plans/{plan_id}/versions/") == one
