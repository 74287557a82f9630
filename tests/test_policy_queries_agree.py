"""Every list query returns exactly what `portal.policy` allows, for every user, on generated data.

Hypothesis generates a small service (users of every role, some deactivated; cases with current
and ended allocations; parties with and without accounts, one person sometimes a party on several
cases; notes with random audiences, source parties, shares and withdrawals; concerns; sessions;
action points; goals; agreements), writes it to the real database, and then, for every user and
every case, compares each `queries.*_visible_to` with the matching `policy.can_*` function;
the notes' own rows (shares, files, earlier versions, override reads), the override's list and a
party's "Shared with you", consent requests and goals are compared the same way. Columns that
only some users may see (a file's original name, a home visit's address, a case's funding
scheme, a party's fee and contact details) are checked to be loaded for exactly those users.

The policy facts are built here from the generated specification, not from the models, and the
models' own `user.actor()`, `Note.facts()`, `SafeguardingConcern.facts()` and
`queries.case_facts()` are checked against them: a bug in either the SQL filter or the
fact-building helpers makes a test fail.

Random worlds find unexpected interactions but may, on an unlucky run, miss a rare combination;
a hand-made world with every combination (`test_every_combination_world`) closes that gap on
every run. Both go through the same checks.
"""

import inspect
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import policy, queries
from portal.db import database
from portal.models import (
    Agreement,
    AgreementAcceptance,
    AgreementChangeRequest,
    AuditEvent,
    Case,
    CaseEvent,
    CaseParty,
    CoachingOutcome,
    ConcernEvent,
    EqualityAnswers,
    ErasureRequest,
    FeedbackRequest,
    Note,
    NoteFile,
    NoteOverrideRead,
    NoteRevision,
    NoteShare,
    Notification,
    OutboxMessage,
    Referral,
    SafeguardingConcern,
    SessionRequest,
    SignInSession,
    StoredFile,
    User,
)
from portal.vocab import (
    AgeBand,
    AgreementState,
    Audience,
    CaseKind,
    CaseStatus,
    ConcernState,
    ConsentState,
    Delivery,
    EqualitySource,
    GoalsMet,
    MessageKind,
    MessageState,
    NotificationKind,
    ReferralStatus,
    ReviewOutcome,
    Role,
    Satisfaction,
    SessionEnd,
    SessionMode,
    ShareState,
    Stage,
)
from tests import dbutil
from tests.factories import (
    add_party,
    allocate,
    make_action_point,
    make_agreement,
    make_case,
    make_concern,
    make_goal,
    make_note,
    make_session,
    make_user,
)

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Written out here rather than taken from the policy: "open" in PRODUCT.md's sense.
UNRESOLVED = {"open", "acknowledged"}
# Timeline entry kinds; "funding" is about money.
EVENT_KINDS = ("funding", "allocation", "consent", "closed")
# Weighted so that notes shared with parties, the ones whose rules are subtle, come up often.
NOTE_AUDIENCES = (Audience.PRIVATE, Audience.CASE_TEAM, Audience.STAFF, Audience.PARTIES, Audience.PARTIES)
# Every generated file has this name, and every session a place starting with PLACE.
FILE_NAME = "what the coach called it.pdf"
PLACE = "14 Private Road"
# A referral's status as stored, and some kinds of audit event (the rows' own values).
REFERRAL_STATUSES = ("new", "accepted", "declined")
AUDIT_KINDS = ("auth.signed_in", "note.read_override", "case.closed")


# --- the generated service, as plain data ---------------------------------------------------

@dataclass(frozen=True)
class UserSpec:
    role: str
    active: bool
    safeguarding_lead: bool
    admin: bool


@dataclass(frozen=True)
class NoteSpec:
    author: int                 # index into the staff users (coaches, then coordinators)
    audience: str
    source: int | None          # index into the case's parties
    shares: tuple               # ((party index, share state), ...)
    withdrawn: bool


@dataclass(frozen=True)
class CaseSpec:
    closed: bool
    allocations: tuple          # ((coach index, ended), ...)
    parties: tuple              # party-user index or None (no account), one per party record
    notes: tuple
    concerns: tuple             # ((staff index, state), ...)
    sessions: tuple             # ((frozenset of party indexes attending, mode), ...)
    action_points: tuple        # (party index, ...)
    goals: tuple
    agreements: tuple           # (state, ...)
    events: tuple               # (timeline entry kind, ...)
    kind: str = CaseKind.MEDIATION
    session_coaches: tuple = ()  # per session, a frozenset of coach indexes (missing: none)
    reviewed: frozenset = frozenset()  # indexes of agreements with a review date
    review_recorded: frozenset = frozenset()  # indexes of agreements whose review is recorded


@dataclass(frozen=True)
class World:
    users: tuple
    cases: tuple
    referrals: tuple = ()       # ((status, urgency), ...)
    audit: tuple = ()           # ((user index or None, event, case index or None), ...)


def _users(draw, role, low, high):
    return [UserSpec(role=role,
                     active=draw(st.sampled_from((True, True, True, False))),
                     safeguarding_lead=draw(st.booleans()) if role == Role.COORDINATOR
                     else draw(st.sampled_from((False, False, False, True))),
                     admin=draw(st.booleans()))
            for _ in range(draw(st.integers(low, high)))]


@st.composite
def worlds(draw):
    parties = _users(draw, Role.PARTY, 2, 4)
    coaches = _users(draw, Role.COACH, 1, 4)
    coordinators = _users(draw, Role.COORDINATOR, 1, 3)
    staff_count = len(coaches) + len(coordinators)
    coach_index = st.integers(0, len(coaches) - 1)
    staff_index = st.integers(0, staff_count - 1)
    # A party record's portal account: a party user, or (about one in four) none yet.
    party_user = st.integers(0, len(parties) - 1)
    account = st.one_of(party_user, party_user, party_user, st.none())

    # Home visits often: their place is the one a party must never be given.
    session_mode = st.sampled_from((*SessionMode, SessionMode.HOME_VISIT))
    cases = []
    for _ in range(draw(st.integers(1, 3))):
        case_parties = tuple(draw(st.lists(account, min_size=1, max_size=3)))
        party_index = st.integers(0, len(case_parties) - 1)
        # Each party on the case is named on a note's share two times in three, in any state,
        # leaning towards the states that let a party in (the ones a leak would need).
        share_state = st.one_of(st.none(), st.sampled_from(ShareState),
                                st.sampled_from((ShareState.NOT_NEEDED, ShareState.GIVEN)))
        notes = tuple(
            NoteSpec(author=draw(staff_index),
                     audience=draw(st.sampled_from(NOTE_AUDIENCES)),
                     source=draw(st.one_of(st.none(), party_index)),
                     shares=tuple((i, state) for i, state in enumerate(
                         draw(st.lists(share_state, min_size=len(case_parties),
                                       max_size=len(case_parties))))
                         if state is not None),
                     withdrawn=draw(st.sampled_from((False, False, False, True))))
            for _ in range(draw(st.integers(1, 6))))
        cases.append(CaseSpec(
            closed=draw(st.booleans()),
            allocations=tuple(draw(st.lists(st.tuples(coach_index, st.booleans()), max_size=3))),
            parties=case_parties,
            notes=notes,
            concerns=tuple(draw(st.lists(
                st.tuples(staff_index, st.sampled_from(ConcernState)), max_size=2))),
            sessions=tuple(draw(st.lists(st.tuples(st.frozensets(party_index), session_mode),
                                         max_size=3))),
            action_points=tuple(draw(st.lists(party_index, max_size=3))),
            goals=tuple(draw(st.lists(party_index, max_size=2))),
            agreements=tuple(draw(st.lists(st.sampled_from(AgreementState),
                                           max_size=2))),
            events=tuple(draw(st.lists(st.sampled_from(EVENT_KINDS), max_size=3))),
            kind=draw(st.sampled_from(CaseKind)),
            session_coaches=tuple(draw(st.lists(st.frozensets(coach_index, max_size=2),
                                                max_size=3))),
            reviewed=draw(st.frozensets(st.integers(0, 1))),
            review_recorded=draw(st.frozensets(st.integers(0, 1))),
        ))
    users = tuple(parties + coaches + coordinators)
    referrals = tuple(draw(st.lists(st.tuples(st.sampled_from(REFERRAL_STATUSES),
                                              st.sampled_from(queries.URGENCY_ORDER)),
                                    max_size=3)))
    audit = tuple(draw(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, len(users) - 1)),
                                          st.sampled_from(AUDIT_KINDS),
                                          st.one_of(st.none(), st.integers(0, len(cases) - 1))),
                                max_size=4)))
    return World(users=users, cases=tuple(cases), referrals=referrals, audit=audit)


# --- writing it to the database, and the facts we expect ------------------------------------

@dataclass
class BuiltCase:
    row: object
    facts: policy.CaseFacts
    party_rows: list
    notes: dict          # id -> NoteFacts
    shares: dict         # share id -> (note id, party id)
    note_children: dict  # model (NoteFile, NoteRevision, NoteOverrideRead) -> {id: note id}
    concerns: dict       # id -> ConcernFacts
    sessions: dict       # id -> SessionFacts
    action_points: dict  # id -> PartyItemFacts
    goals: dict          # id -> PartyItemFacts
    agreements: dict     # id -> AgreementFacts
    change_requests: dict  # id -> (agreement id, party id)
    events: dict         # id -> kind
    session_coaches: dict  # session id -> frozenset of coach user ids
    reviewed: set        # ids of agreements with a review date, their review not yet recorded
    concern_events: dict  # concern event id -> concern id
    session_requests: dict = None  # request id -> (session id, party id, open)
    undelivered: set = None  # ids of concerns whose email to a lead is waiting or failed


@dataclass
class AuditRow:
    actor: object        # the User, or None
    event: str
    case_reference: str | None


@dataclass
class Built:
    users: list          # [(User, Actor)]
    cases: list          # [BuiltCase]
    referrals: dict      # id -> status
    audit: dict          # id -> AuditRow


def build(world):
    """Write the world to a wiped database; return the rows and the policy facts for each."""
    dbutil.wipe()
    with database.atomic():
        users = []
        for spec in world.users:
            user = make_user(spec.role, password=None, active=spec.active,
                             is_safeguarding_lead=spec.safeguarding_lead, is_admin=spec.admin)
            users.append((user, policy.Actor(user_id=user.id, role=spec.role, active=spec.active,
                                             safeguarding_lead=spec.safeguarding_lead,
                                             admin=spec.admin)))
        party_users = [u for u, a in users if a.role == Role.PARTY]
        coaches = [u for u, a in users if a.role == Role.COACH]
        staff = coaches + [u for u, a in users if a.role == Role.COORDINATOR]
        cases = [_build_case(spec, party_users, coaches, staff) for spec in world.cases]
        referrals = {}
        for n, (status, urgency) in enumerate(world.referrals):
            referral = Referral.create(reference=f"RF-{n:04d}", source="self",
                                       dispute_type="neighbour", description="Noise.",
                                       urgency=urgency, status=status)
            referrals[referral.id] = status
        audit = {}
        for user_index, event, case_index in world.audit:
            actor = None if user_index is None else users[user_index][0]
            case = None if case_index is None else cases[case_index].row
            # Only the columns the queries read; the hash chain has tests of its own.
            row = AuditEvent.create(actor_id=None if actor is None else actor.id, event=event,
                                    case_id=None if case is None else case.id,
                                    prev_hash="0" * 64, row_hash="0" * 64)
            audit[row.id] = AuditRow(actor, event, None if case is None else case.reference)
        return Built(users=users, cases=cases, referrals=referrals, audit=audit)


def _build_case(spec, party_users, coaches, staff):
    case = make_case(spec.kind, status=CaseStatus.CLOSED if spec.closed else CaseStatus.OPEN)
    for coach_index, ended in spec.allocations:
        allocate(case, coaches[coach_index], ended=ended)
    parties = [add_party(case, None if i is None else party_users[i]) for i in spec.parties]
    facts = policy.CaseFacts(
        case_id=case.id,
        coach_ids=frozenset(coaches[i].id for i, ended in spec.allocations if not ended),
        party_users={p.id: (None if i is None else party_users[i].id)
                     for p, i in zip(parties, spec.parties, strict=True)},
        has_unresolved_concern=any(state in UNRESOLVED for _, state in spec.concerns),
        closed=spec.closed,
        kind=spec.kind,
    )

    notes, shares = {}, {}
    note_children = {NoteFile: {}, NoteRevision: {}, NoteOverrideRead: {}}
    for n in spec.notes:
        source = None if n.source is None else parties[n.source]
        note = make_note(case, staff[n.author], n.audience, source=source, withdrawn=n.withdrawn,
                         shares={parties[i]: state for i, state in n.shares})
        shares.update({s.id: (note.id, s.party_id) for s in note.shares})
        # Every note gets a file, an earlier version and an override read: what decides whether
        # a reader sees them is the note, which is what the queries must follow.
        for child in _note_children(note, staff[-1]):
            note_children[type(child)][child.id] = note.id
        notes[note.id] = policy.NoteFacts(
            note_id=note.id, case_id=case.id, author_id=staff[n.author].id, audience=n.audience,
            shares={parties[i].id: state for i, state in n.shares},
            source_party_id=None if source is None else source.id, withdrawn=n.withdrawn)

    concerns, concern_events, undelivered = {}, {}, set()
    for raiser, state in spec.concerns:
        concern = make_concern(case, staff[raiser], state=state)
        concerns[concern.id] = policy.ConcernFacts(
            concern_id=concern.id, case_id=case.id, raised_by_id=staff[raiser].id, state=state)
        # Every concern has a chronology entry: it follows the concern.
        entry = ConcernEvent.create(concern=concern, kind="addendum", text="More.",
                                    by=staff[raiser])
        concern_events[entry.id] = concern.id
        # Its email to a lead: waiting, delivered or failed in turn (the flag's query).
        state = tuple(MessageState)[len(concerns) % len(MessageState)]
        OutboxMessage.create(kind=MessageKind.SAFEGUARDING_CONCERN, recipient="lead@example.org",
                             subject="A concern", body="Sign in.", about_kind="safeguarding_concern",
                             about_id=concern.id, state=state)
        if state != MessageState.SENT:
            undelivered.add(concern.id)

    sessions, session_coaches, session_requests = {}, {}, {}
    for n, (attending, mode) in enumerate(spec.sessions):
        # Every session has a place, whatever its mode: the query must decide by the mode.
        running = spec.session_coaches[n] if n < len(spec.session_coaches) else frozenset()
        session = make_session(case, parties=[parties[i] for i in sorted(attending)], mode=mode,
                               coaches=[coaches[i] for i in sorted(running)],
                               location=f"{PLACE} of a {mode} session")
        session_coaches[session.id] = frozenset(coaches[i].id for i in running)
        sessions[session.id] = policy.SessionFacts(
            session_id=session.id, case_id=case.id,
            party_ids=frozenset(parties[i].id for i in attending), mode=mode)
        # Each party at the session asks about it; every other request is dealt with. And one
        # party not at it has a request too (a seat taken away since): nobody's own.
        for k, i in enumerate(sorted(attending)):
            request = SessionRequest.create(session=session, party=parties[i], kind="rearrange",
                                            dealt_with_at=None if k % 2 == 0 else datetime(2026, 1, 1))
            session_requests[request.id] = (session.id, parties[i].id, k % 2 == 0)
        absent = [p for i, p in enumerate(parties) if i not in attending]
        if absent:
            request = SessionRequest.create(session=session, party=absent[0], kind="cannot_come")
            session_requests[request.id] = (session.id, absent[0].id, True)

    action_points = {make_action_point(case, parties[i]).id:
                     policy.PartyItemFacts(case_id=case.id, party_id=parties[i].id)
                     for i in spec.action_points}
    goals = {make_goal(case, parties[i]).id:
             policy.PartyItemFacts(case_id=case.id, party_id=parties[i].id)
             for i in spec.goals}
    agreements, change_requests, reviewed = {}, {}, set()
    for n, state in enumerate(spec.agreements):
        review_on = date(2027, 1, 1 + n) if n in spec.reviewed else None
        recorded = ({"reviewed_on": date(2027, 2, 1), "review_outcome": ReviewOutcome.KEPT}
                    if n in spec.review_recorded else {})
        # A proposed agreement says when it was proposed (the work queue's wait counts from it).
        proposed_at = datetime(2026, 1, 1) if state == AgreementState.PROPOSED else None
        agreement = make_agreement(case, staff[0], state=state, review_on=review_on,
                                   proposed_at=proposed_at, **recorded)
        if review_on and not recorded:
            reviewed.add(agreement.id)
        agreements[agreement.id] = policy.AgreementFacts(
            agreement_id=agreement.id, case_id=case.id, state=state)
        # Each party asks for a change, whatever the state: the rows test the query, not the
        # workflow that would stop a request on a draft.
        for party in parties:
            request = AgreementChangeRequest.create(agreement=agreement, party=party, version=1,
                                                    comment="Please change it.")
            change_requests[request.id] = (agreement.id, party.id)
            AgreementAcceptance.create(agreement=agreement, party=party, version=1,
                                       typed_name=party.name)

    events = {CaseEvent.create(case=case, kind=kind, summary=f"Something about {kind}.").id: kind
              for kind in spec.events}

    return BuiltCase(row=case, facts=facts, party_rows=parties, notes=notes, shares=shares,
                     note_children=note_children, concerns=concerns,
                     sessions=sessions, action_points=action_points, goals=goals,
                     agreements=agreements, change_requests=change_requests, events=events,
                     session_coaches=session_coaches, reviewed=reviewed,
                     concern_events=concern_events, session_requests=session_requests,
                     undelivered=undelivered)


def _note_children(note, staff_member):
    """Rows that hang off a note. Only the rows are needed: the file's bytes are one byte."""
    content = StoredFile.create(data=b"x", size_bytes=1, sha256="0" * 64)
    return (
        NoteFile.create(note=note, original_name=FILE_NAME, content_type="application/pdf",
                        size_bytes=1, sha256="0" * 64, content=content),
        NoteRevision.create(note=note, body="An earlier version.", author=note.author),
        NoteOverrideRead.create(note=note, reader=staff_member, reason="A reason."),
    )


# --- comparing ------------------------------------------------------------------------------

def ids_of(query):
    """The ids a list query returns; a row listed twice would be a wrong count, so it fails."""
    ids = [row.id for row in query]
    assert len(ids) == len(set(ids)), f"duplicate rows: {sorted(ids)}"
    return set(ids)


def allowed(check, actor, case, facts_by_id):
    """The ids of the rows the policy lets this actor see, judged on our own facts."""
    return {row_id for row_id, facts in facts_by_id.items() if check(actor, case.facts, facts)}


def who(actor, case=None):
    """Who was looking, for the failure message."""
    where = f" on case {case.row.id}" if case is not None else ""
    return f"{actor}{where}"


def every_user_and_case(built):
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)  # what a request would load
        for case in built.cases:
            yield fresh, actor, case


# --- the checks: each compares one family of list queries with the policy ------------------

def check_fact_helpers(built):
    """user.actor(), case_facts() (and case_facts_for(), for many cases at once), Note.facts()
    (loading its shares, or given them as the case page does), SafeguardingConcern.facts() and
    Agreement.facts() tell the policy the same as the data we wrote."""
    for user, actor in built.users:
        assert User.get_by_id(user.id).actor() == actor
    # case_facts_for: every case at once, and each case in a batch of its own (as a party's
    # pages ask for the cases they are on), gives what case_facts gives.
    together = queries.case_facts_for(case.row for case in built.cases)
    assert set(together) == {case.row.id for case in built.cases}
    for case in built.cases:
        # Field by field, so that a fact added later to CaseFacts is not silently compared as
        # its default; every fact the list queries depend on is here.
        for actual in (queries.case_facts(case.row), together[case.row.id],
                       queries.case_facts_for([case.row])[case.row.id]):
            for name in ("case_id", "coach_ids", "party_users", "has_unresolved_concern",
                         "closed", "kind"):
                assert getattr(actual, name) == getattr(case.facts, name), (name, case.row.id)
        for note_id, facts in case.notes.items():
            assert Note.get_by_id(note_id).facts() == facts
            shares = list(NoteShare.select().where(NoteShare.note == note_id))
            assert Note.get_by_id(note_id).facts(shares) == facts
        for concern_id, facts in case.concerns.items():
            assert SafeguardingConcern.get_by_id(concern_id).facts() == facts
        for agreement_id, facts in case.agreements.items():
            assert Agreement.get_by_id(agreement_id).facts() == facts


def check_notes(built):
    # The facts as a route would get them from the models, once per case.
    model_facts = {case.row.id: (queries.case_facts(case.row),
                                 [n.facts() for n in Note.select().where(Note.case == case.row.id)])
                   for case in built.cases}
    for user, actor, case in every_user_and_case(built):
        expected = allowed(policy.can_read_note, actor, case, case.notes)
        assert ids_of(queries.notes_visible_to(user, case.row)) == expected, who(actor, case)
        # The same through the model helpers, as a route would do it.
        case_facts, notes = model_facts[case.row.id]
        through_models = {n.note_id for n in notes
                          if policy.can_read_note(user.actor(), case_facts, n)}
        assert through_models == expected, who(actor, case)


def check_note_workings(built):
    """Who a note went to, its files, its history and override reads follow the note: files
    whoever may read it, the rest staff who may read it. The override offers exactly the notes
    the policy lets a safeguarding lead open."""
    for user, actor, case in every_user_and_case(built):
        readable = allowed(policy.can_read_note, actor, case, case.notes)
        staff_readable = allowed(policy.can_view_note_history, actor, case, case.notes)
        children = case.note_children
        assert ids_of(queries.note_shares_visible_to(user, case.row)) == \
            {sid for sid, (nid, _) in case.shares.items() if nid in staff_readable}, \
            who(actor, case)
        assert ids_of(queries.note_files_visible_to(user, case.row)) == \
            {fid for fid, nid in children[NoteFile].items() if nid in readable}, who(actor, case)
        assert ids_of(queries.note_revisions_visible_to(user, case.row)) == \
            {rid for rid, nid in children[NoteRevision].items() if nid in staff_readable}, \
            who(actor, case)
        assert ids_of(queries.override_reads_visible_to(user, case.row)) == \
            {oid for oid, nid in children[NoteOverrideRead].items() if nid in staff_readable}, \
            who(actor, case)
        openable = allowed(policy.can_override_note, actor, case, case.notes)
        assert ids_of(queries.notes_open_to_override(user, case.row)) == openable, \
            who(actor, case)
        assert ids_of(queries.override_list(user, case.row)) == openable, who(actor, case)
        # The shares those notes' facts need (loaded at once, not note by note), and only theirs.
        assert ids_of(queries.override_note_shares(user, case.row)) == \
            {sid for sid, (nid, _) in case.shares.items() if nid in openable}, who(actor, case)


def _share_requests(actor, case, states):
    """The shares whose request the policy shows this actor, in `states`."""
    return {sid for sid, (nid, pid) in case.shares.items()
            if policy.can_view_share_request(actor, case.facts, case.notes[nid], pid)
            and case.notes[nid].shares[pid] in states}


def check_party_note_lists(built):
    """A party's own lists across every case: "Shared with you" and its files, the consent
    requests about their words and those requests' files, their goals. Staff get none of them."""
    asked_states = (ShareState.WAITING, ShareState.GIVEN)
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        shared, waiting, asked, goals = set(), set(), set(), set()
        asked_notes, files = set(), {}
        for case in built.cases:
            files.update(case.note_children[NoteFile])
            if actor.role == Role.PARTY:
                shared |= allowed(policy.can_read_note, actor, case, case.notes)
                goals |= allowed(policy.can_view_party_item, actor, case, case.goals)
            waiting |= _share_requests(actor, case, (ShareState.WAITING,))
            case_asked = _share_requests(actor, case, asked_states)
            asked |= case_asked
            asked_notes |= {case.shares[sid][0] for sid in case_asked}
        assert ids_of(queries.notes_shared_with(fresh)) == shared, who(actor)
        assert ids_of(queries.files_shared_with(fresh)) == \
            {fid for fid, nid in files.items() if nid in shared}, who(actor)
        assert ids_of(queries.share_requests_for(fresh)) == waiting, who(actor)
        assert ids_of(queries.share_requests_for(fresh, asked_states)) == asked, who(actor)
        assert ids_of(queries.files_of_share_requests_for(fresh)) == \
            {fid for fid, nid in files.items() if nid in asked_notes}, who(actor)
        assert ids_of(queries.party_goals(fresh)) == goals, who(actor)


def check_cases(built):
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        visible = {c.row.id for c in built.cases if policy.can_view_case(actor, c.facts)}
        managed = {c.row.id for c in built.cases if policy.can_manage_case(actor, c.facts)}
        assert ids_of(queries.cases_visible_to(fresh)) == visible, who(actor)
        assert ids_of(queries.cases_managed_by(fresh)) == managed, who(actor)


def check_concerns(built):
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        everywhere = set()
        for case in built.cases:
            expected = allowed(policy.can_view_concern, actor, case, case.concerns)
            assert ids_of(queries.concerns_visible_to(fresh, case.row)) == expected, \
                who(actor, case)
            everywhere |= expected
        # Without a case: the dashboard across every case.
        assert ids_of(queries.concerns_visible_to(fresh)) == everywhere, who(actor)


def check_party_items(built):
    """Action points, goals and contact details: a party only ever sees their own."""
    for user, actor, case in every_user_and_case(built):
        assert ids_of(queries.action_points_visible_to(user, case.row)) == \
            allowed(policy.can_view_party_item, actor, case, case.action_points), \
            who(actor, case)
        assert ids_of(queries.goals_visible_to(user, case.row)) == \
            allowed(policy.can_view_party_item, actor, case, case.goals), who(actor, case)
        contacts = {p.id for p in case.party_rows
                    if policy.can_view_party_contact(actor, case.facts, p.id)}
        assert ids_of(queries.parties_with_contact_visible_to(user, case.row)) == contacts, \
            who(actor, case)


def check_sessions_and_agreements(built):
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        own_sessions, own_action_points = set(), set()
        for case in built.cases:
            sessions = allowed(policy.can_view_session, actor, case, case.sessions)
            assert ids_of(queries.sessions_visible_to(fresh, case.row)) == sessions, \
                who(actor, case)
            assert ids_of(queries.agreements_visible_to(fresh, case.row)) == \
                allowed(policy.can_view_agreement, actor, case, case.agreements), \
                who(actor, case)
            if actor.role == Role.PARTY:
                own_sessions |= sessions
                own_action_points |= allowed(policy.can_view_party_item, actor, case,
                                             case.action_points)
        # A party's own lists across every case: the same rows, and nothing for staff.
        own_agreements = set().union(*(
            allowed(policy.can_view_agreement, actor, case, case.agreements)
            for case in built.cases)) if actor.role == Role.PARTY else set()
        assert ids_of(queries.party_agreements(fresh)) == own_agreements, who(actor)
        assert ids_of(queries.party_sessions(fresh)) == own_sessions, who(actor)
        assert ids_of(queries.party_action_points(fresh)) == own_action_points, who(actor)


def check_session_requests_and_seats(built):
    """A party's requests about their sessions (their own words: staff on the case and that
    party), the coaches' open list, a party's own requests and their own seats (supporters)."""
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        open_ones, own, seats = set(), set(), set()
        for case in built.cases:
            allowed_ids = {rid for rid, (sid, pid, _) in case.session_requests.items()
                           if policy.can_view_session_request(actor, case.facts, case.sessions[sid], pid)}
            assert ids_of(queries.session_requests_visible_to(fresh, case.row)) == allowed_ids, \
                who(actor, case)
            if policy.is_case_staff(actor, case.facts):
                open_ones |= {rid for rid in allowed_ids if case.session_requests[rid][2]}
            mine = policy.party_ids_for(actor, case.facts)
            own |= {rid for rid in allowed_ids if case.session_requests[rid][1] in mine}
            seats |= {(sid, pid) for sid, s in case.sessions.items() for pid in s.party_ids
                      if pid in mine and policy.can_view_supporter(actor, case.facts, s, pid)}
        assert ids_of(queries.open_session_requests(fresh)) == open_ones, who(actor)
        assert ids_of(queries.own_session_requests(fresh)) == own, who(actor)
        assert {(seat.session_id, seat.party_id) for seat in queries.own_session_seats(fresh)} \
            == seats, who(actor)


def check_agreement_change_requests(built):
    """What a party asked to change: staff on the case and that party, on an agreement they
    may see."""
    for user, actor, case in every_user_and_case(built):
        for agreement_id, facts in case.agreements.items():
            agreement = Agreement.get_by_id(agreement_id)
            expected = {rid for rid, (aid, party_id) in case.change_requests.items()
                        if aid == agreement_id and policy.can_view_agreement_change_request(
                            actor, case.facts, facts, party_id)}
            assert ids_of(queries.agreement_change_requests_visible_to(user, agreement)) == \
                expected, who(actor, case)


def check_timeline(built):
    """The timeline: staff on the case; entries about money for coordinators only."""
    for user, actor, case in every_user_and_case(built):
        expected = {event_id for event_id, kind in case.events.items()
                    if policy.can_view_case_event(actor, case.facts, kind)}
        assert ids_of(queries.case_events_visible_to(user, case.row)) == expected, \
            who(actor, case)


def _place_as_loaded(session):
    """What a query gave for the session's place: its text, or None if it was not selected."""
    return session.__data__.get("location")


def check_session_places(built):
    """A session's place is loaded exactly when the policy lets the user see it: never a home
    visit's address for a party, on the case's list or their own list across cases."""
    facts_of = {sid: (case, facts) for case in built.cases for sid, facts in case.sessions.items()}

    def expected_place(actor, session_id):
        case, facts = facts_of[session_id]
        if policy.can_see_session_address(actor, case.facts, facts):
            return f"{PLACE} of a {facts.mode} session"
        return None

    for user, actor, case in every_user_and_case(built):
        for session in queries.sessions_visible_to(user, case.row):
            assert _place_as_loaded(session) == expected_place(actor, session.id), \
                (who(actor, case), session.id)
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        for query in (queries.party_sessions(fresh), queries.own_sessions(fresh)):
            for session in query:
                assert _place_as_loaded(session) == expected_place(actor, session.id), \
                    (who(actor), session.id)


def check_file_names(built):
    """A file's original name is loaded exactly when the policy lets the user see it: staff who
    may read its note; never a party, whatever files they may download."""
    for user, actor, case in every_user_and_case(built):
        for note_file in queries.note_files_visible_to(user, case.row):
            note = case.notes[note_file.note_id]
            expected = FILE_NAME if policy.can_see_file_original_name(actor, case.facts, note) \
                else None
            assert note_file.__data__.get("original_name") == expected, \
                (who(actor, case), note_file.id)
        for note_id in case.notes:
            for note_file in queries.files_of_overridden_note(Note.get_by_id(note_id)):
                assert "original_name" not in note_file.__data__
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        for query in (queries.files_shared_with(fresh), queries.files_of_share_requests_for(fresh)):
            for note_file in query:
                assert "original_name" not in note_file.__data__, (who(actor), note_file.id)


# A party's contact details and fee, as columns: what must not be loaded where only who they are
# is shown.
CONTACT_COLUMNS = ("email", "phone", "address", "unsafe_routes", "fee_pence", "fee_paid")


def _funding_loaded(case_row):
    return "funding_scheme" in case_row.__data__


def check_money_and_contact_columns(built):
    """A case's funding scheme is loaded only for coordinators (policy.can_view_funding), a
    party's fee only for coordinators and that party (policy.can_view_own_fee), and where a
    party appears beside a share or an acceptance, none of their contact details at all."""
    for user, actor, case in every_user_and_case(built):
        for row in queries.cases_visible_to(user).where(Case.id == case.row.id):
            assert _funding_loaded(row) is policy.can_view_funding(actor, case.facts), \
                who(actor, case)
        for party in queries.parties_with_contact_visible_to(user, case.row):
            assert ("fee_pence" in party.__data__) is \
                policy.can_view_own_fee(actor, case.facts, party.id), (who(actor, case), party.id)
        visible = list(queries.agreements_visible_to(user, case.row))
        one_by_one = set()
        for agreement in visible:
            for acceptance in queries.agreement_acceptances(agreement):
                assert not set(CONTACT_COLUMNS) & set(acceptance.party.__data__), who(actor, case)
                one_by_one.add(acceptance.id)
        # The same acceptances for all of them at once (as a party's home asks), names only.
        together = list(queries.agreement_acceptances_of(visible))
        assert ids_of(together) == one_by_one, who(actor, case)
        for acceptance in together:
            assert not set(CONTACT_COLUMNS) & set(acceptance.party.__data__), who(actor, case)
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        coordinator = actor.role == Role.COORDINATOR and actor.active
        cases = [s.case for s in queries.party_sessions(fresh)]
        cases += [r.case for r in queries.own_party_records(fresh)]
        cases += [a.case for a in queries.party_agreements(fresh)]
        cases += [a.case for a in queries.party_action_points(fresh)]
        cases += [g.case for g in queries.party_goals(fresh)]
        cases += [n.case for n in queries.notes_shared_with(fresh)]
        cases += [s.case for s in queries.coach_sessions(fresh)]
        cases += [a.case for a in queries.agreement_reviews(fresh)]
        asked = list(queries.share_requests_for(
            fresh, (ShareState.WAITING, ShareState.GIVEN, ShareState.REFUSED)))
        cases += [s.note.case for s in asked]
        for case_row in cases:
            assert _funding_loaded(case_row) is coordinator, who(actor)
        for share in asked:
            assert not set(CONTACT_COLUMNS) & set(share.party.__data__), who(actor)


def check_people(built):
    everyone = {u.id for u, _ in built.users}
    for user, actor in built.users:
        expected = everyone if policy.can_administer_users(actor) else set()
        assert ids_of(queries.users_visible_to(User.get_by_id(user.id))) == expected, \
            who(actor)


def check_staff_and_party_own_lists(built):
    """The lists with filters of their own, each the policy's rows that pass its filter: the
    agreements due a review (final, with a review date, its review not yet recorded, on an open
    or a closed case: the terms run on; staff on the case),
    a coach's own sessions (the sessions they run, on cases they are allocated to), a party's
    own records, a coach's case list with its party counts, every agreement version, and a
    party's coaches (the current coaches of every case they may see)."""
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        reviews, coached, records, cases, coaches = set(), set(), set(), {}, set()
        for case in built.cases:
            if actor.role == Role.PARTY and policy.can_see_case_coaches(actor, case.facts):
                coaches |= case.facts.coach_ids
            if policy.is_case_staff(actor, case.facts):
                reviews |= {aid for aid in allowed(policy.can_view_agreement, actor, case,
                                                    case.agreements)
                            if case.agreements[aid].state == AgreementState.FINAL
                            and aid in case.reviewed}
            if policy.is_case_coach(actor, case.facts):
                coached |= {sid for sid in allowed(policy.can_view_session, actor, case,
                                                    case.sessions)
                            if actor.user_id in case.session_coaches[sid]}
            records |= policy.party_ids_for(actor, case.facts)
            if policy.can_view_case(actor, case.facts):
                cases[case.row.id] = len(case.party_rows)
            assert ids_of(queries.agreement_versions_visible_to(fresh, case.row)) == \
                allowed(policy.can_view_agreement, actor, case, case.agreements), \
                who(actor, case)
        assert ids_of(queries.agreement_reviews(fresh)) == reviews, who(actor)
        assert ids_of(queries.coach_sessions(fresh)) == coached, who(actor)
        own = set().union(*(allowed(policy.can_view_session, actor, case, case.sessions)
                            for case in built.cases)) if actor.role == Role.PARTY else coached
        assert ids_of(queries.own_sessions(fresh)) == own, who(actor)
        assert ids_of(queries.own_party_records(fresh)) == records, who(actor)
        assert ids_of(queries.party_coaches(fresh)) == coaches, who(actor)
        assert {c.id: c.party_count for c in queries.coach_case_list(fresh)} == cases, who(actor)


# A moment in the generated service, and the marks of what coaches have seen either side of it.
SAID_AT = datetime(2026, 6, 1, 12, 0)


def _coach_work_data(built):
    """What the coach's home lists, added to the generated service (the checks roll it back):
    every other session held, with one of the case's notes linked to it; a party comment on
    every action point; an answer about taking part from every party with an account (and one
    recorded by staff); a portal answer on every given or refused share; a follow-on coaching
    case offered to every party, its first current coach on it. Of each case's current coaches,
    the first saw the case before, the second since. Returns (held session ids, notes by
    session, consent events by case, follow-on offers by parent case, seen)."""
    from portal.models import ActionPoint, CaseParty, CaseSeen, CaseSession, CoachAllocation, ConsentEvent
    held, noted, consents, offers, seen = set(), {}, {}, {}, set()
    for case in built.cases:
        sessions = sorted(case.sessions)
        notes = sorted(case.notes)
        for k, session_id in enumerate(sessions[::2]):
            held.add(session_id)
            if k < len(notes) and k % 3 != 2:
                noted[session_id] = notes[k]
                Note.update(session=session_id).where(Note.id == notes[k]).execute()
        CaseSession.update(status="held").where(CaseSession.id.in_(list(held) or [0])).execute()
        ActionPoint.update(party_comment="Said.", party_comment_at=SAID_AT).where(
            ActionPoint.case == case.row.id).execute()
        consents[case.row.id] = set()
        for party in case.party_rows:
            ConsentEvent.create(party=party, state="given", occurred_on=date(2026, 6, 1), recorded_by=None,
                                created_at=SAID_AT)
            if party.user_id is not None:
                event = ConsentEvent.create(party=party, state="withdrawn", occurred_on=date(2026, 6, 1),
                                            recorded_by=party.user_id, created_at=SAID_AT)
                consents[case.row.id].add(event.id)
        NoteShare.update(consent_method="portal", consent_at=SAID_AT).where(
            NoteShare.note.in_(notes or [0]), NoteShare.state.in_([ShareState.GIVEN, ShareState.REFUSED])).execute()
        AgreementChangeRequest.update(created_at=SAID_AT).where(
            AgreementChangeRequest.id.in_(list(case.change_requests) or [0])).execute()
        coaches = sorted(case.facts.coach_ids)
        for coach_id, later in zip(coaches, (False, True), strict=False):
            CaseSeen.create(coach=coach_id, case=case.row.id,
                            seen_at=SAID_AT + (timedelta(hours=1) if later else -timedelta(hours=1)))
            if later:
                seen.add((coach_id, case.row.id))
        follow_on = make_case(CaseKind.COACHING, parent_case=case.row.id)
        if coaches:
            CoachAllocation.create(case=follow_on, coach=coaches[0])
        party_users = {}
        ids = set()
        for party in case.party_rows:
            offer = CaseParty.create(case=follow_on, user=party.user_id, name=party.name, coaching_offer="waiting",
                                     offered_from=party.id)
            party_users[offer.id] = party.user_id
            ids.add(offer.id)
        offers[case.row.id] = (policy.CaseFacts(case_id=follow_on.id, coach_ids=frozenset(coaches[:1]),
                                                party_users=party_users, kind=CaseKind.COACHING), ids)
    return held, noted, consents, offers, seen


def check_coach_work(built):
    """A coach's diary and to-do (the coach's home), each the rows the policy shows a coach on
    the case now, with the list's own filter; nothing for anyone else. And the coaching offered
    from a case: its follow-on cases' offers, on the follow-on cases the user may see."""
    met = dict.fromkeys(("diary", "to_write", "waiting", "overdue", "comments", "answers", "shares",
                         "changes", "offers"), 0)
    with database.atomic() as transaction:
        held, noted, consents, offers, seen = _coach_work_data(built)
        for user, actor in built.users:
            fresh = User.get_by_id(user.id)
            diary, to_write, waiting, overdue = set(), set(), set(), set()
            comments, answers, shares, changes = set(), set(), set(), set()
            for case in built.cases:
                follow_facts, offer_ids = offers[case.row.id]
                offered = offer_ids if policy.can_view_case(actor, follow_facts) else set()
                assert ids_of(queries.coaching_offers_from(fresh, case.row)) == offered, who(actor, case)
                met["offers"] += len(offered)
                if not policy.is_case_coach(actor, case.facts):
                    continue
                unseen = (actor.user_id, case.row.id) not in seen
                for sid in allowed(policy.can_view_session, actor, case, case.sessions):
                    if actor.user_id not in case.session_coaches[sid]:
                        continue
                    if sid not in held:
                        diary.add(sid)
                    elif sid not in noted or case.notes[noted[sid]].withdrawn or not policy.can_read_note(
                            actor, case.facts, case.notes[noted[sid]]):
                        to_write.add(sid)
                for share_id, (note_id, party_id) in case.shares.items():
                    note = case.notes[note_id]
                    # Consent to share is the source party's: a note without one waits on nobody.
                    if note.author_id != actor.user_id or note.source_party_id is None:
                        continue
                    state = note.shares[party_id]
                    if state == ShareState.WAITING and not note.withdrawn:
                        waiting.add(share_id)
                    if state in (ShareState.GIVEN, ShareState.REFUSED) and unseen:
                        shares.add(share_id)
                points = allowed(policy.can_view_party_item, actor, case, case.action_points)
                overdue |= points
                comments |= points if unseen else set()
                answers |= consents[case.row.id] if unseen else set()
                changes |= {rid for rid, (aid, party_id) in case.change_requests.items()
                            if unseen and policy.can_view_agreement_change_request(
                                actor, case.facts, case.agreements[aid], party_id)}
            since = datetime(2000, 1, 1)
            assert ids_of(queries.coach_diary(fresh, since)) == diary, who(actor)
            assert ids_of(queries.coach_diary(fresh, datetime(2100, 1, 1))) == set(), who(actor)
            assert {seat.session_id for seat in queries.session_party_names(queries.coach_diary(fresh, since))} == \
                {sid for case in built.cases for sid in diary & set(case.sessions) if case.sessions[sid].party_ids}
            assert ids_of(queries.notes_to_write(fresh)) == to_write, who(actor)
            assert ids_of(queries.share_consents_waiting(fresh)) == waiting, who(actor)
            assert ids_of(queries.overdue_action_points(fresh, date(2100, 1, 1))) == overdue, who(actor)
            assert ids_of(queries.overdue_action_points(fresh, date(2000, 1, 1))) == set(), who(actor)
            assert ids_of(queries.unseen_comments(fresh)) == comments, who(actor)
            assert ids_of(queries.unseen_consent_answers(fresh)) == answers, who(actor)
            assert ids_of(queries.unseen_share_answers(fresh)) == shares, who(actor)
            assert ids_of(queries.unseen_change_requests(fresh)) == changes, who(actor)
            for name, rows in (("diary", diary), ("to_write", to_write), ("waiting", waiting),
                               ("overdue", overdue), ("comments", comments), ("answers", answers),
                               ("shares", shares), ("changes", changes)):
                met[name] += len(rows)
        transaction.rollback()
    return met


def test_the_coach_work_check_meets_every_kind_of_row(app):
    """On the hand-made world, every list of the coach's home has rows to compare."""
    met = check_coach_work(build(_every_combination_world()))
    assert [name for name, count in met.items() if not count] == []


def check_concern_lists(built):
    """A concern's chronology follows the concern; the case's list, the dashboard (coordinators
    only) under each status filter, the open count and the raisers' filter are the concerns the
    policy shows."""
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        visible = {}
        for case in built.cases:
            on_case = allowed(policy.can_view_concern, actor, case, case.concerns)
            assert ids_of(queries.concerns_on_case(fresh, case.row)) == on_case, \
                who(actor, case)
            visible.update({cid: case.concerns[cid] for cid in on_case})
            for concern_id in case.concerns:
                expected = {eid for eid, cid in case.concern_events.items()
                            if cid == concern_id and concern_id in on_case}
                concern = SafeguardingConcern.get_by_id(concern_id)
                assert ids_of(queries.concern_events_visible_to(fresh, concern)) == expected, \
                    who(actor, case)
        coordinator = actor.role == Role.COORDINATOR and actor.active
        for status, states in queries.CONCERN_STATUS_FILTERS.items():
            expected = {cid for cid, facts in visible.items() if facts.state in states} \
                if coordinator else set()
            assert ids_of(queries.concern_dashboard(fresh, status=status)) == expected, \
                (who(actor), status)
        assert queries.open_concern_count_for(fresh) == \
            len([f for f in visible.values() if f.state in UNRESOLVED]), who(actor)
        assert ids_of(queries.concern_raisers(fresh)) == \
            {f.raised_by_id for f in visible.values()}, who(actor)
        # Every generated concern is high and raised before now.
        undelivered = set().union(*(case.undelivered for case in built.cases))
        expected = {cid for cid, f in visible.items() if f.state in UNRESOLVED and cid in undelivered} \
            if coordinator else set()
        assert ids_of(queries.concerns_with_undelivered_email(fresh, datetime(2100, 1, 1))) == expected, \
            who(actor)


def check_messages(built):
    """The outbox is for whoever the policy lets manage messages, under each state filter."""
    everything = {m.id: m.state for m in OutboxMessage.select(OutboxMessage.id, OutboxMessage.state)}
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        shown = everything if policy.can_manage_messages(actor) else {}
        assert ids_of(queries.messages_visible_to(fresh)) == set(shown), who(actor)
        for state in MessageState:
            assert ids_of(queries.messages_visible_to(fresh, state=state)) == \
                {mid for mid, s in shown.items() if s == state}, (who(actor), state)


def check_referrals(built):
    """Referrals are for whoever the policy lets take them, under every status filter."""
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        taken = built.referrals if policy.can_take_referrals(actor) else {}
        assert ids_of(queries.referrals_visible_to(fresh)) == set(taken), who(actor)
        for status in (None, *REFERRAL_STATUSES):
            assert ids_of(queries.referral_queue(fresh, status=status)) == \
                {rid for rid, s in taken.items() if status is None or s == status}, \
                (who(actor), status)


def check_audit_trail(built):
    """The audit trail and its kinds are for whoever the policy lets read it, under each of
    its filters: a person (part of the actor's name or email), a case reference, an event."""
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        rows = built.audit if policy.can_read_audit_trail(actor) else {}

        def matching(test, rows=rows):
            return {rid for rid, row in rows.items() if test(row)}
        assert ids_of(queries.audit_events_visible_to(fresh)) == set(rows), who(actor)
        for someone, _ in built.users[:1]:
            for text in (someone.name, someone.email.split("@")[0]):
                assert ids_of(queries.audit_events_visible_to(fresh, person=text)) == matching(
                    lambda row, text=text: row.actor is not None
                    and text.lower() in (row.actor.name + " " + row.actor.email).lower()), \
                    who(actor)
        for case in built.cases:
            reference = case.row.reference
            assert ids_of(queries.audit_events_visible_to(fresh, case_reference=reference)) == \
                matching(lambda row, ref=reference: row.case_reference == ref), who(actor)
        for kind in AUDIT_KINDS:
            assert ids_of(queries.audit_events_visible_to(fresh, event=kind)) == \
                matching(lambda row, kind=kind: row.event == kind), who(actor)
        assert [row.event for row in queries.audit_event_kinds_visible_to(fresh)] == \
            sorted({row.event for row in rows.values()}), who(actor)


def check_case_list(built):
    """The case list (/cases) holds exactly the cases whose staff view the user may open, under
    each status; a search by any case's reference finds it only for them; the parties' names and
    current coaches of a page are those cases' (names only, no contact details); the funding
    scheme is loaded and offered only to coordinators; the coach filter offers the coaches the
    user may see on their cases."""
    everyone = [case.row.id for case in built.cases]
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        mine = {c.row.id: c for c in built.cases if policy.can_manage_case(actor, c.facts)}
        by_status = {
            "all": set(mine),
            "open": {i for i, c in mine.items() if not c.facts.closed},
            "closed": {i for i, c in mine.items() if c.facts.closed},
        }
        for status, expected in by_status.items():
            filters = queries.CaseListFilters(status=status)
            assert ids_of(queries.case_list(fresh, filters)) == expected, (who(actor), status)
            assert ids_of(queries.case_list_ids(fresh, filters)) == expected, (who(actor), status)
        everything = queries.CaseListFilters(status="all")
        page = list(queries.case_list_page(fresh, everything, sort="activity", number=1, per_page=100))
        assert ids_of(page) == set(mine) and all(row.total == len(mine) for row in page), who(actor)
        assert ids_of(queries.case_list_rows(fresh, everyone)) == set(mine), who(actor)
        for stage in Stage:  # a stage filter never reaches past the user's cases
            assert ids_of(queries.case_list_ids(fresh, queries.CaseListFilters(status="all", stage=stage))) <= \
                set(mine), (who(actor), stage)
        for row in queries.case_list(fresh, everything):
            assert _funding_loaded(row) is policy.can_view_funding(actor, mine[row.id].facts), who(actor)
        for case in built.cases:
            found = ids_of(queries.case_list(fresh, queries.CaseListFilters(status="all", q=case.row.reference)))
            assert found == ({case.row.id} & set(mine)), (who(actor), case.row.reference)
        parties = list(queries.case_list_parties(fresh, everyone))
        assert ids_of(parties) == {p.id for i, c in mine.items() for p in c.party_rows}, who(actor)
        for party in parties:
            assert not set(CONTACT_COLUMNS) & set(party.__data__), who(actor)
        coaches = {(a.case_id, a.coach.id) for a in queries.case_list_coaches(fresh, everyone)}
        assert coaches == {(i, coach) for i, c in mine.items() for coach in c.facts.coach_ids}, who(actor)
        active_coaches = {u.id for u, a in built.users if a.role == Role.COACH and a.active}
        offered = ids_of(queries.case_list_coach_choices(fresh))
        if actor.role == Role.COORDINATOR and actor.active:
            assert offered == active_coaches, who(actor)
        else:
            on_my_cases = {coach for c in mine.values() for coach in c.facts.coach_ids}
            assert offered == on_my_cases & active_coaches, who(actor)
        if not (actor.role == Role.COORDINATOR and actor.active):
            assert queries.case_list_funding_schemes(fresh) == [], who(actor)


# The work queue asked for far in the future with no waits: every item of the generated world
# that fits a list is late.
LATE_RULES = queries.QueueRules.of(datetime(2100, 1, 1, 12), ZoneInfo("Europe/London"),
                                   referral_working_days=0, urgent_working_days=0, consent_days=0,
                                   quiet_days=0, note_days=0, proposal_days=0)


def check_work_queue(built):
    """The coordinator's work queue: for coordinators, each list is exactly the rows of the
    policy's that fit it (on open cases, but for the reviews); for anyone else, every list is
    empty. Parties come with their names only."""
    for user, actor in built.users:
        fresh = User.get_by_id(user.id)
        coordinator = policy.can_use_role_area(actor, Role.COORDINATOR)
        expected = {name: set() for name in ("referrals", "consent", "no_coach", "quiet", "sessions",
                                             "action_points", "proposals", "reviews", "concerns")}
        if coordinator:
            expected["referrals"] = {rid for rid, status in built.referrals.items() if status == "new"}
        for case in built.cases if coordinator else ():
            expected["reviews"] |= {aid for aid in case.reviewed
                                    if case.agreements[aid].state == AgreementState.FINAL}
            expected["concerns"] |= {cid for cid in allowed(policy.can_view_concern, actor, case, case.concerns)
                                     if case.concerns[cid].state == ConcernState.OPEN}
            if case.facts.closed:
                continue
            states = {p.id: p.consent_state for p in CaseParty.select().where(CaseParty.case == case.row.id)}
            expected["consent"] |= {pid for pid, state in states.items() if state == ConsentState.PENDING
                                    and policy.can_view_party_contact(actor, case.facts, pid)}
            if not case.facts.coach_ids:
                expected["no_coach"].add(case.row.id)
            elif states and all(state == ConsentState.GIVEN for state in states.values()):
                expected["quiet"].add(case.row.id)
            expected["sessions"] |= allowed(policy.can_view_session, actor, case, case.sessions)
            expected["action_points"] |= allowed(policy.can_view_party_item, actor, case, case.action_points)
            expected["proposals"] |= {aid for aid in allowed(policy.can_view_agreement, actor, case,
                                                               case.agreements)
                                      if case.agreements[aid].state == AgreementState.PROPOSED}
        found = {
            "referrals": queries.referrals_overdue(fresh, LATE_RULES),
            "consent": queries.consent_waiting(fresh, LATE_RULES),
            "no_coach": queries.cases_without_coach(fresh, LATE_RULES),
            "quiet": queries.quiet_cases(fresh, LATE_RULES),
            "sessions": queries.sessions_unrecorded(fresh, LATE_RULES),
            "action_points": queries.action_points_overdue(fresh, LATE_RULES),
            "proposals": queries.proposals_waiting(fresh, LATE_RULES),
            "reviews": queries.reviews_due(fresh, LATE_RULES),
            "concerns": queries.concerns_unacknowledged(fresh, LATE_RULES),
        }
        for name, query in found.items():
            assert ids_of(query) == expected[name], (who(actor), name)
        for party in queries.consent_waiting(fresh, LATE_RULES):
            assert not set(CONTACT_COLUMNS) & set(party.__data__), who(actor)


def check_notifications(built):
    """A person's notifications are theirs alone (`can_view_notification`), and the parties to
    phone instead (`can_see_phone_instead`: coordinators) are exactly the parties on open cases
    with an unread notification that was not emailed because email is not safe for them. The
    notifications are written for this check and rolled back after it."""
    with database.atomic() as transaction:
        own = {}
        for user, _ in built.users:
            row = Notification.create(recipient=user, kind=NotificationKind.SESSION_BOOKED, link="/",
                                      key=f"check|{user.id}", delivery=Delivery.EMAILED)
            own[row.id] = policy.NotificationFacts(notification_id=row.id, recipient_id=user.id)
        to_phone = set()
        for case in built.cases:
            for n, party in enumerate(case.party_rows):
                if party.user_id is None:
                    continue
                unsafe, unread = n % 2 == 0, n % 3 != 2
                row = Notification.create(recipient=party.user_id, kind=NotificationKind.CASE_CLOSED, link="/",
                                          key=f"check|party|{party.id}", party=party, case=case.row.id,
                                          delivery=Delivery.MUST_NOT_EMAIL if unsafe else Delivery.EMAILED,
                                          read_at=None if unread else datetime(2026, 1, 1))
                own[row.id] = policy.NotificationFacts(notification_id=row.id, recipient_id=party.user_id)
                if unsafe and unread and case.row.status == CaseStatus.OPEN:
                    to_phone.add(party.id)
        for user, actor in built.users:
            fresh = User.get_by_id(user.id)
            mine = {nid for nid, facts in own.items() if policy.can_view_notification(actor, facts)}
            assert ids_of(queries.notifications_visible_to(fresh)) == mine, who(actor)
            phone = to_phone if policy.can_see_phone_instead(actor) else set()
            assert ids_of(queries.phone_instead(fresh)) == phone, who(actor)
            # The work queue's list of them is the same list.
            assert ids_of(queries.parties_to_phone(fresh, LATE_RULES)) == phone, who(actor)
        transaction.rollback()


def check_feedback_and_equality(built):
    """A party's feedback (the coded answers: staff on the case, `can_view_feedback`; the free
    text: `can_read_feedback_comment`), a coaching case's outcome (`can_view_coaching_outcome`),
    equality answers per person (`can_view_equality_answers`: coordinators), and a party's own
    invitations and answers (`party_ids_for`, `can_answer_own_equality`). The rows are written
    for this check and rolled back after it."""
    with database.atomic() as transaction:
        feedback, comments, outcomes, equality = {}, {}, {}, {}
        for case in built.cases:
            for n, party in enumerate(case.party_rows):
                answered = n % 3 != 0
                row = FeedbackRequest.create(case=case.row.id, party=party.id, token_hash=f"check{party.id}",
                                             expires_at=datetime(2100, 1, 1),
                                             answered_at=datetime(2026, 1, 1) if answered else None,
                                             satisfaction=Satisfaction.SATISFIED if answered else None,
                                             comment="Words." if n % 2 == 0 and answered else "")
                feedback[row.id] = (case, party)
                if row.comment:
                    comments[row.id] = case
                if n % 2 == 1:
                    answers = EqualityAnswers.create(party=party.id, age_band=AgeBand.AGE_25_34,
                                                     source=EqualitySource.PARTY)
                    equality[answers.id] = (case, party)
            if case.row.kind == CaseKind.COACHING:
                outcomes[CoachingOutcome.create(case=case.row.id, goals_met=GoalsMet.FULLY).id] = case
        for user, actor, case in every_user_and_case(built):
            on_case = {fid for fid, (c, _) in feedback.items() if c is case}
            assert ids_of(queries.feedback_visible_to(user, case.row)) == (
                on_case if policy.can_view_feedback(actor, case.facts) else set()), who(actor, case)
            words = {fid for fid, c in comments.items() if c is case}
            assert ids_of(queries.feedback_comments_visible_to(user, case.row)) == (
                words if policy.can_read_feedback_comment(actor, case.facts) else set()), who(actor, case)
            outcome = {oid for oid, c in outcomes.items() if c is case}
            assert ids_of(queries.coaching_outcome_visible_to(user, case.row)) == (
                outcome if policy.can_view_coaching_outcome(actor, case.facts) else set()), who(actor, case)
            answers = {aid for aid, (c, _) in equality.items() if c is case}
            assert ids_of(queries.equality_answers_visible_to(user, case.row)) == (
                answers if policy.can_view_equality_answers(actor, case.facts) else set()), who(actor, case)
        for user, actor in built.users:
            fresh = User.get_by_id(user.id)
            own = {fid for fid, (c, p) in feedback.items() if p.id in policy.party_ids_for(actor, c.facts)}
            assert ids_of(queries.own_feedback_requests(fresh)) == own, who(actor)
            mine = {aid for aid, (c, p) in equality.items() if policy.can_answer_own_equality(actor, c.facts, p.id)}
            assert ids_of(queries.own_equality_answers(fresh)) == mine, who(actor)
            # The subject access export reads the same through the person's party records
            # (their answers and words included), never another party's.
            records = queries.own_party_records(fresh).select(CaseParty.id).order_by()
            assert ids_of(queries.own_feedback_requests_of(records)) == own, who(actor)
            assert ids_of(queries.own_feedback_answers_of(records)) == own, who(actor)
            assert ids_of(queries.own_equality_answers_of(records)) == mine, who(actor)
        # A coordinator's export of one record: that person's (every record of their account).
        def same_person(one, other):
            return one.id == other.id or (one.user_id is not None and one.user_id == other.user_id)

        for case in built.cases:
            for party in case.party_rows:
                records = queries.subject_parties(party)
                assert ids_of(queries.own_feedback_answers_of(records)) == {
                    fid for fid, (_, p) in feedback.items() if same_person(p, party)}
                assert ids_of(queries.own_equality_answers_of(records)) == {
                    aid for aid, (_, p) in equality.items() if same_person(p, party)}
        transaction.rollback()


def _names(text, party):
    return party.name.strip().lower() in (text or "").lower()


def check_data_rights(built):
    """Data rights: the party records a user may export (`can_export_party_data`: coordinators
    every one, a party their own); an export read through a party's own records is exactly
    their own lists; the staff notes and concerns naming a party are the ones the coordinator
    may read that name them (`can_review_staff_mentions`: full name in the text, the note's
    source, the concern's subject); the cases retention will anonymise and the erasure requests
    are for coordinators (`can_manage_retention`). Erasure requests are rolled back after."""
    every_record = [p for case in built.cases for p in case.party_rows]
    with database.atomic() as transaction:
        requests = {ErasureRequest.create(party=p.id, received_on=date(2026, 1, 2), method="phone",
                                          recorded_by=built.users[0][0].id).id for p in every_record[:3]}
        # Closed long ago, the first closed case on legal hold.
        closed = [c.row.id for c in built.cases if c.row.status == CaseStatus.CLOSED]
        Case.update(closed_at=datetime(2020, 1, 1)).where(Case.id.in_(closed)).execute()
        Case.update(legal_hold_reason="A claim").where(Case.id.in_(closed[:1])).execute()
        # Declined referrals, never a case: retention's to anonymise, one already done.
        declined = [Referral.create(reference=f"RF-2019-{n:04d}", source="self", dispute_type="neighbour",
                                    urgency="routine", description="Declined", status=ReferralStatus.DECLINED,
                                    triaged_at=datetime(2020, 1, 1), anonymised_at=datetime(2026, 1, 1) if n else None)
                    for n in range(2)]
        for user, actor in built.users:
            fresh = User.get_by_id(user.id)
            exportable = {p.id for case in built.cases for p in case.party_rows
                          if policy.can_export_party_data(actor, case.facts, p.id)}
            assert ids_of(queries.exportable_party_records(fresh)) == exportable, who(actor)
            mine = [p for p in every_record if p.id in exportable and actor.role == Role.PARTY]
            if mine:
                parties = queries.subject_parties(mine[0])
                for own, of_parties in ((queries.notes_shared_with, queries.notes_shared_with_parties),
                                        (queries.files_shared_with, queries.files_shared_with_parties),
                                        (queries.party_action_points, queries.party_action_points_of),
                                        (queries.party_goals, queries.party_goals_of),
                                        (queries.party_agreements, queries.party_agreements_of),
                                        (queries.party_sessions, queries.party_sessions_of),
                                        (queries.own_session_seats, queries.own_session_seats_of),
                                        (queries.own_session_requests, queries.own_session_requests_of),
                                        (queries.own_party_records, queries.own_party_records_of)):
                    assert ids_of(of_parties(parties)) == ids_of(own(fresh)), (who(actor), own.__name__)
            reviews = policy.can_review_staff_mentions(actor)
            for case in built.cases:
                notes = {n.id: n for n in Note.select().where(Note.case == case.row.id)}
                concerns = {c.id: c for c in
                            SafeguardingConcern.select().where(SafeguardingConcern.case == case.row.id)}
                readable = allowed(policy.can_read_note, actor, case, case.notes) if reviews else set()
                visible = allowed(policy.can_view_concern, actor, case, case.concerns) if reviews else set()
                for party in case.party_rows:
                    assert ids_of(queries.staff_notes_naming(fresh, party)) == {
                        nid for nid in readable
                        if _names(notes[nid].body, party) or notes[nid].source_party_id == party.id}, who(actor, case)
                    assert ids_of(queries.concerns_naming(fresh, party)) == {
                        cid for cid in visible
                        if _names(concerns[cid].description, party) or _names(concerns[cid].about_other_person, party)
                        or concerns[cid].about_party_id == party.id}, who(actor, case)
            manages = policy.can_manage_retention(actor)
            due = {case.row.id for case in built.cases
                   if manages and case.row.id in closed
                   and not policy.is_on_legal_hold(hold_set=case.row.id in closed[:1],
                                                   unresolved_concern=case.facts.has_unresolved_concern)}
            assert ids_of(queries.cases_due_for_anonymising(fresh, datetime(2100, 1, 1), 0, 0)) == due, who(actor)
            assert ids_of(queries.erasure_requests_visible_to(fresh)) == (requests if manages else set()), who(actor)
            assert ids_of(queries.referrals_due_for_anonymising(fresh, datetime(2100, 1, 1), 0, 0)) == (
                {declined[0].id} if manages else set()), who(actor)
        transaction.rollback()


def check_sign_in_sessions(built):
    """Each person's own active sign-in sessions, and nobody else's: two sessions per user, one
    of them ended, and one idle since before the cut-off; written for this check and rolled
    back after it."""
    cut_off = datetime(2026, 6, 1)
    with database.atomic() as transaction:
        active = {}
        for n, (user, _) in enumerate(built.users):
            row = SignInSession.create(user=user, token_hash=f"check-{n}-a",
                                       last_seen_at=cut_off + timedelta(minutes=1))
            active[row.id] = policy.SignInSessionFacts(session_id=row.id, owner_id=user.id)
            SignInSession.create(user=user, token_hash=f"check-{n}-b", last_seen_at=cut_off + timedelta(minutes=1),
                                 ended_at=cut_off, ended_why=SessionEnd.SIGNED_OUT)
            SignInSession.create(user=user, token_hash=f"check-{n}-c", last_seen_at=cut_off - timedelta(minutes=1))
        for user, actor in built.users:
            fresh = User.get_by_id(user.id)
            mine = {sid for sid, facts in active.items() if policy.can_see_sign_in_session(actor, facts)}
            assert ids_of(queries.sign_in_sessions_visible_to(fresh, cut_off)) == mine, who(actor)
            assert len(mine) == (1 if actor.active else 0), who(actor)
        transaction.rollback()


CHECKS = {
    "fact helpers": check_fact_helpers,
    "notes": check_notes,
    "note shares, files, history, override": check_note_workings,
    "a party's shared notes, consent requests, goals": check_party_note_lists,
    "cases": check_cases,
    "concerns": check_concerns,
    "action points, goals, contacts": check_party_items,
    "sessions, agreements, a party's own lists": check_sessions_and_agreements,
    "agreements' change requests": check_agreement_change_requests,
    "session requests, own seats": check_session_requests_and_seats,
    "case timeline": check_timeline,
    "session places": check_session_places,
    "file names": check_file_names,
    "money and contact columns": check_money_and_contact_columns,
    "people": check_people,
    "reviews, a coach's sessions, own records, case list": check_staff_and_party_own_lists,
    "a coach's diary and to-do, coaching offers": check_coach_work,
    "concern chronology, dashboard, counts": check_concern_lists,
    "referrals": check_referrals,
    "audit trail": check_audit_trail,
    "messages": check_messages,
    "case list": check_case_list,
    "work queue": check_work_queue,
    "notifications, parties to phone instead": check_notifications,
    "feedback, coaching outcomes, equality answers": check_feedback_and_equality,
    "data rights: exports, staff mentions, retention, erasure": check_data_rights,
    "sign-in sessions": check_sign_in_sessions,
}


def queries_taking_a_user():
    """Every public function of `queries` with a `user` parameter, by name."""
    return {name for name, function in inspect.getmembers(queries, inspect.isfunction)
            if not name.startswith("_") and "user" in inspect.signature(function).parameters}


def test_every_query_that_takes_a_user_is_compared():
    """A new query that decides what a user sees is compared here from the day it is added: each
    is called by at least one of the checks above."""
    called = "".join(inspect.getsource(check) for check in CHECKS.values())
    # The queries the pages used to run themselves are compared for every kind of user on a
    # hand-made case of their own.
    called += Path(__file__).with_name("test_queries_of_pages.py").read_text()
    missing = {name for name in queries_taking_a_user() if f"queries.{name}(" not in called}
    assert not missing, f"queries not compared with the policy: {sorted(missing)}"
    assert len(queries_taking_a_user()) >= 40  # the guard itself finds them


# --- every combination, once: a hand-made world ---------------------------------------------
# Random worlds find interactions; this one guarantees that every reader meets every audience,
# share state, withdrawal, source party and author, every concern state and raiser, every
# session shape and agreement state, on every run.

def _every_combination_world():
    party, coach, coordinator = Role.PARTY, Role.COACH, Role.COORDINATOR
    users = (
        # parties 0-7: named with not_needed, waiting, given, refused, withdrawn; not named;
        # deactivated (given); on the other case only
        *(UserSpec(party, True, False, False) for _ in range(6)),
        UserSpec(party, False, False, False),
        UserSpec(party, True, False, False),
        # coaches 0-4: allocated, allocated, taken off, allocated elsewhere only, deactivated
        *(UserSpec(coach, True, False, False) for _ in range(4)),
        UserSpec(coach, False, False, False),
        # coordinators (staff 5-8): plain, safeguarding lead, administrator, deactivated admin
        UserSpec(coordinator, True, False, False),
        UserSpec(coordinator, True, True, False),
        UserSpec(coordinator, True, False, True),
        UserSpec(coordinator, False, True, True),
    )
    share_by_party = ((0, ShareState.NOT_NEEDED), (1, ShareState.WAITING),
                      (2, ShareState.GIVEN), (3, ShareState.REFUSED),
                      (4, ShareState.WITHDRAWN), (6, ShareState.GIVEN),
                      (7, ShareState.GIVEN))  # 7: a record without an account
    notes = tuple(
        NoteSpec(author=author, audience=audience, source=source, shares=share_by_party,
                 withdrawn=withdrawn)
        for author in (0, 2, 5)              # allocated coach, coach taken off, coordinator
        for audience in Audience
        for source in (None, 0, 5)           # none, the not_needed party, the unnamed party
        for withdrawn in (False, True))
    main = CaseSpec(
        closed=False,
        allocations=((0, False), (1, False), (2, True), (4, False)),
        parties=(0, 1, 2, 3, 4, 5, 6, None),
        notes=notes,
        concerns=tuple((raiser, state) for raiser in (1, 2, 3, 5)
                       for state in ConcernState),
        sessions=tuple((attending, mode)
                       for attending in (frozenset(range(8)), frozenset(),
                                         *(frozenset({i}) for i in range(8)), frozenset({0, 2}))
                       for mode in (SessionMode.FACE_TO_FACE, SessionMode.HOME_VISIT))
        + tuple((frozenset({0, 2}), mode) for mode in SessionMode),
        action_points=tuple(range(8)),
        goals=tuple(range(8)),
        agreements=AgreementState,
        events=EVENT_KINDS,
        # Each session run by two of: allocated, allocated, taken off, elsewhere, deactivated.
        session_coaches=tuple(frozenset({n % 5, (n + 2) % 5}) for n in range(25)),
        reviewed=frozenset(range(len(AgreementState))),
    )
    # Party 7 is only here; party 2 is on both cases (one person, two party records).
    other = CaseSpec(
        closed=True,
        allocations=((3, False), (0, True)),
        parties=(7, 2),
        notes=tuple(NoteSpec(author=3, audience=audience, source=None,
                             shares=((0, ShareState.GIVEN), (1, ShareState.GIVEN)),
                             withdrawn=False)
                    for audience in Audience),
        concerns=((3, ConcernState.OPEN), (0, ConcernState.OPEN)),
        sessions=((frozenset({0}), SessionMode.HOME_VISIT), (frozenset({1}), SessionMode.ONLINE),
                  (frozenset({0, 1}), SessionMode.COMMUNITY_VENUE)),
        action_points=(0, 1),
        goals=(0, 1),
        agreements=AgreementState,
        events=EVENT_KINDS,
        session_coaches=(frozenset({3}), frozenset({0}), frozenset({0, 3})),
        reviewed=frozenset(range(len(AgreementState))),  # on a closed case: still due
        review_recorded=frozenset({1}),
    )
    # Only a closed concern: no longer "open" in PRODUCT.md's sense.
    # A coaching case: one final agreement due a review, one without a review date and one
    # whose review is recorded.
    quiet = CaseSpec(closed=False, allocations=((1, False),), parties=(5,), notes=(),
                     concerns=((5, ConcernState.CLOSED),),
                     sessions=((frozenset({0}), SessionMode.ONLINE),), action_points=(),
                     goals=(), agreements=(AgreementState.FINAL, AgreementState.FINAL,
                                           AgreementState.FINAL),
                     events=(), kind=CaseKind.COACHING, session_coaches=(frozenset({1}),),
                     reviewed=frozenset({0, 2}), review_recorded=frozenset({2}))
    referrals = tuple((status, urgency) for status in REFERRAL_STATUSES
                      for urgency in queries.URGENCY_ORDER)
    # Every kind of event, by nobody, a party, a coach and an administrator, about no case and
    # each case.
    audit = tuple((who, kind, case) for kind in AUDIT_KINDS for who in (None, 0, 8, 15)
                  for case in (None, 0, 1, 2))
    return World(users=users, cases=(main, other, quiet), referrals=referrals, audit=audit)


@pytest.mark.parametrize("family", list(CHECKS))
def test_every_combination_world(app, family):
    CHECKS[family](build(_every_combination_world()))


# --- the properties on random worlds --------------------------------------------------------

@PROPERTY_SETTINGS
@given(world=worlds())
def test_every_list_query_agrees_with_the_policy(app, world):
    """One generated world per example, every family of checks on it (a failure names the
    check in its traceback, and the user and case in its message). One wipe per example keeps
    the run short on PostgreSQL, where a wipe costs a good part of a second."""
    built = build(world)
    for check in CHECKS.values():
        check(built)


def test_the_generated_data_reaches_every_interesting_kind_of_row():
    """Guard against a strategy that quietly stops generating what the properties need."""
    seen = set()

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(world=worlds())
    def collect(world):
        for spec in world.users:
            seen.add(("user", spec.role, spec.active))
            if spec.role == Role.COORDINATOR and spec.safeguarding_lead:
                seen.add("lead")
        for case in world.cases:
            seen.update(("allocation ended", ended) for _, ended in case.allocations)
            seen.update("party without account" for p in case.parties if p is None)
            for note in case.notes:
                seen.add(("audience", note.audience))
                seen.update(("share", state) for _, state in note.shares)
                if note.withdrawn:
                    seen.add("withdrawn note")
                if note.source is not None:
                    seen.add("source party")
            seen.update(("concern", state) for _, state in case.concerns)
            seen.update(("agreement", state) for state in case.agreements)
            if any(len(s) == 1 for s, _ in case.sessions):
                seen.add("separate meeting")
            seen.update(("session", mode, bool(s)) for s, mode in case.sessions)
            seen.add(("case closed", case.closed))
            seen.add(("kind", case.kind))
            if any(case.session_coaches[:len(case.sessions)]):
                seen.add("session coach")
            if any(case.agreements[i] == AgreementState.FINAL for i in case.reviewed
                   if i < len(case.agreements)):
                seen.add("final agreement due a review")
            seen.update(("event", kind) for kind in case.events)
            for note in case.notes:
                shared = {i for i, state in note.shares
                          if state in ("not_needed", "given") and case.parties[i] is not None}
                if note.audience == Audience.PARTIES and shared:
                    seen.add(("party-visible note", note.withdrawn))
        seen.update(("referral", status) for status, _ in world.referrals)
        seen.update(("audit", kind, who is None) for who, kind, _ in world.audit)
        if len([p for c in world.cases for p in c.parties if p is not None]) > \
                len({p for c in world.cases for p in c.parties if p is not None}):
            seen.add("one person, several party records")

    collect()
    expected = {("user", role, active) for role in Role for active in (True, False)}
    expected |= {("allocation ended", True), ("allocation ended", False), "lead",
                 "party without account", "withdrawn note", "source party", "separate meeting",
                 "one person, several party records"}
    expected |= {("audience", a) for a in Audience}
    expected |= {("share", s) for s in ShareState}
    expected |= {("concern", s) for s in ConcernState}
    expected |= {("agreement", s) for s in AgreementState}
    expected |= {("case closed", True), ("case closed", False)}
    expected |= {("event", kind) for kind in EVENT_KINDS}
    expected |= {("session", SessionMode.HOME_VISIT, True), ("session", SessionMode.FACE_TO_FACE, True)}
    expected |= {("party-visible note", True), ("party-visible note", False)}
    expected |= {("kind", kind) for kind in CaseKind}
    expected |= {"session coach", "final agreement due a review"}
    expected |= {("referral", status) for status in REFERRAL_STATUSES}
    expected |= {("audit", kind, anonymous) for kind in AUDIT_KINDS for anonymous in (True, False)}
    assert expected <= seen, expected - seen


# --- the SQL itself: what a party's queries select ------------------------------------------

def test_a_partys_queries_do_not_select_a_file_name_or_a_home_visit_address(app):
    """The SQL a party's queries send: no file's original name at all, and a session's place
    only where the mode is not a home visit. A template cannot show what was never loaded."""
    case = make_case()
    user = make_user(Role.PARTY)
    add_party(case, user)
    file_queries = (queries.note_files_visible_to(user, case), queries.files_shared_with(user),
                    queries.files_of_share_requests_for(user))
    for query in file_queries:
        sql, _ = query.sql()
        assert "original_name" not in sql, sql
    for query in (queries.sessions_visible_to(user, case), queries.party_sessions(user),
                  queries.own_sessions(user)):
        sql, params = query.sql()
        assert sql.count('"t1"."location"') == 1, sql
        assert 'WHEN ("t1"."mode" != ?) THEN "t1"."location"' in sql.replace("%s", "?"), sql
        assert SessionMode.HOME_VISIT in params


def test_an_agreement_loads_the_parties_without_their_contact_details_or_fees(app):
    """Every reader of an agreement, a party among them, sees the parties' names: nothing else
    about them is loaded (portal.agreements.service.parties_of)."""
    from portal.agreements import service
    case = make_case()
    add_party(case, make_user(Role.PARTY), phone="07700 900999", address="1 Private Road",
              fee_pence=4500)
    add_party(case, None, name="No Account", phone="07700 900888")
    parties = service.parties_of(case)
    assert [p.name for p in parties] and all(p.consent_state for p in parties)
    for party in parties:
        assert not set(CONTACT_COLUMNS) & set(party.__data__), party.__data__
