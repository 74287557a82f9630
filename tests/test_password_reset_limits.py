"""The forgotten-password form: limited per typed email and per address, the same answer either
way, and the same work for a known and an unknown address."""

import logging
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller

from portal import accounts, mail
from portal.config import Config
from portal.models import AuditEvent
from portal.vocab import Role
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.test_mail import Collector, free_port

FORGOT = "/password/forgot"
HERE = {"REMOTE_ADDR": "192.0.2.10"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.20"}
START = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def ask(app, email, where=HERE):
    client = app.test_client()
    page = client.get(FORGOT, environ_overrides=where).get_data(as_text=True)
    response = client.post(FORGOT, data={"csrf_token": csrf_from(page), "email": email},
                           environ_overrides=where)
    assert response.status_code == 200
    return response


def _without_tokens(html):
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+|("X-CSRFToken": ")[^"]+', r"\1\2TOKEN", html)


def sent_to(outbox, address):
    return [m for m in outbox() if m["To"] == address]


def test_the_limits_default_to_three_emails_per_account_and_ten_requests_per_address():
    assert Config.PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR == 3
    assert Config.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR == 10


def test_at_most_three_reset_emails_an_hour_for_one_account(app, outbox):
    user = make_user(Role.COACH)
    with time_machine.travel(START, tick=False):
        answers = [ask(app, user.email, where={"REMOTE_ADDR": f"192.0.2.{n}"}) for n in range(5)]
    assert len(sent_to(outbox, user.email)) == 3
    # The refused requests get the same page as the others.
    assert len({_without_tokens(a.get_data(as_text=True)) for a in answers}) == 1
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        ask(app, user.email)
    assert len(sent_to(outbox, user.email)) == 4


def test_an_unknown_email_is_limited_in_the_same_way(app):
    """A third-party watching the answers cannot tell a limit reached from an unknown address."""
    user = make_user(Role.COACH)
    unknown = "nobody-here@example.test"
    with time_machine.travel(START, tick=False):
        known_pages = [ask(app, user.email, where={"REMOTE_ADDR": f"192.0.2.{n}"}) for n in range(4)]
        unknown_pages = [ask(app, unknown, where={"REMOTE_ADDR": f"192.0.2.{n}"}) for n in range(4)]
    known = [_without_tokens(p.get_data(as_text=True)) for p in known_pages]
    unknown = [_without_tokens(p.get_data(as_text=True)) for p in unknown_pages]
    assert known == unknown
    refused = Counter(e.event for e in AuditEvent.select())
    assert refused["account.password_reset_refused"] == 2  # the fourth of each


def test_at_most_ten_requests_an_hour_from_one_address(app, outbox):
    with time_machine.travel(START, tick=False):
        for n in range(10):
            ask(app, f"someone{n}@example.test")
        user = make_user(Role.COACH)
        ask(app, user.email)
        assert sent_to(outbox, user.email) == []
        ask(app, user.email, where=ELSEWHERE)
        assert len(sent_to(outbox, user.email)) == 1


# --- the same work for a known and an unknown address -----------------------------------------

class Work:
    """What one request did: SQL statements (verb and table), tokens made and hashed, emails
    built and sent."""

    def __init__(self, monkeypatch):
        self.steps = Counter()
        self.built = []
        handler = logging.Handler()
        handler.emit = self._statement
        logger = logging.getLogger("peewee")
        level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)

        def detach():
            logger.removeHandler(handler)
            logger.setLevel(level)
        self._detach = detach
        self._count(monkeypatch, accounts.secrets, "token_urlsafe", "token made")
        self._count(monkeypatch, accounts, "_hash_token", "token hashed")
        self._count(monkeypatch, mail, "deliver", "email sent")
        build = mail.build_message

        def built(to, subject, body, sender):
            self.built.append((subject, len(body)))
            return build(to, subject, body, sender)
        monkeypatch.setattr(mail, "build_message", built)

    def _count(self, monkeypatch, owner, name, step):
        original = getattr(owner, name)

        def counted(*args, **kwargs):
            self.steps[step] += 1
            return original(*args, **kwargs)
        monkeypatch.setattr(owner, name, counted)

    def _statement(self, record):
        sql = record.msg[0] if isinstance(record.msg, tuple) else str(record.msg)
        words = re.findall(r'"?(\w+)"?', sql)
        verb = words[0].upper()
        table = next((re.sub(r'"', "", w) for w in _tables(sql)), "")
        self.steps[f"{verb} {table}".strip()] += 1

    def stop(self):
        self._detach()
        return self.steps, self.built


def _tables(sql):
    return re.findall(r'(?:FROM|INTO|UPDATE|JOIN)\s+"(\w+)"', sql)


def work_of(app, monkeypatch, email):
    ask(app, "warm-up@example.test", where={"REMOTE_ADDR": "203.0.113.99"})
    with monkeypatch.context() as patches:
        work = Work(patches)
        response = ask(app, email)
        response.close()  # the end of the response, when an SMTP send would happen
        return work.stop()


@pytest.mark.parametrize("mail_server", [False, True], ids=["outbox", "smtp"])
def test_a_known_and_an_unknown_address_do_the_same_work(app, monkeypatch, mail_server):
    if mail_server:
        collector = Collector()
        controller = Controller(collector, hostname="127.0.0.1", port=free_port())
        controller.start()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    try:
        user = make_user(Role.COACH)
        known, known_built = work_of(app, monkeypatch, user.email)
        unknown, unknown_built = work_of(app, monkeypatch, "nobody-here@example.test")
    finally:
        if mail_server:
            controller.stop()
    assert known_built == unknown_built == [("Reset your password", known_built[0][1])]
    assert known["token made"] == unknown["token made"] == 1
    assert known["token hashed"] == unknown["token hashed"] == 1
    # Only a known address has an email to send, after the response (see the next test).
    assert (known["email sent"], unknown["email sent"]) == (1, 0)
    # The same statements, but for the token's own row, which needs an account.
    difference = (known - unknown) + (unknown - known)
    without_sends = {step: n for step, n in difference.items() if step != "email sent"}
    assert without_sends == {"INSERT account_token": 1}
    assert known["UPDATE account_token"] == unknown["UPDATE account_token"] == 1
    assert known["INSERT audit_event"] == unknown["INSERT audit_event"] > 0


def test_with_a_mail_server_the_email_goes_only_after_the_answer(app):
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    try:
        user = make_user(Role.COACH)
        response = ask(app, user.email)
        assert collector.messages() == []
        response.close()
        assert [recipients for recipients, _ in collector.messages()] == [[user.email]]
        ask(app, "nobody-here@example.test").close()
        assert len(collector.messages()) == 1
    finally:
        controller.stop()
