"""One gate: every route that takes a client's record loads it through teams.access.

The routes come from the URL resolver (with the permission matrix's rows to build their
URLs), so a new route that takes a client, interview, plan, appointment, consent or referral
id is checked by construction: requested by an adviser of another team, it must answer 404
AND have asked the gate. A view that filtered by team itself would give the same 404 but
fail here. The admin and the models are checked the same way.
"""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.apps import apps
from django.contrib import admin

from clients.admin import ClientScopedAdmin
from clients.models import Client
from teams import access
from tests.audit.test_permission_matrix import (
    ROUTES,
    _browser,
    all_routes,
    client_read,
    client_write,
    route_key,
    world,  # noqa: F401 (the fixture)
)

# Path parameters that are not a record's id.
NOT_IDS = {"format", "path", "uidb64", "token", "app_label", "url", "what"}

# Routes that take an id of something that is not a client's record, each with its own rule
# (tested in the permission matrix): a team, a manager's stored report or import, and the
# partner portal (a partner's users see referrals through Referral.objects.for_portal).
NOT_CLIENT_RECORDS = {
    "teams:dashboard",
    "teams:target",
    "teams:rebalance",
    "teams:rebalance_preview",
    "teams:rebalance_confirm",
    "api:team-detail",
    "reports:stored_download",
    "clients_import:report",
    "clients_import:run",
    "portal:referral",
    "portal:accept",
    "portal:start",
    "portal:decline",
    "portal:report",
}


def _id_routes() -> list[tuple[str, str]]:
    found = []
    for route, name in all_routes():
        key = route_key(route, name)
        if key == "admin:*":
            continue  # the admin: see the tests below
        params = {a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)}
        if params - NOT_IDS:
            found.append((key, route))
    return sorted(set(found))


def test_every_route_with_an_id_is_known():
    unknown = [
        key
        for key, _route in _id_routes()
        if key not in NOT_CLIENT_RECORDS
        and (key not in ROUTES or ROUTES[key].policy not in (client_read, client_write))
    ]
    assert not unknown, (
        "routes that take an id but are neither a client record route of the permission "
        f"matrix (client_read / client_write) nor listed in NOT_CLIENT_RECORDS: {unknown}"
    )


@pytest.mark.django_db
def test_every_client_record_route_asks_the_gate(world):  # noqa: F811
    outsider = _browser(world, "outsider")
    failures = []
    keys = sorted({key for key, _route in _id_routes() if key not in NOT_CLIENT_RECORDS})
    assert len(keys) >= 25, keys  # pages, partials and API routes under one client
    for key in keys:
        row = ROUTES[key]
        objects = world.objects("A")  # team A's records; the outsider is in team B
        url = row.url(objects)
        kwargs = {"content_type": "application/json"} if row.api and row.method == "post" else {}
        with mock.patch.object(access, "scoped", wraps=access.scoped) as gate:
            response = getattr(outsider, row.method)(url, {}, **kwargs)
        if not gate.called:
            failures.append(f"{key} {url}: did not ask the gate")
        if response.status_code != 404:
            failures.append(f"{key} {url}: answered {response.status_code}, not 404")
    assert not failures, "\n".join(failures)


def _client_models() -> list[type]:
    """Every model whose rows belong to a client: a foreign key to the client or to another
    such model."""
    found = {Client}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in found:
                continue
            for field in model._meta.get_fields():
                linked = (field.many_to_one or field.one_to_one) and field.concrete
                if linked and field.related_model in found:
                    found.add(model)
                    changed = True
                    break
    return sorted(found, key=lambda m: m._meta.label)


def test_every_client_record_model_tells_the_gate_its_client():
    undeclared = [m._meta.label for m in _client_models() if not hasattr(m, "client_path")]
    assert not undeclared, f"models of client data without client_path: {undeclared}"
    for model in _client_models():
        path = model.client_path
        target = model
        for hop in path.split("__") if path else ():
            target = target._meta.get_field(hop).related_model
        assert target is Client, f"{model._meta.label}.client_path does not lead to Client"


def test_every_admin_of_client_data_goes_through_the_gate():
    client_models = set(_client_models())
    outside = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model in client_models and not isinstance(model_admin, ClientScopedAdmin)
    ]
    assert not outside, f"admins of client data that do not ask the gate: {outside}"


@pytest.mark.django_db
def test_the_admin_lists_only_what_the_gate_lets_a_user_see(world):  # noqa: F811
    request = mock.Mock(user=world.users["outsider"])
    mine, theirs = world.objects("B"), world.objects("A")
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ClientScopedAdmin):
            continue
        with mock.patch.object(access, "scoped", wraps=access.scoped) as gate:
            rows = list(model_admin.get_queryset(request))
        assert gate.called, model._meta.label
        clients = {access.client_id_of(row) for row in rows}
        assert theirs.client.pk not in clients, model._meta.label
    assert mine.client.pk in {c.pk for c in admin.site._registry[Client].get_queryset(request)}


def test_no_template_decides_a_permission_itself():
    """Templates ask the gate (`{% load access %}` … `record|may_work_with:user`); comparing
    teams in a template is a second copy of the policy."""
    from pathlib import Path

    from django.conf import settings

    pattern = re.compile(r"team_id\s*==|==\s*\S*team_id|membership\.role\s*==")
    offenders = [
        f"{path}: {line.strip()}"
        for folder in settings.TEMPLATES[0]["DIRS"]
        for path in Path(folder).rglob("*.html")
        for line in path.read_text().splitlines()
        if pattern.search(line)
    ]
    assert not offenders, offenders
