"""The public referral form, the coordinators' queue and triage."""

import re
import time
from datetime import date

import pytest

from portal.db import database
from portal.models import AccountToken, Case, CaseEvent, CaseParty, Referral, ReferralPerson, User, utcnow
from portal.vocab import DisputeType, ReferralSource, Role, Urgency
from tests.factories import make_case, make_user
from tests.test_ratelimit import THREADS, at_once

GOOD = {
    "source": "self",
    "people-0-name": "Robin Ash",
    "people-0-email": "robin@example.org",
    "people-0-phone": "07700 900303",
    "people-0-no_phone": "y",
    "people-1-name": "Sam Birch",
    "people-1-email": "sam@example.org",
    "people-1-no_email": "y",
    "dispute_type": "neighbour",
    "description": "Loud music most nights until 2am.",
    "urgency": "soon",
    "safety_worry": "",
    "understood": "y",
}


def submit_referral(browser, **changes):
    data = {**GOOD, **changes}
    return browser.submit("/refer", {k: v for k, v in data.items() if v is not None})


def test_the_form_says_what_happens_next_and_how_data_is_used(browser):
    page = browser.get("/refer").get_data(as_text=True)
    assert "What happens next" in page
    assert "How we use this information" in page
    for label in ("Full name", "Email", "Phone", "Do not phone", "What is the dispute about?",
                  "How soon do you need us?", "Is anyone at risk of harm? (optional)"):
        assert label in page


def test_a_referral_is_saved_and_the_confirmation_shows_only_the_reference(browser):
    response = submit_referral(browser)
    assert response.status_code == 303
    confirmation = browser.get(response.headers["Location"]).get_data(as_text=True)
    referral = Referral.get()
    assert referral.reference in confirmation
    for submitted in ("Robin Ash", "robin@example.org", "Loud music", "Sam Birch"):
        assert submitted not in confirmation
    people = list(referral.people.order_by(ReferralPerson.id))
    assert [p.name for p in people] == ["Robin Ash", "Sam Birch"]
    assert people[0].unsafe_routes == "phone"
    assert people[1].unsafe_routes == "email"
    # Reloading it shows the reference again (tests/test_referral_pages.py).


@pytest.mark.parametrize("changes, message", [
    ({"source": None}, "Say who is making this referral."),
    ({"people-0-name": ""}, "Enter the name of the first person involved."),
    ({"people-1-name": ""}, "Enter the name of person 2, or leave their details empty."),
    ({"people-0-email": "not-an-email"}, "Enter an email address like name@example.org."),
    ({"dispute_type": None}, "Choose what the dispute is about."),
    ({"description": ""}, "Tell us briefly what is happening."),
    ({"urgency": None}, "Say how soon you need us."),
    ({"understood": None}, "Confirm that you have read how this information will be used."),
    ({"source": "agency"}, "Enter the name of your organisation."),
    ({"source": "agency", "agency_name": "Elm Housing"}, "Choose the kind of organisation."),
])
def test_each_bad_input_gets_a_message_and_nothing_is_saved(browser, changes, message):
    response = submit_referral(browser, **changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Referral.select().count() == 0
    assert ReferralPerson.select().count() == 0


def test_the_honeypot_rejects_with_a_message_and_saves_nothing(browser):
    response = submit_referral(browser, website="http://spam.example")
    assert response.status_code == 400
    assert "Your referral was not sent" in response.get_data(as_text=True)
    assert Referral.select().count() == 0


def test_too_many_referrals_from_one_address_are_refused(app, browser):
    limit = app.config["REFERRAL_LIMIT_PER_HOUR"]
    for _ in range(limit):
        assert submit_referral(browser).status_code == 303
    response = submit_referral(browser)
    assert response.status_code == 429
    assert "Nothing from this form has been saved" in response.get_data(as_text=True)
    assert Referral.select().count() == limit
    # Another address is not affected.
    other = browser.submit("/refer", GOOD, environ_overrides={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 303


def make_referral(browser, **changes):
    assert submit_referral(browser, **changes).status_code == 303
    return Referral.select().order_by(Referral.id.desc()).first()


def test_only_coordinators_reach_the_queue(make_browser, browser):
    make_referral(browser)
    for role, status in ((Role.PARTY, 403), (Role.COACH, 403), (Role.COORDINATOR, 200)):
        person = make_browser()
        person.enter_as(make_user(role))
        assert person.get("/referrals").status_code == status


def test_queue_puts_urgent_first_then_newest_and_filters(make_browser, browser):
    routine_old = make_referral(browser, urgency="routine")
    urgent = make_referral(browser, urgency="urgent", dispute_type="workplace")
    routine_new = make_referral(browser, urgency="routine", source="agency", agency_name="Elm Housing",
                                agency_type="housing", referrer_name="Officer Kay")
    coordinator = make_browser()
    coordinator.enter_as(make_user(Role.COORDINATOR))
    page = coordinator.get("/referrals").get_data(as_text=True)
    order = re.findall(r">(RF-\d{4}-\d{4})</a>", page)
    assert order == [urgent.reference, routine_new.reference, routine_old.reference]

    only_agency = coordinator.get("/referrals?source=agency").get_data(as_text=True)
    assert routine_new.reference in only_agency and urgent.reference not in only_agency
    only_work = coordinator.get("/referrals?dispute_type=workplace",
                                headers={"HX-Request": "true"}).get_data(as_text=True)
    assert only_work.lstrip().startswith('<div id="referral-list">')
    assert urgent.reference in only_work and routine_old.reference not in only_work


def test_queue_pages(make_browser, app):
    coordinator_user = make_user(Role.COORDINATOR)
    for n in range(25):
        Referral.create(reference=f"RF-2026-{n + 1:04d}", source="self", dispute_type="other",
                        description="x", urgency="routine")
    coordinator = make_browser()
    coordinator.enter_as(coordinator_user)
    first = coordinator.get("/referrals").get_data(as_text=True)
    second = coordinator.get("/referrals?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert len(set(re.findall(r"RF-2026-\d{4}", first))) == 20
    assert len(set(re.findall(r"RF-2026-\d{4}", second))) == 5


def test_accepting_opens_a_case_with_parties_and_invites_nobody_until_they_consent(make_browser, browser, outbox):
    referral = make_referral(browser)
    receipts = len(outbox())
    coordinator = make_browser()
    coordinator.enter_as(make_user(Role.COORDINATOR))
    response = coordinator.submit(f"/referrals/{referral.reference}", {"decision": "mediation"})
    assert response.status_code == 303
    case = Case.get()
    assert response.headers["Location"] == f"/cases/{case.reference}"
    assert case.kind == "mediation" and case.referral_id == referral.id
    parties = list(case.parties.order_by(CaseParty.id))
    assert [p.name for p in parties] == ["Robin Ash", "Sam Birch"]
    assert [p.user_id for p in parties] == [None, None]
    assert outbox()[receipts:] == [] and AccountToken.select().count() == 0
    assert Referral.get_by_id(referral.id).status == "accepted"
    assert CaseEvent.select().where(CaseEvent.case == case).count() == 1
    # Consent to take part recorded: Robin's email is safe to use, so Robin is invited. Sam said
    # "do not email": no account, no email.
    for party in parties:
        assert coordinator.submit(f"/cases/{case.reference}/parties/{party.id}/consent",
                                  {"state": "given", "occurred_on": date.today().isoformat(),
                                   "method": "phone"}).status_code == 303
    parties = list(case.parties.order_by(CaseParty.id))
    assert [p.consent_state for p in parties] == ["given", "given"]
    assert parties[0].user is not None and parties[0].user.role == Role.PARTY
    assert parties[1].user is None
    assert [m["To"] for m in outbox()[receipts:]] == ["robin@example.org"]
    assert AccountToken.select().count() == 1


def test_declining_needs_a_reason_and_creates_no_case(make_browser, browser):
    referral = make_referral(browser)
    coordinator = make_browser()
    coordinator.enter_as(make_user(Role.COORDINATOR))
    refused = coordinator.submit(f"/referrals/{referral.reference}", {"decision": "decline"})
    assert refused.status_code == 422
    assert "Give a reason for declining." in refused.get_data(as_text=True)
    assert Referral.get_by_id(referral.id).status == "new"
    done = coordinator.submit(f"/referrals/{referral.reference}",
                              {"decision": "decline", "reason": "Outside our area."})
    assert done.status_code == 303
    assert Referral.get_by_id(referral.id).status == "declined"
    assert Case.select().count() == 0
    again = coordinator.submit(f"/referrals/{referral.reference}", {"decision": "mediation"})
    assert again.status_code == 303
    assert Case.select().count() == 0


def test_an_existing_party_account_is_linked_not_invited_again(make_browser, browser, outbox):
    existing = make_user(Role.PARTY, email="robin@example.org")
    referral = make_referral(browser)
    receipts = len(outbox())
    coordinator = make_browser()
    coordinator.enter_as(make_user(Role.COORDINATOR))
    coordinator.submit(f"/referrals/{referral.reference}", {"decision": "coaching"})
    party = CaseParty.select().order_by(CaseParty.id).first()
    assert party.user_id == existing.id
    assert outbox()[receipts:] == []
    assert User.select().where(User.email == "robin@example.org").count() == 1


def test_referrals_saved_at_the_same_moment_take_the_next_references_in_turn(app):
    """Workers and servers number references from the same table: each waits for the one before
    it to insert, rather than both reading the same last number (and one failing on the unique
    index)."""
    def save():
        with database.atomic():
            reference = Referral.next_reference(2026)
            time.sleep(0.02)  # between reading the last number and inserting the next
            return Referral.create(reference=reference, source=ReferralSource.SELF, urgency=Urgency.SOON,
                                   dispute_type=DisputeType.NEIGHBOUR, description="Loud music.").reference

    assert sorted(at_once(app, save)) == [f"RF-2026-{n:04d}" for n in range(1, THREADS + 1)]


def test_references_keep_counting_past_four_digits(make_browser, browser):
    """A busy service opens more than 9999 cases a year: the next number follows the highest,
    not the one that sorts last as text."""
    year = utcnow().year
    for number in (9999, 10000):
        make_case(reference=f"AC-{year}-{number}")
        Referral.create(reference=f"RF-{year}-{number}", source=ReferralSource.SELF, dispute_type=DisputeType.OTHER,
                        description="Earlier.", urgency=Urgency.ROUTINE)
    referral = make_referral(browser)
    assert referral.reference == f"RF-{year}-10001"
    coordinator = make_browser()
    coordinator.enter_as(make_user(Role.COORDINATOR))
    coordinator.submit(f"/referrals/{referral.reference}", {"decision": "mediation"})
    assert Case.select().order_by(Case.id.desc()).first().reference == f"AC-{year}-10001"


# --- who is told ----------------------------------------------------------------------------

def test_a_referrer_gets_a_receipt_with_the_reference_when_their_email_is_safe(browser, outbox):
    from tests.apps import body_of
    referral = make_referral(browser)
    [receipt] = outbox()
    assert (receipt["To"], receipt["Subject"]) == ("robin@example.org", "We have received your referral")
    body = body_of(receipt)
    assert f"Its reference is {referral.reference}" in body
    assert "Loud music" not in body and "Sam" not in body
    make_referral(browser, **{"people-0-no_email": "y"})  # email is not safe for Robin: no receipt
    make_referral(browser, source="agency", agency_name="Elm Housing", agency_type="housing",
                  referrer_name="Officer Kay", referrer_contact="kay@elm.example")
    make_referral(browser, source="agency", agency_name="Elm Housing", agency_type="housing",
                  referrer_name="Officer Kay", referrer_contact="01632 960 999")  # a phone: no receipt
    assert [m["To"] for m in outbox()] == ["robin@example.org", "kay@elm.example"]


def test_every_coordinator_is_told_of_an_urgent_referral_only(browser, outbox):
    from portal.models import Notification
    coordinators = [make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)]
    make_referral(browser, urgency="soon")
    assert Notification.select().count() == 0
    urgent = make_referral(browser, urgency="urgent")
    rows = sorted((n.recipient_id, n.kind, n.link) for n in Notification.select())
    assert rows == sorted((c.id, "urgent_referral", f"/referrals/{urgent.reference}") for c in coordinators)
    assert sorted(m["To"] for m in outbox() if m["Subject"].startswith("A new urgent referral")) == \
        sorted(c.email for c in coordinators)
