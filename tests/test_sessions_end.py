"""Signing out ends that session; a password change and deactivation end every session of that user.

Each test copies a session cookie while it works, does the thing, then replays the copy in a
fresh client: the copy must be refused. Replaying it before the action too shows that the copy
was a working one, so a refusal afterwards is the action's doing.
"""

from urllib.parse import urlsplit

import pytest

from portal.models import User
from portal.vocab import Role
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

HOMES = {Role.PARTY: "/party", Role.COACH: "/coach", Role.COORDINATOR: "/coordinator"}
NEW_PASSWORD = "plum orchard lantern river"


def session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app, cookie_value, path):
    """GET `path` from a client that has nothing but a copy of the cookie, sent by hand (a client
    with a cookie jar would replace the header with the jar's contents)."""
    client = app.test_client(use_cookies=False)
    return client.get(path, headers={"Cookie": f"session={cookie_value}"})


def sign_out(browser, home):
    """Press "Sign out" on a page that has the button (the conftest helper's page is a redirect)."""
    return browser.submit("/sign-out", page=home)


def assert_accepted(app, cookie_value, path):
    response = replay(app, cookie_value, path)
    assert response.status_code == 200, f"the copied cookie should work before the action: {response.status}"


def assert_refused(app, cookie_value, path):
    response = replay(app, cookie_value, path)
    assert response.status_code == 303, response.status
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


@pytest.mark.parametrize("role", Role)
def test_signing_out_refuses_a_copy_of_the_old_cookie(app, browser, role):
    user = make_user(role)
    browser.sign_in(user)
    copy = session_cookie(browser.client)
    assert_accepted(app, copy, HOMES[role])
    response = sign_out(browser, HOMES[role])
    assert response.status_code == 303
    assert_refused(app, copy, HOMES[role])
    assert browser.get(HOMES[role]).status_code == 303


def test_signing_out_in_one_place_ends_that_session_only(app, make_browser):
    """Each sign-in is its own session (issue 16): signing out on the laptop ends the laptop's,
    every copy of its cookie; the phone's goes on (the account page ends the others)."""
    user = make_user(Role.COACH)
    laptop, phone = make_browser(), make_browser()
    laptop.sign_in(user)
    phone.sign_in(user)
    laptop_copy = session_cookie(laptop.client)
    sign_out(laptop, "/coach")
    assert laptop.get("/coach").status_code == 303
    assert_refused(app, laptop_copy, "/coach")
    assert phone.get("/coach").status_code == 200


def test_signing_out_one_user_leaves_other_users_signed_in(app, make_browser):
    leaving, staying = make_user(Role.COACH), make_user(Role.COACH)
    first, second = make_browser(), make_browser()
    first.sign_in(leaving)
    second.sign_in(staying)
    sign_out(first, "/coach")
    assert second.get("/coach").status_code == 200


def change_password(browser, current=DEFAULT_PASSWORD, new=NEW_PASSWORD):
    return browser.submit("/account/password",
                          {"current_password": current, "password": new, "confirm": new})


def test_a_password_change_ends_every_other_session(app, make_browser):
    user = make_user(Role.PARTY)
    here, elsewhere = make_browser(), make_browser()
    here.sign_in(user)
    elsewhere.sign_in(user)
    here_before = session_cookie(here.client)
    elsewhere_copy = session_cookie(elsewhere.client)
    assert_accepted(app, here_before, "/party")
    assert_accepted(app, elsewhere_copy, "/party")

    response = change_password(here)
    assert response.status_code == 303

    assert_refused(app, elsewhere_copy, "/party")
    assert elsewhere.get("/party").status_code == 303
    # The cookie this browser had before the change is a copy like any other...
    assert_refused(app, here_before, "/party")
    # ...but the browser that made the change carries on with its new session.
    assert here.get("/party").status_code == 200


def test_after_a_password_change_only_the_new_password_signs_in(app, browser):
    user = make_user(Role.COACH)
    browser.sign_in(user)
    change_password(browser)
    assert sign_in(app.test_client(), user.email, DEFAULT_PASSWORD).status_code == 422
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 303


def test_a_failed_password_change_changes_nothing(app, make_browser):
    user = make_user(Role.COACH)
    here, elsewhere = make_browser(), make_browser()
    here.sign_in(user)
    elsewhere.sign_in(user)
    response = change_password(here, current="not-my-password-at-all")
    assert response.status_code == 422
    assert User.get_by_id(user.id).password_hash == user.password_hash
    assert elsewhere.get("/coach").status_code == 200


def test_deactivation_by_an_administrator_ends_the_users_sessions(app, make_browser):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    user = make_user(Role.COACH)
    theirs, administrators = make_browser(), make_browser()
    theirs.sign_in(user)
    copy = session_cookie(theirs.client)
    assert_accepted(app, copy, "/coach")

    administrators.sign_in(admin)
    response = administrators.submit(f"/admin/people/{user.id}/deactivate", page="/admin/people")
    assert response.status_code == 303

    assert not User.get_by_id(user.id).active
    assert theirs.get("/coach").status_code == 303
    assert_refused(app, copy, "/coach")
    # And they cannot simply sign in again.
    assert sign_in(app.test_client(), user.email, DEFAULT_PASSWORD).status_code == 422


def test_reactivation_does_not_bring_old_sessions_back(app, make_browser):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    user = make_user(Role.COACH)
    theirs, administrators = make_browser(), make_browser()
    theirs.sign_in(user)
    copy = session_cookie(theirs.client)
    administrators.sign_in(admin)
    administrators.submit(f"/admin/people/{user.id}/deactivate", page="/admin/people")
    administrators.submit(f"/admin/people/{user.id}/reactivate", page="/admin/people")
    assert User.get_by_id(user.id).active
    assert_refused(app, copy, "/coach")
    assert sign_in(app.test_client(), user.email, DEFAULT_PASSWORD).status_code == 303


def test_an_administrator_cannot_deactivate_themselves(app, browser):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    browser.sign_in(admin)
    browser.submit(f"/admin/people/{admin.id}/deactivate", page="/admin/people")
    assert User.get_by_id(admin.id).active
    assert browser.get("/admin/people").status_code == 200
