"""The application's database role cannot alter the access log (docs/operations.md, section 10).

The triggers (audit/db.py) refuse changes from anyone, but a table's owner could drop them.
In production the app runs as a role that owns nothing and was granted only SELECT and INSERT
on `audit_accesslog`. This test runs the very SQL of the operations guide against the test
database, switches to that role, and checks that the app still works and that the access log
cannot be changed, emptied or unprotected: refused by the privileges, before any trigger.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, ChangeEvent
from clients.models import Client

pytestmark = pytest.mark.django_db

GUIDE = Path(settings.BASE_DIR) / "docs" / "operations.md"


def _guide_sql(marker: str) -> list[str]:
    """The statements of the ```sql block right after `<!-- marker -->` in the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker} -->\s*```sql\n(.*?)```", text, re.S)
    assert found, f"docs/operations.md has no sql block marked {marker}"
    lines = [line for line in found.group(1).splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@pytest.fixture
def app_role(db):
    """Inside the test's transaction (rolled back after it): the guide's role and grants,
    then SET ROLE to it for the rest of the test."""
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("the database-role test needs PostgreSQL (DATABASE_URL)")
        pytest.skip("database roles need PostgreSQL: run with DATABASE_URL=postgres://…")
    role = f"teoffice_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        for statement in _guide_sql("app-role-grants"):
            statement = statement.replace("teoffice_app", role).replace("teoffice_owner", owner)
            cursor.execute(statement)
        cursor.execute(f"SET ROLE {role}")
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute(sql)
    return str(refused.value)


def test_the_guide_leaves_the_app_only_select_and_insert_on_the_access_log(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (app_role,)
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = 'audit_accesslog'",
            [app_role],
        )
        assert {p for (p,) in cursor.fetchall()} == {"SELECT", "INSERT"}
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = 'clients_client'",
            [app_role],
        )
        assert {p for (p,) in cursor.fetchall()} == {"SELECT", "INSERT", "UPDATE", "DELETE"}


def test_the_app_works_as_its_role_and_logs_the_view(client, adviser, client_a, app_role):
    client.force_login(adviser)
    assert client.get(reverse("clients:detail", args=[client_a.pk])).status_code == 200
    response = client.post(
        reverse("clients:status_change", args=[client_a.pk]),
        {"status": "employed", "effective_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert Client.objects.get(pk=client_a.pk).status == "employed"
    assert ChangeEvent.objects.filter(client=client_a).exists()
    assert AccessLog.objects.for_client(client_a.pk).filter(user=adviser).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accesslog SET username = 'x'",
        "DELETE FROM audit_accesslog",
        "TRUNCATE audit_accesslog",
        "UPDATE audit_changeevent SET changes = '[]'",
    ],
)
def test_the_apps_role_may_not_change_the_log(client, adviser, client_a, app_role, sql):
    client.force_login(adviser)
    client.get(reverse("clients:detail", args=[client_a.pk]))
    before = list(AccessLog.objects.values_list("pk", "username", "client_ids"))
    assert before
    assert "permission denied" in _refused(sql)
    assert list(AccessLog.objects.values_list("pk", "username", "client_ids")) == before


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TRIGGER audit_accesslog_no_update ON audit_accesslog",
        "ALTER TABLE audit_accesslog DISABLE TRIGGER ALL",
        "DROP TABLE audit_accesslog",
    ],
)
def test_the_apps_role_cannot_remove_the_protection(app_role, sql):
    assert "must be owner" in _refused(sql)
