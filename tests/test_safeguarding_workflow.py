"""The concern page and the safeguarding lead's work: acknowledge, actions, close with an outcome
and a sign-off, reopen with a reason; addenda by any staff member who can see the concern."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from portal.models import AuditEvent, ConcernEvent, SafeguardingConcern
from portal.vocab import ConcernState, Role
from tests.apps import error_summary
from tests.conftest import csrf_from
from tests.factories import add_party, allocate, make_case, make_concern, make_user

HTMX = {"HX-Request": "true"}
ORIGINAL = "He said: I will not be here next week. Original-text-4471"


@pytest.fixture
def world(app, make_browser):
    """A case with a coach who raised a concern on it, a lead, a coordinator and others."""
    case = make_case()
    raiser = make_user(Role.COACH, name="Rae Raiser")
    colleague = make_user(Role.COACH, name="Col Colleague")
    for coach in (raiser, colleague):
        allocate(case, coach)
    party_user = make_user(Role.PARTY)
    add_party(case, party_user)
    concern = make_concern(case, raiser, level="high", category="risk_to_self", description=ORIGINAL)
    people = {
        "lead": make_user(Role.COORDINATOR, is_safeguarding_lead=True, name="Lee Lead"),
        "coordinator": make_user(Role.COORDINATOR, name="Cam Coordinator"),
        "raiser": raiser,
        "colleague": colleague,
        "unallocated coach": make_user(Role.COACH),
        "party on the case": party_user,
    }

    def as_(who):
        return make_browser(people[who])
    return {"case": case, "concern": concern, "people": people, "as_": as_}


def url(concern, action=""):
    return f"/safeguarding/concerns/{concern.id}" + (f"/{action}" if action else "")


def fresh(concern):
    return SafeguardingConcern.get_by_id(concern.id)


def kinds(concern):
    return [e.kind for e in ConcernEvent.select().where(ConcernEvent.concern == concern.id)
            .order_by(ConcernEvent.id)]


# --- who sees the concern page -------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    ("lead", 200), ("coordinator", 200), ("raiser", 200), ("colleague", 200),
    ("unallocated coach", 404), ("party on the case", 404),
])
def test_who_sees_the_concern_page(world, who, status):
    response = world["as_"](who).get(url(world["concern"]))
    assert response.status_code == status
    assert (ORIGINAL in response.get_data(as_text=True)) is (status == 200)


def test_the_raising_coach_still_sees_it_after_leaving_the_case_but_not_the_case(world):
    from portal.models import CoachAllocation
    CoachAllocation.update(ended_at=datetime(2026, 1, 1)).where(
        CoachAllocation.coach == world["people"]["raiser"].id).execute()
    raiser = world["as_"]("raiser")
    page = raiser.get(url(world["concern"]))
    assert page.status_code == 200
    assert f'href="/cases/{world["case"].reference}"' not in page.get_data(as_text=True)
    assert raiser.get(f"/cases/{world['case'].reference}").status_code == 404


def test_a_deactivated_coach_sees_nothing(world):
    browser = world["as_"]("colleague")
    world["people"]["colleague"].active = False
    world["people"]["colleague"].save()
    assert browser.get(url(world["concern"])).status_code == 303  # sent to sign in


def test_the_page_shows_every_detail(world):
    other = world["as_"]("colleague").get(url(world["concern"])).get_data(as_text=True)
    for words in ("High safeguarding concern", "Risk to self", "Rae Raiser", ORIGINAL,
                  "Not yet acknowledged", world["case"].reference):
        assert words in other


def test_a_concern_of_an_unknown_id_is_not_found(world):
    assert world["as_"]("lead").get("/safeguarding/concerns/999999").status_code == 404


# --- only the lead acts --------------------------------------------------------------------

LEAD_ACTIONS = [("acknowledge", "post"), ("actions", "get"), ("actions", "post"), ("close", "get"),
                ("close", "post"), ("reopen", "get"), ("reopen", "post")]


@pytest.mark.parametrize("action, method", LEAD_ACTIONS)
@pytest.mark.parametrize("who, status", [
    ("coordinator", 403), ("raiser", 403), ("colleague", 403),
    ("unallocated coach", 404), ("party on the case", 404),
])
def test_only_the_lead_acknowledges_acts_closes_and_reopens(world, action, method, who, status):
    browser = world["as_"](who)
    target = url(world["concern"], action)
    if method == "get":
        response = browser.get(target)
    else:
        response = browser.submit(target, {"outcome": "advice_given", "sign_off_note": "Fine.",
                                           "confirm": "y", "reason": "Again", "text": "Done",
                                           "action_on": date.today().isoformat()}, page="/")
    assert response.status_code == status
    assert fresh(world["concern"]).state == ConcernState.OPEN
    assert kinds(world["concern"]) == []


def test_a_deactivated_lead_cannot_act(world):
    browser = world["as_"]("lead")
    world["people"]["lead"].active = False
    world["people"]["lead"].save()
    assert browser.get(url(world["concern"], "close")).status_code == 303


# --- acknowledge, act, close, reopen -------------------------------------------------------

def test_the_lead_acknowledges_and_the_chronology_and_audit_say_so(world):
    lead = world["as_"]("lead")
    page = lead.get(url(world["concern"])).get_data(as_text=True)
    assert ">Acknowledge</button>" in page
    response = lead.submit(url(world["concern"], "acknowledge"), page=url(world["concern"]))
    assert response.status_code == 303 and response.headers["Location"].endswith(url(world["concern"]))
    concern = fresh(world["concern"])
    assert (concern.state, concern.acknowledged_by_id) == (ConcernState.ACKNOWLEDGED,
                                                           world["people"]["lead"].id)
    assert concern.acknowledged_at is not None
    assert kinds(concern) == ["acknowledged"]
    audit = AuditEvent.get(AuditEvent.event == "safeguarding.concern_acknowledged")
    assert (audit.actor_id, audit.record_id, audit.case_id) == (
        world["people"]["lead"].id, concern.id, world["case"].id)
    # A second time is refused in words, and changes nothing.
    again = lead.submit(url(world["concern"], "acknowledge"), page=url(world["concern"]),
                        follow_redirects=True)
    assert "already been acknowledged" in again.get_data(as_text=True)
    assert kinds(concern) == ["acknowledged"]


def test_an_action_records_what_which_agency_reference_and_date(world):
    lead = world["as_"]("lead")
    day = date.today() - timedelta(days=1)
    response = lead.submit(url(world["concern"], "actions"), {
        "text": "Phoned the duty team", "agency": "Adult social care", "agency_reference": "ASC-881",
        "action_on": day.isoformat()})
    assert response.status_code == 303
    # Acting on an unacknowledged concern acknowledges it first.
    assert kinds(world["concern"]) == ["acknowledged", "action"]
    action = ConcernEvent.get(ConcernEvent.kind == "action")
    assert (action.text, action.agency, action.agency_reference, action.action_on, action.by_id) == (
        "Phoned the duty team", "Adult social care", "ASC-881", day, world["people"]["lead"].id)
    page = lead.get(url(world["concern"])).get_data(as_text=True)
    assert "Phoned the duty team" in page and "ASC-881" in page and "Adult social care" in page
    assert AuditEvent.select().where(AuditEvent.event == "safeguarding.action_recorded").count() == 1


@pytest.mark.parametrize("data, message", [
    ({"text": "", "action_on": date.today().isoformat()}, "Say what was done."),
    ({"text": "Something", "action_on": ""}, "Enter the date"),
    ({"text": "Something", "action_on": (date.today() + timedelta(days=1)).isoformat()},
     "The date cannot be in the future."),
])
def test_a_bad_action_gets_a_message_and_saves_nothing(world, data, message):
    response = world["as_"]("lead").submit(url(world["concern"], "actions"), data)
    assert response.status_code == 422
    assert message in error_summary(response.get_data(as_text=True))
    assert kinds(world["concern"]) == []


@pytest.mark.parametrize("data, message", [
    ({"sign_off_note": "Advice given by phone.", "confirm": "y"}, "Choose the outcome."),
    ({"outcome": "advice_given", "confirm": "y"}, "Write a short sign-off note."),
    ({"outcome": "advice_given", "sign_off_note": "Advice given by phone."},
     "Confirm that you sign off this concern."),
    ({"outcome": "resolved", "sign_off_note": "x", "confirm": "y"}, "Not a valid choice"),
])
def test_closing_needs_an_outcome_and_a_sign_off(world, data, message):
    response = world["as_"]("lead").submit(url(world["concern"], "close"), data)
    assert response.status_code == 422
    assert message in error_summary(response.get_data(as_text=True))
    assert fresh(world["concern"]).state == ConcernState.OPEN
    assert kinds(world["concern"]) == []


def close(world, outcome="referred_to_agency", note="Referred to the duty team; signed off."):
    return world["as_"]("lead").submit(url(world["concern"], "close"), {
        "outcome": outcome, "sign_off_note": note, "confirm": "y"})


def test_the_lead_closes_with_an_outcome_and_signs_off_by_name(world):
    page = world["as_"]("lead").get(url(world["concern"], "close")).get_data(as_text=True)
    assert "I, Lee Lead, sign off this concern" in page
    assert close(world).status_code == 303
    concern = fresh(world["concern"])
    assert (concern.state, concern.outcome, concern.signed_off_by_id) == (
        ConcernState.CLOSED, "referred_to_agency", world["people"]["lead"].id)
    assert concern.closed_at is not None
    closing = ConcernEvent.get(ConcernEvent.kind == "closed")
    assert (closing.outcome, closing.text) == ("referred_to_agency", "Referred to the duty team; signed off.")
    assert AuditEvent.get(AuditEvent.event == "safeguarding.concern_closed").detail == \
        "outcome=referred_to_agency"
    # Closed concerns stay readable to coordinators, with the outcome and who signed it off.
    read = world["as_"]("coordinator").get(url(world["concern"])).get_data(as_text=True)
    assert ORIGINAL in read and "Referred to an agency" in read and "Lee Lead" in read
    assert "Referred to the duty team; signed off." in read


def test_a_closed_concern_takes_no_actions_and_no_second_closing(world):
    close(world)
    lead = world["as_"]("lead")
    for action in ("actions", "close"):
        response = lead.get(url(world["concern"], action), follow_redirects=True)
        assert response.request.path == url(world["concern"])
    refused = lead.get(url(world["concern"], "actions"), follow_redirects=True)
    assert "Reopen it to record an action." in refused.get_data(as_text=True)
    assert ConcernEvent.select().where(ConcernEvent.kind == "closed").count() == 1


def test_reopening_needs_a_reason_and_keeps_the_earlier_closing(world):
    close(world, outcome="no_further_action")
    lead = world["as_"]("lead")
    missing = lead.submit(url(world["concern"], "reopen"), {"reason": "  "})
    assert missing.status_code == 422
    assert "Give a reason for reopening." in missing.get_data(as_text=True)
    assert fresh(world["concern"]).state == ConcernState.CLOSED

    reopened = lead.submit(url(world["concern"], "reopen"), {"reason": "New information came in."})
    assert reopened.status_code == 303
    concern = fresh(world["concern"])
    assert (concern.state, concern.outcome, concern.closed_at) == (ConcernState.ACKNOWLEDGED, None, None)
    assert ConcernEvent.get(ConcernEvent.kind == "reopened").text == "New information came in."
    close(world, outcome="advice_given", note="Second sign-off.")
    outcomes = [e.outcome for e in ConcernEvent.select().where(ConcernEvent.kind == "closed")
                .order_by(ConcernEvent.id)]
    assert outcomes == ["no_further_action", "advice_given"]
    assert kinds(concern) == ["acknowledged", "closed", "reopened", "closed"]
    assert AuditEvent.select().where(AuditEvent.event == "safeguarding.concern_reopened").count() == 1


def test_reopening_an_open_concern_is_refused(world):
    response = world["as_"]("lead").get(url(world["concern"], "reopen"), follow_redirects=True)
    assert "This concern is not closed." in response.get_data(as_text=True)
    assert kinds(world["concern"]) == []


# --- addenda -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["raiser", "colleague", "coordinator", "lead"])
def test_anyone_who_sees_it_adds_a_correction_and_the_original_text_stays(world, who):
    browser = world["as_"](who)
    assert "Add a correction or addition" in browser.get(url(world["concern"])).get_data(as_text=True)
    response = browser.submit(url(world["concern"], "addenda"), {"text": "Correction: it was Monday."})
    assert response.status_code == 303
    concern = fresh(world["concern"])
    assert concern.description == ORIGINAL
    [addendum] = ConcernEvent.select().where(ConcernEvent.concern == concern.id)
    assert (addendum.kind, addendum.text, addendum.by_id) == (
        "addendum", "Correction: it was Monday.", world["people"][who].id)
    page = browser.get(url(world["concern"])).get_data(as_text=True)
    assert ORIGINAL in page and "Correction: it was Monday." in page
    audit = AuditEvent.get(AuditEvent.event == "safeguarding.addendum_added")
    assert audit.actor_id == world["people"][who].id


def test_an_empty_addendum_is_refused(world):
    response = world["as_"]("raiser").submit(url(world["concern"], "addenda"), {"text": ""})
    assert response.status_code == 422
    assert "Write the correction or addition." in response.get_data(as_text=True)
    assert kinds(world["concern"]) == []


@pytest.mark.parametrize("who, status", [("unallocated coach", 404), ("party on the case", 404)])
def test_nobody_else_adds_an_addendum(world, who, status):
    browser = world["as_"](who)
    assert browser.get(url(world["concern"], "addenda")).status_code == status
    assert browser.submit(url(world["concern"], "addenda"), {"text": "x"}, page="/").status_code == status
    assert kinds(world["concern"]) == []


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_there_is_no_way_to_edit_or_delete_a_concern(world, method):
    """The concern's address takes no change at all: with a valid CSRF token (so that the
    answer is about the address, not the token), every changing method is 405."""
    lead = world["as_"]("lead")
    token = csrf_from(lead.get(url(world["concern"])).get_data(as_text=True))
    response = getattr(lead.client, method)(
        url(world["concern"]), data={"csrf_token": token, "description": "Rewritten."},
        headers={"X-CSRFToken": token})
    assert response.status_code == 405
    assert fresh(world["concern"]).description == ORIGINAL


# --- the chronology ----------------------------------------------------------------------

def test_the_chronology_shows_everything_oldest_first(world):
    lead, raiser = world["as_"]("lead"), world["as_"]("raiser")
    # Forward in time only: a session cookie signed "in the future" is not accepted.
    start = datetime.now(UTC)
    steps = [
        (lead, "acknowledge", {}),
        (lead, "actions", {"text": "Step-action-one", "action_on": date.today().isoformat()}),
        (raiser, "addenda", {"text": "Step-addendum-two"}),
        (lead, "close", {"outcome": "advice_given", "sign_off_note": "Step-close-three", "confirm": "y"}),
        (lead, "reopen", {"reason": "Step-reopen-four"}),
    ]
    for minutes, (browser, action, data) in enumerate(steps, start=1):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            page = url(world["concern"]) if action == "acknowledge" else None
            assert browser.submit(url(world["concern"], action), data, page=page).status_code == 303
    html = world["as_"]("coordinator").get(url(world["concern"])).get_data(as_text=True)
    chronology = html[html.index('id="chronology"'):]
    order = [chronology.index(words) for words in (
        "Raised</strong>", "Acknowledged</strong>", "Step-action-one", "Step-addendum-two",
        "Step-close-three", "Step-reopen-four")]
    assert order == sorted(order)
    assert re.search(r"Closed</strong> by Lee Lead\.\s+Outcome: Advice given", chronology)


# --- htmx in place -----------------------------------------------------------------------

def test_the_lead_works_in_place_with_htmx(world):
    lead = world["as_"]("lead")
    form = lead.get(url(world["concern"], "close"), headers=HTMX)
    html = form.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="close-concern-form"') and "<html" not in html
    bad = lead.submit(url(world["concern"], "close"), {"outcome": "advice_given"}, headers=HTMX,
                      page=url(world["concern"]))
    assert (bad.status_code, bad.headers["HX-Retarget"]) == (422, "#close-concern-form")
    good = lead.submit(url(world["concern"], "acknowledge"), headers=HTMX, page=url(world["concern"]))
    assert (good.status_code, good.headers["HX-Retarget"]) == (200, "#concern")
    body = good.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="concern">') and "Concern acknowledged." in body
    assert "<html" not in body


def test_the_page_as_a_fragment_is_refused_to_those_who_cannot_see_it(world):
    for who in ("unallocated coach", "party on the case"):
        response = world["as_"](who).get(url(world["concern"]), headers=HTMX)
        assert response.status_code == 404
        assert ORIGINAL not in response.get_data(as_text=True)
