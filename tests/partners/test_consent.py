from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partners import services
from partners.models import Consent, PartnerService, Referral

from .conftest import make_consent, make_referral

pytestmark = pytest.mark.django_db


def _refer(client, partner, adviser):
    return services.referral_send(
        client=client,
        service=PartnerService.objects.get(partner=partner),
        reason="Coaching",
        shared_information="Contact details",
        created_by=adviser,
    )


def test_referral_without_consent_is_refused_with_a_clear_message(client_a, partner_org, adviser):
    with pytest.raises(ValidationError) as exc:
        _refer(client_a, partner_org, adviser)
    assert "no valid consent to share information with Valmennus Oy" in exc.value.messages[0]
    assert not Referral.objects.exists()


def test_referral_under_expired_consent_is_refused(client_a, partner_org, adviser):
    today = timezone.localdate()
    make_consent(
        client_a,
        partner_org,
        adviser,
        valid_from=today - dt.timedelta(days=30),
        valid_until=today - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError):
        _refer(client_a, partner_org, adviser)


def test_referral_under_revoked_consent_is_refused(client_a, partner_org, adviser):
    consent = make_consent(client_a, partner_org, adviser)
    services.consent_revoke(consent=consent, revoked_by=adviser)
    with pytest.raises(ValidationError):
        _refer(client_a, partner_org, adviser)


def test_consent_for_another_partner_does_not_allow_the_referral(
    client_a, partner_org, other_partner_user, adviser
):
    make_consent(client_a, other_partner_user.partner_user.partner, adviser)
    with pytest.raises(ValidationError):
        _refer(client_a, partner_org, adviser)


def test_referral_under_valid_consent_records_the_consent(client_a, partner_org, adviser):
    consent = make_consent(client_a, partner_org, adviser)
    referral = _refer(client_a, partner_org, adviser)
    assert referral.consent == consent
    assert referral.status == "sent"
    assert list(referral.events.values_list("status", flat=True)) == ["sent"]


def test_referral_form_without_consent_shows_the_refusal_and_keeps_input(
    client, client_a, partner_org, adviser
):
    client.force_login(adviser)
    service = PartnerService.objects.get(partner=partner_org)
    response = client.post(
        reverse("partners:referral_create", args=[client_a.pk]),
        {"service": service.pk, "reason": "Long unemployment", "shared_information": "Plan"},
    )
    assert response.status_code == 200
    assert b"Record the client&#x27;s consent first" in response.content
    assert b"Long unemployment" in response.content
    assert not Referral.objects.exists()


def test_adviser_records_consent_with_who_when_scope_and_how(
    client, client_a, partner_org, adviser
):
    client.force_login(adviser)
    today = timezone.localdate()
    response = client.post(
        reverse("partners:consent_create", args=[client_a.pk]),
        {
            "partner": partner_org.pk,
            "purpose": "Job coaching",
            "scope": "Contact details, work history",
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=90)).isoformat(),
            "method": "written",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.recorded_by, consent.method, consent.scope) == (
        adviser,
        "written",
        "Contact details, work history",
    )
    assert consent.recorded_at is not None


def test_consent_ending_before_it_begins_is_refused_next_to_the_field(
    client, client_a, partner_org, adviser
):
    client.force_login(adviser)
    today = timezone.localdate()
    response = client.post(
        reverse("partners:consent_create", args=[client_a.pk]),
        {
            "partner": partner_org.pk,
            "purpose": "Job coaching",
            "scope": "Contact details",
            "valid_from": (today + dt.timedelta(days=10)).isoformat(),
            "valid_until": (today + dt.timedelta(days=5)).isoformat(),
            "method": "written",
        },
    )
    assert response.status_code == 200
    assert b"The consent cannot end before it begins." in response.content
    assert b'aria-describedby="id_valid_until_error"' in response.content
    assert not Consent.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "partner_user"])
def test_others_cannot_record_or_revoke_consent(
    request, client, client_a, partner_org, adviser, who
):
    consent = make_consent(client_a, partner_org, adviser)
    client.force_login(request.getfixturevalue(who))
    today = timezone.localdate()
    created = client.post(
        reverse("partners:consent_create", args=[client_a.pk]),
        {
            "partner": partner_org.pk,
            "purpose": "x",
            "scope": "y",
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
            "method": "written",
        },
    )
    revoked = client.post(reverse("partners:consent_revoke", args=[client_a.pk, consent.pk]))
    assert created.status_code in {403, 404}
    assert revoked.status_code in {403, 404}
    assert Consent.objects.count() == 1
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_manager_sees_the_panel_but_cannot_record_consent(client, client_a, partner_org, manager):
    client.force_login(manager)
    assert client.get(reverse("partners:client_panel", args=[client_a.pk])).status_code == 200
    response = client.post(reverse("partners:consent_create", args=[client_a.pk]), {})
    assert response.status_code == 403


def test_teammate_may_revoke_and_revoking_twice_keeps_the_first_time(
    client, client_a, partner_org, adviser, teammate
):
    consent = make_consent(client_a, partner_org, adviser)
    client.force_login(teammate)
    url = reverse("partners:consent_revoke", args=[client_a.pk, consent.pk])
    assert client.post(url).status_code == 302
    consent.refresh_from_db()
    first = consent.revoked_at
    assert consent.revoked_by == teammate
    client.post(url)
    consent.refresh_from_db()
    assert consent.revoked_at == first


def test_revoked_consent_cuts_partner_access_at_once(
    client, client_a, partner_org, adviser, partner_user
):
    referral = make_referral(client_a, partner_org, adviser)
    client.force_login(partner_user)
    detail = reverse("portal:referral", args=[referral.pk])
    assert client.get(detail).status_code == 200
    assert client_a.full_name.encode() in client.get(reverse("portal:home")).content

    services.consent_revoke(consent=referral.consent, revoked_by=adviser)

    assert client.get(detail).status_code == 404
    assert client_a.full_name.encode() not in client.get(reverse("portal:home")).content
    report = client.post(
        reverse("portal:report", args=[referral.pk]),
        {"work_done": "x", "results": "y", "outcome": "study", "next_steps": "z"},
    )
    accept = client.post(reverse("portal:accept", args=[referral.pk]))
    assert (report.status_code, accept.status_code) == (404, 404)


def test_partner_access_ends_when_the_consent_expires(
    client, client_a, partner_org, adviser, partner_user
):
    today = timezone.localdate()
    make_consent(client_a, partner_org, adviser, valid_until=today + dt.timedelta(days=2))
    referral = make_referral(client_a, partner_org, adviser, consent=False)
    client.force_login(partner_user)
    url = reverse("portal:referral", args=[referral.pk])
    assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        client.force_login(partner_user)
        assert client.get(url).status_code == 404
