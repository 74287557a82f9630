"""Where a case stands: its `Stage`, worked out from plain facts, in one place.

`case_stage` is the rule; `portal.queries.case_stage_sql` is the same rule as one SQL
expression, for the case list's stage filter and column (tests/test_stages.py checks on
generated cases that the two always agree). The rules, first match wins:

1. the case is closed: **closed**;
2. an agreement on the case is proposed (waiting for the parties' answers, a first version or a
   revision of a final one): **agreement proposed**;
3. an agreement on the case is final: **agreement final**;
4. a party has not given consent (pending, declined or withdrawn), or the case has no party yet:
   **waiting for consent**;
5. no coach is allocated now: **waiting for a coach**;
6. a session is booked or has taken place (any session not cancelled): **in progress**;
7. otherwise (consent, a coach, nothing booked yet): **ready to book**.

Agreements come before consent and coaches because an agreement is the furthest a case gets:
once one is on the table the case is about it, whatever else changes. Drafts do not count: a
draft is the coach's work, not yet a stage of the case. Consent comes before coaches because
nothing can be booked without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portal.vocab import AgreementState, ConsentState, SessionStatus, Stage

# The sessions that make a case "in progress": booked or held (a party who did not attend
# still had a session booked).
ACTIVE_SESSION_STATES = frozenset({SessionStatus.SCHEDULED, SessionStatus.HELD, SessionStatus.DID_NOT_ATTEND})


@dataclass(frozen=True)
class StageFacts:
    """The facts a case's stage depends on, and nothing else."""
    closed: bool
    consent_states: tuple[str, ...]  # one per party, in any order
    has_current_coach: bool
    session_states: tuple[str, ...]  # one per session
    agreement_states: tuple[str, ...]  # one per agreement version

    @classmethod
    def of(cls, *, closed: bool, consent_states: Iterable[str], has_current_coach: bool,
           session_states: Iterable[str], agreement_states: Iterable[str]) -> StageFacts:
        return cls(closed=closed, consent_states=tuple(consent_states), has_current_coach=has_current_coach,
                   session_states=tuple(session_states), agreement_states=tuple(agreement_states))


def every_party_consented(consent_states: Iterable[str]) -> bool:
    """At least one party, and every party has given consent."""
    states = tuple(consent_states)
    return bool(states) and all(state == ConsentState.GIVEN for state in states)


def case_stage(facts: StageFacts) -> Stage:
    """The case's stage, by the rules in this module's docstring."""
    if facts.closed:
        return Stage.CLOSED
    if AgreementState.PROPOSED in facts.agreement_states:
        return Stage.AGREEMENT_PROPOSED
    if AgreementState.FINAL in facts.agreement_states:
        return Stage.AGREEMENT_FINAL
    if not every_party_consented(facts.consent_states):
        return Stage.WAITING_FOR_CONSENT
    if not facts.has_current_coach:
        return Stage.WAITING_FOR_COACH
    if any(state in ACTIVE_SESSION_STATES for state in facts.session_states):
        return Stage.IN_PROGRESS
    return Stage.READY_TO_BOOK
