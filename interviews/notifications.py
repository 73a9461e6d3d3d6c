"""Appointment confirmations and reminders to clients, by e-mail and SMS.

How a message goes out:
1. `notifications_prepare` inserts one `partners.Notification` row per appointment, kind and
   channel, set-based and with ON CONFLICT DO NOTHING on the unique (appointment, kind,
   channel): preparing twice makes nothing new. A client with no e-mail and no phone gets one
   skipped row with a note, which the adviser sees.
2. A Celery task per row calls `notification_send`, which first claims the row (pending or
   failed → sending) in one conditional UPDATE. Only the claimer sends, so a retry, a double
   enqueue or an overlapping beat run never sends the same message twice.
3. A failure marks the row failed (visible to the adviser) and raises `SendFailed`, which the
   task retries with backoff; the last attempt marks it "gave up" instead of raising.

A row whose worker died between sending and recording stays "sending": it is never re-sent
(at most once beats a duplicate), and the adviser sees it.

Messages are written here in Finnish, Swedish and English and chosen by the client's language
(English for "other"); they do not wait for the UI translation catalogs.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from django.core.mail import EmailMessage
from django.db.models import F, QuerySet
from django.utils import timezone

from partners.models import (
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
)
from partners.sms import SmsError, sms_gateway
from teoffice.tasking import enqueue

from .choices import AppointmentStatus, Channel
from .models import Appointment


class SendFailed(Exception):
    """Sending failed in a way worth retrying."""


# --- Entry points ------------------------------------------------------------------------


def appointment_confirm(appointment_id: int) -> None:
    """Call after booking (or moving) an appointment: the confirmation goes out from a
    Celery task once the current transaction commits."""
    from .tasks import appointment_notify

    enqueue(appointment_notify, appointment_id, NotificationKind.CONFIRMATION)


def tomorrow_bounds(today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def reminders_queue(*, today: dt.date | None = None) -> int:
    """The daily run: prepare reminders for tomorrow's booked appointments (set-based) and
    enqueue one send task per row that still needs sending. Returns how many were enqueued."""
    from .tasks import notification_deliver

    start, end = tomorrow_bounds(today)
    appointments = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, starts_at__gte=start, starts_at__lt=end
    )
    ids = notifications_prepare(appointments=appointments, kind=NotificationKind.REMINDER)
    for notification_id in ids:
        enqueue(notification_deliver, notification_id)
    return len(ids)


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
                    note="The client has no e-mail address or phone number: not notified.",
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
            note="The appointment is no longer booked: not sent.",
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


# --- The messages ------------------------------------------------------------------------


def message_language(language: str) -> str:
    return language if language in {"fi", "sv", "en"} else "en"


WEEKDAYS = {
    "fi": ["ma", "ti", "ke", "to", "pe", "la", "su"],
    "sv": ["mån", "tis", "ons", "tors", "fre", "lör", "sön"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_when(moment: dt.datetime, language: str) -> str:
    local = timezone.localtime(moment)
    day = WEEKDAYS[language][local.weekday()]
    if language == "fi":
        return f"{day} {local.day}.{local.month}.{local.year} klo {local:%H.%M}"
    if language == "sv":
        return f"{day} {local.day}.{local.month}.{local.year} kl. {local:%H.%M}"
    return f"{day} {local.day} {MONTHS_EN[local.month - 1]} {local.year} at {local:%H:%M}"


TEXTS = {
    "fi": {
        "subject_confirmation": "Aikasi työllisyyspalveluihin {when}",
        "subject_reminder": "Muistutus: aikasi työllisyyspalveluihin huomenna {when}",
        "opening_confirmation": "sinulle on varattu aika työllisyyspalveluihin.",
        "opening_reminder": "muistutamme, että sinulla on huomenna aika työllisyyspalveluihin.",
        "greeting": "Hei {name},",
        "time": "Aika: {when} ({minutes} min)",
        "adviser": "Asiantuntija: {adviser}",
        "phone_number": "Puhelinaika: asiantuntija soittaa sinulle numeroon {phone}.",
        "phone": "Puhelinaika: asiantuntija soittaa sinulle.",
        "place": "Paikka: {place}",
        "face_to_face": "Tapaaminen kasvokkain; paikka ilmoitetaan erikseen.",
        "video_link": "Videotapaaminen: {link}",
        "video": "Videotapaaminen; linkki lähetetään erikseen.",
        "change": "Jos aika ei sovi, ota yhteyttä etukäteen, niin sovitaan uusi aika.",
        "signature": "Ystävällisin terveisin\nTyöllisyyspalvelut",
        "sms_confirmation": "Työllisyyspalvelut: sinulle on varattu aika {when}. {channel} "
        "Jos aika ei sovi, ota yhteyttä etukäteen.",
        "sms_reminder": "Muistutus työllisyyspalveluista: aikasi on huomenna {when}. {channel}",
    },
    "sv": {
        "subject_confirmation": "Din tid hos sysselsättningstjänsterna {when}",
        "subject_reminder": "Påminnelse: din tid hos sysselsättningstjänsterna i morgon {when}",
        "opening_confirmation": "du har fått en tid hos sysselsättningstjänsterna.",
        "opening_reminder": "vi påminner om att du har en tid hos sysselsättningstjänsterna "
        "i morgon.",
        "greeting": "Hej {name},",
        "time": "Tid: {when} ({minutes} min)",
        "adviser": "Sakkunnig: {adviser}",
        "phone_number": "Per telefon: den sakkunniga ringer dig på numret {phone}.",
        "phone": "Per telefon: den sakkunniga ringer dig.",
        "place": "Plats: {place}",
        "face_to_face": "Personligt möte; platsen meddelas separat.",
        "video_link": "Videomöte: {link}",
        "video": "Videomöte; länken skickas separat.",
        "change": "Om tiden inte passar dig, kontakta oss i förväg så kommer vi överens om "
        "en ny tid.",
        "signature": "Med vänliga hälsningar\nSysselsättningstjänsterna",
        "sms_confirmation": "Sysselsättningstjänsterna: du har en tid {when}. {channel} "
        "Om tiden inte passar, kontakta oss i förväg.",
        "sms_reminder": "Påminnelse från sysselsättningstjänsterna: din tid är i morgon "
        "{when}. {channel}",
    },
    "en": {
        "subject_confirmation": "Your appointment with employment services on {when}",
        "subject_reminder": "Reminder: your appointment with employment services tomorrow, {when}",
        "opening_confirmation": "an appointment with employment services has been booked for you.",
        "opening_reminder": "this is a reminder of your appointment with employment services "
        "tomorrow.",
        "greeting": "Hello {name},",
        "time": "Time: {when} ({minutes} min)",
        "adviser": "Adviser: {adviser}",
        "phone_number": "By phone: the adviser will call you at {phone}.",
        "phone": "By phone: the adviser will call you.",
        "place": "Place: {place}",
        "face_to_face": "Face to face; the place will be confirmed separately.",
        "video_link": "Video meeting: {link}",
        "video": "Video meeting; the link will be sent separately.",
        "change": "If the time does not suit you, please contact us in advance so that we can "
        "agree on a new time.",
        "signature": "Kind regards\nEmployment services",
        "sms_confirmation": "Employment services: you have an appointment on {when}. {channel} "
        "If the time does not suit you, please contact us in advance.",
        "sms_reminder": "Reminder from employment services: your appointment is tomorrow, "
        "{when}. {channel}",
    },
}


class Message:
    def __init__(self, subject: str, body: str, sms: str) -> None:
        self.subject, self.body, self.sms = subject, body, sms


def channel_line(appointment: Appointment, texts: dict[str, str]) -> str:
    if appointment.channel == Channel.PHONE:
        phone = appointment.client.phone
        return texts["phone_number"].format(phone=phone) if phone else texts["phone"]
    if appointment.channel == Channel.VIDEO:
        link = appointment.video_link
        return texts["video_link"].format(link=link) if link else texts["video"]
    place = appointment.place
    return texts["place"].format(place=place) if place else texts["face_to_face"]


def compose(*, appointment: Appointment, kind: str, language: str) -> Message:
    texts = TEXTS[message_language(language)]
    when = format_when(appointment.starts_at, message_language(language))
    adviser = appointment.adviser.get_full_name() or appointment.adviser.get_username()
    how = channel_line(appointment, texts)
    body = "\n".join(
        [
            texts["greeting"].format(name=appointment.client.first_name),
            "",
            texts[f"opening_{kind}"],
            "",
            texts["time"].format(when=when, minutes=appointment.duration_minutes),
            texts["adviser"].format(adviser=adviser),
            how,
            "",
            texts["change"],
            "",
            texts["signature"],
            "",
        ]
    )
    return Message(
        subject=texts[f"subject_{kind}"].format(when=when),
        body=body,
        sms=texts[f"sms_{kind}"].format(when=when, channel=how),
    )
