"""Sessions: on a case, a party's own meetings, a coach's sessions, and who is in each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

from peewee import Case as SqlCase
from peewee import ColumnBase, ModelSelect

from portal.models import Case, CaseParty, CaseSession, SessionAttendee, SessionCoach, SessionRequest, User
from portal.queries._scopes import (
    CASE_COLUMNS_WITHOUT_FUNDING,
    PARTY_NAME_COLUMNS,
    allocated_case_ids,
    has_role,
    nothing,
    party_ids_of,
)
from portal.vocab import Role, SessionKind, SessionMode, SessionStatus

# Session kinds that count against a case's coaching allowance.
ALLOWANCE_KINDS = frozenset({SessionKind.COACHING, SessionKind.POST_MEDIATION_COACHING})


def allowance_sessions(case: Case) -> ModelSelect[CaseSession]:
    """Coaching sessions on the case that count against its allowance (all but cancelled)."""
    return (CaseSession.select(CaseSession.id)
            .where(CaseSession.case == case.id, CaseSession.kind.in_(ALLOWANCE_KINDS),
                   CaseSession.status != SessionStatus.CANCELLED))


def sessions_under_way(case: Case) -> ModelSelect[CaseSession]:
    """The case's sessions booked or held (any not cancelled): what puts a case in progress
    (`portal.stages`). Their status only; the case page is for staff on the case."""
    return (CaseSession.select(CaseSession.status)
            .where(CaseSession.case == case.id, CaseSession.status != SessionStatus.CANCELLED)
            .order_by(CaseSession.id))


def allowance_used(case: Case) -> int:
    """How many of the case's coaching allowance its sessions have used."""
    return allowance_sessions(case).count()


def _session_columns_for_parties() -> list[ColumnBase]:
    """A session's columns as a party may have them (policy.can_see_session_address, in SQL):
    the place of an office or venue session, but no place at all for a home visit, whose place
    is a party's home address. The address never leaves the database for a party."""
    columns = [f for f in CaseSession._meta.sorted_fields if f is not CaseSession.location]
    place = SqlCase(None, [(CaseSession.mode != SessionMode.HOME_VISIT, CaseSession.location)])
    return [*columns, place.alias(CaseSession.location.name)]


def sessions_visible_to(user: User, case: Case) -> ModelSelect[CaseSession]:
    """Sessions on the case: staff see all, a party only those they attend (without the
    address of a home visit)."""
    query = CaseSession.select().where(CaseSession.case == case.id)
    if has_role(user, Role.COORDINATOR):
        pass
    elif has_role(user, Role.COACH):
        query = query.where(CaseSession.case.in_(allocated_case_ids(user)))
    elif has_role(user, Role.PARTY):
        query = (query
                 .select(*_session_columns_for_parties())
                 .where(CaseSession.id.in_(
                     SessionAttendee.select(SessionAttendee.session)
                     .where(SessionAttendee.party.in_(party_ids_of(user, case))))))
    else:
        return nothing(CaseSession)
    return query.order_by(CaseSession.starts_at, CaseSession.id)


def party_sessions(user: User) -> ModelSelect[CaseSession]:
    """Every session, on any case, that this party attends (without the address of a home
    visit)."""
    if not has_role(user, Role.PARTY):
        return nothing(CaseSession)
    return party_sessions_of(party_ids_of(user))


def party_sessions_of(parties: ModelSelect[CaseParty]) -> ModelSelect[CaseSession]:
    """`party_sessions` for the party records `parties` (a select of their ids)."""
    return (CaseSession
            .select(*_session_columns_for_parties(), *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(CaseSession.id.in_(
                SessionAttendee.select(SessionAttendee.session)
                .where(SessionAttendee.party.in_(parties))))
            .order_by(CaseSession.starts_at))


def coach_sessions(user: User) -> ModelSelect[CaseSession]:
    """Sessions this coach runs, on cases they are still allocated to, with the case."""
    if not has_role(user, Role.COACH):
        return nothing(CaseSession)
    return (CaseSession
            .select(CaseSession, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(CaseSession.id.in_(
                       SessionCoach.select(SessionCoach.session).where(SessionCoach.coach == user.id)),
                   CaseSession.case.in_(allocated_case_ids(user)))
            .order_by(CaseSession.starts_at, CaseSession.id))


def own_sessions(user: User) -> ModelSelect[CaseSession]:
    """The sessions a user takes part in: a party's own meetings, a coach's sessions."""
    if has_role(user, Role.PARTY):
        return party_sessions(user)
    return coach_sessions(user)


# Sessions already visible to the user: their ids, or the query that gave them (then the
# attendees and coaches of every session it gives, or of the page of them it gives, come in the
# same statement as the sessions when a page loads them together, see `queries.Batch`).
Sessions: TypeAlias = "Iterable[int] | ModelSelect[CaseSession]"


def _ids_of_sessions(sessions: Sessions) -> list[int] | ModelSelect[CaseSession]:
    if isinstance(sessions, ModelSelect):
        return sessions.select(CaseSession.id)
    return list(sessions)


def session_seats(sessions: Sessions) -> ModelSelect[SessionAttendee]:
    """The attendees (with their party records) of already-visible sessions."""
    return (SessionAttendee
            .select(SessionAttendee, CaseParty)
            .join(CaseParty)
            .where(SessionAttendee.session.in_(_ids_of_sessions(sessions)))
            .order_by(SessionAttendee.id))


def session_coaches_of(sessions: Sessions) -> ModelSelect[SessionCoach]:
    """The coaches (names only) of already-visible sessions, by name."""
    return (SessionCoach
            .select(SessionCoach.session, User.id, User.name)
            .join(User)
            .where(SessionCoach.session.in_(_ids_of_sessions(sessions)))
            .order_by(User.name, SessionCoach.id))


def coach_names_by_session(seats: Iterable[SessionCoach]) -> dict[int, list[str]]:
    """session id -> names of its coaches, from `session_coaches_of`'s rows."""
    names: dict[int, list[str]] = {}
    for seat in seats:
        names.setdefault(seat.session_id, []).append(seat.coach.name)
    return names


def session_coach_names(sessions: Sessions) -> dict[int, list[str]]:
    """session id -> names of its coaches, for already-visible sessions."""
    return coach_names_by_session(session_coaches_of(sessions))


# --- a party's own seat: their supporter, and their requests about a session -------------------

def own_session_seats(user: User) -> ModelSelect[SessionAttendee]:
    """This party's own seats at their sessions, on any case, with whom they bring (their
    supporter): never another party's seat (policy.can_view_supporter)."""
    if not has_role(user, Role.PARTY):
        return nothing(SessionAttendee)
    return own_session_seats_of(party_ids_of(user))


def own_session_seats_of(parties: ModelSelect[CaseParty]) -> ModelSelect[SessionAttendee]:
    """`own_session_seats` for the party records `parties` (a select of their ids)."""
    return (SessionAttendee.select()
            .where(SessionAttendee.party.in_(parties))
            .order_by(SessionAttendee.id))


def _own_seat() -> ColumnBase:
    """A request's party holds a seat at its session (joined as SessionAttendee)."""
    return ((SessionAttendee.session == SessionRequest.session)
            & (SessionAttendee.party == SessionRequest.party))


def session_requests_visible_to(user: User, case: Case) -> ModelSelect[SessionRequest]:
    """Parties' requests about the case's sessions, newest first, with who asked (their name
    only): staff on the case see every one, a party only their own about a session they attend
    (policy.can_view_session_request)."""
    query = (SessionRequest.select(SessionRequest, *PARTY_NAME_COLUMNS)
             .join(CaseParty)
             .switch(SessionRequest)
             .join(CaseSession)
             .where(CaseSession.case == case.id, CaseParty.case == case.id))
    if has_role(user, Role.COORDINATOR):
        pass
    elif has_role(user, Role.COACH):
        query = query.where(CaseSession.case.in_(allocated_case_ids(user)))
    elif has_role(user, Role.PARTY):
        query = (query.switch(SessionRequest).join(SessionAttendee, on=_own_seat())
                 .where(SessionRequest.party.in_(party_ids_of(user, case))))
    else:
        return nothing(SessionRequest)
    return query.order_by(SessionRequest.created_at.desc(), SessionRequest.id.desc())


def own_session_requests(user: User) -> ModelSelect[SessionRequest]:
    """This party's own requests about their sessions, on any case, newest first."""
    if not has_role(user, Role.PARTY):
        return nothing(SessionRequest)
    return own_session_requests_of(party_ids_of(user))


def own_session_requests_of(parties: ModelSelect[CaseParty]) -> ModelSelect[SessionRequest]:
    """`own_session_requests` for the party records `parties` (a select of their ids)."""
    return (SessionRequest.select()
            .join(SessionAttendee, on=_own_seat())
            .where(SessionRequest.party.in_(parties))
            .order_by(SessionRequest.created_at.desc(), SessionRequest.id.desc()))


def open_session_requests(user: User) -> ModelSelect[SessionRequest]:
    """Requests not yet dealt with, oldest first, for staff: a coach's on the cases they are
    allocated to, every one for coordinators; each with who asked (name only), the session
    and its case's reference."""
    query = (SessionRequest
             .select(SessionRequest, *PARTY_NAME_COLUMNS, CaseSession.id, CaseSession.kind,
                     CaseSession.starts_at, Case.id, Case.reference)
             .join(CaseParty)
             .switch(SessionRequest)
             .join(CaseSession)
             .join(Case)
             .where(SessionRequest.dealt_with_at.is_null(), CaseParty.case == CaseSession.case))
    if has_role(user, Role.COORDINATOR):
        pass
    elif has_role(user, Role.COACH):
        query = query.where(CaseSession.case.in_(allocated_case_ids(user)))
    else:
        return nothing(SessionRequest)
    return query.order_by(SessionRequest.created_at, SessionRequest.id)
