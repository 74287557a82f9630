"""A coordinator's day in a real browser: from a public referral, through triage, consent and
allocation, to a first session that the invited party then sees on their own page."""

import email
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.vocab import Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def fill_referral(page, name="Robin Ash", email="robin.ash@example.org"):
    page.goto("/refer")
    page.get_by_label("I am referring myself").check()
    person_1 = page.get_by_role("group", name=re.compile("^Person 1"))
    person_1.get_by_label("Full name").fill(name)
    person_1.get_by_label("Email", exact=True).fill(email)
    person_1.get_by_label("Do not phone").check()
    page.get_by_label("Neighbour", exact=True).check()  # the dispute types list's word (issue 15)
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


def invitation_link(app, address):
    """The set-password link from the invitation emailed to `address` (the outbox folder)."""
    for path in sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        # Robin is also sent a receipt for the referral and word of the session: skip those.
        if message["To"] == address and not message.is_multipart():
            body = message.get_payload(decode=True).decode()
            if link := re.search(r"https?://\S+/invitation/\S+", body):
                return urlsplit(link.group(0)).path
    raise AssertionError(f"no invitation to {address}")


def test_from_public_referral_to_a_first_session_the_party_sees(app, page, browser_context_factory):
    fill_referral(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: we have your referral")
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"RF-\d{4}-\d{4}", reference)
    assert "Robin Ash" not in page.content()
    assert_accessible(page)

    staff = browser_context_factory()
    sign_in(staff, DEMO_ACCOUNTS[Role.COORDINATOR])
    staff.get_by_role("link", name="Referrals", exact=True).click()
    # htmx takes over the page once its deferred script has run: wait for that, or a busy machine
    # lets the choice below happen first and nothing asks for the filtered list.
    staff.wait_for_load_state()
    # htmx filtering: choosing a status swaps the list only.
    staff.get_by_label("Status").select_option("new")
    expect(staff).to_have_url(re.compile(r"status=new"))
    expect(staff.locator(".htmx-request")).to_have_count(0)  # the swap has settled
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
    staff.wait_for_load_state()
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
    # The allocation form (in #coaches) names every coach: wait for the timeline, which says so
    # only once the allocation is saved and the case part replaced.
    expect(staff.locator("#timeline")).to_contain_text("Coaches allocated: Una Byrne.")
    expect(staff.locator("#coaches")).to_contain_text("Una Byrne")
    assert staff.evaluate("window.__marker") == "still here"
    assert urlsplit(staff.url).path == case_url
    assert_accessible(staff)

    # The first session: a pre-mediation meeting with Robin.
    day = date.today() + timedelta(days=8)
    staff.get_by_role("link", name="Schedule a session").click()
    form = staff.locator("#schedule-form")
    form.get_by_label("Pre-mediation meeting (one party)").check()
    form.get_by_label("Robin Ash", exact=True).check()
    form.get_by_label("Una Byrne").check()
    form.get_by_label("Date").fill(day.isoformat())
    form.get_by_label("Start time").fill("10:30")
    form.get_by_label("Telephone").check()
    form.get_by_role("button", name="Schedule the session").click()
    when = f"{day.day} {day:%B %Y}, 10:30"
    expect(staff.locator("#sessions")).to_contain_text(when)
    assert staff.evaluate("window.__marker") == "still here"

    # Robin accepts the emailed invitation, sets a password and sees the session.
    robin = browser_context_factory()
    robin.goto(invitation_link(app, "robin.ash@example.org"))
    robin.get_by_label("New password", exact=True).fill("quiet evenings on elm road")
    robin.get_by_label("Repeat the new password").fill("quiet evenings on elm road")
    robin.get_by_role("button", name="Set password").click()
    expect(robin.get_by_role("heading", level=1)).to_have_text("Your sessions and action points")
    upcoming = robin.locator("section", has=robin.get_by_role("heading", name="Upcoming sessions"))
    expect(upcoming).to_contain_text(when)
    expect(upcoming).to_contain_text("Pre-mediation meeting")
    assert_accessible(robin)
