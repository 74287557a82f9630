"""A party's "no details by email" (issue 14) in a real browser: a coordinator sets it on the
party record from the case page (in place with htmx) and on the form's own page, which passes
axe at 1280 and 320 px and does not scroll sideways on a phone; the party sees the same choice
ticked on their preferences page."""

import pytest
from playwright.sync_api import expect

from portal.db import database
from portal.vocab import ConsentState, Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in
from tests.factories import add_party, make_case

pytestmark = pytest.mark.browser
NAME = "Morwenna Quietmail"


@pytest.fixture
def party_record(live_server):
    from portal.models import User
    with database.connection_context():
        case = make_case(reference="AC-2026-0778")
        party = add_party(case, User.get(User.email == DEMO_ACCOUNTS[Role.PARTY]), name=NAME,
                          consent_state=ConsentState.GIVEN)
        return case.reference, party.id


@pytest.mark.parametrize("width", [1280, 320])
def test_the_form_page_at_each_width(browser_context_factory, party_record, width):
    reference, party_id = party_record
    page = browser_context_factory(viewport={"width": width, "height": 800})
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(f"/cases/{reference}/parties/{party_id}/email-details")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Session emails: {NAME}")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_a_coordinator_sets_it_in_place_and_the_party_sees_it(page, party_record):
    reference, party_id = party_record
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(f"/cases/{reference}")
    page.get_by_role("link", name=f"Session emails for {NAME}").click()
    form = page.locator(f"#email-details-form-{party_id}")
    expect(form.get_by_role("heading", level=3)).to_have_text(f"Session emails: {NAME}")
    assert_accessible(page)
    form.get_by_label("No details by email").check()
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Session emails for {NAME} saved.")).to_be_visible()
    expect(page.locator(f"#party-{party_id}-no-details")).to_have_text("No details by email")

    page.context.clear_cookies()
    sign_in(page, DEMO_ACCOUNTS[Role.PARTY])
    page.goto("/notifications/preferences")
    expect(page.get_by_label("Keep the details of my sessions out of emails")).to_be_checked()
    assert_accessible(page)


@pytest.mark.parametrize("width", [1280, 320])
def test_the_parties_to_phone_on_the_work_queue_at_each_width(browser_context_factory, party_record, width):
    """The work queue's list of parties to phone (email is not safe for them) passes axe too."""
    from portal.models import CaseParty, Notification
    from portal.vocab import Delivery, NotificationKind
    reference, party_id = party_record
    with database.connection_context():
        party = CaseParty.get_by_id(party_id)
        Notification.create(recipient=party.user_id, kind=NotificationKind.SESSION_BOOKED, link="/party",
                            key="browser|phone", delivery=Delivery.MUST_NOT_EMAIL, case=party.case_id, party=party)
    page = browser_context_factory(viewport={"width": width, "height": 800})
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    expect(page.locator(f"#phone-{party_id}")).to_contain_text(f"{NAME} on {reference}: 1 message not emailed")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
