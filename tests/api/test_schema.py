"""The OpenAPI schema is valid, covers every endpoint, and the docs page serves it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from teoffice import api_urls
from teoffice.api_urls import router

pytestmark = pytest.mark.django_db


def test_schema_is_valid_without_warnings(tmp_path):
    # drf-spectacular's own validation against the OpenAPI 3 meta-schema; any warning fails.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert (tmp_path / "s.yaml").read_text().startswith("openapi: 3")


def _routes() -> set[tuple[str, str]]:
    """(method, path) for every route the v1 router serves, in the schema's notation."""
    routes = set()
    for pattern in router.urls:
        regex = pattern.pattern.regex.pattern
        if "format" in regex:  # the .json suffix variants
            continue
        # The router's own id is {id} in the schema; other groups keep their names.
        path = re.sub(
            r"\(\?P<(\w+)>[^)]*\)",
            lambda group: "{id}" if group[1] == "pk" else f"{{{group[1]}}}",
            regex,
        ).strip("^$")
        for method in pattern.callback.actions:
            if method == "head":  # DRF adds HEAD next to GET at the first request
                continue
            routes.add((method, f"/api/v1/{path}"))
    return routes


def _plain_views() -> set[tuple[str, str]]:
    """(method, path) for the API views outside the router (e.g. coverage)."""
    views = set()
    for pattern in api_urls.urlpatterns:
        view_class = getattr(getattr(pattern, "callback", None), "cls", None)
        route = str(pattern.pattern)
        if view_class is None or not route.startswith("v1/"):
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view_class, method):
                views.add((method, f"/api/{route}"))
    return views


def test_schema_covers_every_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    routes = _routes() | _plain_views()
    assert len(routes) >= 20
    assert routes == documented
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), f"{method} {path} has no summary"


def test_schema_and_docs_need_no_sign_in(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/clients/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert 'data-schema-url="/api/schema/"' in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style


def test_docs_assets_are_vendored_not_from_a_cdn(client):
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets)
    static = Path(settings.BASE_DIR) / "static"
    for name in [
        "vendor/swagger-ui-5.35.0/swagger-ui-bundle.js",
        "vendor/swagger-ui-5.35.0/swagger-ui.css",
        "js/api-docs.js",
    ]:
        assert (static / name).is_file()
        assert f"/static/{name}" in assets


def test_unknown_api_paths_answer_json_404(client):
    response = client.get("/api/v2/clients/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
