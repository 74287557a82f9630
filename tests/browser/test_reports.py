"""A coordinator's report in a real browser (issue 15): the last quarter picked, a chart read
through its text alternative, the CSV and the PDF downloaded; and the same without JavaScript."""

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.vocab import Role
from tests.browser.support import DEMO_ACCOUNTS, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_reads_last_quarter_and_downloads_it(page):
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Last full quarter", exact=True).click()
    expect(page.get_by_role("link", name="Last full quarter")).to_have_attribute("aria-current", "true")
    expect(page.locator("#report-heading")).to_have_text(re.compile(r"^From 1 \w+ \d{4} to \d{1,2} \w+ \d{4}$"))

    # The chart is an image whose name says what it shows, and whose description holds its numbers.
    chart = page.get_by_role("img", name="Referrals by source: referrals received")
    expect(chart).to_be_visible()
    description = chart.locator("desc").text_content()
    assert re.fullmatch(r"Self-referral: \d+; Agency: \d+\.", description), description
    # ...the same numbers as the table beside it.
    table = page.get_by_role("region", name="Referrals by source").get_by_role("table")
    self_referrals = table.get_by_role("row", name=re.compile("^Self-referral")).get_by_role("cell").first
    assert f"Self-referral: {self_referrals.text_content()};" in description

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download referrals by source (CSV)").click()
    download = download_info.value
    assert re.fullmatch(r"accord-report-referrals_by_source-\d{4}-\d\d-01-to-\d{4}-\d\d-\d\d\.csv",
                        download.suggested_filename)
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["From", "To", "Source", "Referrals received", "Became cases"]
    assert [row[2] for row in rows[1:]] == ["Self-referral", "Agency", "Total"]
    assert date.fromisoformat(rows[1][0]).day == 1

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the whole report (PDF)").click()
    pdf = download_info.value
    assert pdf.suggested_filename.endswith(".pdf")
    assert Path(pdf.path()).read_bytes().startswith(b"%PDF-")


def test_the_report_works_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2026-12-31")
    page.get_by_label("Kind", exact=True).select_option("mediation")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#report-heading")).to_have_text("From 1 January 2026 to 31 December 2026")
    expect(page.get_by_role("img", name="Cases opened and closed: opened")).to_be_visible()
    expect(page.get_by_role("region", name="Cases opened and closed")
           .get_by_role("row", name=re.compile("^One-to-one coaching"))).to_contain_text("0")
