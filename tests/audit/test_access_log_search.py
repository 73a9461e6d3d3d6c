"""The managers' access-log search: "who viewed this client last month", from the product."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.forms import last_month, this_month
from audit.models import AccessAction, AccessLog
from teams.models import ManagerScope, Office, ServiceLine, Team
from tests.conftest import make_client, make_user

pytestmark = pytest.mark.django_db

URL = reverse("audit:access_log")


def _at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A local (Helsinki) time on `day`."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _viewed(user, client, at: dt.datetime, action=AccessAction.PAGE) -> AccessLog:
    return AccessLog.objects.create(
        user=user,
        username=user.username,
        action=action,
        client_ids=[client.pk],
        client_count=1,
        at=at,
        path=f"/clients/{client.pk}/",
    )


def _rows(response) -> list[AccessLog]:
    return list(response.context["page"])


@pytest.fixture
def month():
    return last_month(timezone.localdate())


@pytest.fixture
def views(client_a, adviser, teammate, lead, month):
    """Views of client A: the teammate and the lead last month, the adviser this month and
    two months ago."""
    start, end = month
    return {
        "teammate": _viewed(teammate, client_a, _at(start + dt.timedelta(days=3))),
        "lead": _viewed(lead, client_a, _at(end, 23, 30)),
        "adviser_now": _viewed(adviser, client_a, timezone.now()),
        "adviser_before": _viewed(adviser, client_a, _at(start - dt.timedelta(days=20))),
    }


def test_last_month_of_one_client_lists_exactly_who_viewed_it_then(
    client, manager, client_a, views, month
):
    client.force_login(manager)
    start, end = month
    response = client.get(
        URL, {"client": client_a.pk, "since": start.isoformat(), "until": end.isoformat()}
    )
    assert response.status_code == 200
    assert _rows(response) == [views["lead"], views["teammate"]]
    html = response.content.decode()
    assert "Lena Tester" in html and "Bob Tester" in html


def test_the_client_page_links_a_manager_to_last_months_viewers(
    client, manager, client_a, views, month
):
    client.force_login(manager)
    page = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    link = re.search(r'href="([^"]*)">Who viewed this client last month<', page)
    assert link, "the client page has no last-month link for a manager"
    start, end = month
    href = link.group(1).replace("&amp;", "&")
    assert f"since={start:%Y-%m-%d}" in href and f"until={end:%Y-%m-%d}" in href
    assert _rows(client.get(href)) == [views["lead"], views["teammate"]]


def test_advisers_do_not_get_the_link_or_the_search(client, adviser, client_a):
    client.force_login(adviser)
    page = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert "Who viewed this client last month" not in page
    assert client.get(URL, {"client": client_a.pk}).status_code == 403


def test_a_day_is_a_local_day_at_both_ends(client, manager, client_a, teammate):
    day = timezone.localdate() - dt.timedelta(days=10)
    inside_late = _viewed(teammate, client_a, _at(day, 23, 50))
    inside_early = _viewed(teammate, client_a, _at(day, 0, 10))
    _viewed(teammate, client_a, _at(day + dt.timedelta(days=1), 0, 10))
    _viewed(teammate, client_a, _at(day - dt.timedelta(days=1), 23, 50))
    client.force_login(manager)
    response = client.get(URL, {"client": client_a.pk, "since": day, "until": day})
    assert _rows(response) == [inside_late, inside_early]


def test_an_open_range_runs_to_the_end_or_from_the_start(client, manager, client_a, views, month):
    client.force_login(manager)
    start, end = month
    since_start = _rows(client.get(URL, {"client": client_a.pk, "since": start.isoformat()}))
    assert views["adviser_before"] not in since_start
    assert {views["teammate"], views["lead"], views["adviser_now"]} <= set(since_start)
    until_end = _rows(client.get(URL, {"client": client_a.pk, "until": end.isoformat()}))
    assert until_end == [views["lead"], views["teammate"], views["adviser_before"]]


def test_user_and_dates_narrow_together(client, manager, adviser, client_a, views, month):
    client.force_login(manager)
    start, _end = month
    rows = _rows(
        client.get(
            URL,
            {"client": client_a.pk, "user": adviser.username, "since": start.isoformat()},
        )
    )
    assert rows == [views["adviser_now"]]


def test_an_end_before_the_start_is_refused(client, manager, client_a, views):
    client.force_login(manager)
    response = client.get(
        URL, {"client": client_a.pk, "since": "2026-03-10", "until": "2026-03-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert _rows(response) == []


def test_a_client_of_another_office_is_not_found(client, manager, adviser):
    office = Office.objects.create(name="Far office", code="far")
    line = ServiceLine.objects.create(office=office, name="Far line")
    far_team = Team.objects.create(service_line=line, name="Far team")
    far_client = make_client(far_team)
    _viewed(adviser, far_client, timezone.now())
    client.force_login(manager)
    response = client.get(URL, {"client": far_client.pk})
    assert "No such client among the teams you follow." in response.content.decode()
    assert _rows(response) == []


def test_the_dates_are_date_inputs_with_month_shortcuts(client, manager):
    client.force_login(manager)
    response = client.get(URL, {"client": "7"})
    html = response.content.decode()
    assert re.search(r'<input type="date" name="since"', html)
    assert re.search(r'<input type="date" name="until"', html)
    today = timezone.localdate()
    for since, until in (last_month(today), this_month(today)):
        assert f"since={since:%Y-%m-%d}&amp;until={until:%Y-%m-%d}" in html
    assert "client=7" in html  # the shortcuts keep the other filters


def test_last_month_is_the_calendar_month_before():
    assert last_month(dt.date(2026, 3, 31)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert last_month(dt.date(2026, 1, 1)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert this_month(dt.date(2026, 3, 15)) == (dt.date(2026, 3, 1), dt.date(2026, 3, 15))


def test_the_search_query_count_does_not_grow_with_the_rows(client, manager, team_a, teammate):
    clients = [make_client(team_a) for _ in range(30)]
    client.force_login(manager)
    client.get(URL)  # the first request after signing in renews the session (a write)
    _viewed(teammate, clients[0], timezone.now() - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as one:
        assert len(_rows(client.get(URL, {"user": teammate.username}))) == 1
    for c in clients[1:]:
        _viewed(teammate, c, timezone.now() - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(client.get(URL, {"user": teammate.username}))) == 30
    assert len(many) == len(one)


def test_a_service_line_manager_searches_their_lines_clients(client, service_line, client_a, views):
    line_manager = make_user("liisa")
    ManagerScope.objects.create(user=line_manager, service_line=service_line)
    client.force_login(line_manager)
    start, end = last_month(timezone.localdate())
    rows = _rows(
        client.get(
            URL, {"client": client_a.pk, "since": start.isoformat(), "until": end.isoformat()}
        )
    )
    assert rows == [views["lead"], views["teammate"]]


def test_only_the_team_reveals_an_identity_code_and_a_manager_finds_the_reveal(
    client, manager, lead, client_a
):
    """A manager sees the masked code and may not reveal it (403, nothing logged as a
    reveal); the team's reveal is logged and the manager finds it in the search."""
    url = reverse("clients:identity_code_reveal", args=[client_a.pk])
    client.force_login(manager)
    page = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert client_a.masked_identity_code in page and url not in page
    refused = client.post(url, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    assert client_a.personal_identity_code not in refused.content.decode()
    assert not AccessLog.objects.filter(action=AccessAction.IDENTITY_REVEAL).exists()
    client.force_login(lead)
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert client_a.personal_identity_code in response.content.decode()
    entry = AccessLog.objects.for_client(client_a.pk).latest("at")
    assert (entry.user, entry.action) == (lead, AccessAction.IDENTITY_REVEAL)
    client.force_login(manager)
    today = timezone.localdate().isoformat()
    found = _rows(client.get(URL, {"client": client_a.pk, "since": today, "until": today}))
    assert entry in found
