"""Structured logs: request id, user id and timing; JSON lines; identity codes never written."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid

import pytest
from django.urls import reverse

from teoffice.logging import (
    MASK,
    MaskIdentityCodesFilter,
    RequestContextFilter,
    bind,
    json_formatter,
    unbind,
)
from tests.conftest import make_client


@pytest.fixture
def json_lines():
    """A handler configured like production's (filters + JSON formatter) on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.addFilter(MaskIdentityCodesFilter())
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def test_request_line_has_request_id_user_id_status_and_timing(json_lines, client, adviser):
    client.force_login(adviser)
    response = client.get(reverse("clients:caseload"), headers={"X-Request-ID": "abc12345-req"})
    assert response["X-Request-ID"] == "abc12345-req"
    lines = [r for r in json_lines() if r["logger"] == "teoffice.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "abc12345-req"
    assert line["user_id"] == adviser.pk
    assert (line["method"], line["path"], line["status"]) == ("GET", "/clients/", 200)
    assert line["duration_ms"] >= 0 and line["level"] == "INFO" and "time" in line


def test_a_bad_incoming_request_id_is_replaced(json_lines, client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": "<script>"})
    assert uuid.UUID(response["X-Request-ID"])
    assert json_lines()[-1]["user_id"] is None


def test_identity_codes_are_masked_in_messages_arguments_extras_and_tracebacks(json_lines):
    code = "131052-308T"
    log = logging.getLogger("tests.leaky")
    log.warning("client %s arrived", code)
    log.warning(f"inline 010203a123x and {code.lower()}", extra={"detail": f"code={code}"})
    try:
        raise ValueError(f"bad {code}")
    except ValueError:
        log.exception("failed")
    text = json.dumps(json_lines())
    assert "131052-308" not in text.upper() and "010203A123" not in text.upper()
    assert text.count(MASK) >= 5


def test_import_and_client_views_log_no_identity_code(json_lines, client, manager, team_a):
    from tests.ops.test_import import csv_bytes, row

    rows = [row(), row(status="retired")]
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "clients.csv"
    client.force_login(manager)
    client.post(reverse("clients_import:check"), {"file": upload}, follow=True)
    visible = make_client(team_a)
    client.get(reverse("clients:detail", args=[visible.pk]))
    text = json.dumps(json_lines())
    for code in [r[0] for r in rows] + [visible.personal_identity_code]:
        assert code not in text
        assert visible.last_name not in text


def test_text_format_in_development_is_readable(settings):
    from teoffice.logging import TEXT_FORMAT

    record = logging.LogRecord("x", logging.INFO, "", 0, "hello %s", ("131052-308T",), None)
    tokens = bind(request_id="r-123")
    RequestContextFilter().filter(record)
    unbind(tokens)
    MaskIdentityCodesFilter().filter(record)
    line = logging.Formatter(TEXT_FORMAT).format(record)
    assert line.endswith(f"INFO x [req=r-123 user=None] hello {MASK}")
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["context", "mask_identity_codes"]


def test_celery_task_logs_start_end_duration_and_counts(json_lines, db):
    from interviews.tasks import flag_due

    flag_due.apply()  # in this process even with a real broker configured
    lines = [r for r in json_lines() if r["logger"] == "teoffice.tasks"]
    assert [r["message"].split(":")[0] for r in lines] == [
        "task interviews.tasks.flag_due started",
        "task interviews.tasks.flag_due finished",
    ]
    end = lines[1]
    assert end["state"] == "SUCCESS" and end["duration_ms"] >= 0
    assert set(end["counts"]) >= {"changed", "skipped"}
    assert lines[0]["request_id"] == lines[1]["request_id"] != "-"


# --- Identity codes sent by a client: paths, query strings and bodies, 4xx and 5xx ---------

CODES_SENT = ["070981-439U", "131052-308T", "010203A1230", "150596Y4566", "311299+1236"]


def _boom(request, code: str = ""):
    # A programming error whose message and locals carry what the request sent.
    raise ValueError(f"cannot handle {code} {request.GET.urlencode()} {request.body!r}")


def _urls_with_a_failing_view():
    from django.urls import path

    import teoffice.urls

    return type(
        "urls",
        (),
        {"urlpatterns": [path("boom/<str:code>/", _boom), *teoffice.urls.urlpatterns]},
    )


def _valid_codes_in(text: str) -> set[str]:
    """Every valid identity code (python-stdnum's check) in the text, also percent-encoded
    or lower case: a grep that knows nothing of the masking filter's own pattern."""
    from urllib.parse import unquote

    from stdnum.fi import hetu

    loose = re.compile(r"\d{6}\S\d{3}\w", re.ASCII)
    candidates = {m.group() for t in (text, unquote(text)) for m in loose.finditer(t.upper())}
    return {c for c in candidates if hetu.is_valid(c)}


def test_no_valid_identity_code_reaches_the_log_from_requests_that_fail(
    json_lines, client, adviser, settings
):
    """Django's request warnings ("Not Found", "Bad Request", "Forbidden", the 500) carry
    the request in their arguments and in `record.request`, whose repr has the path and the
    query string."""
    settings.ROOT_URLCONF = _urls_with_a_failing_view()
    client.raise_request_exception = False
    client.defaults["HTTP_X_REQUEST_ID"] = "fixed-request-id"  # no random hex to grep
    client.force_login(adviser)
    plus = CODES_SENT[4].replace("+", "%2B")
    statuses = [
        client.get(f"/clients/{CODES_SENT[0]}/?code={CODES_SENT[1]}").status_code,
        client.get(f"/no-such-page/?q={CODES_SENT[2].lower()}&c={plus}").status_code,
        client.post(
            "/api/v1/clients/",
            data=json.dumps({"personal_identity_code": CODES_SENT[3], "x": CODES_SENT[0]}),
            content_type="application/json",
        ).status_code,
        client.post(
            f"/api/v1/clients/?code={CODES_SENT[1]}", data="{", content_type="application/json"
        ).status_code,
        client.get(f"/boom/{CODES_SENT[0]}/?code={CODES_SENT[3]}").status_code,
        client.post(
            f"/boom/{CODES_SENT[2]}/?code={plus}", data={"code": CODES_SENT[4]}
        ).status_code,
    ]
    assert statuses == [404, 404, 400, 400, 500, 500]
    lines = json_lines()
    # The failures were logged, with the request they carry…
    assert sum("WSGIRequest" in str(line.get("request", "")) for line in lines) >= 4
    assert sum(line["level"] == "ERROR" for line in lines) >= 2
    # … and no valid identity code is in any of them.
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert _valid_codes_in(text) == set()
    assert text.count(MASK) >= 8
