"""Who may see and do what: the confidentiality rules of PRODUCT.md, in one place.

Pure functions over small frozen facts: no Flask, no peewee, no I/O. Routes ask these functions
"may this user see this?"; `portal/queries.py` asks the same tables (`note_audiences_for`,
the share states) to build its SQL filters, and a property test proves the two agree.

Two principles run through the module:
- an unknown role, audience or state raises `PolicyError` instead of falling through;
- when in doubt, deny: a deactivated user, a missing relation or an unknown party sees nothing.
"""

from dataclasses import dataclass, field

# --- vocabularies ---------------------------------------------------------------------------

PARTY, COACH, COORDINATOR = "party", "coach", "coordinator"
ROLES = (PARTY, COACH, COORDINATOR)

PRIVATE, CASE_TEAM, STAFF, PARTIES = "private", "case_team", "staff", "parties"
AUDIENCES = (PRIVATE, CASE_TEAM, STAFF, PARTIES)

AUDIENCE_LABELS = {
    PRIVATE: "Private (only you)",
    CASE_TEAM: "Case team (coaches on this case)",
    STAFF: "Staff (coaches on this case and coordinators)",
    PARTIES: "Shared with named parties",
}

# The relations a reader can have to a note. A user may hold several (an author who is also
# an allocated coach); the note is readable if any of them is allowed.
AUTHOR, CASE_COACH, CASE_COORDINATOR, NAMED_PARTY = "author", "case_coach", "coordinator", "named_party"
RELATIONS = (AUTHOR, CASE_COACH, CASE_COORDINATOR, NAMED_PARTY)

# PRODUCT.md's audience table, row by row.
_NOTE_READERS = {
    PRIVATE: frozenset({AUTHOR}),
    CASE_TEAM: frozenset({AUTHOR, CASE_COACH}),
    STAFF: frozenset({AUTHOR, CASE_COACH, CASE_COORDINATOR}),
    PARTIES: frozenset({AUTHOR, CASE_COACH, CASE_COORDINATOR, NAMED_PARTY}),
}

# A share of a note with one party. A share with the note's source party (their own words), or
# of a note with no source party, needs no consent. A share with any other party waits for the
# source party's consent; only "given" lets it through.
SHARE_NOT_NEEDED, SHARE_WAITING, SHARE_GIVEN, SHARE_REFUSED, SHARE_WITHDRAWN = (
    "not_needed", "waiting", "given", "refused", "withdrawn",
)
SHARE_STATES = (SHARE_NOT_NEEDED, SHARE_WAITING, SHARE_GIVEN, SHARE_REFUSED, SHARE_WITHDRAWN)
VISIBLE_SHARE_STATES = frozenset({SHARE_NOT_NEEDED, SHARE_GIVEN})
# "not_needed" is believed only where it is true: the note has no source party, or the share
# is with the source party. A careless or stale not_needed on another party's share counts as
# no consent at all.


def share_is_visible(note, party_id):
    """May this party see the note through its share with them?"""
    state = note.shares.get(party_id)
    if state == SHARE_GIVEN:
        return True
    return state == SHARE_NOT_NEEDED and note.source_party_id in (None, party_id)

CONCERN_OPEN, CONCERN_ACKNOWLEDGED, CONCERN_CLOSED = "open", "acknowledged", "closed"
CONCERN_STATES = (CONCERN_OPEN, CONCERN_ACKNOWLEDGED, CONCERN_CLOSED)
# "Open" in PRODUCT.md's sense: not yet closed, whether or not someone acknowledged it.
UNRESOLVED_CONCERN_STATES = frozenset({CONCERN_OPEN, CONCERN_ACKNOWLEDGED})

AGREEMENT_DRAFT, AGREEMENT_PROPOSED, AGREEMENT_FINAL, AGREEMENT_SUPERSEDED = (
    "draft", "proposed", "final", "superseded",
)
AGREEMENT_STATES = (AGREEMENT_DRAFT, AGREEMENT_PROPOSED, AGREEMENT_FINAL, AGREEMENT_SUPERSEDED)
PARTY_VISIBLE_AGREEMENT_STATES = frozenset({AGREEMENT_PROPOSED, AGREEMENT_FINAL, AGREEMENT_SUPERSEDED})


class PolicyError(ValueError):
    """A value the rules do not know. Raised rather than guessed at."""


def _require(value, allowed, what):
    if value not in allowed:
        raise PolicyError(f"unknown {what}: {value!r}")
    return value


# --- facts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """The signed-in user, as far as the rules care."""
    user_id: int
    role: str
    active: bool = True
    safeguarding_lead: bool = False
    admin: bool = False

    def __post_init__(self):
        _require(self.role, ROLES, "role")


@dataclass(frozen=True)
class CaseFacts:
    """A case: its currently allocated coaches and its parties (party id -> user id or None)."""
    case_id: int
    coach_ids: frozenset = frozenset()
    party_users: dict = field(default_factory=dict)
    has_unresolved_concern: bool = False
    closed: bool = False

    def party_ids_of(self, user_id):
        return frozenset(pid for pid, uid in self.party_users.items() if uid == user_id)


@dataclass(frozen=True)
class NoteFacts:
    """A note: who wrote it, for whom, and the state of each share (party id -> share state)."""
    note_id: int
    case_id: int
    author_id: int
    audience: str
    shares: dict = field(default_factory=dict)
    source_party_id: int | None = None
    withdrawn: bool = False

    def __post_init__(self):
        _require(self.audience, AUDIENCES, "audience")
        for state in self.shares.values():
            _require(state, SHARE_STATES, "share state")


@dataclass(frozen=True)
class ConcernFacts:
    concern_id: int
    case_id: int
    raised_by_id: int
    state: str

    def __post_init__(self):
        _require(self.state, CONCERN_STATES, "concern state")


@dataclass(frozen=True)
class PartyItemFacts:
    """Something that belongs to one party on a case: an action point, a goal, contact details."""
    case_id: int
    party_id: int


@dataclass(frozen=True)
class SessionFacts:
    """A session and the parties attending it."""
    session_id: int
    case_id: int
    party_ids: frozenset = frozenset()


@dataclass(frozen=True)
class AgreementFacts:
    agreement_id: int
    case_id: int
    state: str

    def __post_init__(self):
        _require(self.state, AGREEMENT_STATES, "agreement state")


# --- relations ------------------------------------------------------------------------------

def _is(actor, role):
    return actor.active and actor.role == role


def is_case_coach(actor, case):
    """An active coach currently allocated to the case."""
    return _is(actor, COACH) and actor.user_id in case.coach_ids


def is_case_staff(actor, case):
    """Coordinators (every case) and the case's allocated coaches."""
    return _is(actor, COORDINATOR) or is_case_coach(actor, case)


def party_ids_for(actor, case):
    """The party records on this case that belong to the actor (usually none or one)."""
    if not _is(actor, PARTY):
        return frozenset()
    return case.party_ids_of(actor.user_id)


def note_audiences_for(relation):
    """The audiences a reader with this relation to a note may read. Used by queries too."""
    _require(relation, RELATIONS, "relation")
    return frozenset(a for a, readers in _NOTE_READERS.items() if relation in readers)


def note_relations(actor, case, note):
    """Every relation the actor holds to the note, given its case."""
    if not actor.active or note.case_id != case.case_id:
        return frozenset()
    relations = set()
    if is_case_staff(actor, case):
        if note.author_id == actor.user_id:
            relations.add(AUTHOR)
        if is_case_coach(actor, case):
            relations.add(CASE_COACH)
        if _is(actor, COORDINATOR):
            relations.add(CASE_COORDINATOR)
    elif not note.withdrawn:
        mine = party_ids_for(actor, case)
        if any(share_is_visible(note, pid) for pid in mine):
            relations.add(NAMED_PARTY)
    return frozenset(relations)


# --- cases ----------------------------------------------------------------------------------

def can_view_case(actor, case):
    """Coordinators see every case, coaches their allocated cases, parties cases they are on."""
    return is_case_staff(actor, case) or bool(party_ids_for(actor, case))


def can_manage_case(actor, case):
    """The staff view of a case ("mission control"): coordinators and allocated coaches."""
    return is_case_staff(actor, case)


def can_view_party_contact(actor, case, party_id):
    """A party's address, phone and email: that party, the case's coaches and coordinators."""
    if party_id not in case.party_users:
        return False
    return is_case_staff(actor, case) or party_id in party_ids_for(actor, case)


def can_change_case(actor, case):
    """Closed cases are read-only for everyone."""
    return is_case_staff(actor, case) and not case.closed


def can_run_case(actor, case):
    """Consent records, allocation and funding: the coordinator's decisions, on open cases."""
    return _is(actor, COORDINATOR) and not case.closed


def can_close_case(actor, case):
    return _is(actor, COORDINATOR) and not case.closed


def can_reopen_case(actor, case):
    return _is(actor, COORDINATOR) and case.closed


def can_offer_follow_on(actor, case):
    """Post-mediation coaching is offered by a coordinator once the mediation has closed."""
    return _is(actor, COORDINATOR) and case.closed


def can_answer_own_consent(actor, case, party_id):
    """A party confirms or withdraws their own consent to take part, on an open case."""
    return not case.closed and party_id in party_ids_for(actor, case)


def can_view_funding(actor, case):
    """Funding schemes and fees are the coordinators' business."""
    return _is(actor, COORDINATOR)


# Timeline entries about money are for coordinators only, like the funding they describe.
COORDINATOR_ONLY_EVENT_KINDS = frozenset({"funding"})


def can_view_case_event(actor, case, kind):
    """The case timeline: staff on the case, less what only coordinators may see."""
    if kind in COORDINATOR_ONLY_EVENT_KINDS:
        return can_view_funding(actor, case)
    return is_case_staff(actor, case)


def can_view_own_fee(actor, case, party_id):
    """A self-funded party sees their own fee, and nobody else's."""
    return _is(actor, COORDINATOR) or party_id in party_ids_for(actor, case)


# --- notes ----------------------------------------------------------------------------------

def can_read_note(actor, case, note):
    """The audience table of PRODUCT.md, with source-party consent for party shares."""
    return any(note.audience in note_audiences_for(r) for r in note_relations(actor, case, note))


def can_write_note(actor, case):
    """Allocated coaches write notes on their cases."""
    return is_case_coach(actor, case)


def can_edit_note(actor, case, note):
    """Only the author, while still on the case."""
    return note.author_id == actor.user_id and is_case_coach(actor, case)


def share_state_for(note_source_party_id, party_id):
    """The state a new share starts in: consent is needed only for another party's words."""
    if note_source_party_id is None or note_source_party_id == party_id:
        return SHARE_NOT_NEEDED
    return SHARE_WAITING


def can_answer_share_consent(actor, case, note):
    """The source party answers requests to share their words with someone else."""
    return (
        note.source_party_id is not None
        and not note.withdrawn
        and note.source_party_id in party_ids_for(actor, case)
    )


def can_override_note(actor, case, note):
    """The safeguarding override: a safeguarding lead, an unresolved concern on the case, and a
    note they could not otherwise read. The caller must still ask for a reason and audit it."""
    return (
        _is(actor, COORDINATOR)
        and actor.safeguarding_lead
        and case.has_unresolved_concern
        and note.case_id == case.case_id
        and not can_read_note(actor, case, note)
    )


# --- safeguarding ---------------------------------------------------------------------------

def can_view_concern(actor, case, concern):
    """Staff only: the raising coach, the case's coaches and coordinators. Never a party."""
    if not actor.active or actor.role == PARTY or concern.case_id != case.case_id:
        return False
    return is_case_staff(actor, case) or (
        _is(actor, COACH) and concern.raised_by_id == actor.user_id
    )


def can_raise_concern(actor, case):
    return is_case_staff(actor, case)


def can_act_on_concern(actor):
    """Acknowledge, record actions, close: the safeguarding lead's work."""
    return _is(actor, COORDINATOR) and actor.safeguarding_lead


# --- things that belong to one party --------------------------------------------------------

def can_view_party_item(actor, case, item):
    """Action points and goals: that party, the case's coaches and coordinators."""
    if item.case_id != case.case_id:
        return False
    return can_view_party_contact(actor, case, item.party_id)


def can_view_session(actor, case, session):
    """Staff on the case, or a party attending it: never another party's separate meeting."""
    if session.case_id != case.case_id:
        return False
    return is_case_staff(actor, case) or bool(party_ids_for(actor, case) & session.party_ids)


def can_schedule_session(actor, case):
    """Coaches on the case and coordinators, while the case is open."""
    return can_change_case(actor, case)


def can_view_agreement(actor, case, agreement):
    """Drafts are staff-only; parties on the case see it once proposed."""
    if agreement.case_id != case.case_id:
        return False
    if is_case_staff(actor, case):
        return True
    return agreement.state in PARTY_VISIBLE_AGREEMENT_STATES and bool(party_ids_for(actor, case))


# --- the service ----------------------------------------------------------------------------

def home_role(actor):
    """Which home page an actor lands on."""
    return _require(actor.role, ROLES, "role")


def can_use_role_area(actor, role):
    """A role's own pages (home, lists) are for that role only."""
    _require(role, ROLES, "role")
    return _is(actor, role)


def can_administer_users(actor):
    """Invite and deactivate: coordinators holding the administrator duty."""
    return _is(actor, COORDINATOR) and actor.admin


def can_read_audit_trail(actor):
    return can_administer_users(actor)


def can_take_referrals(actor):
    return _is(actor, COORDINATOR)
