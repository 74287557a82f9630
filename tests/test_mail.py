"""Email: SMTP when MAIL_SERVER is set, an outbox folder otherwise, and nothing confidential in it."""

import email
import socket
from email import policy as email_policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from portal import mail
from portal.models import OutboxMessage, User
from portal.vocab import MessageKind, MessageState, Role
from tests.apps import body_of, links_in
from tests.conftest import enter_as
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "seven swans on a grey lake"


class Collector:
    """An aiosmtpd handler that keeps what it is sent."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [(envelope.rcpt_tos, email.message_from_bytes(envelope.content))
                for envelope in self.envelopes]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1, and the app pointed at it."""
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                      MAIL_USERNAME=None, MAIL_PASSWORD=None)
    yield collector
    controller.stop()


def outbox_files(app):
    folder = app.config["MAIL_OUTBOX_DIR"]
    return sorted(folder.glob("*")) if folder.exists() else []


def test_with_a_mail_server_the_email_goes_over_smtp(app, smtp_server):
    with app.app_context():
        mail.send("someone@example.org", "A subject line", "A body.\n")
    [(recipients, message)] = smtp_server.messages()
    assert recipients == ["someone@example.org"]
    assert message["To"] == "someone@example.org"
    assert message["Subject"] == "A subject line"
    assert message["From"] == app.config["MAIL_FROM"]
    assert outbox_files(app) == []


def test_an_invitation_is_delivered_over_smtp(app, smtp_server, browser):
    enter_as(browser.client, make_user(Role.COORDINATOR, is_admin=True))
    response = browser.submit("/admin/people/invite", {"name": "Iris Novak", "email": "iris@example.org",
                                                       "role": Role.PARTY})
    assert response.status_code == 303
    [(recipients, message)] = smtp_server.messages()
    assert recipients == ["iris@example.org"]
    assert message["Subject"]
    [link] = links_in(message)
    assert urlsplit(link).path.startswith("/invitation/")
    assert outbox_files(app) == []


def test_without_a_mail_server_the_email_is_a_file_in_the_outbox(app):
    with app.app_context():
        mail.send("Iris.Novak@example.org", "Your sessions with Iris Novak", "A body.\n")
    [path] = outbox_files(app)
    assert path.suffix == ".eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
    assert message["To"] == "Iris.Novak@example.org"
    assert message["Subject"] == "Your sessions with Iris Novak"
    # The folder may be looked at by anyone on the machine: the file name says nothing of whom.
    name = path.name.lower()
    for part in ("iris", "novak", "example", "sessions", "@"):
        assert part not in name


def test_the_outbox_folder_is_created_when_needed(app, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = tmp_path / "not" / "there" / "yet"
    with app.app_context():
        mail.send("someone@example.org", "Subject", "Body.\n")
    assert len(list((tmp_path / "not" / "there" / "yet").glob("*.eml"))) == 1


def test_an_invitation_email_has_a_link_and_nothing_else_to_keep_secret(app, browser, outbox):
    enter_as(browser.client, make_user(Role.COORDINATOR, is_admin=True))
    browser.submit("/admin/people/invite", {"name": "Iris Novak", "email": "iris@example.org",
                                            "role": Role.PARTY})
    [message] = outbox()
    body = body_of(message)
    [link] = links_in(message)
    assert link.startswith(app.config["PUBLIC_BASE_URL"])
    secret = urlsplit(link).path.rsplit("/", 1)[1]
    # The secret is in the link and only there, once.
    assert body.count(secret) == 1
    assert "password:" not in body.lower()


def test_a_reset_email_has_a_link_and_no_password(app, make_browser, outbox):
    user = make_user(Role.COACH)
    make_browser().submit("/password/forgot", {"email": user.email})
    [message] = outbox()
    body = body_of(message)
    assert len(links_in(message)) == 1
    assert DEFAULT_PASSWORD not in body
    assert user.password_hash not in body
    # Setting the new password through the link sends nothing with the password in it.
    path = urlsplit(links_in(message)[0]).path
    make_browser().submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert User.get_by_id(user.id).password_hash != user.password_hash
    assert all(NEW_PASSWORD not in body_of(m) for m in outbox())


@pytest.fixture
def unreachable_mail_server(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)


def test_a_mail_server_that_is_down_does_not_tell_who_has_an_account(unreachable_mail_server,
                                                                    make_browser):
    user = make_user(Role.PARTY)
    known = make_browser().submit("/password/forgot", {"email": user.email})
    unknown = make_browser().submit("/password/forgot", {"email": "nobody-here@example.org"})
    assert known.status_code == unknown.status_code == 200


def test_a_mail_server_that_is_down_leaves_the_invitation_waiting_and_says_what_is_true(
        unreachable_mail_server, browser):
    enter_as(browser.client, make_user(Role.COORDINATOR, is_admin=True))
    response = browser.submit("/admin/people/invite", {"name": "Iris Novak", "email": "iris@example.org",
                                                       "role": Role.PARTY})
    assert response.status_code == 303
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "The invitation to iris@example.org is on its way: Messages shows when it has been delivered." in page
    # Tried once (the tests run jobs at once), waiting for its retry; the error's type, no more.
    [message] = OutboxMessage.select()
    assert (message.recipient, message.kind, message.state, message.attempts, message.last_error) == (
        "iris@example.org", MessageKind.INVITATION, MessageState.WAITING, 1, "ConnectionRefusedError")
    # The account is there, waiting for a new invitation once mail works.
    assert User.by_email("iris@example.org").get().password_hash is None
