"""The only place list queries are built: `<things>_visible_to(user, ...)`.

Each query filters in SQL with the tables `portal.policy` exposes (`note_audiences_for`,
the share states, ...), so that a row a user may not see is never loaded. A property
test (tests/test_policy_queries_agree.py) checks every query against the policy functions on
generated data, for every role.
"""

from peewee import JOIN, fn
from peewee import Case as SqlCase
from flask import abort

from portal import policy
from portal.models import (
    ActionPoint, Agreement, Case, CaseEvent, CaseParty, CaseSession, CoachAllocation, Goal, Note,
    NoteShare,
    Referral, SafeguardingConcern, SessionAttendee, SessionCoach, User,
)


def _nothing(model):
    """An empty query of `model` (the answer for anyone who may see none of it)."""
    return model.select().where(False)


def _is(user, role):
    return user is not None and user.active and user.role == role


def _allocated_case_ids(user):
    return (CoachAllocation
            .select(CoachAllocation.case)
            .where(CoachAllocation.coach == user.id, CoachAllocation.ended_at.is_null()))


def _party_ids_of(user):
    return CaseParty.select(CaseParty.id).where(CaseParty.user == user.id)


def get_or_404(query):
    """The one row of an already-scoped query, or 404: not visible means not found."""
    row = query.first()
    if row is None:
        abort(404)
    return row


# --- cases ----------------------------------------------------------------------------------

def cases_visible_to(user):
    """Every case for coordinators, allocated cases for coaches, their own cases for parties."""
    if _is(user, policy.COORDINATOR):
        return Case.select()
    if _is(user, policy.COACH):
        return Case.select().where(Case.id.in_(_allocated_case_ids(user)))
    if _is(user, policy.PARTY):
        return Case.select().where(Case.id.in_(
            CaseParty.select(CaseParty.case).where(CaseParty.user == user.id)))
    return _nothing(Case)


def cases_managed_by(user):
    """The cases whose staff view ("mission control") the user may open."""
    if _is(user, policy.COORDINATOR) or _is(user, policy.COACH):
        return cases_visible_to(user)
    return _nothing(Case)


def case_facts(case):
    """What `portal.policy` needs to know about a case, in three small queries."""
    coach_ids = frozenset(
        a.coach_id for a in CoachAllocation.current().where(CoachAllocation.case == case.id))
    party_users = {p.id: p.user_id for p in
                   CaseParty.select(CaseParty.id, CaseParty.user).where(CaseParty.case == case.id)}
    unresolved = SafeguardingConcern.unresolved().where(SafeguardingConcern.case == case.id).exists()
    return policy.CaseFacts(case_id=case.id, coach_ids=coach_ids, party_users=party_users,
                            has_unresolved_concern=unresolved, closed=case.is_closed)


def current_coaches(case):
    """The coaches allocated to a case now, by name."""
    return (User
            .select()
            .join(CoachAllocation, on=(CoachAllocation.coach == User.id))
            .where(CoachAllocation.case == case.id, CoachAllocation.ended_at.is_null())
            .order_by(User.name))


def case_events_visible_to(user, case):
    """The case timeline, newest first: staff on the case; money matters for coordinators only."""
    query = CaseEvent.select().where(CaseEvent.case == case.id)
    if _is(user, policy.COORDINATOR):
        pass
    elif _is(user, policy.COACH):
        query = query.where(CaseEvent.case.in_(_allocated_case_ids(user)),
                            CaseEvent.kind.not_in(policy.COORDINATOR_ONLY_EVENT_KINDS))
    else:
        return _nothing(CaseEvent)
    return query.order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc())


# --- notes ----------------------------------------------------------------------------------

def _notes_shared_visibly_with(user):
    """Ids of notes with a share this party may see (policy.share_is_visible, in SQL)."""
    shared = Note.alias()
    needs_no_consent = ((NoteShare.state == policy.SHARE_NOT_NEEDED)
                        & (shared.source_party.is_null() | (shared.source_party == NoteShare.party)))
    return (NoteShare
            .select(NoteShare.note)
            .join(shared, on=(NoteShare.note == shared.id))
            .where(NoteShare.party.in_(_party_ids_of(user)),
                   (NoteShare.state == policy.SHARE_GIVEN) | needs_no_consent))


def notes_visible_to(user, case):
    """The notes on `case` this user may read, newest first (the audience table of PRODUCT.md)."""
    query = Note.select().where(Note.case == case.id)
    if _is(user, policy.COORDINATOR):
        readable = Note.audience.in_(policy.note_audiences_for(policy.CASE_COORDINATOR))
        query = query.where(readable | (Note.author == user.id))
    elif _is(user, policy.COACH):
        readable = Note.audience.in_(policy.note_audiences_for(policy.CASE_COACH))
        query = query.where(Note.case.in_(_allocated_case_ids(user)),
                            readable | (Note.author == user.id))
    elif _is(user, policy.PARTY):
        shared_with_me = _notes_shared_visibly_with(user)
        query = query.where(Note.audience.in_(policy.note_audiences_for(policy.NAMED_PARTY)),
                            Note.withdrawn_at.is_null(),
                            Note.id.in_(shared_with_me))
    else:
        return _nothing(Note)
    return query.order_by(Note.created_at.desc(), Note.id.desc())


# --- safeguarding ---------------------------------------------------------------------------

def concerns_visible_to(user, case=None):
    """Concerns the user may see: coordinators all, coaches their cases' and their own."""
    query = SafeguardingConcern.select()
    if case is not None:
        query = query.where(SafeguardingConcern.case == case.id)
    if _is(user, policy.COORDINATOR):
        return query
    if _is(user, policy.COACH):
        return query.where(SafeguardingConcern.case.in_(_allocated_case_ids(user))
                           | (SafeguardingConcern.raised_by == user.id))
    return _nothing(SafeguardingConcern)


# --- things that belong to one party --------------------------------------------------------

def _party_items_visible_to(model, party_column, user, case):
    """Rows of `model` on the case that belong to one party: staff see all, a party their own."""
    query = model.select().where(model.case == case.id)
    if _is(user, policy.COORDINATOR):
        return query
    if _is(user, policy.COACH):
        return query.where(model.case.in_(_allocated_case_ids(user)))
    if _is(user, policy.PARTY):
        return query.where(party_column.in_(_party_ids_of(user)))
    return _nothing(model)


def action_points_visible_to(user, case):
    """Action points on the case, open ones first: a party sees only their own."""
    return (_party_items_visible_to(ActionPoint, ActionPoint.party, user, case)
            .order_by(ActionPoint.done_at.is_null(False), ActionPoint.due_on.asc(nulls="LAST"),
                      ActionPoint.id))


def goals_visible_to(user, case):
    """Goals and desired outcomes on the case: a party sees only their own."""
    return _party_items_visible_to(Goal, Goal.party, user, case).order_by(Goal.id)


def parties_with_contact_visible_to(user, case):
    """Party records whose contact details the user may see: staff all, a party only their own."""
    return _party_items_visible_to(CaseParty, CaseParty.id, user, case).order_by(CaseParty.id)


# --- sessions -------------------------------------------------------------------------------

def sessions_visible_to(user, case):
    """Sessions on the case: staff see all, a party only those they attend."""
    query = CaseSession.select().where(CaseSession.case == case.id)
    if _is(user, policy.COORDINATOR):
        pass
    elif _is(user, policy.COACH):
        query = query.where(CaseSession.case.in_(_allocated_case_ids(user)))
    elif _is(user, policy.PARTY):
        query = query.where(CaseSession.id.in_(
            SessionAttendee.select(SessionAttendee.session)
            .where(SessionAttendee.party.in_(_party_ids_of(user)))))
    else:
        return _nothing(CaseSession)
    return query.order_by(CaseSession.starts_at, CaseSession.id)


def party_sessions(user):
    """Every session, on any case, that this party attends."""
    if not _is(user, policy.PARTY):
        return _nothing(CaseSession)
    return (CaseSession
            .select(CaseSession, Case)
            .join(Case)
            .where(CaseSession.id.in_(
                SessionAttendee.select(SessionAttendee.session)
                .where(SessionAttendee.party.in_(_party_ids_of(user)))))
            .order_by(CaseSession.starts_at))


def own_party_records(user):
    """This party's own record on each of their cases (consent, fee), with the case."""
    if not _is(user, policy.PARTY):
        return _nothing(CaseParty)
    return (CaseParty
            .select(CaseParty, Case)
            .join(Case)
            .where(CaseParty.user == user.id)
            .order_by(Case.created_at.desc()))


def party_action_points(user):
    """Every action point set for this party, on any case: open ones first."""
    if not _is(user, policy.PARTY):
        return _nothing(ActionPoint)
    return (ActionPoint
            .select(ActionPoint, Case)
            .join(Case)
            .where(ActionPoint.party.in_(_party_ids_of(user)))
            .order_by(ActionPoint.done_at.is_null(False), ActionPoint.due_on.asc(nulls="LAST"),
                      ActionPoint.id))


# --- agreements -----------------------------------------------------------------------------

def agreements_visible_to(user, case):
    """Agreements on the case: drafts for staff only, parties once proposed."""
    query = Agreement.select().where(Agreement.case == case.id)
    if _is(user, policy.COORDINATOR):
        return query
    if _is(user, policy.COACH):
        return query.where(Agreement.case.in_(_allocated_case_ids(user)))
    if _is(user, policy.PARTY):
        return query.where(
            Agreement.state.in_(policy.PARTY_VISIBLE_AGREEMENT_STATES),
            Agreement.case.in_(CaseParty.select(CaseParty.case).where(CaseParty.user == user.id)))
    return _nothing(Agreement)


# --- referrals and people ------------------------------------------------------------------

def referrals_visible_to(user):
    """Referrals are the coordinators' queue, and nobody else's."""
    if _is(user, policy.COORDINATOR):
        return Referral.select()
    return _nothing(Referral)


URGENCY_ORDER = ("urgent", "soon", "routine")


def referral_queue(user, *, status=None, dispute_type=None, source=None):
    """The coordinators' referral queue, most urgent first and newest first within that."""
    query = referrals_visible_to(user)
    if status:
        query = query.where(Referral.status == status)
    if dispute_type:
        query = query.where(Referral.dispute_type == dispute_type)
    if source:
        query = query.where(Referral.source == source)
    urgency_rank = SqlCase(Referral.urgency,
                           [(u, rank) for rank, u in enumerate(URGENCY_ORDER)], len(URGENCY_ORDER))
    return query.order_by(urgency_rank, Referral.created_at.desc(), Referral.id.desc())


def users_visible_to(user):
    """The people list of the administration pages."""
    if user is not None and policy.can_administer_users(user.actor()):
        return User.select().order_by(User.role, User.name)
    return _nothing(User)


# --- counts for staff home pages ------------------------------------------------------------

def coach_case_list(user):
    """The coach's cases with the number of parties on each, newest first."""
    return (cases_visible_to(user)
            .select_extend(fn.COUNT(CaseParty.id).alias("party_count"))
            .join(CaseParty, JOIN.LEFT_OUTER)
            .group_by(Case.id)
            .order_by(Case.created_at.desc(), Case.id.desc()))


# --- sessions: coaches' own, and the people in a session -------------------------------------

def coach_sessions(user):
    """Sessions this coach runs, on cases they are still allocated to, with the case."""
    if not _is(user, policy.COACH):
        return _nothing(CaseSession)
    return (CaseSession
            .select(CaseSession, Case)
            .join(Case)
            .where(CaseSession.id.in_(
                       SessionCoach.select(SessionCoach.session).where(SessionCoach.coach == user.id)),
                   CaseSession.case.in_(_allocated_case_ids(user)))
            .order_by(CaseSession.starts_at, CaseSession.id))


def own_sessions(user):
    """The sessions a user takes part in: a party's own meetings, a coach's sessions."""
    if _is(user, policy.PARTY):
        return party_sessions(user)
    return coach_sessions(user)


def session_seats(session_ids):
    """The attendees (with their party records) of already-visible sessions."""
    return (SessionAttendee
            .select(SessionAttendee, CaseParty)
            .join(CaseParty)
            .where(SessionAttendee.session.in_(list(session_ids)))
            .order_by(SessionAttendee.id))


def session_coach_names(session_ids):
    """session id -> names of its coaches, for already-visible sessions."""
    names = {}
    for seat in (SessionCoach
                 .select(SessionCoach.session, User.name)
                 .join(User)
                 .where(SessionCoach.session.in_(list(session_ids)))
                 .order_by(User.name)):
        names.setdefault(seat.session_id, []).append(seat.coach.name)
    return names
