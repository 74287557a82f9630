"""Legal holds and erasure requests through the pages: reasons required, shown on the case,
audited, exact codes; carrying out an erasure request anonymises the case after a confirm step."""

from datetime import timedelta

import pytest

from portal.models import AuditEvent, Case, CaseEvent, CaseParty, ErasureRequest, Note, utcnow
from portal.vocab import Audience, CaseStatus, ConcernState, ErasureState, Role
from tests.conftest import Browser
from tests.factories import add_party, allocate, make_case, make_concern, make_note, make_user


@pytest.fixture
def world(app):
    coordinator = make_user(Role.COORDINATOR)
    coach = make_user(Role.COACH)
    case = make_case()
    allocate(case, coach)
    party = add_party(case, None, name="Dana Example")
    make_note(case, coach, Audience.STAFF, body="<p>MKHOLDNOTE</p>")
    return {"coordinator": coordinator, "coach": coach, "case": case, "party": party}


def as_user(app, user):
    return Browser(app.test_client()).enter_as(user)


def events(name):
    return [(e.actor_id, e.case_id) for e in AuditEvent.select().where(AuditEvent.event == name)]


def test_a_hold_needs_a_reason_and_is_shown_on_the_case(app, world):
    case, coordinator = world["case"], world["coordinator"]
    browser = as_user(app, coordinator)
    url = f"/cases/{case.reference}/legal-hold"
    refused = browser.submit(url, {"reason": "  "})
    assert refused.status_code == 422
    assert "Say why the case must be kept" in refused.get_data(as_text=True)
    assert Case.get_by_id(case.id).legal_hold_reason is None
    done = browser.submit(url, {"reason": "An insurance claim is expected"})
    assert done.status_code == 303
    assert Case.get_by_id(case.id).legal_hold_reason == "An insurance claim is expected"
    page = browser.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "On legal hold" in page and "An insurance claim is expected" in page
    assert events("rights.legal_hold_set") == [(coordinator.id, case.id)]
    assert CaseEvent.select().where(CaseEvent.case == case.id, CaseEvent.kind == "legal_hold").count() == 1
    # Set once: a second hold is not offered, and refused.
    assert browser.get(url).status_code == 403
    lift = browser.submit(f"{url}/lift", {"reason": "The claim was settled"})
    assert lift.status_code == 303
    assert Case.get_by_id(case.id).legal_hold_reason is None
    assert events("rights.legal_hold_lifted") == [(coordinator.id, case.id)]
    assert browser.get(f"{url}/lift").status_code == 403


@pytest.mark.parametrize("who, code", [("coach", 403), ("coordinator", 200)])
def test_only_coordinators_hold_cases(app, world, who, code):
    assert as_user(app, world[who]).get(f"/cases/{world['case'].reference}/legal-hold").status_code == code


def test_an_unknown_case_is_not_found(app, world):
    assert as_user(app, world["coordinator"]).get("/cases/AC-1999-0001/legal-hold").status_code == 404


def test_an_erasure_request_is_recorded_then_carried_out_after_a_confirm_step(app, world):
    case, party, coordinator = world["case"], world["party"], world["coordinator"]
    browser = as_user(app, coordinator)
    url = f"/parties/{party.id}/erasure-requests"
    refused = browser.submit(url, {"received_on": "", "method": "carrier-pigeon"}, page=f"/parties/{party.id}/data")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Enter the date they asked." in text and "Choose how they asked." in text
    assert ErasureRequest.select().count() == 0
    future = (utcnow() + timedelta(days=3)).strftime("%d/%m/%Y")
    assert browser.submit(url, {"received_on": future, "method": "phone"},
                          page=f"/parties/{party.id}/data").status_code == 422
    ok = browser.submit(url, {"received_on": "02/11/2026", "method": "phone"}, page=f"/parties/{party.id}/data")
    assert ok.status_code == 303
    request = ErasureRequest.get()
    assert (request.party_id, request.state, request.method) == (party.id, ErasureState.RECORDED, "phone")
    carry = f"/erasure-requests/{request.id}/carry-out"
    # Not while the case is open.
    assert browser.get(carry).status_code == 403
    Case.update(status=CaseStatus.CLOSED, closed_at=utcnow()).where(Case.id == case.id).execute()
    # Not while a concern is unresolved.
    concern = make_concern(case, world["coach"], state=ConcernState.OPEN)
    assert browser.get(carry).status_code == 403
    concern.state = ConcernState.CLOSED
    concern.save()
    confirm = browser.get(carry)
    assert confirm.status_code == 200 and "This cannot be undone." in confirm.get_data(as_text=True)
    assert Case.get_by_id(case.id).anonymised_at is None  # a GET changes nothing
    assert browser.submit(carry, {}).status_code == 303
    assert Case.get_by_id(case.id).anonymised_at is not None
    assert CaseParty.get_by_id(party.id).name == "Party A"
    assert Note.get(Note.case == case.id).body == ""
    assert ErasureRequest.get_by_id(request.id).state == ErasureState.CARRIED_OUT
    assert [e.detail.split()[0] for e in AuditEvent.select().where(AuditEvent.event == "retention.case_anonymised")] \
        == [f"why=erasure_request_{request.id}"]
    assert events("rights.erasure_recorded") == [(coordinator.id, case.id)]
    # Once only.
    assert browser.get(carry).status_code == 403


def test_the_retention_page_lists_cases_due_within_30_days(app, world):
    app.config.update(RETENTION_DAYS=100, SAFEGUARDING_RETENTION_DAYS=1000)
    soon, later, held = make_case(), make_case(), make_case()
    for case, days_ago in ((soon, 80), (later, 50), (held, 90)):
        Case.update(status=CaseStatus.CLOSED, closed_at=utcnow() - timedelta(days=days_ago)).where(
            Case.id == case.id).execute()
    Case.update(legal_hold_reason="Kept").where(Case.id == held.id).execute()
    page = as_user(app, world["coordinator"]).get("/retention")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert soon.reference in text and later.reference not in text and held.reference not in text
