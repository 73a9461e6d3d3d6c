"""The permission matrix: every endpoint x every persona, against team A's data.

- list endpoints: every signed-in persona gets 200, and only what the pages would show it
  (the outsider never sees a row of team A); anonymous gets 401;
- a team A object in the URL: members (adviser, teammate, lead, token) may read and write,
  the manager may read but not write (403), the outsider gets 404 as for an unknown id;
- a team A client in a payload: the outsider's answer is 400 "does not exist";
- the coverage report: managers and team leads only (as the report page);
- a refused write changes nothing in the database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import Assignment, Client, StatusChange
from interviews.models import Appointment, ContactAttempt, Interview
from plans.models import JobSearchReport, PlanVersion
from tests.conftest import make_code

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
PERSONAS = ["adviser", "teammate", "lead", "token", "manager", "outsider", "anonymous"]
MEMBERS = {"adviser", "teammate", "lead", "token"}


def _future(days=3) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def _past(days=1) -> str:
    return (timezone.now() - dt.timedelta(days=days)).isoformat()


# name: (method, url(w), payload(w) or None, kind, success status)
ENDPOINTS = {
    "clients-list": ("get", lambda w: f"{V1}/clients/", None, "list", 200),
    "clients-create": (
        "post",
        lambda w: f"{V1}/clients/",
        lambda w: {
            "personal_identity_code": make_code(),
            "first_name": "Aino",
            "last_name": "Uusi",
            "team": w.team_a.pk,
        },
        "payload",
        201,
    ),
    "clients-detail": ("get", lambda w: f"{V1}/clients/{w.client.pk}/", None, "read", 200),
    "clients-status": (
        "post",
        lambda w: f"{V1}/clients/{w.client.pk}/status/",
        lambda w: {"status": "employed"},
        "write",
        200,
    ),
    "clients-reassign": (
        "post",
        lambda w: f"{V1}/clients/reassign/",
        lambda w: {"clients": [w.client.pk], "responsible_adviser": w.teammate.pk},
        "reassign",
        200,
    ),
    "interviews-list": ("get", lambda w: f"{V1}/interviews/", None, "list", 200),
    "interviews-create": (
        "post",
        lambda w: f"{V1}/interviews/",
        lambda w: {
            "client": w.client.pk,
            "held_at": _past(),
            "channel": "video",
            "outcome": "held",
        },
        "payload",
        201,
    ),
    "interviews-detail": (
        "get",
        lambda w: f"{V1}/interviews/{w.interview.pk}/",
        None,
        "read",
        200,
    ),
    "appointments-list": ("get", lambda w: f"{V1}/appointments/", None, "list", 200),
    "appointments-create": (
        "post",
        lambda w: f"{V1}/appointments/",
        lambda w: {"client": w.client.pk, "starts_at": _future(), "channel": "face_to_face"},
        "payload",
        201,
    ),
    "appointments-detail": (
        "get",
        lambda w: f"{V1}/appointments/{w.appointment.pk}/",
        None,
        "read",
        200,
    ),
    "appointments-update": (
        "put",
        lambda w: f"{V1}/appointments/{w.appointment.pk}/",
        lambda w: {"starts_at": _future(5), "channel": "video"},
        "write",
        200,
    ),
    "appointments-partial-update": (
        "patch",
        lambda w: f"{V1}/appointments/{w.appointment.pk}/",
        lambda w: {"duration_minutes": 45},
        "write",
        200,
    ),
    "appointments-cancel": (
        "post",
        lambda w: f"{V1}/appointments/{w.appointment.pk}/cancel/",
        lambda w: {},
        "write",
        200,
    ),
    "appointments-no-show": (
        "post",
        lambda w: f"{V1}/appointments/{w.appointment.pk}/no-show/",
        lambda w: {},
        "write",
        201,
    ),
    "plans-list": ("get", lambda w: f"{V1}/plans/", None, "list", 200),
    "plans-create": (
        "post",
        lambda w: f"{V1}/plans/",
        lambda w: {
            "client": w.client_without_plan.pk,
            "goal": "training",
            "applications_per_month": 2,
        },
        "payload",
        201,
    ),
    "plans-detail": ("get", lambda w: f"{V1}/plans/{w.plan.pk}/", None, "read", 200),
    "plans-versions": ("get", lambda w: f"{V1}/plans/{w.plan.pk}/versions/", None, "read", 200),
    "plans-revise": (
        "post",
        lambda w: f"{V1}/plans/{w.plan.pk}/versions/",
        lambda w: {"based_on": 1, "goal": "work", "applications_per_month": 3},
        "write",
        201,
    ),
    "teams-list": ("get", lambda w: f"{V1}/teams/", None, "list", 200),
    "teams-detail": ("get", lambda w: f"{V1}/teams/{w.team_a.pk}/", None, "read", 200),
    "coverage": ("get", lambda w: f"{V1}/coverage/", None, "report", 200),
    # Records under a client: the client in the URL, so another team's is a 404.
    "contact-attempts-list": (
        "get",
        lambda w: f"{V1}/clients/{w.client.pk}/contact-attempts/",
        None,
        "read",
        200,
    ),
    "contact-attempts-create": (
        "post",
        lambda w: f"{V1}/clients/{w.client.pk}/contact-attempts/",
        lambda w: {"attempted_at": _past(), "channel": "phone", "result": "reached"},
        "write",
        201,
    ),
    "contact-attempts-detail": (
        "get",
        lambda w: f"{V1}/clients/{w.client.pk}/contact-attempts/{w.attempt.pk}/",
        None,
        "read",
        200,
    ),
    "job-search-reports-list": (
        "get",
        lambda w: f"{V1}/clients/{w.client.pk}/job-search-reports/",
        None,
        "read",
        200,
    ),
    "job-search-reports-create": (
        "post",
        lambda w: f"{V1}/clients/{w.client.pk}/job-search-reports/",
        lambda w: {"month": timezone.localdate().strftime("%Y-%m"), "applications": 4},
        "write",
        201,
    ),
    "job-search-reports-detail": (
        "get",
        lambda w: f"{V1}/clients/{w.client.pk}/job-search-reports/{w.report.pk}/",
        None,
        "read",
        200,
    ),
}


def expected(kind: str, persona: str, success: int) -> int:
    if persona == "anonymous":
        return 401
    if kind == "report":  # the report page's rule: managers and team leads only
        return success if persona in {"manager", "lead"} else 403
    if kind == "list" or persona in MEMBERS:
        return success
    if persona == "manager":
        # A manager sees the teams in scope and may move clients within them (the policy's
        # can_move_between_teams), but does not log, book or revise: that is the team's work.
        return success if kind in {"read", "reassign"} else 403
    # The outsider: another team's object is "not found"; in a payload "does not exist".
    return 404 if kind in {"read", "write"} else 400


def database_state():
    return (
        Client.objects.count(),
        StatusChange.objects.count(),
        Assignment.objects.count(),
        Interview.objects.count(),
        PlanVersion.objects.count(),
        sorted(Client.objects.values_list("id", "status", "team_id", "responsible_adviser_id")),
        sorted(Appointment.objects.values_list("id", "status", "starts_at", "duration_minutes")),
        ContactAttempt.objects.count(),
        sorted(JobSearchReport.objects.values_list("id", "month", "applications")),
    )


@pytest.fixture
def caller(request, api, adviser, teammate, lead, manager, outsider):
    def make(persona: str):
        if persona == "anonymous":
            return api()
        if persona == "token":
            return api(adviser, token=True)
        user = {
            "adviser": adviser,
            "teammate": teammate,
            "lead": lead,
            "manager": manager,
            "outsider": outsider,
        }[persona]
        return api(user)

    return make


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_permission_matrix(world, caller, endpoint, persona):
    method, url, payload, kind, success = ENDPOINTS[endpoint]
    client = caller(persona)
    before = database_state()
    if payload is None:
        response = getattr(client, method)(url(world))
    else:
        response = getattr(client, method)(url(world), payload(world), format="json")
    want = expected(kind, persona, success)
    assert response.status_code == want, (endpoint, persona, response.content[:300])
    if want >= 400 or method == "get":
        assert database_state() == before
    if want == 401:
        assert response.headers["WWW-Authenticate"] == "Token"
    if kind == "list" and persona == "outsider":
        rows = response.json()["results"]
        assert rows == [] or all(_row_is_team_b(world, endpoint, row) for row in rows)


def _row_is_team_b(w, endpoint: str, row: dict) -> bool:
    if endpoint == "clients-list":
        return row["team"] == w.team_b.pk
    if endpoint == "teams-list":
        return row["id"] == w.team_b.pk
    return row["client"] == w.client_b.pk


def test_matrix_covers_every_endpoint_in_the_schema():
    """A new endpoint must join the matrix: compare with the routes the schema lists."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method, path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method in item
    }
    templates = {
        "clients-list": ("get", "/api/v1/clients/"),
        "clients-create": ("post", "/api/v1/clients/"),
        "clients-detail": ("get", "/api/v1/clients/{id}/"),
        "clients-status": ("post", "/api/v1/clients/{id}/status/"),
        "clients-reassign": ("post", "/api/v1/clients/reassign/"),
        "interviews-list": ("get", "/api/v1/interviews/"),
        "interviews-create": ("post", "/api/v1/interviews/"),
        "interviews-detail": ("get", "/api/v1/interviews/{id}/"),
        "appointments-list": ("get", "/api/v1/appointments/"),
        "appointments-create": ("post", "/api/v1/appointments/"),
        "appointments-detail": ("get", "/api/v1/appointments/{id}/"),
        "appointments-update": ("put", "/api/v1/appointments/{id}/"),
        "appointments-partial-update": ("patch", "/api/v1/appointments/{id}/"),
        "appointments-cancel": ("post", "/api/v1/appointments/{id}/cancel/"),
        "appointments-no-show": ("post", "/api/v1/appointments/{id}/no-show/"),
        "plans-list": ("get", "/api/v1/plans/"),
        "plans-create": ("post", "/api/v1/plans/"),
        "plans-detail": ("get", "/api/v1/plans/{id}/"),
        "plans-versions": ("get", "/api/v1/plans/{id}/versions/"),
        "plans-revise": ("post", "/api/v1/plans/{id}/versions/"),
        "teams-list": ("get", "/api/v1/teams/"),
        "teams-detail": ("get", "/api/v1/teams/{id}/"),
        "coverage": ("get", "/api/v1/coverage/"),
        "contact-attempts-list": ("get", "/api/v1/clients/{client_id}/contact-attempts/"),
        "contact-attempts-create": ("post", "/api/v1/clients/{client_id}/contact-attempts/"),
        "contact-attempts-detail": (
            "get",
            "/api/v1/clients/{client_id}/contact-attempts/{id}/",
        ),
        "job-search-reports-list": ("get", "/api/v1/clients/{client_id}/job-search-reports/"),
        "job-search-reports-create": (
            "post",
            "/api/v1/clients/{client_id}/job-search-reports/",
        ),
        "job-search-reports-detail": (
            "get",
            "/api/v1/clients/{client_id}/job-search-reports/{id}/",
        ),
    }
    assert set(templates) == set(ENDPOINTS)
    assert set(templates.values()) == operations
