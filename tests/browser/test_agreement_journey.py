"""Written agreements in a real browser: a coach drafts one from a template, adds a term in place
and moves it, and proposes it; each party accepts it in their own browser by typing their name;
the final PDF downloads with the hash the page shows. The same without JavaScript (forms as pages
of their own, with their errors), and a party's agreement page on a phone. Checked with axe."""

import hashlib
import io
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.models import Agreement, Case
from portal.vocab import CaseKind, Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

COACH = DEMO_ACCOUNTS[Role.COACH]  # Priya Shah, coach on both demo cases
TITLE = "Agreement about noise between neighbours"  # the "Neighbour noise" template's title
TEMPLATE_TERMS = [
    "Keep music and television low after 10pm on weekdays and 11pm at weekends",
    "Let the other know a day ahead of a gathering at home",
    "Knock and talk calmly, or leave a note, before contacting the landlord or council",
]
TERM = "Marker-agree-6120: fit a soft closer to the front door"
DAY = date.today() + timedelta(days=30)
LATER = date.today() + timedelta(days=45)


def long_date(day):
    return f"{day.day} {day:%B %Y}"


def mediation_case_url():
    return f"/cases/{Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get().reference}"


def words(text):
    """Text with every run of whitespace as one space (a PDF's table cells wrap their lines)."""
    return " ".join(text.split())


def start_draft(page, template):
    """As a signed-in coach: draft an agreement on the mediation case from `template`."""
    page.goto(mediation_case_url())
    page.locator("#agreements").get_by_role("link", name="Draft an agreement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft an agreement")
    page.get_by_label(template, exact=True).check()
    page.get_by_role("button", name="Start the draft").click()
    expect(page.locator("#agreement .lede")).to_contain_text("Draft: only the coaches on this case")
    expect(page.locator("#flashes")).to_contain_text("Draft started.")


def propose(page):
    page.get_by_role("button", name="Propose version 1 to the parties").click()
    expect(page.locator("#agreement .lede")).to_contain_text("Proposed to the parties")


def open_from_party_home(page, title):
    """As a signed-in party: from their home page to the agreement, by its link under Agreements."""
    page.goto("/party")
    agreements = page.locator("section", has=page.get_by_role("heading", name="Agreements", exact=True))
    card = agreements.locator("li.card", has_text=title)
    expect(card).to_contain_text("version 1")
    expect(card).to_contain_text("waiting for your answer")
    card.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def accept(page, name):
    """As a party on their agreement page, with JavaScript: the accept form in place, then accept."""
    page.locator("#answer").get_by_role("link", name="Accept the agreement").click()
    form = page.locator("#accept-form")
    expect(form).to_be_visible()
    form.get_by_label("Type your full name").fill(name)
    form.get_by_label("I have read the whole agreement and I accept it").check()
    form.get_by_role("button", name="Accept the agreement").click()


def test_a_coach_drafts_and_proposes_and_both_parties_accept_and_download_the_pdf(
        page, browser_context_factory):
    sign_in(page, COACH)
    page.goto(mediation_case_url())
    # The demo case already has a draft (its own title); a second agreement starts alongside it.
    expect(page.locator("#agreements")).to_contain_text("Agreement about noise on Elm Road")
    page.locator("#agreements").get_by_role("link", name="Draft an agreement").click()
    page.get_by_role("button", name="Start the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose where to start from.")
    assert_accessible(page)  # the template choice, with its error
    start_draft(page, "Neighbour noise")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#issues")).to_contain_text("Noise late in the evening and at night")
    rows = page.locator("#terms tbody tr")
    expect(rows).to_have_count(3)
    for row, what in zip(rows.all(), TEMPLATE_TERMS, strict=True):
        expect(row).to_contain_text(what)
        expect(row).to_contain_text("Both parties")
    expect(page.locator("#details")).to_contain_text("either of us can ask the service for a review")

    # A term added in place: the form comes into #terms, the agreement is refreshed without a reload.
    page.evaluate("window.__marker = 'still here'")
    page.locator("#terms").get_by_role("link", name="Add a term").click()
    form = page.locator("#new-terms-form")
    expect(form).to_be_visible()
    assert_accessible(page)  # the draft, with the term form open in it
    form.get_by_role("button", name="Add the term").click()  # nothing said: the form again, in place
    form = page.locator("#new-terms-form")
    expect(form.get_by_role("alert")).to_contain_text("Say what will be done.")
    expect(form.get_by_label("What will be done")).to_have_attribute("aria-invalid", "true")
    expect(rows).to_have_count(3)
    assert_accessible(page)  # the form's error, in place
    form.get_by_label("What will be done").fill(TERM)
    form.get_by_label("Who will do it").select_option(label="Alex Morgan")
    form.get_by_label("By when (optional)").fill(DAY.isoformat())
    form.get_by_role("button", name="Add the term").click()
    expect(page.locator("#announcer")).to_contain_text("Term added.")
    expect(rows).to_have_count(4)
    added = page.locator("#terms tbody tr", has_text=TERM)
    expect(added).to_contain_text("Alex Morgan")
    expect(added).to_contain_text(long_date(DAY))
    expect(rows.nth(3)).to_contain_text(TERM)
    expect(page.locator("#new-terms-form")).to_have_count(0)

    # Moved up one place, then checked in order.
    added.get_by_role("button", name="Move up").click()
    expect(rows.nth(2)).to_contain_text(TERM)
    expect(rows.nth(3)).to_contain_text(TEMPLATE_TERMS[2])
    page.reload()  # the order is saved, not only shown
    expect(rows.nth(2)).to_contain_text(TERM)

    # Changed in place, and a template term removed.
    page.evaluate("window.__marker = 'still here'")
    added.get_by_role("link", name="Change").click()
    form = page.locator("[id^=edit-terms-][id$=-form]")
    expect(form).to_be_visible()
    expect(form.get_by_label("What will be done")).to_have_value(TERM)
    expect(form.get_by_label("Who will do it").locator("option:checked")).to_have_text("Alex Morgan")
    expect(form.get_by_label("By when (optional)")).to_have_value(DAY.isoformat())
    assert_accessible(page)  # the change form, open
    form.get_by_label("By when (optional)").fill(LATER.isoformat())
    form.get_by_role("button", name="Save the change").click()
    expect(page.locator("#announcer")).to_contain_text("Term changed.")
    expect(added).to_contain_text(long_date(LATER))
    rows.filter(has_text=TEMPLATE_TERMS[1]).get_by_role("button", name="Remove").click()
    expect(page.locator("#announcer")).to_contain_text("Term removed.")
    expect(rows).to_have_count(3)
    expect(page.locator("#terms")).not_to_contain_text(TEMPLATE_TERMS[1])
    expect(rows.nth(1)).to_contain_text(TERM)
    assert page.evaluate("window.__marker") == "still here"
    page.evaluate("window.__marker = 'still here'")
    assert_accessible(page)  # the coach's draft

    propose(page)
    expect(page.locator("#announcer")).to_contain_text(
        "Version 1 proposed. Each party has been emailed to read it.")
    assert page.evaluate("window.__marker") == "still here"
    expect(page.locator("#terms").get_by_role("link", name="Add a term")).to_have_count(0)
    expect(page.locator("#terms").get_by_role("button", name="Move up")).to_have_count(0)

    # Alex, in a browser of their own: from their home page, read it, accept it.
    alex = browser_context_factory()
    sign_in(alex, "alex@example.org")
    open_from_party_home(alex, TITLE)
    expect(alex.locator("#agreement .lede")).to_contain_text("Proposed to the parties")
    expect(alex.locator("#terms tbody tr", has_text=TERM)).to_contain_text("Alex Morgan")
    expect(alex.locator("#terms").get_by_role("link", name="Add a term")).to_have_count(0)
    expect(alex.locator("#agreement li", has_text="Alex Morgan (you)")).to_contain_text(
        "has not accepted yet")
    assert_accessible(alex)  # a party's view of a proposed agreement

    alex.evaluate("window.__marker = 'still here'")
    alex.locator("#answer").get_by_role("link", name="Accept the agreement").click()
    form = alex.locator("#accept-form")
    expect(form).to_be_visible()
    expect(form).to_contain_text("As it appears on the agreement: Alex Morgan.")
    assert_accessible(alex)  # the accept form, in place
    form.get_by_label("Type your full name").fill("Alex Morgen")
    form.get_by_role("button", name="Accept the agreement").click()  # a typo, and not ticked
    expect(form.get_by_role("alert")).to_contain_text(
        "Type your full name as it appears on the agreement: Alex Morgan.")
    expect(form.get_by_role("alert")).to_contain_text("Tick to say you have read it and accept it.")
    expect(alex.locator("#accept-form")).to_have_count(1)
    expect(alex.locator("#agreement li", has_text="Alex Morgan (you)")).to_contain_text(
        "has not accepted yet")
    assert_accessible(alex)  # the accept form's errors, in place
    form.get_by_label("Type your full name").fill("Alex Morgan")
    form.get_by_label("I have read the whole agreement and I accept it").check()
    form.get_by_role("button", name="Accept the agreement").click()
    expect(alex.locator("#announcer")).to_contain_text(
        "Thank you. Your acceptance is recorded.")
    expect(alex.locator("#agreement li", has_text="Alex Morgan (you)")).to_contain_text(
        "accepted version 1 by typing “Alex Morgan”")
    expect(alex.locator("#answer")).to_have_count(0)
    expect(alex.locator("#agreement .lede")).to_contain_text("Proposed to the parties")
    assert alex.evaluate("window.__marker") == "still here"

    # Bea: her acceptance makes it final.
    bea = browser_context_factory()
    sign_in(bea, "bea@example.org")
    open_from_party_home(bea, TITLE)
    expect(bea.locator("#agreement li", has_text="Alex Morgan")).to_contain_text("accepted version 1")
    accept(bea, "Bea Lewis")
    expect(bea.locator("#announcer")).to_contain_text(
        "Everyone has accepted it, so the agreement is now final.")
    expect(bea.locator("#agreement .lede")).to_contain_text(
        "Final: every party accepted this version.")
    expect(bea.locator("#agreement li", has_text="Bea Lewis (you)")).to_contain_text(
        "accepted version 1 by typing “Bea Lewis”")
    # A party is told it is final in words; the hash is for staff.
    expect(bea.locator("#agreement")).to_contain_text("This is the final copy. It cannot be changed.")
    expect(bea.locator("#agreement")).not_to_contain_text("SHA-256")
    shown_hash = Agreement.get(Agreement.title == TITLE).pdf_sha256

    with bea.expect_download() as download_info:
        bea.get_by_role("link", name="Download the agreement (PDF)").click()
    download = download_info.value
    reference = Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get().reference
    assert download.suggested_filename == f"agreement-{reference}-version-1.pdf"
    data = download.path().read_bytes()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == shown_hash
    text = words("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    assert TERM in text
    assert "Version 1" in text
    assert TITLE in text
    assert "Accepted by typing their name: Bea Lewis" in text

    # The coach sees the hash of that same file, wrapped to fit a phone.
    page.reload()
    hash_line = page.locator("#agreement p.meta", has_text="SHA-256 of the final PDF")
    expect(hash_line.locator("code")).to_have_text(shown_hash)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 720})

    # The coach sees it final too, and the case page lists it so.
    page.goto(mediation_case_url())
    expect(page.locator("#agreements li", has_text=f"{TITLE}, version 1")).to_contain_text("Final")
    assert_accessible(page)

    # Alex's home page lists it as final.
    alex.goto("/party")
    expect(alex.locator("li.card", has_text=TITLE)).to_contain_text("version 1 · final")
    assert_accessible(alex)


def test_a_term_and_an_acceptance_without_javascript(page_without_javascript, browser_context_factory):
    page = page_without_javascript
    sign_in(page, COACH)
    start_draft(page, "Start from a blank agreement")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreement")
    expect(page.locator("#terms")).to_contain_text("No terms yet.")
    agreement_url = page.url

    # The term form as a page of its own; an empty "What will be done" saves nothing.
    page.locator("#terms").get_by_role("link", name="Add a term").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a term")
    page.get_by_label("Who will do it").select_option(label="Bea Lewis")
    page.get_by_role("button", name="Add the term").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a term")
    expect(page.get_by_role("alert")).to_contain_text("Say what will be done.")
    expect(page.locator(".error-message")).to_contain_text("Say what will be done.")
    expect(page.get_by_label("What will be done")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Who will do it").locator("option:checked")).to_have_text("Bea Lewis")
    page.get_by_role("link", name="Back to the agreement").click()
    expect(page.locator("#terms")).to_contain_text("No terms yet.")

    page.locator("#terms").get_by_role("link", name="Add a term").click()
    page.get_by_label("What will be done").fill(TERM)
    page.get_by_label("Who will do it").select_option(label="Bea Lewis")
    page.get_by_label("By when (optional)").fill(DAY.isoformat())
    page.get_by_role("button", name="Add the term").click()
    assert page.url == f"{agreement_url}#terms"  # back at the terms, not the top of the page
    expect(page.locator("#flashes")).to_contain_text("Term added.")
    row = page.locator("#terms tbody tr", has_text=TERM)
    expect(row).to_contain_text("Bea Lewis")
    expect(row).to_contain_text(long_date(DAY))
    propose(page)
    expect(page.locator("#flashes")).to_contain_text("Version 1 proposed.")

    # A party, also without JavaScript, types a name that is not theirs: nothing is recorded.
    alex = browser_context_factory(java_script_enabled=False)
    sign_in(alex, "alex@example.org")
    open_from_party_home(alex, "Agreement")
    alex.locator("#answer").get_by_role("link", name="Accept the agreement").click()
    expect(alex.get_by_role("heading", level=1)).to_have_text("Accept version 1 of the agreement")
    alex.get_by_label("Type your full name").fill("Bea Lewis")
    alex.get_by_label("I have read the whole agreement and I accept it").check()
    alex.get_by_role("button", name="Accept the agreement").click()
    expect(alex.get_by_role("heading", level=1)).to_have_text("Accept version 1 of the agreement")
    expect(alex.get_by_role("alert")).to_contain_text(
        "Type your full name as it appears on the agreement: Alex Morgan.")
    alex.get_by_role("link", name="Back to the agreement").click()
    expect(alex.locator("#agreement li", has_text="Alex Morgan (you)")).to_contain_text(
        "has not accepted yet")

    # Their name as a person would type it, in lower case, is accepted.
    alex.locator("#answer").get_by_role("link", name="Accept the agreement").click()
    alex.get_by_label("Type your full name").fill("alex morgan")
    alex.get_by_label("I have read the whole agreement and I accept it").check()
    alex.get_by_role("button", name="Accept the agreement").click()
    expect(alex.locator("#flashes")).to_contain_text("Thank you. Your acceptance is recorded.")
    expect(alex.locator("#agreement li", has_text="Alex Morgan (you)")).to_contain_text(
        "accepted version 1 by typing “alex morgan”")


def test_the_forms_without_javascript_are_accessible_pages_of_their_own(page, browser_context_factory):
    """The no-JavaScript pages above, with their errors, checked by axe (which needs JavaScript)."""
    sign_in(page, COACH)
    start_draft(page, "Start from a blank agreement")
    page.goto(page.url + "/terms/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a term")
    page.get_by_role("button", name="Add the term").click()
    expect(page.get_by_role("alert")).to_contain_text("Say what will be done.")
    assert_accessible(page)
    page.goto(page.url.removesuffix("/terms/new"))
    page.locator("#terms").get_by_role("link", name="Add a term").click()
    page.locator("#new-terms-form").get_by_label("What will be done").fill(TERM)
    page.locator("#new-terms-form").get_by_role("button", name="Add the term").click()
    expect(page.locator("#terms tbody tr", has_text=TERM)).to_be_visible()
    propose(page)
    agreement_url = page.url

    alex = browser_context_factory()
    sign_in(alex, "alex@example.org")
    alex.goto(agreement_url + "/accept")
    expect(alex.get_by_role("heading", level=1)).to_have_text("Accept version 1 of the agreement")
    alex.get_by_label("Type your full name").fill("Alex Morgen")
    alex.get_by_role("button", name="Accept the agreement").click()
    expect(alex.get_by_role("alert")).to_contain_text(
        "Type your full name as it appears on the agreement: Alex Morgan.")
    expect(alex.get_by_role("alert")).to_contain_text("Tick to say you have read it and accept it.")
    assert_accessible(alex)


def test_a_partys_agreement_page_fits_a_phone(phone_page, browser_context_factory):
    coach = browser_context_factory()
    sign_in(coach, COACH)
    start_draft(coach, "Neighbour noise")
    coach.locator("#terms").get_by_role("link", name="Add a term").click()
    form = coach.locator("#new-terms-form")
    # A long unbroken word: it must wrap in the table on a phone, not push the page sideways.
    form.get_by_label("What will be done").fill(
        TERM + " (see https://example.org/a-long-address/with-no-spaces-in-it/at-all)")
    form.get_by_label("Who will do it").select_option(label="Alex Morgan")
    form.get_by_label("By when (optional)").fill(DAY.isoformat())
    form.get_by_role("button", name="Add the term").click()
    expect(coach.locator("#terms tbody tr", has_text=TERM)).to_be_visible()
    propose(coach)

    sign_in(phone_page, "alex@example.org")
    open_from_party_home(phone_page, TITLE)
    expect(phone_page.locator("#terms tbody tr", has_text=TERM)).to_be_visible()
    assert_no_horizontal_scroll(phone_page)
    assert phone_page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(phone_page)

    phone_page.locator("#answer").get_by_role("link", name="Accept the agreement").click()
    expect(phone_page.locator("#accept-form")).to_be_visible()
    assert_no_horizontal_scroll(phone_page)
    assert_accessible(phone_page)

    phone_page.goto("/party")  # their home page, with the agreement listed
    expect(phone_page.locator("li.card", has_text=TITLE)).to_contain_text("waiting for your answer")
    assert_no_horizontal_scroll(phone_page)
    assert_accessible(phone_page)


def test_a_coach_changes_a_term_in_place_on_a_phone(phone_page):
    """The change form of a term opens where the coach can see and use it, not as an extra table
    column squeezed beside the row and scrolled out of sight (templates/agreements/_item_controls.html
    targets the term's <tr> with hx-swap="beforeend")."""
    page = phone_page
    sign_in(page, COACH)
    start_draft(page, "Neighbour noise")
    row = page.locator("#terms tbody tr", has_text=TEMPLATE_TERMS[0])
    row.get_by_role("link", name="Change").click()
    form = page.locator("[id^=edit-terms-][id$=-form]")
    expect(form).to_be_visible()
    # Across the screen as it opens: no sideways scrolling, of the page or of the table, to reach
    # it (bounding boxes are in the viewport's x, whatever the vertical scroll).
    width = page.evaluate("() => window.innerWidth")
    for control in (form.get_by_label("What will be done"), form.get_by_label("Who will do it"),
                    form.get_by_role("button", name="Save the change")):
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (
            f"{control} is off the screen, at x={box['x']:.0f}..{box['x'] + box['width']:.0f}px "
            f"in a {width}px viewport")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)

    form.get_by_label("Who will do it").select_option(label="Bea Lewis")
    form.get_by_role("button", name="Save the change").click()
    expect(page.locator("#announcer")).to_contain_text("Term changed.")
    expect(row).to_contain_text("Bea Lewis")
