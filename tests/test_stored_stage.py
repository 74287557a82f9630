"""The stage stored on the case (`Case.stage`) stays true: after random steps through the
services (referrals accepted, consent, coaches allocated and taken off, sessions booked, held,
cancelled, agreements drafted, proposed, accepted, made final and revised, cases closed and
reopened, post-mediation coaching offered and answered), every case's stored stage is
`portal.stages.case_stage` of its facts as the database holds them. Each of those steps writes
a timeline entry after its change, in its transaction, and `CaseEvent.save` works the stage out
again; a step that did not would leave a stale stage here."""

import contextlib
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.agreements import service as agreements
from portal.agreements import wording
from portal.cases import service as cases
from portal.db import database
from portal.models import (
    Agreement,
    AgreementAcceptance,
    Case,
    CaseParty,
    CaseSession,
    CoachAllocation,
    Referral,
    ReferralPerson,
    utcnow,
)
from portal.referrals import service as referrals
from portal.sessions import service as sessions
from portal.stages import StageFacts, case_stage
from portal.times import local_today
from portal.vocab import (
    AcceptanceMethod,
    AgreementState,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    CoachingOfferAnswer,
    ConsentMethod,
    ConsentState,
    DisputeType,
    FutureSessions,
    ReferralSource,
    Role,
    SessionKind,
    SessionMode,
    SessionStatus,
    Urgency,
)
from tests import dbutil
from tests.factories import make_user

RULE_ERRORS = (cases.CaseRuleError, sessions.SessionRuleError, agreements.AgreementRuleError)

# One step: what, on which case (an index into the cases so far), and two small numbers whose
# meaning depends on the step (a party, a consent state, a set of coaches, a day...).
# Consent given and a coach come up more often, so that cases get far enough for sessions and
# agreements.
steps = st.lists(st.tuples(
    st.sampled_from(("open", "consent", "give consent", "give consent", "give consent",
                     "allocate", "allocate", "book", "book", "outcome", "agree", "agree", "accept",
                     "accept", "revise", "close", "reopen", "offer", "answer")),
    st.integers(0, 3), st.integers(0, 20), st.integers(-20, 20)), min_size=8, max_size=40)


def stored_and_worked_out():
    """Each case's stored stage, and its stage by the rule from the facts the database holds."""
    worked_out = {}
    for case in Case.select():
        worked_out[case.id] = case_stage(StageFacts.of(
            closed=case.status == CaseStatus.CLOSED,
            consent_states=[p.consent_state for p in CaseParty.select().where(CaseParty.case == case.id)],
            has_current_coach=CoachAllocation.current().where(CoachAllocation.case == case.id).exists(),
            session_states=[s.status for s in CaseSession.select().where(CaseSession.case == case.id)],
            agreement_states=[a.state for a in Agreement.select().where(Agreement.case == case.id)]))
    return dict(Case.select(Case.id, Case.stage).tuples()), worked_out


class Service:
    """The services driven step by step; a step the rules refuse changes nothing."""

    def __init__(self):
        self.staff = make_user(Role.COORDINATOR, password=None)
        self.coaches = [make_user(Role.COACH, password=None), make_user(Role.COACH, password=None)]
        self.slot = 0

    def case(self, index):
        ids = [case_id for (case_id,) in Case.select(Case.id).order_by(Case.id).tuples()]
        return Case.get_by_id(ids[index % len(ids)]) if ids else None

    @staticmethod
    def parties(case):
        return list(CaseParty.select().where(CaseParty.case == case.id).order_by(CaseParty.id))

    def open(self, kind_number):
        referral = Referral.create(reference=Referral.next_reference(2026), source=ReferralSource.SELF,
                                   dispute_type=DisputeType.NEIGHBOUR, urgency=Urgency.ROUTINE,
                                   description="Neighbours.")
        for n in range(1 + kind_number % 2):
            ReferralPerson.create(referral=referral, name=f"Person {n}")
        kind = CaseKind.MEDIATION if kind_number % 2 else CaseKind.COACHING
        referrals.accept(referral, kind, self.staff)

    def step(self, what, index, a, b):
        if what == "open":
            return self.open(a)
        case = self.case(index)
        if case is None:
            return self.open(a)
        parties = self.parties(case)
        party = parties[a % len(parties)] if parties else None
        if what == "consent" and party:
            state = sorted(cases.consent_choices(party))[b % len(cases.consent_choices(party))]
            cases.record_consent(party, state, occurred_on=local_today(), method=ConsentMethod.PHONE,
                                 by=self.staff)
        elif what == "give consent":
            for waiting in parties:
                if ConsentState.GIVEN in cases.consent_choices(waiting):
                    cases.record_consent(waiting, ConsentState.GIVEN, occurred_on=local_today(),
                                         method=ConsentMethod.PHONE, by=self.staff)
        elif what == "allocate":
            chosen = [coach for bit, coach in enumerate(self.coaches) if (a + 1) & (1 << bit)]
            cases.allocate(case, chosen, by=self.staff)
        elif what == "book" and party:
            self.slot += 1  # a new hour each time: no coach or party is booked twice at once
            one = case.kind == CaseKind.COACHING or a % 2
            kind = (SessionKind.COACHING if case.kind == CaseKind.COACHING
                    else SessionKind.PRE_MEDIATION if one else SessionKind.JOINT_MEDIATION)
            starts_at = utcnow().replace(microsecond=0) + timedelta(days=b, hours=self.slot)
            plan = sessions.Plan(kind=kind, starts_at=starts_at,
                                 duration_minutes=30, mode=SessionMode.FACE_TO_FACE, location="Office",
                                 coaches=[self.coaches[0]], over_allowance_reason="More needed.",
                                 seats=[sessions.Seat(p) for p in ([party] if one else parties)])
            sessions.schedule(case, plan, by=self.staff)
        elif what == "outcome":
            booked = list(CaseSession.select().where(CaseSession.case == case.id).order_by(CaseSession.id))
            if booked:
                status = (SessionStatus.HELD, SessionStatus.DID_NOT_ATTEND, SessionStatus.CANCELLED)[b % 3]
                sessions.record_outcome(booked[a % len(booked)], status, {}, None, by=self.staff)
        elif what == "agree":
            agreement = agreements.start(case, title="Agreement", template=wording.find("shared-boundaries"),
                                         by=self.staff)
            if a % 2:
                agreements.propose(agreement, by=self.staff)
        elif what == "accept" and party:
            proposed = Agreement.select().where(Agreement.case == case.id,
                                                Agreement.state == AgreementState.PROPOSED)
            for agreement in proposed:
                done = {x.party_id for x in
                        AgreementAcceptance.select().where(AgreementAcceptance.agreement == agreement.id)}
                for waiting in [p for p in parties if p.id not in done][:1 + a % 2]:
                    agreements.accept(agreement, waiting, typed_name=waiting.name, by=self.staff,
                                      method=AcceptanceMethod.IN_PERSON)
        elif what == "revise":
            latest = Agreement.select().where(Agreement.case == case.id).order_by(Agreement.id.desc()).first()
            if latest:
                draft = agreements.revise(latest, by=self.staff)
                if a % 2:
                    agreements.propose(draft, by=self.staff)
        elif what == "close":
            cases.close(case, CaseOutcome.RESOLVED, "Done.", by=self.staff,
                        future=(FutureSessions.CANCEL, FutureSessions.KEEP)[a % 2])
        elif what == "reopen":
            cases.reopen(case, "Asked again.", by=self.staff)
        elif what == "offer" and party and case.kind == CaseKind.MEDIATION:
            cases.offer_follow_on_coaching(case, party, by=self.staff)
        elif what == "answer" and party and party.coaching_offer == CoachingOfferAnswer.WAITING:
            answer = (CoachingOfferAnswer.ACCEPTED, CoachingOfferAnswer.DECLINED)[a % 2]
            cases.answer_coaching_offer(party, answer, by=self.staff)


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=steps)
def test_the_stored_stage_is_the_rule_s_stage_after_any_steps(app, plan):
    dbutil.wipe()
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        service = Service()
        for what, index, a, b in plan:
            with contextlib.suppress(*RULE_ERRORS):
                service.step(what, index, a, b)
            stored, worked_out = stored_and_worked_out()
            assert stored == worked_out, (what, index, a, b)


def test_refresh_stages_puts_right_a_stage_written_behind_the_services_back(app):
    dbutil.wipe()
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        service = Service()
        service.open(0)
        case = service.case(0)
        assert case.stage == "waiting_for_consent"
        with database.atomic():
            CaseParty.update(consent_state=ConsentState.GIVEN).where(CaseParty.case == case.id).execute()
        assert Case.get_by_id(case.id).stage == "waiting_for_consent"  # no timeline entry: not seen
        Case.refresh_stages(Case.id == case.id)
        assert Case.get_by_id(case.id).stage == "waiting_for_coach"


def test_one_case_through_every_stage(app):
    """The steps of a mediation, each moving the stored stage on as the rules say."""
    dbutil.wipe()
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        service = Service()
        service.open(1)  # a mediation with two parties

        def stage_after(*step):
            service.step(*step)
            return Case.get_by_id(service.case(0).id).stage

        assert service.case(0).stage == "waiting_for_consent"
        assert stage_after("give consent", 0, 0, 0) == "waiting_for_coach"
        assert stage_after("allocate", 0, 0, 0) == "ready_to_book"
        assert stage_after("book", 0, 0, 1) == "in_progress"
        assert stage_after("outcome", 0, 0, 2) == "ready_to_book"  # the only session cancelled
        assert stage_after("agree", 0, 1, 0) == "agreement_proposed"
        assert stage_after("accept", 0, 1, 0) == "agreement_final"  # both parties accepted
        assert stage_after("revise", 0, 1, 0) == "agreement_proposed"
        assert stage_after("close", 0, 0, 0) == "closed"
        assert stage_after("reopen", 0, 0, 0) == "agreement_proposed"
