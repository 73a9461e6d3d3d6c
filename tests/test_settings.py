"""Production settings refuse unsafe values; the web keeps working without Redis."""

from __future__ import annotations

import os
import subprocess
import sys


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
    # With the notification backends chosen (tests/ops/test_production_settings.py).
    result = _check(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "teoffice.example",
            "MAIL_HOST": "smtp.teoffice.example",
            "ALLOW_CONSOLE_NOTIFICATIONS": "true",
        }
    )
    assert result.returncode == 0, result.stderr


def test_debug_demo_starts_without_any_setting():
    result = _check({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_enqueue_never_fails_a_request_when_the_broker_is_down():
    """A process whose REDIS_URL points at a closed port: enqueue logs and returns."""
    code = (
        "from django.db import transaction\n"
        "from interviews.tasks import flag_due\n"
        "from teoffice.tasking import enqueue\n"
        "with transaction.atomic():\n"
        "    enqueue(flag_due)\n"
        "print('request finished')\n"
    )
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env={**clean, "REDIS_URL": "redis://127.0.0.1:1/0", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "request finished" in result.stdout
    assert "not enqueued" in result.stderr
