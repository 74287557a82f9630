"""A coordinator's day in a real browser: a public referral, triage, consent and allocation.

The scheduling of the first session, and the party seeing it, are in test_first_session.py.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal import policy
from tests.browser.support import (
    DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in,
)

pytestmark = pytest.mark.browser


def fill_referral(page, name="Robin Ash", email="robin.ash@example.org"):
    page.goto("/refer")
    page.get_by_label("I am referring myself").check()
    person_1 = page.get_by_role("group", name=re.compile("^Person 1"))
    person_1.get_by_label("Full name").fill(name)
    person_1.get_by_label("Email", exact=True).fill(email)
    person_1.get_by_label("Do not phone").check()
    page.get_by_label("Neighbours").check()
    page.get_by_label("Tell us briefly what is happening").fill("Music late at night.")
    page.get_by_label(re.compile("^Urgent")).check()
    page.get_by_label("I have read how this information will be used").check()
    page.get_by_role("button", name="Send referral").click()


def test_the_referral_form_fits_a_phone_and_is_accessible(phone_page):
    page = phone_page
    page.goto("/refer")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("alert")).to_contain_text("Say who is making this referral.")
    assert_accessible(page)


def test_from_public_referral_to_an_allocated_case_with_consent(page, browser_context_factory):
    fill_referral(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: we have your referral")
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"RF-\d{4}-\d{4}", reference)
    assert "Robin Ash" not in page.content()
    assert_accessible(page)

    staff = browser_context_factory()
    sign_in(staff, DEMO_ACCOUNTS[policy.COORDINATOR])
    staff.get_by_role("link", name="Referrals", exact=True).click()
    # htmx filtering: choosing a status swaps the list only.
    staff.get_by_label("Status").select_option("new")
    expect(staff).to_have_url(re.compile(r"status=new"))
    expect(staff.locator("#referral-list")).to_contain_text(reference)
    assert_accessible(staff)
    # The new urgent referral is first.
    first_row = staff.locator("#referral-list tbody tr").first
    expect(first_row).to_contain_text(reference)
    first_row.get_by_role("link", name=reference).click()
    assert_accessible(staff)
    staff.get_by_label("Accept for mediation").check()
    staff.get_by_role("button", name="Record decision").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Case AC-\d{4}-\d{4}$"))
    case_url = urlsplit(staff.url).path

    # Consent through the inline form (htmx): the page stays, the case part is replaced.
    staff.evaluate("window.__marker = 'still here'")
    staff.get_by_role("link", name="Record consent for Robin Ash").click()
    form = staff.locator("[id^=consent-form-]")
    form.get_by_role("button", name="Record consent").click()
    expect(form.get_by_role("alert")).to_contain_text("Choose what the person said.")
    assert_accessible(staff)
    form.get_by_label("Consent given").check()
    form.get_by_label("By phone").check()
    form.get_by_role("button", name="Record consent").click()
    expect(staff.locator("#parties")).to_contain_text("Consent given")
    expect(staff.locator("#timeline")).to_contain_text("Robin Ash: consent given (by phone).")

    staff.get_by_role("link", name="Allocate coaches").click()
    staff.get_by_label("Coach", exact=True).select_option(label="Una Byrne")
    staff.get_by_role("button", name="Allocate").click()
    expect(staff.locator("#coaches")).to_contain_text("Una Byrne")
    assert staff.evaluate("window.__marker") == "still here"
    assert urlsplit(staff.url).path == case_url
    assert_accessible(staff)
