"""Booking, moving and cancelling an appointment in a real browser, in English and Finnish: the
client gets a message in their language each time, the message log shows the text and time as
sent, cancelling asks for a reason, and a cancelled appointment is booked again in one step."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from interviews import rules
from interviews.models import Appointment
from notifications.models import Notification
from notifications.sms import TestSmsGateway
from teoffice.i18n import profile_language_set
from tests.conftest import make_client

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECTS = {
    "en": {
        "confirmation": "Your appointment with employment services on ",
        "moved": "Your appointment with employment services has moved: ",
        "cancelled": " is cancelled",
    },
    "fi": {
        "confirmation": "Aikasi työllisyyspalveluihin ",
        "moved": "Aikasi työllisyyspalveluihin on siirretty: ",
        "cancelled": " on peruttu",
    },
    "sv": {
        "confirmation": "Din tid hos sysselsättningstjänsterna ",
        "moved": "Din tid hos sysselsättningstjänsterna har flyttats: ",
        "cancelled": " har avbokats",
    },
}
PREVIOUS = {"en": "Previous time", "fi": "Aiempi aika", "sv": "Tidigare tid"}
REASON_REQUIRED = {
    "en": "Say why the appointment is cancelled.",
    "fi": "Kerro, miksi aika perutaan.",
    "sv": "Ange varför tiden avbokas.",
}


@pytest.fixture
def outboxes(settings):
    """Messages are sent in the live server's thread (eager Celery) to in-memory outboxes."""
    from teoffice.celery import app

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.SMS_GATEWAY = "notifications.sms.TestSmsGateway"
    TestSmsGateway.reset()
    mail.outbox = []
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield mail.outbox, TestSmsGateway
    app.conf.task_always_eager, app.conf.task_eager_propagates = before
    TestSmsGateway.reset()


def _working_day_at(days: int, hour: int) -> dt.datetime:
    day = rules.next_working_day(timezone.localdate() + dt.timedelta(days=days))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _wait_for_messages(count: int) -> None:
    deadline = time.monotonic() + 10
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) == count


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_booking_moving_and_cancelling_tell_the_client_in_their_language(
    lang, page, live_server, sign_in, screenshot, adviser, team_a, outboxes
):
    emails, sms = outboxes
    profile_language_set(user=adviser, language=lang)
    person = make_client(
        team_a,
        first_name="Aino",
        last_name="Asiakas",
        email="aino@example.fi",
        phone="+358401234567",
        language=lang,
    )
    first, second, third = _working_day_at(7, 10), _working_day_at(9, 13), _working_day_at(12, 9)
    sign_in(page, "alice")
    detail_url = f"{live_server.url}{reverse('clients:detail', args=[person.pk])}"

    # Booking.
    page.goto(f"{live_server.url}{reverse('interviews:appointment_book', args=[person.pk])}")
    page.locator("#id_starts_at").fill(_input(first))
    page.locator("#id_channel").select_option("face_to_face")
    page.locator("#id_place").fill("Hämeenkatu 1, Tampere")
    page.locator("#appointment-form button[type=submit]").click()
    page.wait_for_url(detail_url)
    _wait_for_messages(1)
    assert emails[0].subject.startswith(SUBJECTS[lang]["confirmation"])

    # Moving.
    page.locator("a[href*='/move/']").first.click()
    page.locator("#id_starts_at").fill(_input(second))
    page.locator("#appointment-form button[type=submit]").click()
    page.wait_for_url(detail_url)
    _wait_for_messages(2)
    moved = emails[1]
    assert moved.subject.startswith(SUBJECTS[lang]["moved"])
    with translation.override(lang):
        assert ("13:00" if lang == "en" else "13.00") in moved.subject
    assert PREVIOUS[lang] in moved.body

    # Cancelling: a confirmation page that wants a reason.
    page.locator("a[href*='/cancel/']").first.click()
    page.set_viewport_size({"width": 320, "height": 800})
    page.locator("#cancel-form button[type=submit]").click()
    expect(page.locator("#cancel-form")).to_contain_text(REASON_REQUIRED[lang])
    assert Appointment.objects.get().status == "booked"
    screenshot(page, f"appointment-cancel-{lang}-320")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#id_reason").fill("Asiakas sairastui")
    screenshot(page, f"appointment-cancel-{lang}-1280")
    page.locator("#cancel-form button[type=submit]").click()
    page.wait_for_url(detail_url)
    _wait_for_messages(3)
    assert emails[2].subject.endswith(SUBJECTS[lang]["cancelled"])
    assert [m.to for m in sms.outbox] == [person.phone] * 3
    assert "Asiakas sairastui" not in emails[2].body  # the reason stays in the office

    # The message log: each message against the time it gave, with its text.
    page.goto(f"{live_server.url}{reverse('partners:client_panel', args=[person.pk])}")
    rows = {n.kind: n for n in Notification.objects.filter(channel="email")}
    assert rows["confirmation"].appointment_at == first  # not the new time
    with translation.override(lang):
        for kind, moment in (("confirmation", first), ("moved", second), ("cancelled", second)):
            when = date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
            row = page.locator(f"tr.notification.{kind}.email")
            expect(row).to_contain_text(rows[kind].get_kind_display())
            expect(row).to_contain_text(when)
            expect(row).to_contain_text(rows[kind].subject)
    screenshot(page, f"appointment-messages-{lang}")

    # Booking again, prefilled from the cancelled appointment.
    page.goto(detail_url)
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, f"appointment-cancelled-client-{lang}-320")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("a[href*='?again=']").click()
    expect(page.locator("#id_place")).to_have_value("Hämeenkatu 1, Tampere")
    page.locator("#id_starts_at").fill(_input(third))
    page.locator("#appointment-form button[type=submit]").click()
    page.wait_for_url(detail_url)
    _wait_for_messages(4)
    assert emails[3].subject.startswith(SUBJECTS[lang]["confirmation"])
    assert Appointment.objects.filter(status="booked").count() == 1
