"""axe-core (vendored from npm, static/vendor/axe-core) over every main page in Finnish,
Swedish and English: no serious or critical violation of WCAG 2.1 A/AA or best practice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from interviews.choices import Channel
from interviews.services import appointment_book
from tests.conftest import PASSWORD, make_client, make_interview

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SIGN_IN = {"fi": "Kirjaudu sisään", "sv": "Logga in", "en": "Sign in"}


def axe_violations(page) -> list[dict]:
    """Inject axe-core and return the serious and critical violations on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                            (n.any[0] ? n.any[0].message : n.failureSummary))}));
        }""",
        TAGS,
    )
    return result


@pytest.fixture
def office_day(team_a, adviser, lead):
    today = timezone.localdate()
    overdue = make_client(
        team_a,
        first_name="Kaisa",
        last_name="Virtanen",
        responsible_adviser=adviser,
        last_held_on=today - dt.timedelta(days=120),
        last_channel=Channel.PHONE,
    )
    make_interview(overdue, adviser, held_on=today - dt.timedelta(days=120))
    for n in range(3):
        make_client(team_a, last_name=f"Asiakas{n}", responsible_adviser=adviser)
    appointment_book(
        client=overdue,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() + dt.timedelta(days=2),
        channel=Channel.PHONE,
    )
    return overdue


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_main_pages_have_no_serious_accessibility_violations(
    browser, live_server, lead, office_day, lang, screenshot
):
    context = browser.new_context(
        bypass_csp=True,  # axe is injected as an inline script; the app's CSP forbids those
        locale={"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[lang],
        extra_http_headers={"Accept-Language": lang},
        timezone_id="Europe/Helsinki",
    )
    page = context.new_page()
    found: dict[str, list[dict]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == lang, name
        violations = axe_violations(page)
        if violations:
            found[name] = violations
            screenshot(page, f"axe-{lang}-{name}")

    page.goto(f"{live_server.url}/accounts/login/")
    check("sign-in")
    page.locator("#id_username").fill(lead.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN[lang]).click()
    page.wait_for_load_state("networkidle")

    pages = {
        "caseload": "/clients/",
        "client": f"/clients/{office_day.pk}/",
        "appointments": "/interviews/appointments/",
        "adviser-week": "/interviews/appointments/week/",
        "register-client": "/clients/new/",
        "edit-client": f"/clients/{office_day.pk}/edit/",
        "team-dashboard": f"/teams/{office_day.team_id}/",
        "coverage-report": "/reports/coverage/",
        "api-docs": "/api/docs/",
        "accessibility-statement": "/accessibility/",
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        check(name)

    # The interview form with its errors shown (an htmx swap): nothing chosen, then save.
    page.goto(f"{live_server.url}/interviews/clients/{office_day.pk}/log/")
    page.locator("#id_held_at").fill("")
    page.locator("form#interview-form button[type=submit]").click()
    expect(page.locator(".alert[role=alert]").first).to_be_visible()
    check("interview-form-errors")
    context.close()

    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_main_pages_reflow_at_320_pixels_without_sideways_scrolling(
    browser, live_server, lead, office_day, screenshot
):
    """WCAG 1.4.10: at 320 CSS pixels (1280 px at 400 % zoom) the page itself never scrolls
    sideways; only wide data tables scroll inside their own box."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(lead.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    too_wide = {}
    for name, path in {
        "caseload": "/clients/",
        "client": f"/clients/{office_day.pk}/",
        "interview-form": f"/interviews/clients/{office_day.pk}/log/",
        "appointments": "/interviews/appointments/",
        "team-dashboard": f"/teams/{office_day.team_id}/",
        "coverage-report": "/reports/coverage/",
        "accessibility-statement": "/accessibility/",
    }.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 321:
            too_wide[name] = width
            screenshot(page, f"reflow-320-{name}")
    context.close()
    assert not too_wide, too_wide
