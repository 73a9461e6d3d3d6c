from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_adviser_signs_in_and_lands_on_my_work_then_the_caseload(
    page, live_server, sign_in, adviser, client_a, screenshot
):
    sign_in(page, "alice")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    page.get_by_role("link", name="Caseload").first.click()
    expect(page.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
    expect(
        page.get_by_role("link", name=f"{client_a.last_name}, {client_a.first_name}")
    ).to_be_visible()
    screenshot(page, "caseload")


def test_wrong_password_keeps_the_username_and_says_why(page, live_server, adviser):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("alice")
