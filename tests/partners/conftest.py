"""Small factories for the partner tests: consents, referrals and appointments."""

from __future__ import annotations

import datetime as dt
import email
import socket
import threading
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from interviews.choices import Channel
from interviews.models import Appointment
from notifications.sms import TestSmsGateway
from partners import services
from partners.models import Consent, ConsentMethod, Partner, PartnerService, Referral


def make_consent(client, partner: Partner, adviser, **fields) -> Consent:
    today = timezone.localdate()
    return Consent.objects.create(
        client=client,
        partner=partner,
        purpose=fields.pop("purpose", "Coaching towards work"),
        scope=fields.pop("scope", "Contact details and the employment plan"),
        valid_from=fields.pop("valid_from", today - dt.timedelta(days=1)),
        valid_until=fields.pop("valid_until", today + dt.timedelta(days=180)),
        method=fields.pop("method", ConsentMethod.IN_PERSON),
        recorded_by=adviser,
        **fields,
    )


def make_referral(client, partner: Partner, adviser, *, consent: bool = True) -> Referral:
    if consent:
        make_consent(client, partner, adviser)
    return services.referral_send(
        client=client,
        service=PartnerService.objects.filter(partner=partner).first(),
        reason="Needs support with job search",
        shared_information="Contact details, employment plan",
        created_by=adviser,
    )


def make_appointment(client, adviser, *, starts_at: dt.datetime | None = None, **fields):
    return Appointment.objects.create(
        client=client,
        adviser=adviser,
        booked_by=adviser,
        starts_at=starts_at or timezone.now() + dt.timedelta(days=3),
        channel=fields.pop("channel", Channel.FACE_TO_FACE),
        place=fields.pop("place", "Työllisyyspalvelut, Hämeenkatu 1, Tampere"),
        **fields,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def referral(client_a, partner_org, adviser) -> Referral:
    return make_referral(client_a, partner_org, adviser)


class Inbox:
    """An aiosmtpd handler that keeps messages and can refuse the next N with a 451."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse_next = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return "451 4.3.0 Temporary local problem, try again"
            self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "noreply@teoffice.test"
    yield inbox
    controller.stop()


@pytest.fixture
def sms(settings):
    settings.SMS_GATEWAY = "notifications.sms.TestSmsGateway"
    TestSmsGateway.reset()
    yield TestSmsGateway
    TestSmsGateway.reset()
