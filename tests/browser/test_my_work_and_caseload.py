"""My work (the start page) and the sorted, searched caseload in real Chromium: at 320 and
1280 pixels, in Finnish, Swedish and English; screenshots under artifacts/screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_violations
from tests.conftest import PASSWORD, make_client
from tests.web.test_my_work import _work

pytestmark = pytest.mark.django_db(transaction=True)

LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
WORDS = {
    "fi": {
        "sign_in": "Kirjaudu sisään",
        "my_work": "Oma työ",
        "caseload": "Asiakkaat",
        "interviews": "Myöhässä tai tällä viikolla erääntyvät haastattelut",
        "log": "Kirjaa haastattelu",
        "client": "Asiakas",
        "name": "Nimi",
        "code": "Henkilötunnus",
        "find": "Etsi",
    },
    "sv": {
        "sign_in": "Logga in",
        "my_work": "Mitt arbete",
        "caseload": "Kunder",
        "interviews": "Intervjuer som är försenade eller ska hållas denna vecka",
        "log": "Registrera en intervju",
        "client": "Kund",
        "name": "Namn",
        "code": "Personbeteckning",
        "find": "Sök",
    },
    "en": {
        "sign_in": "Sign in",
        "my_work": "My work",
        "caseload": "Caseload",
        "interviews": "Interviews overdue or due this week",
        "log": "Log an interview",
        "client": "Client",
        "name": "Name",
        "code": "Personal identity code",
        "find": "Find",
    },
}


def _page(browser, live_server, user, lang: str, width: int):
    context = browser.new_context(
        bypass_csp=True,  # axe is injected as an inline script
        viewport={"width": width, "height": 900},
        locale=LOCALES[lang],
        extra_http_headers={"Accept-Language": lang},
        timezone_id="Europe/Helsinki",
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=WORDS[lang]["sign_in"]).click()
    page.wait_for_load_state("networkidle")
    return context, page


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_signing_in_lands_on_my_work_and_each_row_is_one_click_from_its_action(
    browser, live_server, adviser, team_a, partner_org, partner_user, lang, width, screenshot
):
    subject = _work(team_a, adviser, partner_org, partner_user, name="Virtanen")
    words = WORDS[lang]
    context, page = _page(browser, live_server, adviser, lang, width)
    expect(page.get_by_role("heading", name=words["my_work"], level=1)).to_be_visible()
    assert page.url == f"{live_server.url}/work/"
    assert page.locator("html").get_attribute("lang") == lang
    # The menu's count, and five sections with one thing each (no job-search period has
    # ended short: the sixth shows 0).
    nav = page.get_by_role("navigation").first
    expect(nav.locator(".count")).to_have_text("5")
    for heading in page.locator("section.work:not(#work-shortfalls) h2").all():
        expect(heading.locator(".count")).to_have_text("1")
    expect(page.locator("#work-shortfalls h2 .count")).to_have_text("0")
    section = page.locator("#work-interviews")
    expect(section.get_by_role("heading", name=re.compile(words["interviews"]))).to_be_visible()
    _no_sideways_scroll(page)
    assert axe_violations(page) == []
    screenshot(page, f"my-work-{lang}-{width}")
    # One click: from the row to logging the interview.
    section.get_by_role("link", name=words["log"]).click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/interviews/clients/{subject.pk}/log/"
    context.close()


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_caseload_sorts_and_searches_names_and_posts_the_code(
    browser, live_server, adviser, team_a, lang, width, screenshot
):
    words = WORDS[lang]
    make_client(team_a, first_name="Åsa", last_name="Nyström", responsible_adviser=adviser)
    make_client(team_a, first_name="Helmi", last_name="Niemi", responsible_adviser=adviser)
    found = make_client(team_a, first_name="Olli", last_name="Aalto", responsible_adviser=adviser)
    context, page = _page(browser, live_server, adviser, lang, width)
    page.get_by_role("link", name=words["caseload"]).first.click()
    results = page.locator("#results")
    rows = results.locator("tbody tr td:first-child a")

    # Sort by name, then the reverse: the header says so, the URL keeps it.
    header = results.locator("th", has=page.get_by_role("link", name=re.compile(words["client"])))
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(rows).to_have_text(["Aalto, Olli", "Niemi, Helmi", "Nyström, Åsa"])
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(rows).to_have_text(["Nyström, Åsa", "Niemi, Helmi", "Aalto, Olli"])
    _no_sideways_scroll(page)
    screenshot(page, f"caseload-sorted-{lang}-{width}")

    # The name search: plain letters find Nordic ones; the sort is kept.
    page.get_by_label(words["name"], exact=True).fill("nystrom")
    expect(rows).to_have_text(["Nyström, Åsa"])
    expect(page).to_have_url(re.compile(r"q=nystrom.*sort=-name|sort=-name.*q=nystrom"))
    page.get_by_label(words["name"], exact=True).fill("Niemi, Helmi")
    expect(rows).to_have_text(["Niemi, Helmi"])
    page.reload()
    expect(rows).to_have_text(["Niemi, Helmi"])
    expect(results.locator("th[aria-sort=descending]")).to_have_count(1)
    screenshot(page, f"caseload-searched-{lang}-{width}")

    # The identity code is posted: the match is shown, the URL and history never hold it.
    url_before = page.url
    page.get_by_label(words["code"], exact=True).fill(found.personal_identity_code)
    page.get_by_role("button", name=words["find"], exact=True).click()
    expect(rows).to_have_text(["Aalto, Olli"])
    assert page.url == url_before and found.personal_identity_code not in page.url
    history = page.evaluate("() => window.history.length")
    assert found.personal_identity_code not in page.evaluate("() => location.href")
    # Half a code finds no one and says why.
    page.get_by_label(words["code"], exact=True).fill(found.personal_identity_code[:7])
    page.get_by_role("button", name=words["find"], exact=True).click()
    expect(rows).to_have_count(0)
    assert page.evaluate("() => window.history.length") == history
    _no_sideways_scroll(page)
    assert axe_violations(page) == []
    screenshot(page, f"caseload-code-{lang}-{width}")
    context.close()
