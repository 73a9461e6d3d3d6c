"""/health/ (liveness) and /ready/ (readiness: database, Redis, the due engine's last run)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from interviews.models import DueRun

ROOT = Path(__file__).resolve().parents[2]
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def due_run(hours_ago: float, *, skipped: bool = False) -> DueRun:
    finished = timezone.now() - dt.timedelta(hours=hours_ago)
    return DueRun.objects.create(
        mode="daily",
        started_at=finished,
        finished_at=finished,
        duration_ms=5,
        as_of=timezone.localdate(finished),
        skipped=skipped,
    )


def test_health_answers_without_signing_in(client):
    response = client.get("/health/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_ready_is_ok_with_database_and_a_recent_due_run(client, django_assert_max_num_queries):
    due_run(hours_ago=2)
    with django_assert_max_num_queries(2):
        response = client.get("/ready/")
    body = response.json()
    assert (response.status_code, body["status"]) == (200, "ok")
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"] == {"status": "not_configured"}
    assert body["checks"]["due_engine"]["status"] == "ok"
    assert "X-Request-ID" in response


@pytest.mark.django_db
@override_settings(REDIS_URL=CLOSED_PORT_REDIS)
def test_redis_outage_is_degraded_not_down(client):
    due_run(hours_ago=1)
    started = timezone.now()
    response = client.get("/ready/")
    body = response.json()
    assert (response.status_code, body["status"]) == (200, "degraded")
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"
    assert (timezone.now() - started).total_seconds() < 10  # fails fast, no retry loop


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis)")
def test_ready_is_ok_with_a_live_redis(client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    due_run(hours_ago=1)
    body = client.get("/ready/").json()
    assert body["checks"]["redis"]["status"] == "ok" and body["status"] == "ok"


@pytest.mark.django_db
@override_settings(REDIS_URL="")
@pytest.mark.parametrize(("hours_ago", "skipped"), [(27, False), (1, True)])
def test_due_engine_older_than_26_hours_is_degraded(client, hours_ago, skipped):
    due_run(hours_ago=hours_ago, skipped=skipped)
    body = client.get("/ready/").json()
    assert body["status"] == "degraded"
    assert body["checks"]["due_engine"]["status"] == "stale"


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_due_engine_that_never_ran_is_degraded(client):
    response = client.get("/ready/")
    assert response.status_code == 200
    assert response.json()["checks"]["due_engine"] == {"status": "stale", "last_run": None}


def test_database_down_is_503_and_redis_down_too():
    """A real process whose database is a closed port: readiness answers 503, not a 500."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/ready/', HTTP_HOST='localhost');"
        "print(json.dumps({'code': r.status_code, 'body': r.json()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "teoffice.settings",
        "TEOFFICE_TESTING": "1",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "REDIS_URL": CLOSED_PORT_REDIS,
        "LOG_LEVEL": "CRITICAL",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["code"] == 503
    assert answer["body"]["status"] == "down"
    assert answer["body"]["checks"]["database"]["status"] == "down"
    assert answer["body"]["checks"]["redis"]["status"] == "down"
