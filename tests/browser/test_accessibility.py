"""axe-core (vendored from npm, static/vendor/axe-core) over every main page state in Finnish,
Swedish and English at 320 and 1280 CSS pixels: no violation of any impact (WCAG 2.1 A/AA and
best practice), and no page wider than the screen (WCAG 1.4.10).

The page states are one list, `PAGES`: a state is who signs in, where they go, and what they do
there to reach the state. Add a page by appending a `PageState`. One live server and one demo
office serve the whole run; each language has one browser context per user, signed in once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
LANGUAGES = ["fi", "sv", "en"]
WIDTHS = [1280, 320]
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}


@dataclass
class Demo:
    """The ids the page states need, from the seeded demo office."""

    client: int  # a client of Team 1 (the adviser's and team lead's team)
    team: int
    referral: int  # a referral of `client` to the demo partner


@dataclass(frozen=True)
class PageState:
    name: str
    user: str  # a demo username; "" for a visitor who has not signed in
    path: Callable[[Demo], str]
    act: Callable[[Page], None] | None = None  # what the user does there to reach the state
    status: int = 200


def _caseload_after_htmx(page: Page) -> None:
    page.locator("#results .due-counts a").first.click()
    expect(page.locator("#results .due-counts a[aria-current=true]")).to_have_count(1)


def _interview_errors(page: Page) -> None:
    page.locator("#id_held_at").fill("")
    page.locator("form#interview-form button[type=submit]").click()
    expect(page.locator("#interview-form .error-summary")).to_be_visible()


def _consent_errors(page: Page) -> None:
    page.locator("#partner-panel details").nth(1).locator("summary").click()
    page.locator("#partner-panel form[action$='/consents/'] button[type=submit]").click()
    expect(page.locator("#partner-panel .error-summary")).to_be_visible()


def _rebalance_preview(page: Page) -> None:
    page.locator("#rebalance-clients input[type=checkbox]").first.check()
    page.locator("#id_to_adviser").select_option(index=1)
    page.locator("form[action$='/preview/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def _report(level: str) -> Callable[[Demo], str]:
    return lambda d: f"/reports/coverage/?period=month&level={level}"


# Every main page state. The lead adds pages here (e.g. the start page) at merge.
PAGES: list[PageState] = [
    PageState("sign-in", "", lambda d: "/accounts/login/"),
    PageState("start-page", "adviser", lambda d: "/work/"),
    PageState("start-page-lead", "teamlead", lambda d: "/work/"),
    PageState("coverage-goals", "manager", lambda d: "/teams/goals/"),
    PageState("caseload", "adviser", lambda d: "/clients/"),
    PageState("caseload-filtered", "adviser", lambda d: "/clients/?due_state=overdue&q=a"),
    PageState("caseload-htmx", "adviser", lambda d: "/clients/", _caseload_after_htmx),
    PageState("client", "adviser", lambda d: f"/clients/{d.client}/"),
    PageState(
        "interview-errors",
        "adviser",
        lambda d: f"/interviews/clients/{d.client}/log/",
        _interview_errors,
    ),
    PageState("appointments", "adviser", lambda d: "/interviews/appointments/"),
    PageState("adviser-week", "adviser", lambda d: "/interviews/appointments/week/"),
    PageState("register-client", "adviser", lambda d: "/clients/new/"),
    PageState("edit-client", "adviser", lambda d: f"/clients/{d.client}/edit/"),
    PageState(
        "partner-panel-errors",
        "adviser",
        lambda d: f"/partners/clients/{d.client}/",
        _consent_errors,
    ),
    PageState("team-dashboard", "teamlead", lambda d: f"/teams/{d.team}/"),
    PageState("rebalance", "teamlead", lambda d: f"/teams/{d.team}/rebalance/?which=all"),
    PageState(
        "rebalance-preview",
        "teamlead",
        lambda d: f"/teams/{d.team}/rebalance/?which=all",
        _rebalance_preview,
    ),
    PageState("office", "manager", lambda d: "/teams/office/"),
    *[
        PageState(f"report-{level}", "manager", _report(level))
        for level in ("office", "service_line", "team", "adviser")
    ],
    PageState("import", "manager", lambda d: "/clients/import/"),
    PageState("access-log", "manager", lambda d: "/audit/"),
    PageState("partners", "manager", lambda d: "/partners/"),
    PageState("rule-sets", "manager", lambda d: "/interviews/rule-sets/"),
    PageState("missed-contacts", "manager", lambda d: "/interviews/missed-contacts/"),
    PageState("portal", "partner", lambda d: "/portal/"),
    PageState("portal-referral", "partner", lambda d: f"/portal/referrals/{d.referral}/"),
    PageState("accessibility-statement", "", lambda d: "/accessibility/"),
    PageState("api-docs", "", lambda d: "/api/docs/"),
    PageState("not-found", "adviser", lambda d: "/clients/999999999/", status=404),
    PageState("forbidden", "adviser", lambda d: "/audit/", status=403),
]


def axe_violations(page: Page) -> list[dict]:
    """Inject axe-core (once per document) and return every violation, of any impact."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                  (n.any[0] ? n.any[0].message : n.failureSummary))}));
        }""",
        TAGS,
    )


# Words that are English and neither Finnish nor Swedish: one on a fi or sv page is a string
# left untranslated. Stored names (the demo's organisation and partners) are allowed.
ENGLISH = {
    "the",
    "and",
    "of",
    "to",
    "with",
    "for",
    "from",
    "this",
    "that",
    "your",
    "you",
    "please",
    "select",
    "option",
    "client",
    "clients",
    "interview",
    "interviews",
    "appointment",
    "appointments",
    "save",
    "cancel",
    "show",
    "previous",
    "next",
    "page",
    "search",
    "required",
    "error",
    "errors",
    "found",
    "sign",
    "language",
    "change",
    "due",
    "overdue",
    "report",
    "reports",
    "adviser",
    "advisers",
    "none",
    "yes",
    "no",
    "back",
    "skip",
    "content",
    "statement",
    "accessibility",
    "referral",
    "consent",
    "choose",
    "date",
    "month",
    "week",
    "day",
    "days",
    "months",
    "office",
    "move",
}
PROPER_NAMES = [
    "teoffice",
    "Team 1",
    "Team 2",
    "Team 3",
    "Team 4",
    "Team 5",
    "Supported employment",
    "Job and business services",
    "Demo employment area",
    "Valmennus Oy",
    "Job coaching",
    "Contact details",
    "Support with applications",
    "OpenAPI",
    "CSV",
    "XLSX",
    "WCAG",
    # the demo partners' services
    "Career guidance for under 30s",
    "Social work for job seekers",
    "Job-search coaching in English",
]


def english_words(page: Page) -> list[str]:
    """English words in the page's own text: not in parts marked with another lang, nor in
    code (paths, column names in files), nor in text people wrote (data-stored-text)."""
    text = page.evaluate(
        """() => {
            const lang = document.documentElement.lang;
            const out = [];
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (walk.nextNode()) {
                const el = walk.currentNode.parentElement;
                // Text people wrote (notes, plan actions, a form's stored text) is content; the change
                // history quotes it (its own words are checked in tests/audit/test_change_history.py) in whatever language it
                // was written in, marked data-stored-text; the check is about the interface.
                if (el.closest('script, style, noscript, code, textarea, [data-stored-text], ol.history')) continue;
                const marked = el.closest('[lang]');
                if (marked && marked.lang !== lang) continue;
                if (!el.getClientRects().length) continue;
                out.push(walk.currentNode.textContent);
            }
            for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
                const marked = el.closest('[lang]');
                if (marked && marked.lang !== lang) continue;
                out.push(el.getAttribute('aria-label') || el.getAttribute('title') ||
                         el.getAttribute('placeholder'));
            }
            return out.join(' ');
        }"""
    )
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    return sorted(words & ENGLISH)


def too_wide(page: Page) -> int | None:
    """The document's width when it is wider than the window, else None."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return width if width > inner else None


@pytest.fixture
def demo(db) -> Demo:
    from clients.models import Client, Status
    from partners.models import PartnerService
    from partners.services import consent_record, referral_send
    from teams.models import Team
    from tools.demo.office import seed_demo
    from tools.demo.partners import seed_partners

    today = timezone.localdate()
    seed_demo(clients=80, seed=20, today=today, password="demo")
    partner = seed_partners(password="demo")
    team = Team.objects.get(name="Team 1")
    client = Client.objects.filter(team=team, status=Status.UNEMPLOYED).order_by("pk").first()
    from django.contrib.auth import get_user_model

    adviser = get_user_model().objects.get(username="adviser")
    consent_record(
        client=client,
        partner=partner,
        purpose="Job coaching",
        scope="Contact details",
        valid_from=today,
        valid_until=today + dt.timedelta(days=90),
        method="in_person",
        recorded_by=adviser,
    )
    referral = referral_send(
        client=client,
        service=PartnerService.objects.filter(partner=partner).first(),
        reason="Support with applications",
        shared_information="Contact details",
        created_by=adviser,
    )
    return Demo(client=client.pk, team=team.pk, referral=referral.pk)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("demo")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_main_page_has_no_accessibility_violation_and_reflows_at_320_pixels(
    browser, live_server, demo, lang, screenshot
):
    started = time.monotonic()
    found: dict[str, object] = {}
    pages: dict[str, Page] = {}  # one context per user in this language, signed in once

    def page_for(user: str) -> Page:
        if user not in pages:
            context = browser.new_context(
                bypass_csp=True,  # axe is injected as an inline script; the CSP forbids those
                locale=LOCALES[lang],
                extra_http_headers={"Accept-Language": lang},
                timezone_id="Europe/Helsinki",
                viewport={"width": 1280, "height": 900},
            )
            pages[user] = context.new_page()
            if user:
                sign_in(pages[user], live_server.url, user)
        return pages[user]

    for state in PAGES:
        page = page_for(state.user)
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(f"{live_server.url}{state.path(demo)}")
        assert response.status == state.status, (state.name, response.status)
        page.wait_for_load_state("networkidle")
        if state.act:
            try:
                state.act(page)
            except Exception as error:  # noqa: BLE001 - recorded, and the run goes on
                found[f"{lang}-{state.name}-could-not-reach"] = str(error)[:300]
                continue
        assert page.locator("html").get_attribute("lang") == lang, state.name
        if lang != "en" and (english := english_words(page)):
            found[f"{lang}-{state.name}-english"] = english
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate("window.dispatchEvent(new Event('resize'))")
            key = f"{lang}-{width}-{state.name}"
            violations = axe_violations(page)
            wide = too_wide(page)
            if violations or wide:
                found[key] = {"violations": violations, "width": wide}
                screenshot(page, f"axe-{key}")
    for page in pages.values():
        page.context.close()
    print(
        f"\naxe over {len(PAGES)} page states × {WIDTHS} px in {lang}: "
        f"{time.monotonic() - started:.1f} s"
    )
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
