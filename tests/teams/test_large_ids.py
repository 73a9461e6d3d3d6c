"""Ids in attributes and links are never grouped by the locale's thousand separator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_client, make_user

pytestmark = pytest.mark.django_db


def test_member_rows_carry_plain_ids_past_a_thousand(client, team_a, lead):
    member = make_user("iso", team=team_a, id=12345)
    make_client(team_a, responsible_adviser=member)
    client.force_login(lead)
    html = client.get(
        reverse("teams:dashboard", args=[team_a.pk]), HTTP_ACCEPT_LANGUAGE="fi"
    ).content.decode()
    assert 'data-row="12345"' in html
    assert "adviser=12345" in html
