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


def test_done_when_on_the_demo_office_referral_from_the_interview_to_the_coverage_report(
    page, live_server, sign_in, screenshot
):
    """Issue 8's "done when": on the demo office the adviser refers a consenting client to the
    demo coaching partner from the interview form, the partner user accepts and later files a
    closing report, the adviser sees it, and the outcome appears in the coverage report."""
    from clients.models import Client, Status
    from tools.demo.office import seed_demo
    from tools.demo.partners import seed_partners

    today = timezone.localdate()
    seed_demo(clients=120, seed=8, today=today, password="demo")
    seed_partners(password="demo")
    subject = (
        Client.objects.filter(team__name="Team 1", status=Status.UNEMPLOYED).order_by("pk").first()
    )
    client_url = f"{live_server.url}/clients/{subject.pk}/"
    service_label = "Valmennus Oy – Job coaching (Coaching)"
    reason = "Long unemployment; wants support with applications"

    # 1. The adviser logs the interview and refers the client in the same form. Without the
    #    client's consent the whole form comes back with the error by the referral, as typed.
    sign_in(page, "adviser", "demo")
    page.goto(client_url)
    page.get_by_role("link", name="Log interview").click()
    page.get_by_label("Outcome", exact=True).select_option(label="Held")
    page.get_by_label("Notes").fill("Agreed on coaching with Valmennus Oy.")
    page.get_by_label("Goal", exact=True).select_option(label="Work")
    page.get_by_label("Partner service").select_option(label=service_label)
    page.get_by_label("Reason", exact=True).fill(reason)
    page.get_by_label("Information shared with the partner").fill("Contact details, plan")
    page.get_by_role("button", name="Save interview").click()
    expect(
        page.locator(".errorlist").get_by_text(
            "no valid consent to share information with Valmennus Oy"
        )
    ).to_be_visible()
    expect(page.get_by_text("Nothing was saved yet.")).to_be_visible()
    expect(page.get_by_label("Reason", exact=True)).to_have_value(reason)
    expect(page.get_by_label("Notes")).to_have_value("Agreed on coaching with Valmennus Oy.")
    assert not Referral.objects.exists()
    screenshot(page, "interview-referral-without-consent")

    # 2. The consent is recorded in the partner panel (a new tab); the same form then saves.
    with page.context.expect_page() as new_tab:
        page.get_by_role("link", name="The client's consents and referrals").click()
    panel = new_tab.value
    panel.get_by_text("Record the client's consent", exact=True).click()
    panel.get_by_label("Partner", exact=True).select_option(label="Valmennus Oy")
    panel.get_by_label("Purpose").fill("Job coaching")
    panel.get_by_label("Information that may be shared").fill("Contact details, plan")
    panel.get_by_label("Valid from").fill(today.isoformat())
    panel.get_by_label("Valid until").fill((today + dt.timedelta(days=120)).isoformat())
    panel.get_by_label("How given").select_option(label="In person, orally")
    panel.get_by_role("button", name="Record consent").click()
    expect(panel.get_by_role("cell", name="Valid")).to_be_visible()
    panel.close()

    page.get_by_role("button", name="Save interview").click()
    expect(page.get_by_text("Interview saved.")).to_be_visible()
    page.goto(client_url)
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Referral · Valmennus Oy – Job coaching · Sent")
    plan = page.get_by_role("region", name="Employment plan")
    plan_row = plan.get_by_role("row").filter(has_text="Valmennus Oy – Job coaching")
    expect(plan_row).to_contain_text("Coaching by a partner")
    expect(plan_row).to_contain_text("Referral sent")

    # 3. The demo partner user accepts and later files the closing report in the portal.
    page.context.clear_cookies()
    sign_in(page, "partner", "demo")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    page.get_by_role("link", name=subject.full_name).click()
    page.get_by_role("button", name="Accept referral").click()
    expect(page.get_by_text("Referral accepted.")).to_be_visible()
    page.get_by_label("Work done").fill("Six coaching meetings; CV and interview practice.")
    page.get_by_label("Results").fill("A work trial at a logistics company.")
    page.get_by_label("Outcome").select_option(label="Work trial")
    page.get_by_label("Next steps").fill("Work trial from next month.")
    page.get_by_role("button", name="File closing report").click()
    expect(page.get_by_text("Closing report filed. Thank you.")).to_be_visible()

    # 4. The adviser sees the report on the client page, on the timeline and in the plan.
    page.context.clear_cookies()
    sign_in(page, "adviser", "demo")
    page.goto(client_url)
    expect(page.get_by_test_id("review-badge")).to_be_visible()
    expect(page.get_by_text("A work trial at a logistics company.")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Valmennus Oy – Job coaching · Ended · Work trial")
    plan = page.get_by_role("region", name="Employment plan")
    plan_row = plan.get_by_role("row").filter(has_text="Valmennus Oy – Job coaching")
    expect(plan_row).to_contain_text("Referral ended")
    expect(plan_row).to_contain_text("Work trial (partner's report)")
    screenshot(page, "client-page-referral-ended")

    # 5. The manager finds the outcome in this month's coverage report.
    page.context.clear_cookies()
    sign_in(page, "manager", "demo")
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("Period", exact=True).select_option("month")
    page.get_by_label("Month", exact=True).select_option(f"{today:%Y-%m}")
    page.get_by_role("button", name="Show report").click()
    expect(
        page.get_by_role("heading", name="Outcomes of partner referrals that ended in the period")
    ).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Work trial: 1")).to_be_visible()
    screenshot(page, "coverage-report-referral-outcomes")

    referral = Referral.objects.get()
    assert (referral.client, referral.status, referral.outcome) == (subject, "ended", "work_trial")
    assert referral.plan_actions.filter(version__interview__isnull=False).exists()
