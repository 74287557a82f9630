"""Sign-in links for parties (issue 16): "Email me a link to sign in" sends a single-use link
valid for 15 minutes; the same answer whether or not the address has an account (and for
staff, who get no email); limited like passwords; works once, on any browser."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from portal.models import AccountToken, AuditEvent, SignInSession
from portal.vocab import Role, TokenPurpose
from tests.apps import links_in
from tests.conftest import csrf_from
from tests.factories import make_user

ASK = "/sign-in/link"


def ask(client, email):
    page = client.get(ASK).get_data(as_text=True)
    return client.post(ASK, data={"csrf_token": csrf_from(page), "email": email})


def link_path(outbox, address):
    messages = [m for m in outbox() if m["To"] == address]
    assert len(messages) == 1, [m["Subject"] for m in messages]
    links = links_in(messages[0])
    assert len(links) == 1, links
    return urlsplit(links[0]).path


def use(client, path):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def is_signed_in(client):
    return client.get("/", follow_redirects=True).request.path != "/sign-in"


def _without_tokens(html):
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+|("X-CSRFToken": ")[^"]+', r"\1\2TOKEN", html)


def test_the_sign_in_page_offers_the_link(client):
    assert f'href="{ASK}"' in client.get("/sign-in").get_data(as_text=True)


def test_a_party_signs_in_once_with_the_emailed_link_on_another_browser(app, outbox):
    party = make_user(Role.PARTY)
    asked = ask(app.test_client(), party.email)
    assert asked.status_code == 200
    path = link_path(outbox, party.email)
    [message] = outbox()
    assert message["Subject"] == "Your link to sign in"
    assert "works once and for 15 minutes" in message.get_payload(decode=True).decode()
    phone = app.test_client()
    # Opening the link does not spend it (a mail scanner may open it): the button does.
    assert phone.get(path).status_code == 200
    response = use(phone, path)
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert is_signed_in(phone)
    assert SignInSession.select().where(SignInSession.user == party.id).count() == 1
    # Never a second time, in any browser.
    again = app.test_client()
    assert again.get(path).status_code == 404
    token = csrf_from(again.get("/sign-in").get_data(as_text=True))
    assert again.post(path, data={"csrf_token": token}).status_code == 404
    assert not is_signed_in(again)
    assert AuditEvent.select().where(AuditEvent.event == "auth.sign_in_link_used").count() == 1


@pytest.mark.parametrize("who", ["unknown", "coach", "coordinator", "deactivated party"])
def test_the_answer_is_the_same_and_no_email_goes(app, outbox, who):
    party = make_user(Role.PARTY)
    other = {"unknown": None, "coach": make_user(Role.COACH), "coordinator": make_user(Role.COORDINATOR),
             "deactivated party": make_user(Role.PARTY, active=False)}[who]
    address = other.email if other else "nobody-here@example.test"
    known = ask(app.test_client(), party.email)
    answer = ask(app.test_client(), address)
    assert known.status_code == answer.status_code == 200
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(answer.get_data(as_text=True))
    assert [m["To"] for m in outbox()] == [party.email]
    assert AccountToken.select().where(AccountToken.purpose == TokenPurpose.SIGN_IN_LINK).count() == 1


@pytest.mark.parametrize(("after", "works"), [(timedelta(minutes=14), True), (timedelta(minutes=16), False)])
def test_the_link_works_for_15_minutes(app, outbox, after, works):
    party = make_user(Role.PARTY)
    ask(app.test_client(), party.email)
    path = link_path(outbox, party.email)
    with time_machine.travel(datetime.now(UTC) + after, tick=False):
        client = app.test_client()
        assert client.get(path).status_code == (200 if works else 404)
        if works:
            assert use(client, path).status_code == 303
            assert is_signed_in(client)


def test_a_staff_token_is_refused_even_if_one_existed(app):
    """A link is only ever made for a party; a sign-in-link token of a staff account (made by
    hand here) still does not sign them in: they need their second factor."""
    from portal import accounts
    coach = make_user(Role.COACH)
    with app.test_request_context("/"):
        raw = accounts.issue_token(coach, TokenPurpose.SIGN_IN_LINK, timedelta(minutes=15))
    client = app.test_client()
    page = client.get(f"/sign-in/link/{raw}")
    assert page.status_code == 200
    response = client.post(f"/sign-in/link/{raw}", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 404
    assert not is_signed_in(client)


def test_asking_again_and_again_is_paused_like_passwords(app, outbox):
    app.config["SIGN_IN_FAILURES_PER_ACCOUNT"] = 3
    party = make_user(Role.PARTY)
    client = app.test_client()
    assert [ask(client, party.email).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert len(outbox()) == 3


def test_a_party_with_two_factor_gives_the_code_after_the_link(app, outbox):
    import pyotp
    party = make_user(Role.PARTY, totp_secret=pyotp.random_base32())
    ask(app.test_client(), party.email)
    client = app.test_client()
    response = use(client, link_path(outbox, party.email))
    assert response.headers["Location"] == "/sign-in/code"
    assert not is_signed_in(client)

