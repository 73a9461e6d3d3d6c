"""The access log from the menu: a client found by name or identity code (posted, shown back
masked, resolved through the gate) and a person by a part of their name."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessAction, AccessLog
from teams.models import Office, ServiceLine, Team
from tests.conftest import make_client, make_user

pytestmark = pytest.mark.django_db
URL = reverse("audit:access_log")
FIND = reverse("audit:find_client")


def _viewed(user, client) -> AccessLog:
    return AccessLog.objects.create(
        user=user,
        username=user.username,
        action=AccessAction.PAGE,
        client_ids=[client.pk],
        client_count=1,
        at=timezone.now(),
        path=f"/clients/{client.pk}/",
    )


@pytest.fixture
def far_client(db):
    office = Office.objects.create(name="Far office", code="far")
    line = ServiceLine.objects.create(office=office, name="Far line")
    return make_client(
        Team.objects.create(service_line=line, name="Far team"), last_name="Kaukonen"
    )


def test_the_menu_shows_the_access_log_to_managers_only(client, manager, adviser):
    client.force_login(adviser)
    assert f'href="{URL}"' not in client.get(reverse("clients:caseload")).content.decode()
    client.force_login(manager)
    assert f'href="{URL}"' in client.get(reverse("clients:caseload")).content.decode()


def test_an_identity_code_goes_to_the_clients_entries_and_never_into_a_url(
    client, manager, client_a
):
    client.force_login(manager)
    response = client.post(FIND, {"who": client_a.personal_identity_code.lower()})
    assert response.status_code == 302 and response["Location"] == f"{URL}?client={client_a.pk}"
    assert client_a.personal_identity_code not in response["Location"]


def test_a_code_outside_the_managers_teams_is_not_found_and_shown_masked(
    client, manager, far_client
):
    client.force_login(manager)
    response = client.post(FIND, {"who": far_client.personal_identity_code})
    page = response.content.decode()
    assert response.status_code == 400
    assert "No client matches among the teams you follow." in page
    assert far_client.personal_identity_code not in page
    assert far_client.masked_identity_code in page


def test_a_name_lists_the_matching_clients_masked_and_logs_them(
    client, manager, team_a, far_client
):
    one = make_client(team_a, first_name="Aino", last_name="Virtanen")
    two = make_client(team_a, first_name="Eino", last_name="Virtanen")
    client.force_login(manager)
    response = client.post(FIND, {"who": "virtaNEN"})
    page = response.content.decode()
    assert response.status_code == 200
    for c in (one, two):
        assert f"?client={c.pk}" in page and c.masked_identity_code in page
        assert c.personal_identity_code not in page
    logged = AccessLog.objects.filter(path=FIND).get()
    assert sorted(logged.client_ids) == sorted([one.pk, two.pk])
    # two words narrow to one client, who opens at once; a client of another office never
    assert client.post(FIND, {"who": "ain virt"})["Location"] == f"{URL}?client={one.pk}"
    assert client.post(FIND, {"who": "Kaukonen"}).status_code == 400


def test_a_person_is_found_by_a_part_of_the_name_in_any_case(
    client, manager, adviser, teammate, client_a, far_client
):
    adviser.first_name, adviser.last_name = "Aino", "Ahonen"
    adviser.save(update_fields=["first_name", "last_name"])
    mine = _viewed(adviser, client_a)
    _viewed(teammate, client_a)
    stranger = make_user("ahoniemi", first_name="Aho", last_name="Niemi")
    _viewed(stranger, far_client)  # not a user of the manager's teams: never listed
    client.force_login(manager)
    rows = list(client.get(URL, {"user": "AHON"}).context["page"])
    assert rows == [mine]
    assert list(client.get(URL, {"user": "aino aho"}).context["page"]) == [mine]
    assert list(client.get(URL, {"person": adviser.pk}).context["page"]) == [mine]
