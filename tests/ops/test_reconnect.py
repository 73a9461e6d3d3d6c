"""A database restart or fail-over costs no request: persistent connections are health-checked
(CONN_HEALTH_CHECKS) before their first use in a request, and a dead one is replaced.

The requests go through Django's real WSGI handler (the test client skips the per-request
connection housekeeping that production runs), in the thread whose persistent connection
PostgreSQL has just terminated, as a restart or fail-over would."""

from __future__ import annotations

import psycopg2
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory


def _terminate_this_threads_connection() -> None:
    connection.ensure_connection()
    pid = connection.connection.get_backend_pid()
    params = connection.get_connection_params()
    with psycopg2.connect(**{k: v for k, v in params.items() if k != "options"}) as admin:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    admin.close()


def _get(app: WSGIHandler, path: str, cookie: str) -> int:
    environ = RequestFactory()._base_environ(PATH_INFO=path, HTTP_COOKIE=cookie)
    statuses = []
    body = app(environ, lambda status, headers, *args: statuses.append(int(status[:3])))
    b"".join(body)
    body.close()  # request_finished, as a WSGI server sends it
    return statuses[0]


def _signed_in(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
def test_the_first_request_after_the_database_dropped_the_connection_succeeds(client, adviser):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # the connection is kept, so checked
    app, cookie = WSGIHandler(), _signed_in(client, adviser)
    assert _get(app, "/clients/", cookie) == 200
    _terminate_this_threads_connection()
    assert _get(app, "/clients/", cookie) == 200
    assert _get(app, "/clients/", cookie) == 200


@pytest.mark.django_db(transaction=True)
def test_without_health_checks_that_request_would_fail(client, adviser, monkeypatch):
    """The test above can fail: unchecked, the dropped connection answers 500 once."""
    app, cookie = WSGIHandler(), _signed_in(client, adviser)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    connection.close()  # read when connecting
    assert _get(app, "/clients/", cookie) == 200
    _terminate_this_threads_connection()
    assert _get(app, "/clients/", cookie) == 500
    assert _get(app, "/clients/", cookie) == 200  # Django closes it after the error
