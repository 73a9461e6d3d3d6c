"""Celery tasks: thin shells over services."""

from __future__ import annotations

from celery import shared_task

from .services import due_states_refresh


@shared_task(name="interviews.tasks.flag_due", acks_late=True)
def flag_due(full: bool = False) -> dict:
    run = due_states_refresh(full=full)
    return {"run": run.pk, "changed": run.changed, "skipped": run.skipped, "ms": run.duration_ms}


# --- Appointment confirmations and reminders (interviews/notifications.py) ----------------

from .notifications import SendFailed  # noqa: E402  (appended block; see notifications.py)

NOTIFY_MAX_RETRIES = 5


@shared_task(name="interviews.tasks.appointment_notify", acks_late=True)
def appointment_notify(appointment_id: int, kind: str) -> int:
    """Prepare one appointment's notifications of `kind` and enqueue their sending."""
    from teoffice.tasking import enqueue

    from .models import Appointment
    from .notifications import notifications_prepare

    ids = notifications_prepare(
        appointments=Appointment.objects.filter(pk=appointment_id), kind=kind
    )
    for notification_id in ids:
        enqueue(notification_deliver, notification_id)
    return len(ids)


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
    from .notifications import notification_send

    final = self.request.retries >= self.max_retries
    if self.request.is_eager and self.app.conf.task_eager_propagates:
        # Eager mode (the embedded demo, no broker) would propagate the retry into the web
        # request that booked the appointment: record the failure on the row instead.
        final = True
    return notification_send(notification_id=notification_id, final_attempt=final)


@shared_task(name="interviews.tasks.appointment_reminders_send", acks_late=True)
def appointment_reminders_send() -> int:
    """The daily beat job: reminders for tomorrow's booked appointments."""
    from .notifications import reminders_queue

    return reminders_queue()


@shared_task(name="interviews.tasks.coverage_snapshots", acks_late=True)
def coverage_snapshots() -> dict:
    """Keep the coverage figures of the last 13 closed month ends (missing or stale ones)."""
    from reports.services import coverage_snapshots_refresh

    built = coverage_snapshots_refresh()
    return {"built": [day.isoformat() for day in built]}
