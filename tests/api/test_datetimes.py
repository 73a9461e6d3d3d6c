"""Date-times the API reads and writes: impossible offsets and years answer 400 with the
field (they were 500s), and an old time comes back with a valid RFC 3339 offset."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from interviews.models import Interview

pytestmark = pytest.mark.django_db

IMPOSSIBLE = [
    "2026-01-01T00:00:00+23:00",  # PostgreSQL refuses offsets beyond ±15:59
    "2026-01-01T00:00:00-16:30",
    "2026-01-01T00:00:00+14:01",  # no zone on Earth
    "0001-01-01T00:00:00+05:00",  # overflows when converted to Helsinki time
    "0001-01-01T00:00:00",
    "1900-06-01T12:00:00+02:00",
    "9999-12-31T23:59:59-10:00",
]


@pytest.mark.parametrize("value", IMPOSSIBLE)
@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/interviews/", "held_at"),
        ("/api/v1/appointments/", "starts_at"),
        ("CONTACTS", "attempted_at"),
    ],
)
@pytest.mark.parametrize("end", ["after", "before"])
def test_a_filter_with_an_impossible_date_time_answers_400_with_its_name(
    api, world, adviser, value, url, name, end
):
    if url == "CONTACTS":
        url = f"/api/v1/clients/{world.client.pk}/contact-attempts/"
    response = api(adviser, token=True).get(url, {f"{name}_{end}": value})
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_a_filter_with_a_real_offset_still_filters(api, world, adviser):
    held = world.interview.held_at
    after = (held - dt.timedelta(minutes=1)).astimezone(dt.timezone(dt.timedelta(hours=-11)))
    response = api(adviser, token=True).get(
        "/api/v1/interviews/", {"held_at_after": after.isoformat()}
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world.interview.pk]


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_logging_an_interview_at_an_impossible_time_answers_400_with_the_field(
    api, world, adviser, value
):
    response = api(adviser, token=True).post(
        "/api/v1/interviews/",
        {"client": world.client.pk, "held_at": value, "channel": "phone", "outcome": "held"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["held_at"]


@pytest.mark.parametrize("value", IMPOSSIBLE[:4])
def test_booking_and_contact_attempts_at_impossible_times_answer_400_with_the_field(
    api, world, adviser, value
):
    caller = api(adviser, token=True)
    booking = caller.post(
        "/api/v1/appointments/",
        {"client": world.client.pk, "starts_at": value, "channel": "phone"},
        format="json",
    )
    attempt = caller.post(
        f"/api/v1/clients/{world.client.pk}/contact-attempts/",
        {"attempted_at": value, "channel": "phone", "result": "reached"},
        format="json",
    )
    assert (booking.status_code, attempt.status_code) == (400, 400)
    assert "starts_at" in booking.json() and "attempted_at" in attempt.json()


def test_a_time_before_1921_comes_back_with_a_valid_offset(api, world, adviser):
    """Helsinki's offset before 1921 is local mean time, +01:39:49: not an RFC 3339 offset."""
    old = dt.datetime(1919, 5, 1, 10, 0, tzinfo=dt.UTC)
    Interview.objects.filter(pk=world.interview.pk).update(held_at=old)
    body = api(adviser, token=True).get(f"/api/v1/interviews/{world.interview.pk}/").json()
    assert body["held_at"] == "1919-05-01T10:00:00Z"
    recent = api(adviser, token=True).get(f"/api/v1/appointments/{world.appointment.pk}/").json()
    assert re.search(r"\+0[23]:00$", recent["starts_at"])  # Helsinki time as before
    assert dt.datetime.fromisoformat(recent["starts_at"]) == world.appointment.starts_at
    assert timezone.is_aware(dt.datetime.fromisoformat(body["held_at"]))
