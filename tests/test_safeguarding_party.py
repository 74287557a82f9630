"""A party never reaches a safeguarding concern: by any URL, list, count, fragment or email; and
every safeguarding list query returns exactly what the policy allows, for everyone."""

import pytest

from portal import policy, queries
from portal.models import ConcernEvent, SafeguardingConcern, User
from portal.vocab import ConcernState, Role
from tests.apps import body_of
from tests.conftest import enter_as
from tests.factories import add_party, allocate, make_case, make_concern, make_user

HTMX = {"HX-Request": "true"}
MARKER = "Concern-text-marker-9182"


@pytest.fixture
def world(app):
    """A case whose party the concern is about, another party on it, and a party elsewhere."""
    case = make_case()
    coach = make_user(Role.COACH)
    allocate(case, coach)
    about, on_case, elsewhere = (make_user(Role.PARTY) for _ in range(3))
    about_party = add_party(case, about)
    add_party(case, on_case)
    add_party(make_case(), elsewhere)
    concern = make_concern(case, coach, level="immediate", about_party=about_party,
                           description=f"Said: {MARKER}")
    closed = make_concern(case, coach, state=ConcernState.CLOSED, description=f"Old: {MARKER}")
    lead = make_user(Role.COORDINATOR, is_safeguarding_lead=True)
    ConcernEvent.create(concern=concern, kind="addendum", text=f"Addendum {MARKER}", by=coach)
    return {"case": case, "coach": coach, "concern": concern, "closed": closed, "lead": lead,
            "parties": {"the party it is about": about, "another party on the case": on_case,
                        "a party of another case": elsewhere}}


def concern_urls(concern):
    base = f"/safeguarding/concerns/{concern.id}"
    return [base, f"{base}/actions", f"{base}/close", f"{base}/reopen", f"{base}/addenda"]


POST_URLS = ["acknowledge", "actions", "close", "reopen", "addenda"]
PARTIES = ["the party it is about", "another party on the case", "a party of another case"]


@pytest.fixture(params=PARTIES)
def party(request, world, make_browser):
    browser = make_browser()
    enter_as(browser.client, world["parties"][request.param])
    # The case is visible to its own parties (403: not for them) and not to anyone else's (404).
    browser.case_status = 404 if request.param == "a party of another case" else 403
    return browser


def assert_nothing_shown(response, status):
    assert response.status_code == status, response.status
    assert MARKER not in response.get_data(as_text=True)


def test_no_concern_url_answers_a_party_page_or_fragment(world, party):
    for concern in (world["concern"], world["closed"]):
        for url in concern_urls(concern):
            for headers in ({}, HTMX):
                assert_nothing_shown(party.get(url, headers=headers), 404)


def test_no_concern_action_answers_a_party_even_with_a_valid_token(world, party):
    for action in POST_URLS:
        url = f"/safeguarding/concerns/{world['concern'].id}/{action}"
        data = {"text": "x", "reason": "x", "outcome": "advice_given", "sign_off_note": "x",
                "confirm": "y", "action_on": "2026-01-01"}
        for headers in ({}, HTMX):
            assert_nothing_shown(party.submit(url, data, page="/party", headers=headers), 404)
    assert SafeguardingConcern.get_by_id(world["concern"].id).state == ConcernState.OPEN
    assert ConcernEvent.select().count() == 1


def test_a_party_gets_no_list_no_count_and_no_case_page(world, party):
    for headers in ({}, HTMX):
        assert_nothing_shown(party.get("/safeguarding", headers=headers), 403)
        assert_nothing_shown(party.get("/safeguarding?status=closed", headers=headers), 403)
    case_page = party.get(f"/cases/{world['case'].reference}")
    assert_nothing_shown(case_page, party.case_status)
    assert_nothing_shown(party.get(f"/cases/{world['case'].reference}/concerns/new"),
                         party.case_status)
    home = party.get("/party")
    assert_nothing_shown(home, 200)
    html = home.get_data(as_text=True)
    assert "afeguarding concern" not in html and 'href="/safeguarding' not in html
    assert "open)" not in html


def test_a_party_is_never_emailed_about_a_concern(world, make_browser, outbox):
    coach = make_browser()
    enter_as(coach.client, world["coach"])
    coach.submit(f"/cases/{world['case'].reference}/concerns/new", {
        "about": "nobody", "category": "other", "level": "high", "description": MARKER})
    recipients = [m["To"] for m in outbox()]
    assert recipients == [world["lead"].email]
    party_addresses = {u.email for u in world["parties"].values()}
    assert not party_addresses & set(recipients)
    assert all(MARKER not in body_of(m) for m in outbox())


@pytest.mark.parametrize("who", PARTIES)
def test_every_list_query_gives_a_party_nothing(world, who):
    user = User.get_by_id(world["parties"][who].id)
    assert list(queries.concerns_visible_to(user)) == []
    assert list(queries.concerns_on_case(user, world["case"])) == []
    for status in queries.CONCERN_STATUS_FILTERS:
        assert list(queries.concern_dashboard(user, status=status)) == []
    assert queries.open_concern_count_for(user) == 0
    assert list(queries.concern_raisers(user)) == []
    assert list(queries.concern_events_visible_to(user, world["concern"])) == []


# --- every list query agrees with the policy, for every kind of user -------------------------

@pytest.fixture
def many(app):
    """Two cases, concerns in every state raised by several people, and users of every kind."""
    first, second = make_case(), make_case()
    users = {
        "lead": make_user(Role.COORDINATOR, is_safeguarding_lead=True),
        "coordinator": make_user(Role.COORDINATOR),
        "deactivated coordinator": make_user(Role.COORDINATOR, active=False),
        "coach of the first case": make_user(Role.COACH),
        "coach of both cases": make_user(Role.COACH),
        "former coach of the first case": make_user(Role.COACH),
        "coach of no case": make_user(Role.COACH),
        "deactivated coach": make_user(Role.COACH, active=False),
        "party of the first case": make_user(Role.PARTY),
        "party of both cases": make_user(Role.PARTY),
    }
    allocate(first, users["coach of the first case"])
    allocate(first, users["deactivated coach"])
    for case in (first, second):
        allocate(case, users["coach of both cases"])
        add_party(case, users["party of both cases"])
    allocate(first, users["former coach of the first case"], ended=True)
    add_party(first, users["party of the first case"])
    raisers = [users["coach of the first case"], users["former coach of the first case"],
               users["coach of both cases"], users["coordinator"]]
    concerns = []
    for case in (first, second):
        for raiser in raisers:
            for state in ConcernState:
                concern = make_concern(case, raiser, state=state)
                ConcernEvent.create(concern=concern, kind="addendum", text="x", by=raiser)
                concerns.append(concern)
    return users, concerns


def test_the_safeguarding_queries_agree_with_the_policy_for_everyone(many):
    users, concerns = many
    for name, user in users.items():
        actor = user.actor()
        visible = {c.id for c in concerns
                   if policy.can_view_concern(actor, queries.case_facts(c.case), c.facts())}
        unresolved = {c.id for c in concerns
                      if c.id in visible and c.state in policy.UNRESOLVED_CONCERN_STATES}
        on_dashboard = visible if policy.can_use_role_area(actor, Role.COORDINATOR) else set()
        listed = set()
        for status in ("", ConcernState.CLOSED):
            listed |= {c.id for c in queries.concern_dashboard(user, status=status)}
        assert listed == on_dashboard, name
        assert queries.open_concern_count_for(user) == len(unresolved), name
        for concern in concerns:
            events = list(queries.concern_events_visible_to(user, concern))
            assert bool(events) is (concern.id in visible), (name, concern.id)
        for case in {c.case_id: c.case for c in concerns}.values():
            assert {c.id for c in queries.concerns_on_case(user, case)} == \
                {c.id for c in concerns if c.case_id == case.id and c.id in visible}, name
        assert {u.id for u in queries.concern_raisers(user)} == \
            {c.raised_by_id for c in concerns if c.id in visible}, name
    # The data reaches every interesting answer: someone sees all, someone some, someone none.
    seen = {name: sum(1 for c in concerns if policy.can_view_concern(
        user.actor(), queries.case_facts(c.case), c.facts())) for name, user in users.items()}
    assert seen["lead"] == len(concerns) and 0 < seen["coach of the first case"] < len(concerns)
    assert seen["coach of no case"] == 0 and seen["party of both cases"] == 0
