"""In a real browser (issue 16): a coach sets up two-factor sign-in from the QR code page and
signs in with a code; a party signs in with an emailed link; the account page lists sessions.
Every page is checked with axe, at 1280 and at 320 pixels."""

import email
import re
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import expect

from portal.db import database
from portal.models import User
from portal.vocab import Role
from tests.apps import links_in
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, enter_code, sign_in

pytestmark = pytest.mark.browser


def check(page):
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [1280, 320])
def test_a_coach_sets_up_two_factor_sign_in_and_signs_in_with_a_code(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    coach = "coach3@example.org"
    with database.connection_context():
        User.update(totp_secret=None, totp_last_step=None).where(User.email == coach).execute()
    sign_in(page, coach)
    assert urlsplit(page.url).path == "/sign-in/set-up"
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert page.locator("#recovery-codes li").count() == 10
    check(page)
    page.get_by_role("link", name="I have kept my codes, continue").click()
    assert urlsplit(page.url).path == "/coach"
    page.get_by_role("button", name="Sign out").click()
    # And again, with the code step this time.
    page.goto("/sign-in")
    page.get_by_label("Email").fill(coach)
    page.get_by_label("Password").fill("demo-accord-2026")
    page.get_by_role("button", name="Sign in").click()
    assert urlsplit(page.url).path == "/sign-in/code"
    code_field = page.get_by_label("Code from your authenticator app")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    check(page)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    check(page)
    enter_code(page, coach)
    assert urlsplit(page.url).path == "/coach"


@pytest.mark.parametrize("width", [1280, 320])
def test_a_party_signs_in_with_an_emailed_link(page, app, width):
    page.set_viewport_size({"width": width, "height": 900})
    party = DEMO_ACCOUNTS[Role.PARTY]
    page.goto("/sign-in")
    page.get_by_role("link", name="Email me a link to sign in").click()
    check(page)
    page.get_by_label("Email").fill(party)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check(page)
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    messages = [email.message_from_bytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]
    [message] = [m for m in messages if m["To"] == party and m["Subject"] == "Your link to sign in"]
    [link] = links_in(message)
    page.goto(urlsplit(link).path)
    check(page)
    page.get_by_role("button", name="Sign in").click()
    assert urlsplit(page.url).path == "/party"
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator("#account-sessions tbody tr")).to_have_count(1)
    check(page)
    page.get_by_role("link", name="Turn on two-factor sign-in").click()
    check(page)


def test_the_session_notice_offers_to_stay_signed_in(page):
    sign_in(page, DEMO_ACCOUNTS[Role.COACH])
    notice = page.locator("#session-notice")
    expect(notice).to_contain_text("you will be signed out at")
    page.get_by_role("button", name="Stay signed in").click()
    assert urlsplit(page.url).path == "/coach"
    expect(page.locator("#flashes")).to_contain_text("You are still signed in.")
    assert re.search(r"\d\d:\d\d", notice.inner_text())
