"""The Notifications page and the preferences page (issue 14): axe finds nothing at 1280 and
320 px, neither scrolls sideways at 320, and both work as a person uses them."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10


def give_the_party_notifications():
    from portal.db import database
    from portal.models import Notification, User
    from portal.vocab import Delivery, NotificationKind, Role

    with database.connection_context():
        party = User.get(User.email == DEMO_ACCOUNTS[Role.PARTY])
        for n, kind in enumerate((NotificationKind.SESSION_BOOKED, NotificationKind.ACTION_POINT_DUE_SOON,
                                  NotificationKind.AGREEMENT_PROPOSED)):
            Notification.create(recipient=party, kind=kind, link="/party", key=f"browser|{n}",
                                delivery=Delivery.EMAILED)


@pytest.mark.parametrize("width", [1280, 320])
def test_notifications_and_preferences_at_each_width(live_server, browser_context_factory, width):
    from portal.vocab import Role
    give_the_party_notifications()
    page = browser_context_factory(viewport={"width": width, "height": 800})
    sign_in(page, DEMO_ACCOUNTS[Role.PARTY])
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=re.compile(r"^Notifications"))).to_contain_text("(3 unread)")
    nav.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("button", name="An agreement is ready to read").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sessions and action points")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("(2 unread)")

    page.goto("/notifications/preferences")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your notification choices")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.get_by_label("Reminder: a session tomorrow").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#flashes")).to_contain_text("Your choices are saved.")
    expect(page.get_by_label("Reminder: a session tomorrow")).not_to_be_checked()
    assert_accessible(page)
