"""The adviser's interview loop with the keyboard only: Tab (and Shift+Tab) to move, Enter
and Space to act, arrow keys inside a select, typing in text fields. Every stop shows a
visible focus outline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interviews.choices import Channel, Outcome
from interviews.models import Appointment, Interview
from tests.conftest import PASSWORD, make_client

pytestmark = pytest.mark.django_db(transaction=True)


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName.toLowerCase(), name: el.getAttribute('name') || '',
                    text: (el.innerText || el.value || '').trim(), id: el.id,
                    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
        }"""
    )


def tab_to(page, match, limit: int = 120) -> dict:
    """Press Tab until the focused element matches; it must show a visible focus outline."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if match(now):
            assert now["outline"], f"no visible focus on {now}"
            return now
    raise AssertionError("never reached the element with Tab")


@pytest.fixture
def overdue(team_a, adviser):
    return make_client(
        team_a,
        first_name="Kaisa",
        last_name="Virtanen",
        responsible_adviser=adviser,
        last_held_on=timezone.localdate() - dt.timedelta(days=120),
        last_channel=Channel.PHONE,
    )


def test_adviser_holds_an_interview_and_books_the_next_with_the_keyboard_only(
    page, live_server, adviser, overdue, screenshot
):
    page.goto(f"{live_server.url}/accounts/login/")
    assert focused(page)["name"] == "username"  # autofocus
    page.keyboard.type(adviser.username)
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # Signing in lands on my work: the overdue client is there, one link away.
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()

    # The skip link is the first stop and takes the focus to the content.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Virtanen, Kaisa")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Kaisa Virtanen", level=1)).to_be_visible()

    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Log interview")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Log interview", level=1)).to_be_visible()

    # Save with nothing chosen: the errors come back and take the focus.
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Save interview")
    page.keyboard.press("Enter")
    expect(page.locator(".alert[role=alert]").first).to_be_focused()

    tab_to(page, lambda f: f["name"] == "channel")
    page.keyboard.press("ArrowDown")  # Phone → Face to face
    tab_to(page, lambda f: f["name"] == "outcome")
    page.keyboard.press("ArrowDown")  # Choose… → Held
    expect(page.locator("[name=outcome]")).to_have_value(Outcome.HELD)
    tab_to(page, lambda f: f["name"] == "duration_minutes")
    page.keyboard.type("40")
    tab_to(page, lambda f: f["name"] == "plan-goal")
    page.keyboard.press("ArrowDown")
    tab_to(page, lambda f: f["name"] == "plan-applications_per_month")
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    screenshot(page, "keyboard-interview-form")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Save interview")
    page.keyboard.press("Space")

    expect(page.get_by_role("heading", name="Book the next appointment")).to_be_visible()
    interview = Interview.objects.get(client=overdue)
    assert interview.outcome == Outcome.HELD and interview.channel == Channel.FACE_TO_FACE

    tab_to(page, lambda f: f["name"] == "place")  # the channel follows the interview's
    page.keyboard.type("Room 3, Main street 1")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Book appointment")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Appointment booked.")).to_be_visible()
    assert Appointment.objects.get(client=overdue).place == "Room 3, Main street 1"
    screenshot(page, "keyboard-after-booking")
