"""Every htmx update with the keyboard (issue 20): after the swap, focus is in the updated region
(its error summary, its heading, or the region itself) or still on the field the user typed in,
the change is announced once in the live region, and errors are tied to their fields."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_client

pytestmark = pytest.mark.django_db(transaction=True)


def active(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const region = el.closest('[id]');
            return {tag: el.tagName.toLowerCase(), id: el.id, region: region ? region.id : '',
                    inResults: !!el.closest('#results'), inPanel: !!el.closest('#partner-panel'),
                    inFooter: !!el.closest('footer'), text: el.textContent.trim().slice(0, 80)};
        }"""
    )


def announced(page: Page) -> str:
    """What the live region says once the swap has settled (it fills after a short delay)."""
    live = page.locator("#swap-announcer")
    expect(live).not_to_have_text("")
    return live.inner_text()


def press_on(page: Page, locator, key: str = "Enter") -> None:
    """Focus a control as Tab would, then act with the key."""
    locator.focus()
    page.keyboard.press(key)


@pytest.fixture
def caseload(team_a, adviser):
    return [
        make_client(team_a, last_name=f"Asiakas{n:02}", responsible_adviser=adviser)
        for n in range(55)
    ]


def test_caseload_count_links_and_paging_take_focus_to_the_results(
    page, live_server, sign_in, adviser, caseload
):
    sign_in(page, adviser.username)
    page.goto(f"{live_server.url}/clients/")

    press_on(page, page.locator("#results .due-counts a").first)
    expect(page.locator("#results .due-counts a[aria-current=true]")).to_have_count(1)
    expect(page.locator("#results caption")).to_be_focused()
    assert "client" in announced(page)
    page.keyboard.press("Tab")
    assert active(page)["inResults"], "the next Tab stays in the results, not the footer"

    page.goto(f"{live_server.url}/clients/")
    press_on(page, page.get_by_role("link", name="Next", exact=True))
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page.locator("#results caption")).to_be_focused()
    assert announced(page)
    assert page.locator("#swap-announcer").count() == 1


def test_caseload_identity_code_error_is_tied_to_the_field_and_announced(
    page, live_server, sign_in, adviser, caseload
):
    sign_in(page, adviser.username)
    page.goto(f"{live_server.url}/clients/")
    code = page.locator("#id_code")
    code.focus()
    page.keyboard.type("010180-12")
    page.keyboard.press("Enter")
    error = page.locator("#results-code-error")
    expect(error).to_be_visible()
    expect(code).to_be_focused()  # focus stays in the field being typed in
    expect(code).to_have_attribute("aria-invalid", "true")
    assert "results-code-error" in code.get_attribute("aria-describedby")
    assert error.inner_text() in announced(page)

    code.fill("131052-308T")  # a valid code of no client: no error, no one found
    page.keyboard.press("Enter")
    expect(error).to_have_count(0)
    expect(code).not_to_have_attribute("aria-invalid", "true")


def test_show_full_code_moves_focus_to_the_code(page, live_server, sign_in, adviser, client_a):
    sign_in(page, adviser.username)
    page.goto(f"{live_server.url}/clients/{client_a.pk}/")
    press_on(page, page.get_by_role("button", name="Show full code"))
    expect(page.locator("#identity-code")).to_contain_text(client_a.personal_identity_code)
    expect(page.locator("#identity-code")).to_be_focused()
    assert client_a.personal_identity_code in announced(page)


@pytest.mark.parametrize(
    ("summary", "button", "fields"),
    [
        ("Record the client's consent", "Record consent", ["id_partner", "id_purpose"]),
        ("Refer to a partner", "Send referral", ["id_service", "id_reason"]),
    ],
)
def test_partner_panel_form_errors_take_focus_link_to_their_fields_and_are_announced(
    page, live_server, sign_in, adviser, client_a, partner_org, summary, button, fields
):
    sign_in(page, adviser.username)
    page.goto(f"{live_server.url}/partners/clients/{client_a.pk}/")
    press_on(page, page.get_by_text(summary, exact=True))
    press_on(page, page.get_by_role("button", name=button))
    errors = page.locator("#partner-panel .error-summary")
    expect(errors).to_be_focused()
    # The summary is an alert, read out when it arrives; the live region does not repeat it.
    expect(errors).to_have_attribute("role", "alert")
    page.wait_for_timeout(300)
    assert page.locator("#swap-announcer").inner_text() == ""
    for field_id in fields:
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        assert f"{field_id}_error" in field.get_attribute("aria-describedby")
        expect(errors.locator(f"a[href='#{field_id}']")).to_have_count(1)
    # The summary's link takes the keyboard to the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f"#{fields[0]}")).to_be_focused()
