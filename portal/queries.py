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
    ActionPoint, Agreement, AgreementAcceptance, AgreementChangeRequest, AuditEvent, Case,
    CaseEvent, CaseParty, CaseSession, CoachAllocation, ConcernEvent, Goal, Note, NoteFile,
    NoteOverrideRead, NoteRevision, NoteShare, Referral, SafeguardingConcern, SessionAttendee,
    SessionCoach, User,
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


def _party_ids_of(user, case=None):
    """The user's party records; on one case only, when a case is given. Per-case queries pass
    the case, so that a row pointing at the same person's record on another case never counts."""
    query = CaseParty.select(CaseParty.id).where(CaseParty.user == user.id)
    return query.where(CaseParty.case == case.id) if case is not None else query


# Columns some users are not given, so that no template can show them (STYLE.md: confidential data
# is never fetched for a user who may not see it):
# - a case's funding scheme is for coordinators (policy.can_view_funding);
# - a party's fee is for coordinators and that party (policy.can_view_own_fee);
# - a party's contact details are for that party and staff on the case
#   (policy.can_view_party_contact): where a party appears beside something else (a share of
#   another party's words, an acceptance), only who they are is loaded.
CASE_COLUMNS_WITHOUT_FUNDING = tuple(f for f in Case._meta.sorted_fields
                                     if f is not Case.funding_scheme)
PARTY_COLUMNS_WITHOUT_FEE = tuple(f for f in CaseParty._meta.sorted_fields
                                  if f.name not in ("fee_pence", "fee_paid"))
PARTY_NAME_COLUMNS = (CaseParty.id, CaseParty.case, CaseParty.user, CaseParty.name)


def _case_columns_for(user):
    """A case's columns for this user: the funding scheme only for coordinators."""
    return (Case,) if _is(user, policy.COORDINATOR) else CASE_COLUMNS_WITHOUT_FUNDING


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
        return Case.select(*CASE_COLUMNS_WITHOUT_FUNDING).where(Case.id.in_(_allocated_case_ids(user)))
    if _is(user, policy.PARTY):
        return Case.select(*CASE_COLUMNS_WITHOUT_FUNDING).where(Case.id.in_(
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
                            has_unresolved_concern=unresolved, closed=case.is_closed,
                            kind=case.kind)


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

def _notes_shared_visibly_with(user, case=None):
    """Ids of notes with a share this party may see (policy.share_is_visible, in SQL). The share
    must be with the party's record on the note's own case."""
    shared = Note.alias()
    needs_no_consent = ((NoteShare.state == policy.SHARE_NOT_NEEDED)
                        & (shared.source_party.is_null() | (shared.source_party == NoteShare.party)))
    return (NoteShare
            .select(NoteShare.note)
            .join(shared, on=(NoteShare.note == shared.id))
            .join(CaseParty, on=(NoteShare.party == CaseParty.id))
            .where(NoteShare.party.in_(_party_ids_of(user, case)),
                   CaseParty.case == shared.case,
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
        shared_with_me = _notes_shared_visibly_with(user, case)
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
        return query.where(party_column.in_(_party_ids_of(user, case)))
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
    """Party records whose contact details the user may see: staff all, a party only their own.
    Fees with them only for coordinators and the party themselves."""
    query = _party_items_visible_to(CaseParty, CaseParty.id, user, case).order_by(CaseParty.id)
    if _is(user, policy.COACH):
        query = query.select(*PARTY_COLUMNS_WITHOUT_FEE)
    return query


# --- sessions -------------------------------------------------------------------------------

def _session_columns_for_parties():
    """A session's columns as a party may have them (policy.can_see_session_address, in SQL):
    the place of an office or venue session, but no place at all for a home visit, whose place
    is a party's home address. The address never leaves the database for a party."""
    columns = [f for f in CaseSession._meta.sorted_fields if f is not CaseSession.location]
    place = SqlCase(None, [(CaseSession.mode != policy.HOME_VISIT, CaseSession.location)])
    return [*columns, place.alias(CaseSession.location.name)]


def sessions_visible_to(user, case):
    """Sessions on the case: staff see all, a party only those they attend (without the
    address of a home visit)."""
    query = CaseSession.select().where(CaseSession.case == case.id)
    if _is(user, policy.COORDINATOR):
        pass
    elif _is(user, policy.COACH):
        query = query.where(CaseSession.case.in_(_allocated_case_ids(user)))
    elif _is(user, policy.PARTY):
        query = (query
                 .select(*_session_columns_for_parties())
                 .where(CaseSession.id.in_(
                     SessionAttendee.select(SessionAttendee.session)
                     .where(SessionAttendee.party.in_(_party_ids_of(user, case))))))
    else:
        return _nothing(CaseSession)
    return query.order_by(CaseSession.starts_at, CaseSession.id)


def party_sessions(user):
    """Every session, on any case, that this party attends (without the address of a home
    visit)."""
    if not _is(user, policy.PARTY):
        return _nothing(CaseSession)
    return (CaseSession
            .select(*_session_columns_for_parties(), *CASE_COLUMNS_WITHOUT_FUNDING)
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
            .select(CaseParty, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(CaseParty.user == user.id)
            .order_by(Case.created_at.desc()))


def _own_party_rows(model, user):
    """Rows of `model` (with their case) whose party is the user's own record on the row's own
    case: a row pointing at the same person's record on another case never counts."""
    return (model
            .select(model, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .switch(model)
            .join(CaseParty, on=((model.party == CaseParty.id) & (CaseParty.case == model.case)))
            .where(CaseParty.user == user.id))


def party_action_points(user):
    """Every action point set for this party, on any case: open ones first."""
    if not _is(user, policy.PARTY):
        return _nothing(ActionPoint)
    return (_own_party_rows(ActionPoint, user)
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


def agreement_versions_visible_to(user, case):
    """The agreements on the case this user may see, each lineage's versions newest first."""
    return agreements_visible_to(user, case).order_by(Agreement.created_at.desc(),
                                                      Agreement.id.desc())


def party_agreements(user):
    """Agreements proposed to this party on any of their cases (drafts never), newest first."""
    if not _is(user, policy.PARTY):
        return _nothing(Agreement)
    return (Agreement
            .select(Agreement, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(Agreement.state.in_(policy.PARTY_VISIBLE_AGREEMENT_STATES),
                   Agreement.case.in_(CaseParty.select(CaseParty.case)
                                      .where(CaseParty.user == user.id)))
            .order_by(Agreement.proposed_at.desc(), Agreement.id.desc()))


def agreement_acceptances(agreement):
    """Who accepted this exact version, and how: shown to everyone who may see the agreement
    (the PDF carries the same)."""
    return (AgreementAcceptance
            .select(AgreementAcceptance, *PARTY_NAME_COLUMNS)
            .join(CaseParty)
            .where(AgreementAcceptance.agreement == agreement.id,
                   AgreementAcceptance.version == agreement.version)
            .order_by(AgreementAcceptance.accepted_at, AgreementAcceptance.id))


def agreement_change_requests_visible_to(user, agreement):
    """What parties asked to change: their own words, so staff on the case see every request
    and a party only their own."""
    visible = (agreements_visible_to(user, agreement.case)
               .where(Agreement.id == agreement.id).select(Agreement.id))
    query = (AgreementChangeRequest
             .select(AgreementChangeRequest, CaseParty)
             .join(CaseParty)
             .where(AgreementChangeRequest.agreement.in_(visible))
             .order_by(AgreementChangeRequest.created_at, AgreementChangeRequest.id))
    if _is_staff(user):
        return query
    if _is(user, policy.PARTY):
        return query.where(AgreementChangeRequest.party.in_(_party_ids_of(user)))
    return _nothing(AgreementChangeRequest)


def agreement_reviews(user):
    """Final agreements with a review date, soonest first: the follow-up list for coordinators
    (every case) and coaches (their cases)."""
    query = (Agreement
             .select(Agreement, *_case_columns_for(user))
             .join(Case)
             .where(Agreement.state == policy.AGREEMENT_FINAL, Agreement.review_on.is_null(False),
                    Case.status != Case.CLOSED)
             .order_by(Agreement.review_on, Agreement.id))
    if _is(user, policy.COORDINATOR):
        return query
    if _is(user, policy.COACH):
        return query.where(Agreement.case.in_(_allocated_case_ids(user)))
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
            .select(CaseSession, *CASE_COLUMNS_WITHOUT_FUNDING)
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


# --- the safeguarding dashboard and the concern page ---------------------------------------

# The dashboard's status filter: "" is every concern not yet closed.
CONCERN_STATUS_FILTERS = {
    "": policy.UNRESOLVED_CONCERN_STATES,
    policy.CONCERN_OPEN: frozenset({policy.CONCERN_OPEN}),
    policy.CONCERN_ACKNOWLEDGED: frozenset({policy.CONCERN_ACKNOWLEDGED}),
    policy.CONCERN_CLOSED: frozenset({policy.CONCERN_CLOSED}),
}


def _concern_urgency():
    """The level as a number, most urgent (immediate) first; an unknown level sorts last."""
    return SqlCase(SafeguardingConcern.level,
                   [(level, rank) for rank, level in enumerate(policy.CONCERN_LEVELS)],
                   len(policy.CONCERN_LEVELS))


def concern_dashboard(user, *, status="", level=None, category=None, raised_by=None,
                      raised_from=None, raised_before=None):
    """Coordinators' concerns with case and raiser, most urgent level first, then oldest first."""
    if not _is(user, policy.COORDINATOR):
        return _nothing(SafeguardingConcern)
    query = (concerns_visible_to(user)
             .select(SafeguardingConcern, Case, User)
             .join(Case, on=(SafeguardingConcern.case == Case.id))
             .switch(SafeguardingConcern)
             .join(User, on=(SafeguardingConcern.raised_by == User.id))
             .where(SafeguardingConcern.state.in_(CONCERN_STATUS_FILTERS[status or ""])))
    if level:
        query = query.where(SafeguardingConcern.level == level)
    if category:
        query = query.where(SafeguardingConcern.category == category)
    if raised_by:
        query = query.where(SafeguardingConcern.raised_by == raised_by)
    if raised_from:
        query = query.where(SafeguardingConcern.created_at >= raised_from)
    if raised_before:
        query = query.where(SafeguardingConcern.created_at < raised_before)
    return query.order_by(_concern_urgency(), SafeguardingConcern.created_at, SafeguardingConcern.id)


def open_concern_count_for(user):
    """How many concerns not yet closed the user may see (the coordinators' navigation)."""
    return (concerns_visible_to(user)
            .where(SafeguardingConcern.state.in_(policy.UNRESOLVED_CONCERN_STATES))
            .count())


def concern_raisers(user):
    """The people who raised concerns the user may see, by name (the dashboard's filter)."""
    raised = concerns_visible_to(user).select(SafeguardingConcern.raised_by)
    return User.select().where(User.id.in_(raised)).order_by(User.name, User.id)


def concerns_on_case(user, case):
    """The case's concerns the user may see: not yet closed first, then most urgent, oldest."""
    closed_last = SafeguardingConcern.state == policy.CONCERN_CLOSED
    return (concerns_visible_to(user, case)
            .order_by(closed_last, _concern_urgency(), SafeguardingConcern.created_at,
                      SafeguardingConcern.id))


def concern_events_visible_to(user, concern):
    """A concern's chronology, oldest first, for someone who may see the concern; else nothing."""
    visible = concerns_visible_to(user).select(SafeguardingConcern.id)
    return (ConcernEvent
            .select(ConcernEvent, User)
            .join(User, on=(ConcernEvent.by == User.id))
            .where(ConcernEvent.concern == concern.id, ConcernEvent.concern.in_(visible))
            .order_by(ConcernEvent.created_at, ConcernEvent.id))


# --- a party's own goals --------------------------------------------------------------------

def party_goals(user):
    """Every goal and desired outcome recorded for this party, on any case: newest case first."""
    if not _is(user, policy.PARTY):
        return _nothing(Goal)
    return _own_party_rows(Goal, user).order_by(Case.created_at.desc(), Goal.id)


# --- the audit trail ------------------------------------------------------------------------

def audit_events_visible_to(user, *, person=None, case_reference=None, event=None):
    """The audit trail, newest first, with who and which case: administrators only."""
    if user is None or not policy.can_read_audit_trail(user.actor()):
        return _nothing(AuditEvent)
    actor = User.alias("actor")
    query = (AuditEvent
             .select(AuditEvent, actor.name.alias("actor_name"), Case.reference.alias("case_reference"))
             .join(actor, JOIN.LEFT_OUTER, on=(AuditEvent.actor_id == actor.id))
             .switch(AuditEvent)
             .join(Case, JOIN.LEFT_OUTER, on=(AuditEvent.case_id == Case.id))
             .objects())
    if person:
        query = query.where(actor.name.contains(person) | actor.email.contains(person))
    if case_reference:
        query = query.where(Case.reference == case_reference)
    if event:
        query = query.where(AuditEvent.event == event)
    return query.order_by(AuditEvent.id.desc())


def audit_event_kinds_visible_to(user):
    """The kinds of event the audit trail holds, for its filter: administrators only."""
    if user is None or not policy.can_read_audit_trail(user.actor()):
        return _nothing(AuditEvent)
    return AuditEvent.select(AuditEvent.event).distinct().order_by(AuditEvent.event)


# --- notes: shares, files, history, the party's own list, the override ----------------------

def _is_staff(user):
    return _is(user, policy.COORDINATOR) or _is(user, policy.COACH)


def _ids_of(query):
    """An id subquery of an already-scoped query of notes."""
    return query.select(Note.id).order_by()


def notes_shared_with(user):
    """Every note shared visibly with this party, on any of their cases, newest first."""
    if not _is(user, policy.PARTY):
        return _nothing(Note)
    return (Note
            .select(Note, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(Note.audience.in_(policy.note_audiences_for(policy.NAMED_PARTY)),
                   Note.withdrawn_at.is_null(),
                   Note.id.in_(_notes_shared_visibly_with(user)))
            .order_by(Note.updated_at.desc(), Note.id.desc()))


def note_shares_visible_to(user, case):
    """The shares of the notes on `case` a staff member may read (who a note went to, and the
    state of each consent); parties get none, not even of their own notes."""
    if not _is_staff(user):
        return _nothing(NoteShare)
    return (NoteShare
            .select(NoteShare, CaseParty)
            .join(CaseParty)
            .where(NoteShare.note.in_(_ids_of(notes_visible_to(user, case))))
            .order_by(NoteShare.note, CaseParty.name, NoteShare.id))


def share_requests_for(user, states=(policy.SHARE_WAITING,)):
    """Shares of this party's own words with another party, in `states`, with the note, the
    other party and the case: what the source party is asked about (or agreed to), newest first."""
    if not _is(user, policy.PARTY):
        return _nothing(NoteShare)
    source = CaseParty.alias()
    # The source party must be the user's record on the note's own case, and the other party a
    # record on that case too.
    return (NoteShare
            .select(NoteShare, Note, *PARTY_NAME_COLUMNS, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Note)
            .join(Case)
            .switch(NoteShare)
            .join(CaseParty)
            .switch(Note)
            .join(source, on=(Note.source_party == source.id))
            .where(source.user == user.id,
                   source.case == Note.case,
                   CaseParty.case == Note.case,
                   Note.audience == policy.PARTIES,
                   Note.withdrawn_at.is_null(),
                   NoteShare.party != Note.source_party,
                   NoteShare.state.in_(list(states)))
            .order_by(NoteShare.created_at.desc(), NoteShare.id.desc()))


# A file as it is given to someone who may download it but not see the name it was uploaded
# with (policy.can_see_file_original_name): every column but that name.
FILE_COLUMNS_WITHOUT_NAME = tuple(f for f in NoteFile._meta.sorted_fields
                                  if f is not NoteFile.original_name)


def _file_columns_for(user):
    """Staff get a file's original name with the file (they may read the note, or its file is
    not listed at all); nobody else's query selects it."""
    return () if _is_staff(user) else FILE_COLUMNS_WITHOUT_NAME


def note_files_visible_to(user, case):
    """Files of the notes on `case` the user may read: a file has exactly its note's audience.
    Its original name only for staff."""
    return (NoteFile
            .select(*_file_columns_for(user))
            .where(NoteFile.note.in_(_ids_of(notes_visible_to(user, case))))
            .order_by(NoteFile.note, NoteFile.id))


def files_shared_with(user):
    """Files of every note shared visibly with this party, without their original names."""
    return (NoteFile
            .select(*FILE_COLUMNS_WITHOUT_NAME)
            .where(NoteFile.note.in_(_ids_of(notes_shared_with(user))))
            .order_by(NoteFile.note, NoteFile.id))


def files_of_share_requests_for(user):
    """Files of the notes the source party is asked about (or agreed to share): part of what
    they are shown, without their original names."""
    asked = (share_requests_for(user, (policy.SHARE_WAITING, policy.SHARE_GIVEN))
             .select(NoteShare.note).order_by())
    return (NoteFile
            .select(*FILE_COLUMNS_WITHOUT_NAME)
            .where(NoteFile.note.in_(asked))
            .order_by(NoteFile.note, NoteFile.id))


def files_of_overridden_note(note):
    """How many files a note opened under the safeguarding override has: the lead is told they
    exist, never their names (policy.can_see_file_original_name)."""
    return NoteFile.select(*FILE_COLUMNS_WITHOUT_NAME).where(NoteFile.note == note.id)


def note_revisions_visible_to(user, case):
    """Earlier versions of the notes on `case`: staff who may read the note; never parties."""
    if not _is_staff(user):
        return _nothing(NoteRevision)
    return (NoteRevision
            .select()
            .where(NoteRevision.note.in_(_ids_of(notes_visible_to(user, case))))
            .order_by(NoteRevision.note, NoteRevision.created_at, NoteRevision.id))


def override_reads_visible_to(user, case):
    """Safeguarding-override reads of the notes on `case` (who and when), for staff who may
    read the note."""
    if not _is_staff(user):
        return _nothing(NoteOverrideRead)
    return (NoteOverrideRead
            .select(NoteOverrideRead, User)
            .join(User, on=(NoteOverrideRead.reader == User.id))
            .where(NoteOverrideRead.note.in_(_ids_of(notes_visible_to(user, case))))
            .order_by(NoteOverrideRead.created_at, NoteOverrideRead.id))


def notes_open_to_override(user, case):
    """Notes on `case` closed to this safeguarding lead that the override may open: only while
    a safeguarding concern on the case is unresolved (policy.can_override_note, in SQL)."""
    if not (_is(user, policy.COORDINATOR) and user.is_safeguarding_lead):
        return _nothing(Note)
    unresolved = SafeguardingConcern.unresolved().where(SafeguardingConcern.case == case.id)
    return (Note
            .select()
            .where(Note.case == case.id,
                   fn.EXISTS(unresolved.select(SafeguardingConcern.id)),
                   Note.id.not_in(_ids_of(notes_visible_to(user, case))))
            .order_by(Note.created_at.desc(), Note.id.desc()))


def override_list(user, case):
    """What a safeguarding lead is told about the notes the override may open: who wrote each
    and when, never its text."""
    return (notes_open_to_override(user, case)
            .select(Note.id, Note.case, Note.author, Note.audience, Note.source_party, Note.withdrawn_at,
                    Note.created_at, User.name.alias("author_name"))
            .join(User, on=(Note.author == User.id))
            .objects())
