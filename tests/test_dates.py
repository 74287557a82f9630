"""Dates as people in the UK write them (21/11/2026), in hints, errors and typed input; and
"today" is the service's day, not the server's."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from portal.models import ConsentEvent
from tests.test_case_lifecycle import consent_url, mediation_case

# 23:30 UTC on 30 June is already 1 July in London (summer time): the server's day and the
# service's day differ.
LATE_IN_JUNE_UTC = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)


@pytest.fixture
def world(make_browser):
    """The case lifecycle tests' case: its consent and action point forms take dates."""
    return mediation_case(make_browser)


def signed_in_then(world, make_browser):
    """The coordinator, signed in at the travelled-to moment (a session from another time is
    not one the app accepts)."""
    return make_browser(world["coordinator"])


def test_consent_given_today_in_the_service_s_day_is_not_in_the_future(world, make_browser):
    case, alex = world["case"], world["alex"]
    with time_machine.travel(LATE_IN_JUNE_UTC, tick=False):
        staff = signed_in_then(world, make_browser)
        response = staff.submit(consent_url(case, alex),
                                {"state": "given", "occurred_on": "2026-07-01", "method": "phone"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert ConsentEvent.get().occurred_on == date(2026, 7, 1)


def test_the_consent_form_starts_at_the_service_s_day(world, make_browser):
    case, alex = world["case"], world["alex"]
    with time_machine.travel(LATE_IN_JUNE_UTC, tick=False):
        staff = signed_in_then(world, make_browser)
        html = staff.get(consent_url(case, alex)).get_data(as_text=True)
    assert 'value="2026-07-01"' in html


def test_a_date_typed_the_uk_way_is_read_and_a_bad_one_is_asked_for_the_uk_way(world, make_browser):
    case, alex = world["case"], world["alex"]
    with time_machine.travel(LATE_IN_JUNE_UTC, tick=False):
        staff = signed_in_then(world, make_browser)
        response = staff.submit(consent_url(case, alex),
                                {"state": "given", "occurred_on": "29/06/2026", "method": "phone"})
        assert response.status_code == 303
        assert ConsentEvent.get().occurred_on == date(2026, 6, 29)
        refused = staff.submit(consent_url(case, alex),
                               {"state": "given", "occurred_on": "June the 29th", "method": "phone"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter the date, for example 21/11/2026." in html
    assert "2026-11-21" not in html


def test_hints_give_example_dates_the_uk_way(world):
    case, alex, staff = world["case"], world["alex"], world["staff"]
    html = staff.get(f"/cases/{case.reference}/parties/{alex.id}/action-points/new").get_data(as_text=True)
    assert "A date, for example 21/11/2026. Leave it empty for no date." in html
