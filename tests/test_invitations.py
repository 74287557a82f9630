"""Accounts are made by invitation: who may invite, the emailed link, and the password it sets."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from portal.models import AccountToken, User
from portal.vocab import Role
from tests.apps import error_summary, field_errors, links_in, read_form
from tests.conftest import csrf_from, enter_as, sign_in
from tests.factories import make_user

INVITE = "/admin/people/invite"
PEOPLE = "/admin/people"
GOOD_PASSWORD = "copper kettle under the stairs"
NAME, EMAIL = "Rosalind Okafor", "rosalind.okafor@example.org"


@pytest.fixture
def admin(app):
    return make_user(Role.COORDINATOR, is_admin=True)


@pytest.fixture
def admin_browser(make_browser, admin):
    browser = make_browser()
    enter_as(browser.client, admin)
    return browser


def invite(browser, **fields):
    data = {"name": NAME, "email": EMAIL, "role": Role.COACH, **fields}
    return browser.submit(INVITE, {k: v for k, v in data.items() if v is not None})


def emails_to(outbox, address):
    return [m for m in outbox() if m["To"] == address]


def invitation_path(outbox, address=EMAIL):
    """The path of the one invitation link emailed to `address` most recently."""
    messages = emails_to(outbox, address)
    assert messages, f"no email to {address}"
    links = links_in(messages[-1])
    assert len(links) == 1, links
    return urlsplit(links[0]).path


def set_password(browser, path, password=GOOD_PASSWORD, confirm=None):
    return browser.submit(path, {"password": password,
                                 "confirm": password if confirm is None else confirm})


def invited_user(email=EMAIL):
    return User.by_email(email).get()


# --- who may invite ---------------------------------------------------------------------------

NOT_ADMINISTRATORS = {
    "party": dict(role=Role.PARTY),
    "coach": dict(role=Role.COACH),
    "coordinator": dict(role=Role.COORDINATOR),
    "safeguarding lead": dict(role=Role.COORDINATOR, is_safeguarding_lead=True),
    "a coach marked admin by mistake": dict(role=Role.COACH, is_admin=True),
}


@pytest.mark.parametrize("path", [PEOPLE, INVITE])
@pytest.mark.parametrize("who", NOT_ADMINISTRATORS)
def test_only_an_administrator_sees_the_people_pages(browser, path, who):
    enter_as(browser.client, make_user(**NOT_ADMINISTRATORS[who]))
    assert browser.get(path).status_code == 403


@pytest.mark.parametrize("path", [PEOPLE, INVITE])
def test_an_administrator_sees_the_people_pages(admin_browser, admin, path):
    response = admin_browser.get(path)
    assert response.status_code == 200
    if path == PEOPLE:
        assert admin.email in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [PEOPLE, INVITE])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


@pytest.mark.parametrize("who", NOT_ADMINISTRATORS)
def test_someone_who_is_not_an_administrator_cannot_invite(browser, outbox, who):
    enter_as(browser.client, make_user(**NOT_ADMINISTRATORS[who]))
    token = csrf_from(_any_page_with_token(browser))
    response = browser.client.post(INVITE, data={"csrf_token": token, "name": NAME, "email": EMAIL,
                                                 "role": Role.COORDINATOR, "admin": "y"})
    assert response.status_code == 403
    assert not User.by_email(EMAIL).exists()
    assert outbox() == []


def _any_page_with_token(browser):
    """A signed-in user's page carries the token in its sign-out form."""
    return browser.get("/", follow_redirects=True).get_data(as_text=True)


def test_an_anonymous_visitor_cannot_invite(client, outbox):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(INVITE, data={"csrf_token": token, "name": NAME, "email": EMAIL,
                                         "role": Role.COACH})
    assert response.status_code == 303
    assert not User.by_email(EMAIL).exists()
    assert outbox() == []


# --- inviting ---------------------------------------------------------------------------------

def test_the_invitation_form_has_labelled_fields(admin_browser):
    labelled, buttons = read_form(admin_browser.get(INVITE).get_data(as_text=True))
    assert {"Full name", "Email"} <= set(labelled)
    assert buttons


def test_inviting_creates_the_account_with_its_role_and_emails_a_link(admin_browser, outbox):
    response = invite(admin_browser, email="  Rosalind.Okafor@Example.ORG ", role=Role.PARTY)
    assert response.status_code == 303
    user = invited_user()
    assert (user.name, user.email, user.role) == (NAME, EMAIL, Role.PARTY)
    assert user.password_hash is None
    assert user.active
    assert not user.is_admin and not user.is_safeguarding_lead
    messages = outbox()
    assert [m["To"] for m in messages] == [EMAIL]
    assert messages[0]["Subject"]
    path = invitation_path(outbox)
    assert path.startswith("/invitation/")
    # Only a hash of the link's secret is kept: a copy of the database opens no account.
    secret = path.rsplit("/", 1)[1]
    token = AccountToken.get(AccountToken.user == user.id)
    assert token.token_hash != secret
    assert secret not in token.token_hash


def test_the_people_page_shows_an_invited_person(admin_browser):
    invite(admin_browser)
    page = admin_browser.get(PEOPLE).get_data(as_text=True)
    assert NAME in page and EMAIL in page


def test_a_coordinator_can_be_invited_with_the_safeguarding_and_admin_duties(admin_browser):
    response = invite(admin_browser, role=Role.COORDINATOR, safeguarding_lead="y", admin="y")
    assert response.status_code == 303
    user = invited_user()
    assert user.role == Role.COORDINATOR
    assert user.is_safeguarding_lead and user.is_admin


@pytest.mark.parametrize("duty", ["safeguarding_lead", "admin"])
@pytest.mark.parametrize("role", [Role.PARTY, Role.COACH])
def test_the_duties_are_for_coordinators_only(admin_browser, outbox, role, duty):
    response = invite(admin_browser, role=role, **{duty: "y"})
    assert response.status_code == 422
    assert duty in field_errors(response.get_data(as_text=True))
    assert error_summary(response.get_data(as_text=True))
    assert not User.by_email(EMAIL).exists()
    assert outbox() == []


def test_an_email_that_already_has_an_account_is_refused(admin_browser, outbox):
    make_user(Role.PARTY, email=EMAIL)
    response = invite(admin_browser, email=" " + EMAIL.upper())
    assert response.status_code == 422
    message = field_errors(response.get_data(as_text=True)).get("email", "")
    assert "already" in message
    assert User.select().where(User.email == EMAIL).count() == 1
    assert outbox() == []


@pytest.mark.parametrize("fields, field", [
    ({"name": ""}, "name"),
    ({"email": ""}, "email"),
    ({"email": "not an email address"}, "email"),
    ({"role": None}, "role"),
    ({"role": "superuser"}, "role"),
])
def test_a_bad_invitation_says_what_is_wrong_and_saves_nothing(admin_browser, outbox, fields, field):
    before = User.select().count()
    response = invite(admin_browser, **fields)
    assert response.status_code == 422
    assert field in field_errors(response.get_data(as_text=True))
    assert User.select().count() == before
    assert outbox() == []


# --- accepting ----------------------------------------------------------------------------------

def test_the_link_lets_the_person_choose_a_password_and_signs_them_in(app, admin_browser, outbox,
                                                                      make_browser):
    invite(admin_browser, role=Role.COACH)
    newcomer = make_browser()
    page = newcomer.get(invitation_path(outbox))
    assert page.status_code == 200
    labelled, _ = read_form(page.get_data(as_text=True))
    assert {labelled[label]["type"] for label in labelled} == {"password"}

    response = set_password(newcomer, invitation_path(outbox))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/sign-in/set-up")  # staff set up a second factor
    set_up = newcomer.enter_code(EMAIL)
    assert set_up.status_code == 200
    assert set_up.get_data(as_text=True).count("<li><code>") == 10  # the recovery codes, once
    assert newcomer.get("/", follow_redirects=True).request.path == "/coach"
    assert invited_user().password_hash is not None
    assert sign_in(app.test_client(), EMAIL, GOOD_PASSWORD).status_code == 303


def test_the_link_works_once(app, admin_browser, outbox, make_browser):
    invite(admin_browser)
    path = invitation_path(outbox)
    set_password(make_browser(), path)
    again = make_browser()
    assert again.get(path).status_code == 404
    token = csrf_from(again.get("/sign-in").get_data(as_text=True))
    response = again.client.post(path, data={"csrf_token": token, "password": "another good passphrase",
                                             "confirm": "another good passphrase"})
    assert response.status_code == 404
    assert sign_in(app.test_client(), EMAIL, GOOD_PASSWORD).status_code == 303
    assert sign_in(app.test_client(), EMAIL, "another good passphrase").status_code == 422


def test_an_unknown_link_does_not_work(client):
    assert client.get("/invitation/not-a-token-anyone-was-sent").status_code == 404


def _post_after_travel(app, path):
    client = app.test_client()
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client, client.post(path, data={"csrf_token": token, "password": GOOD_PASSWORD,
                                           "confirm": GOOD_PASSWORD})


def test_the_link_expires(app, admin_browser, outbox):
    invite(admin_browser)
    path = invitation_path(outbox)
    lifetime = app.config["INVITATION_LIFETIME"]
    with time_machine.travel(datetime.now(UTC) + lifetime + timedelta(minutes=1), tick=False):
        client, response = _post_after_travel(app, path)
        assert client.get(path).status_code == 404
    assert response.status_code == 404
    assert invited_user().password_hash is None


def test_the_link_still_works_just_before_it_expires(app, admin_browser, outbox):
    invite(admin_browser)
    path = invitation_path(outbox)
    lifetime = app.config["INVITATION_LIFETIME"]
    with time_machine.travel(datetime.now(UTC) + lifetime - timedelta(minutes=1), tick=False):
        _, response = _post_after_travel(app, path)
    assert response.status_code == 303
    assert invited_user().password_hash is not None


@pytest.mark.parametrize("password, field, words", [
    ("short-pass1", "password", ["12"]),
    ("", "password", []),
    ("password1234", "password", ["common"]),
    ("qwertyuiop12", "password", ["common"]),
    ("Password1234!", "password", ["common"]),
    ("aaaaaaaaaaaaaaaa", "password", ["common"]),
    ("rosalind-plays-chess", "password", ["name"]),
    ("my surname is okafor", "password", ["name"]),
    ("rosalind.okafor@example.org", "password", ["email"]),
])
def test_a_password_that_breaks_a_rule_is_refused_with_a_reason(admin_browser, outbox, make_browser,
                                                                 password, field, words):
    invite(admin_browser)
    newcomer = make_browser()
    response = set_password(newcomer, invitation_path(outbox), password)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    message = field_errors(html).get(field, "")
    assert message, f"no message next to the {field} field"
    assert all(word in message.lower() for word in words), message
    assert error_summary(html)
    assert invited_user().password_hash is None
    # Nothing was spent either: the same link still works with a good password.
    assert set_password(newcomer, invitation_path(outbox)).status_code == 303


def test_the_repeated_password_must_match(admin_browser, outbox, make_browser):
    invite(admin_browser)
    response = set_password(make_browser(), invitation_path(outbox), GOOD_PASSWORD,
                            confirm=GOOD_PASSWORD + " but different")
    assert response.status_code == 422
    assert "confirm" in field_errors(response.get_data(as_text=True))
    assert invited_user().password_hash is None


def test_a_part_of_a_hyphenated_name_counts_as_the_name(admin_browser, outbox, make_browser):
    invite(admin_browser, name="Anne-Marie Dubois", email="amd@example.org")
    response = set_password(make_browser(), invitation_path(outbox, "amd@example.org"),
                            "marie-and-the-garden-gate")
    assert response.status_code == 422
    assert "name" in field_errors(response.get_data(as_text=True)).get("password", "")


def test_a_link_for_a_deactivated_account_does_not_work(admin_browser, outbox, make_browser):
    invite(admin_browser)
    user = invited_user()
    admin_browser.submit(f"/admin/people/{user.id}/deactivate", page=PEOPLE)
    assert make_browser().get(invitation_path(outbox)).status_code == 404


# --- inviting again ---------------------------------------------------------------------------

def reinvite(admin_browser, user):
    return admin_browser.submit(f"/admin/people/{user.id}/reinvite", page=PEOPLE)


def test_a_new_invitation_replaces_the_old_link(admin_browser, outbox, make_browser):
    invite(admin_browser)
    first = invitation_path(outbox)
    response = reinvite(admin_browser, invited_user())
    assert response.status_code == 303
    assert len(emails_to(outbox, EMAIL)) == 2
    second = invitation_path(outbox)
    assert second != first
    assert make_browser().get(first).status_code == 404
    assert set_password(make_browser(), second).status_code == 303


def test_someone_who_has_set_a_password_is_not_invited_again(admin_browser, outbox):
    member = make_user(Role.COACH)
    reinvite(admin_browser, member)
    assert emails_to(outbox, member.email) == []
    assert not AccountToken.select().where(AccountToken.user == member.id).exists()


def test_a_deactivated_account_is_not_invited_again(admin_browser, outbox):
    invite(admin_browser)
    user = invited_user()
    admin_browser.submit(f"/admin/people/{user.id}/deactivate", page=PEOPLE)
    reinvite(admin_browser, user)
    assert len(emails_to(outbox, EMAIL)) == 1
