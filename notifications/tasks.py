"""Celery tasks that send client notifications, and the calls that write and enqueue them.

The tasks keep their registered names from when they lived in `interviews.tasks`: messages
already queued under those names, and the beat schedule, still find them.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from interviews.models import Appointment
from teoffice.tasking import enqueue

from .services import (
    SendFailed,
    appointment_change_notify,
    notification_send,
    notifications_deliver_due,
    notifications_prepare,
    reminders_prepare,
)

NOTIFY_MAX_RETRIES = 5


def appointment_confirm(appointment_id: int) -> None:
    """Call after booking an appointment (inside its transaction): the confirmation rows are
    written now and sent from a Celery task once the transaction commits."""
    appointment_change_tell(appointment_id=appointment_id, change="booked")


def appointment_change_tell(
    *, appointment_id: int, change: str, previous_starts_at: dt.datetime | None = None
) -> int:
    """Write the client's message about a booking, move or cancellation in the current
    transaction (the outbox) and enqueue its sending after commit: the fast path. If the broker
    is down the periodic `notifications_deliver` sends it instead."""
    return _deliveries_enqueue(
        appointment_change_notify(
            appointment_id=appointment_id, change=change, previous_starts_at=previous_starts_at
        )
    )


def reminders_queue(*, today: dt.date | None = None) -> int:
    """The daily run: prepare reminders for tomorrow's booked appointments (set-based) and
    enqueue one send task per row that still needs sending. Returns how many were enqueued."""
    return _deliveries_enqueue(reminders_prepare(today=today))


def _deliveries_enqueue(notification_ids: list[int]) -> int:
    for notification_id in notification_ids:
        enqueue(notification_deliver, notification_id)
    return len(notification_ids)


@shared_task(name="interviews.tasks.appointment_notify", acks_late=True)
def appointment_notify(appointment_id: int, kind: str) -> int:
    """Prepare one appointment's notifications of `kind` and enqueue their sending."""
    ids = notifications_prepare(
        appointments=Appointment.objects.filter(pk=appointment_id), kind=kind
    )
    return _deliveries_enqueue(ids)


@shared_task(
    bind=True,
    name="interviews.tasks.notification_deliver",
    acks_late=True,
    autoretry_for=(SendFailed,),
    max_retries=NOTIFY_MAX_RETRIES,
    retry_backoff=30,
    retry_backoff_max=60 * 30,
    retry_jitter=True,
)
def notification_deliver(self, notification_id: int) -> str:
    """Send one notification; a SendFailed is retried by Celery with backoff. The last attempt
    records the failure on the row instead of raising."""
    final = self.request.retries >= self.max_retries
    if self.request.is_eager and self.app.conf.task_eager_propagates:
        # Eager mode (the embedded demo, no broker) would propagate the retry into the web
        # request that booked the appointment: record the failure on the row instead.
        final = True
    return notification_send(notification_id=notification_id, final_attempt=final)


@shared_task(name="interviews.tasks.appointment_reminders_send", acks_late=True)
def appointment_reminders_send() -> int:
    """The daily beat job: reminders for tomorrow's booked appointments."""
    return reminders_queue()


@shared_task(name="notifications.tasks.notifications_deliver", acks_late=True)
def notifications_deliver() -> dict[str, int]:
    """The beat job (every minute): send every message still due, whatever became of its
    fast-path task (a broker outage, a lost worker)."""
    return notifications_deliver_due()
