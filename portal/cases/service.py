"""What happens to a case: consent, allocation, funding, closing and follow-on coaching.

Each function changes the database in one transaction, adds a timeline entry in words safe for
every staff member on the case, and writes security-relevant changes to the audit trail.
"""

from flask import current_app, url_for

from portal import audit, labels, mail, timeline
from portal.db import database
from portal.models import Case, CaseParty, CaseSeen, CaseSession, CoachAllocation, ConsentEvent, User, utcnow
from portal.times import local_today
from portal.vocab import (
    CancelledBy,
    CaseEventKind,
    CaseKind,
    CaseStatus,
    CoachingOfferAnswer,
    ConsentMethod,
    ConsentState,
    Funding,
    FutureSessions,
    MessageKind,
    SessionStatus,
)

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


def future_sessions(case):
    """The case's sessions still booked after now (scheduled, not yet started)."""
    return CaseSession.select().where(CaseSession.case == case.id,
                                      CaseSession.status == SessionStatus.SCHEDULED,
                                      CaseSession.starts_at > utcnow())


def close(case, outcome, closing_note, *, future=None, by, remote_addr=""):
    """Close with an outcome. Sessions still to come are cancelled by the service or kept, as
    `future` (a FutureSessions) says, so none stays "upcoming" by accident; the parties with an
    account are told by email (that it ended and what happened to the sessions, no content)."""
    with database.atomic():
        ahead = future_sessions(case).count()
        if ahead and not FutureSessions.has(future or ""):
            raise CaseRuleError("Choose what happens to the sessions still to come.")
        cancelled = 0
        if ahead and future == FutureSessions.CANCEL:
            cancelled = (CaseSession.update(status=SessionStatus.CANCELLED, cancelled_by=CancelledBy.SERVICE)
                         .where(CaseSession.id.in_(future_sessions(case).select(CaseSession.id)))
                         .execute())
        Case.update(status=CaseStatus.CLOSED, outcome=outcome, closing_note=closing_note,
                    closed_at=utcnow()).where(Case.id == case.id).execute()
        sessions = ""
        if cancelled:
            sessions = f" {cancelled} session{'s' if cancelled != 1 else ''} still to come cancelled."
        elif ahead:
            sessions = f" {ahead} session{'s' if ahead != 1 else ''} still to come kept."
        timeline.record(case, CaseEventKind.CLOSED,
                        f"Case closed. Outcome: {labels.label(outcome).lower()}.{sessions}", by)
        audit.record("case.closed", actor=by, record=case, case_id=case.id, remote_addr=remote_addr,
                     detail=f"future_sessions={ahead} cancelled={cancelled}")
        _tell_parties_closed(case, cancelled=cancelled, kept=ahead - cancelled)


def _tell_parties_closed(case, *, cancelled, kept):
    """Each party with an active account: their mediation or coaching has ended, and what
    happened to the sessions still booked. Nothing about the outcome or anyone's words."""
    users = (User.select().join(CaseParty, on=(CaseParty.user == User.id))
             .where(CaseParty.case == case.id, User.active == True))  # noqa: E712
    what = labels.label(case.kind).lower()
    if cancelled:
        sessions = ("The sessions that were still booked have been cancelled: you do not need "
                    "to come to them.\n\n")
    elif kept:
        sessions = ("The sessions still booked go ahead as planned: you can see them in the "
                    "portal.\n\n")
    else:
        sessions = ""
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("home.index")
    for user in users:
        mail.send(user.email, f"Your {what} has ended",
                  f"Hello,\n\nYour {what} with the service has ended.\n\n{sessions}"
                  f"You can read more in the portal (sign in first):\n\n{link}\n",
                  kind=MessageKind.CASE_CLOSED, about=case)


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
                         phone=party.phone, address=party.address, unsafe_routes=party.unsafe_routes,
                         coaching_offer=CoachingOfferAnswer.WAITING, offered_from=party.id)
        timeline.record(case, CaseEventKind.FOLLOW_ON,
                        f"Post-mediation coaching offered to {party.name}: case {follow_on.reference}.", by)
        timeline.record(follow_on, CaseEventKind.CASE_OPENED,
                        f"Post-mediation coaching case opened from {case.reference}.", by)
        audit.record("case.follow_on_opened", actor=by, record=follow_on, case_id=follow_on.id,
                     remote_addr=remote_addr)
    return follow_on


def answer_coaching_offer(party, answer, *, by, remote_addr=""):
    """The party's yes or no to post-mediation coaching offered to them, once. Their answer is
    also their consent to take part in the coaching case (given, or declined)."""
    if answer not in (CoachingOfferAnswer.ACCEPTED, CoachingOfferAnswer.DECLINED):
        raise CaseRuleError("Answer yes or no.")
    with database.atomic():
        changed = (CaseParty.update(coaching_offer=answer, coaching_offer_answered_at=utcnow())
                   .where(CaseParty.id == party.id, CaseParty.coaching_offer == CoachingOfferAnswer.WAITING)
                   .execute())
        if not changed:
            raise CaseRuleError("You have already answered this offer.")
        consent = ConsentState.GIVEN if answer == CoachingOfferAnswer.ACCEPTED else ConsentState.DECLINED
        if consent in consent_choices(party):
            record_consent(party, consent, occurred_on=local_today(), method=ConsentMethod.ONLINE,
                           by=by, remote_addr=remote_addr)
        words = "accepted" if answer == CoachingOfferAnswer.ACCEPTED else "declined"
        timeline.record(party.case, CaseEventKind.FOLLOW_ON,
                        f"{party.name} {words} the offer of post-mediation coaching.", by)
        audit.record("case.coaching_offer_answered", actor=by, record=party, case_id=party.case_id,
                     detail=f"answer={answer}", remote_addr=remote_addr)
    party.coaching_offer = answer


def mark_seen(coach, case, at):
    """The coach has seen what the parties said on the case up to `at` (`CaseSeen`; one
    statement, whether or not they had opened the case before)."""
    (CaseSeen.insert(coach=coach.id, case=case.id, seen_at=at)
     .on_conflict(conflict_target=[CaseSeen.coach, CaseSeen.case], update={CaseSeen.seen_at: at})
     .execute())
