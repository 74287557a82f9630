"""What happens to a case: consent, allocation, funding, closing and follow-on coaching.

Each function changes the database in one transaction, adds a timeline entry in words safe for
every staff member on the case, and writes security-relevant changes to the audit trail.
"""

from flask import current_app

from portal import audit, labels, timeline
from portal.db import database
from portal.models import Case, CaseParty, CoachAllocation, ConsentEvent, utcnow
from portal.vocab import CaseEventKind, CaseKind, CaseStatus, ConsentState, Funding

# Which consent changes make sense from which state.
CONSENT_MOVES = {
    ConsentState.PENDING: {ConsentState.GIVEN, ConsentState.DECLINED},
    ConsentState.GIVEN: {ConsentState.WITHDRAWN},
    ConsentState.DECLINED: {ConsentState.GIVEN},
    ConsentState.WITHDRAWN: {ConsentState.GIVEN},
}


class CaseRuleError(ValueError):
    """A change the case's rules do not allow; the message is for the person who tried."""


def consent_choices(party):
    return CONSENT_MOVES[party.consent_state]


def record_consent(party, state, *, occurred_on, method=None, reason=None, by, remote_addr=""):
    """Append a consent event and update the party's current state. History is never changed."""
    if state not in consent_choices(party):
        raise CaseRuleError(f"Consent cannot go from “{labels.label(party.consent_state)}” "
                            f"to “{labels.label(state)}”.")
    with database.atomic():
        ConsentEvent.create(party=party, state=state, method=method, occurred_on=occurred_on,
                            reason=reason or None, recorded_by=by)
        CaseParty.update(consent_state=state).where(CaseParty.id == party.id).execute()
        how = f" ({labels.label(method, 'consent_method').lower()})" if method else ""
        timeline.record(party.case, CaseEventKind.CONSENT, f"{party.name}: {labels.label(state).lower()}{how}.", by)
        audit.record("consent.changed", actor=by, record=party, case_id=party.case_id,
                     detail=f"state={state}", remote_addr=remote_addr)
    party.consent_state = state


def allocate(case, coaches, *, by, remote_addr=""):
    """Make `coaches` (one or two active coaches) the case's coaches, ending other allocations."""
    wanted = {coach.id: coach for coach in coaches}
    with database.atomic():
        current = {a.coach_id: a for a in CoachAllocation.current().where(CoachAllocation.case == case)}
        for coach_id, allocation in current.items():
            if coach_id not in wanted:
                allocation.ended_at = utcnow()
                allocation.save()
        added = [coach for coach_id, coach in wanted.items() if coach_id not in current]
        for coach in added:
            CoachAllocation.create(case=case, coach=coach, allocated_by=by)
        names = ", ".join(coach.name for coach in coaches)
        timeline.record(case, CaseEventKind.ALLOCATION, f"Coaches allocated: {names}.", by)
        audit.record("case.coaches_allocated", actor=by, record=case, case_id=case.id,
                     detail="coaches=" + ",".join(str(i) for i in sorted(wanted)),
                     remote_addr=remote_addr)


def set_funding(case, funding, scheme, *, by):
    with database.atomic():
        Case.update(funding=funding, funding_scheme=scheme if funding == Funding.FUNDED else None) \
            .where(Case.id == case.id).execute()
        words = f"Funded: {scheme}." if funding == Funding.FUNDED else "Self-funded."
        timeline.record(case, CaseEventKind.FUNDING, f"Funding recorded. {words}", by)


def set_fee(party, fee_pence, paid, *, by):
    with database.atomic():
        CaseParty.update(fee_pence=fee_pence, fee_paid=paid).where(CaseParty.id == party.id).execute()
        timeline.record(party.case, CaseEventKind.FUNDING, f"Fee recorded for {party.name}.", by)


def close(case, outcome, closing_note, *, by, remote_addr=""):
    with database.atomic():
        Case.update(status=CaseStatus.CLOSED, outcome=outcome, closing_note=closing_note,
                    closed_at=utcnow()).where(Case.id == case.id).execute()
        timeline.record(case, CaseEventKind.CLOSED, f"Case closed. Outcome: {labels.label(outcome).lower()}.", by)
        audit.record("case.closed", actor=by, record=case, case_id=case.id, remote_addr=remote_addr)


def reopen(case, reason, *, by, remote_addr=""):
    with database.atomic():
        Case.update(status=CaseStatus.OPEN, closed_at=None).where(Case.id == case.id).execute()
        timeline.record(case, CaseEventKind.REOPENED, f"Case reopened. Reason: {reason}", by)
        audit.record("case.reopened", actor=by, record=case, case_id=case.id, remote_addr=remote_addr)


def offer_follow_on_coaching(case, party, *, by, remote_addr=""):
    """Open a post-mediation coaching case for one party, linked to the mediation."""
    with database.atomic():
        follow_on = Case.create(
            reference=Case.next_reference(utcnow().year), kind=CaseKind.COACHING,
            dispute_type=case.dispute_type, parent_case=case,
            session_allowance=current_app.config["DEFAULT_SESSION_ALLOWANCE"],
        )
        CaseParty.create(case=follow_on, user=party.user_id, name=party.name, email=party.email,
                         phone=party.phone, address=party.address, unsafe_routes=party.unsafe_routes)
        timeline.record(case, CaseEventKind.FOLLOW_ON,
                        f"Post-mediation coaching offered to {party.name}: case {follow_on.reference}.", by)
        timeline.record(follow_on, CaseEventKind.CASE_OPENED,
                        f"Post-mediation coaching case opened from {case.reference}.", by)
        audit.record("case.follow_on_opened", actor=by, record=follow_on, case_id=follow_on.id,
                     remote_addr=remote_addr)
    return follow_on
