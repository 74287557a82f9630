"""The headers every page gets, and the ones pages with personal content get."""

import re
from urllib.parse import urlsplit

import pytest

from portal.vocab import Role
from tests.apps import links_in
from tests.conftest import csrf_from, enter_as
from tests.factories import add_party, allocate, make_case, make_user


def directives(csp):
    """{'script-src': ["'self'"], ...} from a Content-Security-Policy header."""
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def vary(response):
    return {value.strip().lower() for value in response.headers.get("Vary", "").split(",")}


def cache_directives(response):
    return {value.strip().lower() for value in response.headers.get("Cache-Control", "").split(",")}


@pytest.fixture
def signed_in_pages(app):
    """(client, path, status) for pages that show a signed-in user something of theirs or a
    case's, with the status the rules give."""
    coordinator = make_user(Role.COORDINATOR, is_admin=True)
    coach, party = make_user(Role.COACH), make_user(Role.PARTY)
    case = make_case()
    allocate(case, coach)
    add_party(case, party)
    return [
        (enter_as(app.test_client(), coordinator), "/coordinator", 200),
        (enter_as(app.test_client(), coordinator), f"/cases/{case.reference}", 200),
        (enter_as(app.test_client(), coordinator), "/admin/people", 200),
        (enter_as(app.test_client(), coach), "/coach", 200),
        (enter_as(app.test_client(), coach), "/account/password", 200),
        (enter_as(app.test_client(), party), "/party", 200),
        # Error pages of a signed-in user are theirs too.
        (enter_as(app.test_client(), party), "/coach", 403),
        (enter_as(app.test_client(), party), "/cases/AC-1999-9999", 404),
    ]


def every_response(app, signed_in_pages):
    anonymous = app.test_client()
    responses = [anonymous.get("/sign-in"), anonymous.get("/password/forgot"),
                 anonymous.get("/no-such-page")]
    responses += [client.get(path) for client, path, _status in signed_in_pages]
    return responses


def test_every_page_has_a_content_security_policy_that_allows_only_our_own_scripts(app, signed_in_pages):
    for response in every_response(app, signed_in_pages):
        csp = directives(response.headers.get("Content-Security-Policy", ""))
        assert csp.get("default-src") == ["'self'"], response.request.path
        scripts = csp.get("script-src", csp["default-src"])
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
        assert csp.get("frame-ancestors") == ["'none'"]
        assert csp.get("object-src") == ["'none'"]


def test_every_page_says_nosniff(app, signed_in_pages):
    for response in every_response(app, signed_in_pages):
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.request.path


def test_every_page_varies_on_hx_request(app, signed_in_pages):
    # A page and its htmx fragment share a URL: a cache must keep them apart.
    for response in every_response(app, signed_in_pages):
        assert "hx-request" in vary(response), response.request.path


def test_signed_in_pages_are_not_stored(signed_in_pages):
    for client, path, status in signed_in_pages:
        response = client.get(path)
        assert response.status_code == status, path
        assert "no-store" in cache_directives(response), path


def test_signed_in_pages_opt_out_of_htmx_history(signed_in_pages):
    client, path, _status = signed_in_pages[0]
    body = client.get(path).get_data(as_text=True)
    assert re.search(r'<body[^>]*hx-history="false"', body)


def test_an_htmx_fragment_is_not_stored_either(app):
    client = enter_as(app.test_client(), make_user(Role.PARTY))
    response = client.get("/coach", headers={"HX-Request": "true"})
    assert "no-store" in cache_directives(response)
    assert "hx-request" in vary(response)


def test_the_pages_behind_an_emailed_link_are_not_stored(app, outbox):
    """They show the person's name and email to whoever holds the link, without a session."""
    user = make_user(Role.COACH)
    forgot = app.test_client()
    token = csrf_from(forgot.get("/password/forgot").get_data(as_text=True))
    forgot.post("/password/forgot", data={"csrf_token": token, "email": user.email})
    [message] = outbox()
    path = urlsplit(links_in(message)[0]).path
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert "no-store" in cache_directives(response)
