"""What a party sees of the people and the service: their coaches and the service's phone and
email on every page of theirs (issue 13)."""

import pytest

from portal.vocab import Role
from tests.conftest import enter_as
from tests.factories import add_party, allocate, make_case, make_user


@pytest.fixture
def party_world(app):
    case = make_case()
    coach = make_user(Role.COACH, name="Rosa Current")
    former = make_user(Role.COACH, name="Ivo Former")
    allocate(case, coach)
    allocate(case, former, ended=True)
    party = make_user(Role.PARTY)
    add_party(case, party)
    other_case = make_case()
    stranger = make_user(Role.COACH, name="Una Elsewhere")
    allocate(other_case, stranger)
    return case, coach, party


@pytest.mark.parametrize("path", ["/party", "/action-points", "/shared", "/account/password"])
def test_every_party_page_names_their_coaches_and_how_to_reach_the_service(app, client,
                                                                           party_world, path):
    case, coach, party = party_world
    enter_as(client, party)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your coach: Rosa Current." in html
    assert "Ivo Former" not in html  # allocation ended
    assert "Una Elsewhere" not in html  # another case's coach
    assert app.config["SERVICE_PHONE"] in html
    assert f'href="mailto:{app.config["SERVICE_EMAIL"]}"' in html


def test_the_service_email_is_configurable(monkeypatch):
    from portal.config import TestConfig
    assert TestConfig.SERVICE_EMAIL == "hello@accord.invalid"
    monkeypatch.setenv("ACCORD_SERVICE_EMAIL", "help@example.test")
    assert TestConfig.SERVICE_EMAIL == "help@example.test"


def test_a_party_without_a_coach_is_told_so(app, client):
    case = make_case()
    party = make_user(Role.PARTY)
    add_party(case, party)
    enter_as(client, party)
    html = client.get("/party").get_data(as_text=True)
    assert "A coach has not been given your case yet." in html


def test_staff_pages_do_not_show_the_party_block(app, client, party_world):
    case, coach, party = party_world
    enter_as(client, coach)
    html = client.get("/coach").get_data(as_text=True)
    assert 'id="service-contact"' not in html
