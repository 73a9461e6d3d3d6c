"""A referral made straight from the interview form: saved with the interview and its plan in
one transaction, refused as a whole without the client's valid consent."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import ChangeEvent
from interviews.choices import Outcome
from interviews.models import Interview
from partners.models import Referral, ReferralEvent
from plans.models import ActionKind, ActionStatus, PlanVersion
from tests.web.test_interview_log import form_data

from .conftest import make_consent

pytestmark = pytest.mark.django_db

REASON = "Long unemployment; wants support with applications"
SHARED = "Contact details and the employment plan"


def url(client_obj) -> str:
    return reverse("interviews:log", args=[client_obj.pk])


def with_referral(partner_org, **overrides) -> dict:
    return form_data(
        **{
            "referral-service": str(partner_org.services.get().pk),
            "referral-reason": REASON,
            "referral-shared_information": SHARED,
            **overrides,
        }
    )


def test_the_form_offers_an_optional_referral(client, adviser, client_a, partner_org):
    client.force_login(adviser)
    html = client.get(url(client_a)).content.decode()
    assert "Refer to a partner (optional)" in html
    assert ">Partner service</label>" in html and ">No referral</option>" in html
    assert "Valmennus Oy – Job coaching (Coaching)" in html
    assert reverse("partners:client_panel", args=[client_a.pk]) in html


def test_held_interview_with_a_consented_referral_saves_all_in_one_plan_version(
    client, adviser, client_a, partner_org
):
    make_consent(client_a, partner_org, adviser)
    client.force_login(adviser)
    response = client.post(url(client_a), with_referral(partner_org))
    assert response.status_code == 302

    interview = Interview.objects.get(client=client_a)
    referral = Referral.objects.get(client=client_a)
    assert (referral.status, referral.reason, referral.shared_information) == (
        "sent",
        REASON,
        SHARED,
    )
    assert referral.created_by == adviser and referral.service.partner == partner_org
    assert list(referral.events.values_list("status", flat=True)) == ["sent"]
    # One version, agreed at the interview, with the form's action and the referral's.
    version = PlanVersion.objects.get(plan__client=client_a)
    assert version.interview == interview
    actions = [(a.kind, a.description, a.status, a.referral_id) for a in version.actions.all()]
    assert actions == [
        (ActionKind.WORK_TRIAL, "Work trial at a warehouse", ActionStatus.PLANNED, None),
        (ActionKind.COACHING, "Valmennus Oy – Job coaching", ActionStatus.PLANNED, referral.pk),
    ]


def test_without_consent_nothing_is_saved_and_the_form_keeps_the_input(
    client, adviser, client_a, partner_org
):
    client.force_login(adviser)
    data = with_referral(partner_org, notes="Agreed to try coaching.")
    response = client.post(url(client_a), data)

    assert response.status_code == 200
    assert not Interview.objects.exists()
    assert not Referral.objects.exists() and not ReferralEvent.objects.exists()
    assert not PlanVersion.objects.exists()
    assert not ChangeEvent.objects.filter(client_id=client_a.pk).exists()
    referral_form = response.context["referral_form"]
    assert list(referral_form.errors) == ["service"]
    assert (
        "no valid consent to share information with Valmennus Oy"
        in (referral_form.errors["service"][0])
    )
    html = response.content.decode()
    assert "Please correct the errors below. Nothing was saved yet." in html
    # Everything typed is still there: interview, plan, action and referral.
    for kept in (
        "Agreed to try coaching.",
        "Warehouse work",
        'value="Work trial at a warehouse"',
        REASON,
        SHARED,
        f'value="{data["submission_key"]}"',
    ):
        assert kept in html
    service = partner_org.services.get()
    assert f'<option value="{service.pk}" selected>' in html

    # With the consent recorded, the same form (same submission key) saves.
    make_consent(client_a, partner_org, adviser)
    assert client.post(url(client_a), data).status_code == 302
    assert Interview.objects.count() == 1 and Referral.objects.count() == 1


def test_htmx_refusal_returns_the_form_fragment_with_the_error(
    client, adviser, client_a, partner_org
):
    client.force_login(adviser)
    response = client.post(
        url(client_a), with_referral(partner_org), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "no valid consent to share information with Valmennus Oy" in html
    assert not Interview.objects.exists()


def test_revoked_or_expired_consent_is_no_consent(client, adviser, client_a, partner_org):
    consent = make_consent(client_a, partner_org, adviser)
    from partners.services import consent_revoke

    consent_revoke(consent=consent, revoked_by=adviser)
    client.force_login(adviser)
    response = client.post(url(client_a), with_referral(partner_org))
    assert response.status_code == 200
    assert "service" in response.context["referral_form"].errors
    assert not Interview.objects.exists() and not Referral.objects.exists()


def test_a_half_filled_referral_asks_for_the_rest_and_saves_nothing(
    client, adviser, client_a, partner_org
):
    make_consent(client_a, partner_org, adviser)
    client.force_login(adviser)
    response = client.post(
        url(client_a), with_referral(partner_org, **{"referral-shared_information": ""})
    )
    assert response.status_code == 200
    assert list(response.context["referral_form"].errors) == ["shared_information"]
    assert not Interview.objects.exists() and not Referral.objects.exists()


def test_a_referral_needs_a_held_interview(client, adviser, client_a, partner_org):
    make_consent(client_a, partner_org, adviser)
    client.force_login(adviser)
    response = client.post(url(client_a), with_referral(partner_org, outcome=Outcome.NO_SHOW))
    assert response.status_code == 200
    assert "at a held interview" in response.context["referral_form"].errors["service"][0]
    assert not Interview.objects.exists() and not Referral.objects.exists()


def test_an_empty_referral_changes_nothing_in_the_interview_form(
    client, adviser, client_a, partner_org
):
    make_consent(client_a, partner_org, adviser)
    client.force_login(adviser)
    assert client.post(url(client_a), form_data()).status_code == 302
    assert Interview.objects.count() == 1
    assert not Referral.objects.exists()
    version = PlanVersion.objects.get(plan__client=client_a)
    assert [a.referral_id for a in version.actions.all()] == [None]


def test_a_double_submit_makes_one_referral(client, adviser, client_a, partner_org):
    make_consent(client_a, partner_org, adviser)
    client.force_login(adviser)
    data = with_referral(partner_org)
    client.post(url(client_a), data)
    client.post(url(client_a), data)
    assert Interview.objects.count() == 1 and Referral.objects.count() == 1
    assert PlanVersion.objects.filter(plan__client=client_a).count() == 1


def test_outsider_cannot_refer_through_the_interview_form(
    client, outsider, adviser, client_a, partner_org
):
    make_consent(client_a, partner_org, adviser)
    client.force_login(outsider)
    assert client.post(url(client_a), with_referral(partner_org)).status_code == 404
    assert not Referral.objects.exists()
