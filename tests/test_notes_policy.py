"""The rules added for notes, with hand-written expectations: editing, deleting or withdrawing,
history, consent to shares, and the words about who can read a note. Pure facts, no database."""

import pytest

from portal import policy
from portal.policy import Actor, CaseFacts, NoteFacts

AUTHOR, OTHER_COACH, FORMER_COACH, COORDINATOR = 10, 11, 12, 20
SOURCE_USER, OTHER_USER = 30, 31
SOURCE, OTHER, THIRD = 200, 201, 202
CASE = 1

author = Actor(AUTHOR, policy.COACH)
other_coach = Actor(OTHER_COACH, policy.COACH)
former = Actor(FORMER_COACH, policy.COACH)
coordinator = Actor(COORDINATOR, policy.COORDINATOR)
source_user = Actor(SOURCE_USER, policy.PARTY)
other_user = Actor(OTHER_USER, policy.PARTY)


def case(closed=False):
    return CaseFacts(case_id=CASE, coach_ids=frozenset({AUTHOR, OTHER_COACH}),
                     party_users={SOURCE: SOURCE_USER, OTHER: OTHER_USER, THIRD: None}, closed=closed)


def note(audience=policy.PARTIES, shares=None, source=SOURCE, withdrawn=False, author_id=AUTHOR):
    return NoteFacts(note_id=5, case_id=CASE, author_id=author_id, audience=audience,
                     shares=shares or {}, source_party_id=source, withdrawn=withdrawn)


# Was a party ever able to read it? (shares -> answer)
WAS_SHARED = [
    ({}, False),
    ({OTHER: policy.SHARE_WAITING}, False),
    ({OTHER: policy.SHARE_REFUSED}, False),
    ({OTHER: policy.SHARE_GIVEN}, True),
    ({OTHER: policy.SHARE_WITHDRAWN}, True),
    ({SOURCE: policy.SHARE_NOT_NEEDED}, True),
    ({OTHER: policy.SHARE_WAITING, SOURCE: policy.SHARE_NOT_NEEDED}, True),
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
    assert policy.note_was_shared(note(audience=policy.STAFF, shares={OTHER: policy.SHARE_GIVEN})) is False


@pytest.mark.parametrize("actor, the_case, n, allowed", [
    (author, case(), note(), True),
    (other_coach, case(), note(), False),
    (coordinator, case(), note(), False),
    (former, case(), note(author_id=FORMER_COACH), False),  # no longer on the case
    (Actor(AUTHOR, policy.COACH, active=False), case(), note(), False),
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
    shared = note(shares={OTHER: policy.SHARE_GIVEN})
    assert policy.can_view_note_history(coordinator, case(), shared) is True
    assert policy.can_view_note_history(other_user, case(), shared) is False
    private = note(audience=policy.PRIVATE)
    assert policy.can_view_note_history(author, case(), private) is True
    assert policy.can_view_note_history(coordinator, case(), private) is False


# --- consent --------------------------------------------------------------------------------

@pytest.mark.parametrize("state, answers", [
    (policy.SHARE_WAITING, {policy.SHARE_GIVEN, policy.SHARE_REFUSED}),
    (policy.SHARE_GIVEN, {policy.SHARE_WITHDRAWN}),
    (policy.SHARE_REFUSED, set()),
    (policy.SHARE_WITHDRAWN, set()),
    (policy.SHARE_NOT_NEEDED, set()),
])
def test_consent_answers_by_state(state, answers):
    assert set(policy.share_consent_answers(state)) == answers


def test_an_unknown_share_state_raises():
    with pytest.raises(policy.PolicyError):
        policy.share_consent_answers("maybe")


@pytest.mark.parametrize("actor, state, sees", [
    (source_user, policy.SHARE_WAITING, True),
    (source_user, policy.SHARE_GIVEN, True),
    (source_user, policy.SHARE_REFUSED, False),
    (source_user, policy.SHARE_WITHDRAWN, False),
    (other_user, policy.SHARE_WAITING, False),
    (Actor(SOURCE_USER, policy.PARTY, active=False), policy.SHARE_WAITING, False),
    (author, policy.SHARE_WAITING, False),
])
def test_the_source_party_sees_a_request_about_their_words(actor, state, sees):
    n = note(shares={OTHER: state})
    assert policy.can_view_share_request(actor, case(), n, OTHER) is sees


def test_no_request_about_a_withdrawn_note_or_a_share_with_the_source_party():
    assert policy.can_view_share_request(source_user, case(), note(
        shares={OTHER: policy.SHARE_WAITING}, withdrawn=True), OTHER) is False
    assert policy.can_view_share_request(source_user, case(), note(
        shares={SOURCE: policy.SHARE_NOT_NEEDED}), SOURCE) is False


@pytest.mark.parametrize("actor, the_case, state, record, ask_again", [
    (author, case(), policy.SHARE_WAITING, True, False),
    (other_coach, case(), policy.SHARE_GIVEN, True, False),
    (author, case(), policy.SHARE_REFUSED, False, True),
    (author, case(), policy.SHARE_WITHDRAWN, False, True),
    (coordinator, case(), policy.SHARE_WAITING, False, False),
    (former, case(), policy.SHARE_REFUSED, False, False),
    (author, case(closed=True), policy.SHARE_WAITING, False, False),
    (source_user, case(), policy.SHARE_WAITING, False, False),
])
def test_coaches_record_consent_and_ask_again(actor, the_case, state, record, ask_again):
    n = note(shares={OTHER: state})
    assert policy.can_record_share_consent(actor, the_case, n, OTHER) is record
    assert policy.can_ask_share_again(actor, the_case, n, OTHER) is ask_again


def test_no_consent_to_record_without_a_source_party_or_for_their_own_share():
    assert policy.can_record_share_consent(author, case(), note(
        shares={OTHER: policy.SHARE_WAITING}, source=None), OTHER) is False
    assert policy.can_record_share_consent(author, case(), note(
        shares={SOURCE: policy.SHARE_NOT_NEEDED}), SOURCE) is False


# --- who can read it ------------------------------------------------------------------------

@pytest.mark.parametrize("audience, coaches, coordinators, shares", [
    (policy.PRIVATE, False, False, {}),
    (policy.CASE_TEAM, True, False, {}),
    (policy.STAFF, True, True, {}),
    (policy.PARTIES, True, True, {SOURCE: policy.SHARE_NOT_NEEDED, OTHER: policy.SHARE_WAITING}),
])
def test_note_readers(audience, coaches, coordinators, shares):
    assert policy.note_readers(audience, SOURCE, (SOURCE, OTHER)) == {
        "case_coaches": coaches, "coordinators": coordinators, "shares": shares}


def test_note_readers_without_a_source_party_need_no_consent():
    assert policy.note_readers(policy.PARTIES, None, (OTHER,))["shares"] == {
        OTHER: policy.SHARE_NOT_NEEDED}


def test_a_share_with_a_party_of_another_case_is_never_a_request():
    elsewhere = 299
    n = note(shares={elsewhere: policy.SHARE_WAITING})
    assert policy.can_view_share_request(source_user, case(), n, elsewhere) is False
    assert policy.can_record_share_consent(author, case(), n, elsewhere) is False
    refused = note(shares={elsewhere: policy.SHARE_REFUSED})
    assert policy.can_ask_share_again(author, case(), refused, elsewhere) is False


# --- whether a share lets its party in ------------------------------------------------------
# (share state, the note's source party, whose share) -> visible. "not_needed" is believed only
# for the source party's own share or a note without a source party.

@pytest.mark.parametrize("state, source, visible", [
    (policy.SHARE_GIVEN, SOURCE, True),
    (policy.SHARE_WAITING, SOURCE, False),
    (policy.SHARE_REFUSED, SOURCE, False),
    (policy.SHARE_WITHDRAWN, SOURCE, False),
    (policy.SHARE_NOT_NEEDED, SOURCE, False),     # another party's words: consent is needed
    (policy.SHARE_NOT_NEEDED, None, True),
    (policy.SHARE_NOT_NEEDED, OTHER, True),       # their own words
    (policy.SHARE_GIVEN, None, True),
    (None, None, False),                          # not named at all
])
def test_a_share_lets_its_party_in(state, source, visible):
    n = note(shares={} if state is None else {OTHER: state}, source=source)
    assert policy.share_is_visible(n, OTHER) is visible
    assert policy.note_is_shared(n) is visible
    assert policy.share_is_visible(n, THIRD) is False   # never anyone else


def test_a_note_is_not_shared_once_withdrawn_or_outside_the_party_audience():
    assert policy.note_is_shared(note(shares={OTHER: policy.SHARE_GIVEN}, withdrawn=True)) is False
    assert policy.note_is_shared(note(audience=policy.STAFF, shares={OTHER: policy.SHARE_GIVEN})) is False


@pytest.mark.parametrize("actor, n, answers", [
    (source_user, note(shares={OTHER: policy.SHARE_WAITING}), True),
    (source_user, note(shares={OTHER: policy.SHARE_WAITING}, withdrawn=True), False),
    (source_user, note(shares={OTHER: policy.SHARE_WAITING}, source=None), False),
    (other_user, note(shares={OTHER: policy.SHARE_WAITING}), False),
    (Actor(SOURCE_USER, policy.PARTY, active=False), note(shares={OTHER: policy.SHARE_WAITING}), False),
    (author, note(shares={OTHER: policy.SHARE_WAITING}), False),
    (coordinator, note(shares={OTHER: policy.SHARE_WAITING}), False),
])
def test_only_the_source_party_answers_for_their_words(actor, n, answers):
    assert policy.can_answer_share_consent(actor, case(), n) is answers
