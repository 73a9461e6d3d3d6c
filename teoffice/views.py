from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from interviews.models import DueRun
from notifications import delivery


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("clients:caseload")


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Readiness (database, broker) is /ready/."""
    return JsonResponse({"status": "ok"})


# The due engine runs daily; a little slack for a late or slow run before readiness warns.
DUE_RUN_MAX_AGE = dt.timedelta(hours=26)

logger = logging.getLogger(__name__)


def _check_database() -> dict:
    t0 = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("readiness: database unreachable: %s", type(exc).__name__)
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - t0) * 1000, 1)}


def _check_redis() -> dict:
    if not settings.REDIS_URL:
        return {"status": "not_configured"}
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    t0 = time.perf_counter()
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=1,
            socket_timeout=1,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError) as exc:
        logger.warning("readiness: redis unreachable: %s", type(exc).__name__)
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - t0) * 1000, 1)}


def _check_due_engine() -> dict:

    try:
        last = (
            DueRun.objects.filter(skipped=False, finished_at__isnull=False)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
    except DatabaseError as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    if last is None:
        return {"status": "stale", "last_run": None}
    age = timezone.now() - last
    return {
        "status": "ok" if age <= DUE_RUN_MAX_AGE else "stale",
        "last_run": last.isoformat(),
        "age_hours": round(age.total_seconds() / 3600, 1),
    }


@login_not_required
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: can this instance serve? 503 only when the database is down.

    Redis down (no background tasks), a due run older than 26 hours, or client messages that
    only go to the log without that being chosen (notifications.delivery) leave the web app
    working, so they make the answer "degraded" with HTTP 200: a load balancer keeps the
    instance, and monitoring alerts on the status field.
    """
    checks = {"database": _check_database()}
    if checks["database"]["status"] != "ok":
        checks["redis"] = _check_redis()
        return JsonResponse({"status": "down", "checks": checks}, status=503)
    checks["redis"] = _check_redis()
    checks["due_engine"] = _check_due_engine()
    checks["notifications"] = delivery.readiness()
    degraded = (
        checks["redis"]["status"] == "down"
        or checks["due_engine"]["status"] != "ok"
        or not checks["notifications"]["chosen"]  # messages to the log by mistake
    )
    return JsonResponse({"status": "degraded" if degraded else "ok", "checks": checks})
