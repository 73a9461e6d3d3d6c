"""The client-level export: an explicit permission, no identity codes, every export recorded."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clients.models import Client, Status
from interviews.choices import DueState
from reports.models import ClientExport
from teams.models import Team
from tests.conftest import PASSWORD, make_client

pytestmark = pytest.mark.django_db
URL = reverse("reports:client_export")


def _grant(user):
    user.user_permissions.add(
        Permission.objects.get(codename="export_clients", content_type__app_label="reports")
    )


@pytest.fixture
def clients_ab(team_a, team_b, adviser, outsider):
    a = [make_client(team_a, responsible_adviser=adviser, last_name=f"A{n}") for n in range(3)]
    overdue = make_client(team_b, responsible_adviser=outsider, last_name="Bee")
    return a, overdue


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_manager_without_the_permission_is_refused_and_nothing_recorded(
    client, manager, clients_ab
):
    _login(client, manager)
    assert client.get(URL, {"format": "csv"}).status_code == 403
    assert "Client-level export" not in client.get(reverse("reports:coverage")).content.decode()
    assert not ClientExport.objects.exists()


@pytest.mark.parametrize("persona", ["adviser", "lead", "outsider"])
def test_only_managers_may_export_even_with_the_permission(client, request, persona, clients_ab):
    user = request.getfixturevalue(persona)
    _grant(user)
    _login(client, user)
    assert client.get(URL, {"format": "csv"}).status_code == 403
    assert not ClientExport.objects.exists()


def test_csv_lists_visible_clients_without_identity_codes_and_is_recorded(
    client, manager, clients_ab, team_a
):
    _grant(manager)
    _login(client, manager)
    page = client.get(reverse("reports:coverage")).content.decode()
    assert "Client-level export" in page
    response = client.get(URL, {"format": "csv", "team": team_a.pk})
    assert response.status_code == 200
    record = ClientExport.objects.get()
    assert (record.rows, record.completed) == (0, False)  # nothing streamed yet
    rows = _rows(response)
    header, data = rows[0], rows[1:]
    assert header[:3] == ["Client id", "Birth year", "Job-seeker status"]
    a, _overdue = clients_ab
    assert sorted(int(r[0]) for r in data) == sorted(c.pk for c in a)
    body = "\n".join(",".join(r) for r in rows)
    for c in a:
        assert c.personal_identity_code not in body
        assert c.masked_identity_code not in body and c.last_name not in body
        assert str(c.birth_date.year) in body
    record.refresh_from_db()
    assert record.user == manager and record.format == "csv"
    assert record.filters == {"team": str(team_a.pk)}
    assert (record.rows, record.completed) == (3, True) and record.finished_at


def test_due_state_filter_and_an_unseen_team(client, manager, clients_ab, service_line, office):
    _grant(manager)
    _login(client, manager)
    rows = _rows(client.get(URL, {"format": "csv", "due_state": DueState.OVERDUE}))
    assert {r[-1] for r in rows[1:]} == {"Overdue"} and len(rows) == 5  # all 4 are overdue
    # A team outside the manager's office is not a choice: 400, nothing recorded.
    from teams.models import Office, ServiceLine

    other = Team.objects.create(
        service_line=ServiceLine.objects.create(
            office=Office.objects.create(name="Other", code="other"), name="L"
        ),
        name="Elsewhere",
    )
    make_client(other)
    assert client.get(URL, {"format": "csv", "team": other.pk}).status_code == 400
    assert ClientExport.objects.count() == 1


def test_xlsx_export_is_recorded_and_parses(client, manager, clients_ab):
    _grant(manager)
    _login(client, manager)
    response = client.get(URL, {"format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["Clients"]
    assert sheet.max_row == 1 + 4
    first = [c.value for c in sheet[2]]
    assert isinstance(first[0], int) and isinstance(first[1], int)
    assert sheet.cell(row=2, column=9).number_format == "d.m.yyyy"
    record = ClientExport.objects.get()
    assert (record.format, record.rows, record.completed) == ("xlsx", 4, True)


def test_an_interrupted_download_is_recorded_as_incomplete(manager, team_a):
    """The CSV generator reports the rows it sent when the response is closed early."""
    from reports import exports

    for n in range(1200):
        make_client(team_a, last_name=f"N{n}", registered_on=dt.date(2025, 1, 1))
    seen = []
    stream = exports.client_csv(
        exports.client_values(Client.objects.all()), lambda rows, done: seen.append((rows, done))
    )
    next(stream)  # the header and the first 500 rows; then the browser goes away
    stream.close()
    assert seen == [(500, False)]


def test_export_query_count_does_not_grow_with_clients(client, manager, team_a):
    _grant(manager)
    _login(client, manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(URL, {"format": "csv"}).streaming_content)
        return len(queries)

    make_client(team_a)
    count()
    one = count()
    for _n in range(20):
        make_client(team_a)
    assert count() == one


def test_an_interrupted_file_download_is_recorded_as_incomplete(team_a):
    """The view streams the written file with file_chunks(): the record's `completed` is
    what file_chunks reports when the response is closed after the first chunk."""
    from reports import exports

    for n in range(3):
        make_client(team_a, last_name=f"N{n}")
    target, rows = exports.client_csv_file(Client.objects.all())
    seen = []
    stream = exports.file_chunks(target, seen.append)
    assert next(stream).count(b"\n") == 1 + rows == 4  # the whole small file in one chunk
    stream.close()  # the browser went away before the generator finished
    assert seen == [False] and target.closed
    target, _rows = exports.client_csv_file(Client.objects.all())
    seen.clear()
    assert b"".join(exports.file_chunks(target, seen.append)) and seen == [True]


def test_the_database_written_csv_matches_the_rows_written_by_python(team_a, team_b, adviser):
    """On PostgreSQL the file is the server's COPY of client_rows(); it must say exactly what
    csv.writer says of the same rows: labels in the user's language, ISO dates, empty fields
    for what is absent, quoting of commas and quotes."""
    from django.utils import translation

    from interviews.choices import Channel
    from reports import exports

    adviser.first_name, adviser.last_name = 'Aino "Ansku"', "Virtanen, jr"
    adviser.save(update_fields=["first_name", "last_name"])
    held = make_client(team_a, responsible_adviser=adviser, registered_on=dt.date(2025, 3, 1))
    Client.objects.filter(pk=held.pk).update(
        last_held_on=dt.date(2026, 10, 2), last_channel=Channel.VIDEO
    )
    make_client(team_b, registered_on=dt.date(2026, 11, 20))  # no adviser, never interviewed
    clients = Client.objects.all()
    with translation.override("fi"):
        target, rows = exports.client_csv_file(clients)
        written = target.read().decode()
        expected = "".join(exports.client_csv(exports.client_values(clients), lambda *a: None))
    assert rows == 2
    # Finnish: what a Finnish Excel splits (a byte-order mark, `;`, dates as 02.10.2026)
    assert written.startswith("\ufeff") and expected.startswith("\ufeff")
    written, expected = written[1:], expected[1:]

    def parse(text):
        return list(csv.reader(io.StringIO(text), delimiter=";"))

    assert parse(written) == parse(expected)
    parsed = parse(written)
    assert parsed[0][0] == "Asiakkaan tunniste"  # the header in the user's language
    first = parsed[1]
    assert first[5] == 'Aino "Ansku" Virtanen, jr' and first[6] == "02.10.2026"
    with translation.override("fi"):
        status = str(Status(held.status).label)
    assert first[7] == "Video" and first[2] == status != held.status
    assert parsed[2][5] == "" and parsed[2][6] == "" and parsed[2][7] == ""
