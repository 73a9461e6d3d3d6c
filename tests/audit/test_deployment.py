"""Deployment settings: `check --deploy` is clean, errors show no traceback or personal data,
no inline scripts or styles anywhere (the CSP would block them), and logs hold no identity codes."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.audit.logscan import watch_log_output
from tests.conftest import make_client

ROOT = Path(settings.BASE_DIR)


def test_check_deploy_reports_nothing_under_production_settings():
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "TEOFFICE_TESTING",
            "DEBUG",
            "SECRET_KEY",
            "MAIL_BACKEND",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    # As .ci/run: mail and SMS chosen explicitly (no SMS gateway ships with the product).
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="teoffice.example",
        MAIL_HOST="smtp.teoffice.example",
        ALLOW_CONSOLE_NOTIFICATIONS="true",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_are_secure_and_https_is_enforced():
    """The values under DEBUG off (tests run with TEOFFICE_TESTING, so read them fresh)."""
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.AXES_ENABLED, s.DEBUG)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"TEOFFICE_TESTING", "DEBUG"}}
    env.update(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="teoffice.example")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ.setdefault("
            f"'DJANGO_SETTINGS_MODULE', 'teoffice.settings'); django.setup(); {code}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "True", "False"]


def test_not_found_page_shows_no_hint_and_no_detail(client, adviser, outsider, team_b):
    other = make_client(team_b)
    client.force_login(adviser)
    response = client.get(reverse("clients:detail", args=[other.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body and "not yours to see" in body
    assert other.last_name not in body and other.personal_identity_code not in body
    assert "Traceback" not in body


@override_settings(ROOT_URLCONF="tests.audit.boom_urls")
def test_a_server_error_shows_no_traceback_and_no_personal_data(adviser):
    code = "131052-308T"
    browser = Client(raise_request_exception=False)
    browser.force_login(adviser)
    found, undo, written = watch_log_output()
    try:
        response = browser.get(f"/boom/{code}/")
    finally:
        undo()
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert code not in body and "Traceback" not in body and "ValueError" not in body
    assert "Content-Security-Policy" in response.headers
    assert written[0] >= 1  # the error was logged ...
    assert found == [], found  # ... with the code masked


def test_logs_hold_no_identity_codes_from_typical_requests(client, adviser, client_a, settings):
    """Paths, failed sign-ins and bad input that carry an identity code, through the real
    handlers and filters configured in settings.LOGGING."""
    settings.AXES_ENABLED = True
    code = client_a.personal_identity_code
    found, undo, written = watch_log_output()
    try:
        client.post(reverse("login"), {"username": code, "password": "wrong"})
        client.force_login(adviser)
        client.get(f"/clients/{code}/")  # 404, logged by django.request
        client.get(reverse("clients:caseload"), {"q": code})
        client.get(f"/api/v1/clients/?q={code}")
    finally:
        undo()
    assert written[0] >= 4
    assert found == [], found


# --- No inline scripts or styles (the CSP would block them) --------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"\bhx-on", re.I), "hx-on (needs eval)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def _templates() -> list[Path]:
    roots = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(p for r in roots for p in r.rglob("*.html") if ".venv" not in p.parts)


def test_templates_have_no_inline_scripts_styles_or_handlers():
    problems = []
    for path in _templates():
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert len(_templates()) > 5
    assert problems == []


@pytest.mark.parametrize("name", ["404.html", "500.html"])
def test_error_pages_exist_in_the_project_templates(name):
    assert (ROOT / "templates" / name).exists()
