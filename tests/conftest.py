"""Personas and small factories shared by the whole suite.

The personas (healthchecks style): `adviser` and `teammate` in team A, `lead` leading team A,
`outsider` an adviser in team B, `manager` over the office. Every permission test runs
against the outsider.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from clients import identity
from clients.models import Client, Status
from interviews import rules
from interviews.choices import Channel, InterviewKind, Outcome
from interviews.models import Interview
from teams.models import ManagerScope, Membership, Office, Role, ServiceLine, Team

PASSWORD = "correct horse battery staple"
_codes = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    """Without Redis the tests that need a real broker cannot run: they are skipped with
    the reason shown. CI sets REQUIRE_SERVICES=1, which turns a missing REDIS_URL into an
    error, so a green CI always ran them."""
    if os.environ.get("REDIS_URL"):
        return
    if os.environ.get("REQUIRE_SERVICES"):
        raise pytest.UsageError("REQUIRE_SERVICES is set but REDIS_URL is not.")
    skip = pytest.mark.skip(reason="needs REDIS_URL (a real Redis broker); .ci/run provides it")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


def make_user(username: str, *, team: Team | None = None, role: str = Role.ADVISER, **extra):
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=extra.pop("first_name", username.title()),
        last_name=extra.pop("last_name", "Tester"),
        **extra,
    )
    if team is not None:
        Membership.objects.create(user=user, team=team, role=role)
    return user


def make_code() -> str:
    """A new valid identity code each call (born 1980–, individual numbers rising)."""
    n = next(_codes)
    return identity.make_hetu(dt.date(1980, 1, 1) + dt.timedelta(days=n % 9000), 2 + n // 9000)


def make_client(team: Team, **fields) -> Client:
    """A client with consistent derived fields (next due date and due state from the rule)."""
    code = fields.pop("personal_identity_code", None) or make_code()
    today = timezone.localdate()
    registered = fields.pop("registered_on", today - dt.timedelta(days=400))
    status = fields.pop("status", Status.UNEMPLOYED)
    status_since = fields.pop("status_since", registered)
    last_held_on = fields.pop("last_held_on", None)
    client = Client(
        personal_identity_code=code,
        first_name=fields.pop("first_name", "Matti"),
        last_name=fields.pop("last_name", "Meikäläinen"),
        birth_date=identity.birth_date(code),
        team=team,
        status=status,
        status_since=status_since,
        registered_on=registered,
        last_held_on=last_held_on,
        last_channel=fields.pop("last_channel", Channel.PHONE if last_held_on else ""),
        **fields,
    )
    client.next_due_date = rules.next_due_date(
        status=status, status_since=status_since, last_held_on=last_held_on
    )
    client.due_state = rules.due_state(client.next_due_date, today)
    client.save()
    return client


def make_interview(
    client: Client,
    adviser,
    *,
    held_on: dt.date,
    outcome=Outcome.HELD,
    channel=Channel.PHONE,
    kind=InterviewKind.JOB_SEARCH,
) -> Interview:
    # 10:00 that day, or now if that is still to come (the database refuses a future time).
    held_at = min(timezone.make_aware(dt.datetime.combine(held_on, dt.time(10))), timezone.now())
    return Interview.objects.create(
        client=client,
        adviser=adviser,
        recorded_by=adviser,
        held_at=held_at,
        channel=channel,
        kind=kind,
        outcome=outcome,
        duration_minutes=30 if outcome == Outcome.HELD else None,
    )


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """The office default is Finnish, but the suite asserts English labels: requests without
    Accept-Language (the test client) and code outside requests run in English. Tests of the
    default language set settings.LANGUAGE_CODE = "fi" themselves (tests/i18n)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def office(db) -> Office:
    return Office.objects.create(name="Test office", code="test")


@pytest.fixture
def service_line(office) -> ServiceLine:
    return ServiceLine.objects.create(office=office, name="Supported employment")


@pytest.fixture
def team_a(service_line) -> Team:
    return Team.objects.create(service_line=service_line, name="Team A")


@pytest.fixture
def team_b(service_line) -> Team:
    return Team.objects.create(service_line=service_line, name="Team B")


@pytest.fixture
def adviser(team_a):
    return make_user("alice", team=team_a)


@pytest.fixture
def teammate(team_a):
    return make_user("bob", team=team_a)


@pytest.fixture
def lead(team_a):
    return make_user("lena", team=team_a, role=Role.LEAD)


@pytest.fixture
def outsider(team_b):
    return make_user("charlie", team=team_b)


@pytest.fixture
def manager(office):
    user = make_user("maija")
    ManagerScope.objects.create(user=user, office=office)
    return user


@pytest.fixture
def client_a(team_a, adviser) -> Client:
    return make_client(team_a, responsible_adviser=adviser)


@pytest.fixture(scope="session", autouse=True)
def _audit_tables_flushable():
    """The audit tables are append-only; transactional tests still need them emptied."""
    from tests.audit.flush import audit_tables_flushable

    with audit_tables_flushable():
        yield


# --- Partner personas (issue 8): `partner_user` works for `partner_org`, the demo coaching
# provider; `other_partner_user` for another partner. Neither has a team or manager scope.


@pytest.fixture
def partner_org(db):
    from partners.models import Partner, PartnerService, ServiceType

    partner = Partner.objects.create(name="Valmennus Oy")
    PartnerService.objects.create(
        partner=partner, name="Job coaching", service_type=ServiceType.COACHING
    )
    return partner


@pytest.fixture
def partner_user(partner_org):
    from partners.models import PartnerUser

    user = make_user("pia", first_name="Pia", last_name="Partner")
    PartnerUser.objects.create(user=user, partner=partner_org)
    return user


@pytest.fixture
def other_partner_user(db):
    from partners.models import Partner, PartnerService, PartnerUser, ServiceType

    partner = Partner.objects.create(name="Terveyspalvelut")
    PartnerService.objects.create(
        partner=partner, name="Work-ability assessment", service_type=ServiceType.HEALTH
    )
    user = make_user("otto", first_name="Otto", last_name="Other")
    PartnerUser.objects.create(user=user, partner=partner)
    return user


@pytest.fixture(scope="session", autouse=True)
def _logs_never_contain_identity_codes():
    """Everything the configured log handlers write during the run is scanned (issue 6)."""
    from tests.audit.logscan import watch_log_output

    found, undo, _written = watch_log_output()
    yield
    undo()
    assert not found, "identity codes in the log output (shown masked):\n" + "\n".join(found[:20])
