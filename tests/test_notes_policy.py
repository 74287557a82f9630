"""The rules added for notes, with hand-written expectations: editing, deleting or withdrawing,
history, consent to shares, and the words about who can read a note. Pure facts, no database."""

import pytest

from portal import policy
from portal.policy import Actor, CaseFacts, NoteFacts
from portal.vocab import Audience, Role, ShareState

AUTHOR, OTHER_COACH, FORMER_COACH, COORDINATOR = 10, 11, 12, 20
SOURCE_USER, OTHER_USER = 30, 31
SOURCE, OTHER, THIRD = 200, 201, 202
CASE = 1

author = Actor(AUTHOR, Role.COACH)
other_coach = Actor(OTHER_COACH, Role.COACH)
former = Actor(FORMER_COACH, Role.COACH)
coordinator = Actor(COORDINATOR, Role.COORDINATOR)
source_user = Actor(SOURCE_USER, Role.PARTY)
other_user = Actor(OTHER_USER, Role.PARTY)


def case(closed=False):
    return CaseFacts(case_id=CASE, coach_ids=frozenset({AUTHOR, OTHER_COACH}),
                     party_users={SOURCE: SOURCE_USER, OTHER: OTHER_USER, THIRD: None}, closed=closed)


def note(audience=Audience.PARTIES, shares=None, source=SOURCE, withdrawn=False, author_id=AUTHOR):
    return NoteFacts(note_id=5, case_id=CASE, author_id=author_id, audience=audience,
                     shares=shares or {}, source_party_id=source, withdrawn=withdrawn)


# Was a party ever able to read it? (shares -> answer)
WAS_SHARED = [
    ({}, False),
    ({OTHER: ShareState.WAITING}, False),
    ({OTHER: ShareState.REFUSED}, False),
    ({OTHER: ShareState.GIVEN}, True),
    ({OTHER: ShareState.WITHDRAWN}, True),
    ({SOURCE: ShareState.NOT_NEEDED}, True),
    ({OTHER: ShareState.WAITING, SOURCE: ShareState.NOT_NEEDED}, True),
]


@pytest.mark.parametrize("shares, was_shared", WAS_SHARED)
def test_delete_until_a_party_may_have_read_it_then_withdraw(shares, was_shared):
    n = note(shares=shares)
    assert policy.note_was_shared(n) is was_shared
    assert policy.edit_makes_revision(n) is was_shared
    assert policy.can_delete_note(author, case(), n) is (not was_shared)
    assert policy.can_withdraw_note(author, case(), n) is was_shared
    assert policy.can_edit_note(author, case(), n) is True


def test_shares_of_a_note_not_shown_to_parties_do_not_count():
    assert policy.note_was_shared(note(audience=Audience.STAFF, shares={OTHER: ShareState.GIVEN})) is False


@pytest.mark.parametrize("actor, the_case, n, allowed", [
    (author, case(), note(), True),
    (other_coach, case(), note(), False),
    (coordinator, case(), note(), False),
    (former, case(), note(author_id=FORMER_COACH), False),  # no longer on the case
    (Actor(AUTHOR, Role.COACH, active=False), case(), note(), False),
    (author, case(closed=True), note(), False),
    (author, case(), note(withdrawn=True), False),
])
def test_only_the_author_on_the_open_case_changes_a_note_not_yet_withdrawn(actor, the_case, n, allowed):
    assert policy.can_edit_note(actor, the_case, n) is allowed
    assert policy.can_delete_note(actor, the_case, n) is allowed


def test_a_note_read_under_the_override_is_kept():
    assert policy.can_delete_note(author, case(), note(), override_read=True) is False


def test_writing_needs_an_allocated_coach_on_an_open_case():
    assert policy.can_write_note(author, case()) is True
    assert policy.can_write_note(coordinator, case()) is False
    assert policy.can_write_note(author, case(closed=True)) is False
    assert policy.can_write_note(former, case()) is False


def test_history_is_for_staff_who_can_read_the_note():
    shared = note(shares={OTHER: ShareState.GIVEN})
    assert policy.can_view_note_history(coordinator, case(), shared) is True
    assert policy.can_view_note_history(other_user, case(), shared) is False
    private = note(audience=Audience.PRIVATE)
    assert policy.can_view_note_history(author, case(), private) is True
    assert policy.can_view_note_history(coordinator, case(), private) is False


# --- consent --------------------------------------------------------------------------------

@pytest.mark.parametrize("state, answers", [
    (ShareState.WAITING, {ShareState.GIVEN, ShareState.REFUSED}),
    (ShareState.GIVEN, {ShareState.WITHDRAWN}),
    (ShareState.REFUSED, set()),
    (ShareState.WITHDRAWN, set()),
    (ShareState.NOT_NEEDED, set()),
])
def test_consent_answers_by_state(state, answers):
    assert set(policy.share_consent_answers(state)) == answers


def test_an_unknown_share_state_raises():
    with pytest.raises(policy.PolicyError):
        policy.share_consent_answers("maybe")


@pytest.mark.parametrize("actor, state, sees", [
    (source_user, ShareState.WAITING, True),
    (source_user, ShareState.GIVEN, True),
    (source_user, ShareState.REFUSED, False),
    (source_user, ShareState.WITHDRAWN, False),
    (other_user, ShareState.WAITING, False),
    (Actor(SOURCE_USER, Role.PARTY, active=False), ShareState.WAITING, False),
    (author, ShareState.WAITING, False),
])
def test_the_source_party_sees_a_request_about_their_words(actor, state, sees):
    n = note(shares={OTHER: state})
    assert policy.can_view_share_request(actor, case(), n, OTHER) is sees


def test_no_request_about_a_withdrawn_note_or_a_share_with_the_source_party():
    assert policy.can_view_share_request(source_user, case(), note(
        shares={OTHER: ShareState.WAITING}, withdrawn=True), OTHER) is False
    assert policy.can_view_share_request(source_user, case(), note(
        shares={SOURCE: ShareState.NOT_NEEDED}), SOURCE) is False


@pytest.mark.parametrize("actor, the_case, state, record, ask_again", [
    (author, case(), ShareState.WAITING, True, False),
    (other_coach, case(), ShareState.GIVEN, True, False),
    (author, case(), ShareState.REFUSED, False, True),
    (author, case(), ShareState.WITHDRAWN, False, True),
    (coordinator, case(), ShareState.WAITING, False, False),
    (former, case(), ShareState.REFUSED, False, False),
    (author, case(closed=True), ShareState.WAITING, False, False),
    (source_user, case(), ShareState.WAITING, False, False),
])
def test_coaches_record_consent_and_ask_again(actor, the_case, state, record, ask_again):
    n = note(shares={OTHER: state})
    assert policy.can_record_share_consent(actor, the_case, n, OTHER) is record
    assert policy.can_ask_share_again(actor, the_case, n, OTHER) is ask_again


def test_no_consent_to_record_without_a_source_party_or_for_their_own_share():
    assert policy.can_record_share_consent(author, case(), note(
        shares={OTHER: ShareState.WAITING}, source=None), OTHER) is False
    assert policy.can_record_share_consent(author, case(), note(
        shares={SOURCE: ShareState.NOT_NEEDED}), SOURCE) is False


# --- who can read it ------------------------------------------------------------------------

@pytest.mark.parametrize("audience, coaches, coordinators, shares", [
    (Audience.PRIVATE, False, False, {}),
    (Audience.CASE_TEAM, True, False, {}),
    (Audience.STAFF, True, True, {}),
    (Audience.PARTIES, True, True, {SOURCE: ShareState.NOT_NEEDED, OTHER: ShareState.WAITING}),
])
def test_note_readers(audience, coaches, coordinators, shares):
    assert policy.note_readers(audience, SOURCE, (SOURCE, OTHER)) == {
        "case_coaches": coaches, "coordinators": coordinators, "shares": shares}


def test_note_readers_without_a_source_party_need_no_consent():
    assert policy.note_readers(Audience.PARTIES, None, (OTHER,))["shares"] == {
        OTHER: ShareState.NOT_NEEDED}


def test_a_share_with_a_party_of_another_case_is_never_a_request():
    elsewhere = 299
    n = note(shares={elsewhere: ShareState.WAITING})
    assert policy.can_view_share_request(source_user, case(), n, elsewhere) is False
    assert policy.can_record_share_consent(author, case(), n, elsewhere) is False
    refused = note(shares={elsewhere: ShareState.REFUSED})
    assert policy.can_ask_share_again(author, case(), refused, elsewhere) is False


# --- whether a share lets its party in ------------------------------------------------------
# (share state, the note's source party, whose share) -> visible. "not_needed" is believed only
# for the source party's own share or a note without a source party.

@pytest.mark.parametrize("state, source, visible", [
    (ShareState.GIVEN, SOURCE, True),
    (ShareState.WAITING, SOURCE, False),
    (ShareState.REFUSED, SOURCE, False),
    (ShareState.WITHDRAWN, SOURCE, False),
    (ShareState.NOT_NEEDED, SOURCE, False),     # another party's words: consent is needed
    (ShareState.NOT_NEEDED, None, True),
    (ShareState.NOT_NEEDED, OTHER, True),       # their own words
    (ShareState.GIVEN, None, True),
    (None, None, False),                          # not named at all
])
def test_a_share_lets_its_party_in(state, source, visible):
    n = note(shares={} if state is None else {OTHER: state}, source=source)
    assert policy.share_is_visible(n, OTHER) is visible
    assert policy.note_is_shared(n) is visible
    assert policy.share_is_visible(n, THIRD) is False   # never anyone else


def test_a_note_is_not_shared_once_withdrawn_or_outside_the_party_audience():
    assert policy.note_is_shared(note(shares={OTHER: ShareState.GIVEN}, withdrawn=True)) is False
    assert policy.note_is_shared(note(audience=Audience.STAFF, shares={OTHER: ShareState.GIVEN})) is False


@pytest.mark.parametrize("actor, n, answers", [
    (source_user, note(shares={OTHER: ShareState.WAITING}), True),
    (source_user, note(shares={OTHER: ShareState.WAITING}, withdrawn=True), False),
    (source_user, note(shares={OTHER: ShareState.WAITING}, source=None), False),
    (other_user, note(shares={OTHER: ShareState.WAITING}), False),
    (Actor(SOURCE_USER, Role.PARTY, active=False), note(shares={OTHER: ShareState.WAITING}), False),
    (author, note(shares={OTHER: ShareState.WAITING}), False),
    (coordinator, note(shares={OTHER: ShareState.WAITING}), False),
])
def test_only_the_source_party_answers_for_their_words(actor, n, answers):
    assert policy.can_answer_share_consent(actor, case(), n) is answers
