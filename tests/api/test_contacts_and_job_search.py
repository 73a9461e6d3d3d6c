"""Contact attempts and monthly job-search reports under their client in the API: field
errors, another team's client (404, nothing written or logged), who may write, and the
access log and query count of the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessAction, AccessLog
from interviews import rules
from interviews.models import ContactAttempt, ContactResult
from interviews.services import contact_attempt_record
from plans.models import JobSearchReport
from plans.services import job_search_report_record
from teoffice.api import MAX_ID
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def attempts_url(client) -> str:
    return f"/api/v1/clients/{client.pk}/contact-attempts/"


def reports_url(client) -> str:
    return f"/api/v1/clients/{client.pk}/job-search-reports/"


def _ago(**delta) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


def _attempt(client, adviser, hours_ago: int, result=ContactResult.NO_ANSWER):
    return contact_attempt_record(
        client=client,
        adviser=adviser,
        attempted_at=timezone.now() - dt.timedelta(hours=hours_ago),
        channel="phone",
        result=result,
    )


def _month(months_back: int = 0) -> dt.date:
    month = rules.month_start(timezone.localdate())
    for _ in range(months_back):
        month = rules.month_start(month - dt.timedelta(days=1))
    return month


def _last_log():
    return AccessLog.objects.order_by("-id").first()


# --- Contact attempts ------------------------------------------------------------------------


def test_an_adviser_records_an_attempt_with_its_notice(api, adviser, client_a):
    notice, attempted = _ago(days=2), _ago(hours=3)
    response = api(adviser, token=True).post(
        attempts_url(client_a),
        {
            "attempted_at": attempted,
            "channel": "phone",
            "result": "no_answer",
            "notice_sent_at": notice,
            "notes": "Rang twice.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["client"], body["adviser"]) == (client_a.pk, adviser.pk)
    assert (body["result"], body["result_display"]) == ("no_answer", "No answer")
    assert body["notice_sent"] is True and body["notice_sent_at"] is not None
    attempt = ContactAttempt.objects.get()
    assert (attempt.recorded_by, attempt.notes) == (adviser, "Rang twice.")
    assert attempt.notice_sent_at < attempt.attempted_at


def test_without_a_notice_time_no_notice_was_sent(api, teammate, client_a):
    response = api(teammate).post(
        attempts_url(client_a),
        {"attempted_at": _ago(hours=1), "channel": "video", "result": "reached"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["notice_sent"] is False
    assert response.json()["notice_sent_at"] is None


def test_the_list_is_the_clients_attempts_newest_first_and_logged_once(
    api, adviser, outsider, client_a, team_b
):
    old = _attempt(client_a, adviser, 48, ContactResult.WRONG_NUMBER)
    new = _attempt(client_a, adviser, 2, ContactResult.REACHED)
    _attempt(make_client(team_b), outsider, 1)  # another client's
    response = api(adviser).get(attempts_url(client_a))
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [new.pk, old.pk]
    assert (_last_log().action, _last_log().client_ids) == (AccessAction.API_LIST, [client_a.pk])
    missed = api(adviser).get(attempts_url(client_a), {"result": "wrong_number"}).json()
    assert [a["id"] for a in missed["results"]] == [old.pk]


def test_an_empty_list_is_still_a_look_at_the_client(api, lead, client_a):
    before = AccessLog.objects.count()
    assert api(lead).get(attempts_url(client_a)).json()["count"] == 0
    assert AccessLog.objects.count() == before + 1
    assert _last_log().client_ids == [client_a.pk]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"channel": "phone", "result": "reached"}, "attempted_at"),
        ({"attempted_at": "yesterday", "channel": "phone", "result": "reached"}, "attempted_at"),
        ({"attempted_at": "FUTURE", "channel": "phone", "result": "reached"}, "attempted_at"),
        ({"attempted_at": "PAST", "result": "reached"}, "channel"),
        ({"attempted_at": "PAST", "channel": "fax", "result": "reached"}, "channel"),
        ({"attempted_at": "PAST", "channel": "phone", "result": "maybe"}, "result"),
        ({"attempted_at": "PAST", "channel": "phone"}, "result"),
        (
            {"attempted_at": "PAST", "channel": "phone", "result": "reached", "notice_sent_at": 5},
            "notice_sent_at",
        ),
        (
            {
                "attempted_at": "PAST",
                "channel": "phone",
                "result": "reached",
                "notice_sent_at": "NOW",
            },
            "notice_sent_at",
        ),
        (
            {"attempted_at": "PAST", "channel": "phone", "result": "reached", "notes": "x" * 501},
            "notes",
        ),
    ],
)
def test_a_bad_attempt_is_a_400_with_the_fields_error(api, adviser, client_a, payload, field):
    times = {"PAST": _ago(hours=2), "NOW": _ago(minutes=1), "FUTURE": _ago(hours=-2)}
    payload = {key: times.get(value, value) for key, value in payload.items()}
    response = api(adviser).post(attempts_url(client_a), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert response.json()[field]
    assert not ContactAttempt.objects.exists()


def test_another_teams_client_is_not_found(api, outsider, adviser, client_a, team_b):
    _attempt(client_a, adviser, 5)
    before = AccessLog.objects.count()
    c = api(outsider, token=True)
    assert c.get(attempts_url(client_a)).status_code == 404
    payload = {"attempted_at": _ago(hours=1), "channel": "phone", "result": "reached"}
    assert c.post(attempts_url(client_a), payload, format="json").status_code == 404
    assert ContactAttempt.objects.count() == 1
    assert AccessLog.objects.count() == before
    # Their own client's URL with an attempt id of team A's client: also 404.
    own = make_client(team_b)
    attempt = ContactAttempt.objects.get()
    assert c.get(f"{attempts_url(own)}{attempt.pk}/").status_code == 404
    assert api(adviser).get(f"{attempts_url(client_a)}{attempt.pk}/").status_code == 200


@pytest.mark.parametrize("client_id", [999_999_999, MAX_ID + 1])
def test_a_client_that_does_not_exist_is_not_found(api, adviser, client_id):
    assert api(adviser).get(f"/api/v1/clients/{client_id}/contact-attempts/").status_code == 404
    assert api(adviser).get(f"/api/v1/clients/{client_id}/job-search-reports/").status_code == 404


def test_a_manager_reads_but_does_not_record(api, manager, client_a):
    c = api(manager)
    assert c.get(attempts_url(client_a)).status_code == 200
    payload = {"attempted_at": _ago(hours=1), "channel": "phone", "result": "reached"}
    assert c.post(attempts_url(client_a), payload, format="json").status_code == 403
    assert c.post(reports_url(client_a), {"month": "2026-01", "applications": 1}).status_code == 403
    assert not ContactAttempt.objects.exists() and not JobSearchReport.objects.exists()


def test_anonymous_callers_are_refused(api, client_a):
    assert api().get(attempts_url(client_a)).status_code == 401
    assert api().post(reports_url(client_a), {}, format="json").status_code == 401


# --- Job-search reports ----------------------------------------------------------------------


def test_a_months_report_is_recorded_then_corrected_not_duplicated(api, adviser, client_a):
    month = _month(1)
    c = api(adviser, token=True)
    first = c.post(
        reports_url(client_a), {"month": month.strftime("%Y-%m"), "applications": 2}, format="json"
    )
    assert first.status_code == 201, first.json()
    assert (first.json()["month"], first.json()["applications"]) == (month.isoformat(), 2)
    assert first.json()["recorded_by"] == adviser.pk
    # Any day of the month names the month; the second report replaces the first.
    again = c.post(
        reports_url(client_a),
        {"month": (month + dt.timedelta(days=9)).isoformat(), "applications": 5},
        format="json",
    )
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert list(JobSearchReport.objects.values_list("month", "applications")) == [(month, 5)]


def test_one_report_per_client_and_month_in_the_database(client_a, adviser):
    JobSearchReport.objects.create(
        client=client_a, month=_month(), applications=1, recorded_by=adviser
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        JobSearchReport.objects.create(
            client=client_a, month=_month(), applications=3, recorded_by=adviser
        )


def test_reports_are_listed_newest_month_first_with_the_obligation_followed(
    api, adviser, lead, client_a, team_a
):
    for months_back, applications in ((2, 4), (0, 1), (1, 3)):
        job_search_report_record(
            client=client_a,
            month=_month(months_back),
            applications=applications,
            recorded_by=adviser,
        )
    job_search_report_record(
        client=make_client(team_a), month=_month(), applications=9, recorded_by=adviser
    )
    body = api(lead).get(reports_url(client_a)).json()
    assert [(r["month"], r["applications"]) for r in body["results"]] == [
        (_month(0).isoformat(), 1),
        (_month(1).isoformat(), 3),
        (_month(2).isoformat(), 4),
    ]
    assert (_last_log().action, _last_log().client_ids) == (AccessAction.API_LIST, [client_a.pk])
    since = api(lead).get(reports_url(client_a), {"month_after": _month(1).isoformat()}).json()
    assert since["count"] == 2


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"applications": 2}, "month"),
        ({"month": "2026-13", "applications": 2}, "month"),
        ({"month": "NEXT", "applications": 2}, "month"),  # a month that has not begun
        ({"month": "THIS"}, "applications"),
        ({"month": "THIS", "applications": -1}, "applications"),
        ({"month": "THIS", "applications": 201}, "applications"),
        ({"month": "THIS", "applications": "many"}, "applications"),
    ],
)
def test_a_bad_report_is_a_400_with_the_fields_error(api, adviser, client_a, payload, field):
    next_month = rules.month_start(_month() + dt.timedelta(days=40))
    months = {"THIS": _month().strftime("%Y-%m"), "NEXT": next_month.strftime("%Y-%m")}
    payload = {key: months.get(value, value) for key, value in payload.items()}
    response = api(adviser).post(reports_url(client_a), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert not JobSearchReport.objects.exists()


def test_another_teams_clients_reports_are_not_found(api, outsider, adviser, client_a, team_b):
    report = job_search_report_record(
        client=client_a, month=_month(), applications=2, recorded_by=adviser
    )
    before = AccessLog.objects.count()
    c = api(outsider)
    assert c.get(reports_url(client_a)).status_code == 404
    assert c.get(f"{reports_url(client_a)}{report.pk}/").status_code == 404
    response = c.post(reports_url(client_a), {"month": "2026-01", "applications": 0})
    assert response.status_code == 404
    assert c.get(f"{reports_url(make_client(team_b))}{report.pk}/").status_code == 404
    assert list(JobSearchReport.objects.values_list("applications", flat=True)) == [2]
    assert AccessLog.objects.count() == before


# --- Query counts ----------------------------------------------------------------------------


def _count(c, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["attempts", "reports"])
def test_the_lists_query_count_does_not_grow_with_rows(api, adviser, teammate, client_a, kind):
    url = attempts_url(client_a) if kind == "attempts" else reports_url(client_a)
    advisers = [adviser, teammate]

    def add(first: int, n: int) -> None:
        for i in range(first, first + n):
            if kind == "attempts":
                _attempt(client_a, advisers[i % 2], 1 + i)
            else:
                job_search_report_record(
                    client=client_a, month=_month(i), applications=i, recorded_by=advisers[i % 2]
                )

    add(0, 1)
    one = _count(api(adviser, token=True), url)
    add(1, 8)
    many = _count(api(adviser, token=True), url)
    assert one == many <= 8
