"""Client imports in the admin: read only, and scoped as on the import pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from clients.models import ImportRecord
from importing.services import import_check
from teams.models import ManagerScope
from tests.conftest import make_code, make_user

pytestmark = pytest.mark.django_db


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_importrecord", "change_importrecord", "delete_importrecord"]
        )
    )
    return type(user).objects.get(pk=user.pk)


def _record(user, team, name: str):
    content = (
        "personal_identity_code,first_name,last_name,team,status,registered_on\r\n"
        f"{make_code()},Aino,Ärrä,{team.name},unemployed,2026-01-05\r\n"
    ).encode()
    return import_check(user=user, content=content, file_name=name, source="command")


def test_a_manager_sees_only_own_imports_read_only(client, manager, team_a, office):
    other = make_user("mikko")
    ManagerScope.objects.create(user=other, office=office)
    mine = _record(manager, team_a, "omat.csv")
    theirs = _record(other, team_a, "toisen.csv")
    assert bytes(mine.content)  # a clean check keeps the file for the import
    client.force_login(_staff(manager))

    listing = client.get(reverse("admin:clients_importrecord_changelist"))
    assert [r.pk for r in listing.context["cl"].result_list] == [mine.pk]
    page = client.get(reverse("admin:clients_importrecord_change", args=[mine.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "omat.csv" in html and 'name="file_name"' not in html  # shown, not editable
    assert "Aino" not in html  # the kept file is never shown
    hidden = reverse("admin:clients_importrecord_change", args=[theirs.pk])
    assert client.get(hidden).status_code == 302  # "does not exist", as for any other id
    assert client.get(reverse("admin:clients_importrecord_add")).status_code == 403
    delete = reverse("admin:clients_importrecord_delete", args=[mine.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ImportRecord.objects.filter(pk=mine.pk).exists()


def test_staff_who_are_not_managers_see_no_imports(client, manager, adviser, team_a):
    _record(manager, team_a, "omat.csv")
    client.force_login(_staff(adviser))
    listing = client.get(reverse("admin:clients_importrecord_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == []


def test_administrators_see_every_import(client, manager, team_a):
    record = _record(manager, team_a, "omat.csv")
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:clients_importrecord_changelist"))
    assert [r.pk for r in listing.context["cl"].result_list] == [record.pk]
