from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def test_every_page_requires_sign_in(client, client_a):
    for url in (reverse("clients:caseload"), reverse("clients:detail", args=[client_a.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_has_labelled_fields(client):
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_health_needs_no_sign_in(client):
    assert client.get("/health/").json() == {"status": "ok"}


def test_caseload_shows_only_own_teams_clients(client, adviser, client_a, team_b):
    other = make_client(team_b, last_name="Ulkopuolinen")
    client.force_login(adviser)
    html = client.get(reverse("clients:caseload")).content.decode()
    assert client_a.last_name in html
    assert other.last_name not in html


def test_outsider_gets_404_for_another_teams_client(client, outsider, client_a):
    client.force_login(outsider)
    assert client.get(reverse("clients:detail", args=[client_a.pk])).status_code == 404


def test_client_page_masks_the_identity_code(client, adviser, client_a):
    client.force_login(adviser)
    html = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert client_a.masked_identity_code in html
    assert client_a.personal_identity_code not in html


def test_caseload_query_count_is_constant(client, adviser, team_a):
    client.force_login(adviser)
    make_client(team_a, responsible_adviser=adviser)
    client.get(reverse("clients:caseload"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("clients:caseload"))
    for _ in range(40):
        make_client(team_a, responsible_adviser=adviser)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("clients:caseload"))
    assert len(many) == len(one)


def test_pages_send_a_content_security_policy_without_inline_scripts(client, adviser):
    client.force_login(adviser)
    response = client.get(reverse("clients:caseload"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
