"""The agreement rules, as hand-written tables: who drafts, changes, proposes, starts a new
version, answers, records an in-person acceptance and reads a request for a change. Pure facts."""

import pytest

from portal import policy
from portal.policy import Actor, AgreementFacts, CaseFacts
from portal.vocab import AgreementState, Role

CASE, OTHER_CASE = 1, 2
COACH, FORMER_COACH, COORDINATOR = 10, 11, 20
ALEX_USER, BEA_USER, OUTSIDER_USER = 30, 31, 32
ALEX, BEA, NO_ACCOUNT = 200, 201, 202

coach = Actor(COACH, Role.COACH)
former = Actor(FORMER_COACH, Role.COACH)
deactivated_coach = Actor(COACH, Role.COACH, active=False)
coordinator = Actor(COORDINATOR, Role.COORDINATOR)
alex = Actor(ALEX_USER, Role.PARTY)
bea = Actor(BEA_USER, Role.PARTY)
outsider = Actor(OUTSIDER_USER, Role.PARTY)

ACTORS = {"coach": coach, "former coach": former, "deactivated coach": deactivated_coach,
          "coordinator": coordinator, "alex": alex, "bea": bea, "outsider": outsider}


def case(closed=False, kind="mediation"):
    return CaseFacts(case_id=CASE, coach_ids=frozenset({COACH}),
                     party_users={ALEX: ALEX_USER, BEA: BEA_USER, NO_ACCOUNT: None},
                     closed=closed, kind=kind)


def agreement(state, case_id=CASE):
    return AgreementFacts(agreement_id=7, case_id=case_id, state=state)


D, P, F, S = (AgreementState.DRAFT, AgreementState.PROPOSED, AgreementState.FINAL,
              AgreementState.SUPERSEDED)

# actor -> the states in which they may (view, edit, revise, answer for their own record)
TABLE = {
    "coach":             ({D, P, F, S}, {D}, {P, F}, set()),
    "former coach":      (set(), set(), set(), set()),
    "deactivated coach": (set(), set(), set(), set()),
    "coordinator":       ({D, P, F, S}, set(), set(), set()),
    "alex":              ({P, F, S}, set(), set(), {P}),
    "bea":               ({P, F, S}, set(), set(), {P}),
    "outsider":          (set(), set(), set(), set()),
}
OWN_RECORD = {"alex": ALEX, "bea": BEA}


@pytest.mark.parametrize("name", TABLE)
@pytest.mark.parametrize("state", AgreementState)
def test_the_agreement_table(name, state):
    actor, a = ACTORS[name], agreement(state)
    view, edit, revise, answer = TABLE[name]
    assert policy.can_view_agreement(actor, case(), a) is (state in view)
    assert policy.can_edit_agreement(actor, case(), a) is (state in edit)
    assert policy.can_propose_agreement(actor, case(), a) is (state in edit)
    assert policy.can_revise_agreement(actor, case(), a) is (state in revise)
    party_id = OWN_RECORD.get(name, ALEX)
    assert policy.can_answer_agreement(actor, case(), a, party_id) is (state in answer)


@pytest.mark.parametrize("state", AgreementState)
def test_nothing_across_cases(state):
    other = agreement(state, case_id=OTHER_CASE)
    for actor in ACTORS.values():
        assert policy.can_view_agreement(actor, case(), other) is False
        assert policy.can_edit_agreement(actor, case(), other) is False
        assert policy.can_revise_agreement(actor, case(), other) is False


def test_a_party_answers_only_for_themselves():
    assert policy.can_answer_agreement(alex, case(), agreement(P), BEA) is False
    assert policy.can_answer_agreement(bea, case(), agreement(P), ALEX) is False


def test_a_closed_case_freezes_drafting_and_answers():
    closed = case(closed=True)
    assert policy.can_edit_agreement(coach, closed, agreement(D)) is False
    assert policy.can_revise_agreement(coach, closed, agreement(F)) is False
    assert policy.can_answer_agreement(alex, closed, agreement(P), ALEX) is False
    assert policy.can_view_agreement(alex, closed, agreement(F)) is True


def test_drafting_is_for_a_coach_on_an_open_mediation_case():
    assert policy.can_draft_agreement(coach, case()) is True
    assert policy.can_draft_agreement(coach, case(kind="coaching")) is False
    assert policy.can_draft_agreement(coach, case(closed=True)) is False
    for actor in (coordinator, former, deactivated_coach, alex):
        assert policy.can_draft_agreement(actor, case()) is False


@pytest.mark.parametrize("actor, party_id, state, allowed", [
    (coach, NO_ACCOUNT, P, True),
    (coach, ALEX, P, False),          # a party with an account answers for themselves
    (coach, NO_ACCOUNT, D, False),
    (coach, NO_ACCOUNT, F, False),
    (coordinator, NO_ACCOUNT, P, False),
    (former, NO_ACCOUNT, P, False),
    (alex, NO_ACCOUNT, P, False),
])
def test_recording_an_acceptance_given_in_person(actor, party_id, state, allowed):
    assert policy.can_record_agreement_acceptance(actor, case(), agreement(state),
                                                  party_id) is allowed


@pytest.mark.parametrize("actor, party_id, allowed", [
    (coach, ALEX, True), (coordinator, BEA, True),
    (alex, ALEX, True), (alex, BEA, False), (bea, ALEX, False),
    (outsider, ALEX, False), (former, ALEX, False),
])
def test_a_request_for_a_change_is_read_by_staff_and_its_party(actor, party_id, allowed):
    assert policy.can_view_agreement_change_request(actor, case(), agreement(P),
                                                    party_id) is allowed
