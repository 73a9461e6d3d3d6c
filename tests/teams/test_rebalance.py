"""Rebalancing: choose, preview the effect, confirm, see it in the activity list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.models import Assignment, Client
from reports.dashboard.moves import team_activity
from reports.dashboard.rebalance import move_preview, rebalance_clients
from tests.conftest import PASSWORD, make_user

from .helpers import client_with_history, interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def loads(team_a, adviser, teammate, lead):
    """alice 6 clients (4 overdue), bob 1 (covered), lena none."""
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=400)
    alice = [
        client_with_history(team_a, responsible_adviser=adviser, registered_on=long_ago)
        for _ in range(4)
    ]
    for _ in range(2):
        c = client_with_history(
            team_a, responsible_adviser=adviser, registered_on=long_ago, last_held_on=today
        )
        interview(c, adviser, today)
        alice.append(c)
    bob = client_with_history(
        team_a, responsible_adviser=teammate, registered_on=long_ago, last_held_on=today
    )
    interview(bob, teammate, today)
    return alice


def test_filter_lists_one_advisers_overdue_clients(team_a, adviser, loads):
    today = timezone.localdate()
    overdue = rebalance_clients(team=team_a, today=today, adviser=adviser.pk, which="overdue")
    assert set(overdue) == set(loads[:4])
    never = rebalance_clients(team=team_a, today=today, adviser=None, which="never")
    assert set(never) == set(loads[:4])
    assert (
        rebalance_clients(team=team_a, today=today, adviser="unassigned", which="all").count() == 0
    )


def test_preview_shows_both_advisers_before_and_after(team_a, adviser, teammate, loads):
    today = timezone.localdate()
    chosen = [loads[0].pk, loads[1].pk, loads[4].pk]  # two overdue, one covered
    preview = move_preview(team=team_a, client_ids=chosen, to_adviser=teammate, today=today)
    by_key = {c.key: c for c in preview.changes}
    alice, bob = by_key[adviser.pk], by_key[teammate.pk]
    assert (alice.caseload_before, alice.caseload_after) == (6, 3)
    assert (alice.overdue_before, alice.overdue_after) == (4, 2)
    assert (bob.caseload_before, bob.caseload_after) == (1, 4)
    assert (bob.overdue_before, bob.overdue_after) == (0, 2)
    assert not Assignment.objects.exists()  # a preview moves nothing


def test_preview_page_then_confirm_records_one_batch_in_activity(
    client, team_a, adviser, teammate, lead, loads
):
    client.login(username=lead.username, password=PASSWORD)
    page = client.get(f"/teams/{team_a.pk}/rebalance/?adviser={adviser.pk}&which=overdue")
    assert page.context["suggested"].key == lead.pk  # no clients at all: most room
    assert page.context["selected_to"] == lead.pk
    ids = [c.pk for c in loads[:4]]
    preview = client.post(
        f"/teams/{team_a.pk}/rebalance/preview/", {"clients": ids, "to_adviser": teammate.pk}
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "6 → <strong>2</strong>" in html and "1 → <strong>5</strong>" in html

    done = client.post(
        f"/teams/{team_a.pk}/rebalance/confirm/", {"clients": ids, "to_adviser": teammate.pk}
    )
    assert done.status_code == 302 and done["Location"].endswith("#activity")
    assert Client.objects.filter(responsible_adviser=teammate).count() == 5
    activity = team_activity(team=team_a, viewer=lead)
    assert len(activity) == 1
    batch = activity[0]
    assert batch.count == 4 and batch.moved_by == lead.get_full_name()
    assert batch.flows == [
        (adviser.get_full_name(), "Team A", teammate.get_full_name(), "Team A", 4)
    ]
    dashboard = client.get(f"/teams/{team_a.pk}/").content.decode()
    assert "moved 4 clients" in dashboard


def test_preview_without_clients_or_adviser_rerenders_with_errors(client, team_a, lead, loads):
    client.login(username=lead.username, password=PASSWORD)
    response = client.post(f"/teams/{team_a.pk}/rebalance/preview/", {"clients": []})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one client to move." in html
    assert "Choose who takes the clients over." in html


def test_activity_hides_names_of_clients_now_in_an_unseen_team(
    team_a, team_b, adviser, outsider, lead, manager, loads
):
    from clients.services import clients_reassign

    clients_reassign(
        client_ids=[loads[0].pk, loads[1].pk], to_adviser=outsider, to_team=team_b, moved_by=lead
    )
    (batch,) = team_activity(team=team_a, viewer=adviser)
    assert batch.count == 2 and batch.hidden == 2 and batch.clients == []
    (batch,) = team_activity(team=team_a, viewer=manager)
    assert batch.hidden == 0 and len(batch.clients) == 2


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_and_office_pages_query_count_is_fixed(client, team_a, team_b, manager, lead):
    client.login(username=manager.username, password=PASSWORD)
    small = client_with_history(team_b, registered_on=timezone.localdate() - dt.timedelta(days=90))
    solo = make_user("solo", team=team_b)
    from clients.services import clients_reassign

    # One batch in the activity list here, three below: its size does not matter either.
    clients_reassign(client_ids=[small.pk], to_adviser=solo, to_team=team_b, moved_by=manager)
    few = _page_queries(client, f"/teams/{team_b.pk}/")
    office_few = _page_queries(client, "/teams/office/")

    today = timezone.localdate()
    members = [lead] + [make_user(f"m{i}", team=team_a) for i in range(4)]
    for i in range(40):
        who = members[i % 5]
        c = client_with_history(
            team_a, responsible_adviser=who, registered_on=today - dt.timedelta(days=400)
        )
        interview(c, who, today - dt.timedelta(days=i * 7))
    for i in range(3):  # three batches in the activity list
        clients_reassign(
            client_ids=list(
                Client.objects.filter(team=team_a).values_list("pk", flat=True)[i * 3 : i * 3 + 3]
            ),
            to_adviser=members[(i + 1) % 5],
            to_team=team_a,
            moved_by=lead,
        )
    many = _page_queries(client, f"/teams/{team_a.pk}/")
    office_many = _page_queries(client, "/teams/office/")
    assert few == many
    assert office_few == office_many
    rebalance_few = _page_queries(client, f"/teams/{team_b.pk}/rebalance/?which=all")
    rebalance_many = _page_queries(client, f"/teams/{team_a.pk}/rebalance/?which=all")
    assert rebalance_few == rebalance_many
