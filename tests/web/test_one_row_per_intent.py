"""One row per intent: booking (tests/interviews/test_double_booking.py), contact attempt,
referral and status change under a double click and concurrent POSTs, with the interview
form's submission key (teoffice.idempotency); back-and-resubmit of an interview on the same
day asks first. And dates that make sense: nothing before the client registered."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import StatusChange
from interviews.choices import Channel, Outcome
from interviews.models import ContactAttempt, Interview
from partners.models import Referral
from plans.models import JobSearchReport
from tests.conftest import make_client, make_interview
from tests.partners.conftest import make_consent

pytestmark = pytest.mark.django_db


def at_once(user, url: str, data: dict, n: int = 3) -> list[int]:
    """POST the same form from `n` threads released together (real connections)."""
    barrier = threading.Barrier(n)
    codes: list[int] = []

    def run():
        try:
            c = HttpClient()
            c.force_login(user)
            barrier.wait()
            codes.append(c.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def attempt_data(**extra) -> dict:
    return {
        "attempted_at": local(timezone.now() - dt.timedelta(hours=1)),
        "channel": Channel.PHONE,
        "result": "no_answer",
        "notice_sent_at": "",
        "notes": "",
        "submission_key": str(uuid.uuid4()),
        **extra,
    }


# --- Contact attempts -------------------------------------------------------------------


def test_a_double_click_records_one_contact_attempt(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("interviews:contact_attempts", args=[client_a.pk])
    form = client.get(url).context["form"]
    assert form.initial["submission_key"]
    data = attempt_data()
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ContactAttempt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_record_one_contact_attempt(adviser, client_a):
    url = reverse("interviews:contact_attempts", args=[client_a.pk])
    assert at_once(adviser, url, attempt_data()) == [302, 302, 302]
    assert ContactAttempt.objects.count() == 1


def test_the_api_takes_a_key_for_contact_attempts(adviser, client_a):
    api = APIClient()
    api.force_login(adviser)
    body = {
        "attempted_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "channel": "phone",
        "result": "no_answer",
        "submission_key": str(uuid.uuid4()),
    }
    url = f"/api/v1/clients/{client_a.pk}/contact-attempts/"
    first = api.post(url, body, format="json")
    again = api.post(url, body, format="json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert ContactAttempt.objects.count() == 1


# --- Referrals ----------------------------------------------------------------------------


def referral_data(partner_org) -> dict:
    return {
        "service": str(partner_org.services.get().pk),
        "reason": "Coaching towards work",
        "shared_information": "Contact details",
        "submission_key": str(uuid.uuid4()),
    }


def test_a_double_click_sends_one_referral(client, adviser, client_a, partner_org):
    make_consent(client_a, partner_org, adviser)
    client.force_login(adviser)
    panel = client.get(reverse("partners:client_panel", args=[client_a.pk])).content.decode()
    assert 'type="hidden" name="submission_key"' in panel  # the form carries its key
    url = reverse("partners:referral_create", args=[client_a.pk])
    data = referral_data(partner_org)
    client.post(url, data)
    client.post(url, data)
    assert Referral.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_send_one_referral(adviser, client_a, partner_org):
    make_consent(client_a, partner_org, adviser)
    url = reverse("partners:referral_create", args=[client_a.pk])
    codes = at_once(adviser, url, referral_data(partner_org))
    assert len(codes) == 3 and all(code < 400 for code in codes)
    assert Referral.objects.count() == 1


# --- Status changes -----------------------------------------------------------------------


def status_data(**extra) -> dict:
    return {
        "status": "employed",
        "effective_on": timezone.localdate().isoformat(),
        "submission_key": str(uuid.uuid4()),
        **extra,
    }


def test_a_double_click_changes_the_status_once(client, adviser, client_a):
    client.force_login(adviser)
    page = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert 'type="hidden" name="submission_key"' in page
    url = reverse("clients:status_change", args=[client_a.pk])
    data = status_data()
    client.post(url, data)
    # Back, and the same form sent again with another status: the key was used.
    client.post(url, {**data, "status": "laid_off"})
    client_a.refresh_from_db()
    assert client_a.status == "employed"
    assert StatusChange.objects.filter(client=client_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_change_the_status_once(adviser, client_a):
    url = reverse("clients:status_change", args=[client_a.pk])
    assert at_once(adviser, url, status_data()) == [302, 302, 302]
    assert StatusChange.objects.filter(client=client_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_api_status_changes_without_a_key_make_one_row(adviser, client_a):
    barrier = threading.Barrier(3)
    codes: list[int] = []

    def run():
        try:
            api = APIClient()
            api.force_login(adviser)
            barrier.wait()
            codes.append(
                api.post(
                    f"/api/v1/clients/{client_a.pk}/status/", {"status": "employed"}, format="json"
                ).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200, 200, 200]
    assert StatusChange.objects.filter(client=client_a).count() == 1


# --- Interviews: back and resubmit on the same day ---------------------------------------


def interview_data(**extra) -> dict:
    return {
        "channel": Channel.PHONE,
        "outcome": Outcome.CANCELLED,
        "held_at": local(timezone.now().replace(second=0, microsecond=0)),
        "duration_minutes": "",
        "notes": "",
        "submission_key": str(uuid.uuid4()),
        "plan_based_on": "",
        "appointment": "",
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
        **extra,
    }


def test_a_second_interview_the_same_day_asks_first(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("interviews:log", args=[client_a.pk])
    assert client.post(url, interview_data()).status_code == 302
    # Back to the form (a fresh key) and save again: a question, not a second row.
    response = client.post(url, interview_data())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Log a second interview that day?" in html and 'name="second_today"' in html
    assert Interview.objects.count() == 1
    response = client.post(url, interview_data(second_today="on"))
    assert response.status_code == 302
    assert Interview.objects.count() == 2


def test_the_same_interview_form_twice_is_not_asked_but_saved_once(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("interviews:log", args=[client_a.pk])
    data = interview_data()
    client.post(url, data)
    assert client.post(url, data).status_code == 302
    assert Interview.objects.count() == 1


def test_an_interview_yesterday_does_not_ask(client, adviser, client_a):
    make_interview(client_a, adviser, held_on=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(adviser)
    assert (
        client.post(reverse("interviews:log", args=[client_a.pk]), interview_data()).status_code
        == 302
    )


# --- Dates that make sense ----------------------------------------------------------------


@pytest.fixture
def recent(team_a, adviser):
    """A client registered ten days ago."""
    return make_client(
        team_a,
        registered_on=timezone.localdate() - dt.timedelta(days=10),
        responsible_adviser=adviser,
    )


def test_an_interview_before_registration_is_refused_and_no_plan_is_made(client, adviser, recent):
    client.force_login(adviser)
    response = client.post(
        reverse("interviews:log", args=[recent.pk]),
        interview_data(outcome=Outcome.HELD, held_at="1976-12-02T10:00"),
    )
    assert "before the client registered" in response.content.decode()
    assert not Interview.objects.exists()
    assert not hasattr(recent, "plan") or not recent.plan.versions.exists()


def test_a_contact_attempt_before_registration_is_refused(client, adviser, recent):
    client.force_login(adviser)
    response = client.post(
        reverse("interviews:contact_attempts", args=[recent.pk]),
        attempt_data(attempted_at="1976-12-02T10:00"),
    )
    assert "before the client registered" in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_a_contact_attempt_in_the_future_is_refused(client, adviser, recent):
    client.force_login(adviser)
    response = client.post(
        reverse("interviews:contact_attempts", args=[recent.pk]),
        attempt_data(attempted_at=local(timezone.now() + dt.timedelta(days=2))),
    )
    assert "cannot be in the future" in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_a_job_search_report_before_registration_is_refused(client, adviser, recent):
    client.force_login(adviser)
    response = client.post(
        reverse("interviews:job_search", args=[recent.pk]),
        {"month": "1976-12", "applications": "4"},
    )
    assert "before the client registered" in response.content.decode()
    assert not JobSearchReport.objects.exists()


def test_the_api_refuses_dates_before_registration_with_the_field(adviser, recent):
    api = APIClient()
    api.force_login(adviser)
    response = api.post(
        "/api/v1/interviews/",
        {
            "client": recent.pk,
            "held_at": "1976-12-02T10:00:00+02:00",
            "channel": "phone",
            "outcome": "held",
        },
        format="json",
    )
    assert response.status_code == 400 and "held_at" in response.json()
    response = api.post(
        f"/api/v1/clients/{recent.pk}/contact-attempts/",
        {"attempted_at": "1976-12-02T10:00:00+02:00", "channel": "phone", "result": "reached"},
        format="json",
    )
    assert response.status_code == 400 and "attempted_at" in response.json()
    assert not Interview.objects.exists() and not ContactAttempt.objects.exists()
