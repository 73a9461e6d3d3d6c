"""The texts of client notifications, in Finnish, Swedish and English.

Messages are written here and chosen by the client's language (English for "other"); they do
not wait for the UI translation catalogs.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from interviews.choices import Channel
from interviews.models import Appointment


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
        "subject_moved": "Aikasi työllisyyspalveluihin on siirretty: {when}",
        "subject_cancelled": "Aikasi työllisyyspalveluihin {when} on peruttu",
        "opening_moved": "aikasi työllisyyspalveluihin on siirretty. Uusi aika on alla.",
        "opening_cancelled": "aikasi työllisyyspalveluihin on peruttu.",
        "previous": "Aiempi aika: {when} (ei enää voimassa)",
        "change_cancelled": "Sovimme kanssasi tarvittaessa uuden ajan.",
        "sms_moved": "Työllisyyspalvelut: aikasi on siirretty. Uusi aika {when}. {channel} "
        "Jos aika ei sovi, ota yhteyttä etukäteen.",
        "sms_cancelled": "Työllisyyspalvelut: aikasi {when} on peruttu. "
        "Sovimme kanssasi tarvittaessa uuden ajan.",
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
        "subject_moved": "Din tid hos sysselsättningstjänsterna har flyttats: {when}",
        "subject_cancelled": "Din tid hos sysselsättningstjänsterna {when} har avbokats",
        "opening_moved": "din tid hos sysselsättningstjänsterna har flyttats. Den nya tiden "
        "står nedan.",
        "opening_cancelled": "din tid hos sysselsättningstjänsterna har avbokats.",
        "previous": "Tidigare tid: {when} (gäller inte längre)",
        "change_cancelled": "Vi kommer vid behov överens med dig om en ny tid.",
        "sms_moved": "Sysselsättningstjänsterna: din tid har flyttats. Ny tid {when}. {channel} "
        "Om tiden inte passar, kontakta oss i förväg.",
        "sms_cancelled": "Sysselsättningstjänsterna: din tid {when} har avbokats. "
        "Vi kommer vid behov överens med dig om en ny tid.",
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
        "subject_moved": "Your appointment with employment services has moved: {when}",
        "subject_cancelled": "Your appointment with employment services on {when} is cancelled",
        "opening_moved": "your appointment with employment services has been moved. The new "
        "time is below.",
        "opening_cancelled": "your appointment with employment services has been cancelled.",
        "previous": "Previous time: {when} (no longer valid)",
        "change_cancelled": "We will agree on a new time with you if needed.",
        "sms_moved": "Employment services: your appointment has been moved to {when}. {channel} "
        "If the time does not suit you, please contact us in advance.",
        "sms_cancelled": "Employment services: your appointment on {when} has been cancelled. "
        "We will agree on a new time with you if needed.",
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


def compose(
    *,
    appointment: Appointment,
    kind: str,
    language: str,
    previous_starts_at: dt.datetime | None = None,
) -> Message:
    """The message of `kind` (confirmation, reminder, moved, cancelled) in `language`."""
    language = message_language(language)
    texts = TEXTS[language]
    when = format_when(appointment.starts_at, language)
    adviser = appointment.adviser.get_full_name() or appointment.adviser.get_username()
    how = channel_line(appointment, texts)
    cancelled = kind == "cancelled"
    lines = [
        texts["greeting"].format(name=appointment.client.first_name),
        "",
        texts[f"opening_{kind}"],
        "",
        texts["time"].format(when=when, minutes=appointment.duration_minutes),
    ]
    if kind == "moved" and previous_starts_at is not None:
        lines.append(texts["previous"].format(when=format_when(previous_starts_at, language)))
    lines.append(texts["adviser"].format(adviser=adviser))
    if not cancelled:
        lines.append(how)
    lines += ["", texts["change_cancelled" if cancelled else "change"], "", texts["signature"], ""]
    return Message(
        subject=texts[f"subject_{kind}"].format(when=when),
        body="\n".join(lines),
        sms=texts[f"sms_{kind}"].format(when=when, channel=how),
    )
