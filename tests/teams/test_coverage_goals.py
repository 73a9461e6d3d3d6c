"""Coverage goals: set by managers per office, service line or team from a date; drawn and
judged on the dashboard, the office view and the report; counted in the monthly report."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clients.models import StatusChange
from reports.models import StoredReport
from reports.periods import LOCAL_ZONE as HELSINKI
from reports.tasks import monthly_reports_build
from teams.models import CoverageGoal, ManagerScope, Office, ServiceLine, Team
from teams.selectors import coverage_goals_for
from teams.services import coverage_goal_set
from tests.conftest import PASSWORD, make_client, make_interview, make_user

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=HELSINKI)


def _goal(day, percent, **scope):
    return CoverageGoal.objects.create(valid_from=day, percent=Decimal(percent), **scope)


@pytest.fixture
def goals(office, service_line, team_a):
    _goal(dt.date(2026, 1, 1), "80", office=office)
    _goal(dt.date(2026, 6, 1), "85", service_line=service_line)
    _goal(dt.date(2026, 9, 1), "90", team=team_a)


@pytest.fixture
def figures(team_a, team_b, adviser, outsider):
    """Team A: 1 of 2 covered (50 %); team B: 1 of 1 (100 %)."""
    for team, who, held in (
        (team_a, adviser, True),
        (team_a, adviser, False),
        (team_b, outsider, True),
    ):
        c = make_client(
            team,
            registered_on=dt.date(2025, 1, 1),
            responsible_adviser=who,
            last_held_on=dt.date(2026, 10, 20) if held else None,
        )
        StatusChange.objects.create(client=c, new_status=c.status, effective_on=dt.date(2025, 1, 1))
        if held:
            make_interview(c, who, held_on=dt.date(2026, 10, 20))


def test_a_team_takes_its_own_goal_then_its_lines_then_its_offices(
    goals, team_a, team_b, service_line, office
):
    def on(day):
        found = coverage_goals_for(level="team", keys=[team_a.pk, team_b.pk], day=day)
        return {k: (g and g.percent) for k, g in found.items()}

    assert on(dt.date(2026, 10, 1)) == {team_a.pk: Decimal("90"), team_b.pk: Decimal("85")}
    assert on(dt.date(2026, 7, 1)) == {team_a.pk: Decimal("85"), team_b.pk: Decimal("85")}
    assert on(dt.date(2026, 3, 1)) == {team_a.pk: Decimal("80"), team_b.pk: Decimal("80")}
    assert on(dt.date(2025, 12, 31)) == {team_a.pk: None, team_b.pk: None}
    lines = coverage_goals_for(
        level="service_line", keys=[service_line.pk], day=dt.date(2026, 3, 1)
    )
    assert lines[service_line.pk].percent == 80  # the office's, until the line has its own
    assert (
        coverage_goals_for(level="office", keys=[office.pk], day=NOW.date())[office.pk].percent
        == 80
    )


def test_goal_lookup_takes_two_queries_whatever_the_number_of_teams(goals, service_line):
    many = [Team.objects.create(service_line=service_line, name=f"T{i}").pk for i in range(12)]
    with CaptureQueriesContext(connection) as ctx:
        found = coverage_goals_for(level="team", keys=many, day=NOW.date())
    assert len(ctx.captured_queries) == 2 and len(found) == 12


def test_a_goal_is_met_at_or_above_it():
    goal = CoverageGoal(percent=Decimal("90.0"))
    assert goal.meets(90.0) is True and goal.meets(89.9) is False and goal.meets(None) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"percent": Decimal("0")},
        {"percent": Decimal("100.1")},
        {"percent": Decimal("-5")},
        {"percent": Decimal("90"), "two_scopes": True},
        {"percent": Decimal("90"), "no_scope": True},
    ],
)
def test_the_database_refuses_a_goal_out_of_range_or_without_one_scope(office, team_a, fields):
    scope = {"office": office}
    if fields.pop("two_scopes", False):
        scope["team"] = team_a
    if fields.pop("no_scope", False):
        scope = {}
    with pytest.raises(IntegrityError), transaction.atomic():
        CoverageGoal.objects.create(valid_from=dt.date(2026, 1, 1), **scope, **fields)


def test_only_a_manager_over_it_may_set_a_goal_and_a_same_day_goal_is_replaced(
    office, team_a, adviser, lead, manager
):
    other_office = Office.objects.create(name="Other", code="other")
    other = make_user("other_manager")
    ManagerScope.objects.create(user=other, office=other_office)
    for user in (adviser, lead, other):
        with pytest.raises(PermissionDenied):
            coverage_goal_set(
                scope=team_a, percent=Decimal(90), valid_from=dt.date(2026, 1, 1), set_by=user
            )
    day = dt.date(2026, 1, 1)
    coverage_goal_set(scope=office, percent=Decimal(90), valid_from=day, set_by=manager)
    coverage_goal_set(scope=office, percent=Decimal("92.5"), valid_from=day, set_by=manager)
    assert list(CoverageGoal.objects.values_list("percent", "set_by")) == [
        (Decimal("92.5"), manager.pk)
    ]


def test_manager_sets_a_goal_in_finnish_and_others_are_refused(client, manager, team_a, outsider):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    url = reverse("teams:goals")
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(url).status_code == 403
    client.login(username=manager.username, password=PASSWORD)
    page = client.get(url).content.decode()
    assert f'value="team-{team_a.pk}"' in page
    bad = client.post(url, {"scope": f"team-{team_a.pk}", "percent": "120", "valid_from": ""})
    assert bad.status_code == 400 and not CoverageGoal.objects.exists()
    response = client.post(
        url, {"scope": f"team-{team_a.pk}", "percent": "90,5", "valid_from": "2026-11-01"}
    )
    assert response.status_code == 302
    goal = CoverageGoal.objects.get()
    assert (goal.team, goal.percent, goal.valid_from) == (
        team_a,
        Decimal("90.5"),
        dt.date(2026, 11, 1),
    )
    assert "90,5\xa0%" in client.get(url).content.decode()


def test_dashboard_draws_the_goal_and_says_in_words_whether_it_is_met(
    client, goals, figures, team_a, lead
):
    client.login(username=lead.username, password=PASSWORD)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("teams:dashboard", args=[team_a.pk])).content.decode()
    status = page[page.index('id="goal-status"') :][:600]
    assert "Coverage goal 90.0 %" in status and "not met" in status  # 50 % < 90 %
    assert '<g class="goal">' in page and "Goal 90.0\xa0%</li>" in page


def test_office_view_opens_on_the_whole_office_with_each_teams_goal(
    client, goals, figures, manager, office, team_a, team_b
):
    second = ServiceLine.objects.create(office=office, name="Second line")
    team_c = Team.objects.create(service_line=second, name="Team C")
    client.login(username=manager.username, password=PASSWORD)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("teams:office")).content.decode()
    for team in (team_a, team_b, team_c):  # every line's teams, not only the first line's
        assert f'data-team="{team.pk}"' in page
    row_a = page[page.index(f'data-team="{team_a.pk}"') :].split("</tr>")[0]
    row_b = page[page.index(f'data-team="{team_b.pk}"') :].split("</tr>")[0]
    assert "90.0&nbsp;%" in row_a and "not met" in row_a
    assert "85.0&nbsp;%" in row_b and "✓ met" in row_b
    assert "1 of 2 teams meet their coverage goal." in page
    assert page.count("<title>Coverage goal:") == 3  # a goal mark on each bar (C: the office's)
    with time_machine.travel(NOW, tick=False):
        one_line = client.get(reverse("teams:office"), {"line": second.pk}).content.decode()
    assert f'data-team="{team_c.pk}"' in one_line and f'data-team="{team_a.pk}"' not in one_line


def test_report_draws_a_shared_goal_and_counts_the_teams_that_met_theirs(
    client, figures, manager, office, team_a, team_b
):
    _goal(dt.date(2026, 1, 1), "75", office=office)
    client.login(username=manager.username, password=PASSWORD)
    with time_machine.travel(NOW, tick=False):
        page = client.get(
            reverse("reports:coverage"), {"period": "month", "month": "2026-10", "level": "team"}
        ).content.decode()
    assert '<g class="goal">' in page  # both teams share the office's 75 %
    assert "1 of 2 rows (Team) met their coverage goal at the period end." in page
    assert page.count("✗ not met") == 1 and page.count("✓ met") == 1


def test_monthly_report_counts_the_teams_that_met_their_goal(figures, office, team_a):
    _goal(dt.date(2026, 1, 1), "75", office=office)
    with time_machine.travel(dt.datetime(2026, 12, 1, 3, 30, tzinfo=HELSINKI), tick=False):
        monthly_reports_build()
    workbook = load_workbook(io.BytesIO(bytes(StoredReport.objects.get().content)))
    sheet = workbook["Coverage goals"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Name", "Coverage goal", "Coverage", "Met the goal"]
    assert ["Team A", 0.75, 0.5, "no"] in rows and ["Team B", 0.75, 1.0, "yes"] in rows
    assert rows[-1][0] == "Met the coverage goal: 1 of 2"


def _page_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_goals_add_the_same_few_queries_to_each_page_however_many_teams_have_one(
    client, figures, manager, office, service_line, team_a, team_b
):
    """Goals for one team or for every team (and the line and the office): the dashboard, the
    office view and the report ask the same number of queries."""
    client.login(username=manager.username, password=PASSWORD)
    pages = [
        (reverse("teams:dashboard", args=[team_a.pk]), None),
        (reverse("teams:office"), None),
        (reverse("reports:coverage"), {"period": "month", "month": "2026-10", "level": "team"}),
    ]
    _goal(dt.date(2026, 1, 1), "80", team=team_a)
    with time_machine.travel(NOW, tick=False):
        for url, params in pages:
            _page_queries(client, url, params)  # warm: sessions, content types
        one = [_page_queries(client, url, params) for url, params in pages]
        _goal(dt.date(2026, 1, 1), "70", team=team_b)
        _goal(dt.date(2026, 2, 1), "75", service_line=service_line)
        _goal(dt.date(2026, 3, 1), "85", office=office)
        for i in range(3):
            t = Team.objects.create(service_line=service_line, name=f"More {i}")
            _goal(dt.date(2026, 1, 1), "60", team=t)
        many = [_page_queries(client, url, params) for url, params in pages]
    assert one == many
