"""What people are told (issue 14): the Notification rows and emails `notify` writes, the
calendar files that update one event, "do not email", preferences, and the Notifications page."""

from datetime import datetime

import pytest
from icalendar import Calendar

from portal import notify, notify_words, queries
from portal.db import database
from portal.models import CaseSession, Notification, User
from portal.sessions import service as sessions
from portal.vocab import ConsentState, Delivery, NotificationKind, Role, SessionStatus, UnsafeRoute
from tests.apps import body_of, links_in
from tests.factories import add_party, allocate, make_case, make_user

WHEN = datetime(2026, 12, 10, 10, 0)


@pytest.fixture
def w(app):
    """A mediation: Alex may be emailed, Bea must not be; one coach; a coordinator."""
    class World:
        pass
    w = World()
    w.app = app
    with app.app_context():
        w.case = make_case()
        w.coach = make_user(Role.COACH)
        w.coordinator = make_user(Role.COORDINATOR)
        allocate(w.case, w.coach)
        w.alex_user = make_user(Role.PARTY, name="Alex Marker-Alex")
        w.bea_user = make_user(Role.PARTY, name="Bea Marker-Bea")
        w.alex = add_party(w.case, w.alex_user, consent_state=ConsentState.GIVEN)
        w.bea = add_party(w.case, w.bea_user, consent_state=ConsentState.GIVEN, unsafe_routes=UnsafeRoute.EMAIL)
    return w


@pytest.fixture
def req(app):
    with app.test_request_context():
        yield app


def plan(w, starts_at=WHEN):
    return sessions.Plan(kind="joint_mediation", starts_at=starts_at, duration_minutes=60, mode="online",
                         online_link="https://meet.example/room", coaches=[w.coach],
                         seats=[sessions.Seat(w.alex), sessions.Seat(w.bea)])


def calendar_of(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    return part, calendar, event


def test_booked_moved_cancelled_update_one_calendar_event(w, req, outbox):
    session = sessions.schedule(w.case, plan(w), by=w.coach)
    sessions.reschedule(session, plan(w, datetime(2026, 12, 11, 14, 0)), by=w.coach)
    sessions.record_outcome(CaseSession.get_by_id(session.id), SessionStatus.CANCELLED, {}, "service", by=w.coach)
    mails = outbox()
    assert [m["To"] for m in mails] == [w.alex_user.email] * 3  # Bea must not be emailed
    assert [m["Subject"] for m in mails] == ["A session is booked for you", "Your session has moved",
                                             "Your session is cancelled"]
    seen = []
    for message in mails:
        part, calendar, event = calendar_of(message)
        seen.append((str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"]),
                     part.get_params()[1:2]))
    uid = f"session-{session.id}@localhost"
    assert seen == [("REQUEST", uid, 0, "CONFIRMED", [("method", "REQUEST")]),
                    ("REQUEST", uid, 1, "CONFIRMED", [("method", "REQUEST")]),
                    ("CANCEL", uid, 2, "CANCELLED", [("method", "CANCEL")])]
    assert "booked for you: Joint mediation, Thursday 10 December 2026, 10:00 (online)." in body_of(mails[0])
    assert "It is now Joint mediation, Friday 11 December 2026, 14:00 (online)." in body_of(mails[1])
    rows = sorted((n.recipient_id, n.kind, n.delivery) for n in Notification.select())
    assert rows == sorted([(w.alex_user.id, k, Delivery.EMAILED) for k in
                           (NotificationKind.SESSION_BOOKED, NotificationKind.SESSION_MOVED,
                            NotificationKind.SESSION_CANCELLED)]
                          + [(w.bea_user.id, k, Delivery.MUST_NOT_EMAIL) for k in
                             (NotificationKind.SESSION_BOOKED, NotificationKind.SESSION_MOVED,
                              NotificationKind.SESSION_CANCELLED)])
    # The coordinators see that Bea needs a phone call instead.
    [row] = queries.phone_instead(User.get_by_id(w.coordinator.id))
    assert (row.id, row.name, row.case_reference, row.waiting) == (w.bea.id, w.bea.name, w.case.reference, 3)
    for message in mails:
        text = message["Subject"] + body_of(message)
        assert "Marker-Bea" not in text and "Marker-Alex" not in text


def test_every_email_has_the_services_reply_to_and_footer(w, req, outbox):
    notify.notify(NotificationKind.ACTION_POINT_SET, w.alex, w.alex, link="/action-points")
    [message] = outbox()
    config = w.app.config
    assert message["Reply-To"] == config["MAIL_REPLY_TO"] == config["SERVICE_EMAIL"]
    assert message["From"] == config["MAIL_FROM"]
    body = body_of(message)
    assert body.endswith(f"--\n{config['SERVICE_NAME']}\nPhone: {config['SERVICE_PHONE']}\n")
    assert links_in(message) == ["http://localhost/action-points"]


def test_the_same_key_twice_writes_and_sends_once(w, req, outbox):
    first = notify.notify(NotificationKind.AGREEMENT_FINAL, w.alex, w.case, link="/")
    again = notify.notify(NotificationKind.AGREEMENT_FINAL, w.alex, w.case, link="/")
    assert first is not None and again is None
    assert Notification.select().count() == 1 and len(outbox()) == 1


def test_a_change_that_rolls_back_leaves_no_notification(w, req):
    with pytest.raises(RuntimeError), database.atomic():
        notify.notify(NotificationKind.AGREEMENT_FINAL, w.bea, w.case, link="/")
        raise RuntimeError("the change failed")
    assert Notification.select().count() == 0


def test_a_kind_turned_off_is_not_emailed_but_still_listed(w, req, outbox):
    User.update(email_off=NotificationKind.ACTION_POINT_SET).where(User.id == w.alex_user.id).execute()
    w.alex = type(w.alex).get_by_id(w.alex.id)
    notify.notify(NotificationKind.ACTION_POINT_SET, w.alex, w.alex, link="/action-points")
    notify.notify(NotificationKind.AGREEMENT_FINAL, w.alex, w.case, link="/")
    assert [m["Subject"] for m in outbox()] == ["Your agreement is final"]
    assert sorted((n.kind, n.delivery) for n in Notification.select()) == [
        (NotificationKind.ACTION_POINT_SET, Delivery.NOT_WANTED), (NotificationKind.AGREEMENT_FINAL, Delivery.EMAILED)]


def test_a_staff_digest_choice_keeps_single_emails_back(w, req, outbox):
    User.update(email_digest=True).where(User.id == w.coach.id).execute()
    notify.notify(NotificationKind.COACH_ALLOCATED, User.get_by_id(w.coach.id), w.case, link="/", reference="AC")
    assert outbox() == []
    assert Notification.get().delivery == Delivery.DIGEST


def test_a_party_without_an_account_is_not_told_and_nothing_is_written(w, req, outbox):
    nobody = add_party(w.case, None, name="No Account")
    assert notify.notify(NotificationKind.AGREEMENT_FINAL, nobody, w.case, link="/") is None
    assert Notification.select().count() == 0 and outbox() == []


def test_every_kind_has_words_and_a_message_takes_no_other_values(w, req):
    assert set(notify_words.WORDS) == set(NotificationKind)
    with pytest.raises(ValueError):
        notify_words.compose(NotificationKind.AGREEMENT_FINAL, "/", service="S", phone="1", note="Marker")
    sample = {"reference": "AC-2026-0001", "when": "today", "mode": "online", "count": "2 sessions",
              "what": "Joint mediation", "sessions": "", "level": "immediate"}
    for kind in NotificationKind:
        words = notify_words.compose(kind, "http://x/y", service="S", phone="01632", **sample)
        assert "{" not in words.subject + words.body, kind


# --- the pages ------------------------------------------------------------------------------

def test_the_notifications_page_lists_ones_own_newest_first_and_opening_marks_read(w, make_browser):
    with w.app.test_request_context():
        older = notify.notify(NotificationKind.ACTION_POINT_SET, w.alex, w.alex, link="/action-points")
        newer = notify.notify(NotificationKind.AGREEMENT_FINAL, w.alex, w.case, link="/party")
        theirs = notify.notify(NotificationKind.AGREEMENT_FINAL, w.bea, w.case, link="/party")
    Notification.update(created_at=datetime(2026, 1, 1)).where(Notification.id == older.id).execute()
    alex = make_browser(w.alex_user)
    page = alex.get("/notifications").get_data(as_text=True)
    assert page.index("An agreement is final") < page.index("A new action point")
    assert "(2 unread)" in page
    assert alex.submit(f"/notifications/{theirs.id}/open", page="/notifications").status_code == 404
    opened = alex.submit(f"/notifications/{newer.id}/open", page="/notifications")
    assert (opened.status_code, opened.headers["Location"]) == (303, "/party")
    assert Notification.get_by_id(newer.id).read_at is not None
    assert Notification.get_by_id(older.id).read_at is None
    assert "(1 unread)" in alex.get("/notifications").get_data(as_text=True)
    assert alex.submit("/notifications/read", page="/notifications").status_code == 303
    assert Notification.select().where(Notification.read_at.is_null()).count() == 1  # Bea's
    assert "unread)" not in alex.get("/notifications").get_data(as_text=True)


def test_the_notifications_page_pages_by_twenty(w, make_browser):
    with w.app.test_request_context():
        for n in range(25):
            notify.notify(NotificationKind.AGREEMENT_FINAL, w.alex, w.case, due=n, link="/party")
    alex = make_browser(w.alex_user)
    first, second = (alex.get(f"/notifications?page={n}").get_data(as_text=True) for n in (1, 2))
    assert first.count('class="card"') == 20 and second.count('class="card"') == 5
    assert "Page 1 of 2" in first


def test_preferences_are_saved_and_shown(w, make_browser):
    coach = make_browser(w.coach)
    page = coach.get("/notifications/preferences").get_data(as_text=True)
    assert "A party asked about a session" in page and "A session is booked" not in page
    assert "One email a day" in page
    kinds = [k for k in notify.kinds_for(w.coach) if k != NotificationKind.SESSIONS_TODAY]
    response = coach.submit("/notifications/preferences", {"email_kinds": kinds, "email_digest": "y"},
                            page="/notifications/preferences")
    assert response.status_code == 303
    saved = User.get_by_id(w.coach.id)
    assert (saved.email_off, saved.email_digest) == (NotificationKind.SESSIONS_TODAY, True)
    party = make_browser(w.alex_user)
    assert "One email a day" not in party.get("/notifications/preferences").get_data(as_text=True)
    party.submit("/notifications/preferences", {"email_kinds": [], "email_digest": "y"},
                 page="/notifications/preferences")
    saved = User.get_by_id(w.alex_user.id)
    assert set(saved.email_off.split(",")) == set(notify.kinds_for(w.alex_user)) and not saved.email_digest


def test_the_parties_to_phone_are_a_list_of_the_coordinators_queue(w, req, make_browser):
    with w.app.test_request_context():
        notify.notify(NotificationKind.AGREEMENT_FINAL, w.bea, w.case, link="/")
    coordinator = make_browser(User.get_by_id(w.coordinator.id))
    html = coordinator.get("/coordinator").get_data(as_text=True)
    assert f'{w.bea.name} on <a href="/cases/{w.case.reference}#party-{w.bea.id}">' in html
    assert "1 message not emailed" in html
    assert queries.phone_instead(User.get_by_id(w.coach.id)).count() == 0


def test_a_kind_not_offered_is_refused_and_nothing_is_saved(w, make_browser):
    coach = make_browser(w.coach)
    response = coach.submit("/notifications/preferences",
                            {"email_kinds": [NotificationKind.CASE_CLOSED], "email_digest": "y"},
                            page="/notifications/preferences")
    assert response.status_code == 422
    assert "Choose from the kinds of message listed." in response.get_data(as_text=True)
    saved = User.get_by_id(w.coach.id)
    assert (saved.email_off, saved.email_digest) == ("", False)
