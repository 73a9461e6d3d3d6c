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

Marked `fuzz` (`pytest -m fuzz` runs only this, `-m "not fuzz"` leaves it out; `--durations`
shows its time). Each operation's test counts the requests it made and fails with fewer than
MIN_REQUESTS_PER_OPERATION; over the schema's 29 operations the run makes about 2,300
generated requests (about a minute of one core).
The seeded plan has an open action (empty outcome) and a done one, so the schema of both is
checked.
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
MIN_REQUESTS_PER_OPERATION = 20

pytestmark = pytest.mark.fuzz


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


@pytest.fixture
def requests_made():
    """The statuses of the requests one operation's test made (Hypothesis calls the test
    once per generated case; this fixture lives for all of them)."""
    statuses: list[int] = []
    yield statuses
    assert len(statuses) >= MIN_REQUESTS_PER_OPERATION, statuses
    assert not [status for status in statuses if status >= 500]


@pytest.fixture
def seeded(world, adviser):
    """The API tests' world, its plan with an open action (empty outcome) and a done one."""
    from plans.services import ActionInput, PlanInput, plan_revise

    plan_revise(
        client=world.client,
        author=adviser,
        data=PlanInput(
            goal="work",
            applications_per_month=4,
            actions=[
                ActionInput(kind="coaching", description="Coaching", status="planned"),
                ActionInput(kind="study", description="Course", status="done", outcome="study"),
            ],
        ),
        based_on=1,
    )
    return world


def test_the_run_covers_every_operation():
    # Every operation of the schema is one test below (the coverage report twice), each at
    # least MIN_REQUESTS_PER_OPERATION requests; the whole run makes about 2,300 (measured).
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 29
    assert len({(op.method.upper(), op.path) for op in operations}) == len(operations)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_api_answers_every_generated_request_without_a_server_error(
    case, seeded, adviser, requests_made
):
    token = api_token_issue(user=adviser).key
    response = case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
        ],
    )
    requests_made.append(response.status_code)


@schema.include(path="/api/v1/coverage/").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_coverage_answers_a_manager_without_a_server_error(case, world, manager, requests_made):
    # The adviser above gets 403 from the report; a manager reaches its parameter handling.
    token = api_token_issue(user=manager).key
    response = case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    requests_made.append(response.status_code)
