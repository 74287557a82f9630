"""Invitations go when a party's consent to take part is recorded, not at triage. With the mail
server down, the consent is recorded and the invitation waits in the outbox for its retry; the
case page can send one again."""

from datetime import date
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from portal.models import AuditEvent, Case, CaseParty, OutboxMessage, User
from portal.vocab import MessageKind, MessageState, Role
from tests.apps import links_in
from tests.conftest import enter_as
from tests.factories import allocate, make_user
from tests.test_mail import Collector, free_port
from tests.test_referrals import make_referral


@pytest.fixture
def mail_down(app):
    """The app pointed at a port on this machine where nothing listens."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)


@pytest.fixture
def mail_server(app):
    """Start a real SMTP server and point the app at it; returns its collector."""
    started = []

    def start():
        collector = Collector()
        controller = Controller(collector, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
        return collector
    yield start
    for controller in started:
        controller.stop()


def record_consent(coordinator, name):
    case, party = Case.get(), CaseParty.get(CaseParty.name == name)
    return coordinator.submit(f"/cases/{case.reference}/parties/{party.id}/consent",
                              {"state": "given", "occurred_on": date.today().isoformat(), "method": "phone"})


def accept_with_invitations(make_browser, browser):
    """Triage a referral, then record Robin's consent to take part (which invites Robin)."""
    referral = make_referral(browser)
    coordinator = make_browser()
    enter_as(coordinator.client, make_user(Role.COORDINATOR))
    assert coordinator.submit(f"/referrals/{referral.reference}", {"decision": "mediation"}).status_code == 303
    assert CaseParty.select().where(CaseParty.user.is_null(False)).count() == 0  # nobody invited yet
    return coordinator, record_consent(coordinator, "Robin Ash")


def invitations_to(address):
    """The invitations in the outbox for `address` (a self-referrer also has their receipt)."""
    return [(m.kind, m.state, m.attempts, m.last_error) for m in OutboxMessage.select()
            .where(OutboxMessage.recipient == address, OutboxMessage.kind == MessageKind.INVITATION)
            .order_by(OutboxMessage.id)]


WAITING_FOR_RETRY = (MessageKind.INVITATION, MessageState.WAITING, 1, "ConnectionRefusedError")


def test_with_the_mail_server_down_consent_is_recorded_and_the_invitation_waits_for_a_retry(
        mail_down, make_browser, browser):
    coordinator, response = accept_with_invitations(make_browser, browser)
    assert response.status_code == 303
    case = Case.get()
    assert response.headers["Location"].startswith(f"/cases/{case.reference}")
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Consent recorded for Robin Ash." in page
    assert "could not be sent" not in page
    # Queued with the consent, tried once at once, and retried by the queue until it goes.
    assert invitations_to("robin@example.org") == [WAITING_FOR_RETRY]
    robin = CaseParty.get(CaseParty.name == "Robin Ash")
    # The account is there, waiting, and the button to send again is next to Robin only.
    assert robin.user.password_hash is None
    assert page.count("Send invitation again<span") == 1
    assert f"/cases/{case.reference}/parties/{robin.id}/invitation" in page


def test_once_the_mail_server_is_back_the_invitation_is_sent_again(
        app, mail_down, mail_server, make_browser, browser):
    coordinator, _ = accept_with_invitations(make_browser, browser)
    case, robin = Case.get(), CaseParty.get(CaseParty.name == "Robin Ash")
    collector = mail_server()
    response = coordinator.submit(f"/cases/{case.reference}/parties/{robin.id}/invitation",
                                  page=f"/cases/{case.reference}")
    assert response.status_code == 303
    [(recipients, message)] = collector.messages()
    assert recipients == ["robin@example.org"]
    assert message["Subject"] == "Your place in the Accord Community Mediation portal"  # the party's words
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "A new invitation to Robin Ash (robin@example.org) is on its way." in page
    [link] = links_in(message)
    visitor = app.test_client()
    assert visitor.get(urlsplit(link).path).status_code == 200
    assert AuditEvent.select().where(AuditEvent.event == "account.reinvited",
                                     AuditEvent.record_id == robin.user_id).count() == 1


def test_sending_again_while_the_mail_server_is_still_down_queues_it_too(mail_down, make_browser, browser):
    coordinator, _ = accept_with_invitations(make_browser, browser)
    case, robin = Case.get(), CaseParty.get(CaseParty.name == "Robin Ash")
    response = coordinator.submit(f"/cases/{case.reference}/parties/{robin.id}/invitation",
                                  page=f"/cases/{case.reference}")
    assert response.status_code == 303
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "A new invitation to Robin Ash (robin@example.org) is on its way." in page
    assert invitations_to("robin@example.org") == [WAITING_FOR_RETRY, WAITING_FOR_RETRY]


def test_a_party_who_has_set_a_password_is_not_invited_again(mail_server, make_browser, browser):
    collector = mail_server()
    coordinator, _ = accept_with_invitations(make_browser, browser)
    case, robin = Case.get(), CaseParty.get(CaseParty.name == "Robin Ash")
    User.update(password_hash="set").where(User.id == robin.user_id).execute()
    sent_before = len(collector.messages())
    page = coordinator.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Send invitation again" not in page
    response = coordinator.submit(f"/cases/{case.reference}/parties/{robin.id}/invitation",
                                  page=f"/cases/{case.reference}")
    assert response.status_code == 303
    assert "Robin Ash has no invitation waiting to be accepted." in coordinator.get(
        response.headers["Location"]).get_data(as_text=True)
    assert len(collector.messages()) == sent_before


def test_only_a_coordinator_can_send_it_again(mail_down, make_browser, browser):
    accept_with_invitations(make_browser, browser)
    case, robin = Case.get(), CaseParty.get(CaseParty.name == "Robin Ash")
    allocated, other = make_user(Role.COACH), make_user(Role.COACH)
    allocate(case, allocated)
    for user, status in ((allocated, 403), (other, 404)):
        person = make_browser()
        enter_as(person.client, user)
        response = person.submit(f"/cases/{case.reference}/parties/{robin.id}/invitation", page="/")
        assert response.status_code == status


def test_an_invitation_goes_when_consent_is_recorded_in_plain_words(mail_server, make_browser, browser):
    collector = mail_server()
    coordinator, response = accept_with_invitations(make_browser, browser)
    assert "Robin Ash is invited to the portal (robin@example.org)." in coordinator.get(
        response.headers["Location"]).get_data(as_text=True)
    [(recipients, message)] = [(r, m) for r, m in collector.messages() if "portal" in m["Subject"]]
    assert recipients == ["robin@example.org"]
    body = message.get_payload(decode=True).decode()
    assert "you have agreed to take part in mediation with us" in body
    assert "Using the portal is your choice" in body and "01632 960 123" in body
    assert "Sam" not in body and "Birch" not in body  # never the other party's name
    # Sam said "do not email": their consent makes no account and sends nothing.
    sent = len(collector.messages())
    assert record_consent(coordinator, "Sam Birch").status_code == 303
    assert CaseParty.get(CaseParty.name == "Sam Birch").user_id is None
    assert len(collector.messages()) == sent
