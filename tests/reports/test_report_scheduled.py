"""The monthly report: built on the 1st for the month before, kept once, downloadable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from clients.models import Status, StatusChange
from reports.models import StoredReport
from reports.periods import LOCAL_ZONE as HELSINKI
from reports.periods import Period
from reports.selectors.report import report_build
from reports.tasks import monthly_reports_build
from teams.models import ManagerScope, Office, ServiceLine, Team
from tests.conftest import PASSWORD, make_client, make_interview, make_user

pytestmark = pytest.mark.django_db
FIRST_OF_DECEMBER = dt.datetime(2026, 12, 1, 3, 30, tzinfo=HELSINKI)


@pytest.fixture
def data(team_a, team_b, adviser, outsider):
    for team, who, held in (
        (team_a, adviser, True),
        (team_a, adviser, False),
        (team_b, outsider, True),
    ):
        c = make_client(team, registered_on=dt.date(2025, 1, 1), responsible_adviser=who)
        StatusChange.objects.create(
            client=c, new_status=Status.UNEMPLOYED, effective_on=dt.date(2025, 1, 1)
        )
        if held:
            make_interview(c, who, held_on=dt.date(2026, 10, 20))


def test_beat_runs_it_on_the_first_of_each_month():
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-coverage-reports"]
    assert entry["task"] == "reports.tasks.monthly_reports_build"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab) and schedule.day_of_month == {1}


def test_task_builds_last_month_once_with_office_and_team_sheets(data, office, team_a, team_b):
    with time_machine.travel(FIRST_OF_DECEMBER, tick=False):
        result = monthly_reports_build()
        again = monthly_reports_build()
    assert len(result["built"]) == 1 and again == {"built": []}
    stored = StoredReport.objects.get()
    assert (stored.office, stored.month) == (office, dt.date(2026, 11, 1))
    assert stored.file_name == "coverage_test-office_2026-11.xlsx"
    workbook = load_workbook(io.BytesIO(bytes(stored.content)))
    assert workbook.sheetnames == [
        "Office",
        "Team",
        "Coverage by month",
        "Coverage goals",
        "Definitions",
    ]
    with time_machine.travel(FIRST_OF_DECEMBER, tick=False):
        by_team = report_build(
            period=Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "month"),
            level="team",
            team_ids=[team_a.pk, team_b.pk],
        )
    rows = list(workbook["Team"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (row.label, row.figures.required, row.figures.covered)
        for row in [*by_team.rows, by_team.total]
    ]
    assert rows[0][:5] == ("Team A", "Supported employment", 2, 1, 0.5)
    office_rows = list(workbook["Office"].iter_rows(min_row=2, values_only=True))
    assert office_rows[0][:4] == ("Test office", None, 3, 2)


def test_a_past_month_can_be_built_and_the_unique_constraint_holds(data, office):
    with time_machine.travel(FIRST_OF_DECEMBER, tick=False):
        monthly_reports_build(month="2026-10-15")
        monthly_reports_build(month="2026-10-01")
    assert list(StoredReport.objects.values_list("month", flat=True)) == [dt.date(2026, 10, 1)]
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StoredReport.objects.create(
            office=office, month=dt.date(2026, 10, 1), file_name="x", content=b"", size=0
        )


def test_service_line_managers_get_their_own_report(data, office, service_line, team_a):
    line_manager = make_user("sirkka")
    ManagerScope.objects.create(user=line_manager, service_line=service_line)
    with time_machine.travel(FIRST_OF_DECEMBER, tick=False):
        monthly_reports_build()
    line_report = StoredReport.objects.get(service_line=service_line)
    sheets = load_workbook(io.BytesIO(bytes(line_report.content))).sheetnames
    assert sheets[:2] == ["Service line", "Team"]
    assert StoredReport.objects.count() == 2


def test_download_follows_the_managers_scope(
    client, data, office, manager, adviser, outsider, lead
):
    other_office = Office.objects.create(name="Elsewhere", code="else")
    Team.objects.create(
        service_line=ServiceLine.objects.create(office=other_office, name="L"), name="T"
    )
    other_manager = make_user("olli")
    ManagerScope.objects.create(user=other_manager, office=other_office)
    with time_machine.travel(FIRST_OF_DECEMBER, tick=False):
        monthly_reports_build()
    ours = StoredReport.objects.get(office=office)
    url = reverse("reports:stored_download", args=[ours.pk])

    assert client.login(username=manager.username, password=PASSWORD)
    page = client.get(reverse("reports:coverage")).content.decode()
    assert url in page and "Elsewhere" not in page
    response = client.get(url)
    assert response.status_code == 200 and response.content == bytes(ours.content)
    assert 'filename="coverage_test-office_2026-11.xlsx"' in response["Content-Disposition"]

    client.login(username=other_manager.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    client.login(username=lead.username, password=PASSWORD)
    assert client.get(url).status_code == 404  # team leads: live reports of their team only
    for user in (adviser, outsider):
        client.login(username=user.username, password=PASSWORD)
        assert client.get(url).status_code == 403
