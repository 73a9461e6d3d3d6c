"""Issue 11's done-when: a manager imports a 10,000-row semicolon-separated Windows-1252 CSV
exported from a spreadsheet: check, fix, import, and find the clients in their caseloads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from clients.models import Client, ImportRecord
from tests.ops.test_import import csv_bytes, row

pytestmark = pytest.mark.django_db(transaction=True)
TEN_THOUSAND = re.compile(r"^10[ ,.\u00a0]?000$")


def upload(page, content: bytes) -> None:
    page.get_by_label("File (.csv or .xlsx)").set_input_files(
        files=[{"name": "asiakkaat.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Check the file").click()


def test_manager_checks_a_file_fixes_it_and_imports_it(
    page, live_server, sign_in, manager, adviser, team_a, team_b, screenshot
):
    rows = [row(team="Team A" if i % 2 else "Team B") for i in range(10_000)]
    rows[0] = row(first_name="Äijä", last_name="Öhberg", team="Team A")
    bad = row(status="eläkkeellä")
    content = csv_bytes([*rows, bad], sep=";", encoding="cp1252")

    sign_in(page, "maija")
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import clients")).to_be_visible()

    # 1. The dry run finds the bad row, says why, and offers no import.
    upload(page, content)
    expect(page.locator("#rows-accepted")).to_have_text(TEN_THOUSAND)
    expect(page.locator("#rows-rejected")).to_have_text("1")
    rejected = page.locator("#rejected-rows")
    expect(rejected).to_contain_text(re.compile(r"10[ ,.\u00a0]?002"))  # its spreadsheet row
    expect(rejected).to_contain_text("eläkkeellä")
    expect(page.get_by_role("button", name="Import the clients")).to_have_count(0)
    screenshot(page, "import-rejected")
    assert not Client.objects.exists()

    # 2. The fixed file passes; nothing is written until the manager confirms.
    page.get_by_role("link", name="Import another file").click()
    upload(page, csv_bytes(rows, sep=";", encoding="cp1252"))
    expect(page.locator("#rows-rejected")).to_have_text("0")
    expect(page.locator("#accepted-rows")).to_contain_text("New client")
    screenshot(page, "import-checked")
    assert not Client.objects.exists()
    page.get_by_role("button", name="Import the clients").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"10[ ,.\u00a0]?000 clients created")
    )
    expect(page.locator("#import-state")).to_have_text("Imported")
    record = ImportRecord.objects.get(state="imported")
    assert (record.created_by, record.file_name, record.created_count) == (
        manager,
        "asiakkaat.csv",
        10_000,
    )

    # 3. The clients are in their teams' caseloads, names read right from Windows-1252.
    page.get_by_role("link", name="Caseload").first.click()
    expect(page.get_by_text(re.compile(r"^10[ ,.\u00a0]?000 clients$"))).to_be_visible()
    sign_in(page, "alice")
    page.get_by_role("link", name="Caseload").first.click()
    expect(page.get_by_role("link", name="Öhberg, Äijä")).to_be_visible()
    assert Client.objects.filter(team=team_a).count() == 5_001  # row 0 moved to Team A
