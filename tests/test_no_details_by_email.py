"""A party's "no details by email" (issue 14): their session emails say only that a session was
booked, moved, cancelled or is tomorrow, with no day, time or mode and no calendar file; set by
the party on their preferences page or by a coordinator on the case's party record.

Alex asked for no details; Cy did not, so each message is compared with the one Cy gets."""

import re
from datetime import datetime

import pytest

from portal import notify_words, reminders
from portal.cases import service as cases
from portal.models import AuditEvent, CaseParty, CaseSession
from portal.sessions import service as sessions
from portal.vocab import CaseOutcome, ConsentState, FutureSessions, NotificationKind, Role, SessionStatus
from tests.apps import body_of
from tests.factories import add_party, allocate, make_case, make_session, make_user

WHEN = datetime(2026, 12, 10, 10, 0)
MOVED = datetime(2026, 12, 11, 14, 0)
DETAILS = ("Joint mediation", "December 2026", "10:00", "14:00", "online", "meet.example")


@pytest.fixture
def w(app):
    class World:
        pass
    w = World()
    w.app = app
    with app.app_context():
        w.case = make_case()
        w.coach = make_user(Role.COACH)
        w.coordinator = make_user(Role.COORDINATOR)
        allocate(w.case, w.coach)
        w.alex_user, w.cy_user = make_user(Role.PARTY, name="Alex"), make_user(Role.PARTY, name="Cy")
        w.alex = add_party(w.case, w.alex_user, consent_state=ConsentState.GIVEN, no_details_by_email=True)
        w.cy = add_party(w.case, w.cy_user, consent_state=ConsentState.GIVEN)
    return w


@pytest.fixture
def req(app):
    with app.test_request_context():
        yield app


def plan(w, starts_at=WHEN):
    return sessions.Plan(kind="joint_mediation", starts_at=starts_at, duration_minutes=60, mode="online",
                         online_link="https://meet.example/room", coaches=[w.coach],
                         seats=[sessions.Seat(w.alex), sessions.Seat(w.cy)])


def calendar_files(message):
    return [p for p in message.walk() if p.get_content_type() == "text/calendar"]


def to(mails, user):
    return [m for m in mails if m["To"] == user.email]


def assert_without_details(message):
    text = message["Subject"] + body_of(message)
    assert [d for d in DETAILS if d in text] == []
    assert calendar_files(message) == [] and not message.is_multipart()


def test_booked_moved_and_cancelled_say_no_details_and_carry_no_calendar_file(w, req, outbox):
    session = sessions.schedule(w.case, plan(w), by=w.coach)
    sessions.reschedule(session, plan(w, MOVED), by=w.coach)
    sessions.record_outcome(CaseSession.get_by_id(session.id), SessionStatus.CANCELLED, {}, "service", by=w.coach)
    mails = outbox()
    alex, cy = to(mails, w.alex_user), to(mails, w.cy_user)
    assert [m["Subject"] for m in alex] == [m["Subject"] for m in cy] == [
        "A session is booked for you", "Your session has moved", "Your session is cancelled"]
    for message in alex:
        assert_without_details(message)
    assert "You asked us not to put the details in emails" in body_of(alex[0])
    assert "see its new time in the portal" in body_of(alex[1])
    assert "You can see which one in the portal." in body_of(alex[2])
    # Cy's, for comparison: the details and the calendar file.
    assert "Joint mediation, Thursday 10 December 2026, 10:00 (online)" in body_of(cy[0])
    assert "Friday 11 December 2026, 14:00" in body_of(cy[1])
    assert [len(calendar_files(m)) for m in cy] == [1, 1, 1]


def test_the_reminder_the_day_before_says_no_details(w, outbox):
    with w.app.app_context():
        make_session(w.case, [w.alex, w.cy], [w.coach], starts_at=WHEN, mode="online")
        assert reminders.run_due(datetime(2026, 12, 9, 8, 0)) == 2
        mails = outbox()
    [alex], [cy] = to(mails, w.alex_user), to(mails, w.cy_user)
    assert alex["Subject"] == cy["Subject"] == "Reminder: your session tomorrow"
    assert_without_details(alex)
    assert "a reminder that you have a session tomorrow" in body_of(alex)
    assert "Joint mediation, Thursday 10 December 2026, 10:00 (online)" in body_of(cy)


def test_closing_a_case_sends_no_calendar_file_for_the_sessions_it_cancels(w, req, outbox):
    session = sessions.schedule(w.case, plan(w), by=w.coach)
    before = len(outbox())
    cases.close(w.case, CaseOutcome.RESOLVED, "Done.", future=FutureSessions.CANCEL, by=w.coordinator)
    # Closing also asks each party for feedback: that email carries no calendar file either.
    mails = [m for m in outbox()[before:] if not m["Subject"].startswith("How did it go")]
    [alex], [cy] = to(mails, w.alex_user), to(mails, w.cy_user)
    assert alex["Subject"] == cy["Subject"] == "Your mediation has ended"
    assert all(calendar_files(m) == [] for m in outbox()[before:] if m["Subject"].startswith("How did it go"))
    assert calendar_files(alex) == [] and len(calendar_files(cy)) == 1
    assert CaseSession.get_by_id(session.id).status == SessionStatus.CANCELLED


def test_the_choice_made_a_moment_ago_is_honoured_whatever_the_caller_read(w, req, outbox):
    """The party row a service passes may be older than the choice: notify reads it again."""
    stale = CaseParty.get_by_id(w.cy.id)
    CaseParty.update(no_details_by_email=True).where(CaseParty.id == w.cy.id).execute()
    sessions.tell_parties(sessions.schedule(w.case, plan(w), by=w.coach), NotificationKind.SESSION_MOVED, [stale])
    moved = [m for m in to(outbox(), w.cy_user) if m["Subject"] == "Your session has moved"]
    assert len(moved) == 1
    assert_without_details(moved[0])


def test_words_without_details_refuse_a_sessions_details():
    with pytest.raises(ValueError):
        notify_words.compose(NotificationKind.SESSION_BOOKED, "/", service="S", phone="1", without_details=True,
                             when="Thursday")
    with pytest.raises(ValueError):  # a kind with no such wording
        notify_words.compose(NotificationKind.AGREEMENT_FINAL, "/", service="S", phone="1", without_details=True)
    assert set(notify_words.WITHOUT_DETAILS) == {
        NotificationKind.SESSION_BOOKED, NotificationKind.SESSION_MOVED, NotificationKind.SESSION_CANCELLED,
        NotificationKind.SESSION_TOMORROW}


# --- setting it ---------------------------------------------------------------------------------

def checkbox(response):
    """The "no details" checkbox on a page: ticked, not ticked, or absent."""
    [*tags] = re.findall(r'<input[^>]*name="no_details"[^>]*>', response.get_data(as_text=True))
    if not tags:
        return "absent"
    [tag] = tags
    return "ticked" if " checked" in tag else "not ticked"


def test_a_party_sets_it_on_their_preferences_page_for_each_of_their_records(w, make_browser):
    with w.app.app_context():
        other = add_party(make_case(), w.cy_user, consent_state=ConsentState.GIVEN)
    cy = make_browser(w.cy_user)
    assert checkbox(cy.get("/notifications/preferences")) == "not ticked"
    response = cy.submit("/notifications/preferences", {"email_kinds": [], "no_details": "y"},
                         page="/notifications/preferences")
    assert response.status_code == 303
    assert {p.id: p.no_details_by_email for p in CaseParty.select().where(CaseParty.user == w.cy_user.id)} == \
        {w.cy.id: True, other.id: True}
    assert checkbox(cy.get("/notifications/preferences")) == "ticked"
    cy.submit("/notifications/preferences", {"email_kinds": []}, page="/notifications/preferences")
    assert [p.no_details_by_email for p in CaseParty.select().where(CaseParty.user == w.cy_user.id)] == [False, False]
    # Another party's record is not theirs to change.
    assert CaseParty.get_by_id(w.alex.id).no_details_by_email is True


def test_staff_are_not_offered_it(w, make_browser):
    assert checkbox(make_browser(w.coach).get("/notifications/preferences")) == "absent"


def test_a_coordinator_sets_it_on_the_party_record(w, make_browser):
    coordinator = make_browser(w.coordinator)
    url = f"/cases/{w.case.reference}/parties/{w.cy.id}/email-details"
    case_page = coordinator.get(f"/cases/{w.case.reference}").get_data(as_text=True)
    assert f'href="{url}"' in case_page
    assert f'id="party-{w.alex.id}-no-details">No details by email' in case_page
    assert f'id="party-{w.cy.id}-no-details"' not in case_page
    response = coordinator.submit(url, {"no_details": "y"})
    assert response.status_code == 303
    assert CaseParty.get_by_id(w.cy.id).no_details_by_email is True
    [event] = AuditEvent.select().where(AuditEvent.event == "party.no_details_by_email")
    assert (event.actor_id, event.record_id, event.detail) == (w.coordinator.id, w.cy.id, "no_details_by_email=True")
    assert f'id="party-{w.cy.id}-no-details">No details by email' in \
        coordinator.get(f"/cases/{w.case.reference}").get_data(as_text=True)
    coordinator.submit(url, {})
    assert CaseParty.get_by_id(w.cy.id).no_details_by_email is False


def test_a_form_with_a_bad_token_saves_nothing(w, make_browser):
    coordinator = make_browser(w.coordinator)
    response = coordinator.client.post(f"/cases/{w.case.reference}/parties/{w.cy.id}/email-details",
                                       data={"no_details": "y", "csrf_token": "junk"})
    assert response.status_code == 400  # the form has expired: nothing saved
    assert CaseParty.get_by_id(w.cy.id).no_details_by_email is False


@pytest.mark.parametrize(("who", "status"), [("coach", 403), ("party", 403), ("stranger_coach", 404)])
def test_only_a_coordinator_may_set_it_on_a_record(w, make_browser, who, status):
    with w.app.app_context():
        user = {"coach": w.coach, "party": w.cy_user, "stranger_coach": make_user(Role.COACH)}[who]
    url = f"/cases/{w.case.reference}/parties/{w.cy.id}/email-details"
    browser = make_browser(user)
    assert browser.get(url).status_code == status
    assert browser.submit(url, {"no_details": "y"}, page="/notifications/preferences").status_code == status
    assert CaseParty.get_by_id(w.cy.id).no_details_by_email is False


def test_another_cases_party_is_not_found(w, make_browser):
    with w.app.app_context():
        elsewhere = add_party(make_case(), make_user(Role.PARTY))
    url = f"/cases/{w.case.reference}/parties/{elsewhere.id}/email-details"
    assert make_browser(w.coordinator).get(url).status_code == 404


def test_a_box_sent_with_another_value_is_refused_and_nothing_is_saved(w, make_browser):
    coordinator = make_browser(w.coordinator)
    url = f"/cases/{w.case.reference}/parties/{w.cy.id}/email-details"
    response = coordinator.submit(url, {"no_details": "yes please"})
    assert response.status_code == 422 and "Tick the box, or leave it empty." in response.get_data(as_text=True)
    cy = make_browser(w.cy_user)
    assert cy.submit("/notifications/preferences", {"no_details": "1"}, page="/notifications/preferences"
                     ).status_code == 422
    assert CaseParty.get_by_id(w.cy.id).no_details_by_email is False
