"""Pages that offer what the policy answers, and nothing the template works out for itself: a
party's home page (consent answers, fee, where each agreement stands for them) and the people
page (whom an administrator may deactivate or reactivate)."""

import re

import pytest

from portal.models import AgreementAcceptance, AuditEvent, Case, User
from portal.vocab import AgreementState, CaseStatus, ConsentState, Role
from tests.conftest import Browser
from tests.factories import add_party, make_agreement, make_case, make_user


def card(page, element_id):
    """The text of one card (an <li> with this id) on a page."""
    match = re.search(rf'<li[^>]*id="{element_id}"[^>]*>(.*?)</li>', page, re.S)
    assert match, element_id
    return match.group(1)


# --- a party's home page --------------------------------------------------------------------

@pytest.fixture
def two_parties(app):
    case = make_case(funding="self_funded")
    alex, bea = make_user(Role.PARTY, name="Alex Home"), make_user(Role.PARTY, name="Bea Home")
    alex_record = add_party(case, alex, consent_state=ConsentState.GIVEN, fee_pence=4250)
    bea_record = add_party(case, bea, consent_state=ConsentState.PENDING, fee_pence=9999)
    agreement = make_agreement(case, make_user(Role.COACH), state=AgreementState.PROPOSED,
                               title="Quiet hours")
    return case, alex, bea, alex_record, bea_record, agreement


def test_an_agreement_a_party_has_accepted_no_longer_waits_for_them(app, two_parties):
    case, alex, bea, alex_record, _, agreement = two_parties
    AgreementAcceptance.create(agreement=agreement, party=alex_record, version=agreement.version,
                               typed_name="Alex Home")
    alex_card = card(Browser(app.test_client()).enter_as(alex).get("/party").get_data(as_text=True),
                     f"my-agreement-{agreement.id}")
    assert "you have accepted it" in alex_card and "waiting for your answer" not in alex_card
    bea_card = card(Browser(app.test_client()).enter_as(bea).get("/party").get_data(as_text=True),
                    f"my-agreement-{agreement.id}")
    assert "waiting for your answer" in bea_card and "you have accepted it" not in bea_card


def test_consent_answers_and_fee_are_the_policys(app, two_parties):
    case, alex, bea, alex_record, bea_record, _ = two_parties
    alex_whole_page = Browser(app.test_client()).enter_as(alex).get("/party").get_data(as_text=True)
    alex_page = card(alex_whole_page, f"record-{alex_record.id}")
    assert "my-consent/withdraw" in alex_page and "my-consent/confirm" not in alex_page
    assert "42.50" in alex_page and "99.99" not in alex_whole_page
    bea_page = card(Browser(app.test_client()).enter_as(bea).get("/party").get_data(as_text=True),
                    f"record-{bea_record.id}")
    assert "my-consent/confirm" in bea_page and "my-consent/withdraw" not in bea_page
    # Closed: nothing to answer, and the agreement is no longer waiting for anyone.
    Case.update(status=CaseStatus.CLOSED).where(Case.id == case.id).execute()
    page = Browser(app.test_client()).enter_as(bea).get("/party").get_data(as_text=True)
    assert "my-consent/confirm" not in card(page, f"record-{bea_record.id}")
    assert "waiting for your answer" not in page


# --- the people page ------------------------------------------------------------------------

def test_an_administrator_is_offered_exactly_the_policys_changes(app):
    admin = make_user(Role.COORDINATOR, name="Ada Admin", is_admin=True)
    active = make_user(Role.COACH, name="Cal Active")
    gone = make_user(Role.COACH, name="Dot Gone", active=False)
    page = Browser(app.test_client()).enter_as(admin).get("/admin/people").get_data(as_text=True)

    def row(user):
        match = re.search(rf'<tr id="person-{user.id}">(.*?)</tr>', page, re.S)
        assert match
        return match.group(1)
    assert "/deactivate" not in row(admin) and "/reactivate" not in row(admin)
    assert "/deactivate" in row(active) and "/reactivate" not in row(active)
    assert "/reactivate" in row(gone) and "/deactivate" not in row(gone)


def test_reactivating_an_active_account_changes_nothing(app):
    admin = make_user(Role.COORDINATOR, name="Ada Admin", is_admin=True)
    active = make_user(Role.COACH, name="Cal Active")
    browser = Browser(app.test_client()).enter_as(admin)
    response = browser.submit(f"/admin/people/{active.id}/reactivate", page="/admin/people")
    assert response.status_code == 303
    assert "is not deactivated" in browser.get("/admin/people").get_data(as_text=True)
    assert AuditEvent.select().where(AuditEvent.event == "account.reactivated").count() == 0
    assert User.get_by_id(active.id).active
