"""Reminders: what has become due by `now`, told once.

`run_due(now)` looks for everything that is due and calls `notify` for it with the thing's due
moment in the unique key, so running it again (a second worker, a restart, an operator running
it by hand) sends nothing new. Each reminder is a small function: what is due, and whom to tell.
Dates that people chose (an action point's due date, a review date) are read in the service's
time zone, as pages show them.

The lead wires `run_due` into the periodic jobs; until then `flask --app wsgi reminders run`
calls it.
"""

from datetime import time, timedelta

from flask import current_app, has_request_context, url_for

from portal import labels, notify, policy, times
from portal.db import database
from portal.models import (
    ActionPoint,
    Agreement,
    AgreementAcceptance,
    AgreementChangeRequest,
    Case,
    CaseParty,
    CaseSession,
    Note,
    NoteShare,
    Notification,
    SafeguardingConcern,
    SessionAttendee,
    SessionCoach,
    User,
)
from portal.queries.cases import current_coaches
from portal.sessions.service import kind_label
from portal.times import local_to_utc
from portal.vocab import (
    AgreementState,
    CaseStatus,
    ConcernState,
    ConsentState,
    NotificationKind,
    Role,
    SessionStatus,
    ShareState,
)

# How long a question or an agreement waits for a party before they are reminded, once.
PARTY_ANSWER_WAIT = timedelta(days=3)
# A held session with no note after this long: its coaches are reminded.
NOTE_WAIT = timedelta(days=2)
# How far back reminders about sessions look, so that a new installation does not remind
# people of years of old sessions at once.
LOOK_BACK = timedelta(days=14)
# When a coach's "sessions today" goes out (service time): not at midnight.
MORNING = time(6, 0)


def _today(now):
    return times.to_local(now).date()


def _open_cases():
    return Case.select(Case.id).where(Case.status == CaseStatus.OPEN)


def _home():
    return url_for("home.index")


def _case_link(case):
    return url_for("cases.show", reference=case.reference)


def _coordinators():
    return User.select().where(User.role == Role.COORDINATOR, User.active == True)  # noqa: E712


# --- parties ----------------------------------------------------------------------------------

def session_tomorrow(now):
    """Each party at a session booked for tomorrow (service time)."""
    tomorrow = _today(now) + timedelta(days=1)
    start, end = local_to_utc(tomorrow, time()), local_to_utc(tomorrow + timedelta(days=1), time())
    seats = (SessionAttendee.select(SessionAttendee, CaseSession, CaseParty)
             .join(CaseSession).switch(SessionAttendee).join(CaseParty)
             .where(CaseSession.status == SessionStatus.SCHEDULED,
                    CaseSession.starts_at >= start, CaseSession.starts_at < end,
                    CaseSession.case.in_(_open_cases())))
    for seat in seats:
        session = seat.session
        notify.notify(NotificationKind.SESSION_TOMORROW, seat.party, session, due=session.starts_at.isoformat(),
                      link=_home(), what=kind_label(session.kind), when=times.day_date_time(session.starts_at),
                      mode=labels.label(session.mode).lower())


def action_points(now):
    """Each party with an action point due in two days, or overdue (once each)."""
    today = _today(now)
    open_points = (ActionPoint.select(ActionPoint, CaseParty).join(CaseParty)
                   .where(ActionPoint.done_at.is_null(), ActionPoint.due_on.is_null(False),
                          ActionPoint.case.in_(_open_cases()) | ActionPoint.agreement_term.is_null(False)))
    for point in open_points.where(ActionPoint.due_on == today + timedelta(days=2)):
        notify.notify(NotificationKind.ACTION_POINT_DUE_SOON, point.party, point, due=point.due_on,
                      link=url_for("actions.show", point_id=point.id))
    for point in open_points.where(ActionPoint.due_on < today):
        notify.notify(NotificationKind.ACTION_POINT_OVERDUE, point.party, point, due=point.due_on,
                      link=url_for("actions.show", point_id=point.id))


def share_questions(now):
    """The source party of a note whose question about sharing has waited three days."""
    shares = (NoteShare.select(NoteShare, Note).join(Note)
              .where(NoteShare.state == ShareState.WAITING, NoteShare.created_at <= now - PARTY_ANSWER_WAIT,
                     Note.source_party.is_null(False), Note.case.in_(_open_cases())))
    for share in shares:
        source = CaseParty.get_by_id(share.note.source_party_id)
        notify.notify(NotificationKind.SHARE_QUESTION_WAITING, source, share,
                      due=share.created_at.isoformat(), link=url_for("notes.shared"))


def agreements_waiting(now):
    """Each party who has neither accepted nor asked for a change to an agreement proposed
    three days ago."""
    proposed = Agreement.select().where(Agreement.state == AgreementState.PROPOSED,
                                        Agreement.proposed_at <= now - PARTY_ANSWER_WAIT,
                                        Agreement.case.in_(_open_cases()))
    for agreement in proposed:
        answered = ({a.party_id for a in AgreementAcceptance.select().where(AgreementAcceptance.agreement == agreement)}
                    | {r.party_id for r in AgreementChangeRequest.select()
                       .where(AgreementChangeRequest.agreement == agreement)})
        for party in CaseParty.select().where(CaseParty.case == agreement.case_id):
            if party.id not in answered:
                notify.notify(NotificationKind.AGREEMENT_WAITING, party, agreement,
                              link=url_for("agreements.show", reference=agreement.case.reference,
                                           agreement_id=agreement.id))


# --- coaches ----------------------------------------------------------------------------------

def sessions_today(now):
    """Each coach with sessions today, one message in the morning."""
    today = _today(now)
    if now < local_to_utc(today, MORNING):
        return
    start, end = local_to_utc(today, time()), local_to_utc(today + timedelta(days=1), time())
    counts = {}
    for seat in (SessionCoach.select(SessionCoach.coach).join(CaseSession)
                 .where(CaseSession.status == SessionStatus.SCHEDULED,
                        CaseSession.starts_at >= start, CaseSession.starts_at < end)):
        counts[seat.coach_id] = counts.get(seat.coach_id, 0) + 1
    for coach in User.select().where(User.id.in_(list(counts))):
        count = counts[coach.id]
        notify.notify(NotificationKind.SESSIONS_TODAY, coach, f"day:{today}", due=today, link=_home(),
                      count=f"{count} session{'' if count == 1 else 's'}")


def notes_missing(now):
    """The coaches of a session held two days ago or more (within the look-back) with no note."""
    held = (CaseSession.select()
            .where(CaseSession.status == SessionStatus.HELD,
                   CaseSession.starts_at <= now - NOTE_WAIT, CaseSession.starts_at > now - LOOK_BACK,
                   ~CaseSession.id.in_(Note.select(Note.session).where(Note.session.is_null(False)))))
    for session in held:
        case = session.case
        for coach in current_coaches(case):
            notify.notify(NotificationKind.SESSION_NOTE_MISSING, coach, session, case=case.id,
                          link=_case_link(case), reference=case.reference)


# --- coordinators and leads -------------------------------------------------------------------

def consent_waiting(now):
    """Every coordinator: a party on an open case whose consent has not been recorded within
    the service's wait (ACCORD_CONSENT_WAIT_DAYS)."""
    wait = timedelta(days=current_app.config["CONSENT_WAIT_DAYS"])
    parties = (CaseParty.select(CaseParty, Case).join(Case)
               .where(CaseParty.consent_state == ConsentState.PENDING, CaseParty.created_at <= now - wait,
                      Case.status == CaseStatus.OPEN))
    coordinators = list(_coordinators())
    for party in parties:
        for coordinator in coordinators:
            notify.notify(NotificationKind.CONSENT_WAITING, coordinator, party, case=party.case_id,
                          link=_case_link(party.case), reference=party.case.reference)


def reviews_due(now):
    """Every coordinator: a final agreement whose review date has come and is not recorded."""
    due = Agreement.select().where(Agreement.state == AgreementState.FINAL, Agreement.review_on <= _today(now),
                                   Agreement.reviewed_on.is_null())
    coordinators = list(_coordinators())
    for agreement in due:
        for coordinator in coordinators:
            notify.notify(NotificationKind.AGREEMENT_REVIEW_DUE, coordinator, agreement,
                          due=agreement.review_on, case=agreement.case_id,
                          link=url_for("agreements.show", reference=agreement.case.reference,
                                       agreement_id=agreement.id),
                          reference=agreement.case.reference)


def concerns_overdue(now):
    """Every safeguarding lead: a concern not acknowledged within its level's limit."""
    config = current_app.config
    limits = policy.concern_ack_limits(config["SAFEGUARDING_IMMEDIATE_ACK_MINUTES"],
                                       config["SAFEGUARDING_HIGH_ACK_HOURS"])
    leads = list(User.select().where(User.role == Role.COORDINATOR, User.active == True,  # noqa: E712
                                     User.is_safeguarding_lead == True))  # noqa: E712
    for concern in SafeguardingConcern.select().where(SafeguardingConcern.state == ConcernState.OPEN):
        if not policy.is_overdue(concern.level, False, now - concern.created_at, limits):
            continue
        for lead in leads:
            notify.notify(NotificationKind.CONCERN_OVERDUE, lead, concern, case=concern.case_id,
                          link=url_for("safeguarding.show", concern_id=concern.id),
                          reference=concern.case.reference)


def digests(now):
    """Staff who chose one email a day: theirs, once a day in the morning (from 06:00)."""
    cut_off = local_to_utc(_today(now), MORNING)
    if now >= cut_off:
        notify.send_digests(before=cut_off)


REMINDERS = (session_tomorrow, action_points, share_questions, agreements_waiting, sessions_today,
             notes_missing, consent_waiting, reviews_due, concerns_overdue, digests)


def run_due(now):
    """Send every reminder due at `now` (naive UTC) that has not gone out yet; returns how many
    notifications were written. Safe to run any number of times."""
    if not has_request_context():
        # Outside a request (a command, a worker), links are built for the public address.
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
            return run_due(now)
    before = Notification.select().count()
    for reminder in REMINDERS:
        with database.atomic():
            reminder(now)
    return Notification.select().count() - before
