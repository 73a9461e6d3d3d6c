"""Production settings refuse unsafe values; the web keeps working without Redis."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import transaction

from interviews.tasks import flag_due
from teoffice.tasking import enqueue


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"TEOFFICE_TESTING", "DEBUG", "SECRET_KEY"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_the_default_secret_key():
    result = _check({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is the default development key" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _check({"DEBUG": "false", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "teoffice.example"})
    assert result.returncode == 0, result.stderr


def test_debug_demo_starts_without_any_setting():
    result = _check({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db(transaction=True)
def test_enqueue_never_fails_a_request_when_the_broker_is_down(settings, caplog):
    from teoffice.celery import app

    old = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    try:
        with app.connection_for_write() as _conn, transaction.atomic():
            enqueue(flag_due)
        assert "not enqueued" in caplog.text
    finally:
        app.conf.broker_url, app.conf.task_always_eager = old
        app.pool.force_close_all()
