"""Messages to clients about their appointments, by e-mail and SMS: the writes.

The `Notification` table is an outbox. How a message goes out:
1. In the transaction of the change (a booking, a move, a cancellation) or of the daily
   reminder run, `notifications_prepare` writes one row per appointment, kind, channel and
   revision (the appointment's move count), with the text as it will be sent, set-based and with
   ON CONFLICT DO NOTHING: preparing twice makes nothing new. A client with no e-mail and no
   phone gets one skipped row with a note, which the adviser sees. A move or a cancellation
   skips the appointment's older messages not yet sent (their time is no longer true).
2. After commit a Celery task per row is enqueued (the fast path, `notifications.tasks`); if the
   broker is down that is lost, and nothing else is: the periodic `notifications_deliver_due`
   sends every row still pending.
3. `notification_send` first claims the row (pending, failed and due, or abandoned while
   "sending" longer than `SENDING_LEASE`) in one conditional UPDATE. Only the claimer sends, so
   a retry, a double enqueue or an overlapping periodic run never sends the same message twice.
4. A failure marks the row failed with the time of its next attempt (backoff) and raises
   `SendFailed`; the `MAX_ATTEMPTS`th failure marks it "gave up" instead (visible to the
   adviser).

A sender that dies after the gateway accepted a message but before recording it leaves the row
"sending"; after `SENDING_LEASE` it is sent again (at least once: the window is the few
milliseconds between the gateway's answer and the UPDATE).

Nothing here enqueues: the tasks module does, so that the tasks can call these functions
without an import cycle.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from django.core.mail import EmailMessage
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from interviews.choices import AppointmentStatus
from interviews.models import Appointment

from .choices import NotificationChannel, NotificationKind, NotificationStatus
from .messages import compose, message_language
from .models import Notification
from .sms import SmsError, sms_gateway


class SendFailed(Exception):
    """Sending failed in a way worth retrying."""


def tomorrow_bounds(today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


MAX_ATTEMPTS = 6
SENDING_LEASE = dt.timedelta(minutes=15)
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(minutes=30)
DELIVER_BATCH = 200


def backoff(attempts: int) -> dt.timedelta:
    """The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min … at most 30 min."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def reminders_prepare(*, today: dt.date | None = None) -> list[int]:
    """Prepare reminders for tomorrow's booked appointments (set-based) and return the ids of
    the rows that still need sending."""
    start, end = tomorrow_bounds(today)
    appointments = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, starts_at__gte=start, starts_at__lt=end
    )
    return notifications_prepare(appointments=appointments, kind=NotificationKind.REMINDER)


def _revisions() -> Coalesce:
    """The appointment's current revision: how many times it was moved (its latest message)."""
    latest = (
        Notification.objects.filter(appointment=OuterRef("pk"))
        .order_by("-revision")
        .values("revision")[:1]
    )
    return Coalesce(Subquery(latest), Value(0))


def notifications_prepare(
    *,
    appointments: QuerySet[Appointment],
    kind: str,
    previous_starts_at: dt.datetime | None = None,
) -> list[int]:
    """Write the message rows of `kind` for these appointments, with their texts, and return
    the ids of the rows still waiting to be sent. Three queries, whatever the count.

    A confirmation, reminder or new time is for booked appointments only, a cancellation for
    cancelled ones still to come. A new time is the appointment's next revision; the others
    belong to its current one (so a moved appointment is reminded of again)."""
    now = timezone.now()
    if kind == NotificationKind.CANCELLED:
        appointments = appointments.filter(status=AppointmentStatus.CANCELLED, starts_at__gt=now)
    else:
        appointments = appointments.filter(status=AppointmentStatus.BOOKED)
    rows = appointments.select_related("client", "adviser").annotate(current=_revisions())
    new: list[Notification] = []
    appointment_ids: list[int] = []
    for appointment in rows:
        appointment_ids.append(appointment.pk)
        client = appointment.client
        language = message_language(client.language)
        revision = appointment.current + (1 if kind == NotificationKind.MOVED else 0)
        message = compose(
            appointment=appointment,
            kind=kind,
            language=language,
            previous_starts_at=previous_starts_at,
        )
        contacts = [
            (NotificationChannel.EMAIL, client.email, message.body),
            (NotificationChannel.SMS, client.phone, message.sms),
        ]
        reachable = [(channel, to, text) for channel, to, text in contacts if to]
        common = {
            "appointment_id": appointment.pk,
            "kind": kind,
            "language": language,
            "revision": revision,
            "appointment_at": appointment.starts_at,
            "next_attempt_at": now,
        }
        for channel, to, text in reachable:
            subject = message.subject if channel == NotificationChannel.EMAIL else ""
            new.append(
                Notification(channel=channel, recipient=to, subject=subject, text=text, **common)
            )
        if not reachable:
            new.append(
                Notification(
                    channel=NotificationChannel.EMAIL,
                    status=NotificationStatus.SKIPPED,
                    note="The client has no e-mail address or phone number: not notified.",
                    **common,
                )
            )
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return list(
        Notification.objects.filter(appointment_id__in=appointment_ids, kind=kind)
        .claimable()
        .order_by("id")
        .values_list("id", flat=True)
    )


def appointment_change_notify(
    *, appointment_id: int, change: str, previous_starts_at: dt.datetime | None = None
) -> list[int]:
    """Write the client's message about a booking, move or cancellation, in the caller's
    transaction, and skip the appointment's older messages not yet sent. Returns the ids of
    the rows to send."""
    kind = {
        "booked": NotificationKind.CONFIRMATION,
        "moved": NotificationKind.MOVED,
        "cancelled": NotificationKind.CANCELLED,
    }[change]
    appointments = Appointment.objects.filter(pk=appointment_id)
    ids = notifications_prepare(
        appointments=appointments, kind=kind, previous_starts_at=previous_starts_at
    )
    if kind != NotificationKind.CONFIRMATION:
        Notification.objects.filter(appointment_id=appointment_id).claimable().exclude(
            pk__in=ids
        ).update(
            status=NotificationStatus.SKIPPED,
            note="Replaced by a later message about this appointment: not sent.",
            updated_at=timezone.now(),
        )
    return ids


def notification_send(*, notification_id: int, final_attempt: bool = False) -> str:
    """Send one notification if this call can claim it. Returns the row's resulting status,
    or "not-claimed" when someone else has it or it is already done."""
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .filter(
            Q(status__in=CLAIMABLE)
            | Q(status=NotificationStatus.SENDING, updated_at__lt=now - SENDING_LEASE)
        )
        .update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return "not-claimed"
    notification = Notification.objects.select_related(
        "appointment__client", "appointment__adviser"
    ).get(pk=notification_id)
    final_attempt = final_attempt or notification.attempts >= MAX_ATTEMPTS
    appointment = notification.appointment
    if _out_of_date(notification, appointment, now):
        return _finish(
            notification_id,
            NotificationStatus.SKIPPED,
            note="The appointment is no longer booked: not sent.",
        )
    subject, text = notification.subject, notification.text
    if not text:  # a row written before the texts were kept: written now
        message = compose(
            appointment=appointment, kind=notification.kind, language=notification.language
        )
        subject = message.subject
        text = message.body if notification.channel == NotificationChannel.EMAIL else message.sms
        Notification.objects.filter(pk=notification_id).update(
            subject=subject, text=text, appointment_at=appointment.starts_at
        )
    try:
        if notification.channel == NotificationChannel.EMAIL:
            EmailMessage(subject=subject, body=text, to=[notification.recipient]).send()
        else:
            sms_gateway().send(to=notification.recipient, text=text)
    except (smtplib.SMTPException, OSError, SmsError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if final_attempt:
            return _finish(notification_id, NotificationStatus.GAVE_UP, last_error=error)
        _finish(
            notification_id,
            NotificationStatus.FAILED,
            last_error=error,
            next_attempt_at=timezone.now() + backoff(notification.attempts),
        )
        raise SendFailed(error) from exc
    return _finish(notification_id, NotificationStatus.SENT, sent_at=timezone.now(), last_error="")


CLAIMABLE = [NotificationStatus.PENDING, NotificationStatus.FAILED]


def _out_of_date(notification: Notification, appointment: Appointment, now: dt.datetime) -> bool:
    """A message whose appointment changed since (cancelled, or its time passed) is not sent."""
    if appointment.starts_at <= now:
        return True
    if notification.kind == NotificationKind.CANCELLED:
        return appointment.status != AppointmentStatus.CANCELLED
    return appointment.status != AppointmentStatus.BOOKED


def notifications_deliver_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic sender: send every row that is due (pending, failed and due for another
    attempt, or abandoned by a dead sender), oldest first, at most DELIVER_BATCH a run. Each
    row is claimed before it is sent, so this may overlap with the fast path and itself."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.deliverable(now, SENDING_LEASE)
        .order_by("id")
        .values_list("id", flat=True)[:DELIVER_BATCH]
    )
    counts: dict[str, int] = {}
    for notification_id in ids:
        try:
            status = notification_send(notification_id=notification_id)
        except SendFailed:
            status = NotificationStatus.FAILED
        counts[status] = counts.get(status, 0) + 1
    return counts


def _finish(notification_id: int, status: str, **fields) -> str:
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
        status=status, updated_at=timezone.now(), **fields
    )
    return status
