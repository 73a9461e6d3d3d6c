from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from clients import identity
from clients.models import Assignment, Client, StatusChange
from interviews.choices import DueState
from tests.conftest import make_client, make_code

pytestmark = pytest.mark.django_db

URL = "/api/v1/clients/"


def test_integrator_lists_a_teams_overdue_clients_with_a_token(api, adviser, team_a, team_b):
    today = timezone.localdate()
    overdue = make_client(team_a, last_name="Overdue", registered_on=today - dt.timedelta(days=60))
    make_client(team_a, last_name="Fresh", registered_on=today)
    make_client(team_b, last_name="OtherTeam", registered_on=today - dt.timedelta(days=60))
    response = api(adviser, token=True).get(URL, {"team": team_a.pk, "due_state": "overdue"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == overdue.pk
    assert row["due_state"] == DueState.OVERDUE
    assert row["due_state_display"] == "Overdue"
    assert row["next_due_date"] == overdue.next_due_date.isoformat()
    assert row["team"] == team_a.pk


def test_list_shows_the_documented_fields_with_the_code_masked(api, adviser, client_a):
    row = api(adviser).get(URL).json()["results"][0]
    assert set(row) >= {
        "id",
        "personal_identity_code",
        "first_name",
        "last_name",
        "language",
        "language_display",
        "status",
        "status_display",
        "team",
        "responsible_adviser",
        "due_state",
        "due_state_display",
        "next_due_date",
    }
    assert row["personal_identity_code"] == identity.mask(client_a.personal_identity_code)
    assert row["personal_identity_code"].endswith("****")
    assert row["responsible_adviser"] == adviser.pk


def test_detail_reveals_the_code_only_on_request_to_a_team_member(
    api, adviser, lead, manager, client_a
):
    url = f"{URL}{client_a.pk}/"
    full = client_a.personal_identity_code
    assert api(adviser).get(url).json()["personal_identity_code"] != full
    assert api(adviser).get(url, {"reveal": "true"}).json()["personal_identity_code"] == full
    assert api(lead).get(url, {"reveal": "true"}).json()["personal_identity_code"] == full
    # A manager sees the client but does not work with it: the code stays masked.
    masked = api(manager).get(url, {"reveal": "true"}).json()["personal_identity_code"]
    assert masked == identity.mask(full)


def test_list_never_reveals_codes(api, adviser, client_a):
    row = api(adviser).get(URL, {"reveal": "true"}).json()["results"][0]
    assert row["personal_identity_code"] == identity.mask(client_a.personal_identity_code)


def test_filters_by_status_adviser_and_due_date_range(api, adviser, teammate, team_a):
    today = timezone.localdate()
    mine = make_client(team_a, responsible_adviser=adviser, registered_on=today)
    theirs = make_client(
        team_a, responsible_adviser=teammate, registered_on=today - dt.timedelta(days=30)
    )
    employed = make_client(team_a, status="employed")
    c = api(adviser)

    def ids(**params):
        return {row["id"] for row in c.get(URL, params).json()["results"]}

    assert ids(responsible_adviser=adviser.pk) == {mine.pk}
    assert ids(status="employed") == {employed.pk}
    assert ids(status=["employed", "unemployed"]) == {mine.pk, theirs.pk, employed.pk}
    assert ids(next_due_date_after=today.isoformat()) == {mine.pk}
    assert ids(next_due_date_before=(today - dt.timedelta(days=1)).isoformat()) == {theirs.pk}


def test_ordering_and_pagination(api, adviser, team_a):
    for name in ["Cc", "Aa", "Bb"]:
        make_client(team_a, last_name=name)
    c = api(adviser)
    assert [r["last_name"] for r in c.get(URL).json()["results"]] == ["Aa", "Bb", "Cc"]
    desc = c.get(URL, {"ordering": "-last_name"}).json()["results"]
    assert [r["last_name"] for r in desc] == ["Cc", "Bb", "Aa"]
    page = c.get(URL, {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3 and [r["last_name"] for r in page["results"]] == ["Cc"]
    assert c.get(URL, {"page": 99}).status_code == 404
    # An unknown ordering field is ignored, not an error.
    assert c.get(URL, {"ordering": "personal_identity_code"}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"team": "abc"},
        {"team": "99999999999999999999999"},
        {"due_state": "late"},
        {"status": "retired"},
        {"responsible_adviser": "1.5"},
        {"responsible_adviser": "99999999999999999999999"},
        {"next_due_date_after": "2026-02-30"},
        {"language": "de"},
    ],
)
def test_bad_filters_answer_400_with_the_parameter_named(api, adviser, client_a, params):
    response = api(adviser).get(URL, params)
    assert response.status_code == 400
    assert set(response.json()) <= set(params) | {"next_due_date"}  # the range is named as a whole


def test_filtering_by_another_teams_id_is_refused_like_an_unknown_team(
    api, adviser, team_b, client_a
):
    response = api(adviser).get(URL, {"team": team_b.pk})
    assert response.status_code == 400
    assert "team" in response.json()


def test_create_registers_a_client_through_the_service(api, adviser, team_a):
    code = make_code()
    response = api(adviser, token=True).post(
        URL,
        {
            "personal_identity_code": code.lower(),
            "first_name": "Aino",
            "last_name": "Virtanen",
            "team": team_a.pk,
            "responsible_adviser": adviser.pk,
            "language": "sv",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    client = Client.objects.get(pk=response.json()["id"])
    assert client.personal_identity_code == code
    assert client.language == "sv"
    assert client.birth_date == identity.birth_date(code)
    assert client.status_changes.count() == 1  # the service's event row
    assert client.due_state == DueState.DUE_SOON
    assert response.json()["personal_identity_code"] == identity.mask(code)


def _db_state():
    return (
        Client.objects.count(),
        StatusChange.objects.count(),
        Assignment.objects.count(),
        sorted(Client.objects.values_list("id", "status", "team_id", "responsible_adviser_id")),
    )


@pytest.mark.parametrize(
    "change,field",
    [
        ({"personal_identity_code": "131052-308U"}, "personal_identity_code"),  # check char
        ({"personal_identity_code": "310299-1234"}, "personal_identity_code"),  # 31 Feb
        ({"personal_identity_code": "131052308T"}, "personal_identity_code"),  # no century
        ({"personal_identity_code": 131052308}, "personal_identity_code"),  # wrong type
        ({"personal_identity_code": "1" * 500}, "personal_identity_code"),  # overlong
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"first_name": None}, "first_name"),
        ({"team": 999_999}, "team"),
        ({"team": "abc"}, "team"),
        ({"team": [1]}, "team"),
        ({"team": True}, "team"),
        ({"team": 2**70}, "team"),
        ({"status": "retired"}, "status"),
        ({"language": 7}, "language"),
        ({"registered_on": "2999-01-01"}, "registered_on"),
        ({"registered_on": "yesterday"}, "registered_on"),
        ({"responsible_adviser": 999_999}, "responsible_adviser"),
    ],
)
def test_invalid_create_answers_400_and_changes_nothing(api, adviser, team_a, change, field):
    payload = {
        "personal_identity_code": make_code(),
        "first_name": "Aino",
        "last_name": "Virtanen",
        "team": team_a.pk,
        **change,
    }
    before = _db_state()
    response = api(adviser).post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert _db_state() == before


def test_duplicate_identity_code_is_a_400(api, adviser, team_a, client_a):
    before = _db_state()
    response = api(adviser).post(
        URL,
        {
            "personal_identity_code": client_a.personal_identity_code,
            "first_name": "A",
            "last_name": "B",
            "team": team_a.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "personal_identity_code" in response.json()
    assert _db_state() == before


def test_responsible_adviser_must_belong_to_the_team(api, lead, team_a, team_b, outsider):
    # A lead sees only team A; the outsider's id is unknown to them: "does not exist".
    response = api(lead).post(
        URL,
        {
            "personal_identity_code": make_code(),
            "first_name": "A",
            "last_name": "B",
            "team": team_a.pk,
            "responsible_adviser": outsider.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "responsible_adviser" in response.json()


def test_status_change_goes_through_the_service_and_refreshes_due_state(api, adviser, client_a):
    response = api(adviser).post(
        f"{URL}{client_a.pk}/status/", {"status": "employed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "employed"
    assert response.json()["due_state"] == DueState.NOT_REQUIRED
    client_a.refresh_from_db()
    assert client_a.status == "employed"
    assert client_a.status_changes.filter(new_status="employed", changed_by=adviser).exists()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"status": "retired"}, "status"),
        ({}, "status"),
        ({"status": "employed", "effective_on": "2999-01-01"}, "effective_on"),
        ({"status": "employed", "effective_on": "1990-01-01"}, "effective_on"),
        ({"status": ["employed"]}, "status"),
    ],
)
def test_invalid_status_change_answers_400_and_changes_nothing(
    api, adviser, client_a, payload, field
):
    before = _db_state()
    response = api(adviser).post(f"{URL}{client_a.pk}/status/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert _db_state() == before


def test_reassign_moves_clients_and_records_the_move(api, adviser, teammate, team_a, client_a):
    other = make_client(team_a, responsible_adviser=adviser)
    response = api(adviser).post(
        f"{URL}reassign/",
        {"clients": [client_a.pk, other.pk], "responsible_adviser": teammate.pk},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"moved": 2}
    assert set(Client.objects.values_list("responsible_adviser", flat=True)) == {teammate.pk}
    assert Assignment.objects.filter(moved_by=adviser).count() == 2


def test_lead_moves_a_client_to_another_team_of_the_service_line(
    api, lead, client_a, team_b, manager
):
    # The lead cannot see team B: for the lead its id does not exist.
    response = api(lead).post(
        f"{URL}reassign/",
        {"clients": [client_a.pk], "team": team_b.pk, "responsible_adviser": None},
        format="json",
    )
    assert response.status_code == 400
    # The manager sees both teams and may move between them.
    response = api(manager).post(
        f"{URL}reassign/",
        {"clients": [client_a.pk], "team": team_b.pk, "responsible_adviser": None},
        format="json",
    )
    assert response.status_code == 200
    client_a.refresh_from_db()
    assert client_a.team_id == team_b.pk


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"clients": [], "responsible_adviser": None}, "clients"),
        ({"clients": "1", "responsible_adviser": None}, "clients"),
        ({"clients": [999_999], "responsible_adviser": None}, "clients"),
        ({"clients": [2**70], "responsible_adviser": None}, "clients"),
        ({"clients": ["x"], "responsible_adviser": None}, "clients"),
        ({"clients": [1]}, "responsible_adviser"),
        ({"clients": [1], "responsible_adviser": 999_999}, "responsible_adviser"),
    ],
)
def test_invalid_reassign_answers_400_and_changes_nothing(api, adviser, client_a, payload, field):
    payload = {
        **payload,
        "clients": [client_a.pk if v == 1 else v for v in payload["clients"]]
        if isinstance(payload["clients"], list)
        else payload["clients"],
    }
    before = _db_state()
    response = api(adviser).post(f"{URL}reassign/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert _db_state() == before


def test_unknown_and_other_teams_ids_answer_404(api, outsider, adviser, client_a):
    assert api(outsider).get(f"{URL}{client_a.pk}/").status_code == 404
    assert api(adviser).get(f"{URL}{client_a.pk + 1000}/").status_code == 404
    assert api(adviser).get(f"{URL}{2**70}/").status_code == 404
    response = api(adviser).get(f"{URL}abc/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_issue_token_command_prints_a_key_that_authenticates(api, adviser, client_a, capsys):
    call_command("issue_token", adviser.username)
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=adviser).key == key
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(URL).json()["count"] == 1
    call_command("issue_token", adviser.username)  # the same key again
    assert capsys.readouterr().out.strip() == key
    call_command("issue_token", adviser.username, "--rotate")
    assert capsys.readouterr().out.strip() != key
    assert client.get(URL).status_code == 401  # the old key no longer works


def test_issue_token_command_refuses_unknown_users():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("issue_token", "nobody")


def test_admin_action_issues_tokens(client, adviser, team_a):
    from django.contrib.auth import get_user_model

    from teams.models import Membership

    admin_user = get_user_model().objects.create_superuser("root", "r@example.com", "pw-root-1")
    client.force_login(admin_user)
    response = client.post(
        "/admin/teams/membership/",
        {
            "action": "issue_api_tokens",
            "_selected_action": [Membership.objects.get(user=adviser).pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    key = Token.objects.get(user=adviser).key
    assert key in response.content.decode()
