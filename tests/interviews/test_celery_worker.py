"""A real Celery worker, started here against the real Redis, runs the due task."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection

from interviews.choices import DueState
from interviews.models import DueRun
from interviews.tasks import flag_due
from tests.conftest import make_client

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.fail(
            "the worker test needs PostgreSQL (DATABASE_URL): a worker process "
            "cannot share the test run's in-memory SQLite database"
        )
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_QUEUE": queue}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "teoffice",
            "worker",
            "-l",
            "info",
            "--concurrency=1",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output[-4000:])


def test_real_worker_runs_the_due_task_to_completion(worker, team_a):
    client = make_client(team_a)
    type(client).objects.update(due_state=DueState.NOT_REQUIRED)  # stale
    flag_due.apply_async(queue=worker)
    deadline = time.monotonic() + 60
    while not DueRun.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    run = DueRun.objects.get()  # written by the worker process, through the broker
    assert run.changed == 1 and not run.skipped
    client.refresh_from_db()
    assert client.due_state == client.due_state_on(run.as_of)
