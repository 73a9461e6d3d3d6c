"""The report's CSV and XLSX exports parse back to the page's numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from clients.models import Client
from reports.columns import CHANNELS, columns
from reports.selectors.report import coverage_report
from teams.models import Team
from tools.demo.office import seed_demo

pytestmark = pytest.mark.django_db
Q3 = {"period": "quarter", "quarter": "2026-Q3"}


@pytest.fixture
def office(db):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        seed_demo(clients=300, seed=5, today=dt.date(2026, 11, 25))


@pytest.fixture
def manager_client(client, office):
    assert client.login(username="manager", password="demo")
    return client


def _body(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def _expected(level: str):
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username="manager")
    return coverage_report(
        user=manager, start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30), level=level
    )


@pytest.mark.parametrize("level", ["office", "service_line", "team", "adviser"])
def test_csv_parses_back_to_the_same_numbers(manager_client, level):
    response = manager_client.get(reverse("reports:coverage_csv"), {**Q3, "level": level})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"coverage_{level}_2026-Q3.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_body(response).decode())))
    header, data = rows[0], rows[1:]
    assert header[2:5] == ["Must be interviewed", "Covered on time", "Coverage (%)"]
    report = _expected(level)
    assert len(data) == len(report.rows) + 1
    for line, row in zip(data, [*report.rows, report.total], strict=True):
        got = dict(zip(header, line, strict=True))
        assert got[header[0]] == row.label
        assert int(got["Must be interviewed"]) == row.figures.required
        assert int(got["Covered on time"]) == row.figures.covered
        assert int(got["Overdue at period end"]) == row.figures.overdue
        pct = got["Coverage (%)"]
        assert pct == "" if row.figures.coverage is None else float(pct) == row.figures.coverage_pct
        assert int(got["Interviews held"]) == row.held_total
        assert int(got["Phone"]) == row.held["phone"]
        assert int(got["No-shows"]) == row.no_shows
        median = got["Median days between interviews"]
        assert (median == "") == (row.median_interval_days is None)
        assert int(got["Moved to work"]) == row.outcomes["to_work"]


def test_csv_and_xlsx_of_aggregates_carry_no_client_data(manager_client):
    codes = set(Client.objects.values_list("personal_identity_code", flat=True))
    emails = set(Client.objects.exclude(email="").values_list("email", flat=True))
    params = {**Q3, "level": "adviser"}
    csv_text = _body(manager_client.get(reverse("reports:coverage_csv"), params)).decode()
    cells = {value for line in csv.reader(io.StringIO(csv_text)) for value in line}
    xlsx = _body(manager_client.get(reverse("reports:coverage_xlsx"), params))
    workbook = load_workbook(io.BytesIO(xlsx))
    for sheet in workbook.worksheets:
        cells |= {str(v) for row in sheet.iter_rows(values_only=True) for v in row}
    assert not cells & (codes | emails)


def test_xlsx_has_formats_definitions_and_the_same_numbers(manager_client):
    response = manager_client.get(reverse("reports:coverage_xlsx"), {**Q3, "level": "team"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(_body(response)))
    assert workbook.sheetnames == ["Coverage", "Coverage by month", "Definitions"]
    sheet = workbook["Coverage"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == [
        "Team",
        "Belongs to",
        "Must be interviewed",
        "Covered on time",
        "Coverage",
    ]
    report = _expected("team")
    assert sheet.max_row == len(report.rows) + 2
    col = {name: index for index, name in enumerate(header)}
    for cells, row in zip(sheet.iter_rows(min_row=2), [*report.rows, report.total], strict=True):
        assert cells[0].value == row.label
        assert cells[col["Must be interviewed"]].value == row.figures.required
        assert cells[col["Must be interviewed"]].number_format == "#,##0"
        coverage = cells[col["Coverage"]]
        assert coverage.value == pytest.approx(row.figures.coverage)
        assert coverage.number_format == "0.0 %"
        for channel, name in zip(CHANNELS, ["Phone", "Face to face", "Video"], strict=True):
            assert cells[col[name]].value == row.held[channel]
        assert cells[col["Face-to-face share"]].number_format == "0.0 %"
        assert cells[col["Interviews held"]].value == row.held_total
    assert sheet.cell(row=sheet.max_row, column=1).font.bold  # the total row
    series = list(workbook["Coverage by month"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in series] == [f.required for _d, f in report.series_total]
    definitions = dict(workbook["Definitions"].iter_rows(min_row=2, values_only=True))
    for column in columns()[1:]:
        assert definitions[column.header] == column.definition


def test_exports_follow_the_team_lead_scope(client, office):
    lead_team = Team.objects.get(name="Team 1")
    assert client.login(username="teamlead", password="demo")
    response = client.get(reverse("reports:coverage_csv"), {**Q3, "level": "team"})
    rows = list(csv.reader(io.StringIO(_body(response).decode())))
    assert [r[0] for r in rows[1:]] == [lead_team.name, "Total"]


def test_export_refuses_a_bad_period_and_an_adviser(client, office, manager_client):
    response = manager_client.get(
        reverse("reports:coverage_xlsx"), {"period": "month", "month": "2026-99"}
    )
    assert response.status_code == 400
    client.logout()
    assert client.login(username="adviser", password="demo")
    assert client.get(reverse("reports:coverage_xlsx"), Q3).status_code == 403
