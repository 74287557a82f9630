"""Who reaches what: each role's home, the case page, htmx without a session, and CSRF."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.models import SignInSession, User
from portal.vocab import Role
from tests.conftest import csrf_from, enter_as
from tests.factories import add_party, allocate, make_case, make_user

HOMES = {Role.PARTY: "/party", Role.COACH: "/coach", Role.COORDINATOR: "/coordinator"}


def assert_sent_to_sign_in(response, wanted=None):
    assert response.status_code == 303, response.status
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    if wanted:
        assert parse_qs(location.query)["next"][0].startswith(wanted)


# --- home pages -------------------------------------------------------------------------------

@pytest.mark.parametrize("page_role", Role)
@pytest.mark.parametrize("user_role", Role)
def test_each_home_page_is_for_its_own_role_only(app, user_role, page_role):
    client = enter_as(app.test_client(), make_user(user_role))
    response = client.get(HOMES[page_role])
    assert response.status_code == (200 if user_role == page_role else 403)


@pytest.mark.parametrize("role", Role)
def test_the_front_door_sends_each_role_to_its_home(app, role):
    response = enter_as(app.test_client(), make_user(role)).get("/")
    assert urlsplit(response.headers["Location"]).path == HOMES[role]


@pytest.mark.parametrize("path", list(HOMES.values()))
def test_a_home_page_sends_an_anonymous_visitor_to_sign_in(client, path):
    assert_sent_to_sign_in(client.get(path), wanted=path)


@pytest.mark.parametrize("role", Role)
def test_a_deactivated_users_session_counts_for_nothing(app, role):
    user = make_user(role)
    client = enter_as(app.test_client(), user)
    assert client.get(HOMES[role]).status_code == 200
    User.update(active=False).where(User.id == user.id).execute()
    assert_sent_to_sign_in(client.get(HOMES[role]))


# --- the case page ----------------------------------------------------------------------------

@pytest.fixture
def case_world(app):
    """A case with two parties and a coach, and people with every other relation to it."""
    case = make_case()
    other_case = make_case()
    people = {
        "coordinator": make_user(Role.COORDINATOR),
        "allocated coach": make_user(Role.COACH),
        "coach taken off the case": make_user(Role.COACH),
        "coach of another case": make_user(Role.COACH),
        "party on the case": make_user(Role.PARTY),
        "party on another case": make_user(Role.PARTY),
    }
    allocate(case, people["allocated coach"])
    allocate(case, people["coach taken off the case"], ended=True)
    allocate(other_case, people["coach of another case"])
    add_party(case, people["party on the case"])
    add_party(case, name="A party with no account")
    add_party(other_case, people["party on another case"])
    return case, people


CASE_PAGE_ANSWERS = {
    "coordinator": 200,
    "allocated coach": 200,
    "coach taken off the case": 404,
    "coach of another case": 404,
    # A party may see that their case exists, but the staff page is not theirs.
    "party on the case": 403,
    "party on another case": 404,
}


@pytest.mark.parametrize("who", CASE_PAGE_ANSWERS)
def test_the_staff_case_page_answers_by_relation(app, case_world, who):
    case, people = case_world
    response = enter_as(app.test_client(), people[who]).get(f"/cases/{case.reference}")
    assert response.status_code == CASE_PAGE_ANSWERS[who]


@pytest.mark.parametrize("who", CASE_PAGE_ANSWERS)
def test_an_unknown_case_reference_is_not_found_for_anyone(app, case_world, who):
    _, people = case_world
    assert enter_as(app.test_client(), people[who]).get("/cases/AC-1999-9999").status_code == 404


def test_a_case_that_is_not_visible_looks_the_same_as_one_that_does_not_exist(app, case_world):
    case, people = case_world
    client = enter_as(app.test_client(), people["coach of another case"])
    hidden = client.get(f"/cases/{case.reference}")
    missing = client.get("/cases/AC-1999-9999")
    assert hidden.status_code == missing.status_code == 404
    # The sign-out form's CSRF token carries the second it was signed: two pages a second apart
    # differ there and nowhere else.
    assert _without_csrf(hidden) == _without_csrf(missing)
    assert case.reference not in hidden.get_data(as_text=True)


def _without_csrf(response):
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', response.get_data(as_text=True))


def test_the_case_page_sends_an_anonymous_visitor_to_sign_in(client, case_world):
    case, _ = case_world
    assert_sent_to_sign_in(client.get(f"/cases/{case.reference}"), wanted=f"/cases/{case.reference}")


# --- htmx without a session -------------------------------------------------------------------

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("path", ["/party", "/coach", "/coordinator", "/admin/people",
                                  "/cases/AC-2026-0001", "/account/password"])
def test_an_htmx_request_without_a_session_gets_hx_redirect_to_sign_in(client, path):
    response = client.get(path, headers=HTMX)
    # Not a 3xx: the browser would follow that itself and htmx would swap the sign-in page
    # into whatever part of the page asked.
    assert response.status_code == 204
    assert urlsplit(response.headers["HX-Redirect"]).path == "/sign-in"
    assert response.get_data(as_text=True).strip() == ""


def test_an_htmx_request_that_is_not_allowed_gets_a_fragment_not_a_page(app):
    client = enter_as(app.test_client(), make_user(Role.PARTY))
    response = client.get("/coach", headers=HTMX)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<body" not in body
    assert body.strip()


# --- CSRF ---------------------------------------------------------------------------------------

def test_a_post_without_the_token_is_refused_and_saves_nothing(app, outbox):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    client = enter_as(app.test_client(), admin)
    before = User.select().count()
    response = client.post("/admin/people/invite", data={
        "name": "Iris Novak", "email": "iris@example.org", "role": Role.COACH})
    assert response.status_code == 400
    assert User.select().count() == before
    assert outbox() == []


def test_a_post_with_a_wrong_token_is_refused(app):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    client = enter_as(app.test_client(), admin)
    response = client.post("/admin/people/invite", data={
        "csrf_token": "not-the-token", "name": "Iris Novak", "email": "iris@example.org",
        "role": Role.COACH})
    assert response.status_code == 400
    assert not User.by_email("iris@example.org").exists()


def test_a_token_from_another_session_is_refused(app):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    someone_else = enter_as(app.test_client(), make_user(Role.COACH))
    foreign_token = csrf_from(someone_else.get("/coach").get_data(as_text=True))
    response = enter_as(app.test_client(), admin).post("/admin/people/invite", data={
        "csrf_token": foreign_token, "name": "Iris Novak", "email": "iris@example.org",
        "role": Role.COACH})
    assert response.status_code == 400
    assert not User.by_email("iris@example.org").exists()


def test_signing_out_without_the_token_is_refused(app):
    user = make_user(Role.COACH)
    client = enter_as(app.test_client(), user)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/coach").status_code == 200
    assert SignInSession.get(SignInSession.user == user.id).ended_at is None


def test_the_token_also_works_as_the_header_htmx_sends(app):
    user = make_user(Role.COACH)
    client = enter_as(app.test_client(), user)
    token = csrf_from(client.get("/coach").get_data(as_text=True))
    response = client.post("/sign-out", headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 204
    assert urlsplit(response.headers["HX-Redirect"]).path == "/sign-in"
    assert_sent_to_sign_in(client.get("/coach"))


def test_an_administrator_acting_on_an_unknown_person_gets_404(app):
    client = enter_as(app.test_client(), make_user(Role.COORDINATOR, is_admin=True))
    token = csrf_from(client.get("/admin/people").get_data(as_text=True))
    assert client.post("/admin/people/987654/deactivate", data={"csrf_token": token}).status_code == 404


def test_after_signing_in_htmx_brings_the_person_back_to_the_page_not_the_fragment(client, case_world):
    case, _ = case_world
    response = client.get(f"/cases/{case.reference}", headers={
        **HTMX, "HX-Current-URL": "http://localhost/coordinator?page=2"})
    location = urlsplit(response.headers["HX-Redirect"])
    assert parse_qs(location.query)["next"] == ["/coordinator?page=2"]


def test_htmx_never_carries_another_sites_address_into_next(client):
    response = client.get("/coach", headers={**HTMX, "HX-Current-URL": "https://evil.example/coach"})
    location = urlsplit(response.headers["HX-Redirect"])
    assert "evil.example" not in parse_qs(location.query).get("next", [""])[0]
