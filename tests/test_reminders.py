"""Reminders (`portal.reminders.run_due`): each goes out when it is due, not a moment before,
and exactly once however often the reminders run. December, so service time is UTC."""

from datetime import date, datetime, timedelta

import pytest

from portal import reminders
from portal.models import AgreementAcceptance, CaseSession, Notification
from portal.vocab import (
    AgreementState,
    ConsentState,
    Delivery,
    NotificationKind,
    Role,
    SessionStatus,
    ShareState,
    UnsafeRoute,
)
from tests.apps import body_of
from tests.factories import (
    add_party,
    allocate,
    make_action_point_due,
    make_agreement,
    make_case,
    make_concern,
    make_note,
    make_session,
    make_user,
)

NOW = datetime(2026, 12, 1, 8, 0)  # a Tuesday, 08:00 in London (UTC in December)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def w(ctx):
    """A mediation with two consenting parties with accounts (Bea must not be emailed) and a coach."""
    class World:
        pass
    w = World()
    w.case = make_case()
    w.coach = make_user(Role.COACH)
    allocate(w.case, w.coach)
    w.alex_user, w.bea_user = make_user(Role.PARTY), make_user(Role.PARTY)
    w.alex = add_party(w.case, w.alex_user, consent_state=ConsentState.GIVEN)
    w.bea = add_party(w.case, w.bea_user, consent_state=ConsentState.GIVEN, unsafe_routes=UnsafeRoute.EMAIL)
    return w


def sent(kind):
    """(recipient id, delivery) of each notification of `kind`."""
    return sorted((n.recipient_id, n.delivery) for n in Notification.select().where(Notification.kind == kind))


def twice(now, outbox):
    """Run the reminders twice at `now`: the second run must send nothing at all."""
    first = reminders.run_due(now)
    emails = len(outbox())
    assert reminders.run_due(now) == 0
    assert len(outbox()) == emails
    return first


def test_the_day_before_a_session_each_party_is_reminded_once(w, outbox):
    make_session(w.case, [w.alex, w.bea], [w.coach], starts_at=datetime(2026, 12, 2, 0, 0))
    make_session(w.case, [w.alex], [w.coach], starts_at=datetime(2026, 12, 3, 0, 0))  # the day after
    assert twice(datetime(2026, 11, 30, 23, 59, 59), outbox) == 0  # tomorrow is 1 December
    assert twice(NOW, outbox) == 2
    assert sent(NotificationKind.SESSION_TOMORROW) == [(w.alex_user.id, Delivery.EMAILED),
                                                        (w.bea_user.id, Delivery.MUST_NOT_EMAIL)]
    [email] = outbox()
    assert email["To"] == w.alex_user.email and email["Subject"] == "Reminder: your session tomorrow"


def test_a_cancelled_session_is_not_reminded(w, outbox):
    make_session(w.case, [w.alex], [w.coach], starts_at=datetime(2026, 12, 2, 10), status=SessionStatus.CANCELLED)
    assert twice(NOW, outbox) == 0


def test_action_points_due_in_two_days_and_overdue_once_each(w, outbox):
    soon = make_action_point_due(w.case, w.alex, date(2026, 12, 3))
    make_action_point_due(w.case, w.alex, date(2026, 12, 4))  # three days: not yet
    make_action_point_due(w.case, w.alex, date(2026, 12, 1))  # due today: not overdue
    late = make_action_point_due(w.case, w.alex, date(2026, 11, 30))
    make_action_point_due(w.case, w.alex, date(2026, 11, 29), done_at=NOW)  # done: nothing
    assert twice(NOW, outbox) == 2
    rows = {(n.kind, n.link) for n in Notification.select()}
    assert rows == {(NotificationKind.ACTION_POINT_DUE_SOON, f"/action-points/{soon.id}"),
                    (NotificationKind.ACTION_POINT_OVERDUE, f"/action-points/{late.id}")}
    # The next day the overdue one is not sent again; the one due on the 4th now is.
    assert twice(NOW + timedelta(days=1), outbox) == 2
    assert Notification.select().where(Notification.kind == NotificationKind.ACTION_POINT_OVERDUE).count() == 2


def test_a_question_about_sharing_waiting_three_days_reminds_its_source_party_once(w, outbox):
    note = make_note(w.case, w.coach, source=w.alex, shares={w.bea: ShareState.WAITING})
    share = note.shares.get()
    share.created_at = NOW - timedelta(days=3) + timedelta(seconds=1)
    share.save()
    assert twice(NOW, outbox) == 0
    assert twice(NOW + timedelta(seconds=1), outbox) == 1
    assert sent(NotificationKind.SHARE_QUESTION_WAITING) == [(w.alex_user.id, Delivery.EMAILED)]


def test_an_agreement_waiting_three_days_reminds_the_parties_who_have_not_answered(w, outbox):
    agreement = make_agreement(w.case, w.coach, state=AgreementState.PROPOSED,
                               proposed_at=NOW - timedelta(days=3))
    AgreementAcceptance.create(agreement=agreement, party=w.alex, version=1, typed_name="Alex")
    assert twice(NOW - timedelta(seconds=1), outbox) == 0
    assert twice(NOW, outbox) == 1
    assert sent(NotificationKind.AGREEMENT_WAITING) == [(w.bea_user.id, Delivery.MUST_NOT_EMAIL)]
    assert outbox() == []  # Bea must not be emailed


def test_a_coach_hears_of_the_days_sessions_once_from_six_in_the_morning(w, outbox):
    for hour in (10, 14):
        make_session(w.case, [w.alex], [w.coach], starts_at=datetime(2026, 12, 1, hour))
    make_session(w.case, [w.alex], [w.coach], starts_at=datetime(2026, 12, 2, 0, 0))  # tomorrow
    twice(datetime(2026, 12, 1, 5, 59, 59), outbox)
    assert sent(NotificationKind.SESSIONS_TODAY) == []
    twice(datetime(2026, 12, 1, 6, 0), outbox)
    assert sent(NotificationKind.SESSIONS_TODAY) == [(w.coach.id, Delivery.EMAILED)]
    [email] = [m for m in outbox() if m["To"] == w.coach.email]
    assert email["Subject"] == "Your sessions today: 2 sessions"


def test_a_held_session_with_no_note_after_two_days_reminds_its_coaches(w, outbox):
    held = make_session(w.case, [w.alex], [w.coach], starts_at=NOW - timedelta(days=2), status=SessionStatus.HELD)
    noted = make_session(w.case, [w.alex], [w.coach], starts_at=NOW - timedelta(days=3), status=SessionStatus.HELD)
    make_note(w.case, w.coach).__class__.update(session=noted).execute()
    assert twice(NOW - timedelta(seconds=1), outbox) == 0
    assert twice(NOW, outbox) == 1
    [row] = Notification.select()
    assert (row.kind, row.recipient_id, row.key.split("|")[1]) == (
        NotificationKind.SESSION_NOTE_MISSING, w.coach.id, f"CaseSession:{held.id}")
    assert CaseSession.get_by_id(held.id).status == SessionStatus.HELD


def test_coordinators_hear_of_consent_waiting_too_long_and_of_a_review_due(ctx, outbox):
    coordinators = [make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)]
    make_user(Role.COORDINATOR, active=False)
    case = make_case()
    waiting = add_party(case, name="Waiting Party", created_at=NOW - timedelta(days=14))
    add_party(case, name="New Party", created_at=NOW - timedelta(days=14) + timedelta(seconds=1))
    agreement = make_agreement(case, coordinators[0], state=AgreementState.FINAL, review_on=date(2026, 12, 1))
    make_agreement(case, coordinators[0], state=AgreementState.FINAL, review_on=date(2026, 12, 2))
    assert twice(NOW, outbox) == 4
    assert sent(NotificationKind.CONSENT_WAITING) == sorted((c.id, Delivery.EMAILED) for c in coordinators)
    assert {n.key.split("|")[1] for n in Notification.select().where(
        Notification.kind == NotificationKind.CONSENT_WAITING)} == {f"CaseParty:{waiting.id}"}
    assert {n.key.split("|")[1] for n in Notification.select().where(
        Notification.kind == NotificationKind.AGREEMENT_REVIEW_DUE)} == {f"Agreement:{agreement.id}"}
    # The next day: the second review and the second party's consent are due (to both
    # coordinators each); what was sent yesterday is not sent again.
    assert twice(NOW + timedelta(days=1), outbox) == 4
    assert Notification.select().count() == 8


def test_every_lead_hears_once_when_a_concern_becomes_overdue(ctx, outbox):
    leads = [make_user(Role.COORDINATOR, is_safeguarding_lead=True) for _ in range(2)]
    make_user(Role.COORDINATOR)  # not a lead
    case = make_case()
    concern = make_concern(case, leads[0], level="high", created_at=NOW - timedelta(hours=24))
    make_concern(case, leads[0], level="high", state="acknowledged", created_at=NOW - timedelta(days=3))
    assert twice(NOW, outbox) == 0  # exactly at the limit is still in time
    assert twice(NOW + timedelta(seconds=1), outbox) == 2
    assert sent(NotificationKind.CONCERN_OVERDUE) == sorted((lead.id, Delivery.EMAILED) for lead in leads)
    for email in outbox():
        assert email["Subject"] == f"A safeguarding concern is overdue on case {case.reference}"
        assert "What was said." not in body_of(email)
    assert {n.link for n in Notification.select()} == {f"/safeguarding/concerns/{concern.id}"}


def test_a_staff_digest_goes_once_a_day_in_the_morning_listing_what_was_kept(w, outbox):
    from portal import notify
    from portal.models import User
    User.update(email_digest=True).where(User.id == w.coach.id).execute()
    coach = User.get_by_id(w.coach.id)
    from flask import current_app
    with current_app.test_request_context():
        for n, kind in enumerate((NotificationKind.PARTY_COMMENTED, NotificationKind.SESSION_REQUEST)):
            row = notify.notify(kind, coach, w.case, due=n, link=f"/cases/{w.case.reference}",
                                reference=w.case.reference)
            row.created_at = datetime(2026, 11, 30, 15, n)
            row.save()
        late = notify.notify(NotificationKind.PARTY_COMMENTED, coach, w.case, due="late", link="/",
                             reference=w.case.reference)
        late.created_at = datetime(2026, 12, 1, 6, 30)  # after this morning's cut-off
        late.save()
    assert outbox() == []
    twice(datetime(2026, 12, 1, 5, 59), outbox)
    assert outbox() == []
    twice(datetime(2026, 12, 1, 6, 0), outbox)
    twice(datetime(2026, 12, 1, 18, 0), outbox)
    [digest] = outbox()
    assert (digest["To"], digest["Subject"]) == (w.coach.email, "What is waiting for you: 2 messages")
    body = body_of(digest)
    assert "- A party commented on an action point\n  http://localhost/cases/" in body
    assert "- A party asked about a session\n" in body
    twice(datetime(2026, 12, 2, 6, 0), outbox)  # the next morning: the one kept since
    assert [m["Subject"] for m in outbox()] == ["What is waiting for you: 2 messages",
                                                "What is waiting for you: 1 message"]
