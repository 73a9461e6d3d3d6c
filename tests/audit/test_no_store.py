"""`Cache-Control: no-store` on every page and API answer with personal data.

Every route of the permission matrix is requested by a user it is open to (team A's records),
and the answer must say no-store; so must an API answer to an anonymous caller. Static files
keep their own cache, and a view's own Cache-Control is kept."""

from __future__ import annotations

import pytest
from django.test import Client as Browser

from tests.audit.test_permission_matrix import (
    ROUTES,
    _browser,
    export_permission,  # noqa: F401 (the fixture)
    relation,
    world,  # noqa: F401 (the fixture)
)

# Who requests each route: the first of these it is open to.
PERSONAS = ["adviser", "lead", "manager", "partner", "admin"]


def _persona(key: str) -> str | None:
    row = ROUTES[key]
    policy = row.policy("A") if row.per_owner else row.policy
    return next((role for role in PERSONAS if policy(role, relation(role, "A")) == "ok"), None)


def test_every_route_is_open_to_one_of_the_personas():
    assert [key for key in ROUTES if _persona(key) is None] == []


@pytest.mark.django_db
def test_every_signed_in_page_and_api_answer_is_no_store(world, export_permission):  # noqa: F811
    failures = []
    for key in sorted(ROUTES):
        row, role = ROUTES[key], _persona(key)
        objects = world.objects("A")
        data = row.data(objects) if row.data else {}
        kwargs = {"content_type": "application/json"} if row.api and row.method == "post" else {}
        response = getattr(_browser(world, role), row.method)(row.url(objects), data, **kwargs)
        if "no-store" not in response.get("Cache-Control", ""):
            failures.append(
                f"{key} as {role} ({response.status_code}): "
                f"Cache-Control {response.get('Cache-Control')!r}"
            )
    assert len(ROUTES) >= 60
    assert failures == [], f"{len(failures)} routes without no-store:\n" + "\n".join(failures)


@pytest.mark.django_db
def test_an_api_answer_to_an_anonymous_caller_is_no_store(client):
    response = client.get("/api/v1/clients/")
    assert response.status_code in (401, 403)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_probes_and_public_pages_keep_their_own(client, adviser):
    assert "no-store" not in client.get("/health/").get("Cache-Control", "")
    assert "no-store" not in client.get("/accessibility/").get("Cache-Control", "")
    client.force_login(adviser)
    assert "no-store" not in client.get("/health/").get("Cache-Control", "")
    assert "no-store" in client.get("/accessibility/")["Cache-Control"]


@pytest.mark.django_db
def test_static_files_are_not_no_store(settings, adviser):
    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ without collectstatic
    browser = Browser()  # a fresh handler: WhiteNoise reads the setting when it is built
    browser.force_login(adviser)
    response = browser.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]


@pytest.mark.django_db
def test_admin_pages_are_no_store(world):  # noqa: F811
    admin = _browser(world, "admin")
    for url in (
        "/admin/",
        "/admin/clients/client/",
        f"/admin/clients/client/{world.objects('A').client.pk}/change/",
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
