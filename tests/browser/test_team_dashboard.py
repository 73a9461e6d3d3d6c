"""The team lead rebalances an overloaded member in a real browser; a manager compares teams."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Assignment, Client
from tests.teams.helpers import client_with_history, interview

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team_with_overload(team_a, team_b, adviser, teammate, lead, outsider):
    """Target 10: alice carries 14 (12 overdue), bob 3, lena (lead) 6; team B for the office."""
    team_a.target_caseload = 10
    team_a.save(update_fields=["target_caseload"])
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=400)
    names = iter(
        ["Aalto", "Backman", "Carlsson", "Dahl", "Eskola", "Forsman", "Granlund", "Heikkilä"]
        + ["Ikonen", "Järvinen", "Koskinen", "Laine", "Mäkelä", "Nieminen", "Ojala", "Pesonen"]
        + ["Rantanen", "Salo", "Toivonen", "Uusitalo", "Virtanen", "Wikström", "Ylönen"]
    )
    for who, count, held in ((adviser, 14, 2), (teammate, 3, 3), (lead, 6, 6)):
        for i in range(count):
            last = today - dt.timedelta(days=10 + i) if i < held else None
            c = client_with_history(
                team_a,
                responsible_adviser=who,
                registered_on=long_ago,
                last_held_on=last,
                last_name=next(names),
            )
            if last:
                interview(c, who, last)
    for i in range(5):
        c = client_with_history(
            team_b,
            responsible_adviser=outsider,
            registered_on=long_ago,
            last_held_on=today - dt.timedelta(days=5) if i else None,
        )
        if i:
            interview(c, outsider, today - dt.timedelta(days=5))


def member_row(page, user):
    return page.locator(f'#member-table tr[data-row="{user.pk}"]')


def test_lead_moves_five_clients_to_the_suggested_member(
    page, live_server, sign_in, screenshot, team_a, adviser, teammate, lead, team_with_overload
):
    sign_in(page, lead.username)
    page.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("heading", name="Team A: shared caseload")).to_be_visible()
    alice, bob = member_row(page, adviser), member_row(page, teammate)
    expect(alice.locator(".n-caseload")).to_have_text("14")
    expect(alice.locator(".n-load")).to_contain_text("over target")
    expect(page.locator("#overloaded")).to_contain_text("Alice Tester")
    expect(page.locator("#suggestion")).to_contain_text("Bob Tester")
    expect(bob.locator(".n-caseload")).to_have_text("3")
    expect(page.locator("svg.chart[role=img]").first).to_be_visible()
    screenshot(page, "team-dashboard")

    alice.get_by_role("link", name="Move Alice Tester’s clients").click()
    expect(page.get_by_role("heading", name="Move clients of Team A")).to_be_visible()
    boxes = page.locator('#rebalance-clients input[type="checkbox"]')
    expect(boxes).to_have_count(12)  # alice's overdue clients
    for i in range(5):
        boxes.nth(i).check()
    expect(page.get_by_label("Move to")).to_have_value(str(teammate.pk))  # the suggestion
    screenshot(page, "team-rebalance")
    page.get_by_role("button", name="Preview the move").click()

    effect = page.locator("#move-effect")
    expect(effect.locator(f'tr[data-row="{adviser.pk}"] .n-caseload')).to_have_text("14 → 9")
    expect(effect.locator(f'tr[data-row="{teammate.pk}"] .n-caseload')).to_have_text("3 → 8")
    expect(effect.locator(f'tr[data-row="{adviser.pk}"] .n-overdue')).to_have_text("12 → 7")
    expect(effect.locator(f'tr[data-row="{teammate.pk}"] .n-overdue')).to_have_text("0 → 5")
    screenshot(page, "team-rebalance-preview")
    assert not Assignment.objects.exists()
    page.get_by_role("button", name="Confirm the move").click()

    expect(page.get_by_text("Moved 5 clients to Bob Tester.")).to_be_visible()
    alice, bob = member_row(page, adviser), member_row(page, teammate)
    expect(alice.locator(".n-caseload")).to_have_text("9")
    expect(alice.locator(".n-overdue")).to_have_text("7")
    expect(bob.locator(".n-caseload")).to_have_text("8")
    expect(bob.locator(".n-overdue")).to_have_text("5")
    expect(page.locator("#activity")).to_contain_text("Lena Tester moved 5 clients")
    expect(page.locator("#activity")).to_contain_text("5 from Alice Tester (Team A) to Bob Tester")
    screenshot(page, "team-dashboard-after-move")
    assert Client.objects.filter(responsible_adviser=teammate).count() == 8
    assert Assignment.objects.values("batch").distinct().count() == 1


def test_manager_sorts_teams_in_the_office_view(
    page, live_server, sign_in, screenshot, team_a, team_b, manager, team_with_overload
):
    sign_in(page, manager.username)
    page.get_by_role("link", name="Teams", exact=True).click()
    rows = page.locator("#office-table tbody tr th")
    expect(rows).to_have_text(["Team A", "Team B"])
    page.locator("#office-table thead a[href*='sort=coverage']").click()
    expect(rows).to_have_text(["Team A", "Team B"])  # A lower coverage first
    page.locator("#office-table thead a[href*='sort=coverage']").click()
    expect(rows).to_have_text(["Team B", "Team A"])
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Coverage")
    screenshot(page, "teams-office-view")
