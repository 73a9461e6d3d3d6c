"""Appointment confirmations and reminders to clients, by e-mail and SMS: the writes.

How a message goes out:
1. `notifications_prepare` inserts one `Notification` row per appointment, kind and channel,
   set-based and with ON CONFLICT DO NOTHING on the unique (appointment, kind, channel):
   preparing twice makes nothing new. A client with no e-mail and no phone gets one skipped
   row with a note, which the adviser sees.
2. A Celery task per row (`notifications.tasks`) calls `notification_send`, which first claims
   the row (pending or failed → sending) in one conditional UPDATE. Only the claimer sends, so a
   retry, a double enqueue or an overlapping beat run never sends the same message twice.
3. A failure marks the row failed (visible to the adviser) and raises `SendFailed`, which the
   task retries with backoff; the last attempt marks it "gave up" instead of raising.

A row whose worker died between sending and recording stays "sending": it is never re-sent
(at most once beats a duplicate), and the adviser sees it.

Nothing here enqueues: the tasks module does (`appointment_confirm`, `reminders_queue`), so
that the tasks can call these functions without an import cycle.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from django.core.mail import EmailMessage
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from interviews.choices import AppointmentStatus
from interviews.models import Appointment

from .choices import NotificationChannel, NotificationKind, NotificationStatus
from .messages import compose, message_language
from .models import Notification
from .sms import SmsError, sms_gateway


class SendFailed(Exception):
    """Sending failed in a way worth retrying."""


# The notes are stored in English as stable keys and translated where they are shown
# (templates/partners/client.html: {% translate n.note %}), in the reader's language.
NOTE_UNREACHABLE = gettext_noop("The client has no e-mail address or phone number: not notified.")
NOTE_NOT_BOOKED = gettext_noop("The appointment is no longer booked: not sent.")


def tomorrow_bounds(today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def reminders_prepare(*, today: dt.date | None = None) -> list[int]:
    """Prepare reminders for tomorrow's booked appointments (set-based) and return the ids of
    the rows that still need sending."""
    start, end = tomorrow_bounds(today)
    appointments = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, starts_at__gte=start, starts_at__lt=end
    )
    return notifications_prepare(appointments=appointments, kind=NotificationKind.REMINDER)


def notifications_prepare(*, appointments: QuerySet[Appointment], kind: str) -> list[int]:
    """Insert the notification rows for these appointments (booked ones only) and return the
    ids of the rows still waiting to be sent. Two queries plus the insert, whatever the count."""
    rows = appointments.filter(status=AppointmentStatus.BOOKED).values_list(
        "id", "client__email", "client__phone", "client__language"
    )
    new: list[Notification] = []
    appointment_ids: list[int] = []
    for appointment_id, email, phone, language in rows:
        appointment_ids.append(appointment_id)
        language = message_language(language)
        contacts = [(NotificationChannel.EMAIL, email), (NotificationChannel.SMS, phone)]
        reachable = [(channel, to) for channel, to in contacts if to]
        for channel, to in reachable:
            new.append(
                Notification(
                    appointment_id=appointment_id,
                    kind=kind,
                    channel=channel,
                    recipient=to,
                    language=language,
                )
            )
        if not reachable:
            new.append(
                Notification(
                    appointment_id=appointment_id,
                    kind=kind,
                    channel=NotificationChannel.EMAIL,
                    status=NotificationStatus.SKIPPED,
                    language=language,
                    note=NOTE_UNREACHABLE,
                )
            )
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return list(
        Notification.objects.filter(appointment_id__in=appointment_ids, kind=kind)
        .claimable()
        .order_by("id")
        .values_list("id", flat=True)
    )


def notification_send(*, notification_id: int, final_attempt: bool = False) -> str:
    """Send one notification if this call can claim it. Returns the row's resulting status,
    or "not-claimed" when someone else has it or it is already done."""
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .claimable()
        .update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return "not-claimed"
    notification = Notification.objects.select_related(
        "appointment__client", "appointment__adviser"
    ).get(pk=notification_id)
    appointment = notification.appointment
    if appointment.status != AppointmentStatus.BOOKED or appointment.starts_at <= now:
        return _finish(
            notification_id,
            NotificationStatus.SKIPPED,
            note=NOTE_NOT_BOOKED,
        )
    message = compose(
        appointment=appointment, kind=notification.kind, language=notification.language
    )
    try:
        if notification.channel == NotificationChannel.EMAIL:
            EmailMessage(
                subject=message.subject, body=message.body, to=[notification.recipient]
            ).send()
        else:
            sms_gateway().send(to=notification.recipient, text=message.sms)
    except (smtplib.SMTPException, OSError, SmsError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if final_attempt:
            return _finish(notification_id, NotificationStatus.GAVE_UP, last_error=error)
        _finish(notification_id, NotificationStatus.FAILED, last_error=error)
        raise SendFailed(error) from exc
    return _finish(notification_id, NotificationStatus.SENT, sent_at=timezone.now(), last_error="")


def _finish(notification_id: int, status: str, **fields) -> str:
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
        status=status, updated_at=timezone.now(), **fields
    )
    return status
