"""Each role signs in and lands on its own home page."""

import pytest

from portal.vocab import Role
from tests.factories import make_user

HOMES = {
    Role.PARTY: ("/party", "Your sessions and action points"),
    Role.COACH: ("/coach", "Your diary and to-do"),
    Role.COORDINATOR: ("/coordinator", "Referrals, cases and safeguarding"),
}


@pytest.mark.parametrize("role", Role)
def test_each_role_lands_on_its_home_page(browser, role):
    user = make_user(role)
    response = browser.sign_in(user)
    assert response.headers["Location"] == "/"
    home = browser.get("/", follow_redirects=True)
    path, heading = HOMES[role]
    assert home.request.path == path
    assert f"<h1>{heading}</h1>" in home.get_data(as_text=True)
