"""Backup and restore as docs/operations.md describes it: pg_dump -Fc, pg_restore into a fresh
database, the migrations check, and every table's row count compared: nothing lost."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from audit.services import access_record
from clients.models import Client
from tools.demo.office import seed_demo

ROOT = Path(__file__).resolve().parents[2]
BINARIES = ("pg_dump", "pg_restore", "createdb", "dropdb")


def _pg_env() -> dict[str, str]:
    s = connection.settings_dict
    env = {**os.environ, "PGHOST": s["HOST"] or "localhost", "PGPORT": str(s["PORT"] or 5432)}
    if s["USER"]:
        env["PGUSER"] = s["USER"]
    if s["PASSWORD"]:
        env["PGPASSWORD"] = s["PASSWORD"]
    return env


def _run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{args[0]} failed: {done.stdout}\n{done.stderr}"
    return done


def _row_counts(dbname: str, env: dict[str, str], tables: list[str]) -> dict[str, int]:
    with (
        psycopg2.connect(
            dbname=dbname,
            host=env["PGHOST"],
            port=env["PGPORT"],
            user=env.get("PGUSER"),
            password=env.get("PGPASSWORD"),
        ) as conn,
        conn.cursor() as cursor,
    ):
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (our own table names)
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database_with_nothing_lost(tmp_path, client):
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore use pg_dump/pg_restore: run with DATABASE_URL=postgres://…")
    missing = [b for b in BINARIES if shutil.which(b) is None]
    if missing:
        pytest.skip(f"needs the PostgreSQL client programs {', '.join(missing)}")

    # 1. A seeded office with some of everything, including access-log rows from page views.
    seed_demo(clients=300, seed=7)
    manager = get_user_model().objects.get(username="manager")  # the demo manager
    client.force_login(manager)
    for pk in Client.objects.order_by("pk").values_list("pk", flat=True)[:3]:
        assert client.get(reverse("clients:detail", args=[pk])).status_code == 200
    access_record(clients=[1, 2, 3], action="page", user=manager, path="/clients/")
    tables = sorted(connection.introspection.table_names())
    env = _pg_env()
    source = connection.settings_dict["NAME"]
    before = _row_counts(source, env, tables)
    assert before["clients_client"] == 300 and before["interviews_interview"] > 0

    # 2. Back up exactly as docs/operations.md says, and restore into a fresh database.
    dump = tmp_path / "teoffice.dump"
    restored = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    _run(["pg_dump", "-Fc", "--file", str(dump), source], env)
    _run(["createdb", restored], env)
    try:
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--jobs",
                "2",
                "-d",
                restored,
                str(dump),
            ],
            env,
        )

        # 3. The restored database is at the code's migration state...
        s = connection.settings_dict
        url = f"postgres://{s['USER'] or ''}:{s['PASSWORD'] or ''}@{env['PGHOST']}:{env['PGPORT']}/{restored}"
        _run(
            [sys.executable, "manage.py", "migrate", "--check"],
            {**env, "DATABASE_URL": url, "TEOFFICE_TESTING": "1"},
            cwd=ROOT,
        )
        # 4. ...and every table has every row.
        after = _row_counts(restored, env, tables)
        assert after == before
        assert sum(after.values()) > 1000
        assert after["audit_accesslog"] > 0
        # Sequences came along: the next client id is above every restored one.
        with (
            psycopg2.connect(
                dbname=restored,
                host=env["PGHOST"],
                port=env["PGPORT"],
                user=env.get("PGUSER"),
                password=env.get("PGPASSWORD"),
            ) as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('clients_client', 'id')) > max(id) "
                "FROM clients_client"
            )
            assert cursor.fetchone()[0] is True
    finally:
        subprocess.run(["dropdb", "--if-exists", restored], env=env, capture_output=True)
