"""The administrators' Messages page and a lead's notice of an undelivered safeguarding email, in
a real browser: reached from the navigation, "Send again" pressed, axe-clean at 1280 and 320 px
with no sideways scroll at 320."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.db import database
from portal.models import Case, OutboxMessage, SafeguardingConcern, User, utcnow
from portal.vocab import ConcernLevel, MessageKind, MessageState, Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in
from tests.factories import make_concern

pytestmark = pytest.mark.browser


@pytest.fixture
def messages(app, live_server):
    """A delivered, a waiting and a failed email, and an immediate concern raised 20 minutes ago
    whose email to a lead is still waiting."""
    with app.app_context(), database.connection_context():
        now = utcnow()
        common = {"kind": MessageKind.INVITATION, "subject": "You are invited to the portal", "body": "Link.\n"}
        OutboxMessage.create(recipient="delivered@example.org", state=MessageState.SENT, attempts=1,
                             sent_at=now, **common)
        OutboxMessage.create(recipient="waiting@example.org", state=MessageState.WAITING, attempts=2,
                             last_error="TimeoutError", next_attempt_at=now + timedelta(minutes=1), **common)
        failed = OutboxMessage.create(recipient="failed@example.org", state=MessageState.FAILED, attempts=12,
                                      last_error="SMTPRecipientsRefused", **common)
        concern = make_concern(Case.select().order_by(Case.id).first(), User.get(User.role == Role.COACH),
                               level=ConcernLevel.IMMEDIATE, created_at=now - timedelta(minutes=20))
        OutboxMessage.create(kind=MessageKind.SAFEGUARDING_CONCERN, recipient="coordinator@example.org",
                             subject="Safeguarding concern raised: immediate level", body="Sign in.\n",
                             about_kind=SafeguardingConcern._meta.table_name, about_id=concern.id,
                             state=MessageState.WAITING, attempts=3, last_error="ConnectionRefusedError")
    return failed


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_messages_page_and_send_again(request, messages, size):
    page = request.getfixturevalue("page" if size == "desktop" else "phone_page")
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    notice = page.locator("#undelivered-concerns")
    expect(notice).to_contain_text("Safeguarding email not delivered")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("link", name="Messages", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages")
    expect(page.locator(f"#message-{messages.id}")).to_contain_text("Failed: SMTPRecipientsRefused")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("button", name="Send again to failed@example.org").click()
    expect(page.get_by_text("The email to failed@example.org is queued again.")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_label("State").select_option("waiting")
    expect(page.get_by_role("status").filter(has_text="message")).to_contain_text("2 messages")
    assert_accessible(page)
