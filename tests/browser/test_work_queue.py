"""A coordinator's morning in a real browser (issue 13): sign in, search a party by surname on the
case list, open their case and read its stage in the summary; then, back on the work queue,
allocate a coach to the case "with no coach" and see it leave the queue. The queue passes axe at
1280 and 320 px wide and does not scroll sideways on a phone."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.db import database
from portal.models import utcnow
from portal.vocab import Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in
from tests.factories import add_party, make_case

pytestmark = pytest.mark.browser
SURNAME = "Quillfeather"


@pytest.fixture
def waiting_case(live_server):
    """An open case with no coach and a party whose consent is long awaited (the demo's cases
    are the demo's; this one is the walk's own)."""
    with database.connection_context():
        case = make_case(reference="AC-2026-0777", created_at=utcnow() - timedelta(days=40))
        add_party(case, name=f"Morwenna {SURNAME}", created_at=utcnow() - timedelta(days=30))
        return case.reference, case.id


def test_a_coordinators_morning(page, waiting_case):
    waiting_case, case_id = waiting_case
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals, cases and safeguarding")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)

    # Find the party by surname on the case list, open the case, read its stage.
    page.get_by_role("link", name="Cases", exact=True).click()
    page.locator("#status").select_option("all")
    page.locator("#q").fill(SURNAME.lower())
    page.get_by_role("button", name="Search").click()
    page.locator("#case-list").get_by_role("link", name=waiting_case).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(waiting_case)
    summary = page.locator("dt:has-text('Stage') + dd")
    expect(summary).to_have_text("Waiting for consent")

    # Back home: the case is in the queue, twice (no coach; consent awaited).
    page.get_by_role("link", name="Overview", exact=True).click()
    no_coach = page.locator("#no_coach")
    expect(no_coach.get_by_role("link", name=waiting_case, exact=True)).to_be_visible()
    expect(page.locator("#consent")).to_contain_text(f"Morwenna {SURNAME} on {waiting_case}")
    counted = page.locator("#count-no_coach .tile-number")
    before = int(counted.inner_text())
    page.locator("#count-no_coach").get_by_role("link").click()
    assert page.url.endswith("#no_coach")

    # Act on it: allocate a coach, and the case leaves the "no coach" list.
    no_coach.get_by_role("link", name=f"Allocate coaches to {waiting_case}").click()
    coaches = page.locator("#coaches")
    expect(coaches).to_contain_text("No coach is allocated yet.")
    coaches.get_by_role("link", name="Allocate coaches").click()
    page.get_by_label("Coach", exact=True).select_option(index=1)
    page.get_by_role("button", name="Allocate").click()
    expect(coaches).not_to_contain_text("No coach is allocated yet.")
    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page.locator("#count-no_coach")).to_contain_text(f"{before - 1} cases with no coach")
    expect(page.locator(f"#no-coach-{case_id}")).to_have_count(0)
    expect(page.locator("#consent")).to_contain_text(f"Morwenna {SURNAME}")
    assert_accessible(page)


def test_the_work_queue_fits_a_phone(page, waiting_case):
    waiting_case, _ = waiting_case
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    expect(page.locator("#no_coach")).to_contain_text(waiting_case)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
