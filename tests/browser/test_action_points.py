"""Action points in a real browser: a coach sets one in place on the case page; the party marks it
done and comments without a page reload; the other party never sees it. Checked with axe, at a
phone's width, and without JavaScript."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.models import Case
from portal.vocab import CaseKind
from tests.browser.support import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser
DAY = date.today() + timedelta(days=12)
WHAT = "Keep a noise diary for two weeks"


def mediation_case_url():
    return f"/cases/{Case.get(Case.kind == CaseKind.MEDIATION).reference}"


def test_the_coach_sets_an_action_point_and_only_that_party_sees_and_ticks_it(page, browser_context_factory):
    sign_in(page, "coach@example.org")
    page.goto(mediation_case_url())
    page.evaluate("window.__marker = 'still here'")
    page.locator("#action-points").get_by_role("link", name="Set an action point for Alex Morgan").click()
    form = page.locator("[id^=action-point-form-]")
    form.get_by_role("button", name="Set the action point").click()
    expect(form.get_by_role("alert")).to_contain_text("Say what the action point is.")
    assert_accessible(page)

    form.get_by_label("What needs doing").fill(WHAT)
    form.get_by_label("By when (optional)").fill(DAY.isoformat())
    form.get_by_label("Note (optional)").fill("Dates and times are enough.")
    form.get_by_role("button", name="Set the action point").click()
    alex_items = page.locator(".party-items", has=page.get_by_role("heading", name="Alex Morgan"))
    expect(alex_items.locator("li.card", has_text=WHAT)).to_contain_text(f"Due by {DAY.day} {DAY:%B %Y}")
    expect(page.locator("#timeline")).to_contain_text("Action point set for Alex Morgan.")
    expect(page.locator(".party-items", has=page.get_by_role("heading", name="Bea Lewis"))).not_to_contain_text(WHAT)
    assert page.evaluate("window.__marker") == "still here"
    assert_accessible(page)

    alex = browser_context_factory()
    sign_in(alex, "alex@example.org")
    expect(alex.locator("main")).to_contain_text(WHAT)
    alex.get_by_role("navigation").get_by_role("link", name="Your action points").click()
    expect(alex.get_by_role("heading", level=1)).to_have_text("Your action points")
    card = alex.locator("li.card", has_text=WHAT)
    expect(card).to_contain_text(f"Due by {DAY.day} {DAY:%B %Y}")
    expect(card).to_contain_text("Note from your coach: Dates and times are enough.")
    expect(alex.locator("li.card-overdue")).to_contain_text("Overdue")  # the demo's late one
    assert_accessible(alex)

    alex.evaluate("window.__marker = 'still here'")
    card.get_by_role("button", name="Mark as done").click()
    expect(card).to_contain_text("Done on")
    expect(card.get_by_role("button", name="Mark as not done")).to_be_visible()
    expect(alex.locator("#flashes")).to_contain_text("Marked as done.")
    card.get_by_text("Add a comment").click()
    card.get_by_label("Your comment").fill("Started the diary on Monday.")
    card.get_by_role("button", name="Save your comment").click()
    expect(card).to_contain_text("Your comment: Started the diary on Monday.")
    expect(alex.locator("#flashes")).to_contain_text("Your comment is saved.")
    assert alex.evaluate("window.__marker") == "still here"
    assert_accessible(alex)

    page.reload()
    expect(page.locator("#action-points li.card", has_text=WHAT)).to_contain_text(
        "Comment from Alex Morgan: Started the diary on Monday.")

    bea = browser_context_factory()
    sign_in(bea, "bea@example.org")
    expect(bea.locator("main")).to_contain_text("Think about which evenings you have visitors")
    expect(bea.locator("main")).not_to_contain_text(WHAT)
    bea.goto("/action-points")
    expect(bea.locator("main")).to_contain_text("Think about which evenings you have visitors")
    expect(bea.locator("main")).not_to_contain_text(WHAT)
    expect(bea.locator("main")).not_to_contain_text("Sleep through the night")  # Alex's goal


def test_a_partys_action_points_fit_a_phone(phone_page):
    sign_in(phone_page, "alex@example.org")
    for path in ("/party", "/action-points"):
        phone_page.goto(path)
        expect(phone_page.locator("li.card-overdue")).to_contain_text("Overdue")
        assert_no_horizontal_scroll(phone_page)
        assert_accessible(phone_page)


def test_marking_done_and_commenting_work_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, "alex@example.org")
    page.goto("/action-points")
    card = page.locator("li.card", has_text="Note the dates and times of any late noise")
    card.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your action points")
    expect(page.locator("#flashes")).to_contain_text("Marked as done.")
    expect(card).to_contain_text("Done on")
    card.get_by_text("Add a comment").click()
    card.get_by_label("Your comment").fill("Done, the list is ready.")
    card.get_by_role("button", name="Save your comment").click()
    expect(card).to_contain_text("Your comment: Done, the list is ready.")
    card.get_by_role("button", name="Mark as not done").click()
    expect(card.get_by_role("button", name="Mark as done")).to_be_visible()
