"""A safeguarding concern in real browsers: a coach raises an immediate concern on a case; the
coordinator, who is the safeguarding lead, finds it at the top of the Safeguarding page marked
overdue, acknowledges it and closes it with an outcome and a sign-off.

The demo already has one open concern, of medium level (on Gwen Hughes's case): it is the
last row of the page in each test here."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.db import database
from portal.models import Case, SafeguardingConcern, User, utcnow
from portal.vocab import CaseKind, ConcernLevel, Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in
from tests.factories import make_concern

pytestmark = pytest.mark.browser
WORDS = "He said: nobody would miss me if I wasn't here."


def older_high_concern():
    """A high concern raised three days ago on the coaching case: older, but less urgent."""
    with database.connection_context():
        case = Case.select().where(Case.kind == CaseKind.COACHING).order_by(Case.id).get()
        coach = User.get(User.email == DEMO_ACCOUNTS[Role.COACH])
        concern = make_concern(case, coach, level="high", category="adult_at_risk",
                               created_at=utcnow() - timedelta(days=3))
    return concern.id


def test_a_coach_raises_an_immediate_concern_and_the_lead_acknowledges_and_closes_it(
        page, browser_context_factory, phone_page):
    older_id = older_high_concern()

    # The coach, on the mediation case, raises the concern in place.
    sign_in(page, DEMO_ACCOUNTS[Role.COACH])
    with database.connection_context():
        reference = Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get().reference
    page.get_by_role("link", name=reference).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    page.get_by_role("link", name="Raise a safeguarding concern").click()
    form = page.locator("#raise-concern-form")
    form.get_by_role("button", name="Raise the concern").click()
    expect(form.get_by_role("alert")).to_contain_text("Write what you saw or heard")
    assert_accessible(page)
    form = page.locator("#raise-concern-form")
    form.get_by_label("Alex Morgan").check()
    form.get_by_label("Risk to self").check()
    form.get_by_label(re.compile("^Immediate")).check()
    form.get_by_label("What did you see or hear?").fill(WORDS)
    form.get_by_label("When and where (optional)").fill("Today, after the pre-mediation meeting")
    form.get_by_role("button", name="Raise the concern").click()
    safeguarding = page.locator("#safeguarding")
    expect(safeguarding).to_contain_text("1 concern not yet closed")
    expect(page.locator("#case")).to_contain_text("The safeguarding leads are being emailed now.")
    assert_accessible(page)

    # An immediate concern waiting over an hour is overdue: move its raising back 90 minutes.
    with database.connection_context():
        concern = SafeguardingConcern.get(SafeguardingConcern.level == "immediate")
        (SafeguardingConcern.update(created_at=concern.created_at - timedelta(minutes=90))
         .where(SafeguardingConcern.id == concern.id).execute())

    # The lead sees it first on the Safeguarding page, marked, above the older high concern.
    lead = browser_context_factory()
    sign_in(lead, DEMO_ACCOUNTS[Role.COORDINATOR])
    lead.get_by_role("link", name="Safeguarding (3 open)").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Safeguarding concerns")
    rows = lead.locator("#concern-list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_id(f"concern-row-{concern.id}")
    expect(rows.first).to_contain_text("Overdue: not acknowledged within 1 hour")
    expect(rows.first).to_contain_text("Not yet")
    expect(rows.nth(1)).to_have_id(f"concern-row-{older_id}")
    expect(rows.nth(2)).to_contain_text("Medium")  # the demo's
    assert lead.locator("#concern-list").get_attribute("hx-trigger") == "every 60s"
    assert_accessible(lead)

    # htmx filtering swaps the list only.
    lead.get_by_label("Level").select_option("high")
    expect(lead).to_have_url(re.compile(r"level=high"))
    expect(lead.locator(".htmx-request")).to_have_count(0)
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_id(f"concern-row-{older_id}")
    lead.get_by_label("Level").select_option("")
    expect(rows).to_have_count(3)

    rows.first.get_by_role("link", name=re.compile("^Immediate")).click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Immediate safeguarding concern")
    expect(lead.locator("#concern-description")).to_have_text(WORDS)
    assert_accessible(lead)
    lead.get_by_role("button", name="Acknowledge").click()
    expect(lead.locator("#concern")).to_contain_text("Concern acknowledged.")
    expect(lead.locator("#concern .lede")).not_to_contain_text("Overdue")
    expect(lead.locator("#chronology")).to_contain_text("Acknowledged by Cara Osei")

    lead.get_by_role("link", name="Close and sign off").click()
    closing = lead.locator("#close-concern-form")
    closing.get_by_role("button", name="Close and sign off").click()
    expect(closing.get_by_role("alert")).to_contain_text("Choose the outcome.")
    assert_accessible(lead)
    closing = lead.locator("#close-concern-form")
    closing.get_by_label("Referred to an agency").check()
    closing.get_by_label("Sign-off note").fill("Referred to the crisis team, who called him today.")
    closing.get_by_label("I, Cara Osei, sign off this concern").check()
    closing.get_by_role("button", name="Close and sign off").click()
    expect(lead.locator("#concern")).to_contain_text("Concern closed and signed off.")
    expect(lead.locator("#chronology")).to_contain_text("Outcome: Referred to an agency")
    assert_accessible(lead)

    lead.get_by_role("link", name="Back to Safeguarding").click()
    expect(rows).to_have_count(2)
    expect(lead.get_by_role("link", name="Safeguarding (2 open)")).to_be_visible()

    # The dashboard on a phone: nothing wider than the screen, and accessible.
    sign_in(phone_page, DEMO_ACCOUNTS[Role.COORDINATOR])
    phone_page.goto("/safeguarding?status=closed")
    expect(phone_page.locator("#concern-list tbody tr")).to_have_count(1)
    assert_no_horizontal_scroll(phone_page)
    assert_accessible(phone_page)


def test_the_safeguarding_page_filters_without_javascript(page_without_javascript):
    page = page_without_javascript
    older_high_concern()
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto("/safeguarding")
    page.get_by_label("Level").select_option("immediate")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"level=immediate"))
    expect(page.locator("#concern-list")).to_contain_text("No concerns match.")
    page.get_by_label("Level").select_option("high")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#concern-list tbody tr")).to_have_count(1)


def test_each_level_looks_different_and_reads_in_words_with_enough_contrast(page):
    with database.connection_context():
        case = Case.select().where(Case.kind == CaseKind.COACHING).order_by(Case.id).get()
        coach = User.get(User.email == DEMO_ACCOUNTS[Role.COACH])
        for level in ConcernLevel:
            make_concern(case, coach, level=level, category="other")
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto("/safeguarding")
    levels = page.locator("#concern-list tbody th a.level")
    expect(levels).to_have_count(len(ConcernLevel) + 1)  # and the demo's medium one
    # Most urgent first, each in words.
    assert [text.split()[0] for text in levels.all_inner_texts()] == [
        level.capitalize() for level in ConcernLevel for _ in range(2 if level == ConcernLevel.MEDIUM else 1)]
    colours = levels.evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)")
    assert len(set(colours)) == len(ConcernLevel), colours
    assert_accessible(page)  # axe's colour-contrast rule covers each level's colours
