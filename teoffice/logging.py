"""Structured logs: request context, identity-code masking, JSON lines, Celery task timing.

- JSON lines in production (DEBUG off), readable text in development: settings.LOGGING
  picks the formatter (LOG_FORMAT=json|text overrides).
- Every record carries `request_id` and `user_id` (RequestContextFilter): the request id of
  the web request (teoffice.middleware.RequestLogMiddleware) or the Celery task id.
- MaskIdentityCodesFilter is a safety net: whatever matches a Finnish personal identity
  code in a message, its arguments, extras or a traceback is replaced before it is written.
  Code must still not log names or codes; this catches mistakes.
- Celery task signals log each task's start, end, duration and the counts it returned.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import time

from pythonjsonlogger.json import JsonFormatter

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_request: contextvars.ContextVar[object | None] = contextvars.ContextVar("request", default=None)

# The identity code anywhere in a text, upper or lower case (clients.identity.HETU_REGEX
# without its anchors), not inside a longer word or number; its separator may be
# percent-encoded, as in a raw query string (`%2B` for "+", `%2D` for "-").
# A repr'd text's escapes (`\n`, `\x0c`) count as a boundary: a request body's repr has
# `\r\n311299+1236\r\n`.
IDENTITY_CODE = re.compile(
    r"(?:(?<![0-9A-Za-z])|(?<=\\[nrt])|(?<=\\x[0-9a-f]{2}))"
    r"[0-9]{6}(?:[-+ABCDEFUVWXYabcdefuvwxy]|%2[BbDd])[0-9]{3}[0-9A-Ya-y](?![0-9A-Za-z])"
)
MASK = "[identity code]"
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)


def mask_identity_codes(text: str) -> str:
    return IDENTITY_CODE.sub(MASK, text)


def _masked(value: object) -> object:
    """A log record's extra with every identity code masked. Numbers stay numbers, containers
    are masked item by item, and any other object (Django's `request` on its "Not Found" and
    error lines: its repr is `<WSGIRequest: GET '/clients/?code=…'>`) becomes its masked text,
    which is also what a formatter would have written."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return mask_identity_codes(value)
    if isinstance(value, dict):
        return {_masked(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(item) for item in value]
    return mask_identity_codes(str(value))


def bind(*, request_id: str, request: object | None = None) -> tuple:
    """Set the log context for this request or task; returns tokens for unbind()."""
    return _request_id.set(request_id), _request.set(request)


def unbind(tokens: tuple) -> None:
    _request_id.reset(tokens[0])
    _request.reset(tokens[1])


def current_user_id(request: object | None) -> int | None:
    # Only a user that authentication has already loaded: logging must never query.
    user = getattr(request, "_cached_user", None) if request is not None else None
    return user.pk if user is not None and user.is_authenticated else None


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get() or "-"
        if not hasattr(record, "user_id"):
            record.user_id = current_user_id(_request.get())
        return True


class MaskIdentityCodesFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_identity_codes(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters (text and JSON) write exc_text when exc_info is gone: only the
            # masked traceback can reach the output.
            record.exc_text = mask_identity_codes(record.exc_text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_identity_codes(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRIBUTES:
                setattr(record, key, _masked(value))
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s user=%(user_id)s] %(message)s"


# --- Celery tasks: start, end, duration, counts ------------------------------------------

task_logger = logging.getLogger("teoffice.tasks")
_task_started: dict[str, tuple[float, tuple]] = {}


def _task_prerun(task_id: str | None = None, task=None, **_kwargs) -> None:
    tokens = bind(request_id=task_id or "-")
    _task_started[task_id] = (time.perf_counter(), tokens)
    task_logger.info("task %s started", task.name, extra={"task": task.name})


def _task_postrun(task_id: str | None = None, task=None, retval=None, state=None, **_kwargs):
    started, tokens = _task_started.pop(task_id, (None, None))
    duration_ms = round((time.perf_counter() - started) * 1000) if started else None
    counts = (
        {k: v for k, v in retval.items() if isinstance(v, int | bool) and k != "ms"}
        if isinstance(retval, dict)
        else {}
    )
    task_logger.info(
        "task %s finished: %s in %s ms %s",
        task.name,
        state,
        duration_ms,
        " ".join(f"{k}={v}" for k, v in counts.items()),
        extra={"task": task.name, "state": state, "duration_ms": duration_ms, "counts": counts},
    )
    if tokens is not None:
        # A token from another context (nested eager tasks) cannot be reset: leave it.
        with contextlib.suppress(ValueError):
            unbind(tokens)


def _task_failure(task_id: str | None = None, exception=None, sender=None, **_kwargs) -> None:
    task_logger.error(
        "task %s failed: %s",
        getattr(sender, "name", "?"),
        type(exception).__name__,
        extra={"task": getattr(sender, "name", "?")},
    )


def connect_task_signals() -> None:
    from celery.signals import task_failure, task_postrun, task_prerun

    task_prerun.connect(_task_prerun, weak=False, dispatch_uid="teoffice.logging.prerun")
    task_postrun.connect(_task_postrun, weak=False, dispatch_uid="teoffice.logging.postrun")
    task_failure.connect(_task_failure, weak=False, dispatch_uid="teoffice.logging.failure")


# settings.LOGGING names this module's filters, so Django's logging set-up (in the web
# process and in every Celery worker) imports it: the task hooks are connected there.
connect_task_signals()
