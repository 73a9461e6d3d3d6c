from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from reports.periods import previous_quarter
from reports.selectors.report import coverage_report
from tools.demo.office import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_downloads_last_quarter_by_team_as_xlsx(page, live_server, sign_in, screenshot):
    today = timezone.localdate()
    seed_demo(clients=400, seed=11, today=today, password="demo")
    quarter = previous_quarter(today)
    sign_in(page, "manager", "demo")

    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Coverage report", level=1)).to_be_visible()
    # only the chosen period's fields show (all of them without JavaScript)
    expect(page.get_by_label("Month", exact=True)).to_be_visible()
    expect(page.get_by_label("Quarter", exact=True)).to_be_hidden()
    expect(page.get_by_label("From", exact=True)).to_be_hidden()
    page.get_by_label("Period", exact=True).select_option("quarter")
    expect(page.get_by_label("Month", exact=True)).to_be_hidden()
    page.get_by_label("Quarter", exact=True).select_option(quarter.label)
    page.get_by_label("Rows", exact=True).select_option("team")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("heading", name=f"Team coverage, {quarter.display}")).to_be_visible()
    expect(page.get_by_role("heading", name="Definitions")).to_be_visible()
    assert f"quarter={quarter.label}" in page.url  # a shareable address
    screenshot(page, "coverage-report")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    download = download_info.value
    assert download.suggested_filename == f"coverage_team_{quarter.label}.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    sheet = workbook["Coverage"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))

    manager = get_user_model().objects.get(username="manager")
    report = coverage_report(
        user=manager, start=quarter.start, end=quarter.end, level="team", period_kind="quarter"
    )
    expected = [*report.rows, report.total]
    assert [r[0] for r in rows] == [row.label for row in expected]
    col = {name: i for i, name in enumerate(header)}
    for got, row in zip(rows, expected, strict=True):
        assert got[col["Must be interviewed"]] == row.figures.required
        assert got[col["Covered on time"]] == row.figures.covered
        assert got[col["Coverage"]] == pytest.approx(row.figures.coverage)
        assert got[col["Interviews held"]] == row.held_total
    assert report.total.figures.required > 0
