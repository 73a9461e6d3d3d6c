"""The coverage report page: who may see it, its GET form, its figures and definitions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Status, StatusChange
from reports.periods import previous_month
from teams.models import Team
from tests.conftest import PASSWORD, make_client, make_interview, make_user

pytestmark = pytest.mark.django_db
URL = reverse("reports:coverage")
Q3 = {"period": "quarter", "quarter": "2026-Q3", "level": "team"}


@pytest.fixture
def figures(team_a, team_b, adviser, outsider):
    """Team A: two required clients, one covered; team B: one required, covered."""
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
            make_interview(c, who, held_on=dt.date(2026, 9, 1))


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_manager_sees_every_team_with_definitions_and_chart(client, manager, figures):
    _login(client, manager)
    response = client.get(URL, Q3)
    assert response.status_code == 200
    rows = {row.label: row for row in response.context["report"].rows}
    assert set(rows) == {"Team A", "Team B"}
    assert rows["Team A"].figures.coverage_pct == 50.0
    html = response.content.decode()
    assert "Definitions" in html and "Median days between interviews" in html
    assert '<svg class="chart"' in html
    assert "50.0\xa0%" in html
    assert reverse("reports:coverage_xlsx") + "?period=quarter" in html
    assert 'href="/reports/coverage/"' in html  # the nav link


def test_team_lead_sees_only_their_team(client, lead, figures, team_a):
    _login(client, lead)
    response = client.get(URL, Q3)
    assert response.status_code == 200
    assert [r.key for r in response.context["report"].rows] == [team_a.pk]
    assert "Team B" not in response.content.decode()
    # The office and service line levels are for managers.
    response = client.get(URL, {**Q3, "level": "office"})
    assert response.status_code == 400
    assert "level" in response.context["form"].errors


@pytest.mark.parametrize("persona", ["adviser", "outsider"])
def test_advisers_get_no_reports(client, persona, request, figures):
    user = request.getfixturevalue(persona)
    _login(client, user)
    for name in ("reports:coverage", "reports:coverage_csv", "reports:coverage_xlsx"):
        assert client.get(reverse(name), Q3).status_code == 403
    assert (
        'href="/reports/coverage/"' not in client.get(reverse("clients:caseload")).content.decode()
    )


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_defaults_to_last_month_by_team(client, manager, figures):
    _login(client, manager)
    response = client.get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.period == previous_month(dt.date.today()) and report.level == "team"


def test_invalid_period_re_renders_with_field_errors(client, manager):
    _login(client, manager)
    response = client.get(
        URL, {"period": "range", "start": "2026-05-01", "end": "2026-04-01", "level": "team"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end must not be before the start." in html
    assert 'aria-describedby="id_end_error"' in html
    assert 'value="2026-05-01"' in html  # input kept


def test_htmx_request_gets_the_results_fragment(client, manager, figures):
    _login(client, manager)
    response = client.get(URL, Q3, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"') and "<html" not in html


def test_page_query_count_does_not_grow_with_teams(client, manager, service_line, adviser):
    _login(client, manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, Q3).status_code == 200
        return len(queries)

    make_client(Team.objects.create(service_line=service_line, name="T0"))
    count()
    one = count()
    for n in range(1, 7):
        team = Team.objects.create(service_line=service_line, name=f"T{n}")
        make_user(f"adv{n}", team=team)
        make_client(team, responsible_adviser=adviser)
    assert count() == one
