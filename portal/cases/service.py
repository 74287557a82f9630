"""What happens to a case: consent, allocation, funding, closing and follow-on coaching.

Each function changes the database in one transaction, adds a timeline entry in words safe for
every staff member on the case, and writes security-relevant changes to the audit trail.
"""

from urllib.parse import urlsplit

from flask import current_app, url_for

from portal import accounts, audit, labels, notify, notify_words, timeline
from portal.db import database
from portal.feedback import service as feedback_service
from portal.models import Case, CaseParty, CaseSeen, CaseSession, CoachAllocation, ConsentEvent, SessionAttendee, utcnow
from portal.sessions import calendar
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
    NotificationKind,
    ServiceList,
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
    """Append a consent event and update the party's current state. History is never changed.
    Consent given is when a party with a safe email and no account yet is invited to the portal:
    returns (their new account, whether the email went), or None when nobody was invited."""
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
        invited = accounts.invite_party(party, by=by, remote_addr=remote_addr) if state == ConsentState.GIVEN else None
    party.consent_state = state
    return invited


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
        # Told, each coach added or taken off (a second time on the same case is a new message).
        now = utcnow().isoformat()
        for coach in added:
            notify.notify(NotificationKind.COACH_ALLOCATED, coach, case, due=now, case=case.id,
                          link=url_for("cases.show", reference=case.reference), reference=case.reference)
        for coach_id in set(current) - set(wanted):
            notify.notify(NotificationKind.COACH_REMOVED, current[coach_id].coach, case, due=now,
                          case=case.id, link=url_for("home.index"), reference=case.reference)
        names = ", ".join(coach.name for coach in coaches)
        timeline.record(case, CaseEventKind.ALLOCATION, f"Coaches allocated: {names}.", by)
        audit.record("case.coaches_allocated", actor=by, record=case, case_id=case.id,
                     detail="coaches=" + ",".join(str(i) for i in sorted(wanted)),
                     remote_addr=remote_addr)


def set_funding(case, funding, scheme, *, by):
    with database.atomic():
        Case.update(funding=funding, funding_scheme=scheme if funding == Funding.FUNDED else None) \
            .where(Case.id == case.id).execute()
        words = (f"Funded: {labels.label(scheme, ServiceList.FUNDING_SCHEME)}." if funding == Funding.FUNDED
                 else "Self-funded.")
        timeline.record(case, CaseEventKind.FUNDING, f"Funding recorded. {words}", by)


def set_details(case, dispute_type, office, *, by):
    """The case's dispute type and office (entries of the service's lists)."""
    with database.atomic():
        Case.update(dispute_type=dispute_type, office=office or None).where(Case.id == case.id).execute()
        where = f"office: {labels.label(office, ServiceList.OFFICE)}" if office else "no office chosen"
        timeline.record(case, CaseEventKind.DETAILS,
                        f"Details changed. Dispute type: {labels.label(dispute_type, ServiceList.DISPUTE_TYPE)}; "
                        f"{where}.", by)


def set_fee(party, fee_pence, paid, *, by):
    with database.atomic():
        CaseParty.update(fee_pence=fee_pence, fee_paid=paid).where(CaseParty.id == party.id).execute()
        timeline.record(party.case, CaseEventKind.FUNDING, f"Fee recorded for {party.name}.", by)


def set_no_details_by_email(party, no_details, *, by):
    """A party's "no details by email", as they told the coordinator (portal/notify.py)."""
    with database.atomic():
        CaseParty.update(no_details_by_email=no_details).where(CaseParty.id == party.id).execute()
        audit.record("party.no_details_by_email", actor=by, record=party, case_id=party.case_id,
                     detail=f"no_details_by_email={no_details}")


def future_sessions(case):
    """The case's sessions still booked after now (scheduled, not yet started)."""
    return CaseSession.select().where(CaseSession.case == case.id,
                                      CaseSession.status == SessionStatus.SCHEDULED,
                                      CaseSession.starts_at > utcnow())


def close(case, outcome, closing_note, *, future=None, goals_met=None, by, remote_addr=""):
    """Close with an outcome. Sessions still to come are cancelled by the service or kept, as
    `future` (a FutureSessions) says, so none stays "upcoming" by accident; the parties with an
    account are told by email (that it ended and what happened to the sessions, no content).
    `goals_met`: a coaching case's outcome, recorded as it closes."""
    with database.atomic():
        ahead = future_sessions(case).count()
        if ahead and not FutureSessions.has(future or ""):
            raise CaseRuleError("Choose what happens to the sessions still to come.")
        cancelled, cancelled_ids = 0, []
        if ahead and future == FutureSessions.CANCEL:
            cancelled_ids = [s.id for s in future_sessions(case)]
            cancelled = (CaseSession.update(status=SessionStatus.CANCELLED, cancelled_by=CancelledBy.SERVICE,
                                            sequence=CaseSession.sequence + 1)
                         .where(CaseSession.id.in_(cancelled_ids))
                         .execute())
        if goals_met:
            feedback_service.record_coaching_outcome(case, goals_met, by=by, remote_addr=remote_addr)
        Case.update(status=CaseStatus.CLOSED, outcome=outcome, closing_note=closing_note,
                    closed_at=utcnow()).where(Case.id == case.id).execute()
        sessions = ""
        if cancelled:
            sessions = f" {cancelled} session{'s' if cancelled != 1 else ''} still to come cancelled."
        elif ahead:
            sessions = f" {ahead} session{'s' if ahead != 1 else ''} still to come kept."
        words = labels.label(outcome, ServiceList.CASE_OUTCOME).lower()
        timeline.record(case, CaseEventKind.CLOSED, f"Case closed. Outcome: {words}.{sessions}", by)
        audit.record("case.closed", actor=by, record=case, case_id=case.id, remote_addr=remote_addr,
                     detail=f"future_sessions={ahead} cancelled={cancelled}")
        _tell_parties_closed(case, cancelled=cancelled, kept=ahead - cancelled, cancelled_ids=cancelled_ids)
        # Each party is asked, once, how it went (a link that needs no sign-in).
        feedback_service.invite_parties(case, by=by, remote_addr=remote_addr)


def _tell_parties_closed(case, *, cancelled, kept, cancelled_ids):
    """Each party with an account: their mediation or coaching has ended, and what happened to
    the sessions still booked (with a calendar file removing each of theirs the service
    cancelled). Nothing about the outcome or anyone's words. Closed again after a reopening,
    they are told again (the moment is part of the key)."""
    fate = "cancelled" if cancelled else "kept" if kept else "none"
    config = current_app.config
    domain = urlsplit(config["PUBLIC_BASE_URL"]).hostname or "accord.invalid"
    seats = (SessionAttendee.select(SessionAttendee, CaseSession).join(CaseSession)
             .where(SessionAttendee.session.in_(cancelled_ids or [0])))
    files = {}
    for seat in seats:
        files.setdefault(seat.party_id, []).append(calendar.emailed_file(seat.session, config=config, domain=domain))
    for party in CaseParty.select().where(CaseParty.case == case.id, CaseParty.user.is_null(False)):
        notify.notify(NotificationKind.CASE_CLOSED, party, case, due=utcnow().isoformat(),
                      link=url_for("home.index"), attachments=files.get(party.id, ()),
                      what=labels.label(case.kind).lower(), sessions=notify_words.CLOSED_SESSIONS[fate])


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
            dispute_type=case.dispute_type, office=case.office, parent_case=case,
            session_allowance=current_app.config["DEFAULT_SESSION_ALLOWANCE"],
        )
        CaseParty.create(case=follow_on, user=party.user_id, name=party.name, email=party.email,
                         phone=party.phone, address=party.address, unsafe_routes=party.unsafe_routes,
                         coaching_offer=CoachingOfferAnswer.WAITING, offered_from=party.id)
        timeline.record(case, CaseEventKind.FOLLOW_ON,
                        f"Post-mediation coaching offered to {party.name}: case {follow_on.reference}.", by)
        timeline.record(follow_on, CaseEventKind.CASE_OPENED,
                        f"Post-mediation coaching case opened from {case.reference}.", by)
        offered = CaseParty.get(CaseParty.case == follow_on.id)
        notify.notify(NotificationKind.COACHING_OFFERED, offered, follow_on, link=url_for("home.index"))
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
