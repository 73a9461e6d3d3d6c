"""The client page's explanation of the due date in real Chromium, in Finnish and Swedish, at
320 and 1280 CSS pixels: the sentence wraps inside the page instead of widening it."""

from __future__ import annotations

import datetime as dt

import pytest

from teoffice.i18n import profile_language_set
from tests.conftest import PASSWORD, make_client

pytestmark = pytest.mark.django_db(transaction=True)
WORDS = {"fi": "Työnhakukeskustelu viimeistään", "sv": "Jobbsökningssamtal senast"}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_due_explanation_wraps_at_320_and_1280_pixels(
    browser, live_server, adviser, team_a, language, screenshot
):
    subject = make_client(
        team_a,
        responsible_adviser=adviser,
        status_since=dt.date(2026, 1, 5),
        last_held_on=dt.date(2026, 12, 14),
    )
    profile_language_set(user=adviser, language=language)
    for width in (320, 1280):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").fill(adviser.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/clients/{subject.pk}/")
        why = page.locator(".due-why")
        assert WORDS[language] in why.inner_text()
        screenshot(page, f"due-explanation-{language}-{width}")
        box = why.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width + 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        context.close()
