"""Notes in a real browser: a coach shares a note with party A, who sees it while party B does
not; a request to share one party's words goes to that party in the portal and back; and the
words about who can read a note, with and without JavaScript. Every page checked with axe."""

import pytest
from playwright.sync_api import expect

from portal.models import Case
from portal.vocab import CaseKind, Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, sign_in

pytestmark = pytest.mark.browser

COACH = DEMO_ACCOUNTS[Role.COACH]  # Priya Shah, coach on both demo cases


def mediation_case_url():
    return f"/cases/{Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get().reference}"


def open_note_form(page):
    page.goto(mediation_case_url())
    page.get_by_role("link", name="Write a note").click()
    form = page.locator("#new-note-form")
    expect(form).to_be_visible()
    return form


def test_a_note_shared_with_party_a_is_seen_by_a_and_not_by_b(page, browser_context_factory):
    sign_in(page, COACH)
    form = open_note_form(page)
    form.get_by_label("The note").fill("Marker-journey-4410: summary of your meeting.\n\n- quiet after 10pm")
    form.get_by_label("This is a session summary").check()
    form.get_by_label("Shared with named parties").check()
    form.get_by_label("Alex Morgan", exact=True).check()
    readers = form.locator("#new-note-readers")
    expect(readers).to_contain_text("Alex Morgan can read it in the portal.")
    expect(readers).to_contain_text("Bea Lewis cannot read it.")
    assert_accessible(page)
    form.get_by_role("button", name="Save the note").click()

    note = page.locator("#notes li.card", has_text="Marker-journey-4410")
    expect(note).to_contain_text("Session summary by Priya Shah")
    expect(note).to_contain_text("Alex Morgan: can read it")
    expect(note.locator("li", has_text="quiet after 10pm")).to_be_visible()
    assert_accessible(page)

    alex = browser_context_factory()
    sign_in(alex, "alex@example.org")
    alex.get_by_role("link", name="Shared with you").click()
    expect(alex.get_by_role("heading", level=1)).to_have_text("Shared with you")
    expect(alex.locator("#shared-notes")).to_contain_text("Marker-journey-4410")
    assert_accessible(alex)

    bea = browser_context_factory()
    sign_in(bea, "bea@example.org")
    bea.get_by_role("link", name="Shared with you").click()
    expect(bea.get_by_role("heading", level=1)).to_have_text("Shared with you")
    expect(bea.locator("main")).not_to_contain_text("Marker-journey-4410")
    assert_accessible(bea)


def test_a_consent_request_goes_to_the_source_party_and_back(page, browser_context_factory):
    sign_in(page, COACH)
    form = open_note_form(page)
    form.get_by_label("The note").fill("Marker-consent-7720: Alex will trim the hedge in March.")
    form.get_by_label("Shared with named parties").check()
    form.get_by_label("Bea Lewis", exact=True).check()
    form.get_by_label("Whose words does it record?").select_option(label="Alex Morgan")
    expect(form.locator("#new-note-readers")).to_contain_text(
        "Bea Lewis can read it only once Alex Morgan agrees")
    form.get_by_role("button", name="Save the note").click()
    note = page.locator("#notes li.card", has_text="Marker-consent-7720")
    expect(note).to_contain_text("Bea Lewis: waiting for Alex Morgan to agree")

    bea = browser_context_factory()
    sign_in(bea, "bea@example.org")
    bea.goto("/shared")
    expect(bea.locator("main")).not_to_contain_text("Marker-consent-7720")

    alex = browser_context_factory()
    sign_in(alex, "alex@example.org")
    alex.get_by_role("link", name="Shared with you").click()
    request = alex.locator("#requests li.card", has_text="Marker-consent-7720")
    expect(request).to_contain_text("Can we share this with Bea Lewis?")
    assert_accessible(alex)
    request.get_by_role("button", name="Yes, share it with Bea Lewis").click()
    expect(alex.get_by_role("status")).to_contain_text("It is now shared as your coach asked.")
    expect(alex.locator("#agreed")).to_contain_text("Marker-consent-7720")
    assert_accessible(alex)

    bea.goto("/shared")
    expect(bea.locator("#shared-notes")).to_contain_text("Marker-consent-7720")

    page.reload()
    expect(page.locator("#notes li.card", has_text="Marker-consent-7720")).to_contain_text(
        "Bea Lewis: can read it (Alex Morgan agreed, in the portal")


def test_who_can_read_it_is_said_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, COACH)
    page.goto(mediation_case_url())
    page.get_by_role("link", name="Write a note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a note")
    page.get_by_label("Staff (coaches on this case and coordinators)").check()
    page.get_by_role("button", name="Check who can read it").click()
    expect(page.locator("#new-note-readers")).to_contain_text("the service's coordinators can read it")
    # axe needs JavaScript: the same page is checked with it in the test below.
    page.get_by_label("The note").fill("Marker-nojs-3301")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case ")
    expect(page.locator("#notes")).to_contain_text("Marker-nojs-3301")


def test_the_note_form_as_a_page_of_its_own_is_accessible(page):
    sign_in(page, COACH)
    page.goto(mediation_case_url() + "/notes/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a note")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the note, or add a file.")
    assert_accessible(page)


def test_a_coach_records_consent_given_in_person_in_place(page, browser_context_factory):
    sign_in(page, COACH)
    page.goto(mediation_case_url())
    page.evaluate("window.__marker = 'still here'")
    note = page.locator("#notes li.card", has_text="trim the hedge in spring")  # demo: Alex's words
    expect(note).to_contain_text("Bea Lewis: waiting for Alex Morgan to agree")
    note.get_by_role("link", name="Record Alex Morgan's answer about sharing with Bea Lewis").click()
    form = note.locator("[id^=consent-]")
    form.get_by_role("button", name="Record their answer").click()
    expect(form.get_by_role("alert")).to_contain_text("Choose what they said.")
    assert_accessible(page)
    form = note.locator("[id^=consent-]")
    form.get_by_label("They agreed to share it").check()
    form.get_by_label("In person").check()
    form.get_by_role("button", name="Record their answer").click()
    note = page.locator("#notes li.card", has_text="trim the hedge in spring")
    expect(note).to_contain_text("Bea Lewis: can read it (Alex Morgan agreed, in person")
    assert page.evaluate("window.__marker") == "still here"
    assert_accessible(page)

    bea = browser_context_factory()
    sign_in(bea, "bea@example.org")
    bea.goto("/shared")
    expect(bea.locator("#shared-notes")).to_contain_text("trim the hedge in spring")
