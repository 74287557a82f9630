"""A coach's working day (their home page): their diary of sessions to come, and their to-do on
the cases they are allocated to now. A coach taken off a case no longer finds any of its items
here; anyone but an active coach finds nothing.

"Not yet seen": what a party said on one of the coach's cases (a comment on an action point, an
answer about taking part (post-mediation coaching offered to them included), about sharing
the coach's note, a request to change an agreement) after the coach last opened that case's page (`CaseSeen`, moved
on by the case page), or at all when they never have.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from peewee import JOIN, ColumnBase, ModelSelect, fn

from portal import policy
from portal.models import (
    ActionPoint,
    Agreement,
    AgreementChangeRequest,
    Case,
    CaseParty,
    CaseSeen,
    CaseSession,
    ConsentEvent,
    Note,
    NoteShare,
    SessionAttendee,
    SessionCoach,
    User,
)
from portal.queries._scopes import PARTY_NAME_COLUMNS, allocated_case_ids, has_role, nothing
from portal.vocab import Role, SessionStatus, ShareConsentMethod, ShareState

# The case columns a to-do line shows: which case, and its reference for the link.
CASE_LINK_COLUMNS = (Case.id, Case.reference)


def _runs(user: User) -> ModelSelect[SessionCoach]:
    return SessionCoach.select(SessionCoach.session).where(SessionCoach.coach == user.id)


def coach_diary(user: User, since: datetime) -> ModelSelect[CaseSession]:
    """The sessions this coach runs from `since` (naive UTC) on, still booked (a cancelled or
    held session is not in a diary of what is to come), soonest first, with their case."""
    if not has_role(user, Role.COACH):
        return nothing(CaseSession)
    return (CaseSession
            .select(CaseSession, *CASE_LINK_COLUMNS)
            .join(Case)
            .where(CaseSession.id.in_(_runs(user)),
                   CaseSession.case.in_(allocated_case_ids(user)),
                   CaseSession.status == SessionStatus.SCHEDULED,
                   CaseSession.starts_at >= since)
            .order_by(CaseSession.starts_at, CaseSession.id))


def session_party_names(sessions: ModelSelect[CaseSession]) -> ModelSelect[SessionAttendee]:
    """Who comes to already-visible sessions (`sessions`, a query of them): names only."""
    return (SessionAttendee
            .select(SessionAttendee.id, SessionAttendee.session, *PARTY_NAME_COLUMNS)
            .join(CaseParty)
            .where(SessionAttendee.session.in_(sessions.select(CaseSession.id)))
            .order_by(CaseParty.name, SessionAttendee.id))


def notes_to_write(user: User) -> ModelSelect[CaseSession]:
    """Sessions this coach ran (held) on their cases with no note about them that the coach can
    read (one a co-coach keeps private does not count: this coach has still to write theirs),
    oldest first."""
    if not has_role(user, Role.COACH):
        return nothing(CaseSession)
    readable = Note.audience.in_(policy.note_audiences_for(policy.CASE_COACH)) | (Note.author == user.id)
    # Asked of each session's own notes (by the index on note.session_id): a `NOT IN` over every
    # note in the service would read the whole note table for each request.
    noted = Note.select(Note.id).where(Note.session == CaseSession.id, Note.withdrawn_at.is_null(), readable)
    return (CaseSession
            .select(CaseSession, *CASE_LINK_COLUMNS)
            .join(Case)
            .where(CaseSession.id.in_(_runs(user)),
                   CaseSession.case.in_(allocated_case_ids(user)),
                   CaseSession.status == SessionStatus.HELD,
                   ~fn.EXISTS(noted))
            .order_by(CaseSession.starts_at, CaseSession.id))


def share_consents_waiting(user: User) -> ModelSelect[NoteShare]:
    """Shares of this coach's own notes waiting for the source party's consent, oldest first,
    with the note's date and case and whose consent it waits for (names only; never the
    note's text)."""
    if not has_role(user, Role.COACH):
        return nothing(NoteShare)
    return (NoteShare
            .select(NoteShare.id, NoteShare.note, NoteShare.party, NoteShare.state, NoteShare.created_at,
                    Note.id, Note.case, Note.created_at, Note.source_party, *CASE_LINK_COLUMNS,
                    *PARTY_NAME_COLUMNS)
            .join(Note)
            .join(Case)
            .switch(Note)
            .join(CaseParty, on=(Note.source_party == CaseParty.id))
            .where(NoteShare.state == ShareState.WAITING, Note.author == user.id,
                   Note.withdrawn_at.is_null(), Note.case.in_(allocated_case_ids(user)))
            .order_by(NoteShare.created_at, NoteShare.id))


def overdue_action_points(user: User, today: date) -> ModelSelect[ActionPoint]:
    """Action points on this coach's cases not done by their due date (before `today`, the
    service's date), the longest overdue first, with whose they are."""
    if not has_role(user, Role.COACH):
        return nothing(ActionPoint)
    return (ActionPoint
            .select(ActionPoint.id, ActionPoint.case, ActionPoint.party, ActionPoint.text, ActionPoint.due_on,
                    *CASE_LINK_COLUMNS, *PARTY_NAME_COLUMNS)
            .join(Case)
            .switch(ActionPoint)
            .join(CaseParty)
            .where(ActionPoint.done_at.is_null(), ActionPoint.due_on < today,
                   ActionPoint.case.in_(allocated_case_ids(user)))
            .order_by(ActionPoint.due_on, ActionPoint.id))


# --- not yet seen ---------------------------------------------------------------------------

def _not_seen(user: User, case: Any, when: ColumnBase) -> ColumnBase:
    """`when` (on case `case`) is later than the coach last opened the case page."""
    seen = CaseSeen.select(CaseSeen.id).where(CaseSeen.coach == user.id, CaseSeen.case == case,
                                              CaseSeen.seen_at >= when)
    unseen: ColumnBase = ~fn.EXISTS(seen)
    return unseen


def unseen_comments(user: User) -> ModelSelect[ActionPoint]:
    """Parties' comments on action points on this coach's cases, not yet seen, newest first."""
    if not has_role(user, Role.COACH):
        return nothing(ActionPoint)
    return (ActionPoint
            .select(ActionPoint.id, ActionPoint.case, ActionPoint.party, ActionPoint.text,
                    ActionPoint.party_comment, ActionPoint.party_comment_at, *CASE_LINK_COLUMNS,
                    *PARTY_NAME_COLUMNS)
            .join(Case)
            .switch(ActionPoint)
            .join(CaseParty)
            .where(ActionPoint.party_comment != "", ActionPoint.party_comment_at.is_null(False),
                   ActionPoint.case.in_(allocated_case_ids(user)),
                   _not_seen(user, ActionPoint.case, ActionPoint.party_comment_at))
            .order_by(ActionPoint.party_comment_at.desc(), ActionPoint.id.desc()))


def unseen_consent_answers(user: User) -> ModelSelect[ConsentEvent]:
    """Parties' own answers about taking part (given, declined or withdrawn by the party in the
    portal, not recorded by staff) on this coach's cases, not yet seen, newest first. A party's
    answer to post-mediation coaching offered to them is one of these (their consent to take
    part in it): their record's `coaching_offer` says so."""
    if not has_role(user, Role.COACH):
        return nothing(ConsentEvent)
    return (ConsentEvent
            .select(ConsentEvent.id, ConsentEvent.party, ConsentEvent.state, ConsentEvent.created_at,
                    *PARTY_NAME_COLUMNS, CaseParty.coaching_offer, *CASE_LINK_COLUMNS)
            .join(CaseParty)
            .join(Case)
            .where(ConsentEvent.recorded_by == CaseParty.user,
                   CaseParty.case.in_(allocated_case_ids(user)),
                   _not_seen(user, CaseParty.case, ConsentEvent.created_at))
            .order_by(ConsentEvent.created_at.desc(), ConsentEvent.id.desc()))


def unseen_share_answers(user: User) -> ModelSelect[NoteShare]:
    """Source parties' answers in the portal to sharing this coach's own notes, not yet seen,
    newest first, with whose answer it is (never the note's text)."""
    if not has_role(user, Role.COACH):
        return nothing(NoteShare)
    return (NoteShare
            .select(NoteShare.id, NoteShare.note, NoteShare.state, NoteShare.consent_at,
                    Note.id, Note.case, Note.created_at, Note.source_party, *CASE_LINK_COLUMNS,
                    *PARTY_NAME_COLUMNS)
            .join(Note)
            .join(Case)
            .switch(Note)
            .join(CaseParty, on=(Note.source_party == CaseParty.id))
            .where(NoteShare.consent_method == ShareConsentMethod.PORTAL, NoteShare.consent_at.is_null(False),
                   Note.author == user.id, Note.case.in_(allocated_case_ids(user)),
                   _not_seen(user, Note.case, NoteShare.consent_at))
            .order_by(NoteShare.consent_at.desc(), NoteShare.id.desc()))


def unseen_change_requests(user: User) -> ModelSelect[AgreementChangeRequest]:
    """Parties' requests to change an agreement on this coach's cases, not yet seen, newest
    first, with who asked (name only) and the agreement's title and version."""
    if not has_role(user, Role.COACH):
        return nothing(AgreementChangeRequest)
    return (AgreementChangeRequest
            .select(AgreementChangeRequest.id, AgreementChangeRequest.agreement, AgreementChangeRequest.party,
                    AgreementChangeRequest.version, AgreementChangeRequest.comment,
                    AgreementChangeRequest.created_at, Agreement.id, Agreement.case, Agreement.title,
                    *CASE_LINK_COLUMNS, *PARTY_NAME_COLUMNS)
            .join(Agreement)
            .join(Case)
            .switch(AgreementChangeRequest)
            .join(CaseParty, JOIN.INNER)
            .where(Agreement.case.in_(allocated_case_ids(user)),
                   _not_seen(user, Agreement.case, AgreementChangeRequest.created_at))
            .order_by(AgreementChangeRequest.created_at.desc(), AgreementChangeRequest.id.desc()))
