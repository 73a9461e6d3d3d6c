"""GET /api/v1/coverage/: the report page's figures as JSON, with the page's access rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.services import client_create
from interviews.services import interview_log
from reports.periods import period_parse, previous_month, previous_quarter
from reports.selectors.report import coverage_report
from tests.conftest import make_code

pytestmark = pytest.mark.django_db

URL = "/api/v1/coverage/"


def _client(team, adviser, *, registered_days_ago: int, held_days_ago: int | None = None):
    today = timezone.localdate()
    client = client_create(
        personal_identity_code=make_code(),
        first_name="Aino",
        last_name="Asiakas",
        team=team,
        registered_on=today - dt.timedelta(days=registered_days_ago),
        responsible_adviser=adviser,
    )
    if held_days_ago is not None:
        held_at = timezone.now() - dt.timedelta(days=held_days_ago)
        interview_log(
            client=client, adviser=adviser, held_at=held_at, channel="phone", outcome="held"
        )
    return client


@pytest.fixture
def seeded(team_a, team_b, adviser, outsider):
    _client(team_a, adviser, registered_days_ago=200, held_days_ago=10)  # covered
    _client(team_a, adviser, registered_days_ago=200)  # never interviewed: overdue
    _client(team_b, outsider, registered_days_ago=200, held_days_ago=20)  # covered


def _range(days: int = 30) -> dict:
    today = timezone.localdate()
    return {
        "period": "range",
        "start": (today - dt.timedelta(days=days)).isoformat(),
        "end": today.isoformat(),
    }


def test_manager_gets_coverage_per_team(api, manager, team_a, team_b, seeded):
    response = api(manager, token=True).get(URL, _range())
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["level"] == "team"
    assert body["period"]["kind"] == "range"
    rows = {row["key"]: row for row in body["rows"]}
    assert (rows[team_a.pk]["required"], rows[team_a.pk]["covered"]) == (2, 1)
    assert rows[team_a.pk]["coverage"] == 0.5
    assert rows[team_a.pk]["overdue"] == 1
    assert (rows[team_b.pk]["required"], rows[team_b.pk]["coverage"]) == (1, 1.0)
    assert (body["total"]["required"], body["total"]["covered"]) == (3, 2)
    assert body["total"]["held"] == 2 and body["total"]["held_phone"] == 2
    assert body["total"]["series"][-1]["date"] == timezone.localdate().isoformat()
    assert {d["key"] for d in body["definitions"]} >= {"required", "covered", "coverage"}


def test_the_api_returns_the_same_figures_as_the_report_service(api, manager, seeded):
    today = timezone.localdate()
    month = f"{today:%Y-%m}"
    body = api(manager).get(URL, {"period": "month", "month": month, "level": "adviser"}).json()
    period = period_parse(kind="month", month=month, today=today)
    report = coverage_report(
        user=manager, start=period.start, end=period.end, level="adviser", period_kind="month"
    )
    assert body["period"]["label"] == month
    assert [r["key"] for r in body["rows"]] == [r.key for r in report.rows]
    for got, want in zip(body["rows"], report.rows, strict=True):
        assert {k: got[k] for k in want.values()} == want.values()


def test_defaults_are_the_pages_previous_month_by_team(api, manager, seeded):
    body = api(manager).get(URL).json()
    previous = previous_month(timezone.localdate())
    assert body["period"] == {
        "kind": "month",
        "label": previous.label,
        "start": previous.start.isoformat(),
        "end": previous.end.isoformat(),
    }
    assert body["level"] == "team"


def test_a_quarter(api, manager, seeded):
    quarter = previous_quarter(timezone.localdate())
    body = api(manager).get(URL, {"period": "quarter", "quarter": quarter.label}).json()
    assert body["period"]["start"] == quarter.start.isoformat()
    assert len(body["total"]["series"]) == 3


def test_team_lead_sees_own_team_at_team_or_adviser_level(api, lead, team_a, team_b, seeded):
    c = api(lead)
    body = c.get(URL, _range()).json()
    assert [row["key"] for row in body["rows"]] == [team_a.pk]
    assert c.get(URL, {**_range(), "level": "adviser"}).status_code == 200
    office = c.get(URL, {**_range(), "level": "office"})
    assert office.status_code == 400 and "level" in office.json()
    other = c.get(URL, {**_range(), "team": team_b.pk})
    assert other.status_code == 400 and "team" in other.json()


def test_manager_narrows_to_some_teams(api, manager, team_a, team_b, seeded):
    body = api(manager).get(URL, {**_range(), "team": [team_b.pk]}).json()
    assert [row["key"] for row in body["rows"]] == [team_b.pk]
    office = api(manager).get(URL, {**_range(), "level": "office"}).json()
    assert office["rows"][0]["required"] == 3


@pytest.mark.parametrize("persona", ["adviser", "outsider"])
def test_advisers_may_not_see_the_report(api, adviser, outsider, persona, seeded):
    user = {"adviser": adviser, "outsider": outsider}[persona]
    assert api(user).get(URL).status_code == 403
    assert api(user, token=True).get(URL).status_code == 403
    assert api().get(URL).status_code == 401


@pytest.mark.parametrize(
    "params,field",
    [
        ({"period": "year"}, "period"),
        ({"period": "month", "month": "2026-13"}, "month"),
        ({"period": "month", "month": "last"}, "month"),
        ({"period": "month", "month": "1999-12"}, "month"),
        ({"period": "month", "month": "2999-01"}, "month"),
        ({"period": "quarter", "quarter": "2026-Q5"}, "quarter"),
        ({"period": "quarter", "quarter": "0000Q1"}, "quarter"),  # found by the fuzz run
        ({"period": "month", "month": "0000-01"}, "month"),
        ({"period": "range"}, "start"),
        ({"period": "range", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"period": "range", "start": "2025-06-01", "end": "2025-05-01"}, "end"),
        ({"period": "range", "start": "2020-01-01", "end": "2025-01-01"}, "end"),  # > 36 months
        ({"level": "planet"}, "level"),
        ({"team": "abc"}, "team"),
        ({"team": "99999999999999999999"}, "team"),
        ({"team": "999999"}, "team"),
    ],
)
def test_bad_parameters_answer_400_with_the_field_named(api, manager, seeded, params, field):
    response = api(manager).get(URL, params)
    assert response.status_code == 400, response.json()
    assert field in response.json()


def test_query_count_does_not_grow_with_clients_or_rows(api, manager, team_a, adviser, seeded):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api(manager).get(URL, {**_range(90), "level": "adviser"}).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    from tests.conftest import make_user

    for i in range(4):
        other = make_user(f"extra{i}", team=team_a)
        _client(team_a, other, registered_days_ago=100, held_days_ago=5 + i)
    assert count() == few
