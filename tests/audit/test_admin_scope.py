"""The admin asks the same access policy: staff see only the clients they serve."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AccessLog
from tests.conftest import make_client, make_interview

pytestmark = pytest.mark.django_db


def test_staff_adviser_sees_only_own_teams_clients_in_the_admin(client, adviser, team_a, team_b):
    from django.contrib.auth.models import Permission

    mine = make_client(team_a, last_name="Omaasiakas")
    other = make_client(team_b, last_name="Vierasasiakas")
    make_interview(other, adviser, held_on=other.registered_on)
    adviser.is_staff = True
    adviser.save(update_fields=["is_staff"])
    adviser.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_client", "change_client", "view_interview"])
    )
    client.force_login(adviser)
    listing = client.get(reverse("admin:clients_client_changelist")).content.decode()
    assert "Omaasiakas" in listing and "Vierasasiakas" not in listing
    assert client.get(reverse("admin:clients_client_change", args=[other.pk])).status_code == 302
    assert (
        "Vierasasiakas"
        not in client.get(reverse("admin:interviews_interview_changelist")).content.decode()
    )
    before = AccessLog.objects.count()
    assert client.get(reverse("admin:clients_client_change", args=[mine.pk])).status_code == 200
    assert AccessLog.objects.count() == before + 1
    assert AccessLog.objects.latest("pk").client_ids == [mine.pk]
