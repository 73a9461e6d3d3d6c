"""One log line per request, with a request id that every log line of the request carries."""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .logging import bind, current_user_id

logger = logging.getLogger("teoffice.request")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_QUIET_PATHS = frozenset({"/health/", "/ready/"})  # polled every few seconds


class RequestLogMiddleware:
    """Takes X-Request-ID from the proxy (or makes one), logs method, path, status, timing
    and user id, and returns the id in the response's X-Request-ID header.

    The query string is never logged (it can carry search terms such as names)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Left bound after the response: Django logs "Not Found" and errors after the
        # middleware returns, and those lines need the id too. The next request rebinds.
        bind(request_id=request_id, request=request)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        level = logging.DEBUG if request.path in _QUIET_PATHS else logging.INFO
        if response.status_code >= 500:
            level = logging.ERROR
        logger.log(
            level,
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": current_user_id(request),
            },
        )
        response["X-Request-ID"] = request_id
        return response


class SessionRenewMiddleware:
    """Inactivity expiry without a database write on every request.

    A signed-in session is renewed (saved with a new expiry, and its cookie re-sent) when its
    last renewal is SESSION_RENEW_SECONDS old or older, instead of on every request
    (SESSION_SAVE_EVERY_REQUEST): an idle SESSION_COOKIE_AGE still ends it, to within that
    many seconds, while a busy adviser's page views write nothing but the access log.
    Goes right after SessionMiddleware, which does the saving."""

    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.session_key is not None:  # an existing session; none is made here
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                session[self.KEY] = now  # modified: saved with a fresh expiry
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user and on every API
    response: pages and API answers carry personal data, which no browser cache, back button
    or shared proxy should keep. A view that set its own Cache-Control keeps it; static files
    never get here (WhiteNoise answers them first, with their own long cache), and the probes
    (/health/, /ready/) carry no personal data. Goes after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control") or request.path in _QUIET_PATHS:
            return response
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response
