"""The case list (/cases): who may use it and what each sees, filters, sorts, search by every
kind of key (never finding a case the user may not see), paging, and the htmx fragment."""

import re
from datetime import datetime, timedelta

import pytest

from portal.models import Case, CaseEvent, CaseParty, Referral, SearchTerm, utcnow
from portal.vocab import AgreementState, CaseStatus, ConsentState, Role
from tests.factories import add_party, allocate, make_agreement, make_case, make_session, make_user

HTMX = {"HX-Request": "true"}
ROW_RE = re.compile(r'<tr id="case-row-(\d+)"')


def rows(html):
    return [int(i) for i in ROW_RE.findall(html)]


@pytest.fixture
def coordinator(app):
    return make_user(Role.COORDINATOR, name="Cass Coordinator")


@pytest.fixture
def coach(app):
    return make_user(Role.COACH, name="Cora Coach")



def listing(browser, query="", status=200, **kwargs):
    response = browser.get("/cases" + (f"?{query}" if query else ""), **kwargs)
    assert response.status_code == status
    return response.get_data(as_text=True)


def consenting_case(coach=None, **fields):
    case = make_case(**fields)
    add_party(case, name="Pat Party", consent_state=ConsentState.GIVEN)
    if coach is not None:
        allocate(case, coach)
    return case


# --- who may use it --------------------------------------------------------------------------

def test_coordinators_see_every_case_and_coaches_only_theirs_now(make_browser, coordinator, coach):
    mine, theirs, left = make_case(), make_case(), make_case()
    allocate(mine, coach)
    allocate(left, coach, ended=True)
    assert sorted(rows(listing(make_browser(coordinator)))) == sorted([mine.id, theirs.id, left.id])
    assert rows(listing(make_browser(coach))) == [mine.id]


def test_a_coach_taken_off_a_case_no_longer_finds_it(make_browser, coach):
    case = make_case()
    add_party(case, name="Quentin Quill")
    allocation = allocate(case, coach)
    browser = make_browser(coach)
    assert rows(listing(browser, "q=quill")) == [case.id]
    allocation.ended_at = utcnow()
    allocation.save()
    html = listing(browser, "q=quill")
    assert rows(html) == [] and "0 cases" in html and "Quill" not in html


def test_parties_and_signed_out_people_are_not_given_the_list(make_browser, client):
    case = make_case()
    party_user = make_user(Role.PARTY)
    add_party(case, party_user)
    assert make_browser(party_user).get("/cases").status_code == 404
    assert client.get("/cases").status_code in (302, 303)


def test_a_deactivated_coordinator_is_not_given_the_list(make_browser, coordinator):
    browser = make_browser(coordinator)
    coordinator.active = False
    coordinator.save()
    assert browser.get("/cases").status_code in (302, 303, 404)


# --- the columns -----------------------------------------------------------------------------

def test_a_row_shows_parties_coaches_stage_next_session_and_status(make_browser, coordinator, coach):
    case = consenting_case(coach, reference="AC-2026-0777")
    make_session(case, starts_at=utcnow() + timedelta(days=3))
    html = listing(make_browser(coordinator))
    row = html.split('id="case-row-')[1].split("</tr>")[0]
    assert "AC-2026-0777" in row and "Pat Party" in row and "Cora Coach" in row
    assert "In progress" in row and "None booked" not in row and "Open" in row


def test_a_closed_case_shows_its_outcome(make_browser, coordinator):
    make_case(status=CaseStatus.CLOSED, outcome="resolved", closed_at=utcnow())
    html = listing(make_browser(coordinator), "status=closed")
    assert "Closed: Resolved" in html


# --- filters ---------------------------------------------------------------------------------

def test_status_defaults_to_open_and_can_be_closed_or_all(make_browser, coordinator):
    open_case = make_case()
    closed = make_case(status=CaseStatus.CLOSED, closed_at=utcnow())
    browser = make_browser(coordinator)
    assert rows(listing(browser)) == [open_case.id]
    assert rows(listing(browser, "status=closed")) == [closed.id]
    assert sorted(rows(listing(browser, "status=all"))) == sorted([open_case.id, closed.id])


def test_kind_stage_coach_scheme_source_and_dates_filter(make_browser, coordinator, coach):
    other_coach = make_user(Role.COACH, name="Olly Other")
    referral = Referral.create(reference="RF-2026-0100", source="agency", dispute_type="neighbour",
                               description="x", urgency="routine")
    ready = consenting_case(coach, kind="coaching", funding_scheme="Council grant", referral=referral)
    waiting = make_case(created_at=datetime(2025, 1, 10, 12))
    add_party(waiting, name="Wanda Wait")
    proposed = consenting_case(other_coach)
    make_agreement(proposed, coach, state=AgreementState.PROPOSED)
    browser = make_browser(coordinator)
    assert rows(listing(browser, "kind=coaching")) == [ready.id]
    assert rows(listing(browser, "stage=ready_to_book")) == [ready.id]
    assert rows(listing(browser, "stage=waiting_for_consent")) == [waiting.id]
    assert rows(listing(browser, "stage=agreement_proposed")) == [proposed.id]
    assert rows(listing(browser, f"coach={other_coach.id}")) == [proposed.id]
    assert rows(listing(browser, "funding_scheme=Council+grant")) == [ready.id]
    assert rows(listing(browser, "referral_source=agency")) == [ready.id]
    assert rows(listing(browser, "opened_from=2025-01-01&opened_to=2025-01-31")) == [waiting.id]
    assert "Waiting for consent" in listing(browser, "stage=waiting_for_consent")


def test_a_coach_is_not_offered_the_funding_scheme_filter_nor_has_it_applied(make_browser, coach):
    case = consenting_case(coach, funding_scheme="Secret scheme")
    html = listing(make_browser(coach), "funding_scheme=Secret+scheme")
    assert 'name="funding_scheme"' not in html and "Secret scheme" not in html
    assert rows(html) == [case.id]


def test_a_coach_filter_naming_a_coach_not_offered_is_not_applied(make_browser, coach):
    case = consenting_case(coach)
    stranger = make_user(Role.COACH, name="Stan Stranger")
    html = listing(make_browser(coach), f"coach={stranger.id}")
    assert rows(html) == [case.id] and "That filter is not applied" in html
    assert "Stan Stranger" not in html


def test_junk_filters_are_ignored_with_a_message(make_browser, coordinator):
    case = make_case()
    html = listing(make_browser(coordinator), "stage=nonsense&opened_from=yesterday&page=x&sort=zzz")
    assert rows(html) == [case.id]
    assert "That filter is not applied" in html


# --- sorts -----------------------------------------------------------------------------------

def test_sorts_by_last_activity_reference_and_next_session(make_browser, coordinator):
    now = utcnow()
    a = make_case(reference="AC-2026-0003", created_at=now - timedelta(days=9))
    b = make_case(reference="AC-2026-0001", created_at=now - timedelta(days=8))
    c = make_case(reference="AC-2026-0002", created_at=now - timedelta(days=7))
    CaseEvent.create(case=a, kind="allocation", summary="Something", created_at=now - timedelta(hours=1))
    make_session(b, starts_at=now + timedelta(days=5))
    make_session(c, starts_at=now + timedelta(days=2))
    make_session(a, starts_at=now - timedelta(days=2))  # in the past: not a next session
    browser = make_browser(coordinator)
    assert rows(listing(browser)) == [a.id, c.id, b.id]
    assert rows(listing(browser, "sort=reference")) == [b.id, c.id, a.id]
    assert rows(listing(browser, "sort=next_session")) == [c.id, b.id, a.id]


def test_a_coach_s_last_activity_ignores_money_matters(make_browser, coordinator, coach):
    now = utcnow()
    first = consenting_case(coach, created_at=now - timedelta(days=5))
    second = consenting_case(coach, created_at=now - timedelta(days=4))
    CaseEvent.create(case=first, kind="funding", summary="Funding recorded", created_at=now)
    assert rows(listing(make_browser(coordinator)))[:2] == [first.id, second.id]
    assert rows(listing(make_browser(coach))) == [second.id, first.id]


# --- search ----------------------------------------------------------------------------------

@pytest.fixture
def searchable(app):
    referral = Referral.create(reference="RF-2026-0042", source="self", dispute_type="neighbour",
                               description="x", urgency="routine")
    case = make_case(reference="AC-2026-0500", referral=referral)
    party = add_party(case, name="Zoë O'Brien-Smith", phone="07700 900 123",
                      address="12 High Street\nLondon\nSW1A 1AA")
    party.email = "Zoe.OBrien@Example.net"
    party.save()
    other = make_case(reference="AC-2026-0600")
    add_party(other, name="Someone Else", phone="0161 496 0000", address="Manchester M1 1AE")
    return case, other


@pytest.mark.parametrize("q", [
    "AC-2026-0500", "ac-2026-05", "RF-2026-0042", "rf-2026-0042",
    "zoe", "ZOË", "obrien", "o'brien", "smith", "bri", "zoe smith", "Zoë O'Brien-Smith",
    "07700 900 123", "07700900123", "0770090", "zoe.obrien@example.net", "ZOE.OBRIEN@EXAMPLE.NET",
    "SW1A 1AA", "sw1a1aa", "sw1a",
])
def test_search_finds_a_case_by_every_kind_of_key(make_browser, coordinator, searchable, q):
    case, _ = searchable
    assert rows(listing(make_browser(coordinator), "q=" + _quote(q))) == [case.id]


@pytest.mark.parametrize("q", ["zoe else", "nobody", "0800", "AC-2026-07", "m1 1aa", "x@example.net"])
def test_search_finds_nothing_that_does_not_match(make_browser, coordinator, searchable, q):
    assert rows(listing(make_browser(coordinator), "q=" + _quote(q))) == []


def test_search_never_matches_counts_or_hints_at_a_case_the_user_may_not_see(make_browser, coach, searchable):
    case, other = searchable
    allocate(other, coach)
    browser = make_browser(coach)
    for q in ("zoe", "07700900123", "AC-2026-0500", "RF-2026-0042", "sw1a"):
        html = listing(browser, "q=" + _quote(q), headers=HTMX)  # the list alone, not the search box
        assert rows(html) == [] and "0 cases" in html and "AC-2026-0500" not in html and "Zo" not in html
    assert rows(listing(browser, "q=else")) == [other.id]


def test_search_terms_follow_a_party_s_changes(make_browser, coordinator, searchable):
    case, _ = searchable
    party = CaseParty.get(CaseParty.case == case.id)
    party.name = "Zara Newname"
    party.save()
    browser = make_browser(coordinator)
    assert rows(listing(browser, "q=newname")) == [case.id]
    assert rows(listing(browser, "q=obrien")) == []
    assert SearchTerm.select().where(SearchTerm.party == party.id, SearchTerm.term == "zara").count() == 1


def _quote(q):
    from urllib.parse import quote_plus
    return quote_plus(q)


# --- paging and htmx -------------------------------------------------------------------------

def test_the_list_is_paged_keeping_its_filters(make_browser, coordinator):
    now = utcnow()
    cases = [make_case(kind="coaching", created_at=now - timedelta(minutes=i)) for i in range(30)]
    make_case(kind="mediation")
    browser = make_browser(coordinator)
    first = listing(browser, "kind=coaching")
    assert rows(first) == [c.id for c in cases[:25]] and "30 cases" in first
    assert "page=2" in first and "kind=coaching" in first.split('rel="next"')[0].rsplit("<a", 1)[1]
    assert rows(listing(browser, "kind=coaching&page=2")) == [c.id for c in cases[25:]]
    assert rows(listing(browser, "kind=coaching&page=99")) == [c.id for c in cases[25:]]


def test_a_long_list_is_counted_only_up_to_the_cap(make_browser, coordinator, monkeypatch):
    """At 100,000 cases counting a whole list cost more than the page: it is counted up to
    `COUNT_CAP` past the page shown, and says "more than" the cap beyond it."""
    from portal.cases import listing as case_listing
    monkeypatch.setattr(case_listing, "COUNT_CAP", 2)
    now = utcnow()
    cases = [make_case(kind="coaching", created_at=now - timedelta(minutes=i)) for i in range(30)]
    browser = make_browser(coordinator)
    first = listing(browser, "kind=coaching")
    # Counted to 28 (page 1's 25, and the cap past it): the pager knows a next page, not the last.
    assert "More than 2 cases" in first and "30 cases" not in first
    assert "<span>Page 1</span>" in first and 'rel="next"' in first
    assert rows(first) == [c.id for c in cases[:25]]
    # Near the end the count is whole again, so the pager gives the number of pages.
    second = listing(browser, "kind=coaching&page=2")
    assert "Page 2 of 2" in second and rows(second) == [c.id for c in cases[25:]]
    assert "Page 2 of 2" in listing(browser, "kind=coaching&page=99")


def test_htmx_gets_the_list_alone_and_the_form_pushes_the_address(make_browser, coordinator):
    case = make_case()
    browser = make_browser(coordinator)
    page = listing(browser)
    assert 'method="get"' in page and 'hx-push-url="true"' in page and 'hx-target="#case-list"' in page
    assert "csrf_token" not in page.split('role="search"')[1].split("</form>")[0]
    fragment = listing(browser, "status=all", headers=HTMX)
    assert fragment.lstrip().startswith("<div id=\"case-list\"") and "<html" not in fragment
    assert rows(fragment) == [case.id]


def test_staff_have_a_cases_link_and_parties_do_not(make_browser, coordinator, coach):
    party_user = make_user(Role.PARTY)
    add_party(make_case(), party_user)
    assert 'href="/cases"' in make_browser(coordinator).get("/coordinator").get_data(as_text=True)
    assert 'href="/cases"' in make_browser(coach).get("/coach").get_data(as_text=True)
    assert 'href="/cases"' not in make_browser(party_user).get("/party").get_data(as_text=True)


def test_the_stage_words(make_browser, coordinator):
    case = make_case()
    assert Case.get_by_id(case.id)
    assert "Waiting for consent" in listing(make_browser(coordinator))


def test_the_coach_filter_is_the_same_html_as_wtforms_own_select(app, make_browser, coordinator, coach):
    """The long selects are written by `QuickSelect`, quicker than WTForms' widget: the same
    HTML, option for option (names that need escaping, the chosen one selected)."""
    from wtforms.widgets import Select

    from portal.cases.forms import CaseListForm
    other = make_user(Role.COACH, name='O\'Brien & "Sons" <Mediation>')
    consenting_case(coach, funding_scheme="Council & friends")
    html = listing(make_browser(coordinator), f"coach={other.id}&funding_scheme=Council+%26+friends")
    with app.test_request_context(f"/cases?coach={other.id}&funding_scheme=Council+%26+friends"):
        from flask import request
        form = CaseListForm(request.args, coaches=[coach, other], funding_schemes=["Council & friends"])
        for name in ("coach", "funding_scheme"):
            quick = str(form[name]())
            assert quick == str(Select()(form[name])), name
            assert quick in html, name
    assert f'<option selected value="{other.id}">O&#39;Brien &amp; &#34;Sons&#34; &lt;Mediation&gt;</option>' in html
