"""Reads from a real PostgreSQL streaming replica (issue 21): the reports, the exports, the
office view and the team dashboard read from it; reads after a write, and everything when
the replica is down or lags, stay on the primary without an error.

CI starts the replica (.ci/replica: pg_basebackup to a second cluster on a loopback port)
and sets DATABASE_REPLICA_URL; the test database is replicated to it like any other."""

from __future__ import annotations

import datetime as dt
import os
import time
from contextlib import ExitStack, contextmanager

import pytest
from django.conf import settings
from django.db import OperationalError, connections

from teoffice import db_routing
from tests.conftest import make_client, make_interview

CONFIGURED = "replica" in settings.DATABASES
if not CONFIGURED and os.environ.get("REQUIRE_SERVICES"):
    raise pytest.UsageError(
        "REQUIRE_SERVICES is set but DATABASE_REPLICA_URL is not (.ci/replica)."
    )

pytestmark = [
    pytest.mark.skipif(not CONFIGURED, reason="needs DATABASE_REPLICA_URL (.ci/replica)"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]
DATA_TABLES = ("clients_client", "interviews_interview", "interviews_coverage", "reports_")


def _lsn(alias: str, sql: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _replayed() -> None:
    """Wait until the replica has replayed everything the primary has written (the first
    time, the test database's creation too)."""
    for _ in range(300):
        try:
            connections["replica"].ensure_connection()
            break
        except OperationalError:
            connections["replica"].close()
            time.sleep(0.1)
    target = _lsn("default", "SELECT pg_current_wal_lsn()::text")
    for _ in range(200):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up within 10 s")


@contextmanager
def queries():
    """The statements each alias ran, in order."""
    seen = {"default": [], "replica": []}

    def record(log, execute, sql, params, many, context):
        log.append(sql)
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for alias, log in seen.items():
            stack.enter_context(
                connections[alias].execute_wrapper(lambda *a, log=log: record(log, *a))
            )
        yield seen


def _data(statements: list[str]) -> list[str]:
    return [s for s in statements if any(t in s for t in DATA_TABLES)]


@pytest.fixture
def office_data(team_a, adviser, lead, manager):
    for i in range(3):
        c = make_client(team_a, responsible_adviser=adviser)
        make_interview(c, adviser, held_on=dt.date.today() - dt.timedelta(days=20 + i))
    _replayed()
    db_routing.replica_health_forget()
    yield
    db_routing.replica_health_forget()


def test_the_replica_is_a_standby_of_the_test_database():
    _replayed()
    assert _lsn("replica", "SELECT pg_is_in_recovery()::text") == "true"
    assert (
        connections["replica"].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]
    )


@pytest.mark.parametrize(
    "who,url",
    [
        ("manager", "/reports/coverage/?level=team"),
        ("manager", "/reports/coverage.csv?level=team"),
        ("manager", "/reports/coverage.xlsx?level=adviser"),
        ("manager", "/teams/office/"),
        ("lead", "/teams/{team}/"),
    ],
)
def test_read_heavy_pages_read_from_the_replica(client, office_data, team_a, request, who, url):
    client.force_login(request.getfixturevalue(who))
    with queries() as seen:
        response = client.get(url.format(team=team_a.pk))
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    assert _data(seen["replica"]), "no data read from the replica"
    assert _data(seen["default"]) == [], "data read from the primary"


def test_the_client_export_streams_from_the_replica(client, office_data, manager, monkeypatch):
    """The client CSV is written by COPY (which bypasses execute wrappers): the queryset it
    copies is bound to the replica."""
    from django.contrib.auth.models import Permission

    from reports import exports

    copied = []
    original = exports.client_csv_file

    def spy(clients):
        copied.append(clients.db)
        return original(clients)

    monkeypatch.setattr(exports, "client_csv_file", spy)
    manager.user_permissions.add(Permission.objects.get(codename="export_clients"))
    _replayed()
    client.force_login(manager)
    response = client.get("/reports/clients-export/?format=csv&level=team")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200, body[:300]
    assert copied == ["replica"]
    assert body.count(b"\n") == 1 + 3  # the header and the three clients


def test_after_a_write_the_pages_read_from_the_primary(client, office_data, lead, team_a):
    client.force_login(lead)
    assert client.post("/language/", {"language": "fi", "next": "/"}).status_code == 302
    with queries() as seen:
        assert client.get(f"/teams/{team_a.pk}/").status_code == 200
    assert seen["replica"] == []
    assert _data(seen["default"])


def test_other_pages_never_read_from_the_replica(client, office_data, adviser):
    client.force_login(adviser)
    with queries() as seen:
        assert client.get("/clients/").status_code == 200
    assert seen["replica"] == []


def test_a_replica_that_is_down_falls_back_to_the_primary(client, office_data, manager):
    replica = connections["replica"]
    port = replica.settings_dict["PORT"]
    replica.close()
    replica.settings_dict["PORT"] = 1  # nothing listens there
    try:
        client.force_login(manager)
        with queries() as seen:
            response = client.get("/reports/coverage/?level=team")
        assert response.status_code == 200
        assert seen["replica"] == []
        assert _data(seen["default"])
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port


def test_a_replica_that_lags_falls_back_to_the_primary(
    client, office_data, manager, team_a, settings
):
    settings.REPLICA_MAX_LAG_SECONDS = 0.0
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        make_client(team_a)  # written on the primary, received but not replayed
        for _ in range(200):
            received = _lsn(
                "replica", "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"
            )
            if received:
                break
            time.sleep(0.05)
        assert received
        client.force_login(manager)
        with queries() as seen:
            assert client.get("/reports/coverage/?level=team").status_code == 200
        assert _data(seen["replica"]) == []
        assert _data(seen["default"])
    finally:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
