"""Action points in a real browser: a coach sets one in place on the case page; the party marks it
done and comments without a page reload; the other party never sees it. Checked with axe, at a
phone's width, and without JavaScript."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.models import Case
from portal.vocab import CaseKind
from tests.browser.support import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser
DAY = date.today() + timedelta(days=12)
WHAT = "Keep a noise diary for two weeks"


def mediation_case_url():
    return f"/cases/{Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get().reference}"


def test_the_coach_sets_an_action_point_and_only_that_party_sees_and_ticks_it(page, browser_context_factory):
    sign_in(page, "coach@example.org")
    page.goto(mediation_case_url())
    page.evaluate("window.__marker = 'still here'")
    page.locator("#action-points").get_by_role("link", name="Set an action point for Alex Morgan").click()
    form = page.locator("[id^=action-point-form-]")
    form.get_by_role("button", name="Set the action point").click()
    expect(form.get_by_role("alert")).to_contain_text("Say what the action point is.")
    assert_accessible(page)

    form.get_by_label("What needs doing").fill(WHAT)
    form.get_by_label("By when (optional)").fill(DAY.isoformat())
    form.get_by_label("Note (optional)").fill("Dates and times are enough.")
    form.get_by_role("button", name="Set the action point").click()
    alex_items = page.locator(".party-items", has=page.get_by_role("heading", name="Alex Morgan"))
    expect(alex_items.locator("li.card", has_text=WHAT)).to_contain_text(f"Due by {DAY.day} {DAY:%B %Y}")
    expect(page.locator("#timeline")).to_contain_text("Action point set for Alex Morgan.")
    expect(page.locator(".party-items", has=page.get_by_role("heading", name="Bea Lewis"))).not_to_contain_text(WHAT)
    assert page.evaluate("window.__marker") == "still here"
    assert_accessible(page)

    alex = browser_context_factory()
    sign_in(alex, "alex@example.org")
    expect(alex.locator("main")).to_contain_text(WHAT)
    alex.get_by_role("navigation").get_by_role("link", name="Your action points").click()
    expect(alex.get_by_role("heading", level=1)).to_have_text("Your action points")
    card = alex.locator("li.card", has_text=WHAT)
    expect(card).to_contain_text(f"Due by {DAY.day} {DAY:%B %Y}")
    expect(card).to_contain_text("Note from your coach: Dates and times are enough.")
    expect(alex.locator("li.card-overdue")).to_contain_text("Overdue")  # the demo's late one
    assert_accessible(alex)

    alex.evaluate("window.__marker = 'still here'")
    card.get_by_role("button", name="Mark as done").click()
    expect(card).to_contain_text("Done on")
    expect(card.get_by_role("button", name="Mark as not done")).to_be_visible()
    expect(alex.locator("#flashes")).to_contain_text("Marked as done.")
    card.get_by_text("Add a comment").click()
    card.get_by_label("Your comment").fill("Started the diary on Monday.")
    card.get_by_role("button", name="Save your comment").click()
    expect(card).to_contain_text("Your comment: Started the diary on Monday.")
    expect(alex.locator("#flashes")).to_contain_text("Your comment is saved.")
    assert alex.evaluate("window.__marker") == "still here"
    assert_accessible(alex)

    page.reload()
    expect(page.locator("#action-points li.card", has_text=WHAT)).to_contain_text(
        "Comment from Alex Morgan: Started the diary on Monday.")

    bea = browser_context_factory()
    sign_in(bea, "bea@example.org")
    expect(bea.locator("main")).to_contain_text("Think about which evenings you have visitors")
    expect(bea.locator("main")).not_to_contain_text(WHAT)
    bea.goto("/action-points")
    expect(bea.locator("main")).to_contain_text("Think about which evenings you have visitors")
    expect(bea.locator("main")).not_to_contain_text(WHAT)
    expect(bea.locator("main")).not_to_contain_text("Sleep through the night")  # Alex's goal


def test_a_partys_action_points_fit_a_phone(phone_page):
    sign_in(phone_page, "alex@example.org")
    for path in ("/party", "/action-points"):
        phone_page.goto(path)
        expect(phone_page.locator("li.card-overdue")).to_contain_text("Overdue")
        assert_no_horizontal_scroll(phone_page)
        assert_accessible(phone_page)


def test_marking_done_and_commenting_work_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, "alex@example.org")
    page.goto("/action-points")
    card = page.locator("li.card", has_text="Note the dates and times of any late noise")
    card.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your action points")
    expect(page.locator("#flashes")).to_contain_text("Marked as done.")
    expect(card).to_contain_text("Done on")
    card.get_by_text("Add a comment").click()
    card.get_by_label("Your comment").fill("Done, the list is ready.")
    card.get_by_role("button", name="Save your comment").click()
    expect(card).to_contain_text("Your comment: Done, the list is ready.")
    card.get_by_role("button", name="Mark as not done").click()
    expect(card.get_by_role("button", name="Mark as done")).to_be_visible()


# --- after the case closes ------------------------------------------------------------------

TERM = "Keep music low after 10pm on weeknights"
NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10


def close_the_mediation_with_a_final_agreement():
    """The demo mediation case, closed (resolved), with a final agreement whose term for Alex
    became an action point, and whose review was due yesterday. Returns the agreement's id."""
    from portal.db import database
    from portal.models import ActionPoint, CaseParty, User, utcnow
    from portal.vocab import AgreementState, CaseStatus
    from tests.factories import make_agreement, make_agreement_term

    with database.connection_context():
        case = Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).get()
        coach = User.get(User.email == "coach@example.org")
        alex = CaseParty.get(CaseParty.case == case.id, CaseParty.name == "Alex Morgan")
        agreement = make_agreement(case, coach, state=AgreementState.FINAL, title="Quiet evenings",
                                   review_on=date.today() - timedelta(days=1))
        term = make_agreement_term(agreement, party=alex, what=TERM, due_on=DAY)
        ActionPoint.create(case=case, party=alex, text=TERM, due_on=DAY, agreement_term=term,
                           created_by=coach)
        Case.update(status=CaseStatus.CLOSED, outcome="resolved", closing_note="Closed in the test.",
                    closed_at=utcnow()).where(Case.id == case.id).execute()
        return case.reference, agreement.id


def test_a_party_marks_a_term_done_after_the_case_has_closed(page, browser_context_factory):
    close_the_mediation_with_a_final_agreement()
    sign_in(page, "alex@example.org")
    expect(page.locator("main")).to_contain_text("Your mediation has ended")
    expect(page.locator("main")).to_contain_text("It ended with the matter resolved.")
    card = page.locator("li.card", has_text=TERM)
    expect(card).to_contain_text("runs on after the case has closed")
    assert_accessible(page)
    page.evaluate("window.__marker = 'still here'")
    card.get_by_role("button", name="Mark as done").click()
    expect(card).to_contain_text("Done on")
    expect(card.get_by_role("button", name="Mark as not done")).to_be_visible()
    card.get_by_text("Add a comment").click()
    card.get_by_label("Your comment").fill("Kept to it every night.")
    card.get_by_role("button", name="Save your comment").click()
    expect(card).to_contain_text("Your comment: Kept to it every night.")
    assert page.evaluate("window.__marker") == "still here"
    assert_accessible(page)

    phone_page = browser_context_factory(viewport=NARROW, is_mobile=True, has_touch=True)
    sign_in(phone_page, "alex@example.org")
    expect(phone_page.locator("li.card", has_text=TERM)).to_contain_text("Done on")
    assert_no_horizontal_scroll(phone_page)
    assert_accessible(phone_page)


def test_a_party_marks_a_term_done_after_close_without_javascript(page_without_javascript):
    close_the_mediation_with_a_final_agreement()
    page = page_without_javascript
    sign_in(page, "alex@example.org")
    page.locator("li.card", has_text=TERM).get_by_role("button", name="Mark as done").click()
    expect(page.locator("#flashes")).to_contain_text("Marked as done.")
    expect(page.locator("li.card", has_text=TERM)).to_contain_text("Done on")


def test_staff_record_the_review_of_a_closed_cases_agreement(page, browser_context_factory):
    reference, agreement_id = close_the_mediation_with_a_final_agreement()
    sign_in(page, "coordinator@example.org")
    review = page.locator("#reviews-heading").locator("xpath=..")
    expect(review).to_contain_text("(case closed)")
    review.get_by_role("link", name=f"{reference}, version 1").click()
    page.get_by_role("link", name="Record the review").click()
    form = page.locator("#review-form")
    form.get_by_role("button", name="Record the review").click()
    expect(form.get_by_role("alert")).to_contain_text("Choose how the terms were kept.")
    assert_accessible(page)
    form.get_by_label("Date of the review").fill(date.today().isoformat())
    form.get_by_label("Kept", exact=True).check()
    form.get_by_label("Note of the review (optional)").fill("Both say the evenings are quiet.")
    form.get_by_role("button", name="Record the review").click()
    expect(page.locator("#review")).to_contain_text("Reviewed on")
    assert_accessible(page)

    # The form as a page of its own, at a phone's width, for another agreement.
    from portal.db import database
    from portal.models import Agreement, User
    from portal.vocab import AgreementState
    from tests.factories import make_agreement
    with database.connection_context():
        case = Case.get(Case.reference == reference)
        other = make_agreement(case, User.get(User.email == "coach@example.org"), state=AgreementState.FINAL,
                               title="Parking", review_on=date.today())
        assert Agreement.get_by_id(agreement_id).reviewed_on == date.today()
    phone_page = browser_context_factory(viewport=NARROW, is_mobile=True, has_touch=True)
    sign_in(phone_page, "coordinator@example.org")
    phone_page.goto(f"/cases/{reference}/agreements/{other.id}/review")
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Record the review of version 1")
    assert_no_horizontal_scroll(phone_page)
    assert_accessible(phone_page)


def test_a_party_answers_the_offer_of_coaching_in_place(page, browser_context_factory):
    reference, _ = close_the_mediation_with_a_final_agreement()
    sign_in(page, "coordinator@example.org")
    page.goto(f"/cases/{reference}")
    page.get_by_role("button", name="Offer post-mediation coaching to Alex Morgan").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(f"Case {reference}")
    expect(page.locator("#parties")).to_contain_text("Offered; waiting for their answer")

    alex = browser_context_factory()
    sign_in(alex, "alex@example.org")
    offer = alex.locator("[id^=coaching-offer-]")
    assert_no_horizontal_scroll(alex)
    expect(offer).to_contain_text("It is your choice.")
    expect(offer).to_contain_text("What it costs:")
    assert_accessible(alex)
    offer.get_by_role("button", name="No, thank you").click()
    expect(offer).to_contain_text("You said no to post-mediation coaching.")
    expect(alex.locator("#flashes")).to_contain_text("do not want coaching now")
    assert_accessible(alex)

    page.reload()
    expect(page.locator("#parties")).to_contain_text("Declined the offer")


# --- the demo's own closed mediation ----------------------------------------------------------

WIDE = {"width": 1280, "height": 800}
HEDGE = "Trim the hedge on your own side to 2 metres"  # a term of the demo's closed mediation


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280px", "320px"])
def test_in_the_demo_a_party_marks_a_term_of_their_closed_mediation_done(browser_context_factory, viewport):
    """Carys, on the demo's closed mediation: she reads that it ended and how, in plain words,
    and marks the hedge, a term of its final agreement, done."""
    page = browser_context_factory(viewport=viewport, is_mobile=viewport == NARROW, has_touch=viewport == NARROW)
    sign_in(page, "carys@example.org")
    main = page.locator("main")
    expect(main).to_contain_text("Your mediation has ended")
    expect(main).to_contain_text("It ended with the matter resolved.")
    card = page.locator("li.card", has_text=HEDGE)
    expect(card).to_contain_text("runs on after the case has closed")
    paid = page.locator("li.card", has_text="Pay your half of the fence repair")
    expect(paid).to_contain_text("Done on")  # she paid in the demo's story, and said so
    expect(paid).to_contain_text("Your comment: Paid my half to the fencer on Saturday.")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)

    card.get_by_role("button", name="Mark as done").click()
    expect(card).to_contain_text("Done on")
    expect(card.get_by_role("button", name="Mark as not done")).to_be_visible()
    expect(page.locator("#flashes")).to_contain_text("Marked as done.")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
