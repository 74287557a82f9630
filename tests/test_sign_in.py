"""Signing in: the form, one answer for every failure, the session cookie, and where it leads."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from portal.config import ProductionConfig
from portal.vocab import Role
from tests.apps import (
    build_app_on,
    closing_database,
    cookie_attributes,
    error_summary,
    field_errors,
    read_form,
    set_cookie_headers,
)
from tests.conftest import csrf_from, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user


def is_signed_in(client):
    """A protected page answers instead of sending the visitor to sign in."""
    return client.get("/", follow_redirects=True).request.path != "/sign-in"


def test_the_sign_in_page_has_labelled_email_and_password_fields_and_a_sign_in_button(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    labelled, buttons = read_form(response.get_data(as_text=True))
    assert labelled["Email"]["name"] == "email"
    assert labelled["Email"]["type"] == "email"
    assert labelled["Password"]["name"] == "password"
    assert labelled["Password"]["type"] == "password"
    assert "Sign in" in buttons


def test_signing_in_with_the_right_password_works(browser, client):
    user = make_user(Role.COACH)
    assert not is_signed_in(client)
    browser.sign_in(user)
    assert is_signed_in(client)


@pytest.fixture
def failures(app):
    """One failed sign-in of every kind: (email tried, client, response)."""
    known = make_user(Role.COACH)
    inactive = make_user(Role.COACH, active=False)
    invited = make_user(Role.PARTY, password=None)
    attempts = {
        "wrong password": (known.email, "not-the-right-password"),
        "unknown email": ("nobody-by-this-name@example.test", DEFAULT_PASSWORD),
        "inactive account": (inactive.email, DEFAULT_PASSWORD),
        "invited, no password yet": (invited.email, DEFAULT_PASSWORD),
    }
    results = {}
    for kind, (email, password) in attempts.items():
        client = app.test_client()
        results[kind] = (email, client, sign_in(client, email, password))
    return results


def _normalised(html, email):
    html = html.replace(email, "EMAIL")
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+|("X-CSRFToken": ")[^"]+', r"\1\2TOKEN", html)


def test_every_failed_sign_in_gets_the_same_page_and_status(failures):
    statuses = {kind: response.status_code for kind, (_, _, response) in failures.items()}
    assert len(set(statuses.values())) == 1, statuses
    assert 400 <= next(iter(statuses.values())) < 500
    pages = {kind: _normalised(response.get_data(as_text=True), email)
             for kind, (email, _, response) in failures.items()}
    summaries = {kind: error_summary(page) for kind, page in pages.items()}
    assert all(summaries.values()), "each failure shows a message at the top of the form"
    assert len(set(summaries.values())) == 1, summaries
    # Not only the message: the whole page is the same, so nothing else gives the account away.
    assert len(set(pages.values())) == 1


def test_a_failed_sign_in_leaves_the_visitor_signed_out(failures):
    for kind, (_, client, _) in failures.items():
        assert not is_signed_in(client), kind


@pytest.mark.parametrize("data, field", [
    ({"email": "", "password": DEFAULT_PASSWORD}, "email"),
    ({"email": "someone@example.test", "password": ""}, "password"),
])
def test_an_empty_field_is_named_next_to_it(browser, data, field):
    response = browser.submit("/sign-in", data)
    assert response.status_code == 422
    assert field in field_errors(response.get_data(as_text=True))


def test_the_session_cookie_is_http_only_and_same_site_lax(browser):
    response = browser.sign_in(make_user())
    attributes = cookie_attributes(set_cookie_headers(response)["session"])
    assert attributes.get("httponly") is True
    assert attributes.get("samesite") == "Lax"


def test_under_the_production_settings_the_session_cookie_is_also_secure(tmp_path, database_url):
    with closing_database():
        app = build_app_on(ProductionConfig, tmp_path, database_url,
                           SECRET_KEY="a-production-secret-for-this-test-only")
        user = make_user(Role.COORDINATOR)
        client = app.test_client()
        # Over HTTPS, Flask-WTF also wants a same-site Referer, as a browser sends.
        response = sign_in(client, user.email, DEFAULT_PASSWORD, base_url="https://localhost",
                           headers={"Referer": "https://localhost/sign-in"})
        assert response.status_code == 303
        attributes = cookie_attributes(set_cookie_headers(response)["session"])
        assert attributes.get("secure") is True
        assert attributes.get("httponly") is True
        assert attributes.get("samesite") == "Lax"


def test_the_session_is_renewed_at_sign_in(browser, client):
    user = make_user()
    page_before = browser.get("/sign-in").get_data(as_text=True)
    with client.session_transaction() as session:
        session["planted_before_sign_in"] = "a value someone else may know"
    browser.sign_in(user)
    with client.session_transaction() as session:
        assert session.get("_user_id", "").startswith(f"{user.id}.")
        assert "planted_before_sign_in" not in session
    # The form token from before sign-in belongs to the old session, so it no longer works.
    stale = client.post("/sign-out", data={"csrf_token": csrf_from(page_before)})
    assert stale.status_code == 400
    assert is_signed_in(client)


def test_a_protected_page_sends_the_visitor_to_sign_in_and_back(browser, client):
    user = make_user(Role.COACH)
    response = client.get("/coach")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert urlsplit(location).path == "/sign-in"
    response = browser.submit(location, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/sign-in/code"
    response = browser.enter_code(user.email)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/coach"


def test_next_is_followed_for_a_local_path(browser):
    user = make_user(Role.COORDINATOR)
    browser.submit("/sign-in?next=/admin/people", {"email": user.email, "password": DEFAULT_PASSWORD})
    response = browser.enter_code(user.email)
    assert response.headers["Location"] == "/admin/people"


def where_a_browser_goes(location, from_url="http://localhost/sign-in"):
    """The address a browser would open for this Location: it drops tabs and newlines and reads a
    backslash as a slash before it resolves the address against the current page."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urljoin(from_url, cleaned)


@pytest.mark.parametrize("target", [
    "//evil.example",
    "https://evil.example",
    "https://evil.example/sign-in",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
])
def test_next_never_leads_to_another_site(browser, target):
    user = make_user(Role.COACH)
    page = browser.get("/sign-in", query_string={"next": target}).get_data(as_text=True)
    browser.client.post("/sign-in", query_string={"next": target}, data={
        "csrf_token": csrf_from(page), "email": user.email, "password": DEFAULT_PASSWORD})
    response = browser.enter_code(user.email)
    assert response.status_code == 303
    destination = urlsplit(where_a_browser_goes(response.headers["Location"]))
    assert destination.scheme == "http"
    assert destination.netloc == "localhost"
    assert is_signed_in(browser.client)


def test_a_signed_in_user_who_opens_the_sign_in_page_goes_home(browser, client):
    browser.sign_in(make_user(Role.PARTY))
    response = client.get("/sign-in")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
