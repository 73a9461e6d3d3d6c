"""Confirmations and reminders through a REAL local SMTP server (aiosmtpd on a free port)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interviews.choices import AppointmentStatus, Channel
from interviews.models import Appointment
from interviews.services import appointment_book
from notifications import messages, services, tasks
from notifications.choices import NotificationStatus
from notifications.models import Notification
from notifications.tasks import (
    NOTIFY_MAX_RETRIES,
    appointment_reminders_send,
    notification_deliver,
)
from tests.conftest import make_client

from .conftest import Inbox, make_appointment

__all__ = ["Inbox"]  # the worker test's import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def celery_retries_run_in_process():
    """Eager Celery with propagation re-raises a Retry; without it, Celery's own autoretry
    runs every retry in-process, which is what these tests exercise."""
    from teoffice.celery import app

    before = app.conf.task_eager_propagates, app.conf.task_always_eager
    app.conf.task_eager_propagates = False
    app.conf.task_always_eager = True  # in-process even when REDIS_URL is set
    yield
    app.conf.task_eager_propagates, app.conf.task_always_eager = before


def _tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_booking_confirmation_goes_by_email_and_sms_in_finnish_with_the_place(
    smtp, sms, team_a, adviser, django_capture_on_commit_callbacks
):
    person = make_client(
        team_a, first_name="Aino", email="aino@example.fi", phone="+358401112222", language="fi"
    )
    appointment = make_appointment(
        person, adviser, starts_at=timezone.make_aware(dt.datetime(2030, 12, 3, 10, 0))
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.appointment_confirm(appointment.pk)

    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "aino@example.fi"
    assert message["Subject"] == "Aikasi työllisyyspalveluihin ti 3.12.2030 klo 10.00"
    body = _body(message)
    assert body.startswith("Hei Aino,")
    assert "Paikka: Työllisyyspalvelut, Hämeenkatu 1, Tampere" in body
    assert "Asiantuntija: Alice Tester" in body
    assert [m.to for m in sms.outbox] == ["+358401112222"]
    assert sms.outbox[0].text.startswith("Työllisyyspalvelut: sinulle on varattu aika ti 3.12.2030")
    rows = Notification.objects.filter(appointment=appointment)
    assert {(n.channel, n.status, n.attempts) for n in rows} == {
        ("email", "sent", 1),
        ("sms", "sent", 1),
    }


def test_swedish_client_gets_swedish_text_with_the_video_link(smtp, team_a, adviser):
    person = make_client(team_a, first_name="Elsa", email="elsa@example.fi", language="sv")
    appointment = make_appointment(
        person,
        adviser,
        starts_at=timezone.make_aware(dt.datetime(2030, 12, 4, 13, 30)),
        channel=Channel.VIDEO,
        place="",
        video_link="https://video.example.fi/room/42",
    )
    notification_deliver.apply(
        args=[
            services.notifications_prepare(
                appointments=Appointment.objects.filter(pk=appointment.pk), kind="reminder"
            )[0]
        ]
    )
    message = smtp.messages[0]
    assert message["Subject"] == (
        "Påminnelse: din tid hos sysselsättningstjänsterna i morgon ons 4.12.2030 kl. 13.30"
    )
    body = _body(message)
    assert body.startswith("Hej Elsa,")
    assert "Videomöte: https://video.example.fi/room/42" in body


def test_english_text_for_a_client_with_another_language_and_a_phone_appointment():
    person_texts = messages.TEXTS[messages.message_language("other")]
    assert person_texts["greeting"] == "Hello {name},"


def test_reminder_run_sends_tomorrows_appointments_once_however_often_it_runs(
    smtp, sms, team_a, adviser, django_capture_on_commit_callbacks
):
    tomorrow = [
        make_appointment(
            make_client(team_a, email=f"c{i}@example.fi"), adviser, starts_at=_tomorrow_at(9 + i)
        )
        for i in range(3)
    ]
    make_appointment(  # the day after tomorrow: not yet
        make_client(team_a, email="later@example.fi"),
        adviser,
        starts_at=_tomorrow_at(10) + dt.timedelta(days=1),
    )
    cancelled = make_appointment(
        make_client(team_a, email="cancel@example.fi"), adviser, starts_at=_tomorrow_at(15)
    )
    Appointment.objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        appointment_reminders_send.apply()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reminders_send.apply()  # a second beat run the same day

    assert sorted(m["To"] for m in smtp.messages) == [
        "c0@example.fi",
        "c1@example.fi",
        "c2@example.fi",
    ]
    assert all(m["Subject"].startswith("Muistutus:") for m in smtp.messages)
    assert Notification.objects.filter(kind="reminder", status="sent").count() == 3
    assert {n.appointment_id for n in Notification.objects.all()} == {a.pk for a in tomorrow}


def test_failed_sending_is_retried_and_sent_exactly_once(smtp, team_a, adviser):
    smtp.refuse_next = 2
    appointment = make_appointment(make_client(team_a, email="retry@example.fi"), adviser)
    [notification_id] = services.notifications_prepare(
        appointments=Appointment.objects.filter(pk=appointment.pk), kind="confirmation"
    )
    result = notification_deliver.apply(args=[notification_id])

    assert result.get() == "sent"
    assert len(smtp.messages) == 1
    row = Notification.objects.get(pk=notification_id)
    assert (row.status, row.attempts) == ("sent", 3)
    # A late duplicate of the task (a retry delivered twice) finds nothing to claim.
    assert notification_deliver.apply(args=[notification_id]).get() == "not-claimed"
    assert len(smtp.messages) == 1


def test_a_failure_after_every_retry_is_shown_to_the_adviser(client, smtp, team_a, adviser):
    smtp.refuse_next = 100
    person = make_client(team_a, email="down@example.fi")
    appointment = make_appointment(person, adviser)
    [notification_id] = services.notifications_prepare(
        appointments=Appointment.objects.filter(pk=appointment.pk), kind="confirmation"
    )
    assert notification_deliver.apply(args=[notification_id]).get() == "gave_up"

    row = Notification.objects.get(pk=notification_id)
    assert row.attempts == NOTIFY_MAX_RETRIES + 1
    assert "451" in row.last_error
    assert smtp.messages == []
    client.force_login(adviser)
    panel = client.get(reverse("partners:client_panel", args=[person.pk])).content.decode()
    assert "Failed" in panel and "Temporary local problem" in panel


def test_sms_gateway_failures_are_retried_too(sms, team_a, adviser):
    sms.fail_next = 1
    appointment = make_appointment(make_client(team_a, phone="+358409998888"), adviser)
    [notification_id] = services.notifications_prepare(
        appointments=Appointment.objects.filter(pk=appointment.pk), kind="confirmation"
    )
    assert notification_deliver.apply(args=[notification_id]).get() == "sent"
    assert len(sms.outbox) == 1
    assert Notification.objects.get(pk=notification_id).attempts == 2


def test_a_client_with_no_contact_detail_is_skipped_with_a_note(client, smtp, team_a, adviser):
    person = make_client(team_a, email="", phone="")
    appointment = make_appointment(person, adviser)
    ids = services.notifications_prepare(
        appointments=Appointment.objects.filter(pk=appointment.pk), kind="confirmation"
    )
    assert ids == []
    row = Notification.objects.get(appointment=appointment)
    assert row.status == NotificationStatus.SKIPPED
    assert "no e-mail address or phone number" in row.note
    client.force_login(adviser)
    panel = client.get(reverse("partners:client_panel", args=[person.pk]))
    assert b"no e-mail address or phone number" in panel.content


def test_an_appointment_cancelled_before_sending_is_not_sent(smtp, team_a, adviser):
    appointment = make_appointment(make_client(team_a, email="x@example.fi"), adviser)
    [notification_id] = services.notifications_prepare(
        appointments=Appointment.objects.filter(pk=appointment.pk), kind="confirmation"
    )
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)
    assert notification_deliver.apply(args=[notification_id]).get() == "skipped"
    assert smtp.messages == []


def _prepare_queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        tasks.reminders_queue()
    return len(ctx)


def test_the_reminder_run_is_set_based(team_a, adviser):
    # The sends are enqueued on commit, which never comes inside this test's transaction:
    # what is counted is the run's own queries.
    make_appointment(make_client(team_a, email="a@example.fi"), adviser, starts_at=_tomorrow_at(9))
    Notification.objects.all().delete()
    one = _prepare_queries()
    Notification.objects.all().delete()
    for i in range(6):
        make_appointment(
            make_client(team_a, email=f"m{i}@example.fi"), adviser, starts_at=_tomorrow_at(10)
        )
    many = _prepare_queries()
    assert one == many == 3


def test_in_the_embedded_demo_a_failure_is_recorded_without_failing_the_booking(
    smtp, team_a, adviser, django_capture_on_commit_callbacks
):
    from teoffice.celery import app

    app.conf.task_eager_propagates = True  # as in the demo: eager Celery, errors propagate
    smtp.refuse_next = 1
    appointment = make_appointment(make_client(team_a, email="demo@example.fi"), adviser)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.appointment_confirm(appointment.pk)  # must not raise
    row = Notification.objects.get(appointment=appointment)
    assert (row.status, row.attempts) == ("gave_up", 1)


def test_booking_through_the_interview_service_sends_the_confirmation(
    smtp, team_a, adviser, django_capture_on_commit_callbacks
):
    person = make_client(team_a, first_name="Aino", email="booked@example.fi", phone="")
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_book(
            client=person,
            adviser=adviser,
            booked_by=adviser,
            starts_at=timezone.now() + dt.timedelta(days=2),
            channel=Channel.PHONE,
        )
    assert [m["To"] for m in smtp.messages] == ["booked@example.fi"]
    row = Notification.objects.get(appointment=appointment)
    assert (row.kind, row.channel, row.status) == ("confirmation", "email", "sent")
