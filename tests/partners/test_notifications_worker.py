"""A real Celery worker over the real Redis broker sends a confirmation to a real local SMTP
server; the same task delivered twice still sends one message."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from interviews.models import Appointment
from notifications.models import Notification
from notifications.services import notifications_prepare
from notifications.tasks import notification_deliver
from tests.conftest import make_client

from .conftest import free_port, make_appointment
from .test_notifications import Inbox

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.fail("the worker test needs PostgreSQL (DATABASE_URL)")
    host, port = s["HOST"] or "localhost", s["PORT"] or 5432
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def smtp_server():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mail_worker(smtp_server):
    _inbox, port = smtp_server
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_QUEUE": queue,
        "MAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_USE_TLS": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "teoffice", "worker", "-l", "info"]
        + ["--concurrency=1", "--pool=solo", "-Q", queue, "--without-gossip", "--without-mingle"],
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


def test_real_worker_sends_a_confirmation_once_even_when_the_task_arrives_twice(
    smtp_server, mail_worker, team_a, adviser
):
    inbox, _port = smtp_server
    appointment = make_appointment(make_client(team_a, email="worker@example.fi"), adviser)
    [notification_id] = notifications_prepare(
        appointments=Appointment.objects.filter(pk=appointment.pk), kind="confirmation"
    )
    notification_deliver.apply_async(args=[notification_id], queue=mail_worker)
    notification_deliver.apply_async(args=[notification_id], queue=mail_worker)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = Notification.objects.get(pk=notification_id)
        if row.status == "sent" and len(inbox.messages) >= 1:
            break
        time.sleep(0.2)
    time.sleep(1.5)  # give the duplicate time to run
    assert [m["To"] for m in inbox.messages] == ["worker@example.fi"]
    row = Notification.objects.get(pk=notification_id)
    assert (row.status, row.attempts) == ("sent", 1)
