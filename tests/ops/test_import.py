"""Bulk import of clients: dry run, atomic import, idempotency, encodings, permissions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import identity
from clients.models import Client, ImportRecord, Status, StatusChange
from importing.services import (
    ImportRejected,
    clients_import_process,
    import_check,
    import_run,
)
from interviews import rules
from interviews.models import Interview
from plans.models import PlanVersion
from tests.conftest import PASSWORD, make_client, make_code

HEADER = [
    "personal_identity_code",
    "first_name",
    "last_name",
    "team",
    "status",
    "registered_on",
    "status_since",
    "language",
    "email",
    "phone",
    "last_interview_on",
    "last_interview_channel",
    "plan_goal",
]


def row(team="Team A", **over) -> list[str]:
    today = timezone.localdate()
    values = {
        "personal_identity_code": make_code(),
        "first_name": "Väinö",
        "last_name": "Mäkelä",
        "team": team,
        "status": "unemployed",
        "registered_on": (today - dt.timedelta(days=200)).isoformat(),
        "status_since": "",
        "language": "fi",
        "email": "",
        "phone": "",
        "last_interview_on": (today - dt.timedelta(days=30)).isoformat(),
        "last_interview_channel": "phone",
        "plan_goal": "work",
    }
    values.update(over)
    return [values[h] for h in HEADER]


def csv_bytes(rows, *, sep=",", encoding="utf-8", header=HEADER, bom=False) -> bytes:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def check(user, content, name="clients.csv") -> ImportRecord:
    return import_check(user=user, content=content, file_name=name, source="command")


def test_valid_file_imports_clients_with_derived_fields_and_event_rows(manager, team_a):
    today = timezone.localdate()
    rows = [row(), row(status="employed", last_interview_on="", last_interview_channel="")]
    record = import_run(record=check(manager, csv_bytes(rows)), user=manager)

    assert (record.state, record.created_count, record.rows_total) == ("imported", 2, 2)
    assert record.created_by == manager and record.imported_at is not None
    assert bytes(record.content) == b""
    first = Client.objects.get(personal_identity_code=rows[0][0])
    last_on = today - dt.timedelta(days=30)
    assert (first.team, first.last_held_on, first.last_channel) == (team_a, last_on, "phone")
    assert first.next_due_date == rules.add_months(last_on, 3)
    assert first.due_state == rules.due_state(first.next_due_date, today)
    assert first.birth_date == identity.birth_date(first.personal_identity_code)
    assert StatusChange.objects.filter(client=first, new_status="unemployed").count() == 1
    assert Interview.objects.get(client=first).outcome == "held"
    assert PlanVersion.objects.get(plan__client=first).goal == "work"
    second = Client.objects.get(personal_identity_code=rows[1][0])
    assert (second.due_state, second.next_due_date) == ("not_required", None)
    assert not Interview.objects.filter(client=second).exists()


def test_imported_clients_appear_in_their_teams_caseload(manager, adviser, client):
    rows = [row(first_name="Kerttu", last_name="Kaskinen")]
    import_run(record=check(manager, csv_bytes(rows)), user=manager)
    client.force_login(adviser)
    assert "Kaskinen" in client.get(reverse("clients:caseload")).content.decode()


def test_dry_run_reports_every_kind_of_bad_row_and_writes_nothing(manager, team_a, team_b):
    existing = make_client(team_a)
    duplicate = make_code()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    rows = [
        row(personal_identity_code="131052-308X"),  # wrong check character
        row(personal_identity_code="nonsense"),
        row(personal_identity_code=""),
        row(first_name=""),
        row(team="No such team"),
        row(status="retired"),
        row(registered_on="31.2.2024"),
        row(registered_on=future),
        row(status_since="2000-01-01"),
        row(last_interview_on=future),
        row(last_interview_channel="carrier pigeon"),
        row(last_interview_channel=""),
        row(plan_goal="fame"),
        row(email="not-an-address"),
        row(personal_identity_code=duplicate),
        row(personal_identity_code=duplicate),
        row(personal_identity_code=existing.personal_identity_code, first_name="Changed"),
    ]
    before = (Client.objects.count(), StatusChange.objects.count(), Interview.objects.count())
    record = check(manager, csv_bytes(rows))

    assert (record.rows_total, record.rows_accepted, record.rows_rejected) == (17, 2, 15)
    reasons = {e["row"]: e["reason"] for e in record.report["errors"]}
    assert set(reasons) == {*range(2, 16), 17}  # row 16 is the first of the duplicates
    assert "check character" in reasons[2]
    assert "DDMMYYCZZZQ" in reasons[3]
    assert "missing" in reasons[4]
    assert "name" in reasons[5]
    assert "not a team" in reasons[6]
    assert "status" in reasons[7]
    assert "not a date" in reasons[8]
    assert "future" in reasons[9]
    assert "before registered_on" in reasons[10]
    assert "future" in reasons[11]
    assert "carrier pigeon" in reasons[12]
    assert "required with last_interview_on" in reasons[13]
    assert "plan_goal" in reasons[14]
    assert "e-mail" in reasons[15]
    assert "earlier row" in reasons[17]
    assert all(identity.HETU_REGEX[1:-1] not in e["code"] for e in record.report["errors"])
    assert record.report["errors"][0]["code"] == "131052-****"
    assert (Client.objects.count(), StatusChange.objects.count(), Interview.objects.count()) == (
        before
    )
    existing.refresh_from_db()
    assert existing.first_name == "Matti"
    assert record.state == "checked" and bytes(record.content) == b""  # cannot be imported
    with pytest.raises(ImportRejected):
        import_run(record=record, user=manager)


def test_an_address_too_long_for_the_column_is_a_rejected_row(manager, team_a):
    long_address = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".fi"  # valid, 311 characters
    record = check(manager, csv_bytes([row(email=long_address), row()]))
    assert (record.rows_accepted, record.rows_rejected) == (1, 1)
    assert "e-mail" in record.report["errors"][0]["reason"]


def test_import_is_all_or_nothing_when_a_late_row_is_bad(manager, team_a, monkeypatch):
    monkeypatch.setattr("importing.staging.BATCH_SIZE", 100)
    rows = [row() for _ in range(999)] + [row(status="retired")]
    with pytest.raises(ImportRejected):
        clients_import_process(user=manager, content=csv_bytes(rows), file_name="x.csv", write=True)
    assert not Client.objects.exists()
    assert not StatusChange.objects.exists() and not Interview.objects.exists()


def test_import_is_all_or_nothing_when_the_database_refuses_a_row(manager, team_a, monkeypatch):
    """A row that passed the check but collides at write time (e.g. another import won)."""
    monkeypatch.setattr("importing.staging.BATCH_SIZE", 10)
    rows = [row() for _ in range(30)]
    record = check(manager, csv_bytes(rows))
    make_client(team_a, personal_identity_code=rows[25][0])  # appears after the check...
    monkeypatch.setattr("importing.staging._mark_existing", lambda cursor: None)  # ...not seen
    with pytest.raises(ImportRejected, match="refused"):
        import_run(record=record, user=manager)
    assert Client.objects.count() == 1
    record.refresh_from_db()
    assert record.state == "rejected"


def test_reimporting_the_same_file_creates_nothing_new(manager, team_a):
    content = csv_bytes([row() for _ in range(5)])
    import_run(record=check(manager, content), user=manager)
    counts = (Client.objects.count(), StatusChange.objects.count(), Interview.objects.count())
    again = import_run(record=check(manager, content), user=manager)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 5)
    assert (
        Client.objects.count(),
        StatusChange.objects.count(),
        Interview.objects.count(),
    ) == counts
    assert ImportRecord.objects.filter(state="imported").count() == 2


def test_existing_client_gets_only_the_agreed_fields(manager, team_a, team_b):
    existing = make_client(team_a, status=Status.UNEMPLOYED)
    before = Client.objects.get(pk=existing.pk)
    rows = [
        row(
            personal_identity_code=existing.personal_identity_code,
            first_name="Uusi",
            last_name="Nimi",
            team="Team B",
            status="employed",
            email="uusi@example.com",
            phone="+358401234567",
            language="sv",
        )
    ]
    record = import_run(record=check(manager, csv_bytes(rows)), user=manager)
    assert (record.created_count, record.updated_count) == (0, 1)
    after = Client.objects.get(pk=existing.pk)
    assert (after.first_name, after.last_name, after.email, after.phone, after.language) == (
        "Uusi",
        "Nimi",
        "uusi@example.com",
        "+358401234567",
        "sv",
    )
    for name in ("team_id", "status", "status_since", "registered_on", "last_held_on"):
        assert getattr(after, name) == getattr(before, name)
    assert not Interview.objects.filter(client=existing).exists()


@pytest.mark.parametrize(
    ("sep", "encoding", "bom"),
    [
        (",", "utf-8", False),
        (",", "utf-8", True),
        (";", "utf-8", True),
        (";", "cp1252", False),
        ("\t", "cp1252", False),
    ],
)
def test_encodings_and_separators_are_read(manager, team_a, sep, encoding, bom):
    rows = [row(first_name="Väinö", last_name="Öhman-Åberg")]
    record = check(manager, csv_bytes(rows, sep=sep, encoding=encoding, bom=bom))
    assert (record.rows_accepted, record.rows_rejected) == (1, 0), record.report
    import_run(record=record, user=manager)
    assert Client.objects.get().last_name == "Öhman-Åberg"


def test_finnish_headers_dates_and_words_and_extra_columns(manager, team_a):
    header = [
        "Henkilötunnus",
        "Etunimi",
        "Sukunimi",
        "Tiimi",
        "Tila",
        "Rekisteröity",
        "Viimeisin haastattelu",
        "Haastattelukanava",
        "Huomautus",
    ]
    day = timezone.localdate() - dt.timedelta(days=40)
    data = [make_code(), "Aino", "Ärrä", "team a", "työtön", f"{day.day}.{day.month}.{day.year}"]
    content = csv_bytes(
        [[*data, f"{day.day}.{day.month}.{day.year}", "kasvokkain", "ei tuoda"]],
        sep=";",
        encoding="cp1252",
        header=header,
    )
    record = check(manager, content)
    assert record.rows_accepted == 1, record.report
    assert record.report["ignored_columns"] == ["Huomautus"]
    import_run(record=record, user=manager)
    client = Client.objects.get()
    assert (client.last_channel, client.registered_on) == ("face_to_face", day)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "empty"),
        (b"first_name,last_name\r\nA,B\r\n", "a.csv", "no column for"),
        ("\ufeffa".encode("utf-16"), "a.csv", "UTF-16"),
        (b"\xef\xbb\xbfname\xff\xfe\r\n", "a.csv", "not valid UTF-8"),
        (b"\x81\x8d\x8f\x90", "a.csv", "encoding"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0old", "a.xls", ".xls"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(manager, team_a, content, name, message):
    record = check(manager, content, name)
    assert record.state == "rejected"
    assert message in record.report["file_error"]
    assert not Client.objects.exists()


def test_xlsx_workbook_imports(manager, team_a):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    values = row()
    values[5] = timezone.localdate() - dt.timedelta(days=100)  # a real date cell
    sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    record = check(manager, buffer.getvalue(), "clients.xlsx")
    assert (record.rows_accepted, record.report["encoding"]) == (1, "xlsx"), record.report
    import_run(record=record, user=manager)
    assert Client.objects.count() == 1


def _damaged_workbooks() -> dict[str, bytes]:
    """A workbook of 300 rows, then damaged: cut short at several lengths, a sheet or the
    workbook part that is not XML (or is cut off XML), and bytes overwritten mid-file."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for values in [HEADER, *(row() for _ in range(300))]:
        book.active.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    good = buffer.getvalue()

    def replaced(member: str, data: bytes) -> bytes:
        source, out = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info, data if info.filename == member else source.read(info))
        return out.getvalue()

    overwritten = bytearray(good)
    overwritten[len(good) // 2 : len(good) // 2 + 64] = bytes(64)
    return {
        **{f"cut at {n}%": good[: len(good) * n // 100] for n in (10, 50, 90, 99)},
        "sheet not XML": replaced("xl/worksheets/sheet1.xml", b"not xml"),
        "sheet cut off": replaced("xl/worksheets/sheet1.xml", b"<?xml version='1.0'?><worksheet"),
        "workbook not XML": replaced("xl/workbook.xml", b"\x00\x01"),
        "bytes overwritten": bytes(overwritten),
    }


@pytest.mark.parametrize("damage", list(_damaged_workbooks()))
def test_a_damaged_workbook_gets_a_clear_message_and_an_import_record(
    client, manager, team_a, damage
):
    upload = io.BytesIO(_damaged_workbooks()[damage])
    upload.name = "clients.xlsx"
    client.force_login(manager)
    response = client.post(reverse("clients_import:check"), {"file": upload}, follow=True)
    assert response.status_code == 200
    record = ImportRecord.objects.get()
    assert record.state == "rejected" and record.content == b""
    assert "not a readable Excel workbook" in record.report["file_error"]
    assert "not a readable Excel workbook" in response.content.decode()
    assert not Client.objects.exists()


def test_only_teams_the_manager_can_see_are_accepted(manager, team_a, office):
    from teams.models import Office, ServiceLine, Team

    other_office = Office.objects.create(name="Other", code="other")
    line = ServiceLine.objects.create(office=other_office, name="Line")
    foreign = Team.objects.create(service_line=line, name="Foreign team")
    hidden = make_client(foreign)
    rows = [
        row(team="Foreign team"),
        row(team=str(foreign.pk)),
        row(personal_identity_code=hidden.personal_identity_code),
    ]
    record = check(manager, csv_bytes(rows))
    assert record.rows_rejected == 3
    assert "cannot see" in record.report["errors"][2]["reason"]


@pytest.mark.parametrize("persona", ["adviser", "lead", "outsider"])
def test_non_managers_cannot_import(request, persona, team_a, client):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        check(user, csv_bytes([row()]))
    client.force_login(user)
    assert client.get(reverse("clients_import:upload")).status_code == 403
    upload = io.BytesIO(csv_bytes([row()]))
    upload.name = "c.csv"
    assert client.post(reverse("clients_import:check"), {"file": upload}).status_code == 403
    assert not ImportRecord.objects.exists()


def test_another_managers_import_is_not_found(manager, team_a, client):
    from teams.models import ManagerScope
    from tests.conftest import make_user

    record = check(manager, csv_bytes([row()]))
    other = make_user("mikko")
    ManagerScope.objects.create(user=other, office=team_a.service_line.office)
    client.force_login(other)
    assert client.get(reverse("clients_import:report", args=[record.pk])).status_code == 404
    assert client.post(reverse("clients_import:run", args=[record.pk])).status_code == 404


def test_browser_flow_check_then_import(manager, team_a, client):
    client.force_login(manager)
    assert client.get(reverse("clients_import:upload")).status_code == 200
    upload = io.BytesIO(csv_bytes([row(), row(status="retired")], sep=";", encoding="cp1252"))
    upload.name = "asiakkaat.csv"
    response = client.post(reverse("clients_import:check"), {"file": upload}, follow=True)
    page = response.content.decode()
    assert "retired" in page and "Import the clients" not in page
    upload = io.BytesIO(csv_bytes([row(), row()], sep=";", encoding="cp1252"))
    upload.name = "asiakkaat.csv"
    response = client.post(reverse("clients_import:check"), {"file": upload}, follow=True)
    assert "Import the clients" in response.content.decode()
    record = ImportRecord.objects.latest("id")
    response = client.post(reverse("clients_import:run", args=[record.pk]), follow=True)
    assert "2 clients created" in response.content.decode()
    assert Client.objects.count() == 2
    # A second confirm of the same check does nothing.
    response = client.post(reverse("clients_import:run", args=[record.pk]), follow=True)
    assert "already imported" in response.content.decode()
    assert Client.objects.count() == 2


def test_missing_file_re_renders_the_form_with_an_error(manager, client):
    client.force_login(manager)
    response = client.post(reverse("clients_import:check"), {})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_import_queries_do_not_grow_with_rows(manager, team_a, monkeypatch):
    monkeypatch.setattr("importing.staging.BATCH_SIZE", 1000)

    def queries(n: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            clients_import_process(
                user=manager,
                content=csv_bytes([row() for _ in range(n)]),
                file_name="a.csv",
                write=True,
            )
        return len(ctx)

    queries(1)  # warm the user's cached manager scopes
    assert queries(1) == queries(200)


def test_command_dry_run_and_import(manager, team_a, tmp_path, capsys):
    path = tmp_path / "asiakkaat.csv"
    path.write_bytes(csv_bytes([row(), row()], sep=";", encoding="cp1252"))
    call_command("import_clients", str(path), "--user", manager.username, "--dry-run")
    assert not Client.objects.exists()
    call_command("import_clients", str(path), "--user", manager.username)
    assert Client.objects.count() == 2
    assert "2 created" in capsys.readouterr().out
    call_command("import_clients", str(path), "--user", manager.username)
    assert Client.objects.count() == 2
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_command_refuses_bad_rows_and_non_managers(manager, adviser, team_a, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row(), row(status="retired")]))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_clients", str(path), "--user", manager.username)
    with pytest.raises(CommandError, match="Only managers"):
        call_command("import_clients", str(path), "--user", adviser.username)
    assert not Client.objects.exists()


def test_password_fixture_is_used(manager):  # keeps PASSWORD import meaningful for sign-in
    assert manager.check_password(PASSWORD)
