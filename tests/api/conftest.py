"""Helpers for the API tests: a DRF client signed in as a persona, by session or by token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from teoffice.api import api_token_issue


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The personas' passwords are hashed for every test; a cheap hasher keeps the API suite
    fast (nothing here tests password storage)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated by session; api(user, token=True) by token;
    api() anonymous."""

    def make(user=None, *, token: bool = False) -> APIClient:
        client = APIClient()
        if user is not None:
            if token:
                client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).key}")
            else:
                client.force_login(user)
        return client

    return make


@pytest.fixture
def world(team_a, team_b, adviser, teammate, lead, outsider, manager):
    """Team A's client with an interview, a booked appointment, a plan, a contact attempt and
    last month's job-search report; a second team A client without a plan; and team B's
    client (the outsider's)."""
    import datetime as dt
    from types import SimpleNamespace

    from django.utils import timezone

    from interviews.models import Appointment
    from interviews.services import contact_attempt_record
    from plans.services import PlanInput, job_search_report_record, plan_revise
    from tests.conftest import make_client, make_interview

    today = timezone.localdate()
    client = make_client(team_a, responsible_adviser=adviser)
    interview = make_interview(client, adviser, held_on=today - dt.timedelta(days=3))
    appointment = Appointment.objects.create(
        client=client,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() + dt.timedelta(days=7),
        channel="phone",
    )
    version = plan_revise(
        client=client,
        author=adviser,
        data=PlanInput(goal="work", applications_per_month=4),
        based_on=None,
    )
    attempt = contact_attempt_record(
        client=client,
        adviser=adviser,
        attempted_at=timezone.now() - dt.timedelta(days=2),
        channel="phone",
        result="no_answer",
    )
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    report = job_search_report_record(
        client=client, month=last_month, applications=3, recorded_by=adviser
    )
    return SimpleNamespace(
        client=client,
        client_without_plan=make_client(team_a, responsible_adviser=adviser),
        interview=interview,
        appointment=appointment,
        plan=version.plan,
        attempt=attempt,
        report=report,
        client_b=make_client(team_b, responsible_adviser=outsider),
        team_a=team_a,
        team_b=team_b,
        adviser=adviser,
        teammate=teammate,
    )
