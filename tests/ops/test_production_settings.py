"""Production settings refuse to be quietly wrong: with DEBUG off, console mail and SMS (the
log instead of the client) stop the start unless chosen; /ready/ reports the notification
backends; the password-reset page says when no e-mail was sent."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from notifications.sms import SmsGateway
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
OPERATOR = "tests.ops.test_production_settings.OperatorGateway"


class OperatorGateway(SmsGateway):
    """Stands for a real operator's gateway (one is not shipped)."""

    def send(self, *, to: str, text: str) -> str:
        return "operator-1"


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.TESTING = False
    settings.ALLOW_CONSOLE_NOTIFICATIONS = False
    return settings


def _mail(settings, backend: str, host: str = "") -> None:
    settings.MAILERS = {
        "default": {"BACKEND": backend, **({"OPTIONS": {"host": host, "port": 1}} if host else {})}
    }


def _check_ids() -> set[str]:
    try:
        call_command("check")
    except SystemCheckError as exc:
        return set(re.findall(r"\((notifications\.E\d+)\)", str(exc)))
    return set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("backend", "host", "sms", "refused"),
    [
        (CONSOLE_MAIL, "", "notifications.sms.ConsoleSmsGateway", {"E001", "E003"}),
        ("django.core.mail.backends.locmem.EmailBackend", "", OPERATOR, {"E001"}),
        (SMTP, "", OPERATOR, {"E002"}),  # SMTP to localhost:25, nothing there
        (SMTP, "smtp.example.fi", "notifications.sms.ConsoleSmsGateway", {"E003"}),
        (SMTP, "smtp.example.fi", OPERATOR, set()),
    ],
)
def test_with_debug_off_console_notifications_stop_the_start(
    production, backend, host, sms, refused
):
    _mail(production, backend, host)
    production.SMS_GATEWAY = sms
    assert _check_ids() == {f"notifications.{code}" for code in refused}
    production.ALLOW_CONSOLE_NOTIFICATIONS = True  # said explicitly: a demo or staging
    assert _check_ids() == set()


@pytest.mark.django_db
def test_development_and_tests_may_use_the_console(settings):
    _mail(settings, CONSOLE_MAIL)
    settings.SMS_GATEWAY = "notifications.sms.ConsoleSmsGateway"
    settings.DEBUG, settings.TESTING = True, False
    assert _check_ids() == set()


def test_a_production_start_with_no_mail_or_sms_set_up_fails_with_a_clear_message():
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "TEOFFICE_TESTING",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "MAIL_HOST",
            "MAIL_BACKEND",
            "SMS_GATEWAY",
        }
    }
    env.update(
        DEBUG="false",
        ALLOWED_HOSTS="teoffice.example",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOW_CONSOLE_NOTIFICATIONS="",
    )
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode == 1
    assert "notifications.E002" in refused.stderr and "notifications.E003" in refused.stderr
    assert "ALLOW_CONSOLE_NOTIFICATIONS=true" in refused.stderr
    # What .ci/run's deployment check sets: an SMTP host, and the log for text messages.
    env.update(MAIL_HOST="smtp.teoffice.example", ALLOW_CONSOLE_NOTIFICATIONS="true")
    chosen = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert chosen.returncode == 0, chosen.stderr


# --- /ready/ ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ready_reports_the_notification_backends(client, production):
    _mail(production, SMTP, "smtp.example.fi")
    production.SMS_GATEWAY = OPERATOR
    production.REDIS_URL = ""
    body = client.get("/ready/").json()
    assert body["checks"]["notifications"] == {
        "status": "ok",
        "chosen": True,
        "mail": {"backend": "smtp", "sends": True},
        "sms": {"gateway": "OperatorGateway", "sends": True},
    }

    production.SMS_GATEWAY = "notifications.sms.ConsoleSmsGateway"
    body = client.get("/ready/").json()
    assert body["checks"]["notifications"]["status"] == "log_only"
    assert body["status"] == "degraded"  # to the log, and nobody chose it

    production.ALLOW_CONSOLE_NOTIFICATIONS = True
    body = client.get("/ready/").json()
    assert body["checks"]["notifications"]["chosen"] is True
    assert body["checks"]["notifications"]["sms"]["sends"] is False


# --- Password reset --------------------------------------------------------------------------


def _reset(client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


@pytest.mark.django_db
def test_password_reset_mails_the_link_when_mail_works(client):
    make_user("riikka", email="riikka@example.fi")
    response = _reset(client, "riikka@example.fi")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and "riikka" in mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["riikka@example.fi", "nobody@example.fi"])
def test_password_reset_says_so_when_the_mail_server_cannot_be_reached(client, settings, email):
    make_user("riikka", email="riikka@example.fi")
    _mail(settings, SMTP, "127.0.0.1")  # port 1: nothing listens
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 2
    response = _reset(client, email)
    # The same answer whether or not an account has the address.
    assert response.status_code == 503
    assert "could not be sent" in response.content.decode()
    assert reverse("password_reset_done") not in response.get("Location", "")


@pytest.mark.django_db
def test_password_reset_sends_nothing_to_the_log_in_production(client, production, caplog):
    user = make_user("riikka", email="riikka@example.fi")
    _mail(production, CONSOLE_MAIL)
    production.ALLOW_CONSOLE_NOTIFICATIONS = True
    response = _reset(client, "riikka@example.fi")
    assert response.status_code == 503
    assert "does not send e-mail" in response.content.decode()
    assert "/accounts/reset/" not in caplog.text  # no link, no token in the log
    assert user.username not in caplog.text and not mail.outbox
