"""The adviser's daily loop in a real browser: find who is due, hold the interview, book the next."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interviews.choices import Channel
from interviews.models import Appointment, Interview
from plans.models import PlanVersion
from tests.conftest import make_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def overdue_client(team_a, adviser):
    today = timezone.localdate()
    make_client(
        team_a,
        first_name="Olli",
        last_name="Ajallaan",
        responsible_adviser=adviser,
        last_held_on=today - dt.timedelta(days=20),
    )
    return make_client(
        team_a,
        first_name="Kaisa",
        last_name="Virtanen",
        responsible_adviser=adviser,
        last_held_on=today - dt.timedelta(days=120),
        last_channel=Channel.PHONE,
    )


def local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def open_overdue_client(page, live_server, sign_in, screenshot):
    sign_in(page, "alice")
    expect(page.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
    page.get_by_label("Due state").select_option(label="Overdue")
    expect(page).to_have_url(re.compile(r"due_state=overdue"))
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Ajallaan, Olli")).to_have_count(0)
    expect(results.get_by_role("link", name="Virtanen, Kaisa")).to_be_visible()
    screenshot(page, "caseload")
    results.get_by_role("link", name="Virtanen, Kaisa").click()
    expect(page.get_by_role("heading", name="Kaisa Virtanen", level=1)).to_be_visible()


def test_adviser_logs_an_interview_with_a_plan_and_books_the_next(
    page, live_server, sign_in, screenshot, adviser, overdue_client
):
    open_overdue_client(page, live_server, sign_in, screenshot)
    page.get_by_role("button", name="Show full code").click()
    expect(page.get_by_text(overdue_client.personal_identity_code)).to_be_visible()
    screenshot(page, "client-page")

    page.get_by_role("link", name="Log interview").click()
    expect(page.get_by_role("heading", name="Log interview", level=1)).to_be_visible()
    page.get_by_label("Channel").select_option(label="Face to face")
    page.get_by_label("Outcome").select_option(label="Held")
    expect(page.get_by_label("Held at")).not_to_have_value("")
    page.get_by_label("Duration (minutes)").fill("45")
    page.get_by_label("Notes").fill("Agreed to try a work trial in logistics.")
    page.get_by_label("Goal", exact=True).select_option(label="Work")
    # A part-time style obligation: one application in each three-month review period.
    page.get_by_label("Job applications per review period").fill("1")
    page.get_by_label("Review period", exact=True).select_option(label="Three months")
    new_action = page.get_by_role("group", name="New action 1")
    new_action.get_by_label("Type").select_option(label="Work trial")
    new_action.get_by_label("Description").fill("Work trial at a logistics centre")
    screenshot(page, "interview-form")
    page.get_by_role("button", name="Save interview").click()

    expect(page.get_by_role("heading", name="Book the next appointment")).to_be_visible()
    expect(page.get_by_text("Interview saved.")).to_be_visible()
    assert Interview.objects.filter(client=overdue_client).count() == 1
    version = PlanVersion.objects.get(plan__client=overdue_client)
    assert (version.applications_per_month, version.job_search_period_months) == (1, 3)
    assert version.job_search_from is not None and version.job_search_from.day == 1

    page.goto(f"{live_server.url}/clients/?due_state=overdue")
    expect(page.get_by_role("link", name="Virtanen, Kaisa")).to_have_count(0)
    page.get_by_label("Due state").select_option(label="OK")
    expect(page.locator("#results").get_by_role("link", name="Virtanen, Kaisa")).to_be_visible()
    page.locator("#results").get_by_role("link", name="Virtanen, Kaisa").click()
    expect(page.get_by_text("Work trial at a logistics centre").first).to_be_visible()

    page.get_by_role("link", name="Book appointment").click()
    page.get_by_label("Channel").select_option(label="Face to face")
    page.get_by_label("Place").fill("Room 3, Main street 1")
    screenshot(page, "appointment-booking")
    page.get_by_role("button", name="Book appointment").click()
    expect(page.get_by_text("Appointment booked.")).to_be_visible()
    appointment = Appointment.objects.get(client=overdue_client)
    assert appointment.place == "Room 3, Main street 1"
    expect(page.get_by_role("heading", name="Booked appointments")).to_be_visible()
    expect(page.get_by_text("Room 3, Main street 1").first).to_be_visible()
    screenshot(page, "client-page-after-interview")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Appointments").click()
    page.get_by_label("Days ahead").select_option(label="90 days")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name="Virtanen, Kaisa").first).to_be_visible()
    screenshot(page, "appointments")


def test_invalid_interview_shows_the_errors_and_keeps_the_input(
    page, live_server, sign_in, screenshot, adviser, overdue_client
):
    open_overdue_client(page, live_server, sign_in, screenshot)
    page.get_by_role("link", name="Log interview").click()
    tomorrow = local_input(timezone.now() + dt.timedelta(days=1))
    page.get_by_label("Channel").select_option(label="Face to face")
    page.get_by_label("Held at").fill(tomorrow)
    page.get_by_label("Notes").fill("Typed before the mistake.")
    new_action = page.get_by_role("group", name="New action 1")
    new_action.get_by_label("Type").select_option(label="Coaching by a partner")
    page.get_by_role("button", name="Save interview").click()

    expect(page.get_by_role("alert").first).to_contain_text("Please correct the errors")
    expect(page.get_by_text("An interview cannot be held in the future.")).to_be_visible()
    expect(page.get_by_label("Outcome")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Channel")).to_have_value("face_to_face")
    expect(page.get_by_label("Held at")).to_have_value(tomorrow)
    expect(page.get_by_label("Notes")).to_have_value("Typed before the mistake.")
    screenshot(page, "interview-form-errors")
    assert not Interview.objects.exists()

    # Correct the mistakes in place and save: one interview, with the plan.
    page.get_by_label("Outcome").select_option(label="Held")
    page.get_by_label("Held at").fill(local_input(timezone.now() - dt.timedelta(minutes=5)))
    page.get_by_label("Goal", exact=True).select_option(label="Training or study")
    new_action = page.get_by_role("group", name="New action 1")
    expect(new_action.get_by_label("Type")).to_have_value("coaching")
    new_action.get_by_label("Description").fill("Coaching for job search")
    page.get_by_role("button", name="Save interview").click()
    expect(page.get_by_role("heading", name="Book the next appointment")).to_be_visible()
    assert Interview.objects.filter(client=overdue_client).count() == 1


def test_not_held_outcome_hides_the_plan(page, live_server, sign_in, adviser, overdue_client):
    sign_in(page, "alice")
    page.goto(f"{live_server.url}/interviews/clients/{overdue_client.pk}/log/")
    plan = page.get_by_role("group", name="Employment plan")
    expect(plan).to_be_visible()
    page.get_by_label("Outcome").select_option(label="Client did not attend")
    expect(plan).to_be_hidden()
    page.get_by_label("Outcome").select_option(label="Held")
    expect(plan).to_be_visible()
