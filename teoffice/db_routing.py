"""Reads from a PostgreSQL streaming replica (DATABASE_REPLICA_URL), for the read-heavy pages.

Only views marked `@replica_reads` (reports, exports, the office view, the team dashboard)
read from the replica, and only when all of this holds; otherwise everything stays on the
primary, without an error:

- the request is a GET or HEAD, and the user has not written anything in the last
  REPLICA_AFTER_WRITE_SECONDS (the `WroteRecentlyMiddleware` cookie): what one just saved
  is read back from the primary;
- the replica answers and its replay is at most REPLICA_MAX_LAG_SECONDS behind (checked at
  most every REPLICA_CHECK_SECONDS per process; a failed check keeps the primary for
  REPLICA_DOWN_SECONDS);
- the read is not inside a transaction on the primary (it may read its own writes).

Writes always go to the primary (`default`).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

REPLICA = "replica"
logger = logging.getLogger(__name__)

_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_replica", default=False
)
# Per process: until when the last health check holds, and its answer.
_health = {"until": 0.0, "ok": False}
WROTE_COOKIE = "teoffice_wrote"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_seconds() -> float:
    """The replica's replay lag: 0 when it has replayed all it received."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL "
            "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        (lag,) = cursor.fetchone()
    if lag is None:
        raise RuntimeError("DATABASE_REPLICA_URL is not a standby (pg_is_in_recovery() is off)")
    return float(lag)


def replica_healthy() -> bool:
    """Whether the replica may serve reads now (cached; see the module's docstring)."""
    now = time.monotonic()
    if now < _health["until"]:
        return _health["ok"]
    try:
        ok = replica_lag_seconds() <= settings.REPLICA_MAX_LAG_SECONDS
        hold = settings.REPLICA_CHECK_SECONDS
        if not ok:
            logger.warning(
                "replica lags more than %s s: reading from the primary",
                settings.REPLICA_MAX_LAG_SECONDS,
            )
    except Exception as error:  # noqa: BLE001 - any failure means: use the primary
        logger.warning("replica unavailable (%s): reading from the primary", type(error).__name__)
        connections[REPLICA].close()
        ok, hold = False, settings.REPLICA_DOWN_SECONDS
    _health.update(until=now + hold, ok=ok)
    return ok


def replica_health_forget() -> None:
    """Check again at the next request (tests, and after a fail-over)."""
    _health.update(until=0.0, ok=False)


def replica_reads(view):
    """Let this GET view's reads go to the replica when it is safe (module docstring)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        use = (
            replica_configured()
            and request.method in ("GET", "HEAD")
            and WROTE_COOKIE not in request.COOKIES
            and replica_healthy()
        )
        token = _reading_replica.set(use)
        try:
            response = view(request, *args, **kwargs)
            if use and hasattr(response, "streaming_content"):
                # A streamed export reads while it is sent: keep the replica for it.
                response.streaming_content = _streamed_on_replica(response.streaming_content)
            return response
        finally:
            _reading_replica.reset(token)

    return wrapped


def _streamed_on_replica(chunks):
    token = _reading_replica.set(True)
    try:
        yield from chunks
    finally:
        _reading_replica.reset(token)


class WroteRecentlyMiddleware:
    """After a signed-in user's write (any unsafe method), mark the browser for
    REPLICA_AFTER_WRITE_SECONDS, so the pages read back from the primary meanwhile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            replica_configured()
            and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            response.set_cookie(
                WROTE_COOKIE,
                "1",
                max_age=settings.REPLICA_AFTER_WRITE_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def reading_connection():
    """The connection a raw SQL read should use: the replica where the ORM's reads go there
    (inside a `@replica_reads` view, outside a transaction), else the primary."""
    if _reading_replica.get() and not transaction.get_connection().in_atomic_block:
        return connections[REPLICA]
    return connections[DEFAULT_DB_ALIAS]


class ReplicaRouter:
    """Reads of `@replica_reads` views go to the replica (module docstring); the rest, and
    every write, to the primary."""

    def db_for_read(self, model, **hints):
        return reading_connection().alias

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
