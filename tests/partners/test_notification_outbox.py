"""The notification outbox: a message is written with the change it tells of, so a broker
outage delays it and loses nothing; the periodic sender sends each one exactly once."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from interviews import rules
from interviews.choices import Channel
from interviews.services import appointment_book, appointment_cancel, appointment_move
from notifications.models import Notification
from notifications.services import (
    SENDING_LEASE,
    backoff,
    notifications_deliver_due,
    notifications_prepare,
    reminders_prepare,
)
from notifications.tasks import notifications_deliver
from teoffice.celery import app
from tests.conftest import make_client

from .conftest import free_port, make_appointment

pytestmark = pytest.mark.django_db


def _working_day_at(days: int, hour: int) -> dt.datetime:
    day = rules.next_working_day(timezone.localdate() + dt.timedelta(days=days))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _reset_broker_pools() -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """The app's broker is a closed port: every enqueue fails, as with Redis stopped."""
    before = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    app.conf.task_always_eager = False
    _reset_broker_pools()

    def back() -> None:
        app.conf.broker_url, app.conf.task_always_eager = before
        _reset_broker_pools()

    yield back
    back()


def test_three_bookings_during_a_broker_outage_are_each_sent_once_when_it_is_back(
    client, adviser, team_a, smtp, sms, broker_down, caplog, django_capture_on_commit_callbacks
):
    people = [
        make_client(
            team_a, first_name=f"Asiakas{i}", email=f"c{i}@example.fi", phone=f"+35840000000{i}"
        )
        for i in range(3)
    ]
    client.force_login(adviser)
    caplog.set_level(logging.WARNING, logger="teoffice.tasking")
    for i, person in enumerate(people):
        starts_at = _working_day_at(7, 9 + i)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("interviews:appointment_book", args=[person.pk]),
                {
                    "starts_at": timezone.localtime(starts_at).strftime("%Y-%m-%dT%H:%M"),
                    "duration_minutes": "30",
                    "channel": Channel.FACE_TO_FACE,
                    "place": "Hämeenkatu 1",
                    "video_link": "",
                    "adviser": str(adviser.pk),
                },
            )
        assert response.status_code == 302  # the booking is not refused for the outage
        assert response.url == reverse("clients:detail", args=[person.pk])

    assert caplog.text.count("broker unavailable") == 6  # each fast-path send was lost
    rows = Notification.objects.order_by("id")
    assert [(r.kind, r.status) for r in rows] == [("confirmation", "pending")] * 6
    assert all(r.text and r.appointment_at for r in rows)
    assert smtp.messages == [] and sms.outbox == []

    broker_down()  # the broker is back; beat runs the periodic sender
    assert notifications_deliver.apply().get() == {"sent": 6}
    assert notifications_deliver.apply().get() == {}  # a second run finds nothing to send

    assert sorted(m["To"] for m in smtp.messages) == [p.email for p in people]
    assert sorted(m.to for m in sms.outbox) == sorted(p.phone for p in people)
    assert {(r.status, r.attempts) for r in Notification.objects.all()} == {("sent", 1)}


def test_the_periodic_sender_backs_off_and_gives_up_after_the_last_attempt(smtp, team_a, adviser):
    smtp.refuse_next = 100
    appointment = make_appointment(make_client(team_a, email="down@example.fi", phone=""), adviser)
    [row_id] = notifications_prepare(
        appointments=type(appointment).objects.filter(pk=appointment.pk), kind="confirmation"
    )
    now = timezone.now()
    assert notifications_deliver_due(now=now) == {"failed": 1}
    row = Notification.objects.get(pk=row_id)
    assert row.next_attempt_at >= now + backoff(1) - dt.timedelta(seconds=1)
    assert notifications_deliver_due(now=now) == {}  # not yet due again
    for _attempt in range(4):
        now += dt.timedelta(hours=1)
        assert notifications_deliver_due(now=now) == {"failed": 1}
    now += dt.timedelta(hours=1)
    assert notifications_deliver_due(now=now) == {"gave_up": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("gave_up", 6)
    assert notifications_deliver_due(now=now + dt.timedelta(days=1)) == {}
    assert smtp.messages == []


def test_a_sender_that_died_mid_send_is_taken_over_after_the_lease(smtp, team_a, adviser):
    appointment = make_appointment(make_client(team_a, email="lease@example.fi", phone=""), adviser)
    [row_id] = notifications_prepare(
        appointments=type(appointment).objects.filter(pk=appointment.pk), kind="confirmation"
    )
    Notification.objects.filter(pk=row_id).update(status="sending", attempts=1)
    assert notifications_deliver_due() == {}  # still someone else's
    later = timezone.now() + SENDING_LEASE + dt.timedelta(minutes=1)
    Notification.objects.filter(pk=row_id).update(updated_at=timezone.now() - SENDING_LEASE)
    assert notifications_deliver_due(now=later) == {"sent": 1}
    assert [m["To"] for m in smtp.messages] == ["lease@example.fi"]


def test_moving_then_cancelling_writes_each_message_in_the_same_transaction(team_a, adviser):
    person = make_client(team_a, email="m@example.fi", phone="", language="sv")
    booked = appointment_book(
        client=person,
        adviser=adviser,
        booked_by=adviser,
        starts_at=_working_day_at(7, 10),
        channel=Channel.PHONE,
    )
    appointment_move(
        appointment=booked,
        starts_at=_working_day_at(9, 14),
        channel=Channel.PHONE,
        duration_minutes=45,
        moved_by=adviser,
    )
    appointment_cancel(appointment=booked, cancelled_by=adviser, reason="Sjuk")
    rows = list(Notification.objects.filter(appointment=booked).order_by("id"))
    assert [(r.kind, r.revision, r.status) for r in rows] == [
        ("confirmation", 0, "skipped"),  # never sent: replaced by the later messages
        ("moved", 1, "skipped"),
        ("cancelled", 1, "pending"),
    ]
    assert rows[1].subject.startswith("Din tid hos sysselsättningstjänsterna har flyttats")
    assert "14.00" in rows[1].text and "Tidigare tid:" in rows[1].text
    assert rows[2].subject.endswith("har avbokats")
    assert rows[2].appointment_at == _working_day_at(9, 14)


def test_a_moved_appointment_is_reminded_of_again_at_its_new_time(team_a, adviser):
    person = make_client(team_a, email="r@example.fi", phone="")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    at_nine = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9)))
    booked = make_appointment(person, adviser, starts_at=at_nine)
    [first] = reminders_prepare()
    Notification.objects.filter(pk=first).update(status="sent", sent_at=timezone.now())
    appointment_move(
        appointment=booked,
        starts_at=at_nine + dt.timedelta(hours=5),
        channel=Channel.PHONE,
        duration_minutes=30,
        moved_by=adviser,
    )
    [second] = reminders_prepare()
    assert reminders_prepare() == [second]  # once per revision, however often it runs
    reminder = Notification.objects.get(pk=second)
    assert (reminder.kind, reminder.revision) == ("reminder", 1)
    assert "14.00" in reminder.text
