"""The identity code policy in the admin: every admin page shows a client's code masked
(list, search results, change page, history); the full code is revealed only on the client's
page, to the client's team, and logged there as a reveal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AccessAction, AccessLog
from clients.models import Client
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def _staff(user, *codenames: str):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def seen(team_a, adviser) -> Client:
    return make_client(team_a, responsible_adviser=adviser)


@pytest.mark.parametrize("codenames", [("view_client",), ("view_client", "change_client")])
def test_a_manager_sees_the_code_masked_on_every_admin_page(client, manager, seen, codenames):
    code = seen.personal_identity_code
    client.force_login(_staff(manager, *codenames))
    change = reverse("admin:clients_client_change", args=[seen.pk])
    pages = {
        "list": reverse("admin:clients_client_changelist"),
        "search": reverse("admin:clients_client_changelist") + f"?q={code}",
        "search, lower case": reverse("admin:clients_client_changelist") + f"?q={code.lower()}",
        "change": change,
        "history": reverse("admin:clients_client_history", args=[seen.pk]),
    }
    for name, url in pages.items():
        page = client.get(url)
        assert page.status_code == 200, name
        text = page.content.decode()
        assert code not in text.upper(), name
        assert name == "history" or seen.masked_identity_code in text, name
    assert f'href="{reverse("clients:detail", args=[seen.pk])}"' in client.get(change).text
    # The change page is a page view in the access log, never a reveal.
    actions = set(AccessLog.objects.filter(user=manager).values_list("action", flat=True))
    assert AccessAction.IDENTITY_REVEAL not in actions
    assert AccessAction.PAGE in actions


def test_saving_a_client_in_the_admin_keeps_its_code(client, manager, seen):
    client.force_login(_staff(manager, "view_client", "change_client"))
    url = reverse("admin:clients_client_change", args=[seen.pk])
    form = client.get(url).context["adminform"].form
    assert "personal_identity_code" not in form.fields
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data.update({"first_name": "Renamed", "team": seen.team_id})
    data.update(
        {
            "statuschange_set-TOTAL_FORMS": "0",
            "statuschange_set-INITIAL_FORMS": "0",
            "statuschange_set-MIN_NUM_FORMS": "0",
            "statuschange_set-MAX_NUM_FORMS": "1000",
        }
    )
    code = seen.personal_identity_code
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    seen.refresh_from_db()
    assert (seen.first_name, seen.personal_identity_code) == ("Renamed", code)
    history = client.get(reverse("admin:clients_client_history", args=[seen.pk])).text
    assert "Renamed" in history or "First name" in history  # the change is listed
    assert code not in history.upper()


def test_the_full_code_is_revealed_only_to_the_team_on_the_client_page(
    client, manager, adviser, seen
):
    reveal = reverse("clients:identity_code_reveal", args=[seen.pk])
    client.force_login(manager)
    assert client.post(reveal).status_code == 403
    client.force_login(adviser)
    shown = client.post(reveal)
    assert seen.personal_identity_code in shown.content.decode()
    assert AccessLog.objects.filter(user=adviser, action=AccessAction.IDENTITY_REVEAL).exists()
    assert not AccessLog.objects.filter(user=manager, action=AccessAction.IDENTITY_REVEAL).exists()
