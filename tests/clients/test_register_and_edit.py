"""Clients in the browser: registering (one service with the API), editing contact details,
language and phone/e-mail, and the status change; every change in the history."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import ChangeEvent, ChangeEventKind
from clients import identity
from clients.models import Client, StatusChange
from clients.services import ClientExists, client_register
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

CODE = "131052-308T"


def register_data(**extra) -> dict:
    return {
        "personal_identity_code": CODE,
        "first_name": "Helmi",
        "last_name": "Niemi",
        "language": "sv",
        "phone": "+358 40 123 4567",
        "email": "helmi@example.fi",
        "address": "",
        "status": "unemployed",
        "registered_on": timezone.localdate().isoformat(),
        "responsible_adviser": "",
        **extra,
    }


def test_an_adviser_registers_a_client_in_the_browser(client, adviser, team_a):
    client.force_login(adviser)
    url = reverse("clients:register")
    assert client.get(url).status_code == 200
    response = client.post(url, register_data(responsible_adviser=str(adviser.pk)))
    new = Client.objects.get(personal_identity_code=CODE)
    assert response["Location"] == reverse("clients:detail", args=[new.pk])
    assert (new.team, new.responsible_adviser, new.language, new.phone) == (
        team_a,
        adviser,
        "sv",
        "+358 40 123 4567",
    )
    assert new.birth_date == dt.date(1952, 10, 13)
    assert ChangeEvent.objects.filter(client=new, kind=ChangeEventKind.CLIENT_CREATED).exists()
    assert StatusChange.objects.filter(client=new).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("personal_identity_code", "131052-308X", "check character"),
        ("personal_identity_code", "311352-308T", "impossible date"),
        ("personal_identity_code", "1310", "DDMMYYCZZZQ"),
        ("registered_on", "2099-01-01", "cannot be in the future"),
        ("registered_on", "1950-01-01", "before the birth date"),
        ("phone", "call me", "phone number"),
        ("email", "not-an-address", "valid email"),
        ("first_name", "", "required"),
    ],
)
def test_bad_input_is_answered_next_to_the_field_and_nothing_is_written(
    client, adviser, field, value, message
):
    client.force_login(adviser)
    response = client.post(reverse("clients:register"), register_data(**{field: value}))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors.lower() or message in errors
    assert not Client.objects.exists()
    assert "Nothing was saved yet" in response.content.decode()


def test_an_existing_client_of_my_team_is_opened(client, adviser, team_a):
    existing = make_client(team_a, personal_identity_code=CODE)
    client.force_login(adviser)
    response = client.post(reverse("clients:register"), register_data(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("clients:detail", args=[existing.pk])
    assert "already a client" in response.content.decode()
    assert Client.objects.count() == 1


def test_a_client_of_another_team_is_refused_without_saying_whose(
    client, adviser, team_b, outsider
):
    make_client(
        team_b, personal_identity_code=CODE, first_name="Salainen", responsible_adviser=outsider
    )
    client.force_login(adviser)
    response = client.post(reverse("clients:register"), register_data())
    html = response.content.decode()
    assert "already a client of another team" in html
    assert "Salainen" not in html and "Team B" not in html and "Charlie" not in html
    assert Client.objects.count() == 1


def test_a_manager_without_a_team_cannot_register(client, manager):
    client.force_login(manager)
    assert client.get(reverse("clients:register")).status_code == 403


def test_the_api_uses_the_same_rules(adviser, team_a, team_b):
    api = APIClient()
    api.force_login(adviser)
    make_client(team_b, personal_identity_code=CODE)
    body = {
        "personal_identity_code": CODE,
        "first_name": "Helmi",
        "last_name": "Niemi",
        "team": team_a.pk,
    }
    response = api.post("/api/v1/clients/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "personal_identity_code": ["This person is already a client of another team."]
    }
    response = api.post(
        "/api/v1/clients/",
        {**body, "personal_identity_code": "010190-123M", "registered_on": "1980-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "registered_on" in response.json()


def test_the_service_links_an_existing_client_in_scope(adviser, team_a):
    existing = make_client(team_a, personal_identity_code=CODE)
    with pytest.raises(ClientExists) as exists:
        client_register(
            user=adviser, personal_identity_code=CODE, first_name="A", last_name="B", team=team_a
        )
    assert exists.value.client == existing


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_person_at_once_make_one_client(adviser, team_a):
    barrier = threading.Barrier(2)
    outcomes: list = []

    def run():
        try:
            barrier.wait()
            c = HttpClient()
            c.force_login(adviser)
            outcomes.append(c.post(reverse("clients:register"), register_data()).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == [302, 302]  # one registered, the other opened it
    assert Client.objects.filter(personal_identity_code=CODE).count() == 1


# --- Editing ---------------------------------------------------------------------------------


def edit_data(c: Client, **extra) -> dict:
    return {
        "first_name": c.first_name,
        "last_name": c.last_name,
        "language": c.language,
        "phone": c.phone,
        "email": c.email,
        "address": c.address,
        **extra,
    }


def test_edit_contact_details_language_and_phone_into_the_history(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("clients:edit", args=[client_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, edit_data(client_a, language="sv", phone="040 765 4321", email="m@example.fi")
    )
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert (client_a.language, client_a.phone, client_a.email) == (
        "sv",
        "040 765 4321",
        "m@example.fi",
    )
    event = ChangeEvent.objects.get(client=client_a, kind=ChangeEventKind.CLIENT_CHANGED)
    assert {c["field"] for c in event.changes} == {"language", "phone", "email"}
    assert client.post(url, edit_data(client_a)).status_code == 302  # nothing changed
    assert ChangeEvent.objects.filter(kind=ChangeEventKind.CLIENT_CHANGED).count() == 1


def test_a_bad_phone_number_is_refused_and_nothing_changes(client, adviser, client_a):
    client.force_login(adviser)
    response = client.post(
        reverse("clients:edit", args=[client_a.pk]), edit_data(client_a, phone="soita")
    )
    assert "Enter a phone number" in response.content.decode()
    client_a.refresh_from_db()
    assert client_a.phone == ""
    assert not ChangeEvent.objects.filter(kind=ChangeEventKind.CLIENT_CHANGED).exists()


def test_another_team_cannot_edit(client, outsider, client_a):
    client.force_login(outsider)
    assert client.get(reverse("clients:edit", args=[client_a.pk])).status_code == 404


def test_the_client_page_links_to_editing(client, adviser, client_a):
    client.force_login(adviser)
    html = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert reverse("clients:edit", args=[client_a.pk]) in html


def test_identity_code_helper_is_consistent():
    assert identity.birth_date(CODE) == dt.date(1952, 10, 13)
