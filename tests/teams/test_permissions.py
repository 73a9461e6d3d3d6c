"""Who sees which dashboard, who moves whose clients, who changes the target."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import Assignment, Client
from teams.models import ManagerScope, Office, ServiceLine, Team
from tests.conftest import PASSWORD, make_user

from .helpers import client_with_history

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def pages(team) -> list[str]:
    return [f"/teams/{team.pk}/", f"/teams/{team.pk}/rebalance/"]


@pytest.fixture
def a_clients(team_a, adviser):
    long_ago = timezone.localdate() - dt.timedelta(days=400)
    return [
        client_with_history(team_a, responsible_adviser=adviser, registered_on=long_ago)
        for _ in range(3)
    ]


def test_anonymous_is_sent_to_sign_in(client, team_a):
    for url in [*pages(team_a), "/teams/", "/teams/office/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_members_and_lead_see_their_team_dashboard(client, team_a, adviser, teammate, lead):
    for user in (adviser, teammate, lead):
        login(client, user)
        for url in pages(team_a):
            assert client.get(url).status_code == 200
        assert client.get("/teams/")["Location"] == f"/teams/{team_a.pk}/"


def test_outsider_gets_404_for_another_teams_pages(client, team_a, outsider, a_clients, adviser):
    login(client, outsider)
    for url in pages(team_a):
        assert client.get(url).status_code == 404
    data = {"clients": [c.pk for c in a_clients], "to_adviser": outsider.pk}
    for step in ("preview", "confirm"):
        assert client.post(f"/teams/{team_a.pk}/rebalance/{step}/", data).status_code == 404
    assert client.post(f"/teams/{team_a.pk}/target/", {"target_caseload": 5}).status_code == 404
    assert client.get("/teams/office/").status_code == 404


def test_outsider_cannot_move_team_a_clients_through_own_team(
    client, team_a, team_b, outsider, a_clients, adviser
):
    login(client, outsider)
    data = {"clients": [c.pk for c in a_clients], "to_adviser": outsider.pk}
    response = client.post(f"/teams/{team_b.pk}/rebalance/confirm/", data)
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    assert set(Client.objects.values_list("team_id", flat=True)) == {team_a.pk}


def test_member_moves_within_team_but_is_not_offered_other_teams(
    client, team_a, adviser, teammate, outsider, a_clients
):
    login(client, adviser)
    page = client.get(f"/teams/{team_a.pk}/rebalance/?which=all")
    assert page.context["destinations"][0][0] == team_a
    assert len(page.context["destinations"]) == 1
    assert outsider.username not in page.content.decode()

    ids = [c.pk for c in a_clients[:2]]
    crossed = client.post(
        f"/teams/{team_a.pk}/rebalance/confirm/", {"clients": ids, "to_adviser": outsider.pk}
    )
    assert crossed.status_code == 302
    assert not Assignment.objects.exists()

    moved = client.post(
        f"/teams/{team_a.pk}/rebalance/confirm/", {"clients": ids, "to_adviser": teammate.pk}
    )
    assert moved.status_code == 302
    assert set(
        Client.objects.filter(pk__in=ids).values_list("responsible_adviser_id", "team_id")
    ) == {(teammate.pk, team_a.pk)}
    assert Assignment.objects.filter(moved_by=adviser).count() == 2


def test_team_lead_moves_clients_out_of_the_team(client, team_a, team_b, lead, outsider, a_clients):
    login(client, lead)
    page = client.get(f"/teams/{team_a.pk}/rebalance/")
    assert team_b in [t for t, _users in page.context["destinations"]]
    ids = [c.pk for c in a_clients]
    response = client.post(
        f"/teams/{team_a.pk}/rebalance/confirm/", {"clients": ids, "to_adviser": outsider.pk}
    )
    assert response.status_code == 302
    assert set(Client.objects.values_list("team_id", "responsible_adviser_id")) == {
        (team_b.pk, outsider.pk)
    }
    batches = set(Assignment.objects.values_list("batch", flat=True))
    assert len(batches) == 1


def test_manager_sees_every_team_in_scope_and_the_office_view(
    client, team_a, team_b, manager, office
):
    other_line = ServiceLine.objects.create(
        office=Office.objects.create(name="Elsewhere", code="else"), name="Other"
    )
    foreign = Team.objects.create(service_line=other_line, name="Foreign")
    login(client, manager)
    for team in (team_a, team_b):
        for url in pages(team):
            assert client.get(url).status_code == 200
    assert client.get(f"/teams/{foreign.pk}/").status_code == 404
    assert client.get("/teams/")["Location"] == "/teams/office/"
    office_page = client.get("/teams/office/")
    assert office_page.status_code == 200
    assert [r.team for r in office_page.context["rows"]] == [team_a, team_b]
    assert client.get(f"/teams/office/?line={other_line.pk}").context["line"] != other_line


def test_service_line_manager_sees_only_that_line(client, team_a, service_line):
    line_manager = make_user("liisa")
    ManagerScope.objects.create(user=line_manager, service_line=service_line)
    login(client, line_manager)
    assert client.get(f"/teams/{team_a.pk}/").status_code == 200


def test_adviser_has_no_office_view(client, adviser):
    login(client, adviser)
    assert client.get("/teams/office/").status_code == 404


def test_lead_and_manager_set_target_members_cannot(client, team_a, adviser, lead, manager):
    login(client, adviser)
    assert client.post(f"/teams/{team_a.pk}/target/", {"target_caseload": 5}).status_code == 403
    assert not client.get(f"/teams/{team_a.pk}/").context["can_manage"]
    login(client, lead)
    assert client.post(f"/teams/{team_a.pk}/target/", {"target_caseload": 250}).status_code == 302
    team_a.refresh_from_db()
    assert team_a.target_caseload == 250
    login(client, manager)
    assert client.post(f"/teams/{team_a.pk}/target/", {"target_caseload": 280}).status_code == 302
    team_a.refresh_from_db()
    assert team_a.target_caseload == 280


@pytest.mark.parametrize("value", ["0", "5001", "abc", ""])
def test_invalid_target_is_shown_next_to_the_field(client, team_a, lead, value):
    login(client, lead)
    response = client.post(f"/teams/{team_a.pk}/target/", {"target_caseload": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "errorlist" in html
    assert f'value="{value}"' in html or value == ""
    team_a.refresh_from_db()
    assert team_a.target_caseload == 300
