"""Consent, allocation, funding, closing and follow-on coaching on the case page."""

from datetime import date, timedelta

import pytest

from portal.models import AuditEvent, Case, CaseEvent, CaseParty, CoachAllocation, ConsentEvent
from portal.vocab import CaseKind, Role
from tests.factories import add_party, allocate, make_case, make_user

HTMX = {"HX-Request": "true"}


def mediation_case(make_browser):
    """A mediation case with two parties (one with an account), a coordinator and two coaches;
    `staff` is a browser signed in as the coordinator. By name, in a dict."""
    coordinator = make_user(Role.COORDINATOR)
    coach, other_coach = make_user(Role.COACH), make_user(Role.COACH)
    party_user = make_user(Role.PARTY)
    case = make_case()
    alex = add_party(case, party_user)
    bea = add_party(case, name="Bea Without Account")
    staff = make_browser()
    staff.enter_as(coordinator)
    return locals()


@pytest.fixture
def world(make_browser):
    return mediation_case(make_browser)


def consent_url(case, party):
    return f"/cases/{case.reference}/parties/{party.id}/consent"


def test_coordinator_records_consent_and_the_history_is_kept(world):
    case, alex, staff = world["case"], world["alex"], world["staff"]
    day = date.today() - timedelta(days=2)
    response = staff.submit(consent_url(case, alex),
                            {"state": "given", "occurred_on": day.isoformat(), "method": "phone"})
    assert response.status_code == 303
    staff.submit(consent_url(case, alex), {"state": "withdrawn", "occurred_on": date.today().isoformat(),
                                           "reason": "Moving away"})
    events = list(ConsentEvent.select().where(ConsentEvent.party == alex).order_by(ConsentEvent.id))
    assert [(e.state, e.method, e.occurred_on) for e in events] == [
        ("given", "phone", day), ("withdrawn", None, date.today())]
    assert CaseParty.get_by_id(alex.id).consent_state == "withdrawn"
    page = staff.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Withdrawn" in page and "Moving away" in page
    assert AuditEvent.select().where(AuditEvent.event == "consent.changed").count() == 2


@pytest.mark.parametrize("data, message", [
    ({"occurred_on": date.today().isoformat(), "method": "phone"}, "Choose what the person said."),
    ({"state": "given", "occurred_on": date.today().isoformat()}, "Say how consent was given."),
    ({"state": "given", "occurred_on": "", "method": "phone"}, "Enter the date"),
    ({"state": "given", "occurred_on": (date.today() + timedelta(days=1)).isoformat(), "method": "phone"},
     "The date cannot be in the future."),
    ({"state": "withdrawn", "occurred_on": date.today().isoformat()}, "Not a valid choice"),
])
def test_bad_consent_input_gets_a_message_and_saves_nothing(world, data, message):
    case, alex, staff = world["case"], world["alex"], world["staff"]
    response = staff.submit(consent_url(case, alex), data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert ConsentEvent.select().count() == 0


def test_consent_form_through_htmx_swaps_the_case_or_the_form(world):
    case, alex, staff = world["case"], world["alex"], world["staff"]
    bad = staff.submit(consent_url(case, alex), {"state": "given"}, headers=HTMX)
    assert bad.status_code == 422
    assert bad.headers["HX-Retarget"] == f"#consent-form-{alex.id}"
    assert bad.get_data(as_text=True).lstrip().startswith(f'<div id="consent-form-{alex.id}"')
    good = staff.submit(consent_url(case, alex), {"state": "given", "method": "email",
                                                  "occurred_on": date.today().isoformat()}, headers=HTMX)
    assert good.status_code == 200
    assert good.headers["HX-Retarget"] == "#case"
    body = good.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="case">') and "Consent given" in body
    assert "<html" not in body


def test_only_coordinators_record_consent(world, make_browser):
    case, alex, coach = world["case"], world["alex"], world["coach"]
    allocate(case, coach)
    coach_browser = make_browser()
    coach_browser.enter_as(coach)
    assert coach_browser.get(consent_url(case, alex)).status_code == 403
    party_browser = make_browser()
    party_browser.enter_as(world["party_user"])
    assert party_browser.get(consent_url(case, alex)).status_code == 403


def test_a_party_confirms_and_withdraws_their_own_consent(world, make_browser):
    case, alex = world["case"], world["alex"]
    party = make_browser()
    party.enter_as(world["party_user"])
    home = party.get("/party").get_data(as_text=True)
    assert "I want to take part" in home
    confirm = party.submit(f"/cases/{case.reference}/parties/{alex.id}/my-consent/confirm", page="/party")
    assert confirm.status_code == 303
    assert CaseParty.get_by_id(alex.id).consent_state == "given"
    party.submit(f"/cases/{case.reference}/parties/{alex.id}/my-consent/withdraw",
                 {"reason": "Not now"}, page="/party")
    event = ConsentEvent.select().order_by(ConsentEvent.id.desc()).first()
    assert (event.state, event.method, event.reason) == ("withdrawn", "online", "Not now")
    assert "You have withdrawn." in party.get("/party").get_data(as_text=True)


def test_a_party_cannot_answer_for_another_party(world, make_browser):
    case, bea = world["case"], world["bea"]
    party = make_browser()
    party.enter_as(world["party_user"])
    response = party.submit(f"/cases/{case.reference}/parties/{bea.id}/my-consent/confirm", page="/party")
    assert response.status_code == 403
    other_case = make_case()
    stranger = add_party(other_case, make_user(Role.PARTY))
    response = party.submit(f"/cases/{other_case.reference}/parties/{stranger.id}/my-consent/confirm",
                            page="/party")
    assert response.status_code == 404
    assert ConsentEvent.select().count() == 0


def test_allocation_of_one_or_two_active_coaches_and_reallocation(world, make_browser):
    case, staff, coach, other = world["case"], world["staff"], world["coach"], world["other_coach"]
    inactive = make_user(Role.COACH, active=False)
    url = f"/cases/{case.reference}/coaches"
    assert staff.submit(url, {"coach": str(inactive.id)}).status_code == 422
    assert staff.submit(url, {"coach": str(coach.id), "second_coach": str(coach.id)}).status_code == 422
    assert staff.submit(url, {"coach": ""}).status_code == 422
    assert CoachAllocation.select().count() == 0

    assert staff.submit(url, {"coach": str(coach.id), "second_coach": str(other.id)}).status_code == 303
    coach_browser = make_browser()
    coach_browser.enter_as(coach)
    assert case.reference in coach_browser.get("/coach").get_data(as_text=True)

    staff.submit(url, {"coach": str(other.id)})
    current = {a.coach_id for a in CoachAllocation.current().where(CoachAllocation.case == case)}
    assert current == {other.id}
    assert case.reference not in coach_browser.get("/coach").get_data(as_text=True)
    assert coach_browser.get(f"/cases/{case.reference}").status_code == 404


def test_funding_and_fees_are_seen_by_coordinators_and_the_party_sees_only_their_own_fee(world, make_browser):
    case, staff, alex, bea = world["case"], world["staff"], world["alex"], world["bea"]
    assert staff.submit(f"/cases/{case.reference}/funding", {"funding": "funded"}).status_code == 422
    assert staff.submit(f"/cases/{case.reference}/funding",
                        {"funding": "funded", "scheme": "Not a scheme"}).status_code == 422
    scheme = "housing_association_contract"  # the seed's first scheme (migration 19), by its code
    assert staff.submit(f"/cases/{case.reference}/funding",
                        {"funding": "funded", "scheme": scheme}).status_code == 303
    assert Case.get_by_id(case.id).funding_scheme == scheme

    staff.submit(f"/cases/{case.reference}/funding", {"funding": "self_funded"})
    assert staff.submit(f"/cases/{case.reference}/parties/{alex.id}/fee", {"fee": "-3"}).status_code == 422
    assert staff.submit(f"/cases/{case.reference}/parties/{alex.id}/fee", {"fee": "45.50"}).status_code == 303
    assert staff.submit(f"/cases/{case.reference}/parties/{bea.id}/fee",
                        {"fee": "60", "paid": "y"}).status_code == 303
    assert CaseParty.get_by_id(alex.id).fee_pence == 4550

    party = make_browser()
    party.enter_as(world["party_user"])
    home = party.get("/party").get_data(as_text=True)
    assert "£45.50" in home and "£60.00" not in home

    coach = world["coach"]
    allocate(case, coach)
    coach_browser = make_browser()
    coach_browser.enter_as(coach)
    page = coach_browser.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "£45.50" not in page and "Funding" not in page
    assert coach_browser.get(f"/cases/{case.reference}/funding").status_code == 403


def test_closing_makes_the_case_read_only_and_reopening_needs_a_reason(world):
    case, staff, alex = world["case"], world["staff"], world["alex"]
    assert staff.submit(f"/cases/{case.reference}/close", {"outcome": "resolved"}).status_code == 422
    assert staff.submit(f"/cases/{case.reference}/close",
                        {"outcome": "resolved", "closing_note": "Agreement kept."}).status_code == 303
    closed = Case.get_by_id(case.id)
    assert closed.is_closed and closed.outcome == "resolved"
    assert staff.get(consent_url(case, alex)).status_code == 403
    assert staff.get(f"/cases/{case.reference}/coaches").status_code == 403

    assert staff.submit(f"/cases/{case.reference}/reopen", {"reason": ""}).status_code == 422
    assert staff.submit(f"/cases/{case.reference}/reopen",
                        {"reason": "The noise started again."}).status_code == 303
    assert not Case.get_by_id(case.id).is_closed
    summaries = [e.summary for e in CaseEvent.select().where(CaseEvent.case == case)]
    assert any("The noise started again." in s for s in summaries)


def test_post_mediation_coaching_opens_a_linked_case_for_one_party(world):
    case, staff, alex = world["case"], world["staff"], world["alex"]
    staff.submit(f"/cases/{case.reference}/close", {"outcome": "resolved", "closing_note": "Done."})
    response = staff.submit(f"/cases/{case.reference}/parties/{alex.id}/follow-on",
                            page=f"/cases/{case.reference}")
    assert response.status_code == 303
    follow_on = Case.get(Case.parent_case == case)
    assert follow_on.kind == CaseKind.COACHING
    parties = list(follow_on.parties)
    assert [(p.name, p.user_id, p.consent_state) for p in parties] == [(alex.name, alex.user_id, "pending")]
    assert response.headers["Location"] == f"/cases/{follow_on.reference}"


def test_a_party_never_reaches_the_staff_case_page(world, make_browser):
    party = make_browser()
    party.enter_as(world["party_user"])
    assert party.get(f"/cases/{world['case'].reference}").status_code == 403


def test_a_party_answers_only_what_their_home_page_offers(world, make_browser):
    case, alex = world["case"], world["alex"]
    party = make_browser()
    party.enter_as(world["party_user"])
    withdraw = f"/cases/{case.reference}/parties/{alex.id}/my-consent/withdraw"
    confirm = f"/cases/{case.reference}/parties/{alex.id}/my-consent/confirm"
    assert party.submit(withdraw, {"reason": "Not now"}, page="/party").status_code == 403
    assert ConsentEvent.select().count() == 0
    assert party.submit(confirm, page="/party").status_code == 303
    assert party.submit(confirm, page="/party").status_code == 403
    assert ConsentEvent.select().count() == 1


def test_a_case_form_on_its_own_page_moves_the_whole_page_when_htmx_sends_it(world):
    """The allocation form opened as a page of its own (say in a new tab) has no `#case` to
    swap; htmx must be told to go to the case page, not to replace an element that is not there."""
    case, staff, coach = world["case"], world["staff"], world["coach"]
    url = f"/cases/{case.reference}/coaches"
    on_own_page = {"HX-Request": "true", "HX-Current-URL": f"http://localhost{url}"}
    response = staff.submit(url, {"coach": str(coach.id)}, headers=on_own_page)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/cases/{case.reference}#coaches"
    assert "HX-Retarget" not in response.headers

    on_case_page = {"HX-Request": "true", "HX-Current-URL": f"http://localhost/cases/{case.reference}?notes_page=2"}
    response = staff.submit(url, {"coach": str(coach.id)}, headers=on_case_page)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#case"
