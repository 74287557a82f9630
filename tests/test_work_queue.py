"""The coordinator's work queue (issue 13): each list holds exactly what it should, on the exact
boundary of its wait (working days across a weekend, urgent against routine, closed cases left
out or kept in as the issue says), in order; the page shows the counts, the lines and the
pagers, in a fixed number of statements; coaches and parties are turned away.

The queries are asked for the queue at a fixed moment: Wednesday 2 December 2026, 12:00 UTC
(noon in London, which keeps GMT in winter)."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import queries
from portal.db import database
from portal.models import Case, CoachAllocation, Notification, Referral, utcnow
from portal.vocab import (
    AgreementState,
    CaseStatus,
    ConcernLevel,
    ConcernState,
    ConsentState,
    Delivery,
    NotificationKind,
    ReferralSource,
    ReferralStatus,
    ReviewOutcome,
    Role,
    SessionStatus,
    Urgency,
)
from tests.conftest import enter_as
from tests.factories import (
    add_party,
    allocate,
    make_action_point_due,
    make_agreement,
    make_agreement_term,
    make_case,
    make_concern,
    make_note,
    make_session,
    make_user,
)
from tests.test_query_budgets import counting_statements

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 12, 0)  # a Wednesday
TODAY = NOW.date()
WAITS = {"referral_working_days": 5, "urgent_working_days": 2, "consent_days": 14,
         "quiet_days": 28, "note_days": 2, "proposal_days": 14}
RULES = queries.QueueRules.of(NOW, LONDON, **WAITS)
SECOND = timedelta(seconds=1)


@pytest.fixture
def coordinator(app):
    return make_user(Role.COORDINATOR)


def ids(query):
    return [row.id for row in query]


def not_emailed(party, created_at, delivery=Delivery.MUST_NOT_EMAIL, read=False):
    """A message to `party` (who has an account) kept from email by `delivery`."""
    return Notification.create(recipient=party.user, kind=NotificationKind.AGREEMENT_FINAL, link="/",
                               key=f"test|{Notification.select().count()}", delivery=delivery,
                               case=party.case, party=party, created_at=created_at,
                               read_at=created_at if read else None)


def referral(created_at, urgency=Urgency.ROUTINE, status=ReferralStatus.NEW):
    return Referral.create(reference=f"RF-2026-{Referral.select().count() + 1:04d}",
                           source=ReferralSource.SELF, dispute_type="neighbour", description="Noise.",
                           urgency=urgency, status=status, created_at=created_at)


def ready_case(created_at=NOW - timedelta(days=60), **fields):
    """An open case with a coach and one party who has consented: ready for sessions."""
    case = make_case(created_at=created_at, **fields)
    allocate(case, make_user(Role.COACH))
    add_party(case, consent_state=ConsentState.GIVEN)
    return case


# --- working days -----------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "days", "broken_before"), [
    (date(2026, 12, 2), 2, date(2026, 11, 30)),   # Wed: Mon and Tue count; Sunday's is late
    (date(2026, 12, 2), 5, date(2026, 11, 25)),   # Wed: back across the weekend to Wed
    (date(2026, 11, 30), 2, date(2026, 11, 26)),  # Mon: Fri and Mon count; Wednesday's is late
    (date(2026, 11, 28), 2, date(2026, 11, 25)),  # Sat: the weekend does not count
    (date(2026, 12, 2), 0, date(2026, 12, 2)),    # no promise: anything from before today
])
def test_a_promise_is_counted_in_working_days(today, days, broken_before):
    assert queries.promise_broken_before(today, days) == broken_before


def test_the_working_days_are_the_services_own_dates():
    """In summer London is an hour ahead: a day starts at 23:00 UTC the evening before."""
    rules = queries.QueueRules.of(datetime(2026, 7, 1, 12, 0), LONDON, **WAITS)  # a Wednesday
    assert rules.referral_due[Urgency.URGENT] == datetime(2026, 6, 28, 23, 0)  # Monday 29th, local
    assert rules.referral_due[Urgency.ROUTINE] == datetime(2026, 6, 23, 23, 0)  # Wednesday 24th
    assert RULES.referral_due == {Urgency.URGENT: datetime(2026, 11, 30), Urgency.SOON: datetime(2026, 11, 25),
                                  Urgency.ROUTINE: datetime(2026, 11, 25)}


# --- each list on its boundary ----------------------------------------------------------------

def test_referrals_past_their_promise_most_urgent_then_oldest_first(coordinator):
    urgent_sunday = referral(datetime(2026, 11, 29, 23, 59, 59), Urgency.URGENT)
    referral(datetime(2026, 11, 30, 0, 0), Urgency.URGENT)  # Tue and Wed count: kept
    routine_tuesday = referral(datetime(2026, 11, 24, 23, 59, 59))
    referral(datetime(2026, 11, 25, 0, 0))  # five working days to today: kept
    soon_old = referral(datetime(2026, 11, 20), Urgency.SOON)
    referral(datetime(2026, 11, 27), Urgency.ROUTINE)  # a Friday's routine one is not late yet
    urgent_friday = referral(datetime(2026, 11, 27, 9, 0), Urgency.URGENT)
    referral(datetime(2026, 11, 1), Urgency.URGENT, status=ReferralStatus.ACCEPTED)  # triaged
    assert ids(queries.referrals_overdue(coordinator, RULES)) == \
        [urgent_friday.id, urgent_sunday.id, soon_old.id, routine_tuesday.id]


def test_parties_whose_consent_has_waited_longer_than_the_wait(coordinator):
    case = make_case()
    late = add_party(case, name="Late", created_at=NOW - timedelta(days=14) - SECOND)
    add_party(case, name="Just in time", created_at=NOW - timedelta(days=14))
    add_party(case, name="Answered", created_at=NOW - timedelta(days=30), consent_state=ConsentState.GIVEN)
    add_party(case, name="Declined", created_at=NOW - timedelta(days=30), consent_state=ConsentState.DECLINED)
    older = add_party(make_case(), name="Older", created_at=NOW - timedelta(days=40))
    add_party(make_case(status=CaseStatus.CLOSED), name="Closed", created_at=NOW - timedelta(days=40))
    rows = list(queries.consent_waiting(coordinator, RULES))
    assert [(r.id, r.case.reference) for r in rows] == [(older.id, older.case.reference),
                                                        (late.id, case.reference)]


def test_open_cases_with_no_coach_now_oldest_first(coordinator):
    never = make_case(created_at=NOW - timedelta(days=3))
    taken_off = make_case(created_at=NOW - timedelta(days=9))
    allocate(taken_off, make_user(Role.COACH), ended=True)
    allocate(make_case(), make_user(Role.COACH))
    make_case(status=CaseStatus.CLOSED)
    assert ids(queries.cases_without_coach(coordinator, RULES)) == [taken_off.id, never.id]
    CoachAllocation.create(case=never, coach=make_user(Role.COACH))
    assert ids(queries.cases_without_coach(coordinator, RULES)) == [taken_off.id]


def test_parties_to_phone_have_unread_messages_not_emailed_longest_waiting_first(coordinator):
    case = make_case()
    bea = add_party(case, make_user(Role.PARTY), name="Bea")
    not_emailed(bea, NOW - timedelta(days=2))
    not_emailed(bea, NOW - timedelta(hours=1))
    not_emailed(bea, NOW - timedelta(days=9), read=True)  # read in the portal: no call for it
    cy = add_party(make_case(), make_user(Role.PARTY), name="Cy")
    not_emailed(cy, NOW - timedelta(days=2) - SECOND)
    done = add_party(case, make_user(Role.PARTY), name="Read it all")
    not_emailed(done, NOW - timedelta(days=5), read=True)
    emailed = add_party(case, make_user(Role.PARTY), name="Emailed")
    for delivery in (Delivery.EMAILED, Delivery.NOT_WANTED):
        not_emailed(emailed, NOW - timedelta(days=5), delivery)
    closed = add_party(make_case(status=CaseStatus.CLOSED), make_user(Role.PARTY), name="Closed")
    not_emailed(closed, NOW - timedelta(days=5))
    rows = list(queries.parties_to_phone(coordinator, RULES))
    assert [(r.id, r.case_reference, r.waiting, r.since) for r in rows] == [
        (cy.id, cy.case.reference, 1, NOW - timedelta(days=2) - SECOND),
        (bea.id, case.reference, 2, NOW - timedelta(days=2))]
    Notification.update(read_at=NOW).where(Notification.party == cy.id).execute()
    assert ids(queries.parties_to_phone(coordinator, RULES)) == [bea.id]


def test_cases_with_no_session_booked_or_held_for_the_wait(coordinator):
    quiet = ready_case(last_activity_at=NOW - timedelta(days=40))
    make_session(quiet, starts_at=NOW - timedelta(days=28) - SECOND, status=SessionStatus.HELD)
    make_session(quiet, starts_at=NOW - timedelta(days=1), status=SessionStatus.CANCELLED)
    quieter = ready_case(last_activity_at=NOW - timedelta(days=50))  # nothing ever booked
    held = ready_case()
    make_session(held, starts_at=NOW - timedelta(days=28), status=SessionStatus.HELD)
    booked = ready_case()
    make_session(booked, starts_at=NOW + timedelta(days=20))
    ready_case(created_at=NOW - timedelta(days=28))  # too new to be quiet
    ready_case(status=CaseStatus.CLOSED)
    waiting = ready_case()  # waiting for a party's consent: a list of its own
    add_party(waiting)
    no_coach = ready_case()  # waiting for a coach: a list of its own
    CoachAllocation.update(ended_at=NOW).where(CoachAllocation.case == no_coach.id).execute()
    assert ids(queries.quiet_cases(coordinator, RULES)) == [quieter.id, quiet.id]


def test_sessions_with_no_outcome_or_no_note_after_the_wait(coordinator):
    case, coach = make_case(), make_user(Role.COACH)
    on_time = NOW - timedelta(days=2)
    late = on_time - SECOND
    no_outcome = make_session(case, starts_at=late - timedelta(hours=1))
    make_session(case, starts_at=on_time)  # not late yet
    held_no_note = make_session(case, starts_at=late, status=SessionStatus.HELD)
    noted = make_session(case, starts_at=late, status=SessionStatus.HELD)
    note = make_note(case, coach)
    note.session = noted
    note.save()
    withdrawn = make_session(case, starts_at=late, status=SessionStatus.HELD)
    old_note = make_note(case, coach, withdrawn=True)
    old_note.session = withdrawn
    old_note.save()
    make_session(case, starts_at=late, status=SessionStatus.DID_NOT_ATTEND)
    make_session(case, starts_at=late, status=SessionStatus.CANCELLED)
    make_session(make_case(status=CaseStatus.CLOSED), starts_at=late)
    rows = list(queries.sessions_unrecorded(coordinator, RULES))
    assert [r.id for r in rows] == [no_outcome.id, held_no_note.id, withdrawn.id]
    assert {r.case.reference for r in rows} == {case.reference}


def test_overdue_action_points_on_open_cases_and_a_final_agreements_terms_after_closing(coordinator):
    case = make_case()
    party = add_party(case, name="Ann")
    yesterday = TODAY - timedelta(days=1)
    overdue = make_action_point_due(case, party, yesterday)
    make_action_point_due(case, party, TODAY)  # due today: not overdue
    make_action_point_due(case, party, None)
    make_action_point_due(case, party, yesterday - timedelta(days=5), done_at=NOW)
    closed = make_case(status=CaseStatus.CLOSED)
    closed_party = add_party(closed, name="Bo")
    make_action_point_due(closed, closed_party, yesterday)  # an ordinary one ends with the case
    final = make_agreement(closed, make_user(Role.COACH), state=AgreementState.FINAL)
    term = make_action_point_due(closed, closed_party, yesterday - timedelta(days=3),
                                 agreement_term=make_agreement_term(final, closed_party))
    old = make_agreement(closed, make_user(Role.COACH), state=AgreementState.SUPERSEDED)
    make_action_point_due(closed, closed_party, yesterday, agreement_term=make_agreement_term(old))
    rows = list(queries.action_points_overdue(coordinator, RULES))
    assert [(r.id, r.party_name, r.case.is_closed) for r in rows] == \
        [(term.id, "Bo", True), (overdue.id, "Ann", False)]


def test_proposed_agreements_not_accepted_after_the_wait(coordinator):
    case, coach = make_case(), make_user(Role.COACH)
    late = make_agreement(case, coach, state=AgreementState.PROPOSED,
                          proposed_at=NOW - timedelta(days=14) - SECOND)
    make_agreement(case, coach, state=AgreementState.PROPOSED, proposed_at=NOW - timedelta(days=14))
    make_agreement(case, coach, state=AgreementState.FINAL, proposed_at=NOW - timedelta(days=30))
    make_agreement(make_case(status=CaseStatus.CLOSED), coach, state=AgreementState.PROPOSED,
                   proposed_at=NOW - timedelta(days=30))
    assert ids(queries.proposals_waiting(coordinator, RULES)) == [late.id]


def test_reviews_due_in_the_next_fourteen_days_closed_cases_included(coordinator):
    coach = make_user(Role.COACH)

    def final(review_on, case=None, **fields):
        return make_agreement(case or make_case(), coach, state=AgreementState.FINAL, review_on=review_on,
                              **fields)
    last_day = final(TODAY + timedelta(days=14))
    final(TODAY + timedelta(days=15))
    past = final(TODAY - timedelta(days=3))
    closed = final(TODAY + timedelta(days=2), make_case(status=CaseStatus.CLOSED))
    final(TODAY, reviewed_on=TODAY, review_outcome=ReviewOutcome.KEPT)
    final(None)
    make_agreement(make_case(), coach, state=AgreementState.PROPOSED, review_on=TODAY)
    assert ids(queries.reviews_due(coordinator, RULES)) == [past.id, closed.id, last_day.id]


def test_unacknowledged_concerns_most_urgent_first(coordinator):
    raiser = make_user(Role.COACH)
    low = make_concern(make_case(), raiser, level=ConcernLevel.LOW, created_at=NOW - timedelta(days=9))
    immediate = make_concern(make_case(), raiser, level=ConcernLevel.IMMEDIATE, created_at=NOW)
    high = make_concern(make_case(), raiser, level=ConcernLevel.HIGH, created_at=NOW - timedelta(days=1))
    make_concern(make_case(), raiser, state=ConcernState.ACKNOWLEDGED, level=ConcernLevel.IMMEDIATE)
    make_concern(make_case(), raiser, state=ConcernState.CLOSED, level=ConcernLevel.IMMEDIATE)
    assert ids(queries.concerns_unacknowledged(coordinator, RULES)) == [immediate.id, high.id, low.id]


@pytest.mark.parametrize("role", [Role.COACH, Role.PARTY])
def test_nobody_but_a_coordinator_has_a_queue(app, role):
    user = make_user(role)
    case = make_case(created_at=NOW - timedelta(days=90))
    allocate(case, user) if role == Role.COACH else add_party(case, user)
    party = add_party(case, created_at=NOW - timedelta(days=90))
    make_concern(case, make_user(Role.COACH))
    make_session(case, starts_at=NOW - timedelta(days=30))
    not_emailed(add_party(case, make_user(Role.PARTY)), NOW - timedelta(days=3))
    make_action_point_due(case, party, TODAY - timedelta(days=9))
    make_agreement(case, user if role == Role.COACH else make_user(Role.COACH), state=AgreementState.PROPOSED,
                   proposed_at=NOW - timedelta(days=30))
    referral(NOW - timedelta(days=30))
    for query in (queries.referrals_overdue, queries.consent_waiting, queries.cases_without_coach,
                  queries.quiet_cases, queries.sessions_unrecorded, queries.action_points_overdue,
                  queries.proposals_waiting, queries.reviews_due, queries.concerns_unacknowledged,
                  queries.parties_to_phone):
        assert ids(query(user, RULES)) == [], query.__name__


# --- the page -----------------------------------------------------------------------------------

def every_kind_of_item(copies=1):
    """At least one item of each list, `copies` times, all late by the configured waits now."""
    now = utcnow()
    coach = make_user(Role.COACH)
    for _ in range(copies):
        referral(now - timedelta(days=30), Urgency.URGENT)
        waiting = make_case(created_at=now - timedelta(days=90))  # no coach, consent awaited
        party = add_party(waiting, name="Pat Waiting", created_at=now - timedelta(days=30))
        not_emailed(add_party(waiting, make_user(Role.PARTY), name="Bo Phone", consent_state=ConsentState.GIVEN),
                    now - timedelta(days=1))
        quiet = ready_case(created_at=now - timedelta(days=90))
        make_session(quiet, starts_at=now - timedelta(days=60), status=SessionStatus.HELD)  # no note
        make_action_point_due(waiting, party, (now - timedelta(days=9)).date())
        make_agreement(quiet, coach, state=AgreementState.PROPOSED, proposed_at=now - timedelta(days=30))
        make_agreement(make_case(status=CaseStatus.CLOSED), coach, state=AgreementState.FINAL,
                       review_on=(now + timedelta(days=3)).date())
        make_concern(waiting, coach, level=ConcernLevel.IMMEDIATE, created_at=now - timedelta(minutes=61))


def test_the_page_shows_every_list_with_its_count_and_links(app, coordinator):
    every_kind_of_item()
    html = enter_as(app.test_client(), coordinator).get("/coordinator").get_data(as_text=True)
    for kind in ("concerns", "referrals", "phone", "consent", "no_coach", "quiet", "sessions", "action_points",
                 "proposals", "reviews"):
        assert re.search(rf'<a href="#{kind}"><span class="tile-number">1</span>', html), kind
        assert f'<section aria-labelledby="{kind}-heading" id="{kind}"' in html, kind
    waiting = Case.get(Case.created_at < utcnow() - timedelta(days=80), ~Case.id.in_(
        CoachAllocation.select(CoachAllocation.case)))
    assert f'href="/cases/{waiting.reference}#coaches">Allocate coaches' in html
    assert "Pat Waiting on" in html
    assert re.search(r'Bo Phone on <a href="/cases/[A-Z0-9-]+#party-\d+">[A-Z0-9-]+</a>:\s+1 message not emailed', html)
    assert "no note written" in html and "(case closed)" in html
    # Coloured by level and worded, and overdue by the dashboard's rule (an hour for immediate).
    assert re.search(r'class="level level-immediate">Immediate<span class="visually-hidden"> concern', html)
    assert "Overdue: not acknowledged within 1 hour" in html


def test_a_concern_at_its_limit_is_not_yet_overdue(app, coordinator):
    make_concern(make_case(), make_user(Role.COACH), level=ConcernLevel.IMMEDIATE,
                 created_at=utcnow() - timedelta(minutes=59))
    html = enter_as(app.test_client(), coordinator).get("/coordinator").get_data(as_text=True)
    assert 'id="concerns"' in html and "Overdue" not in html


def test_an_empty_queue_says_so_and_hides_its_lists(app, coordinator):
    html = enter_as(app.test_client(), coordinator).get("/coordinator").get_data(as_text=True)
    assert "Nothing needs attention just now." in html
    assert "<section" not in html and '<a href="#' not in html


def test_each_list_pages_on_its_own_and_keeps_the_others_page(app, coordinator):
    for n in range(23):
        make_case(reference=f"AC-2026-{n + 1:04d}", created_at=utcnow() - timedelta(days=100 - n))
    for n in range(12):
        referral(utcnow() - timedelta(days=60 - n))
    client = enter_as(app.test_client(), coordinator)
    first = client.get("/coordinator").get_data(as_text=True)
    assert first.count('id="no-coach-') == 10 and "AC-2026-0001" in first and "AC-2026-0011" not in first
    assert "Page 1 of 3" in first and "Page 1 of 2" in first
    page = client.get("/coordinator?no_coach_page=3&referrals_page=2").get_data(as_text=True)
    cases = re.findall(r'id="no-coach-\d+"><a href="/cases/(AC-2026-\d+)"', page)
    assert cases == ["AC-2026-0021", "AC-2026-0022", "AC-2026-0023"]
    assert page.count('id="referral-') == 2
    # Each pager keeps the other list's page, and takes the reader back to its list.
    assert 'href="/coordinator?no_coach_page=2&amp;referrals_page=2#no_coach" rel="prev"' in page
    assert 'href="/coordinator?referrals_page=1&amp;no_coach_page=3#referrals" rel="prev"' in page
    # Past the end, or junk: the last page, or the first.
    past = client.get("/coordinator?no_coach_page=99&referrals_page=junk").get_data(as_text=True)
    assert "Page 3 of 3" in past and "Page 1 of 2" in past


def test_the_parties_to_phone_are_counted_and_paged_as_the_other_lists(app, coordinator):
    case = make_case()
    for n in range(12):
        not_emailed(add_party(case, make_user(Role.PARTY), name=f"Phone {n + 1:02d}"),
                    utcnow() - timedelta(days=30 - n))
    client = enter_as(app.test_client(), coordinator)
    first = client.get("/coordinator").get_data(as_text=True)
    assert re.search(r'<a href="#phone"><span class="tile-number">12</span> parties to phone</a>', first)
    assert re.findall(r'id="phone-\d+">(Phone \d+) on', first) == [f"Phone {n:02d}" for n in range(1, 11)]
    second = client.get("/coordinator?phone_page=2").get_data(as_text=True)
    assert re.findall(r'id="phone-\d+">(Phone \d+) on', second) == ["Phone 11", "Phone 12"]
    assert "Page 2 of 2" in second and 'href="/coordinator?phone_page=1#phone" rel="prev"' in second


def test_the_page_runs_the_same_few_statements_however_full_the_queue(app, coordinator):
    counts = []
    for copies in (1, 12):
        with database.atomic():
            every_kind_of_item(copies)
        client = enter_as(app.test_client(), coordinator)
        with counting_statements() as seen:
            assert client.get("/coordinator").status_code == 200
        counts.append(len(seen))
    # The third: the service's lists, for the new referrals' dispute types (issue 15).
    assert counts == [4, 4]


@pytest.mark.parametrize(("role", "status"), [(Role.COACH, 403), (Role.PARTY, 403)])
def test_coaches_and_parties_are_turned_away(make_browser, role, status):
    assert make_browser(make_user(role)).get("/coordinator").status_code == status


def test_the_waits_are_the_services_configuration(app, coordinator):
    add_party(make_case(), name="Pat Waiting", created_at=utcnow() - timedelta(days=30))
    referral(utcnow() - timedelta(days=30), Urgency.URGENT)
    client = enter_as(app.test_client(), coordinator)
    assert 'id="consent"' in client.get("/coordinator").get_data(as_text=True)
    app.config.update(CONSENT_WAIT_DAYS=31, URGENT_REFERRAL_PROMISE_WORKING_DAYS=30)
    html = client.get("/coordinator").get_data(as_text=True)
    assert 'id="consent"' not in html and 'id="referrals"' not in html
    assert 'id="no_coach"' in html  # the case still has no coach: no wait for that


def test_a_long_list_is_counted_only_up_to_the_cap(app, coordinator, monkeypatch):
    """Counting every item of a long list costs more than the page (100,000 cases): each is
    counted up to `COUNT_CAP` past its page, and says "more than" the cap beyond it."""
    from portal import work_queue
    monkeypatch.setattr(work_queue, "COUNT_CAP", 5)
    for n in range(23):
        make_case(reference=f"AC-2026-{n + 1:04d}", created_at=utcnow() - timedelta(days=100 - n))
    for n in range(4):
        referral(utcnow() - timedelta(days=60 - n))
    client = enter_as(app.test_client(), coordinator)
    first = client.get("/coordinator").get_data(as_text=True)
    assert '<span class="tile-number">More than 5</span> cases with no coach' in first
    assert '<span class="tile-number">4</span> referrals overdue' in first
    # Counted to 16 (page 1's 10, and the cap past it): the pager knows a next page, not the last.
    assert "<span>Page 1</span>" in first and 'href="/coordinator?no_coach_page=2#no_coach" rel="next"' in first
    # Near the end the count is whole again: page 3 of 3, and a page past the end is the last.
    for asked in (3, 99):
        page = client.get(f"/coordinator?no_coach_page={asked}").get_data(as_text=True)
        assert "Page 3 of 3" in page and page.count('id="no-coach-') == 3
