"""The safeguarding rules as pure functions: overdue marking, the lead's moves, addenda."""

from datetime import timedelta

import pytest

from portal import policy
from portal.policy import Actor, CaseFacts, ConcernFacts
from portal.vocab import ConcernLevel, ConcernState, Role

LIMITS = policy.concern_ack_limits(60, 24)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize("level, age, overdue", [
    ("immediate", timedelta(minutes=59), False),
    ("immediate", timedelta(minutes=60), False),  # exactly at the limit is still in time
    ("immediate", timedelta(minutes=60) + SECOND, True),
    ("immediate", timedelta(minutes=61), True),
    ("high", timedelta(hours=23, minutes=59), False),
    ("high", timedelta(hours=24), False),
    ("high", timedelta(hours=24) + SECOND, True),
    ("high", timedelta(hours=24, minutes=1), True),
    ("medium", timedelta(days=365), False),
    ("low", timedelta(days=365), False),
])
def test_is_overdue_at_the_boundaries(level, age, overdue):
    assert policy.is_overdue(level, False, age, LIMITS) is overdue


@pytest.mark.parametrize("level", ConcernLevel)
def test_an_acknowledged_concern_is_never_overdue(level):
    assert policy.is_overdue(level, True, timedelta(days=1000), LIMITS) is False


def test_the_limits_follow_the_configuration():
    limits = policy.concern_ack_limits(15, 4)
    assert policy.is_overdue("immediate", False, timedelta(minutes=16), limits)
    assert not policy.is_overdue("immediate", False, timedelta(minutes=14), limits)
    assert policy.is_overdue("high", False, timedelta(hours=4, minutes=1), limits)


def test_an_unknown_level_fails_loudly():
    with pytest.raises(policy.PolicyError):
        policy.is_overdue("urgent", False, timedelta(0), LIMITS)


def test_the_levels_run_from_most_to_least_urgent():
    assert ConcernLevel.values() == ("immediate", "high", "medium", "low")


@pytest.mark.parametrize("state, moves", [
    (ConcernState.OPEN, {"acknowledge", "action", "close"}),
    (ConcernState.ACKNOWLEDGED, {"action", "close"}),
    (ConcernState.CLOSED, {"reopen"}),
])
def test_the_leads_moves_follow_the_state(state, moves):
    facts = ConcernFacts(concern_id=1, case_id=1, raised_by_id=5, state=state)
    assert policy.concern_moves(facts) == moves


CASE = CaseFacts(case_id=1, coach_ids=frozenset({5, 6}), party_users={100: 50})
READERS = {
    "raising coach": Actor(5, Role.COACH),
    "other coach on the case": Actor(6, Role.COACH),
    "former coach who raised it": Actor(7, Role.COACH),
    "unallocated coach": Actor(8, Role.COACH),
    "coordinator": Actor(9, Role.COORDINATOR),
    "lead": Actor(10, Role.COORDINATOR, safeguarding_lead=True),
    "deactivated coordinator": Actor(11, Role.COORDINATOR, active=False),
    "party on the case": Actor(50, Role.PARTY),
}
ADDENDUM = {"raising coach": True, "other coach on the case": True, "former coach who raised it": True,
            "unallocated coach": False, "coordinator": True, "lead": True,
            "deactivated coordinator": False, "party on the case": False}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("state", ConcernState)
def test_who_may_add_an_addendum(reader, state):
    raiser = 7 if reader == "former coach who raised it" else 5
    concern = ConcernFacts(concern_id=1, case_id=1, raised_by_id=raiser, state=state)
    assert policy.can_add_addendum(READERS[reader], CASE, concern) is ADDENDUM[reader]


@pytest.mark.parametrize("reader", list(READERS))
def test_only_an_active_coordinator_with_the_duty_acts_as_lead(reader):
    assert policy.can_act_on_concern(READERS[reader]) is (reader == "lead")
