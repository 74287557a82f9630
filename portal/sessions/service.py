"""The rules for sessions, and the changes that follow them.

Each change runs in one transaction: the rules are checked inside it (after taking a lock on
PostgreSQL, so two people booking the same coach at once cannot both succeed), and a refused
change raises `SessionRuleError` with every problem found, leaving nothing half-saved. A timeline
entry in words safe for every staff member on the case records what happened.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, url_for

from portal import labels, notify, timeline, times
from portal.db import database, is_sqlite
from portal.models import CaseParty, CaseSession, SessionAttendee, SessionCoach, SessionRequest, User, utcnow

# The allowance count is shown on the case page, whose context (`portal/cases/panels.py`) may
# not import this package (its routes import the case page): it lives with the session queries.
from portal.queries.sessions import ALLOWANCE_KINDS, allowance_used  # noqa: F401
from portal.sessions import calendar
from portal.vocab import CaseEventKind, CaseKind, ConsentState, NotificationKind, SessionKind, SessionStatus

ONE_PARTY_KINDS = frozenset({SessionKind.PRE_MEDIATION, SessionKind.COACHING, SessionKind.POST_MEDIATION_COACHING})
MEDIATION_ONLY_KINDS = frozenset({SessionKind.PRE_MEDIATION, SessionKind.JOINT_MEDIATION})
# Sessions longer than this are not looked at for clashes (forms allow at most 8 hours).
CLASH_WINDOW = timedelta(hours=24)

_NOT_CONSENTED = {
    ConsentState.PENDING: "{name} has not yet given consent to take part, so no session can be "
                       "scheduled with them.",
    ConsentState.DECLINED: "{name} declined to take part, so no session can be scheduled with them.",
    ConsentState.WITHDRAWN: "{name} has withdrawn from the case, so no session can be scheduled "
                         "with them.",
}


@dataclass
class Seat:
    party: CaseParty
    supporter_name: str | None = None
    supporter_relationship: str | None = None
    supporter_coach_told: bool = False


@dataclass
class Plan:
    """A session as asked for: times in naive UTC, coaches as users, parties as seats."""
    kind: str
    starts_at: datetime
    duration_minutes: int
    mode: str
    location: str = ""
    online_link: str = ""
    coaches: list = field(default_factory=list)
    seats: list = field(default_factory=list)
    over_allowance_reason: str | None = None


class SessionRuleError(ValueError):
    """The rules refuse the change. `problems` is a list of (form field name, message)."""

    def __init__(self, problems):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def kind_label(kind):
    return labels.label(kind, "session_kind")


def _when(moment):
    return times.date_time(moment)


# --- the rules ------------------------------------------------------------------------------

def kinds_for(case):
    """The kinds of session a case may have: mediation meetings only on mediation cases."""
    return [k for k in SessionKind if case.kind == CaseKind.MEDIATION or k not in MEDIATION_ONLY_KINDS]


def _kind_problems(case, plan):
    problems = []
    if plan.kind not in kinds_for(case):
        problems.append(("kind", f"A {kind_label(plan.kind).lower()} can only be scheduled on a "
                                 "mediation case."))
    count = len(plan.seats)
    if plan.kind in ONE_PARTY_KINDS and count != 1:
        problems.append(("attendees", f"Only one party attends this kind of session "
                                      f"({kind_label(plan.kind).lower()}): choose exactly one."))
    if plan.kind == SessionKind.JOINT_MEDIATION and count < 2:
        problems.append(("attendees", "Joint mediation needs at least two parties."))
    return problems


def _consent_problems(parties):
    """Nothing is scheduled with a party who has not consented (read fresh, inside the lock)."""
    states = {p.id: p.consent_state for p in
              CaseParty.select(CaseParty.id, CaseParty.consent_state)
              .where(CaseParty.id.in_([p.id for p in parties]))}
    return [("attendees", _NOT_CONSENTED.get(states.get(p.id), "{name} cannot be booked.")
             .format(name=p.name))
            for p in parties if states.get(p.id) != ConsentState.GIVEN]


def _overlaps(other, starts_at, ends_at):
    other_end = other.starts_at + timedelta(minutes=other.duration_minutes)
    return other.starts_at < ends_at and starts_at < other_end


def _nearby(starts_at, ends_at, exclude_id):
    """Non-cancelled sessions, on any case, that may overlap [starts_at, ends_at)."""
    query = CaseSession.select(CaseSession.id).where(
        CaseSession.status != SessionStatus.CANCELLED,
        CaseSession.starts_at < ends_at,
        CaseSession.starts_at > starts_at - CLASH_WINDOW)
    if exclude_id is not None:
        query = query.where(CaseSession.id != exclude_id)
    return query


def _clash_problems(starts_at, duration, coach_ids, parties, exclude_id=None):
    """Who already has a session then. A party's other case is never described, only named."""
    ends_at = starts_at + timedelta(minutes=duration)
    nearby = _nearby(starts_at, ends_at, exclude_id)
    busy = set()
    for seat in (SessionCoach.select(SessionCoach, CaseSession, User).join(CaseSession)
                 .switch(SessionCoach).join(User)
                 .where(SessionCoach.coach.in_(list(coach_ids)), SessionCoach.session.in_(nearby))):
        if _overlaps(seat.session, starts_at, ends_at):
            busy.add(seat.coach.name)
    by_party = {p.id: p for p in parties}
    by_user = {p.user_id: p for p in parties if p.user_id is not None}
    same_person = CaseParty.id.in_(list(by_party))
    if by_user:
        same_person |= CaseParty.user.in_(list(by_user))
    for seat in (SessionAttendee.select(SessionAttendee, CaseSession, CaseParty).join(CaseSession)
                 .switch(SessionAttendee).join(CaseParty)
                 .where(same_person, SessionAttendee.session.in_(nearby))):
        if _overlaps(seat.session, starts_at, ends_at):
            ours = by_party.get(seat.party.id) or by_user[seat.party.user_id]
            busy.add(ours.name)
    return [("start", f"{name} already has a session at that time.") for name in sorted(busy)]


def _allowance_problems(case, plan):
    if plan.kind not in ALLOWANCE_KINDS:
        return []
    used = allowance_used(case)
    if used < case.session_allowance or plan.over_allowance_reason:
        return []
    return [("over_allowance_reason",
             f"This case's allowance is {case.session_allowance} coaching sessions and {used} "
             "are already booked or held. To schedule another, give a reason.")]


def over_allowance(case, plan):
    return plan.kind in ALLOWANCE_KINDS and allowance_used(case) >= case.session_allowance


def _lock():
    # One booking at a time, so two people cannot both take the same free slot. SQLite already
    # lets only one writer in at a time.
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(4243)")


# --- the changes ----------------------------------------------------------------------------

def schedule(case, plan, *, by):
    """Book a session after checking every rule; returns the new CaseSession."""
    parties = [seat.party for seat in plan.seats]
    with database.atomic():
        _lock()
        problems = (_kind_problems(case, plan) + _consent_problems(parties)
                    + _clash_problems(plan.starts_at, plan.duration_minutes,
                                      [c.id for c in plan.coaches], parties)
                    + _allowance_problems(case, plan))
        if problems:
            raise SessionRuleError(problems)
        over = over_allowance(case, plan)
        session = CaseSession.create(
            case=case, kind=plan.kind, starts_at=plan.starts_at,
            duration_minutes=plan.duration_minutes, mode=plan.mode, location=plan.location,
            online_link=plan.online_link, created_by=by,
            over_allowance_reason=plan.over_allowance_reason if over else None)
        for coach in plan.coaches:
            SessionCoach.create(session=session, coach=coach)
        for seat in plan.seats:
            SessionAttendee.create(session=session, party=seat.party,
                                   supporter_name=seat.supporter_name,
                                   supporter_relationship=seat.supporter_relationship,
                                   supporter_coach_told=seat.supporter_coach_told)
        names = ", ".join(p.name for p in parties)
        summary = (f"{kind_label(plan.kind)} scheduled for {_when(plan.starts_at)} "
                   f"({plan.duration_minutes} minutes, {labels.label(plan.mode).lower()}) with {names}.")
        if over:
            summary += (f" Over the allowance of {case.session_allowance} coaching sessions. "
                        f"Reason: {plan.over_allowance_reason}")
        timeline.record(case, CaseEventKind.SESSION_SCHEDULED, summary, by)
        tell_parties(session, NotificationKind.SESSION_BOOKED, parties)
    return session


def reschedule(session, plan, *, by):
    """Move a scheduled session (date, time, length, place), checking consent and clashes again."""
    seats = list(SessionAttendee.select(SessionAttendee, CaseParty).join(CaseParty)
                 .where(SessionAttendee.session == session.id))
    parties = [seat.party for seat in seats]
    coach_ids = [s.coach_id for s in SessionCoach.select().where(SessionCoach.session == session.id)]
    with database.atomic():
        _lock()
        problems = (_consent_problems(parties)
                    + _clash_problems(plan.starts_at, plan.duration_minutes, coach_ids, parties,
                                      exclude_id=session.id))
        if problems:
            raise SessionRuleError(problems)
        before = session.starts_at
        (CaseSession
         .update(starts_at=plan.starts_at, duration_minutes=plan.duration_minutes, mode=plan.mode,
                 location=plan.location, online_link=plan.online_link, sequence=CaseSession.sequence + 1)
         .where(CaseSession.id == session.id)
         .execute())
        timeline.record(session.case, CaseEventKind.SESSION_RESCHEDULED,
                        f"{kind_label(session.kind)} on {_when(before)} moved to "
                        f"{_when(plan.starts_at)} ({plan.duration_minutes} minutes, "
                        f"{labels.label(plan.mode).lower()}).", by)
        tell_parties(CaseSession.get_by_id(session.id), NotificationKind.SESSION_MOVED, parties)


def record_outcome(session, status, attendance, cancelled_by, *, by):
    """Held, did not attend (with who came), or cancelled (by whom)."""
    if status != SessionStatus.CANCELLED and session.starts_at > utcnow():
        raise SessionRuleError([("status", "You can record attendance once the session has "
                                           "started. You can cancel it now.")])
    cancelling = status == SessionStatus.CANCELLED and session.status != SessionStatus.CANCELLED
    with database.atomic():
        (CaseSession
         .update(status=status, cancelled_by=cancelled_by if status == SessionStatus.CANCELLED else None,
                 sequence=CaseSession.sequence + (1 if cancelling else 0))
         .where(CaseSession.id == session.id)
         .execute())
        names = {}
        for seat in (SessionAttendee.select(SessionAttendee, CaseParty).join(CaseParty)
                     .where(SessionAttendee.session == session.id)):
            attended = attendance.get(seat.party_id)
            SessionAttendee.update(attended=attended).where(SessionAttendee.id == seat.id).execute()
            names.setdefault(attended, []).append(seat.party.name)
        timeline.record(session.case, CaseEventKind.SESSION_OUTCOME,
                        _outcome_summary(session, status, names, cancelled_by), by)
        if cancelling:
            parties = [seat.party for seat in SessionAttendee.select(SessionAttendee, CaseParty).join(CaseParty)
                       .where(SessionAttendee.session == session.id)]
            tell_parties(CaseSession.get_by_id(session.id), NotificationKind.SESSION_CANCELLED, parties)


def _outcome_summary(session, status, names, cancelled_by):
    what = f"{kind_label(session.kind)} on {_when(session.starts_at)}"
    if status == SessionStatus.CANCELLED:
        return f"{what} cancelled {labels.label(cancelled_by, 'cancelled_by')}."
    summary = f"{what}: {labels.label(status).lower()}."
    if names.get(True):
        summary += f" Came: {', '.join(names[True])}."
    if names.get(False):
        summary += f" Did not come: {', '.join(names[False])}."
    return summary


def tell_parties(session, kind, parties):
    """Each party at the session: booked, moved or cancelled, with the calendar file that adds,
    updates or removes it (the same event each time: its UID, a higher SEQUENCE). `due` is the
    sequence, so a second move is a second message."""
    config = current_app.config
    domain = urlsplit(config["PUBLIC_BASE_URL"]).hostname or "accord.invalid"
    attachment = calendar.emailed_file(session, config=config, domain=domain)
    for party in parties:
        notify.notify(kind, party, session, due=session.sequence, link=url_for("home.index"),
                      attachments=[attachment], what=kind_label(session.kind),
                      when=times.day_date_time(session.starts_at), mode=labels.label(session.mode).lower())


# --- a party's own seat ---------------------------------------------------------------------

def ask_about_session(session, party, kind, reason):
    """A party's request about their session, kept for their coaches to deal with."""
    with database.atomic():
        request = SessionRequest.create(session=session, party=party, kind=kind,
                                        reason=(reason or "").strip() or None)
        notify.tell_coaches(session.case, NotificationKind.SESSION_REQUEST, request)
        return request


def deal_with_request(request, *, by):
    """Mark a party's request dealt with (once; a second time changes nothing)."""
    with database.atomic():
        return (SessionRequest.update(dealt_with_at=utcnow(), dealt_with_by=by.id)
                .where(SessionRequest.id == request.id, SessionRequest.dealt_with_at.is_null())
                .execute())


def set_supporter(seat, name, relationship):
    """Whom the party brings to the session, or nobody (both empty). Named by the party through
    the portal before the session, so the coaches are told in advance: the case page shows it."""
    name, relationship = (name or "").strip() or None, (relationship or "").strip() or None
    with database.atomic():
        (SessionAttendee.update(supporter_name=name,
                                supporter_relationship=relationship if name else None,
                                supporter_coach_told=name is not None)
         .where(SessionAttendee.id == seat.id).execute())
