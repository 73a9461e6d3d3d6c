"""A schema-driven fuzz run of the whole API (schemathesis against /api/schema/): no 500s.

Every operation of the schema gets generated requests, valid and invalid by the schema
(`positive` and `negative` modes), sent in-process to the Django WSGI app as an adviser with
a token, over a seeded team (clients, an interview, an appointment, a plan). Checks:
- no response is a server error;
- every response that the schema documents matches it (content type, body).
Not checked: that every schema-invalid request is refused. django-filter treats an empty
query parameter (`?status=`) as "no filter", as HTML forms send it; that is by design.
Bounded and deterministic: `derandomize`, a small `max_examples` per operation (the whole run
takes about two minutes on the 2-core CI machine). The coverage report, which an adviser
may not see (403), is fuzzed again as a manager.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from teoffice.api import api_token_issue

MAX_EXAMPLES = 10


class InTestWSGIApp(WSGIHandler):
    """Django's WSGI app as the test client runs it: a request's end does not close the
    database connection (that would end the test's transaction on PostgreSQL)."""

    def __call__(self, environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        try:
            response = super().__call__(environ, start_response)
            body = b"".join(response)
        finally:
            signals.request_started.connect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            signals.request_finished.connect(close_old_connections)
        return [body]


# Loaded once at collection (the schema endpoint needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", InTestWSGIApp())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_api_answers_every_generated_request_without_a_server_error(case, world, adviser):
    token = api_token_issue(user=adviser).key
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
        ],
    )


@schema.include(path="/api/v1/coverage/").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_coverage_answers_a_manager_without_a_server_error(case, world, manager):
    # The adviser above gets 403 from the report; a manager reaches its parameter handling.
    token = api_token_issue(user=manager).key
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
