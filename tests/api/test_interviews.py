from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from interviews.choices import AppointmentStatus, DueState, Outcome
from interviews.models import Appointment, Interview

pytestmark = pytest.mark.django_db

INTERVIEWS = "/api/v1/interviews/"
APPOINTMENTS = "/api/v1/appointments/"


def _state():
    return (
        Interview.objects.count(),
        sorted(Appointment.objects.values_list("id", "status", "starts_at", "channel")),
    )


def test_logging_a_held_interview_resets_the_cycle(api, adviser, client_a):
    assert client_a.due_state == DueState.OVERDUE
    held_at = timezone.now() - dt.timedelta(hours=2)
    response = api(adviser, token=True).post(
        INTERVIEWS,
        {
            "client": client_a.pk,
            "held_at": held_at.isoformat(),
            "channel": "face_to_face",
            "outcome": "held",
            "duration_minutes": 40,
            "notes": "Agreed to apply for two jobs.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["channel_display"] == "Face to face"
    assert body["outcome_display"] == "Held"
    assert body["adviser"] == adviser.pk
    client_a.refresh_from_db()
    assert client_a.last_held_on == timezone.localdate(held_at)
    assert client_a.due_state == DueState.OK


def test_the_same_submission_key_makes_one_interview(api, adviser, client_a):
    payload = {
        "client": client_a.pk,
        "held_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "channel": "phone",
        "outcome": "held",
        "submission_key": str(uuid.uuid4()),
    }
    c = api(adviser)
    first = c.post(INTERVIEWS, payload, format="json")
    second = c.post(INTERVIEWS, payload, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Interview.objects.count() == 1


def test_interviews_filter_by_client_channel_and_time(api, adviser, world):
    other = api(adviser).post(
        INTERVIEWS,
        {
            "client": world.client_without_plan.pk,
            "held_at": (timezone.now() - dt.timedelta(days=40)).isoformat(),
            "channel": "video",
            "outcome": "no_show",
        },
        format="json",
    )
    assert other.status_code == 201
    c = api(adviser)

    def ids(**params):
        return [row["id"] for row in c.get(INTERVIEWS, params).json()["results"]]

    assert ids(client=world.client.pk) == [world.interview.pk]
    assert ids(channel="video") == [other.json()["id"]]
    assert ids(outcome=["held", "no_show"]) == [world.interview.pk, other.json()["id"]]
    since = (timezone.now() - dt.timedelta(days=10)).isoformat()
    assert ids(held_at_after=since) == [world.interview.pk]
    assert c.get(INTERVIEWS, {"held_at_after": "not a time"}).status_code == 400


@pytest.mark.parametrize(
    "change,field",
    [
        ({"held_at": "2999-01-01T10:00:00Z"}, "held_at"),  # future interview
        ({"held_at": "yesterday"}, "held_at"),
        ({"held_at": 12}, "held_at"),
        ({"channel": "telepathy"}, "channel"),
        ({"outcome": "maybe"}, "outcome"),
        ({"kind": ["periodic"]}, "kind"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"client": 999_999}, "client"),
        ({"client": "me"}, "client"),
        ({"client": 2**64}, "client"),
        ({"appointment": 999_999}, "appointment"),
        ({"submission_key": "not-a-uuid"}, "submission_key"),
    ],
)
def test_invalid_interview_answers_400_and_changes_nothing(api, adviser, client_a, change, field):
    payload = {
        "client": client_a.pk,
        "held_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "channel": "phone",
        "outcome": "held",
        **change,
    }
    before = _state()
    response = api(adviser).post(INTERVIEWS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert _state() == before
    client_a.refresh_from_db()
    assert client_a.last_held_on is None


def _log_at_appointment(caller, client, appointment, *, ago=dt.timedelta(minutes=5)):
    """POST a held phone interview of `client` at `appointment`, `ago` before now."""
    return caller.post(
        INTERVIEWS,
        {
            "client": client.pk,
            "held_at": (timezone.now() - ago).isoformat(),
            "channel": "phone",
            "outcome": "held",
            "appointment": appointment.pk,
        },
        format="json",
    )


def test_interview_at_another_clients_appointment_is_refused(api, adviser, world):
    response = _log_at_appointment(
        api(adviser), world.client_without_plan, world.appointment, ago=dt.timedelta(hours=1)
    )
    assert response.status_code == 400
    assert "appointment" in response.json()


def test_interview_at_an_appointment_marks_it_held(api, adviser, world):
    response = _log_at_appointment(api(adviser), world.client, world.appointment)
    assert response.status_code == 201
    world.appointment.refresh_from_db()
    assert world.appointment.status == AppointmentStatus.HELD


def test_interview_at_an_appointment_with_an_outcome_is_refused(api, adviser, world):
    world.appointment.status = AppointmentStatus.CANCELLED
    world.appointment.save(update_fields=["status"])
    response = _log_at_appointment(api(adviser), world.client, world.appointment)
    assert response.status_code == 400
    assert response.json() == {"appointment": ["Only a booked appointment can be recorded."]}
    assert not Interview.objects.filter(appointment=world.appointment).exists()


def test_book_move_and_cancel_an_appointment(api, adviser, teammate, client_a):
    c = api(adviser)
    starts = timezone.now() + dt.timedelta(days=2)
    booked = c.post(
        APPOINTMENTS,
        {
            "client": client_a.pk,
            "adviser": teammate.pk,
            "starts_at": starts.isoformat(),
            "channel": "video",
            "video_link": "https://meet.example.com/abc",
        },
        format="json",
    )
    assert booked.status_code == 201, booked.json()
    body = booked.json()
    assert (body["adviser"], body["booked_by"], body["status"]) == (
        teammate.pk,
        adviser.pk,
        "booked",
    )
    url = f"{APPOINTMENTS}{body['id']}/"
    moved = c.patch(url, {"duration_minutes": 60, "channel": "phone"}, format="json")
    assert moved.status_code == 200
    assert (moved.json()["duration_minutes"], moved.json()["channel"]) == (60, "phone")
    assert moved.json()["starts_at"] == body["starts_at"]  # untouched by a partial update
    cancelled = c.post(f"{url}cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert c.post(f"{url}cancel/").status_code == 200  # idempotent
    # A cancelled appointment cannot be moved or marked a no-show.
    assert c.patch(url, {"duration_minutes": 30}, format="json").status_code == 400
    assert c.post(f"{url}no-show/").status_code == 400


def test_no_show_records_an_interview_that_does_not_reset_the_cycle(api, adviser, world):
    response = api(adviser).post(f"{APPOINTMENTS}{world.appointment.pk}/no-show/")
    assert response.status_code == 201
    assert response.json()["outcome"] == Outcome.NO_SHOW
    world.appointment.refresh_from_db()
    assert world.appointment.status == AppointmentStatus.NO_SHOW
    last_held = world.client.last_held_on
    world.client.refresh_from_db()
    assert world.client.last_held_on == last_held


@pytest.mark.parametrize(
    "change,field",
    [
        ({"starts_at": "2000-01-01T10:00:00Z"}, "starts_at"),  # in the past
        ({"starts_at": "soon"}, "starts_at"),
        ({"channel": "letter"}, "channel"),
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"place": "x" * 201}, "place"),
        ({"video_link": "not a url"}, "video_link"),
        ({"client": 999_999}, "client"),
        ({"adviser": 999_999}, "adviser"),
    ],
)
def test_invalid_booking_answers_400_and_changes_nothing(api, adviser, client_a, change, field):
    payload = {
        "client": client_a.pk,
        "starts_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
        "channel": "phone",
        **change,
    }
    before = _state()
    response = api(adviser).post(APPOINTMENTS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert _state() == before


def test_booking_for_an_adviser_of_another_team_is_refused(api, adviser, world):
    response = api(adviser).post(
        APPOINTMENTS,
        {
            "client": world.client.pk,
            "adviser": world.client_b.responsible_adviser_id,
            "starts_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "channel": "phone",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "adviser" in response.json()


def test_moving_an_appointment_to_the_past_is_refused(api, adviser, world):
    before = _state()
    response = api(adviser).put(
        f"{APPOINTMENTS}{world.appointment.pk}/",
        {"starts_at": "2001-01-01T10:00:00Z", "channel": "phone"},
        format="json",
    )
    assert response.status_code == 400
    assert "starts_at" in response.json()
    assert _state() == before


def test_appointments_filter_by_status(api, adviser, world):
    c = api(adviser)
    assert c.get(APPOINTMENTS, {"status": "booked"}).json()["count"] == 1
    assert c.get(APPOINTMENTS, {"status": "cancelled"}).json()["count"] == 0
    assert c.get(APPOINTMENTS, {"status": "lost"}).status_code == 400
