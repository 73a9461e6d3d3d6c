"""A worker that dies mid-task loses nothing: the due run, held mid-way by a table lock, is done
exactly once after its pool process is killed (the OOM killer) and, separately, after the whole
worker is killed and started again. Real Redis, a real prefork worker, real PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from interviews.choices import DueState
from interviews.models import DueRun
from interviews.tasks import flag_due
from tests.conftest import make_client

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Short enough for a test: Redis gives a dead worker's message back after 6 s, and the worker
# looks for such messages every second (production: two hours and ten seconds).
VISIBILITY_TIMEOUT = 6


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.fail("the crash test needs PostgreSQL (DATABASE_URL)")
    host, port = s["HOST"] or "localhost", s["PORT"] or 5432
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{host}:{port}/{s['NAME']}"


class Worker:
    """A real `celery worker` with one prefork pool process, on a queue of its own."""

    def __init__(self) -> None:
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_QUEUE": self.queue,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_RESTORE_INTERVAL": "1",
        }
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "teoffice", "worker", "-l", "info"]
            + ["--concurrency=1", "--pool=prefork", "-Q", self.queue]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: killed whole without the tests
        )

    def pool_processes(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill_whole(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.output.append(self.process.communicate()[0])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.output.append(self.process.communicate(timeout=20)[0])
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.output.append(self.process.communicate()[0])


@pytest.fixture
def worker():
    started = Worker()
    started.start()
    yield started
    started.stop()
    print("".join(started.output)[-6000:])


def _lock_waiters() -> set[int]:
    """Database sessions of this test database waiting for the clients table's lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh, inside the transaction
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


def _wait_for(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@contextmanager
def _clients_locked():
    """Hold the clients table so that a due run blocks in its UPDATE: the task is mid-run."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Client._meta.db_table} IN EXCLUSIVE MODE")
        yield


def _stale_clients(team, count: int = 3) -> list[Client]:
    clients = [make_client(team) for _ in range(count)]
    Client.objects.update(due_state=DueState.NOT_REQUIRED)  # stale for today
    return clients


def _assert_done_once(clients: list[Client], started: float) -> None:
    _wait_for(lambda: DueRun.objects.filter(skipped=False).exists(), "the due run", timeout=50)
    time.sleep(2 * VISIBILITY_TIMEOUT)  # time for any duplicate to turn up
    runs = list(DueRun.objects.filter(skipped=False).values_list("changed", flat=True))
    assert runs == [len(clients)], runs  # one run did the work, and nothing ran it again
    for client in clients:
        client.refresh_from_db()
        assert client.due_state == client.due_state_on(timezone.localdate())
        assert client.due_state != DueState.NOT_REQUIRED
    assert time.monotonic() - started < 60


def test_a_due_run_whose_pool_process_is_killed_mid_run_is_done_once(worker, team_a):
    clients = _stale_clients(team_a)
    started = time.monotonic()
    with _clients_locked():
        flag_due.apply_async(queue=worker.queue)
        _wait_for(_lock_waiters, "the due run to start")
        [child] = worker.pool_processes()
        os.kill(child, signal.SIGKILL)  # as the out-of-memory killer would
    _assert_done_once(clients, started)


def test_a_due_run_whose_whole_worker_is_killed_mid_run_is_done_once_after_a_restart(
    worker, team_a
):
    clients = _stale_clients(team_a)
    started = time.monotonic()
    with _clients_locked():
        flag_due.apply_async(queue=worker.queue)
        _wait_for(_lock_waiters, "the due run to start")
        worker.kill_whole()
    assert not DueRun.objects.filter(skipped=False).exists()
    worker.start()  # the same queue, as a restarted worker
    _assert_done_once(clients, started)
