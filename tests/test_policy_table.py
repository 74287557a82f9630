"""The confidentiality rules of PRODUCT.md as explicit, hand-written tables.

Every expected value below is written out by hand from PRODUCT.md ("Confidentiality: the rules
that matter most"); none is computed by calling `portal.policy`. Each table is checked for
exhaustiveness, so a new reader kind or audience cannot be added without deciding its row.

Pure facts only: no database, no app.
"""

from itertools import product

import pytest

from portal import policy
from portal.policy import Actor, AgreementFacts, CaseFacts, ConcernFacts, NoteFacts, PartyItemFacts, SessionFacts
from portal.vocab import AgreementState, Audience, ConcernState, ConsentState, Role, SessionMode, ShareState

Y, N = True, False

# --- the world the tables talk about --------------------------------------------------------
# One case (CASE) and another case (OTHER_CASE). User ids below 100, party ids from 200.

CASE, OTHER_CASE = 1, 2

AUTHOR_COACH = 10          # allocated to CASE, wrote the note
FORMER_COACH = 11          # wrote the note, then was taken off CASE
OTHER_COACH = 12           # allocated to CASE
UNALLOCATED_COACH = 13     # allocated to OTHER_CASE only
DEACTIVATED_COACH = 14     # allocated to CASE, wrote the note, then deactivated
COORDINATOR = 20
LEAD = 21                  # coordinator with the safeguarding-lead duty
COORDINATOR_AUTHOR = 22    # a coordinator who wrote the note
DEACTIVATED_COORDINATOR = 23

# party users: user id -> their party record on CASE (or OTHER_CASE)
SOURCE_USER, SOURCE_PARTY = 30, 200            # the note records what this party said
NOT_NEEDED_USER, NOT_NEEDED_PARTY = 31, 201
WAITING_USER, WAITING_PARTY = 32, 202
GIVEN_USER, GIVEN_PARTY = 33, 203
REFUSED_USER, REFUSED_PARTY = 34, 204
WITHDRAWN_USER, WITHDRAWN_PARTY = 35, 205
NOT_NAMED_USER, NOT_NAMED_PARTY = 36, 206
DEACTIVATED_PARTY_USER, DEACTIVATED_PARTY = 37, 207
ELSEWHERE_USER, ELSEWHERE_PARTY = 38, 290      # a party on OTHER_CASE only
NO_ACCOUNT_PARTY = 208                         # a party without a portal account

CASE_COACHES = frozenset({AUTHOR_COACH, OTHER_COACH, DEACTIVATED_COACH})
CASE_PARTIES = {
    SOURCE_PARTY: SOURCE_USER,
    NOT_NEEDED_PARTY: NOT_NEEDED_USER,
    WAITING_PARTY: WAITING_USER,
    GIVEN_PARTY: GIVEN_USER,
    REFUSED_PARTY: REFUSED_USER,
    WITHDRAWN_PARTY: WITHDRAWN_USER,
    NOT_NAMED_PARTY: NOT_NAMED_USER,
    DEACTIVATED_PARTY: DEACTIVATED_PARTY_USER,
    NO_ACCOUNT_PARTY: None,
}


def case_facts(unresolved_concern=True):
    return CaseFacts(case_id=CASE, coach_ids=CASE_COACHES, party_users=dict(CASE_PARTIES),
                     has_unresolved_concern=unresolved_concern)


def coach(user_id, active=True, **flags):
    return Actor(user_id=user_id, role=Role.COACH, active=active, **flags)


def coordinator(user_id, active=True, **flags):
    return Actor(user_id=user_id, role=Role.COORDINATOR, active=active, **flags)


def party(user_id, active=True):
    return Actor(user_id=user_id, role=Role.PARTY, active=active)


# --- notes ----------------------------------------------------------------------------------
# Each reader kind: (the actor, who wrote the note, the note's source party, its shares).
# Shares are consistent with how they are created (`share_state_for`): a share needs consent
# only when it shows one party another party's words.

_SHARES_FROM_SOURCE = {
    WAITING_PARTY: ShareState.WAITING,
    GIVEN_PARTY: ShareState.GIVEN,
    REFUSED_PARTY: ShareState.REFUSED,
    WITHDRAWN_PARTY: ShareState.WITHDRAWN,
    DEACTIVATED_PARTY: ShareState.GIVEN,
    # A share naming a record from another case must never let its user in here.
    ELSEWHERE_PARTY: ShareState.GIVEN,
}

def _usual(actor, author=AUTHOR_COACH):
    """A note recording the source party's words, shared with the other parties by the rules."""
    return actor, author, SOURCE_PARTY, _SHARES_FROM_SOURCE


NOTE_READERS = {
    "author coach": _usual(coach(AUTHOR_COACH)),
    "author coach no longer allocated": _usual(coach(FORMER_COACH), author=FORMER_COACH),
    "another allocated coach": _usual(coach(OTHER_COACH)),
    "unallocated coach": _usual(coach(UNALLOCATED_COACH)),
    "coordinator": _usual(coordinator(COORDINATOR)),
    "coordinator, safeguarding lead (concern open)":
        _usual(coordinator(LEAD, safeguarding_lead=True)),
    "coordinator who wrote it": _usual(coordinator(COORDINATOR_AUTHOR), author=COORDINATOR_AUTHOR),
    "deactivated author coach, still allocated":
        _usual(coach(DEACTIVATED_COACH, active=False), author=DEACTIVATED_COACH),
    "deactivated coordinator": _usual(coordinator(DEACTIVATED_COORDINATOR, active=False)),
    "deactivated party, share given": _usual(party(DEACTIVATED_PARTY_USER, active=False)),
    "party named, share not_needed (note has no source party)":
        (party(NOT_NEEDED_USER), AUTHOR_COACH, None, {NOT_NEEDED_PARTY: ShareState.NOT_NEEDED}),
    "party named, share not_needed (their own words)":
        (party(SOURCE_USER), AUTHOR_COACH, SOURCE_PARTY, {SOURCE_PARTY: ShareState.NOT_NEEDED}),
    # A not_needed share with a party who is *not* the source: stale (the source party was set
    # or changed after sharing) or written carelessly. It is still another party's words without
    # their consent, and PRODUCT.md says: until then the other party does not see it.
    "party named, stale not_needed (another party's words)":
        (party(NOT_NEEDED_USER), AUTHOR_COACH, SOURCE_PARTY,
         {NOT_NEEDED_PARTY: ShareState.NOT_NEEDED}),
    "party named, share waiting": _usual(party(WAITING_USER)),
    "party named, share given": _usual(party(GIVEN_USER)),
    "party named, share refused": _usual(party(REFUSED_USER)),
    "party named, share withdrawn": _usual(party(WITHDRAWN_USER)),
    "party on the case, not named": _usual(party(NOT_NAMED_USER)),
    "party of another case (their record there named on a share)": _usual(party(ELSEWHERE_USER)),
    "source party, not named": _usual(party(SOURCE_USER)),
}

NOTE_AUDIENCES = (Audience.PRIVATE, Audience.CASE_TEAM, Audience.STAFF, Audience.PARTIES)

# PRODUCT.md's audience table, one row per reader kind.
#                                                            private case_team staff parties
_NOTE_ROWS = {
    "author coach":                                             (Y, Y, Y, Y),
    "author coach no longer allocated":                         (N, N, N, N),
    "another allocated coach":                                  (N, Y, Y, Y),
    "unallocated coach":                                        (N, N, N, N),
    "coordinator":                                              (N, N, Y, Y),
    "coordinator, safeguarding lead (concern open)":            (N, N, Y, Y),
    "coordinator who wrote it":                                 (Y, Y, Y, Y),
    "deactivated author coach, still allocated":                (N, N, N, N),
    "deactivated coordinator":                                  (N, N, N, N),
    "deactivated party, share given":                           (N, N, N, N),
    "party named, share not_needed (note has no source party)": (N, N, N, Y),
    "party named, share not_needed (their own words)":          (N, N, N, Y),
    "party named, stale not_needed (another party's words)":    (N, N, N, N),
    "party named, share waiting":                               (N, N, N, N),
    "party named, share given":                                 (N, N, N, Y),
    "party named, share refused":                               (N, N, N, N),
    "party named, share withdrawn":                             (N, N, N, N),
    "party on the case, not named":                             (N, N, N, N),
    "party of another case (their record there named on a share)": (N, N, N, N),
    "source party, not named":                                  (N, N, N, N),
}

# A withdrawn note disappears for every party; staff keep reading it by its audience (the record
# stays for the case team). Party rows, written out again:
#                                                            private case_team staff parties
_WITHDRAWN_PARTY_ROWS = {
    "deactivated party, share given":                           (N, N, N, N),
    "party named, share not_needed (note has no source party)": (N, N, N, N),
    "party named, share not_needed (their own words)":          (N, N, N, N),
    "party named, stale not_needed (another party's words)":    (N, N, N, N),
    "party named, share waiting":                               (N, N, N, N),
    "party named, share given":                                 (N, N, N, N),
    "party named, share refused":                               (N, N, N, N),
    "party named, share withdrawn":                             (N, N, N, N),
    "party on the case, not named":                             (N, N, N, N),
    "party of another case (their record there named on a share)": (N, N, N, N),
    "source party, not named":                                  (N, N, N, N),
}


def _flatten(rows, columns):
    return {(reader, column): allowed
            for reader, cells in rows.items()
            for column, allowed in zip(columns, cells, strict=True)}


NOTE_TABLE = _flatten(_NOTE_ROWS, NOTE_AUDIENCES)
WITHDRAWN_PARTY_TABLE = _flatten(_WITHDRAWN_PARTY_ROWS, NOTE_AUDIENCES)


def note_scenario(reader, audience, withdrawn=False):
    actor, author, source, shares = NOTE_READERS[reader]
    note = NoteFacts(note_id=500, case_id=CASE, author_id=author, audience=audience,
                     shares=dict(shares), source_party_id=source, withdrawn=withdrawn)
    case = case_facts()
    if reader == "author coach no longer allocated":
        assert FORMER_COACH not in case.coach_ids
    return actor, case, note


def _ids(table):
    return [f"{reader} / {column}" for reader, column in table]


def test_note_table_is_exhaustive():
    assert set(Audience) == set(NOTE_AUDIENCES)
    assert set(NOTE_TABLE) == set(product(NOTE_READERS, Audience))
    assert len(NOTE_TABLE) == len(NOTE_READERS) * len(Audience)


def test_withdrawn_table_covers_every_party_reader():
    party_readers = {r for r, (actor, *_rest) in NOTE_READERS.items() if actor.role == Role.PARTY}
    assert set(WITHDRAWN_PARTY_TABLE) == set(product(party_readers, Audience))


@pytest.mark.parametrize(("reader", "audience"), list(NOTE_TABLE), ids=_ids(NOTE_TABLE))
def test_can_read_note(reader, audience):
    actor, case, note = note_scenario(reader, audience)
    assert policy.can_read_note(actor, case, note) is NOTE_TABLE[reader, audience]


@pytest.mark.parametrize(("reader", "audience"), list(WITHDRAWN_PARTY_TABLE),
                         ids=_ids(WITHDRAWN_PARTY_TABLE))
def test_no_party_reads_a_withdrawn_note(reader, audience):
    actor, case, note = note_scenario(reader, audience, withdrawn=True)
    assert policy.can_read_note(actor, case, note) is WITHDRAWN_PARTY_TABLE[reader, audience]


_STAFF_NOTE_CELLS = [key for key in NOTE_TABLE if key not in WITHDRAWN_PARTY_TABLE]


@pytest.mark.parametrize(("reader", "audience"), _STAFF_NOTE_CELLS, ids=_ids(_STAFF_NOTE_CELLS))
def test_staff_still_read_a_withdrawn_note_by_its_audience(reader, audience):
    actor, case, note = note_scenario(reader, audience, withdrawn=True)
    assert policy.can_read_note(actor, case, note) is NOTE_TABLE[reader, audience]


@pytest.mark.parametrize("audience", NOTE_AUDIENCES)
def test_a_note_of_another_case_is_read_by_nobody_through_this_case(audience):
    """Facts that do not match (a note from another case) never let anyone in."""
    for reader in NOTE_READERS:
        actor, case, note = note_scenario(reader, audience)
        stray = NoteFacts(note_id=note.note_id, case_id=OTHER_CASE, author_id=note.author_id,
                          audience=audience, shares=note.shares,
                          source_party_id=note.source_party_id)
        assert policy.can_read_note(actor, case, stray) is False, reader


def test_consent_to_share_another_partys_words():
    """PRODUCT.md: sharing a note with any party other than its source party needs the source
    party's consent; until then the other party does not see it. `share_state_for` encodes
    where consent is needed, and only consent ("given") may let another party read the note."""
    assert policy.share_state_for(None, GIVEN_PARTY) == ShareState.NOT_NEEDED
    assert policy.share_state_for(SOURCE_PARTY, SOURCE_PARTY) == ShareState.NOT_NEEDED
    assert policy.share_state_for(SOURCE_PARTY, GIVEN_PARTY) == ShareState.WAITING


# --- the safeguarding override --------------------------------------------------------------

OVERRIDE_READERS = {
    "safeguarding lead": (coordinator(LEAD, safeguarding_lead=True), AUTHOR_COACH),
    "safeguarding lead who wrote the note":
        (coordinator(LEAD, safeguarding_lead=True), LEAD),
    "safeguarding lead, also administrator":
        (coordinator(LEAD, safeguarding_lead=True, admin=True), AUTHOR_COACH),
    "coordinator without the duty": (coordinator(COORDINATOR), AUTHOR_COACH),
    "administrator without the duty": (coordinator(COORDINATOR, admin=True), AUTHOR_COACH),
    "deactivated safeguarding lead":
        (coordinator(LEAD, active=False, safeguarding_lead=True), AUTHOR_COACH),
    "allocated coach flagged as lead": (coach(OTHER_COACH, safeguarding_lead=True), AUTHOR_COACH),
    "party flagged as lead":
        (Actor(user_id=NOT_NAMED_USER, role=Role.PARTY, safeguarding_lead=True), AUTHOR_COACH),
}

# With an unresolved concern on the case; only for notes the lead cannot read otherwise.
#                                                   private case_team staff parties
_OVERRIDE_ROWS = {
    "safeguarding lead":                               (Y, Y, N, N),
    "safeguarding lead who wrote the note":            (N, N, N, N),
    "safeguarding lead, also administrator":           (Y, Y, N, N),
    "coordinator without the duty":                    (N, N, N, N),
    "administrator without the duty":                  (N, N, N, N),
    "deactivated safeguarding lead":                   (N, N, N, N),
    "allocated coach flagged as lead":                 (N, N, N, N),
    "party flagged as lead":                           (N, N, N, N),
}
OVERRIDE_TABLE = _flatten(_OVERRIDE_ROWS, NOTE_AUDIENCES)


def _override_note(author, audience, case_id=CASE):
    return NoteFacts(note_id=502, case_id=case_id, author_id=author, audience=audience,
                     shares={GIVEN_PARTY: ShareState.GIVEN}, source_party_id=None)


def test_override_table_is_exhaustive():
    assert set(OVERRIDE_TABLE) == set(product(OVERRIDE_READERS, Audience))


@pytest.mark.parametrize(("reader", "audience"), list(OVERRIDE_TABLE), ids=_ids(OVERRIDE_TABLE))
def test_can_override_note_while_a_concern_is_unresolved(reader, audience):
    actor, author = OVERRIDE_READERS[reader]
    note = _override_note(author, audience)
    assert policy.can_override_note(actor, case_facts(unresolved_concern=True), note) is \
        OVERRIDE_TABLE[reader, audience]


@pytest.mark.parametrize(("reader", "audience"), list(OVERRIDE_TABLE), ids=_ids(OVERRIDE_TABLE))
def test_no_override_without_an_unresolved_concern(reader, audience):
    actor, author = OVERRIDE_READERS[reader]
    note = _override_note(author, audience)
    assert policy.can_override_note(actor, case_facts(unresolved_concern=False), note) is False


@pytest.mark.parametrize("audience", NOTE_AUDIENCES)
def test_no_override_of_a_note_from_another_case(audience):
    actor, author = OVERRIDE_READERS["safeguarding lead"]
    note = _override_note(author, audience, case_id=OTHER_CASE)
    assert policy.can_override_note(actor, case_facts(unresolved_concern=True), note) is False


def test_the_override_never_widens_can_read_note():
    """The lead reads through can_read_note exactly as a coordinator does, concern or not."""
    lead = coordinator(LEAD, safeguarding_lead=True)
    for audience, expected in zip(NOTE_AUDIENCES, (N, N, Y, Y), strict=True):
        note = _override_note(AUTHOR_COACH, audience)
        assert policy.can_read_note(lead, case_facts(unresolved_concern=True), note) is expected


def test_unresolved_concern_states():
    """"Open" in PRODUCT.md's sense: raised and not yet closed."""
    assert policy.UNRESOLVED_CONCERN_STATES == {"open", "acknowledged"}
    assert set(ConcernState) == {"open", "acknowledged", "closed"}


# --- safeguarding concerns ------------------------------------------------------------------

RAISER = OTHER_COACH

CONCERN_READERS = {
    "raising coach, allocated": coach(RAISER),
    "raising coach, no longer allocated": coach(FORMER_COACH),
    "another allocated coach": coach(AUTHOR_COACH),
    "unallocated coach": coach(UNALLOCATED_COACH),
    "coordinator": coordinator(COORDINATOR),
    "safeguarding lead": coordinator(LEAD, safeguarding_lead=True),
    "deactivated raising coach": coach(RAISER, active=False),
    "deactivated allocated coach": coach(DEACTIVATED_COACH, active=False),
    "deactivated coordinator": coordinator(DEACTIVATED_COORDINATOR, active=False),
    "party on the case": party(NOT_NAMED_USER),
    "party the concern is about": party(GIVEN_USER),
    "party of another case": party(ELSEWHERE_USER),
}

# Whether the reader sees a concern on the case; the raiser is given per row (the coach who
# raised it, or the former coach for the row that is about them).
#                                                   sees it
_CONCERN_ROWS = {
    "raising coach, allocated":                        Y,
    "raising coach, no longer allocated":              Y,
    "another allocated coach":                         Y,
    "unallocated coach":                               N,
    "coordinator":                                     Y,
    "safeguarding lead":                               Y,
    "deactivated raising coach":                       N,
    "deactivated allocated coach":                     N,
    "deactivated coordinator":                         N,
    "party on the case":                               N,
    "party the concern is about":                      N,
    "party of another case":                           N,
}
CONCERN_TABLE = {(reader, state): seen
                 for reader, seen in _CONCERN_ROWS.items()
                 for state in ("open", "acknowledged", "closed")}


def _concern_raiser(reader):
    return FORMER_COACH if reader == "raising coach, no longer allocated" else RAISER


def test_concern_table_is_exhaustive():
    assert set(CONCERN_TABLE) == set(product(CONCERN_READERS, ConcernState))


@pytest.mark.parametrize(("reader", "state"), list(CONCERN_TABLE), ids=_ids(CONCERN_TABLE))
def test_can_view_concern(reader, state):
    concern = ConcernFacts(concern_id=600, case_id=CASE, raised_by_id=_concern_raiser(reader),
                           state=state)
    assert policy.can_view_concern(CONCERN_READERS[reader], case_facts(), concern) is \
        CONCERN_TABLE[reader, state]


@pytest.mark.parametrize("reader", list(CONCERN_READERS))
def test_nobody_sees_a_concern_of_another_case_through_this_case(reader):
    concern = ConcernFacts(concern_id=601, case_id=OTHER_CASE, raised_by_id=_concern_raiser(reader),
                           state="open")
    assert policy.can_view_concern(CONCERN_READERS[reader], case_facts(), concern) is False


def test_a_party_never_sees_a_concern_they_raised():
    """Parties never see concerns, even in data where a party's id is on the concern."""
    concern = ConcernFacts(concern_id=602, case_id=CASE, raised_by_id=GIVEN_USER, state="open")
    assert policy.can_view_concern(party(GIVEN_USER), case_facts(), concern) is False


# --- things that belong to one party: action points, goals, contact details -----------------
# Two parties on a small case: A and B. Everything about A is A's, everything about B is B's.

PARTY_A_USER, PARTY_A = 40, 300
PARTY_B_USER, PARTY_B = 41, 301
SMALL_CASE = 3


def small_case():
    return CaseFacts(case_id=SMALL_CASE, coach_ids=frozenset({OTHER_COACH, DEACTIVATED_COACH}),
                     party_users={PARTY_A: PARTY_A_USER, PARTY_B: PARTY_B_USER,
                                  NO_ACCOUNT_PARTY: None})


PER_PARTY_READERS = {
    "party A": party(PARTY_A_USER),
    "party B": party(PARTY_B_USER),
    "deactivated party A": party(PARTY_A_USER, active=False),
    "party of another case": party(ELSEWHERE_USER),
    "allocated coach": coach(OTHER_COACH),
    "coach no longer allocated": coach(FORMER_COACH),
    "unallocated coach": coach(UNALLOCATED_COACH),
    "deactivated allocated coach": coach(DEACTIVATED_COACH, active=False),
    "coordinator": coordinator(COORDINATOR),
    "deactivated coordinator": coordinator(DEACTIVATED_COORDINATOR, active=False),
}

OWNERS = ("A's", "B's", "no-account party's")
_OWNER_PARTY = {"A's": PARTY_A, "B's": PARTY_B, "no-account party's": NO_ACCOUNT_PARTY}

# Action points, goals and contact details alike. A party never sees another party's.
#                                       A's  B's  no-account party's
_PER_PARTY_ROWS = {
    "party A":                         (Y,   N,   N),
    "party B":                         (N,   Y,   N),
    "deactivated party A":             (N,   N,   N),
    "party of another case":           (N,   N,   N),
    "allocated coach":                 (Y,   Y,   Y),
    "coach no longer allocated":       (N,   N,   N),
    "unallocated coach":               (N,   N,   N),
    "deactivated allocated coach":     (N,   N,   N),
    "coordinator":                     (Y,   Y,   Y),
    "deactivated coordinator":         (N,   N,   N),
}
PER_PARTY_TABLE = _flatten(_PER_PARTY_ROWS, OWNERS)


def test_per_party_table_is_exhaustive():
    assert set(PER_PARTY_TABLE) == set(product(PER_PARTY_READERS, OWNERS))


@pytest.mark.parametrize(("reader", "owner"), list(PER_PARTY_TABLE), ids=_ids(PER_PARTY_TABLE))
def test_can_view_party_item(reader, owner):
    item = PartyItemFacts(case_id=SMALL_CASE, party_id=_OWNER_PARTY[owner])
    assert policy.can_view_party_item(PER_PARTY_READERS[reader], small_case(), item) is \
        PER_PARTY_TABLE[reader, owner]


@pytest.mark.parametrize(("reader", "owner"), list(PER_PARTY_TABLE), ids=_ids(PER_PARTY_TABLE))
def test_can_view_party_contact(reader, owner):
    assert policy.can_view_party_contact(PER_PARTY_READERS[reader], small_case(),
                                         _OWNER_PARTY[owner]) is PER_PARTY_TABLE[reader, owner]


@pytest.mark.parametrize("reader", list(PER_PARTY_READERS))
def test_nothing_about_a_party_who_is_not_on_the_case(reader):
    actor = PER_PARTY_READERS[reader]
    assert policy.can_view_party_contact(actor, small_case(), ELSEWHERE_PARTY) is False
    stray = PartyItemFacts(case_id=SMALL_CASE, party_id=ELSEWHERE_PARTY)
    assert policy.can_view_party_item(actor, small_case(), stray) is False
    other_case_item = PartyItemFacts(case_id=CASE, party_id=PARTY_A)
    assert policy.can_view_party_item(actor, small_case(), other_case_item) is False


# --- sessions -------------------------------------------------------------------------------

SESSION_KINDS = ("joint session", "A's separate meeting", "B's separate meeting",
                 "no parties attending")
_SESSION_PARTIES = {
    "joint session": frozenset({PARTY_A, PARTY_B}),
    "A's separate meeting": frozenset({PARTY_A}),
    "B's separate meeting": frozenset({PARTY_B}),
    "no parties attending": frozenset(),
}

#                                       joint A's-own B's-own none
_SESSION_ROWS = {
    "party A":                         (Y,    Y,     N,     N),
    "party B":                         (Y,    N,     Y,     N),
    "deactivated party A":             (N,    N,     N,     N),
    "party of another case":           (N,    N,     N,     N),
    "allocated coach":                 (Y,    Y,     Y,     Y),
    "coach no longer allocated":       (N,    N,     N,     N),
    "unallocated coach":               (N,    N,     N,     N),
    "deactivated allocated coach":     (N,    N,     N,     N),
    "coordinator":                     (Y,    Y,     Y,     Y),
    "deactivated coordinator":         (N,    N,     N,     N),
}
SESSION_TABLE = _flatten(_SESSION_ROWS, SESSION_KINDS)


def test_session_table_is_exhaustive():
    assert set(SESSION_TABLE) == set(product(PER_PARTY_READERS, SESSION_KINDS))


@pytest.mark.parametrize(("reader", "session"), list(SESSION_TABLE), ids=_ids(SESSION_TABLE))
def test_can_view_session(reader, session):
    facts = SessionFacts(session_id=700, case_id=SMALL_CASE, party_ids=_SESSION_PARTIES[session])
    assert policy.can_view_session(PER_PARTY_READERS[reader], small_case(), facts) is \
        SESSION_TABLE[reader, session]


@pytest.mark.parametrize("reader", list(PER_PARTY_READERS))
def test_nobody_sees_a_session_of_another_case_through_this_case(reader):
    facts = SessionFacts(session_id=701, case_id=CASE, party_ids=frozenset({PARTY_A, PARTY_B}))
    assert policy.can_view_session(PER_PARTY_READERS[reader], small_case(), facts) is False


# --- agreements -----------------------------------------------------------------------------

AGREEMENT_STATES = ("draft", "proposed", "final", "superseded")

#                                       draft proposed final superseded
_AGREEMENT_ROWS = {
    "party A":                         (N,    Y,       Y,    Y),
    "party B":                         (N,    Y,       Y,    Y),
    "deactivated party A":             (N,    N,       N,    N),
    "party of another case":           (N,    N,       N,    N),
    "allocated coach":                 (Y,    Y,       Y,    Y),
    "coach no longer allocated":       (N,    N,       N,    N),
    "unallocated coach":               (N,    N,       N,    N),
    "deactivated allocated coach":     (N,    N,       N,    N),
    "coordinator":                     (Y,    Y,       Y,    Y),
    "deactivated coordinator":         (N,    N,       N,    N),
}
AGREEMENT_TABLE = _flatten(_AGREEMENT_ROWS, AGREEMENT_STATES)


def test_agreement_table_is_exhaustive():
    assert set(AGREEMENT_TABLE) == set(product(PER_PARTY_READERS, AgreementState))


@pytest.mark.parametrize(("reader", "state"), list(AGREEMENT_TABLE), ids=_ids(AGREEMENT_TABLE))
def test_can_view_agreement(reader, state):
    facts = AgreementFacts(agreement_id=800, case_id=SMALL_CASE, state=state)
    assert policy.can_view_agreement(PER_PARTY_READERS[reader], small_case(), facts) is \
        AGREEMENT_TABLE[reader, state]


@pytest.mark.parametrize("reader", list(PER_PARTY_READERS))
def test_nobody_sees_an_agreement_of_another_case_through_this_case(reader):
    facts = AgreementFacts(agreement_id=801, case_id=CASE, state="final")
    assert policy.can_view_agreement(PER_PARTY_READERS[reader], small_case(), facts) is False


# --- the case itself ------------------------------------------------------------------------

#                                       view the case   manage it (staff view)
_CASE_ROWS = {
    "party A":                         (Y,              N),
    "party B":                         (Y,              N),
    "deactivated party A":             (N,              N),
    "party of another case":           (N,              N),
    "allocated coach":                 (Y,              Y),
    "coach no longer allocated":       (N,              N),
    "unallocated coach":               (N,              N),
    "deactivated allocated coach":     (N,              N),
    "coordinator":                     (Y,              Y),
    "deactivated coordinator":         (N,              N),
}
CASE_TABLE = _flatten(_CASE_ROWS, ("view", "manage"))


def test_case_table_is_exhaustive():
    assert set(CASE_TABLE) == set(product(PER_PARTY_READERS, ("view", "manage")))


@pytest.mark.parametrize(("reader", "action"), list(CASE_TABLE), ids=_ids(CASE_TABLE))
def test_can_view_and_manage_case(reader, action):
    check = policy.can_view_case if action == "view" else policy.can_manage_case
    assert check(PER_PARTY_READERS[reader], small_case()) is CASE_TABLE[reader, action]


# --- role areas and administration ----------------------------------------------------------

ACCOUNT_KINDS = {
    "party": party(50),
    "coach": coach(51),
    "coach flagged admin and lead": coach(52, admin=True, safeguarding_lead=True),
    "coordinator": coordinator(53),
    "coordinator, safeguarding lead": coordinator(54, safeguarding_lead=True),
    "coordinator, administrator": coordinator(55, admin=True),
    "party flagged admin": Actor(user_id=56, role=Role.PARTY, admin=True),
    "deactivated party": party(57, active=False),
    "deactivated coach": coach(58, active=False),
    "deactivated coordinator, administrator": coordinator(59, active=False, admin=True),
}

#                                            party coach coordinator  administer users
_ACCOUNT_ROWS = {
    "party":                                  (Y,   N,    N,           N),
    "coach":                                  (N,   Y,    N,           N),
    "coach flagged admin and lead":           (N,   Y,    N,           N),
    "coordinator":                            (N,   N,    Y,           N),
    "coordinator, safeguarding lead":         (N,   N,    Y,           N),
    "coordinator, administrator":             (N,   N,    Y,           Y),
    "party flagged admin":                    (Y,   N,    N,           N),
    "deactivated party":                      (N,   N,    N,           N),
    "deactivated coach":                      (N,   N,    N,           N),
    "deactivated coordinator, administrator": (N,   N,    N,           N),
}
ACCOUNT_TABLE = _flatten(_ACCOUNT_ROWS, ("party", "coach", "coordinator", "administer users"))


def test_account_table_is_exhaustive():
    assert set(ACCOUNT_TABLE) == set(
        product(ACCOUNT_KINDS, (*Role, "administer users")))


@pytest.mark.parametrize(("account", "area"), list(ACCOUNT_TABLE), ids=_ids(ACCOUNT_TABLE))
def test_role_areas_and_user_administration(account, area):
    actor = ACCOUNT_KINDS[account]
    if area == "administer users":
        allowed = policy.can_administer_users(actor)
    else:
        allowed = policy.can_use_role_area(actor, area)
    assert allowed is ACCOUNT_TABLE[account, area]


# --- unknown values fail loudly -------------------------------------------------------------

UNKNOWN_VALUES = {
    "role on an actor": lambda: Actor(user_id=1, role="admin"),
    "role spelt differently": lambda: Actor(user_id=1, role="Coach"),
    "missing role": lambda: Actor(user_id=1, role=None),
    "role area": lambda: policy.can_use_role_area(coach(1), "supporter"),
    "audience": lambda: NoteFacts(note_id=1, case_id=1, author_id=1, audience="public"),
    "missing audience": lambda: NoteFacts(note_id=1, case_id=1, author_id=1, audience=None),
    "share state": lambda: NoteFacts(note_id=1, case_id=1, author_id=1, audience=Audience.PARTIES,
                                     shares={1: "accepted"}),
    "concern state": lambda: ConcernFacts(concern_id=1, case_id=1, raised_by_id=1,
                                          state="resolved"),
    "agreement state": lambda: AgreementFacts(agreement_id=1, case_id=1, state="signed"),
    "note relation": lambda: policy.note_audiences_for("supporter"),
    "session mode": lambda: SessionFacts(session_id=1, case_id=1, mode="by carrier pigeon"),
    "consent state": lambda: policy.own_consent_answers(party(1), small_case(), PARTY_A, "maybe"),
}


@pytest.mark.parametrize("what", list(UNKNOWN_VALUES))
def test_unknown_values_raise_policy_error(what):
    with pytest.raises(policy.PolicyError):
        UNKNOWN_VALUES[what]()


def test_policy_error_is_a_value_error():
    assert issubclass(policy.PolicyError, ValueError)


# --- a file's original name -----------------------------------------------------------------
# Staff who may read the note see the name a file was uploaded with; nobody else, whatever they
# may download: parties get "Download the summary", a name chosen by whoever saved the file can
# say more than the note does.
#                                                            private case_team staff parties
_FILE_NAME_ROWS = {
    "author coach":                                             (Y, Y, Y, Y),
    "author coach no longer allocated":                         (N, N, N, N),
    "another allocated coach":                                  (N, Y, Y, Y),
    "unallocated coach":                                        (N, N, N, N),
    "coordinator":                                              (N, N, Y, Y),
    "coordinator, safeguarding lead (concern open)":            (N, N, Y, Y),
    "coordinator who wrote it":                                 (Y, Y, Y, Y),
    "deactivated author coach, still allocated":                (N, N, N, N),
    "deactivated coordinator":                                  (N, N, N, N),
    "deactivated party, share given":                           (N, N, N, N),
    "party named, share not_needed (note has no source party)": (N, N, N, N),
    "party named, share not_needed (their own words)":          (N, N, N, N),
    "party named, stale not_needed (another party's words)":    (N, N, N, N),
    "party named, share waiting":                               (N, N, N, N),
    "party named, share given":                                 (N, N, N, N),
    "party named, share refused":                               (N, N, N, N),
    "party named, share withdrawn":                             (N, N, N, N),
    "party on the case, not named":                             (N, N, N, N),
    "party of another case (their record there named on a share)": (N, N, N, N),
    "source party, not named":                                  (N, N, N, N),
}
FILE_NAME_TABLE = _flatten(_FILE_NAME_ROWS, NOTE_AUDIENCES)


def test_file_name_table_is_exhaustive():
    assert set(FILE_NAME_TABLE) == set(product(NOTE_READERS, Audience))


@pytest.mark.parametrize(("reader", "audience"), list(FILE_NAME_TABLE), ids=_ids(FILE_NAME_TABLE))
def test_can_see_file_original_name(reader, audience):
    actor, case, note = note_scenario(reader, audience)
    assert policy.can_see_file_original_name(actor, case, note) is FILE_NAME_TABLE[reader, audience]


@pytest.mark.parametrize("audience", NOTE_AUDIENCES)
def test_a_lead_reading_under_the_override_is_not_given_file_names(audience):
    """The override opens the note's text, not its files: their names stay with its readers."""
    lead = coordinator(LEAD, safeguarding_lead=True)
    note = _override_note(AUTHOR_COACH, audience)
    opened = policy.can_override_note(lead, case_facts(), note)
    assert opened is (audience in (Audience.PRIVATE, Audience.CASE_TEAM))
    assert policy.can_see_file_original_name(lead, case_facts(), note) is not opened


# --- where a session is held ----------------------------------------------------------------
# A home visit's place is a party's home address: contact details, which a party never sees of
# another party, and which parties are not given even for their own sessions (a joint session
# may be at one party's home). Every other place goes to whoever may see the session.

SESSION_PLACES = ("joint, at an office", "joint, home visit", "A's home visit",
                  "B's meeting at a venue")
_SESSION_PLACE_FACTS = {
    "joint, at an office": (frozenset({PARTY_A, PARTY_B}), SessionMode.FACE_TO_FACE),
    "joint, home visit": (frozenset({PARTY_A, PARTY_B}), SessionMode.HOME_VISIT),
    "A's home visit": (frozenset({PARTY_A}), SessionMode.HOME_VISIT),
    "B's meeting at a venue": (frozenset({PARTY_B}), SessionMode.COMMUNITY_VENUE),
}

#                                  joint office  joint home  A's home  B's venue
_SESSION_PLACE_ROWS = {
    "party A":                         (Y,        N,          N,        N),
    "party B":                         (Y,        N,          N,        Y),
    "deactivated party A":             (N,        N,          N,        N),
    "party of another case":           (N,        N,          N,        N),
    "allocated coach":                 (Y,        Y,          Y,        Y),
    "coach no longer allocated":       (N,        N,          N,        N),
    "unallocated coach":               (N,        N,          N,        N),
    "deactivated allocated coach":     (N,        N,          N,        N),
    "coordinator":                     (Y,        Y,          Y,        Y),
    "deactivated coordinator":         (N,        N,          N,        N),
}
SESSION_PLACE_TABLE = _flatten(_SESSION_PLACE_ROWS, SESSION_PLACES)


def test_session_place_table_is_exhaustive():
    assert set(SESSION_PLACE_TABLE) == set(product(PER_PARTY_READERS, SESSION_PLACES))


@pytest.mark.parametrize(("reader", "session"), list(SESSION_PLACE_TABLE),
                         ids=_ids(SESSION_PLACE_TABLE))
def test_can_see_session_address(reader, session):
    party_ids, mode = _SESSION_PLACE_FACTS[session]
    facts = SessionFacts(session_id=702, case_id=SMALL_CASE, party_ids=party_ids, mode=mode)
    assert policy.can_see_session_address(PER_PARTY_READERS[reader], small_case(), facts) is \
        SESSION_PLACE_TABLE[reader, session]


# Whoever downloads a calendar file, it never carries a home visit's address.
CALENDAR_PLACE = {"face_to_face": Y, "online": Y, "telephone": Y, "home_visit": N,
                  "community_venue": Y}


def test_calendar_table_is_exhaustive():
    assert set(CALENDAR_PLACE) == set(SessionMode)


@pytest.mark.parametrize("mode", list(CALENDAR_PLACE))
def test_calendar_carries_session_address(mode):
    facts = SessionFacts(session_id=703, case_id=SMALL_CASE, party_ids=frozenset({PARTY_A}),
                         mode=mode)
    assert policy.calendar_carries_session_address(facts) is CALENDAR_PLACE[mode]


# --- a party's own answers: consent to take part, their fee, where an agreement stands ------

CONSENT_STATES = ("pending", "given", "declined", "withdrawn")
CONFIRM, WITHDRAW, NONE = frozenset({"confirm"}), frozenset({"withdraw"}), frozenset()

# The answers offered about party A's record, on an open case. Taking part is voluntary: once
# agreed, A may withdraw; otherwise A may agree (also after declining or withdrawing).
#                                   pending  given     declined withdrawn
_CONSENT_ROWS = {
    "party A":                         (CONFIRM, WITHDRAW, CONFIRM, CONFIRM),
    "party B":                         (NONE,    NONE,     NONE,    NONE),
    "deactivated party A":             (NONE,    NONE,     NONE,    NONE),
    "party of another case":           (NONE,    NONE,     NONE,    NONE),
    "allocated coach":                 (NONE,    NONE,     NONE,    NONE),
    "coach no longer allocated":       (NONE,    NONE,     NONE,    NONE),
    "unallocated coach":               (NONE,    NONE,     NONE,    NONE),
    "deactivated allocated coach":     (NONE,    NONE,     NONE,    NONE),
    "coordinator":                     (NONE,    NONE,     NONE,    NONE),
    "deactivated coordinator":         (NONE,    NONE,     NONE,    NONE),
}
CONSENT_TABLE = _flatten(_CONSENT_ROWS, CONSENT_STATES)


def test_consent_table_is_exhaustive():
    assert set(CONSENT_TABLE) == set(product(PER_PARTY_READERS, ConsentState))


@pytest.mark.parametrize(("reader", "state"), list(CONSENT_TABLE), ids=_ids(CONSENT_TABLE))
def test_own_consent_answers(reader, state):
    assert policy.own_consent_answers(PER_PARTY_READERS[reader], small_case(), PARTY_A, state) == \
        CONSENT_TABLE[reader, state]


@pytest.mark.parametrize(("reader", "state"), list(CONSENT_TABLE), ids=_ids(CONSENT_TABLE))
def test_no_consent_answers_on_a_closed_case(reader, state):
    closed = CaseFacts(case_id=SMALL_CASE, coach_ids=small_case().coach_ids,
                       party_users=small_case().party_users, closed=True)
    assert policy.own_consent_answers(PER_PARTY_READERS[reader], closed, PARTY_A, state) == NONE


# Party A's fee on their home page: (self-funded and a fee recorded, funded, no fee yet).
FEE_CASES = ("self-funded, fee recorded", "funded", "self-funded, no fee yet")
_FEE_FLAGS = {"self-funded, fee recorded": (True, True), "funded": (False, True),
              "self-funded, no fee yet": (True, False)}
#                                   recorded funded no fee
_FEE_ROWS = {
    "party A":                         (Y,      N,     N),
    "party B":                         (N,      N,     N),
    "deactivated party A":             (N,      N,     N),
    "party of another case":           (N,      N,     N),
    "allocated coach":                 (N,      N,     N),
    "coach no longer allocated":       (N,      N,     N),
    "unallocated coach":               (N,      N,     N),
    "deactivated allocated coach":     (N,      N,     N),
    "coordinator":                     (N,      N,     N),
    "deactivated coordinator":         (N,      N,     N),
}
FEE_TABLE = _flatten(_FEE_ROWS, FEE_CASES)


def test_fee_table_is_exhaustive():
    assert set(FEE_TABLE) == set(product(PER_PARTY_READERS, FEE_CASES))


@pytest.mark.parametrize(("reader", "case"), list(FEE_TABLE), ids=_ids(FEE_TABLE))
def test_shows_own_fee(reader, case):
    self_funded, recorded = _FEE_FLAGS[case]
    assert policy.shows_own_fee(PER_PARTY_READERS[reader], small_case(), PARTY_A,
                                self_funded=self_funded, fee_recorded=recorded) is \
        FEE_TABLE[reader, case]


# Where an agreement stands for party A (None: not theirs to see).
AGREEMENT_MOMENTS = ("draft", "proposed", "proposed, A accepted", "final", "superseded",
                     "proposed, case closed")
_MOMENT_FACTS = {  # moment -> (state, A accepted, case closed)
    "draft": ("draft", False, False),
    "proposed": ("proposed", False, False),
    "proposed, A accepted": ("proposed", True, False),
    "final": ("final", True, False),
    "superseded": ("superseded", True, False),
    "proposed, case closed": ("proposed", False, True),
}
_A_STANDING = (None, "your_answer", "accepted", "final", "superseded", "proposed")
_NOBODY = (None,) * len(AGREEMENT_MOMENTS)
_STANDING_ROWS = {
    "party A":                         _A_STANDING,
    "party B":                         _NOBODY,    # B asks about A's record: not theirs
    "deactivated party A":             _NOBODY,
    "party of another case":           _NOBODY,
    "allocated coach":                 _NOBODY,
    "coach no longer allocated":       _NOBODY,
    "unallocated coach":               _NOBODY,
    "deactivated allocated coach":     _NOBODY,
    "coordinator":                     _NOBODY,
    "deactivated coordinator":         _NOBODY,
}
STANDING_TABLE = _flatten(_STANDING_ROWS, AGREEMENT_MOMENTS)


def test_standing_table_is_exhaustive():
    assert set(STANDING_TABLE) == set(product(PER_PARTY_READERS, AGREEMENT_MOMENTS))


@pytest.mark.parametrize(("reader", "moment"), list(STANDING_TABLE), ids=_ids(STANDING_TABLE))
def test_agreement_standing(reader, moment):
    state, accepted, closed = _MOMENT_FACTS[moment]
    case = CaseFacts(case_id=SMALL_CASE, coach_ids=small_case().coach_ids,
                     party_users=small_case().party_users, closed=closed)
    facts = AgreementFacts(agreement_id=802, case_id=SMALL_CASE, state=state)
    assert policy.agreement_standing(PER_PARTY_READERS[reader], case, facts, PARTY_A,
                                     accepted=accepted) == STANDING_TABLE[reader, moment]


# --- deactivating and reactivating accounts -------------------------------------------------

PEOPLE = ("themselves", "another active account", "another deactivated account")
_PERSON = {
    "another active account": coach(60),
    "another deactivated account": coach(61, active=False),
}

#                                            themselves  active  deactivated   (deactivate)
_DEACTIVATE_ROWS = {
    "party":                                  (N,         N,      N),
    "coach":                                  (N,         N,      N),
    "coach flagged admin and lead":           (N,         N,      N),
    "coordinator":                            (N,         N,      N),
    "coordinator, safeguarding lead":         (N,         N,      N),
    "coordinator, administrator":             (N,         Y,      N),
    "party flagged admin":                    (N,         N,      N),
    "deactivated party":                      (N,         N,      N),
    "deactivated coach":                      (N,         N,      N),
    "deactivated coordinator, administrator": (N,         N,      N),
}
#                                            themselves  active  deactivated   (reactivate)
_REACTIVATE_ROWS = {
    "party":                                  (N,         N,      N),
    "coach":                                  (N,         N,      N),
    "coach flagged admin and lead":           (N,         N,      N),
    "coordinator":                            (N,         N,      N),
    "coordinator, safeguarding lead":         (N,         N,      N),
    "coordinator, administrator":             (N,         N,      Y),
    "party flagged admin":                    (N,         N,      N),
    "deactivated party":                      (N,         N,      N),
    "deactivated coach":                      (N,         N,      N),
    "deactivated coordinator, administrator": (N,         N,      N),
}
DEACTIVATE_TABLE = _flatten(_DEACTIVATE_ROWS, PEOPLE)
REACTIVATE_TABLE = _flatten(_REACTIVATE_ROWS, PEOPLE)


def test_deactivation_tables_are_exhaustive():
    assert set(DEACTIVATE_TABLE) == set(product(ACCOUNT_KINDS, PEOPLE))
    assert set(REACTIVATE_TABLE) == set(product(ACCOUNT_KINDS, PEOPLE))


def _person(account, who):
    return ACCOUNT_KINDS[account] if who == "themselves" else _PERSON[who]


@pytest.mark.parametrize(("account", "who"), list(DEACTIVATE_TABLE), ids=_ids(DEACTIVATE_TABLE))
def test_can_deactivate_user(account, who):
    assert policy.can_deactivate_user(ACCOUNT_KINDS[account], _person(account, who)) is \
        DEACTIVATE_TABLE[account, who]


@pytest.mark.parametrize(("account", "who"), list(REACTIVATE_TABLE), ids=_ids(REACTIVATE_TABLE))
def test_can_reactivate_user(account, who):
    assert policy.can_reactivate_user(ACCOUNT_KINDS[account], _person(account, who)) is \
        REACTIVATE_TABLE[account, who]


#                                            themselves  others, with it  others, without it
_RESET_SECOND_FACTOR_ROWS = {
    "party":                                  (N,         N,               N),
    "coach":                                  (N,         N,               N),
    "coach flagged admin and lead":           (N,         N,               N),
    "coordinator":                            (N,         N,               N),
    "coordinator, safeguarding lead":         (N,         N,               N),
    "coordinator, administrator":             (N,         Y,               N),
    "party flagged admin":                    (N,         N,               N),
    "deactivated party":                      (N,         N,               N),
    "deactivated coach":                      (N,         N,               N),
    "deactivated coordinator, administrator": (N,         N,               N),
}


@pytest.mark.parametrize("account", list(_RESET_SECOND_FACTOR_ROWS))
def test_can_reset_second_factor(account):
    """An administrator resets another person's second factor (one they have), never their own."""
    actor, other = ACCOUNT_KINDS[account], _PERSON["another active account"]
    themselves, with_it, without_it = _RESET_SECOND_FACTOR_ROWS[account]
    assert policy.can_reset_second_factor(actor, actor, True) is themselves
    assert policy.can_reset_second_factor(actor, other, True) is with_it
    assert policy.can_reset_second_factor(actor, other, False) is without_it


def test_the_reset_table_names_every_kind_of_account():
    assert set(_RESET_SECOND_FACTOR_ROWS) == set(ACCOUNT_KINDS)


# --- a case's life after it closes ----------------------------------------------------------
# The one rule a closed case bends: an agreement's terms run on after the case closes.

def closed_small_case(kind="mediation"):
    return CaseFacts(case_id=SMALL_CASE, coach_ids=small_case().coach_ids,
                     party_users=small_case().party_users, closed=True, kind=kind)


AFTER_CLOSE = ("open case", "closed, term of a final agreement", "closed, set by staff")
_AFTER_CLOSE_CASE = {"open case": (False, False), "closed, term of a final agreement": (True, True),
                     "closed, set by staff": (True, False)}
# Party A's own action point: who may mark it done and comment on it.
#                                    open  closed+term  closed+staff's
_OWN_POINT_ROWS = {
    "party A":                         (Y,   Y,          N),
    "party B":                         (N,   N,          N),
    "deactivated party A":             (N,   N,          N),
    "party of another case":           (N,   N,          N),
    "allocated coach":                 (N,   N,          N),
    "coach no longer allocated":       (N,   N,          N),
    "unallocated coach":               (N,   N,          N),
    "deactivated allocated coach":     (N,   N,          N),
    "coordinator":                     (N,   N,          N),
    "deactivated coordinator":         (N,   N,          N),
}
OWN_POINT_TABLE = _flatten(_OWN_POINT_ROWS, AFTER_CLOSE)


def test_own_point_table_is_exhaustive():
    assert set(OWN_POINT_TABLE) == set(product(PER_PARTY_READERS, AFTER_CLOSE))


@pytest.mark.parametrize(("reader", "when"), list(OWN_POINT_TABLE), ids=_ids(OWN_POINT_TABLE))
def test_can_update_own_action_point_after_close(reader, when):
    closed, from_term = _AFTER_CLOSE_CASE[when]
    case = closed_small_case() if closed else small_case()
    item = PartyItemFacts(case_id=SMALL_CASE, party_id=PARTY_A)
    assert policy.can_update_own_action_point(PER_PARTY_READERS[reader], case, item,
                                              from_final_agreement=from_term) is \
        OWN_POINT_TABLE[reader, when]
    # Staff still change nothing on a closed case, a term or not.
    if closed:
        for done, term in product((False, True), repeat=2):
            assert policy.can_change_action_point(PER_PARTY_READERS[reader], case, item, done=done,
                                                  from_agreement=term) is False


@pytest.mark.parametrize("reader", list(PER_PARTY_READERS))
def test_a_term_elsewhere_is_not_updated_through_this_case(reader):
    item = PartyItemFacts(case_id=CASE, party_id=PARTY_A)
    assert policy.can_update_own_action_point(PER_PARTY_READERS[reader], closed_small_case(), item,
                                              from_final_agreement=True) is False


# Recording the review of a final agreement, on an open or a closed case (not yet reviewed).
#                                    open  closed
_REVIEW_ROWS = {
    "party A":                         (N,   N),
    "party B":                         (N,   N),
    "deactivated party A":             (N,   N),
    "party of another case":           (N,   N),
    "allocated coach":                 (Y,   Y),
    "coach no longer allocated":       (N,   N),
    "unallocated coach":               (N,   N),
    "deactivated allocated coach":     (N,   N),
    "coordinator":                     (Y,   Y),
    "deactivated coordinator":         (N,   N),
}
REVIEW_TABLE = _flatten(_REVIEW_ROWS, ("open", "closed"))


def test_review_table_is_exhaustive():
    assert set(REVIEW_TABLE) == set(product(PER_PARTY_READERS, ("open", "closed")))


@pytest.mark.parametrize(("reader", "when"), list(REVIEW_TABLE), ids=_ids(REVIEW_TABLE))
def test_can_record_agreement_review(reader, when):
    case = closed_small_case() if when == "closed" else small_case()
    actor = PER_PARTY_READERS[reader]
    for state in AgreementState:
        agreement = AgreementFacts(agreement_id=1, case_id=SMALL_CASE, state=state)
        expected = REVIEW_TABLE[reader, when] and state == AgreementState.FINAL
        assert policy.can_record_agreement_review(actor, case, agreement, reviewed=False) is expected
        # Recorded once: a second review is a new agreement's business.
        assert policy.can_record_agreement_review(actor, case, agreement, reviewed=True) is False
    elsewhere = AgreementFacts(agreement_id=2, case_id=CASE, state=AgreementState.FINAL)
    assert policy.can_record_agreement_review(actor, case, elsewhere, reviewed=False) is False
    # Everything else on the closed case stays read-only.
    if when == "closed":
        assert policy.can_change_case(actor, case) is False
        assert policy.can_write_note(actor, case) is False


# Answering post-mediation coaching offered to party A (on the coaching case it opened).
#                                    waiting  answered
_OFFER_ROWS = {
    "party A":                         (Y,      N),
    "party B":                         (N,      N),
    "deactivated party A":             (N,      N),
    "party of another case":           (N,      N),
    "allocated coach":                 (N,      N),
    "coach no longer allocated":       (N,      N),
    "unallocated coach":               (N,      N),
    "deactivated allocated coach":     (N,      N),
    "coordinator":                     (N,      N),
    "deactivated coordinator":         (N,      N),
}
OFFER_TABLE = _flatten(_OFFER_ROWS, ("waiting", "answered"))


def test_offer_table_is_exhaustive():
    assert set(OFFER_TABLE) == set(product(PER_PARTY_READERS, ("waiting", "answered")))


@pytest.mark.parametrize(("reader", "when"), list(OFFER_TABLE), ids=_ids(OFFER_TABLE))
def test_can_answer_coaching_offer(reader, when):
    actor = PER_PARTY_READERS[reader]
    coaching = CaseFacts(case_id=SMALL_CASE, coach_ids=small_case().coach_ids,
                         party_users=small_case().party_users, kind="coaching")
    waiting = when == "waiting"
    assert policy.can_answer_coaching_offer(actor, coaching, PARTY_A, waiting=waiting) is \
        OFFER_TABLE[reader, when]
    # Not on a mediation, not once the coaching case has closed, never for another party.
    assert policy.can_answer_coaching_offer(actor, small_case(), PARTY_A, waiting=waiting) is False
    assert policy.can_answer_coaching_offer(actor, closed_small_case("coaching"), PARTY_A,
                                            waiting=waiting) is False
    assert policy.can_answer_coaching_offer(actor, coaching, PARTY_B, waiting=waiting) is \
        (reader == "party B" and waiting)
