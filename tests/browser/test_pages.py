"""A person in a real browser: signing in as each demo role, on a phone, without JavaScript, and out.

Every page visited is checked with axe-core against WCAG 2.2 A and AA.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.vocab import Role
from tests.browser.support import DEMO_ACCOUNTS, assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

HOMES = {
    Role.PARTY: ("/party", "Your sessions and action points"),
    Role.COACH: ("/coach", "Your diary and to-do"),
    Role.COORDINATOR: ("/coordinator", "Referrals, cases and safeguarding"),
}


def expect_home(page, role):
    path, heading = HOMES[role]
    assert urlsplit(page.url).path == path
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


@pytest.mark.parametrize("role", Role)
def test_each_role_signs_in_to_an_accessible_home_page(page, role):
    assert_accessible_sign_in(page)
    sign_in(page, DEMO_ACCOUNTS[role])
    expect_home(page, role)
    assert_accessible(page)


def assert_accessible_sign_in(page):
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)


@pytest.mark.parametrize("role", Role)
def test_signing_in_works_without_javascript(page_without_javascript, role):
    page = page_without_javascript
    sign_in(page, DEMO_ACCOUNTS[role])
    expect_home(page, role)


def test_a_wrong_password_shows_an_accessible_error_summary(page):
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR], password="not-the-password")
    assert urlsplit(page.url).path == "/sign-in"
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The email or password is not right")
    # Nothing of what was typed as a password comes back in the page.
    expect(page.get_by_label("Password")).to_have_value("")
    assert_accessible(page)


@pytest.mark.parametrize("role", Role)
def test_home_pages_fit_a_phone(phone_page, role):
    page = phone_page
    page.goto("/sign-in")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    sign_in(page, DEMO_ACCOUNTS[role])
    expect_home(page, role)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_coordinator_pages_fit_a_phone(phone_page):
    page = phone_page
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])

    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)

    page.get_by_role("link", name="Invite someone", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)

    # The home page is the work queue (no table of cases any more); a case is a list away.
    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_role("heading", name="What needs doing")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case AC-")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_coach_case_page_fits_a_phone(phone_page):
    page = phone_page
    sign_in(page, DEMO_ACCOUNTS[Role.COACH])
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case AC-")
    expect(page.get_by_role("heading", name="Notes you can read")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COACH])
def test_the_case_list_fits_a_phone_and_filters_in_place(phone_page, role):
    """The case list at 320 px: reached from the navigation, filtered with htmx, which keeps the
    address (a filtered list can be bookmarked), and passing axe before and after."""
    import re
    page = phone_page
    sign_in(page, DEMO_ACCOUNTS[role])
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.locator("#status").select_option("all")
    expect(page).to_have_url(re.compile(r"status=all"))
    page.locator("#q").fill("AC-")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=AC-"))
    expect(page.locator("#case-list table")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def _is_problem(message):
    # The browser asks for /favicon.ico on its own, and the portal has none: not a page's fault.
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


def test_htmx_is_served_by_the_app_and_nothing_leaves_the_machine(page, live_server):
    requested, problems = [], []
    page.context.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: _is_problem(message) and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    expect_home(page, Role.COORDINATOR)
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")

    page.wait_for_load_state("load")  # htmx is a deferred script: it runs before `load`
    assert (page.evaluate("() => window.htmx && window.htmx.version") or "").startswith("2.0")
    scripts = page.evaluate("() => [...document.scripts].map(script => script.src)")
    assert scripts and all(src.startswith(f"{live_server}/static/") for src in scripts), scripts
    assert f"{live_server}/static/vendor/htmx.min.js" in {src.split("?")[0] for src in scripts}
    assert any(url.startswith(f"{live_server}/static/vendor/htmx.min.js") for url in requested)
    elsewhere = [url for url in requested if urlsplit(url).hostname != "127.0.0.1"]
    assert requested and not elsewhere, f"requests that left 127.0.0.1: {elsewhere}"
    # A CSP violation (an inline style or script that htmx or a template adds) shows up here.
    assert not problems, problems


def test_signing_out_from_the_nav_returns_to_sign_in(page):
    sign_in(page, DEMO_ACCOUNTS[Role.PARTY])
    expect_home(page, Role.PARTY)
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert urlsplit(page.url).path == "/sign-in"
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    assert_accessible(page)
    # The session really ended: the home page sends us back to sign in.
    page.goto(HOMES[Role.PARTY][0])
    assert urlsplit(page.url).path == "/sign-in"


# --- a party's own seat at a session, and the case page's summary (issue 13) ---------------

def test_a_party_tells_their_coach_about_a_session_in_place_on_a_phone(phone_page):
    import re
    page = phone_page
    sign_in(page, DEMO_ACCOUNTS[Role.PARTY])
    expect(page.get_by_role("contentinfo")).to_contain_text("Your coach")
    card = page.locator("li.card[id^=my-session-]").first
    card.get_by_role("link", name=re.compile("I cannot come, or want to move it")).click()
    expect(card.get_by_role("heading", name="Tell your coach about this session")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    card.get_by_role("button", name="Send to your coach").click()  # no choice made: refused
    expect(card.get_by_role("alert")).to_contain_text("Choose what you want to tell your coach")
    assert_accessible(page)
    card.get_by_label("I would like to move it to another time").check()
    card.get_by_label("Anything you want your coach to know (optional)").fill("Work moved my shift.")
    card.get_by_role("button", name="Send to your coach").click()
    expect(card).to_contain_text("you would like to move it")
    expect(card).to_contain_text("Work moved my shift.")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_a_party_names_a_supporter_without_javascript(page_without_javascript):
    """(The form's page is checked with axe at 320 px by the walk of every page below.)"""
    import re
    page = page_without_javascript
    sign_in(page, DEMO_ACCOUNTS[Role.PARTY])
    card = page.locator("li.card[id^=my-session-]").first
    card.get_by_role("link", name=re.compile("Bringing someone with you|Change who is coming")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who are you bringing?")
    page.get_by_label("Their name").fill("Sam Carter")
    page.get_by_role("button", name="Save").click()  # no relationship: refused, nothing saved
    expect(page.get_by_role("alert")).to_contain_text("Say who your supporter is to you")
    page.get_by_label(re.compile("Who they are to you")).fill("my brother")
    page.get_by_role("button", name="Save").click()
    expect_home(page, Role.PARTY)
    expect(page.locator("li.card[id^=my-session-]").first).to_contain_text(
        "You are bringing Sam Carter (my brother).")


def test_the_case_page_summary_and_contents_fit_a_phone(phone_page):
    page = phone_page
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(page.locator("a[href^='/cases/AC-']").first.get_attribute("href"))
    contents = page.get_by_role("navigation", name="Contents of this case")
    expect(contents.get_by_role("link", name="Sessions")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("Next session")
    contents.get_by_role("link", name="Timeline").click()
    assert page.url.endswith("#timeline")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


# --- every page, at 320 px ------------------------------------------------------------------

NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10: 320 CSS px, no scrolling sideways
NOT_PAGES = ("/sign-out", "/static/", ".pdf", ".ics", ".csv", "/download", "/files/", ".zip", "/for-review.html")


def page_shape(path):
    """One page per kind: /cases/AC-2026-0001/notes/7/edit and .../notes/9/edit are one shape."""
    import re
    return re.sub(r"[A-Z]{2}-\d{4}-\d{4}|\d+", "#", path)


def links_on(page, origin):
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if f"{parts.scheme}://{parts.netloc}" == origin and not any(n in path for n in NOT_PAGES):
            found.append(path)
    return found


@pytest.mark.parametrize("role", Role)
def test_every_page_fits_320px_and_passes_axe(browser_context_factory, live_server, role):
    page = browser_context_factory(viewport=NARROW, is_mobile=True, has_touch=True)
    sign_in(page, DEMO_ACCOUNTS[role])
    queue, shapes, problems = [urlsplit(page.url).path], set(), []
    while queue and len(shapes) < 80:
        path = queue.pop(0)
        shape = page_shape(urlsplit(path).path)
        if shape in shapes:
            continue
        shapes.add(shape)
        response = page.goto(path)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        try:
            assert_no_horizontal_scroll(page)
            assert_accessible(page)
        except (AssertionError, pytest.fail.Exception) as problem:
            problems.append(str(problem))
        queue.extend(links_on(page, live_server))
    assert not problems, "\n".join(problems)
    assert len(shapes) >= {Role.PARTY: 3, Role.COACH: 10, Role.COORDINATOR: 20}[role], shapes


# --- long lists, paged ----------------------------------------------------------------------

def make_the_mediation_case_long():
    """30 more notes, sessions and timeline entries on the demo coach's mediation case, and 60
    more accounts: every pager shows. Returns the case's reference."""
    from datetime import datetime, timedelta

    from portal.db import database
    from portal.models import Case, CaseParty, User
    from portal.timeline import record
    from portal.vocab import Audience, CaseEventKind, CaseKind
    from tests.factories import make_note, make_session, make_user

    with database.connection_context():
        case = Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get()
        coach = User.get(User.email == DEMO_ACCOUNTS[Role.COACH])
        parties = list(CaseParty.select().where(CaseParty.case == case.id))
        for n in range(30):
            make_note(case, coach, Audience.STAFF, body=f"Long case note {n:02d}.")
            make_session(case, parties=parties, coaches=[coach],
                         starts_at=datetime(2027, 1, 4, 10) + timedelta(days=n))
            record(case, CaseEventKind.CONSENT, f"Long case entry {n:02d}.", actor=coach)
        for n in range(60):
            make_user(Role.PARTY, name=f"Extra Person {n:02d}")
        return case.reference


@pytest.mark.parametrize("javascript", [True, False])
def test_paged_sections_of_the_case_page_fit_a_narrow_screen_and_lead_to_every_item(
        browser_context_factory, javascript):
    reference = make_the_mediation_case_long()
    page = browser_context_factory(viewport=NARROW, is_mobile=True, has_touch=True,
                                   java_script_enabled=javascript)
    if not javascript:
        page.accord_javascript_off = True
    sign_in(page, DEMO_ACCOUNTS[Role.COACH])
    page.goto(f"/cases/{reference}")
    expect(page.get_by_text("Long case note 29.")).to_be_visible()
    expect(page.get_by_text("Long case note 00.")).to_have_count(0)
    for what in ("notes", "sessions", "the timeline"):
        expect(page.get_by_role("navigation", name=f"Pages of {what}")).to_be_visible()
    assert_no_horizontal_scroll(page)
    if javascript:
        assert_accessible(page)
    page.get_by_role("navigation", name="Pages of notes").get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Long case note 00.")).to_be_visible()
    assert "notes_page=2" in page.url and page.url.endswith("#notes")
    assert_no_horizontal_scroll(page)
    if javascript:
        assert_accessible(page)


def test_the_people_page_is_paged_and_fits_a_narrow_screen(browser_context_factory):
    make_the_mediation_case_long()
    page = browser_context_factory(viewport=NARROW, is_mobile=True, has_touch=True)
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto("/admin/people")
    expect(page.locator("tbody tr")).to_have_count(50)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    expect(page.get_by_text("Page 2 of")).to_be_visible()
    assert_accessible(page)


# --- the lists the service configures itself (issue 15) ----------------------------------------

WIDE = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280px", "320px"])
def test_a_list_of_the_service_is_accessible_and_a_move_keeps_focus_on_the_entry(browser_context_factory,
                                                                                 viewport):
    narrow = viewport == NARROW
    page = browser_context_factory(viewport=viewport, is_mobile=narrow, has_touch=narrow)
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.get_by_role("link", name="Lists", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lists")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("link", name="Dispute types").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dispute types")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)

    # In place, by htmx: the list is swapped and focus stays on the entry that moved.
    page.get_by_role("button", name="Move down Neighbour").click()
    expect(page.locator("#list-entries .flash")).to_have_text("“Neighbour” moved down.")
    names = page.locator(".list-entry .entry-name strong")
    expect(names).to_have_text(["Workplace", "Neighbour", "Family", "Other"])
    expect(page.locator(".list-entry:focus")).to_contain_text("Neighbour")

    # A refused name: the error summary, in place, and nothing added.
    page.get_by_label("Name of the new dispute type").fill("family")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("The list already has an entry with this name.")
    expect(names).to_have_count(4)
# --- feedback, coaching outcomes and equality monitoring --------------------------------------

WIDE = {"width": 1280, "height": 900}


def feedback_link(*, expired=False):
    """A fresh feedback invitation for the demo party on the first mediation case (as closing
    would make one); its raw token, which only the email would carry."""
    import secrets
    from datetime import timedelta

    from portal.db import database
    from portal.feedback.service import token_hash
    from portal.models import Case, CaseParty, FeedbackRequest, User, utcnow
    from portal.vocab import CaseKind

    raw = secrets.token_urlsafe(32)
    with database.connection_context():
        case = Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get()
        party = CaseParty.get(CaseParty.case == case.id,
                              CaseParty.user == User.get(User.email == DEMO_ACCOUNTS[Role.PARTY]).id)
        FeedbackRequest.delete().where(FeedbackRequest.party == party.id).execute()
        FeedbackRequest.create(case=case, party=party, token_hash=token_hash(raw),
                               expires_at=utcnow() + timedelta(days=-1 if expired else 30))
    return raw


def case_of(party_name):
    from portal.db import database
    from portal.models import CaseParty
    with database.connection_context():
        return CaseParty.get(CaseParty.name == party_name).case.reference


def check_page(page):
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_a_list_of_the_service_is_edited_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto("/admin/lists/office")
    page.get_by_label("Name of the new office").fill("Riverside community hub")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("“Riverside community hub” added.")).to_be_visible()
    page.get_by_role("button", name="Retire Riverside community hub").click()
    expect(page.get_by_text("“Riverside community hub” retired: old records keep it.")).to_be_visible()
    expect(page.get_by_role("button", name="Reinstate Riverside community hub")).to_be_visible()
# --- reports (issue 15) -----------------------------------------------------------------------

@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, NARROW], ids=["1280", "320"])
def test_the_reports_page_passes_axe_wide_and_narrow(browser_context_factory, viewport):
    page = browser_context_factory(viewport=viewport)
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    for choice in ("This financial year", "Last full quarter"):
        page.get_by_role("link", name=choice, exact=True).click()
        assert_no_horizontal_scroll(page)
        assert_accessible(page)
    # Shared outside (small numbers in words) and a refused form (its error summary) pass too.
    page.get_by_label("For sharing outside the service").check()
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_text("For sharing outside the service:")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_label("To", exact=True).fill("2026-01-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("alert")).to_contain_text("The To date must be the same as or after the From date.")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280", "320"])
def test_the_feedback_link_works_once_without_signing_in(browser_context_factory, viewport):
    raw = feedback_link()
    page = browser_context_factory(viewport=viewport)
    page.goto(f"/feedback/{raw}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us how it went")
    check_page(page)
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("alert")).to_contain_text("Answer at least one question")
    check_page(page)
    page.get_by_label("Satisfied", exact=True).check()
    page.get_by_label("Better").check()
    page.get_by_label("Anything else you would like to tell us (optional)").fill("Thank you all.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your feedback")
    check_page(page)
    response = page.goto(f"/feedback/{raw}")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback already sent")
    check_page(page)


def test_an_expired_feedback_link_says_so(browser_context_factory):
    for viewport in (WIDE, NARROW):
        page = browser_context_factory(viewport=viewport)
        assert page.goto(f"/feedback/{feedback_link(expired=True)}").status == 410
        expect(page.get_by_role("heading", level=1)).to_have_text("This feedback link has expired")
        check_page(page)


def test_feedback_is_given_without_javascript(page_without_javascript):
    page = page_without_javascript
    page.goto(f"/feedback/{feedback_link()}")
    page.get_by_label("Partly").check()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your feedback")


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280", "320"])
def test_a_party_answers_the_equality_questions(browser_context_factory, viewport):
    page = browser_context_factory(viewport=viewport)
    sign_in(page, DEMO_ACCOUNTS[Role.PARTY])
    page.get_by_role("link", name="A few questions about you").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you (optional)")
    check_page(page)
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Answer at least one question")
    check_page(page)
    page.get_by_role("group", name="Age", exact=True).get_by_label("Prefer not to say").check()
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Your answers are saved")).to_be_visible()


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280", "320"])
def test_staff_pages_for_feedback_outcomes_and_equality(browser_context_factory, viewport):
    page = browser_context_factory(viewport=viewport)
    sign_in(page, DEMO_ACCOUNTS[Role.COORDINATOR])
    page.goto(f"/cases/{case_of('Carys Evans')}")
    expect(page.get_by_role("heading", name="Feedback from the parties")).to_be_visible()
    expect(page.get_by_role("heading", name="Equality monitoring")).to_be_visible()
    check_page(page)
    page.goto(page.locator("#equality a").first.get_attribute("href"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Equality monitoring")
    check_page(page)
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_role("alert")).to_contain_text("party agreed")
    check_page(page)
    page.goto(f"/cases/{case_of('Tariq Aziz')}")
    expect(page.get_by_text("Goals met partly", exact=True)).to_be_visible()
    page.goto(page.get_by_role("link", name="Change the outcome").get_attribute("href"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the coaching outcome")
    check_page(page)
