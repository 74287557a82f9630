"""Where focus goes, on a phone: after a failed submit (with and without JavaScript), after an
in-place change, and from an error summary's links to the fields they name."""

import pytest
from playwright.sync_api import expect

from portal.models import Case
from portal.vocab import CaseKind, Role
from tests.browser.conftest import PHONE
from tests.browser.support import DEMO_ACCOUNTS, sign_in

pytestmark = pytest.mark.browser


def in_view(page, selector):
    """The element's top edge is inside the viewport (not 975 px further down)."""
    return page.evaluate(
        """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                    return r.top >= 0 && r.top < window.innerHeight; }""", selector)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_failed_referral_on_a_phone_focuses_the_summary(browser_context_factory, javascript):
    page = browser_context_factory(viewport=PHONE, is_mobile=True, java_script_enabled=javascript)
    page.goto("/refer")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    if javascript:
        assert in_view(page, "#error-summary")


def test_each_summary_link_moves_focus_to_its_field(page):
    page.goto("/refer")
    page.get_by_role("button", name="Send referral").click()
    links = page.locator("#error-summary a")
    expect(links.first).to_be_visible()
    for index in range(links.count()):
        link = links.nth(index)
        target = link.get_attribute("href")[1:]
        link.click()
        expect(page.locator(f"[id='{target}']")).to_be_focused()


def mediation_case_url():
    return f"/cases/{Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get().reference}"


def test_a_failed_form_in_place_focuses_its_summary(phone_page):
    page = phone_page
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(mediation_case_url())
    page.evaluate("window.__marker = 'still here'")
    page.get_by_role("link", name="Schedule a session").click()
    form = page.locator("#schedule-form")
    form.get_by_role("button", name="Schedule the session").click()
    expect(form.locator("#error-summary")).to_be_focused()
    assert page.evaluate("window.__marker") == "still here"  # in place, not a new page
    assert in_view(page, "#error-summary")


def test_after_a_save_in_place_focus_is_on_what_changed_and_it_is_announced(page):
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(mediation_case_url())
    page.evaluate("window.__marker = 'still here'")
    page.get_by_role("link", name="Change coaches").click()
    form = page.locator("#allocation-form")
    # Opening the form takes focus to it, not left on the link far above.
    expect(form.get_by_role("heading", name="Allocate coaches")).to_be_focused()
    form.get_by_role("button").click()
    expect(page.locator("#coaches-heading")).to_be_focused()
    assert page.evaluate("window.__marker") == "still here"
    expect(page.locator("#announcer")).to_have_text("Coaches allocated.")


def test_without_javascript_a_save_returns_to_the_section_that_changed(page_without_javascript):
    page = page_without_javascript
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(mediation_case_url())
    page.get_by_role("link", name="Change coaches").click()
    page.get_by_role("button", name="Allocate").click()
    assert page.url.endswith(mediation_case_url() + "#coaches")


def test_clicking_a_form_link_twice_opens_one_form(page):
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(mediation_case_url())
    for link, form in (("Change coaches", "#allocation-form"), ("Schedule a session", "#schedule-form")):
        for _ in range(2):
            page.get_by_role("link", name=link).click()
            expect(page.locator(form)).to_have_count(1)
        page.wait_for_load_state("networkidle")
        expect(page.locator(form)).to_have_count(1)
    # No id on the page is used twice.
    duplicates = page.evaluate("""() => { const seen = {}, twice = [];
        for (const e of document.querySelectorAll('[id]')) {
          if (seen[e.id]) twice.push(e.id); seen[e.id] = true; }
        return twice; }""")
    assert duplicates == []


def test_a_details_summary_has_the_house_focus_style(page):
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(mediation_case_url())
    summary = page.locator("#parties summary").first
    expect(summary).to_be_visible()
    page.keyboard.press("Tab")  # a keyboard user: focus is shown
    summary.focus()
    style = summary.evaluate("e => ({outline: getComputedStyle(e).outlineStyle,"
                             " width: getComputedStyle(e).outlineWidth,"
                             " shadow: getComputedStyle(e).boxShadow})")
    assert style["outline"] == "solid" and style["width"] == "3px", style
    assert style["shadow"] != "none", style
