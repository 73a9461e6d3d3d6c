"""The whole partner loop in a real browser: consent, referral, the partner accepts and files a
closing report in the portal, and the adviser sees it flagged for the next interview."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partners.models import Referral

pytestmark = pytest.mark.django_db(transaction=True)


def test_referral_to_closing_report_round_trip(
    page, live_server, sign_in, screenshot, adviser, client_a, partner_org, partner_user
):
    panel_url = f"{live_server.url}/partners/clients/{client_a.pk}/"
    today = timezone.localdate()

    # The adviser records the client's consent and refers the client.
    sign_in(page, "alice")
    page.goto(panel_url)
    page.get_by_text("Refer to a partner", exact=True).click()
    page.get_by_label("Partner service").select_option(
        label="Valmennus Oy – Job coaching (Coaching)"
    )
    page.get_by_label("Reason").fill("Long unemployment, wants support with applications")
    page.get_by_label("Information shared with the partner").fill("Contact details, plan")
    page.get_by_role("button", name="Send referral").click()
    expect(
        page.get_by_text("no valid consent to share information with Valmennus Oy")
    ).to_be_visible()

    page.get_by_text("Record the client's consent", exact=True).click()
    page.get_by_label("Partner", exact=True).select_option(label="Valmennus Oy")
    page.get_by_label("Purpose").fill("Job coaching")
    page.get_by_label("Information that may be shared").fill("Contact details, plan")
    page.get_by_label("Valid from").fill(today.isoformat())
    page.get_by_label("Valid until").fill((today + dt.timedelta(days=120)).isoformat())
    page.get_by_label("How given").select_option(label="In writing (signed)")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("cell", name="Valid")).to_be_visible()

    page.get_by_text("Refer to a partner", exact=True).click()
    page.get_by_label("Partner service").select_option(
        label="Valmennus Oy – Job coaching (Coaching)"
    )
    page.get_by_label("Reason").fill("Long unemployment, wants support with applications")
    page.get_by_label("Information shared with the partner").fill("Contact details, plan")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("article", name="Referral to Job coaching")).to_contain_text("Sent")
    screenshot(page, "partner-panel-referral-sent")

    # The partner signs in at the normal sign-in page and lands on the portal.
    page.context.clear_cookies()
    sign_in(page, "pia")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Referrals")).to_be_visible()
    expect(page.get_by_text(client_a.personal_identity_code)).to_have_count(0)
    page.get_by_role("link", name=client_a.full_name).click()
    page.get_by_role("button", name="Accept referral").click()
    expect(page.get_by_text("Referral accepted.")).to_be_visible()

    page.get_by_role("button", name="File closing report").click()  # empty: errors, no report
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    page.get_by_label("Work done").fill("Six coaching meetings; CV and interview practice.")
    page.get_by_label("Results").fill("Got a place in a work trial at a logistics company.")
    page.get_by_label("Outcome").select_option(label="Work trial")
    page.get_by_label("Next steps").fill("Work trial from next month; follow-up by the adviser.")
    page.get_by_label("Further support needed").check()
    page.get_by_label("What further support").fill("Help with the trial agreement.")
    screenshot(page, "portal-closing-report")
    page.get_by_role("button", name="File closing report").click()
    expect(page.get_by_text("Closing report filed. Thank you.")).to_be_visible()

    # The partner cannot wander into adviser pages.
    response = page.goto(f"{live_server.url}/clients/")
    assert response.status == 403

    # The adviser sees the report, flagged for the next interview.
    page.context.clear_cookies()
    sign_in(page, "alice")
    page.goto(panel_url)
    expect(page.get_by_test_id("review-badge")).to_be_visible()
    expect(page.get_by_text("Got a place in a work trial at a logistics company.")).to_be_visible()
    expect(page.get_by_text("Help with the trial agreement.")).to_be_visible()
    screenshot(page, "partner-panel-closing-report")
    page.get_by_role("button", name="Reviewed with the client").click()
    expect(page.get_by_test_id("review-badge")).to_have_count(0)

    referral = Referral.objects.get()
    assert (referral.status, referral.outcome, referral.needs_review) == (
        "ended",
        "work_trial",
        False,
    )
