"""Sign-in hardening: throttled failures, idle expiry, cookie flags, and the optional OIDC sign-in."""

from __future__ import annotations

import datetime as dt
import importlib
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from tests.conftest import PASSWORD, make_user


def _sign_in(client, username: str, password: str, ip: str = "192.0.2.10"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Each sign-in checks a password: keep that cheap (set before the personas exist)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    yield


def test_failed_sign_ins_lock_the_account_from_that_address(client, adviser, axes_on):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _sign_in(client, "alice", "wrong")
        assert response.status_code == 200  # the form again, with its error
    assert _sign_in(client, "alice", "wrong").status_code == 429  # the limit reached
    locked = _sign_in(client, "alice", PASSWORD)  # even the right password now waits
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lock_out_does_not_spread_to_other_addresses_or_accounts(client, adviser, axes_on):
    make_user("bertta")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "alice", "wrong")
    assert _sign_in(client, "bertta", PASSWORD).status_code == 302
    client.logout()
    assert _sign_in(client, "alice", PASSWORD, ip="192.0.2.99").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(client, adviser, axes_on):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "alice", "wrong")
    assert _sign_in(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "alice", "wrong")
    assert _sign_in(client, "alice", PASSWORD).status_code == 302


def test_many_accounts_tried_once_each_from_one_address_lock_that_address(client, adviser, axes_on):
    """Password spraying: 30 user names, one wrong password each, from one address."""
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    assert settings.AXES_FAILURE_LIMIT < limit <= 20
    statuses = [_sign_in(client, f"user{n}", "Summer2026!").status_code for n in range(30)]
    assert statuses == [200] * (limit - 1) + [429] * (30 - limit + 1)
    assert _sign_in(client, "alice", PASSWORD).status_code == 429  # a real account too
    assert _sign_in(client, "alice", PASSWORD, ip="192.0.2.99").status_code == 302


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, adviser, axes_on, settings):
    """With one trusted proxy, the address is X-Forwarded-For's last entry (the proxy
    appends it); what the client itself put in the header does not count."""
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        spoofed = f"198.51.100.{n}, 203.0.113.5"
        response = client.post(
            reverse("login"),
            {"username": f"user{n}", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=spoofed,
        )
    assert response.status_code == 429
    other = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.77",
    )
    assert other.status_code == 302  # another client behind the same proxy signs in


def test_signing_in_to_ones_own_account_does_not_reset_the_address_count(client, adviser, axes_on):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    for n in range(limit - 1):
        _sign_in(client, f"user{n}", "wrong")
    assert _sign_in(client, "alice", PASSWORD).status_code == 302
    client.logout()
    assert _sign_in(client, "user-last", "wrong").status_code == 429


def test_the_session_expires_after_an_idle_hour_and_each_request_renews_it():
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    assert settings.SESSION_RENEW_SECONDS == 60
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_a_request_renews_the_session_at_most_once_a_minute(client, adviser):
    """The idle hour counts from the last request (to the minute), without a session write
    on every page: a request within a minute of the last renewal saves nothing."""
    import time_machine
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        _sign_in(client, "alice", PASSWORD)
        client.get("/clients/")
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        first = Session.objects.get(session_key=key).expire_date
        clock.shift(dt.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as seen:
            response = client.get("/clients/")
        assert not [
            q
            for q in seen.captured_queries
            if "django_session" in q["sql"] and q["sql"].startswith("UPDATE")
        ]
        assert settings.SESSION_COOKIE_NAME not in response.cookies  # nothing re-sent
        assert Session.objects.get(session_key=key).expire_date == first
        clock.shift(dt.timedelta(minutes=50))  # 50.5 idle minutes: still signed in, renewed
        response = client.get("/clients/")
        assert response.status_code == 200
        renewed = Session.objects.get(session_key=key).expire_date
        assert renewed == start + dt.timedelta(minutes=50, seconds=30, hours=1)
        assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 3600
        clock.shift(dt.timedelta(hours=1, seconds=1))  # an idle hour: signed out
        assert client.get("/clients/").status_code == 302


def test_the_session_cookie_is_http_only_with_its_idle_lifetime(client, adviser):
    response = _sign_in(client, "alice", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert cookie["samesite"] == "Lax"


def test_a_signed_in_page_sends_a_strict_content_security_policy(client, adviser):
    client.force_login(adviser)
    response = client.get(reverse("clients:caseload"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"


# --- OIDC ---------------------------------------------------------------------------------

OIDC = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "teoffice",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_RP_SCOPES": "openid email profile",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example/jwks",
    "OIDC_CREATE_USER": False,
    "OIDC_USE_PKCE": True,
}


@pytest.fixture
def oidc_on():
    import teoffice.urls

    with override_settings(**OIDC):
        importlib.reload(teoffice.urls)
        clear_url_caches()
        yield
    importlib.reload(teoffice.urls)
    clear_url_caches()


def test_without_oidc_settings_only_the_local_sign_in_is_offered(db, client):
    assert settings.OIDC_ENABLED is False
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with your organisation" not in page
    assert client.get("/oidc/authenticate/").status_code in (302, 404)
    assert "audit.oidc.ExistingAccountsOIDCBackend" not in settings.AUTHENTICATION_BACKENDS


def test_with_oidc_settings_the_organisation_sign_in_is_offered(db, client, oidc_on):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with your organisation" in page
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    assert response["Location"].startswith("https://idp.example/authorize?")
    assert "code_challenge=" in response["Location"]  # PKCE


def _backend():
    from audit.oidc import ExistingAccountsOIDCBackend

    with override_settings(**OIDC):
        return ExistingAccountsOIDCBackend()


def _oidc_user(claims):
    backend = _backend()
    with (
        override_settings(**OIDC),
        mock.patch.object(backend, "get_userinfo", return_value=claims),
    ):
        return backend.get_or_create_user("access", "id", {})


def test_oidc_matches_an_existing_account_by_username_or_e_mail(adviser, teammate):
    adviser.email = "alice@office.example"
    adviser.save(update_fields=["email"])
    assert _oidc_user({"preferred_username": "bob"}) == teammate
    assert _oidc_user({"email": "ALICE@office.example"}) == adviser


def test_oidc_never_creates_an_account(db):
    from django.contrib.auth import get_user_model

    assert _oidc_user({"preferred_username": "stranger", "email": "s@x.example"}) is None
    with pytest.raises(SuspiciousOperation):
        _backend().create_user({"preferred_username": "stranger"})
    assert not get_user_model().objects.filter(username="stranger").exists()


def test_oidc_does_not_sign_in_a_deactivated_account(adviser):
    adviser.is_active = False
    adviser.save(update_fields=["is_active"])
    assert _oidc_user({"preferred_username": "alice"}) is None
