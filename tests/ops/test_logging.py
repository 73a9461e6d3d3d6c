"""Structured logs: request id, user id and timing; JSON lines; identity codes never written."""

from __future__ import annotations

import io
import json
import logging
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
