"""Password reset by an emailed single-use link."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from portal.models import User
from portal.vocab import Role
from tests.apps import links_in
from tests.conftest import csrf_from, enter_as, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

FORGOT = "/password/forgot"
NEW_PASSWORD = "seven swans on a grey lake"


def ask_for_a_link(browser, email):
    return browser.submit(FORGOT, {"email": email})


def reset_path(outbox, address):
    """The path of the reset link most recently emailed to `address`."""
    messages = [m for m in outbox() if m["To"] == address]
    assert messages, f"no email to {address}"
    links = links_in(messages[-1])
    assert len(links) == 1, links
    return urlsplit(links[0]).path


def choose(browser, path, password=NEW_PASSWORD):
    return browser.submit(path, {"password": password, "confirm": password})


def _without_tokens(html):
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+|("X-CSRFToken": ")[^"]+', r"\1\2TOKEN", html)


def test_the_answer_is_the_same_for_a_known_and_an_unknown_email(make_browser, outbox):
    user = make_user(Role.PARTY)
    known = ask_for_a_link(make_browser(), user.email)
    unknown = ask_for_a_link(make_browser(), "nobody-here@example.test")
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(unknown.get_data(as_text=True))
    assert [m["To"] for m in outbox()] == [user.email]


@pytest.mark.parametrize("state", ["deactivated", "invited, no password yet"])
def test_an_account_that_cannot_sign_in_gets_the_same_answer_and_no_email(make_browser, outbox, state):
    user = (make_user(Role.COACH, active=False) if state == "deactivated"
            else make_user(Role.COACH, password=None))
    answer = ask_for_a_link(make_browser(), user.email)
    unknown = ask_for_a_link(make_browser(), "nobody-here@example.test")
    assert _without_tokens(answer.get_data(as_text=True)) == _without_tokens(unknown.get_data(as_text=True))
    assert outbox() == []


def test_the_email_is_matched_whatever_its_case(browser, outbox):
    user = make_user(Role.PARTY)
    ask_for_a_link(browser, "  " + user.email.upper())
    assert [m["To"] for m in outbox()] == [user.email]


def test_an_empty_email_is_asked_for_again(browser, outbox):
    response = ask_for_a_link(browser, "")
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert outbox() == []


def test_the_link_sets_a_new_password(app, make_browser, outbox):
    user = make_user(Role.COACH)
    ask_for_a_link(make_browser(), user.email)
    visitor = make_browser()
    response = choose(visitor, reset_path(outbox, user.email))
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/sign-in/code"  # staff: the code too
    assert visitor.enter_code(user.email).status_code == 303
    assert visitor.get("/", follow_redirects=True).request.path == "/coach"
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 303
    assert sign_in(app.test_client(), user.email, DEFAULT_PASSWORD).status_code == 422


def test_the_link_works_once(app, make_browser, outbox):
    user = make_user(Role.COACH)
    ask_for_a_link(make_browser(), user.email)
    path = reset_path(outbox, user.email)
    choose(make_browser(), path)
    again = make_browser()
    assert again.get(path).status_code == 404
    token = csrf_from(again.get("/sign-in").get_data(as_text=True))
    response = again.client.post(path, data={"csrf_token": token, "password": "a second new passphrase",
                                             "confirm": "a second new passphrase"})
    assert response.status_code == 404
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 303


def test_a_newer_link_replaces_an_older_one(make_browser, outbox):
    user = make_user(Role.COACH)
    ask_for_a_link(make_browser(), user.email)
    older = reset_path(outbox, user.email)
    ask_for_a_link(make_browser(), user.email)
    newer = reset_path(outbox, user.email)
    assert newer != older
    assert make_browser().get(older).status_code == 404
    assert make_browser().get(newer).status_code == 200


def _choose_after_travel(app, path):
    client = app.test_client()
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD})


@pytest.mark.parametrize("offset, works", [
    (timedelta(minutes=1), False),
    (-timedelta(minutes=1), True),
])
def test_the_link_expires(app, make_browser, outbox, offset, works):
    user = make_user(Role.PARTY)
    ask_for_a_link(make_browser(), user.email)
    path = reset_path(outbox, user.email)
    lifetime = app.config["PASSWORD_RESET_LIFETIME"]
    with time_machine.travel(datetime.now(UTC) + lifetime + offset, tick=False):
        response = _choose_after_travel(app, path)
    assert response.status_code == (303 if works else 404)
    changed = User.get_by_id(user.id).password_hash != user.password_hash
    assert changed is works


def test_a_weak_new_password_is_refused_and_the_link_is_not_spent(make_browser, outbox):
    user = make_user(Role.PARTY)
    ask_for_a_link(make_browser(), user.email)
    path = reset_path(outbox, user.email)
    visitor = make_browser()
    response = choose(visitor, path, "password1234")
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert User.get_by_id(user.id).password_hash == user.password_hash
    assert choose(visitor, path).status_code == 303


def test_a_reset_ends_every_existing_session(app, make_browser, outbox):
    user = make_user(Role.COACH)
    signed_in = make_browser()
    signed_in.sign_in(user)
    copy = signed_in.client.get_cookie("session").value
    ask_for_a_link(make_browser(), user.email)
    choose(make_browser(), reset_path(outbox, user.email))
    assert signed_in.get("/coach").status_code == 303
    replayed = app.test_client(use_cookies=False).get("/coach", headers={"Cookie": f"session={copy}"})
    assert replayed.status_code == 303
    assert urlsplit(replayed.headers["Location"]).path == "/sign-in"


def test_a_reset_link_stops_working_when_the_account_is_deactivated(make_browser, outbox):
    user = make_user(Role.PARTY)
    ask_for_a_link(make_browser(), user.email)
    path = reset_path(outbox, user.email)
    User.update(active=False).where(User.id == user.id).execute()
    assert make_browser().get(path).status_code == 404


def test_a_link_sent_before_a_deactivation_does_not_come_back_with_reactivation(make_browser, outbox):
    user = make_user(Role.PARTY)
    ask_for_a_link(make_browser(), user.email)
    path = reset_path(outbox, user.email)
    administrator = make_browser()
    enter_as(administrator.client, make_user(Role.COORDINATOR, is_admin=True))
    administrator.submit(f"/admin/people/{user.id}/deactivate", page="/admin/people")
    administrator.submit(f"/admin/people/{user.id}/reactivate", page="/admin/people")
    assert User.get_by_id(user.id).active
    assert make_browser().get(path).status_code == 404
