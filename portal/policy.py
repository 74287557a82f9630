"""Who may see and do what: the confidentiality rules of PRODUCT.md, in one place.

Pure functions over small frozen facts: no Flask, no peewee, no I/O. Routes ask these functions
"may this user see this?"; `portal/queries/` asks the same tables (`note_audiences_for`,
the share states) to build its SQL filters, and a property test proves the two agree.

Two principles run through the module:
- an unknown role, audience or state raises `PolicyError` instead of falling through;
- when in doubt, deny: a deactivated user, a missing relation or an unknown party sees nothing.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypedDict

from portal.vocab import (
    AgreementStanding,
    AgreementState,
    Audience,
    CaseEventKind,
    CaseKind,
    Code,
    ConcernLevel,
    ConcernState,
    ConsentState,
    Role,
    SessionMode,
    ShareState,
)

# --- vocabularies ---------------------------------------------------------------------------
# The stored codes are `portal.vocab`'s; the relations below are the rules' own words.

# The relations a reader can have to a note. A user may hold several (an author who is also
# an allocated coach); the note is readable if any of them is allowed.
AUTHOR, CASE_COACH, CASE_COORDINATOR, NAMED_PARTY = "author", "case_coach", "coordinator", "named_party"
RELATIONS = (AUTHOR, CASE_COACH, CASE_COORDINATOR, NAMED_PARTY)

# PRODUCT.md's audience table, row by row.
_NOTE_READERS: dict[str, frozenset[str]] = {
    Audience.PRIVATE: frozenset({AUTHOR}),
    Audience.CASE_TEAM: frozenset({AUTHOR, CASE_COACH}),
    Audience.STAFF: frozenset({AUTHOR, CASE_COACH, CASE_COORDINATOR}),
    Audience.PARTIES: frozenset({AUTHOR, CASE_COACH, CASE_COORDINATOR, NAMED_PARTY}),
}

# A share of a note with one party. A share with the note's source party (their own words), or
# of a note with no source party, needs no consent. A share with any other party waits for the
# source party's consent; only "given" lets it through.
VISIBLE_SHARE_STATES = frozenset({ShareState.NOT_NEEDED, ShareState.GIVEN})
# "not_needed" is believed only where it is true: the note has no source party, or the share
# is with the source party. A careless or stale not_needed on another party's share counts as
# no consent at all.


def share_is_visible(note: "NoteFacts", party_id: int) -> bool:
    """May this party see the note through its share with them?"""
    state = note.shares.get(party_id)
    if state == ShareState.GIVEN:
        return True
    return state == ShareState.NOT_NEEDED and note.source_party_id in (None, party_id)

# "Open" in PRODUCT.md's sense: not yet closed, whether or not someone acknowledged it.
UNRESOLVED_CONCERN_STATES = frozenset({ConcernState.OPEN, ConcernState.ACKNOWLEDGED})

PARTY_VISIBLE_AGREEMENT_STATES = frozenset({AgreementState.PROPOSED, AgreementState.FINAL, AgreementState.SUPERSEDED})


class PolicyError(ValueError):
    """A value the rules do not know. Raised rather than guessed at."""


def _require(value: str, allowed: type[Code] | Collection[str], what: str) -> str:
    """The value, if `allowed` (a vocabulary of `portal.vocab` or a collection) knows it."""
    known = allowed.has(value) if isinstance(allowed, type) and issubclass(allowed, Code) else value in allowed
    if not known:
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

    def __post_init__(self) -> None:
        _require(self.role, Role, "role")


@dataclass(frozen=True)
class CaseFacts:
    """A case: its currently allocated coaches and its parties (party id -> user id or None)."""
    case_id: int
    coach_ids: frozenset[int] = frozenset()
    party_users: dict[int, int | None] = field(default_factory=dict)
    has_unresolved_concern: bool = False
    closed: bool = False
    kind: str = CaseKind.MEDIATION

    def party_ids_of(self, user_id: int) -> frozenset[int]:
        return frozenset(pid for pid, uid in self.party_users.items() if uid == user_id)


@dataclass(frozen=True)
class NoteFacts:
    """A note: who wrote it, for whom, and the state of each share (party id -> share state)."""
    note_id: int
    case_id: int
    author_id: int
    audience: str
    shares: dict[int, str] = field(default_factory=dict)
    source_party_id: int | None = None
    withdrawn: bool = False

    def __post_init__(self) -> None:
        _require(self.audience, Audience, "audience")
        for state in self.shares.values():
            _require(state, ShareState, "share state")


@dataclass(frozen=True)
class ConcernFacts:
    concern_id: int
    case_id: int
    raised_by_id: int
    state: str

    def __post_init__(self) -> None:
        _require(self.state, ConcernState, "concern state")


@dataclass(frozen=True)
class PartyItemFacts:
    """Something that belongs to one party on a case: an action point, a goal, contact details."""
    case_id: int
    party_id: int


# How a session happens. A home visit's place is a party's home address.


@dataclass(frozen=True)
class SessionFacts:
    """A session, the parties attending it and how it happens (its mode)."""
    session_id: int
    case_id: int
    party_ids: frozenset[int] = frozenset()
    mode: str = SessionMode.FACE_TO_FACE

    def __post_init__(self) -> None:
        _require(self.mode, SessionMode, "session mode")


@dataclass(frozen=True)
class AgreementFacts:
    agreement_id: int
    case_id: int
    state: str

    def __post_init__(self) -> None:
        _require(self.state, AgreementState, "agreement state")


# --- relations ------------------------------------------------------------------------------

def _is(actor: Actor, role: str) -> bool:
    return actor.active and actor.role == role


def is_case_coach(actor: Actor, case: CaseFacts) -> bool:
    """An active coach currently allocated to the case."""
    return _is(actor, Role.COACH) and actor.user_id in case.coach_ids


def is_case_staff(actor: Actor, case: CaseFacts) -> bool:
    """Coordinators (every case) and the case's allocated coaches."""
    return _is(actor, Role.COORDINATOR) or is_case_coach(actor, case)


def party_ids_for(actor: Actor, case: CaseFacts) -> frozenset[int]:
    """The party records on this case that belong to the actor (usually none or one)."""
    if not _is(actor, Role.PARTY):
        return frozenset()
    return case.party_ids_of(actor.user_id)


def note_audiences_for(relation: str) -> frozenset[str]:
    """The audiences a reader with this relation to a note may read. Used by queries too."""
    _require(relation, RELATIONS, "relation")
    return frozenset(a for a, readers in _NOTE_READERS.items() if relation in readers)


def note_relations(actor: Actor, case: CaseFacts, note: NoteFacts) -> frozenset[str]:
    """Every relation the actor holds to the note, given its case."""
    if not actor.active or note.case_id != case.case_id:
        return frozenset()
    relations: set[str] = set()
    if is_case_staff(actor, case):
        if note.author_id == actor.user_id:
            relations.add(AUTHOR)
        if is_case_coach(actor, case):
            relations.add(CASE_COACH)
        if _is(actor, Role.COORDINATOR):
            relations.add(CASE_COORDINATOR)
    elif not note.withdrawn:
        mine = party_ids_for(actor, case)
        if any(share_is_visible(note, pid) for pid in mine):
            relations.add(NAMED_PARTY)
    return frozenset(relations)


# --- cases ----------------------------------------------------------------------------------

def can_view_case(actor: Actor, case: CaseFacts) -> bool:
    """Coordinators see every case, coaches their allocated cases, parties cases they are on."""
    return is_case_staff(actor, case) or bool(party_ids_for(actor, case))


def can_manage_case(actor: Actor, case: CaseFacts) -> bool:
    """The staff view of a case ("mission control"): coordinators and allocated coaches."""
    return is_case_staff(actor, case)


def can_view_party_contact(actor: Actor, case: CaseFacts, party_id: int) -> bool:
    """A party's address, phone and email: that party, the case's coaches and coordinators."""
    if party_id not in case.party_users:
        return False
    return is_case_staff(actor, case) or party_id in party_ids_for(actor, case)


def can_see_case_coaches(actor: Actor, case: CaseFacts) -> bool:
    """Who coaches a case (their names): everyone who may see the case, its parties too, so a
    party always knows whom they are working with."""
    return can_view_case(actor, case)


def can_change_case(actor: Actor, case: CaseFacts) -> bool:
    """Closed cases are read-only for everyone."""
    return is_case_staff(actor, case) and not case.closed


def can_run_case(actor: Actor, case: CaseFacts) -> bool:
    """Consent records, allocation and funding: the coordinator's decisions, on open cases."""
    return _is(actor, Role.COORDINATOR) and not case.closed


def can_close_case(actor: Actor, case: CaseFacts) -> bool:
    return _is(actor, Role.COORDINATOR) and not case.closed


def can_reopen_case(actor: Actor, case: CaseFacts) -> bool:
    return _is(actor, Role.COORDINATOR) and case.closed


def can_offer_follow_on(actor: Actor, case: CaseFacts, *, offered: bool = False) -> bool:
    """Post-mediation coaching is offered by a coordinator once a mediation has closed, to each
    party once (`offered`: this party has had the offer already, whatever their answer)."""
    return _is(actor, Role.COORDINATOR) and case.closed and case.kind == CaseKind.MEDIATION and not offered


def can_answer_coaching_offer(actor: Actor, case: CaseFacts, party_id: int, *, waiting: bool) -> bool:
    """Post-mediation coaching is the party's choice: the party it is offered to answers yes or
    no, once, while the coaching case is open."""
    return (waiting and not case.closed and case.kind == CaseKind.COACHING
            and party_id in party_ids_for(actor, case))


def can_answer_own_consent(actor: Actor, case: CaseFacts, party_id: int) -> bool:
    """A party confirms or withdraws their own consent to take part, on an open case."""
    return not case.closed and party_id in party_ids_for(actor, case)


# Consent to take part (the party record's latest state), and a party's own answers to it.
CONFIRM_CONSENT, WITHDRAW_CONSENT = "confirm", "withdraw"


def own_consent_answers(actor: Actor, case: CaseFacts, party_id: int, consent_state: str) -> frozenset[str]:
    """What a party may say about taking part: withdraw once they have agreed, and agree
    otherwise (taking part is voluntary, and they may change their mind at any time). Nothing on
    a closed case, and nothing for anyone else's record."""
    _require(consent_state, ConsentState, "consent state")
    if not can_answer_own_consent(actor, case, party_id):
        return frozenset()
    if consent_state == ConsentState.GIVEN:
        return frozenset({WITHDRAW_CONSENT})
    return frozenset({CONFIRM_CONSENT})


def can_view_funding(actor: Actor, case: CaseFacts) -> bool:
    """Funding schemes and fees are the coordinators' business."""
    return _is(actor, Role.COORDINATOR)


# Timeline entries about money are for coordinators only, like the funding they describe.
COORDINATOR_ONLY_EVENT_KINDS = frozenset({CaseEventKind.FUNDING})


def can_view_case_event(actor: Actor, case: CaseFacts, kind: str) -> bool:
    """The case timeline: staff on the case, less what only coordinators may see."""
    if kind in COORDINATOR_ONLY_EVENT_KINDS:
        return can_view_funding(actor, case)
    return is_case_staff(actor, case)


def can_view_own_fee(actor: Actor, case: CaseFacts, party_id: int) -> bool:
    """A self-funded party sees their own fee, and nobody else's."""
    return _is(actor, Role.COORDINATOR) or party_id in party_ids_for(actor, case)


def shows_own_fee(actor: Actor, case: CaseFacts, party_id: int, *, self_funded: bool, fee_recorded: bool) -> bool:
    """A party's home page shows their fee: a self-funded case with a fee recorded, to that
    party."""
    return (self_funded and fee_recorded and party_id in party_ids_for(actor, case)
            and can_view_own_fee(actor, case, party_id))


# --- notes ----------------------------------------------------------------------------------

def can_read_note(actor: Actor, case: CaseFacts, note: NoteFacts) -> bool:
    """The audience table of PRODUCT.md, with source-party consent for party shares."""
    return any(note.audience in note_audiences_for(r) for r in note_relations(actor, case, note))


def can_write_note(actor: Actor, case: CaseFacts) -> bool:
    """Allocated coaches write notes on their cases, while the case is open."""
    return is_case_coach(actor, case) and not case.closed


def can_edit_note(actor: Actor, case: CaseFacts, note: NoteFacts) -> bool:
    """Only the author, while still on the case, the case is open and the note not withdrawn."""
    return (note.author_id == actor.user_id and is_case_coach(actor, case) and not case.closed
            and not note.withdrawn and note.case_id == case.case_id)


# Share states a party has been able to see the note through (a withdrawn consent was given).
EVER_VISIBLE_SHARE_STATES = frozenset({ShareState.NOT_NEEDED, ShareState.GIVEN, ShareState.WITHDRAWN})


def note_is_shared(note: NoteFacts) -> bool:
    """Shared with a party now: a share in a visible state, on a note that is not withdrawn."""
    return (note.audience == Audience.PARTIES and not note.withdrawn
            and any(share_is_visible(note, party_id) for party_id in note.shares))


def note_was_shared(note: NoteFacts) -> bool:
    """A party may have read it: shared now, or once (consent since withdrawn, or the note
    withdrawn). Such a note is never changed in place or deleted: edits become revisions, and
    deleting becomes withdrawing, so that staff keep what a party was shown."""
    return note.audience == Audience.PARTIES and (
        note_is_shared(note)
        or any(state in EVER_VISIBLE_SHARE_STATES for state in note.shares.values()))


def source_party_is_fixed(note: NoteFacts) -> bool:
    """Once the source party has been asked about sharing their words (whatever they answered),
    the note stays theirs: changing whose words they are would turn a refusal, or a question
    not yet answered, into a share that needs no consent."""
    return note.source_party_id is not None and any(
        party_id != note.source_party_id and state != ShareState.NOT_NEEDED
        for party_id, state in note.shares.items())


def edit_makes_revision(note: NoteFacts) -> bool:
    """Changing a note that a party may have read keeps the earlier text as history."""
    return note_was_shared(note)


def can_delete_note(actor: Actor, case: CaseFacts, note: NoteFacts, *, override_read: bool = False) -> bool:
    """The author deletes a note no party has seen. A note opened under the safeguarding
    override is kept: that read is part of the safeguarding record."""
    return can_edit_note(actor, case, note) and not note_was_shared(note) and not override_read


def can_withdraw_note(actor: Actor, case: CaseFacts, note: NoteFacts) -> bool:
    """What deleting becomes once a party may have read the note: the author withdraws it."""
    return can_edit_note(actor, case, note) and note_was_shared(note)


def can_view_note_history(actor: Actor, case: CaseFacts, note: NoteFacts) -> bool:
    """Earlier versions of a note are for staff who can read it; parties see the latest."""
    return is_case_staff(actor, case) and can_read_note(actor, case, note)


def can_see_file_original_name(actor: Actor, case: CaseFacts, note: NoteFacts) -> bool:
    """The name a file had when it was uploaded is a record for staff who can read its note. A
    name chosen by whoever saved the file can say more than the note does ("notes on Bea's
    drinking.pdf"), so parties, and a safeguarding lead reading under the override, are offered
    the file under a neutral name."""
    return is_case_staff(actor, case) and can_read_note(actor, case, note)


def share_state_for(note_source_party_id: int | None, party_id: int) -> ShareState:
    """The state a new share starts in: consent is needed only for another party's words."""
    if note_source_party_id is None or note_source_party_id == party_id:
        return ShareState.NOT_NEEDED
    return ShareState.WAITING


def can_answer_share_consent(actor: Actor, case: CaseFacts, note: NoteFacts) -> bool:
    """The source party answers requests to share their words with someone else."""
    return (
        note.source_party_id is not None
        and not note.withdrawn
        and note.source_party_id in party_ids_for(actor, case)
    )


# How consent to a share can change: the source party agrees or refuses a waiting share, and
# may withdraw consent once given. A refused or withdrawn share can only be asked again.
SHARE_CONSENT_ANSWERS: dict[str, tuple[ShareState, ...]] = {
    ShareState.WAITING: (ShareState.GIVEN, ShareState.REFUSED),
    ShareState.GIVEN: (ShareState.WITHDRAWN,),
    ShareState.REFUSED: (),
    ShareState.WITHDRAWN: (),
    ShareState.NOT_NEEDED: (),
}
SHARE_ASK_AGAIN_STATES = frozenset({ShareState.REFUSED, ShareState.WITHDRAWN})


def share_consent_answers(state: str) -> tuple[ShareState, ...]:
    """The consent answers that make sense for a share in this state."""
    return SHARE_CONSENT_ANSWERS[_require(state, ShareState, "share state")]


def _asks_consent(case: CaseFacts, note: NoteFacts, party_id: int) -> bool:
    """A share of a note shown to parties that needs the source party's consent, with a party
    of the note's own case."""
    return (note.audience == Audience.PARTIES and note.source_party_id is not None
            and note.case_id == case.case_id and party_id in case.party_users
            and party_id in note.shares and party_id != note.source_party_id)


def can_view_share_request(actor: Actor, case: CaseFacts, note: NoteFacts, party_id: int) -> bool:
    """The source party sees what a coach asks to share with another party, and with whom
    (their own words), while the request waits or their consent stands."""
    return (can_answer_share_consent(actor, case, note) and _asks_consent(case, note, party_id)
            and note.shares[party_id] in (ShareState.WAITING, ShareState.GIVEN))


def can_record_share_consent(actor: Actor, case: CaseFacts, note: NoteFacts, party_id: int) -> bool:
    """A coach on the open case records consent the source party gave, refused or withdrew in
    person or by phone."""
    return (is_case_coach(actor, case) and not case.closed and not note.withdrawn
            and _asks_consent(case, note, party_id)
            and bool(share_consent_answers(note.shares[party_id])))


def can_ask_share_again(actor: Actor, case: CaseFacts, note: NoteFacts, party_id: int) -> bool:
    """After a refusal or a withdrawal, a coach on the open case may ask the source party again."""
    return (is_case_coach(actor, case) and not case.closed and not note.withdrawn
            and _asks_consent(case, note, party_id)
            and note.shares[party_id] in SHARE_ASK_AGAIN_STATES)


class NoteReaders(TypedDict):
    """`note_readers`' answer: which staff relations may read, and each named party's share state."""
    case_coaches: bool
    coordinators: bool
    shares: dict[int, ShareState]


def note_readers(audience: str, source_party_id: int | None, party_ids: Iterable[int]) -> NoteReaders:
    """Who a note with this audience and these named parties would be readable by: which staff
    relations, and the state each named party's share would start in. For the words a coach sees
    before saving; computed from the same table and rules as `can_read_note`."""
    _require(audience, Audience, "audience")
    relations = _NOTE_READERS[audience]
    shares = {pid: share_state_for(source_party_id, pid) for pid in party_ids} \
        if NAMED_PARTY in relations else {}
    return {
        "case_coaches": CASE_COACH in relations,
        "coordinators": CASE_COORDINATOR in relations,
        "shares": shares,
    }


def can_override_note(actor: Actor, case: CaseFacts, note: NoteFacts) -> bool:
    """The safeguarding override: a safeguarding lead, an unresolved concern on the case, and a
    note they could not otherwise read. The caller must still ask for a reason and audit it."""
    return (
        _is(actor, Role.COORDINATOR)
        and actor.safeguarding_lead
        and case.has_unresolved_concern
        and note.case_id == case.case_id
        and not can_read_note(actor, case, note)
    )


# --- safeguarding ---------------------------------------------------------------------------

def can_view_concern(actor: Actor, case: CaseFacts, concern: ConcernFacts) -> bool:
    """Staff only: the raising coach, the case's coaches and coordinators. Never a party."""
    if not actor.active or actor.role == Role.PARTY or concern.case_id != case.case_id:
        return False
    return is_case_staff(actor, case) or (
        _is(actor, Role.COACH) and concern.raised_by_id == actor.user_id
    )


def can_raise_concern(actor: Actor, case: CaseFacts) -> bool:
    return is_case_staff(actor, case)


def can_act_on_concern(actor: Actor) -> bool:
    """Acknowledge, record actions, close: the safeguarding lead's work."""
    return _is(actor, Role.COORDINATOR) and actor.safeguarding_lead


def can_add_addendum(actor: Actor, case: CaseFacts, concern: ConcernFacts) -> bool:
    """A correction is added, never made in place: by any staff member who can see the concern."""
    return can_view_concern(actor, case, concern)


# What the lead may do to a concern in each state. Acting on a concern that nobody has
# acknowledged yet acknowledges it too: the lead has plainly seen it.
CONCERN_MOVES: dict[str, frozenset[str]] = {
    ConcernState.OPEN: frozenset({"acknowledge", "action", "close"}),
    ConcernState.ACKNOWLEDGED: frozenset({"action", "close"}),
    ConcernState.CLOSED: frozenset({"reopen"}),
}


def concern_moves(concern: ConcernFacts) -> frozenset[str]:
    """The lead's actions that make sense for the concern's state."""
    return CONCERN_MOVES[_require(concern.state, ConcernState, "concern state")]




def concern_ack_limits(immediate_minutes: float, high_hours: float) -> dict[str, timedelta]:
    """How long each level may wait for acknowledgement (levels not named may wait)."""
    return {ConcernLevel.IMMEDIATE: timedelta(minutes=immediate_minutes),
            ConcernLevel.HIGH: timedelta(hours=high_hours)}


def is_overdue(level: str, acknowledged: bool, age: timedelta, limits: Mapping[str, timedelta]) -> bool:
    """Not acknowledged within its level's limit; exactly at the limit is still in time."""
    _require(level, ConcernLevel, "concern level")
    limit = limits.get(level)
    return not acknowledged and limit is not None and age > limit


# --- things that belong to one party --------------------------------------------------------

def can_view_party_item(actor: Actor, case: CaseFacts, item: PartyItemFacts) -> bool:
    """Action points and goals: that party, the case's coaches and coordinators."""
    if item.case_id != case.case_id:
        return False
    return can_view_party_contact(actor, case, item.party_id)


def can_manage_party_items(actor: Actor, case: CaseFacts) -> bool:
    """Set action points and record goals for a party: the case's coaches and coordinators,
    while the case is open."""
    return can_change_case(actor, case)


def can_change_action_point(actor: Actor, case: CaseFacts, item: PartyItemFacts, *, done: bool,
                            from_agreement: bool) -> bool:
    """Staff change or remove an open action point. One that is done stays as the party left it;
    one that carries a term of an agreement changes only with a new version of the agreement."""
    return (item.case_id == case.case_id
            and item.party_id in case.party_users
            and can_manage_party_items(actor, case)
            and not done
            and not from_agreement)


def can_update_own_action_point(actor: Actor, case: CaseFacts, item: PartyItemFacts, *,
                                from_final_agreement: bool = False) -> bool:
    """A party marks their own action point done (or not) and comments on it, on an open case.
    A term of a final agreement is a promise that runs on after the case closes, so the action
    point it became stays open to its party: the one change a closed case allows a party."""
    return (item.case_id == case.case_id
            and (not case.closed or from_final_agreement)
            and item.party_id in party_ids_for(actor, case))


def can_view_session(actor: Actor, case: CaseFacts, session: SessionFacts) -> bool:
    """Staff on the case, or a party attending it: never another party's separate meeting."""
    if session.case_id != case.case_id:
        return False
    return is_case_staff(actor, case) or bool(party_ids_for(actor, case) & session.party_ids)


def can_see_session_address(actor: Actor, case: CaseFacts, session: SessionFacts) -> bool:
    """Where a session is held (an office, a venue's address, a home visit's address): everyone
    who may see the session, except that a home visit's address is a party's home address, a
    contact detail, which only staff on the case see. Parties are told "a home visit": a joint
    session may be at one party's home, and another party never learns that address."""
    if not can_view_session(actor, case, session):
        return False
    return session.mode != SessionMode.HOME_VISIT or is_case_staff(actor, case)


def can_speak_for_own_seat(actor: Actor, case: CaseFacts, session: SessionFacts, party_id: int, *,
                           upcoming: bool) -> bool:
    """A party says something about their own place at one of their sessions (they cannot come,
    they want it rearranged, they bring a supporter): only that party, only for a session still
    to come (`upcoming`: scheduled and not yet started), on an open case."""
    return (upcoming and not case.closed and session.case_id == case.case_id
            and party_id in party_ids_for(actor, case) and party_id in session.party_ids)


def can_view_session_request(actor: Actor, case: CaseFacts, session: SessionFacts, party_id: int) -> bool:
    """A party's request about a session is their own words to their coaches: the case's
    coaches and coordinators, and that party; never another party, not even one at the session."""
    if not can_view_session(actor, case, session):
        return False
    if is_case_staff(actor, case):
        return True
    # That party's own seat: a person with two party records on a case (rare, but possible) sees
    # a record's request only where that record itself is at the session.
    return party_id in party_ids_for(actor, case) and party_id in session.party_ids


def can_view_supporter(actor: Actor, case: CaseFacts, session: SessionFacts, party_id: int) -> bool:
    """Whom a party brings to a session (a supporter's name and relationship): staff on the case
    and that party. Another party at the same session meets them there, not on a page."""
    return can_view_session_request(actor, case, session, party_id)


def can_deal_with_session_request(actor: Actor, case: CaseFacts) -> bool:
    """The case's coaches and coordinators mark a party's request dealt with."""
    return is_case_staff(actor, case)


def calendar_carries_session_address(session: SessionFacts) -> bool:
    """A calendar file is copied into other services (a phone, a mail provider), so it carries
    an office or a venue but never a home visit's address, whoever downloads it."""
    return session.mode != SessionMode.HOME_VISIT


def can_schedule_session(actor: Actor, case: CaseFacts) -> bool:
    """Coaches on the case and coordinators, while the case is open."""
    return can_change_case(actor, case)


def can_view_agreement(actor: Actor, case: CaseFacts, agreement: AgreementFacts) -> bool:
    """Drafts are staff-only; parties on the case see it once proposed. The same people may
    download its PDF."""
    if agreement.case_id != case.case_id:
        return False
    if is_case_staff(actor, case):
        return True
    return agreement.state in PARTY_VISIBLE_AGREEMENT_STATES and bool(party_ids_for(actor, case))


def can_draft_agreement(actor: Actor, case: CaseFacts) -> bool:
    """A coach on an open mediation case drafts written agreements (coaching has none)."""
    return is_case_coach(actor, case) and not case.closed and case.kind == CaseKind.MEDIATION


def _coach_on_open_case_of(actor: Actor, case: CaseFacts, agreement: AgreementFacts) -> bool:
    return (agreement.case_id == case.case_id and is_case_coach(actor, case)
            and not case.closed)


def can_edit_agreement(actor: Actor, case: CaseFacts, agreement: AgreementFacts) -> bool:
    """Only a draft changes in place; once proposed, a change is a new version."""
    return _coach_on_open_case_of(actor, case, agreement) and agreement.state == AgreementState.DRAFT


def can_propose_agreement(actor: Actor, case: CaseFacts, agreement: AgreementFacts) -> bool:
    return can_edit_agreement(actor, case, agreement)


def can_revise_agreement(actor: Actor, case: CaseFacts, agreement: AgreementFacts) -> bool:
    """Start the next version of a proposed or final agreement (a new draft)."""
    return (_coach_on_open_case_of(actor, case, agreement)
            and agreement.state in (AgreementState.PROPOSED, AgreementState.FINAL))


def can_answer_agreement(actor: Actor, case: CaseFacts, agreement: AgreementFacts, party_id: int) -> bool:
    """A party on the case accepts a proposed agreement, or asks for a change, for themselves."""
    return (agreement.case_id == case.case_id and agreement.state == AgreementState.PROPOSED
            and not case.closed and party_id in party_ids_for(actor, case))


def agreement_standing(actor: Actor, case: CaseFacts, agreement: AgreementFacts, party_id: int, *,
                       accepted: bool) -> AgreementStanding | None:
    """Where an agreement this party may see stands for them: waiting for their answer (they
    may answer it and have not accepted this version), accepted by them (others' answers may be
    outstanding), or its own state (proposed on a closed case, final, superseded). None for an
    agreement they may not see."""
    if not (can_view_agreement(actor, case, agreement) and party_id in party_ids_for(actor, case)):
        return None
    if agreement.state == AgreementState.PROPOSED:
        if accepted:
            return AgreementStanding.ACCEPTED
        if can_answer_agreement(actor, case, agreement, party_id):
            return AgreementStanding.YOUR_ANSWER
    return AgreementStanding(agreement.state)


def can_record_agreement_acceptance(actor: Actor, case: CaseFacts, agreement: AgreementFacts, party_id: int) -> bool:
    """A coach records the acceptance of a party without a portal account, given in person."""
    return (_coach_on_open_case_of(actor, case, agreement)
            and agreement.state == AgreementState.PROPOSED
            and party_id in case.party_users and case.party_users[party_id] is None)


def can_record_agreement_review(actor: Actor, case: CaseFacts, agreement: AgreementFacts, *,
                                reviewed: bool) -> bool:
    """A coach allocated to the case, or a coordinator, records the review of a final agreement
    once, also after the case has closed: the one change a closed case allows staff."""
    return (agreement.case_id == case.case_id and agreement.state == AgreementState.FINAL
            and not reviewed and is_case_staff(actor, case))


def can_view_agreement_change_request(actor: Actor, case: CaseFacts, agreement: AgreementFacts, party_id: int) -> bool:
    """What a party asks to change is their own words: staff on the case and that party."""
    return can_view_agreement(actor, case, agreement) and (
        is_case_staff(actor, case) or party_id in party_ids_for(actor, case))


# --- the service ----------------------------------------------------------------------------

def home_role(actor: Actor) -> str:
    """Which home page an actor lands on."""
    return _require(actor.role, Role, "role")


def can_use_role_area(actor: Actor, role: str) -> bool:
    """A role's own pages (home, lists) are for that role only."""
    _require(role, Role, "role")
    return _is(actor, role)


def can_administer_users(actor: Actor) -> bool:
    """Invite and deactivate: coordinators holding the administrator duty."""
    return _is(actor, Role.COORDINATOR) and actor.admin


def can_deactivate_user(actor: Actor, person: Actor) -> bool:
    """An administrator deactivates an active account, never their own: that would lock the
    service's administration out from inside (another administrator does it)."""
    return can_administer_users(actor) and person.active and person.user_id != actor.user_id


def can_reset_second_factor(actor: Actor, person: Actor, has_second_factor: bool) -> bool:
    """An administrator clears another person's two-factor sign-in (a lost phone), never
    their own: another administrator does it, after checking who is asking."""
    return can_administer_users(actor) and has_second_factor and person.user_id != actor.user_id


def can_reactivate_user(actor: Actor, person: Actor) -> bool:
    """An administrator lets a deactivated account sign in again."""
    return can_administer_users(actor) and not person.active and person.user_id != actor.user_id


def can_read_audit_trail(actor: Actor) -> bool:
    return can_administer_users(actor)


def can_manage_messages(actor: Actor) -> bool:
    """The outbox's Messages page (every email, its state; sending a failed one again):
    administrators. It shows addresses and subjects, never a body."""
    return can_administer_users(actor)


def can_take_referrals(actor: Actor) -> bool:
    return _is(actor, Role.COORDINATOR)


def can_view_reports(actor: Actor) -> bool:
    """The service's numbers for funders and trustees: coordinators only. A report holds counts
    over every case, never a case's own words, but who is counted where is still the service's
    business."""
    return _is(actor, Role.COORDINATOR)


# --- what people are told -------------------------------------------------------------------

@dataclass(frozen=True)
class NotificationFacts:
    notification_id: int
    recipient_id: int


def can_view_notification(actor: Actor, notification: NotificationFacts) -> bool:
    """A notification is for its recipient alone (while their account is active)."""
    return actor.active and actor.user_id == notification.recipient_id


@dataclass(frozen=True)
class SignInSessionFacts:
    session_id: int
    owner_id: int


def can_see_sign_in_session(actor: Actor, sign_in: SignInSessionFacts) -> bool:
    """Where someone is signed in (browser, address, times) is theirs alone to see and end:
    not even an administrator sees it (they reset a second factor or deactivate instead)."""
    return actor.active and actor.user_id == sign_in.owner_id


def can_see_phone_instead(actor: Actor) -> bool:
    """Which parties must be phoned because email is not safe for them (with their names and
    cases): coordinators, who see every case's parties and make the call."""
    return _is(actor, Role.COORDINATOR)


# --- feedback, coaching outcomes and equality monitoring ------------------------------------

def can_view_feedback(actor: Actor, case: CaseFacts) -> bool:
    """A party's feedback answers (the coded ones) on the case page: staff on the case."""
    return is_case_staff(actor, case)


def can_read_feedback_comment(actor: Actor, case: CaseFacts) -> bool:
    """What a party wrote in their feedback is for staff on the case alone: never another party,
    and never any report or email."""
    return is_case_staff(actor, case)


def can_give_own_feedback(actor: Actor, case: CaseFacts, party_id: int, *, answered: bool, expired: bool) -> bool:
    """A party signed in answers their own feedback invitation (made when the case closed),
    once, before it expires; the emailed link is the same offer without sign-in."""
    return not answered and not expired and party_id in party_ids_for(actor, case)


def can_record_coaching_outcome(actor: Actor, case: CaseFacts) -> bool:
    """A coaching case's outcome: a coach on the case or a coordinator, open or closed."""
    return case.kind == CaseKind.COACHING and is_case_staff(actor, case)


def can_view_coaching_outcome(actor: Actor, case: CaseFacts) -> bool:
    return case.kind == CaseKind.COACHING and is_case_staff(actor, case)


def can_view_equality_answers(actor: Actor, case: CaseFacts) -> bool:
    """A party's equality monitoring answers, person by person: coordinators only (coaches and
    other parties never; reports count them)."""
    return _is(actor, Role.COORDINATOR)


def can_record_equality_answers(actor: Actor, case: CaseFacts) -> bool:
    """A coordinator records a party's answers, with the party's permission (the form asks)."""
    return _is(actor, Role.COORDINATOR)


def can_answer_own_equality(actor: Actor, case: CaseFacts, party_id: int) -> bool:
    """A party gives (or changes) their own answers, whenever they like."""
    return party_id in party_ids_for(actor, case)


# --- data rights: subject access, retention, legal holds, erasure ----------------------------

def can_download_own_data(actor: Actor) -> bool:
    """A party downloads everything of theirs the portal holds (their "Your data" page)."""
    return _is(actor, Role.PARTY)


def can_export_party_data(actor: Actor, case: CaseFacts, party_id: int) -> bool:
    """The export of one party record's data: coordinators for anyone (a person who asks by
    letter or phone, with or without an account), a party for their own record only."""
    if _is(actor, Role.COORDINATOR):
        return party_id in case.party_users
    return party_id in party_ids_for(actor, case)


def can_review_staff_mentions(actor: Actor) -> bool:
    """The list, for review before anything is released, of staff notes and concerns naming a
    person: coordinators only (it holds staff-only words)."""
    return _is(actor, Role.COORDINATOR)


def can_manage_retention(actor: Actor) -> bool:
    """The retention page (cases soon anonymised), legal holds and erasure requests."""
    return _is(actor, Role.COORDINATOR)


def is_on_legal_hold(*, hold_set: bool, unresolved_concern: bool) -> bool:
    """A hold set by a coordinator, or a safeguarding concern not yet resolved, stops
    anonymisation of the case."""
    return hold_set or unresolved_concern


def can_set_legal_hold(actor: Actor, *, hold_set: bool, anonymised: bool) -> bool:
    return can_manage_retention(actor) and not hold_set and not anonymised


def can_lift_legal_hold(actor: Actor, *, hold_set: bool) -> bool:
    return can_manage_retention(actor) and hold_set


def can_carry_out_erasure(actor: Actor, case: CaseFacts, *, held: bool, anonymised: bool) -> bool:
    """Carrying out an erasure request early anonymises the person's whole case, so only once it
    has closed, never while it is held, and once."""
    return can_manage_retention(actor) and case.closed and not held and not anonymised


def retention_days_for(*, ever_had_concern: bool, days: int, safeguarding_days: int) -> int:
    """How long after closing a case is kept: longer for a case that ever had a concern."""
    return safeguarding_days if ever_had_concern else days
