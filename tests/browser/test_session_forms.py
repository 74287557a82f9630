"""The session forms in a real browser: in place with htmx, as pages without JavaScript, checked
with axe; and the party seeing the session that was booked."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.models import Case
from portal.vocab import CaseKind, Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, sign_in

pytestmark = pytest.mark.browser
DAY = date.today() + timedelta(days=10)


def mediation_case_url():
    return f"/cases/{Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get().reference}"


def test_a_session_is_scheduled_in_place_and_the_party_sees_it(page, browser_context_factory):
    case_url = mediation_case_url()
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(case_url)
    page.evaluate("window.__marker = 'still here'")
    page.get_by_role("link", name="Schedule a session").click()
    form = page.locator("#schedule-form")
    form.get_by_role("button", name="Schedule the session").click()
    expect(form.get_by_role("alert")).to_contain_text("Choose the kind of session.")
    assert_accessible(page)

    form = page.locator("#schedule-form")
    form.get_by_label("Pre-mediation meeting (one party)").check()
    form.get_by_label("Bea Lewis", exact=True).check()
    form.get_by_label("Priya Shah").check()
    form.get_by_label("Date").fill(DAY.isoformat())
    form.get_by_label("Start time").fill("14:00")
    form.get_by_label("Face to face at an office").check()
    form.get_by_role("button", name="Schedule the session").click()
    expect(page.locator("#sessions")).to_contain_text(f"{DAY.day} {DAY:%B %Y}, 14:00")
    expect(page.locator("#timeline")).to_contain_text("Pre-mediation meeting scheduled")
    assert page.evaluate("window.__marker") == "still here"
    assert_accessible(page)

    booked = page.locator("#sessions li.card", has_text=f"{DAY.day} {DAY:%B %Y}, 14:00")
    booked.get_by_role("link", name="Reschedule").click()
    expect(booked.locator("[id^=reschedule-form-]")).to_be_visible()
    booked.get_by_role("link", name="Record attendance or cancel").click()
    outcome = booked.locator("[id^=outcome-form-]")
    outcome.get_by_role("button", name="Save").click()
    expect(outcome.get_by_role("alert")).to_contain_text("Choose what happened.")
    assert_accessible(page)

    bea = browser_context_factory()
    sign_in(bea, "bea@example.org")
    upcoming = bea.locator("section", has=bea.get_by_role("heading", name="Upcoming sessions"))
    expect(upcoming).to_contain_text(f"{DAY.day} {DAY:%B %Y}, 14:00")
    expect(upcoming.get_by_role("link", name="Add to your calendar").first).to_be_visible()
    assert_accessible(bea)

    alex = browser_context_factory()
    sign_in(alex, "alex@example.org")
    expect(alex.locator("main")).not_to_contain_text(f"{DAY.day} {DAY:%B %Y}, 14:00")


def test_a_session_outcome_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(mediation_case_url())
    joint = page.locator("#sessions li.card", has_text="Joint mediation")
    joint.get_by_role("link", name="Record attendance or cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record what happened")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose what happened.")
    page.get_by_label("Cancelled").check()
    page.get_by_label("The service").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case ")
    expect(page.locator("#sessions")).to_contain_text("Cancelled by the service")
