"""/api/docs/ really renders in Chromium under the strict CSP, and an integrator can follow it:
authorize with a token, then list a team's overdue clients from the page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from teoffice.api import api_token_issue
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    CHROMIUM,
    browser_context_args,
    browser_type_launch_args,
)
from tests.browser.conftest import screenshot as screenshot  # noqa: F401
from tests.conftest import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Chromium at {CHROMIUM}"),
]


def test_swagger_ui_renders_and_lists_overdue_clients_with_a_token(
    page, live_server, screenshot, adviser, team_a, team_b
):
    overdue = make_client(
        team_a, last_name="Overdue", registered_on=timezone.localdate() - dt.timedelta(days=60)
    )
    make_client(team_a, last_name="Fresh", registered_on=timezone.localdate())
    key = api_token_issue(user=adviser).key
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").filter(has_text="teoffice API").wait_for()
    assert page.locator(".opblock").count() >= 20
    screenshot(page, "api-docs")

    # Authorize with the token, as the description tells an integrator.
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".auth-container").filter(has_text="tokenAuth")
    dialog.locator("input").fill(f"Token {key}")
    dialog.locator("button.authorize").click()
    page.locator(".modal-ux .close-modal").click()

    operation = page.locator(".opblock-get").filter(
        has=page.locator('[data-path="/api/v1/clients/"]')
    )
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator('tr[data-param-name="team"] input').fill(str(team_a.pk))
    operation.locator('tr[data-param-name="due_state"] select').select_option("overdue")
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".live-responses-table .response .response-col_status")
    response.first.wait_for()
    assert response.first.inner_text().strip().startswith("200")
    body = operation.locator(".live-responses-table .microlight").first.inner_text()
    assert f'"id": {overdue.pk}' in body
    assert '"Fresh"' not in body
    screenshot(page, "api-docs-try-it-out")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
