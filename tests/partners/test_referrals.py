from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners import services
from partners.models import Referral, ReferralStatus
from tests.conftest import make_client

from .conftest import make_appointment, make_consent, make_referral

pytestmark = pytest.mark.django_db

REPORT = {
    "work_done": "Eight coaching sessions, CV and two applications.",
    "results": "Found a work trial at a warehouse.",
    "outcome": "work_trial",
    "next_steps": "Work trial starts next month.",
    "further_support_needed": "on",
    "further_support": "Help with the trial agreement.",
}


def test_adviser_refers_from_the_panel_with_htmx_and_sees_it_listed(
    client, client_a, partner_org, adviser
):
    make_consent(client_a, partner_org, adviser)
    client.force_login(adviser)
    service = partner_org.services.get()
    response = client.post(
        reverse("partners:referral_create", args=[client_a.pk]),
        {"service": service.pk, "reason": "Needs coaching", "shared_information": "Plan"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b"<html" not in response.content  # the panel fragment only
    assert b"Valmennus Oy \xe2\x80\x93 Job coaching" in response.content
    referral = Referral.objects.get()
    assert (referral.status, referral.created_by, referral.reason) == (
        "sent",
        adviser,
        "Needs coaching",
    )


def test_outsider_cannot_see_or_refer_another_teams_client(
    client, client_a, partner_org, adviser, outsider
):
    make_consent(client_a, partner_org, adviser)
    client.force_login(outsider)
    assert client.get(reverse("partners:client_panel", args=[client_a.pk])).status_code == 404
    response = client.post(
        reverse("partners:referral_create", args=[client_a.pk]),
        {"service": partner_org.services.get().pk, "reason": "x", "shared_information": "y"},
    )
    assert response.status_code == 404
    assert not Referral.objects.exists()


def test_partner_accepts_starts_and_files_closing_report_then_adviser_sees_it_flagged(
    client, client_a, partner_org, adviser, partner_user
):
    referral = make_referral(client_a, partner_org, adviser)
    client.force_login(partner_user)
    client.post(reverse("portal:accept", args=[referral.pk]))
    client.post(reverse("portal:start", args=[referral.pk]))
    response = client.post(reverse("portal:report", args=[referral.pk]), REPORT)
    assert response.status_code == 302

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENDED
    assert referral.outcome == "work_trial"
    assert referral.accepted_at and referral.started_at and referral.ended_at
    assert referral.needs_review
    assert list(referral.events.values_list("status", flat=True)) == [
        "sent",
        "accepted",
        "started",
        "ended",
    ]

    client.force_login(adviser)
    panel = client.get(reverse("partners:client_panel", args=[client_a.pk])).content.decode()
    assert "Closing report to review at the next interview" in panel
    assert "Found a work trial at a warehouse." in panel
    assert "Help with the trial agreement." in panel

    client.post(reverse("partners:referral_reviewed", args=[client_a.pk, referral.pk]))
    referral.refresh_from_db()
    assert not referral.needs_review and referral.reviewed_by == adviser
    panel = client.get(reverse("partners:client_panel", args=[client_a.pk])).content.decode()
    assert "Closing report to review at the next interview" not in panel


def test_partner_declines_with_a_reason_shown_to_the_adviser(
    client, client_a, partner_org, adviser, partner_user
):
    referral = make_referral(client_a, partner_org, adviser)
    client.force_login(partner_user)
    empty = client.post(reverse("portal:decline", args=[referral.pk]), {"reason": ""})
    assert empty.status_code == 200 and b"This field is required." in empty.content
    client.post(reverse("portal:decline", args=[referral.pk]), {"reason": "No places this spring"})
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == ("declined", "No places this spring")
    client.force_login(adviser)
    panel = client.get(reverse("partners:client_panel", args=[client_a.pk]))
    assert b"No places this spring" in panel.content


def test_closing_report_needs_an_accepted_referral_and_a_described_further_support(
    client_a, partner_org, adviser, partner_user
):
    referral = make_referral(client_a, partner_org, adviser)
    fields = {k: v for k, v in REPORT.items() if k != "further_support_needed"}
    with pytest.raises(ValidationError):
        services.closing_report_file(
            referral=referral, filed_by=partner_user, further_support_needed=False, **fields
        )
    services.referral_transition(referral=referral, status="accepted", by=partner_user)
    fields["further_support"] = ""
    with pytest.raises(ValidationError):
        services.closing_report_file(
            referral=referral, filed_by=partner_user, further_support_needed=True, **fields
        )
    services.closing_report_file(
        referral=referral, filed_by=partner_user, further_support_needed=False, **fields
    )
    with pytest.raises(ValidationError):  # a second report is refused
        services.closing_report_file(
            referral=referral, filed_by=partner_user, further_support_needed=False, **fields
        )


def test_accepting_twice_changes_it_once_and_a_declined_referral_cannot_be_accepted(
    client_a, partner_org, adviser, partner_user
):
    referral = make_referral(client_a, partner_org, adviser)
    services.referral_transition(referral=referral, status="accepted", by=partner_user)
    services.referral_transition(referral=referral, status="accepted", by=partner_user)
    assert referral.events.filter(status="accepted").count() == 1
    other = make_referral(client_a, partner_org, adviser, consent=False)
    services.referral_transition(referral=other, status="declined", by=partner_user, note="Full")
    with pytest.raises(ValidationError):
        services.referral_transition(referral=other, status="accepted", by=partner_user)


def _panel_queries(client, client_obj) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("partners:client_panel", args=[client_obj.pk]))
        assert response.status_code == 200
    return len(ctx)


def test_panel_query_count_does_not_grow_with_referrals_consents_and_messages(
    client, team_a, partner_org, adviser, partner_user
):
    from interviews.models import Appointment
    from notifications.services import notifications_prepare

    someone = make_client(team_a, email="a@example.fi", phone="+358401234567")
    make_referral(someone, partner_org, adviser)
    make_appointment(someone, adviser)
    notifications_prepare(appointments=Appointment.objects.all(), kind="confirmation")
    client.force_login(adviser)
    one = _panel_queries(client, someone)
    for _ in range(4):
        referral = make_referral(someone, partner_org, adviser)
        services.referral_transition(referral=referral, status="accepted", by=partner_user)
        services.closing_report_file(
            referral=referral,
            filed_by=partner_user,
            work_done="w",
            results="r",
            outcome="study",
            next_steps="n",
            further_support_needed=False,
        )
        make_appointment(someone, adviser)
    notifications_prepare(appointments=Appointment.objects.all(), kind="confirmation")
    many = _panel_queries(client, someone)
    assert one == many
