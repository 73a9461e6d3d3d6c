"""Exports neutralise formulas: a team or adviser name that a spreadsheet would evaluate
(`=`, `+`, `-`, `@`, tab, carriage return first) comes out as text with a leading `'`, in
every CSV and XLSX; ordinary names and numbers are unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from clients.models import Client, Status, StatusChange
from reports import exports
from reports.cells import FORMULA_STARTS, spreadsheet_safe
from reports.models import StoredReport
from reports.periods import LOCAL_ZONE, Period
from reports.selectors.report import report_build
from reports.services import stored_reports_build
from teams.models import Team
from tests.conftest import make_client, make_interview, make_user

pytestmark = pytest.mark.django_db
NAMES = ['=HYPERLINK("http://x","x")', "+1", "-2+3", "@SUM(A1)", "\tX", "\rX"]
NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "month")
DECEMBER = dt.datetime(2026, 12, 1, 3, 30, tzinfo=LOCAL_ZONE)


@pytest.fixture
def hostile(service_line, team_a):
    """A team and an adviser (first name only) per hostile name, each with a client held
    in November, and an ordinary team with an ordinary adviser."""
    ordinary = make_user("olli", team=team_a, first_name="Olli", last_name="Ordinary")
    pairs = [(team_a, ordinary)]
    for n, name in enumerate(NAMES):
        team = Team.objects.create(service_line=service_line, name=name)
        pairs.append((team, make_user(f"evil{n}", team=team, first_name=name, last_name="")))
    for team, who in pairs:
        c = make_client(team, registered_on=dt.date(2025, 1, 1), responsible_adviser=who)
        StatusChange.objects.create(
            client=c, new_status=Status.UNEMPLOYED, effective_on=dt.date(2025, 1, 1)
        )
        make_interview(c, who, held_on=dt.date(2026, 11, 10))


def _check_text(cells: list, expected: list[str], *, xml: bool = False) -> None:
    """No text cell reads as a formula; each expected name is there, neutralised. (An XLSX
    is XML, whose parsers read a carriage return as a line feed.)"""
    texts = [c for c in cells if isinstance(c, str)]
    assert [c for c in texts if c.startswith(FORMULA_STARTS)] == []
    for name in expected:
        safe = spreadsheet_safe(name)
        assert (safe.replace("\r", "\n") if xml else safe) in texts, repr(name)


def _report(level: str):
    with time_machine.travel(DECEMBER, tick=False):
        return report_build(period=NOVEMBER, level=level, team_ids=None)


def _labels(report) -> list[str]:
    return [row.label for row in report.rows] + [row.parent for row in report.rows]


@pytest.mark.parametrize("level", ["team", "adviser"])
def test_coverage_csv_neutralises_names(hostile, level):
    report = _report(level)
    rows = list(csv.reader(io.StringIO("".join(exports.report_csv(report)))))
    cells = [c for row in rows[1:] for c in row[:2]]
    _check_text(cells, [*_labels(report), "Team A"])
    assert "Team A" in cells  # an ordinary name is unchanged
    assert "'+1" in cells and "'-2+3" in cells
    assert all(r[2].lstrip("-").isdigit() for r in rows[1:])  # figures stay plain numbers


@pytest.mark.parametrize("level", ["team", "adviser"])
def test_coverage_xlsx_neutralises_names(hostile, level):
    report = _report(level)
    sheet = load_workbook(exports.report_xlsx_file(report))["Coverage"]
    rows = list(sheet.iter_rows(min_row=2))
    assert all(c.data_type != "f" for row in rows for c in row)
    _check_text([c.value for row in rows for c in row[:2]], [*_labels(report), "Team A"], xml=True)
    assert all(isinstance(row[2].value, int) for row in rows)  # numbers stay numbers


def _client_cells(rows) -> list:
    return [c for row in rows for c in (row[4], row[5])]  # team, adviser


def test_client_csv_written_by_the_database_neutralises_names(hostile):
    target, count = exports.client_csv_file(Client.objects.all())
    rows = list(csv.reader(io.StringIO(target.read().decode())))[1:]
    assert count == len(rows) == 1 + len(NAMES)
    _check_text(_client_cells(rows), [*NAMES, "Team A", "Olli Ordinary"])
    assert all(row[1].isdigit() for row in rows)


def test_client_csv_written_by_python_neutralises_names(hostile):
    text = "".join(exports.client_csv(exports.client_values(Client.objects.all()), print))
    rows = list(csv.reader(io.StringIO(text)))[1:]
    _check_text(_client_cells(rows), [*NAMES, "Team A", "Olli Ordinary"])


def test_client_xlsx_neutralises_names(hostile):
    target, _count = exports.client_xlsx_file(exports.client_values(Client.objects.all()))
    sheet = load_workbook(target)["Clients"]
    rows = list(sheet.iter_rows(min_row=2))
    assert all(c.data_type != "f" for row in rows for c in row)
    cells = _client_cells([[c.value for c in row] for row in rows])
    _check_text(cells, [*NAMES, "Team A"], xml=True)
    assert all(isinstance(row[0].value, int) for row in rows)


def test_stored_monthly_xlsx_neutralises_names(hostile, office):
    with time_machine.travel(DECEMBER, tick=False):
        stored_reports_build()
    workbook = load_workbook(io.BytesIO(bytes(StoredReport.objects.get().content)))
    rows = list(workbook["Team"].iter_rows(min_row=2))
    assert all(c.data_type != "f" for ws in workbook for row in ws.iter_rows() for c in row)
    _check_text([c.value for row in rows for c in row[:2]], [*NAMES, "Team A"], xml=True)
    assert all(isinstance(row[2].value, int) for row in rows)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tX", "'\tX"),
        ("\rX", "'\rX"),
        ("'=1", "'=1"),
        ("Team A", "Team A"),
        ("", ""),
        (-2, -2),
        (0.5, 0.5),
        (None, None),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected
