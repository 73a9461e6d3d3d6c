"""The portal shows the client's phone and e-mail when the consent covers contact details,
and nothing more (no address, no identity code; nothing without that consent)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from partners.models import Consent
from tests.partners.conftest import make_consent, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def reachable(client_a) -> Client:
    client_a.phone, client_a.email, client_a.address = (
        "+358 40 123 4567",
        "matti@example.fi",
        "Hämeenkatu 1 A 5, Tampere",
    )
    client_a.save(update_fields=["phone", "email", "address"])
    return client_a


def page(client, partner_user, referral) -> str:
    client.force_login(partner_user)
    response = client.get(reverse("portal:referral", args=[referral.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_contact_details_shown_when_the_consent_covers_them(
    client, partner_user, partner_org, adviser, reachable
):
    referral = make_referral(reachable, partner_org, adviser)
    Consent.objects.update(contact_details=True)
    html = page(client, partner_user, referral)
    assert "+358 40 123 4567" in html and "matti@example.fi" in html
    assert "Hämeenkatu" not in html and reachable.personal_identity_code not in html


def test_no_contact_details_without_that_consent(
    client, partner_user, partner_org, adviser, reachable
):
    referral = make_referral(reachable, partner_org, adviser)  # contact_details False
    html = page(client, partner_user, referral)
    assert "+358 40 123 4567" not in html and "matti@example.fi" not in html


def test_a_consent_for_another_partner_does_not_cover_them(
    client, partner_user, partner_org, other_partner_user, adviser, reachable
):
    referral = make_referral(reachable, partner_org, adviser)
    other = other_partner_user.partner_user.partner
    make_consent(reachable, other, adviser, contact_details=True)
    html = page(client, partner_user, referral)
    assert "matti@example.fi" not in html


def test_the_adviser_records_the_contact_details_in_the_consent(
    client, adviser, client_a, partner_org
):
    client.force_login(adviser)
    today = timezone.localdate()
    client.post(
        reverse("partners:consent_create", args=[client_a.pk]),
        {
            "partner": partner_org.pk,
            "purpose": "Coaching",
            "scope": "Contact details",
            "contact_details": "on",
            "valid_from": today.isoformat(),
            "valid_until": today.replace(year=today.year + 1).isoformat(),
            "method": "in_person",
        },
    )
    assert Consent.objects.get().contact_details is True
