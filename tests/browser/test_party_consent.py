"""A party withdraws and confirms their own consent, in place with htmx and without JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_a_party_withdraws_and_rejoins_without_a_page_reload(page):
    sign_in(page, "bea@example.org")
    page.evaluate("window.__marker = 'still here'")
    page.get_by_text("Withdraw from").click()
    page.get_by_label("If you want to, tell us why (optional)").fill("I need a break")
    page.get_by_role("button", name="I no longer want to take part").click()
    expect(page.get_by_role("status")).to_contain_text("no longer want to take part")
    expect(page.locator("main")).to_contain_text("You have withdrawn.")
    assert page.evaluate("window.__marker") == "still here"
    assert_accessible(page)
    page.get_by_role("button", name="I want to take part").click()
    expect(page.locator("main")).to_contain_text("You have agreed to take part.")
    assert page.evaluate("window.__marker") == "still here"


def test_the_same_works_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, "bea@example.org")
    page.get_by_text("Withdraw from").click()
    page.get_by_role("button", name="I no longer want to take part").click()
    expect(page.locator("main")).to_contain_text("You have withdrawn.")
