"""The case the agreements tests share (test_agreements.py, test_rough_edges.py): the `w`
fixture, which conftest.py registers."""

from types import SimpleNamespace

import pytest

from portal.vocab import ConsentState, Role
from tests.conftest import Browser
from tests.factories import add_party, allocate, make_case, make_user


@pytest.fixture
def w(app):
    """A mediation case with two coaches, Alex and Bea (consent given, with accounts), a
    coordinator, and another case whose party and coach must never see any of it."""
    w = SimpleNamespace(app=app)
    w.coach = make_user(Role.COACH, name="Priya Shah")
    w.other_coach = make_user(Role.COACH, name="Tom Reed")
    w.coordinator = make_user(Role.COORDINATOR, name="Dev Patel")
    w.alex_user = make_user(Role.PARTY, name="Alex Morgan")
    w.bea_user = make_user(Role.PARTY, name="Bea Lewis")
    w.outsider_user = make_user(Role.PARTY, name="Olu Else")
    w.outsider_coach = make_user(Role.COACH, name="Una Byrne")
    w.case = make_case()
    allocate(w.case, w.coach)
    allocate(w.case, w.other_coach)
    w.alex = add_party(w.case, w.alex_user, consent_state=ConsentState.GIVEN)
    w.bea = add_party(w.case, w.bea_user, consent_state=ConsentState.GIVEN)
    elsewhere = make_case()
    allocate(elsewhere, w.outsider_coach)
    add_party(elsewhere, w.outsider_user, consent_state=ConsentState.GIVEN)
    w.as_ = lambda user: Browser(app.test_client()).enter_as(user)
    w.case_url = f"/cases/{w.case.reference}"
    return w
