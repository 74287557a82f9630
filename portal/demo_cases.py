"""The demo's story after its first two cases: ten more cases, of both kinds and at every stage,
each told step by step through the service's own functions (referrals, consent, allocation,
sessions, notes, agreements, safeguarding, closing), so the data keeps every rule, writes the
timeline and the audit trail as the portal does, and stores real files.

The functions stamp what they write with the time now; each step of a story is taken inside
`_on(days, hour)`, which afterwards moves those stamps back to when the step happened, so the
timeline, the work queue ("waiting since ...") and last activity read like a service's weeks.
The audit trail keeps its real times: it is append-only, and says when the demo was loaded.
Session times are relative to today in the service's time zone: there is always a session
yesterday, today, tomorrow and next week. Everything here is invented.
"""

import hashlib
from contextlib import contextmanager
from datetime import time, timedelta

from flask import current_app
from peewee import Case as SqlCase
from peewee import fn

from portal import service_lists, times
from portal.actions import service as actions
from portal.agreements import pdf, wording
from portal.agreements import service as agreements
from portal.cases import service as cases
from portal.feedback import service as feedback
from portal.models import (
    ActionPoint,
    Agreement,
    AgreementAcceptance,
    AgreementChangeRequest,
    AgreementTerm,
    Case,
    CaseEvent,
    CaseParty,
    CaseSession,
    CoachAllocation,
    CoachingOutcome,
    ConsentEvent,
    EqualityAnswers,
    FeedbackRequest,
    Goal,
    Note,
    NoteFile,
    NoteShare,
    Notification,
    Referral,
    ReferralPerson,
    SafeguardingConcern,
    SessionAttendee,
    SessionRequest,
    StoredFile,
    utcnow,
)
from portal.notes import service as notes
from portal.referrals import service as referrals
from portal.safeguarding import service as safeguarding
from portal.sessions import service as sessions
from portal.storage import TEXT
from portal.vocab import (
    AcceptanceMethod,
    AgeBand,
    AgencyType,
    AgreementState,
    Audience,
    CaseKind,
    CaseOutcome,
    ConcernCategory,
    ConcernLevel,
    ConsentMethod,
    ConsentState,
    Disability,
    DisputeType,
    EqualitySource,
    Ethnicity,
    FeedbackHelped,
    FeedbackSituation,
    FirstLanguage,
    Funding,
    Gender,
    GoalKind,
    GoalsMet,
    ReferralSource,
    Satisfaction,
    ServiceList,
    SessionKind,
    SessionMode,
    SessionRequestKind,
    SessionStatus,
    ShareConsentMethod,
    ShareState,
    UnsafeRoute,
    Urgency,
)

# Every time a service function stamps "now" on what it writes, moved back by `_on`.
STAMPED = (
    (Referral, "created_at"), (Referral, "triaged_at"), (Case, "created_at"), (Case, "closed_at"),
    (CaseParty, "created_at"), (ConsentEvent, "created_at"), (CoachAllocation, "allocated_at"),
    (CaseEvent, "created_at"), (CaseSession, "created_at"), (SessionRequest, "created_at"),
    (Note, "created_at"), (Note, "updated_at"), (NoteShare, "created_at"), (NoteShare, "consent_at"),
    (NoteFile, "created_at"), (StoredFile, "created_at"), (ActionPoint, "created_at"),
    (ActionPoint, "done_at"), (ActionPoint, "party_comment_at"), (Goal, "created_at"),
    (SafeguardingConcern, "created_at"),
    (Agreement, "created_at"), (Agreement, "proposed_at"), (Agreement, "finalised_at"),
    (AgreementAcceptance, "accepted_at"), (AgreementChangeRequest, "created_at"),
    # What people were told, on their Notifications page, when it happened in the story (the
    # emails themselves go when the demo loads: the outbox's times are the delivery's).
    (Notification, "created_at"),
    # Feedback, coaching outcomes and equality answers (a feedback link's expiry is not moved:
    # the demo's waiting invitation stays usable).
    (FeedbackRequest, "created_at"), (FeedbackRequest, "answered_at"), (CoachingOutcome, "recorded_at"),
    (EqualityAnswers, "recorded_at"),
)

# The session summary a coach uploads on the coaching case: a small plain text file.
SUMMARY_FILE = (
    "Coaching session 1: summary for Nia Clarke\n"
    "\n"
    "What we talked about: the team meetings where you feel talked over, and how you would like\n"
    "to raise it with your manager.\n"
    "\n"
    "What you said you would like: to be asked for your view before decisions about your work.\n"
    "\n"
    "Before the next session: write down three things you would like your manager to understand.\n"
)


def _day(days):
    """The service's today moved by `days`."""
    return times.local_today() + timedelta(days=days)


def _moment(days, hour, minute=0):
    """`days` from today at `hour`:`minute` in the service's time zone, as stored (naive UTC)."""
    return times.local_to_utc(_day(days), time(hour, minute))


# When each step began (real time) and when the story says it happened, in order.
_steps = []


@contextmanager
def _on(days, hour, minute=0):
    """A step of the story, taken `days` ago (negative) at `hour`:`minute`: whatever the
    functions inside stamp with the time now is dated then, by `_date_the_steps`."""
    _steps.append((utcnow(), _moment(days, hour, minute)))
    yield


def _date_the_steps():
    """Move every stamp written since the first step to the time of the step it was written
    in: the latest step that began before it. One UPDATE per stamped column."""
    for model, name in STAMPED:
        field = getattr(model, name)
        when = SqlCase(None, [(field >= began, told) for began, told in reversed(_steps)])
        model.update({field: when}).where(field >= _steps[0][0]).execute()
    _steps.clear()


def _render_final_pdfs_again():
    """A final agreement's PDF shows when each party accepted. It was rendered when the last
    one did, before `_date_the_steps` moved the acceptances back: render it again from the
    agreement as it now stands, and store it in place with its new hash."""
    for agreement in Agreement.select().where(Agreement.state == AgreementState.FINAL):
        data = pdf.render_pdf(agreements.document_for(agreement))
        digest = hashlib.sha256(data).hexdigest()
        (StoredFile.update(data=data, size_bytes=len(data), sha256=digest)
         .where(StoredFile.id == agreement.pdf_content_id).execute())
        Agreement.update(pdf_sha256=digest).where(Agreement.id == agreement.id).execute()


def load(users):
    """The ten further cases and a referral overdue for triage, in one story each."""
    _steps.clear()
    cast = _Cast(users)
    _closed_mediation_with_a_final_agreement(cast)
    _proposed_agreement(cast)
    _open_concern(cast)
    _ready_to_book(cast)
    _waiting_for_a_coach(cast)
    _waiting_for_consent(cast)
    _coaching_in_progress(cast)
    _closed_coaching(cast)
    _final_agreement(cast)
    _overdue_urgent_referral()
    _date_the_steps()
    _render_final_pdfs_again()
    # The timeline entries were moved back: each case's last activity follows its latest one.
    latest = (CaseEvent.select(fn.MAX(CaseEvent.created_at)).where(CaseEvent.case == Case.id))
    Case.update(last_activity_at=fn.COALESCE(latest, Case.created_at)).execute()
    # Some steps wrote their rows directly, not through the services: each stage from its facts.
    Case.refresh_stages()



def scheme(name):
    """The code of the funding scheme of that name (the seed's schemes), or the first scheme's."""
    schemes = service_lists.entries(ServiceList.FUNDING_SCHEME)
    return next((entry.code for entry in schemes if entry.label == name), schemes[0].code)

class _Cast:
    """The demo's people, by first name, and the service's first office."""

    def __init__(self, users):
        self.cara = users["coordinator@example.org"]
        self.priya, self.tom = users["coach@example.org"], users["coach2@example.org"]
        self.accounts = users
        self.office = current_app.config["OFFICES"][0]
        self.scheme = scheme("Housing association contract")

    def user(self, first_name):
        return self.accounts[f"{first_name}@example.org"]


# --- the steps every case shares --------------------------------------------------------------

def _referral(*, dispute, description, people, urgency=Urgency.ROUTINE, **agency):
    """A referral as the public form saves it: its people are dicts of ReferralPerson fields."""
    source = ReferralSource.AGENCY if agency else ReferralSource.SELF
    referral = Referral.create(reference=Referral.next_reference(utcnow().year), source=source,
                               dispute_type=dispute, urgency=urgency, description=description,
                               **agency)
    for person in people:
        ReferralPerson.create(referral=referral, **person)
    return referral


def _open(cast, kind, referral):
    """The coordinator accepts the referral: a case with its parties, each linked to their
    portal account when the referral gives its email (nobody is invited: the demo's accounts
    exist already, and the others gave no email to use)."""
    case = referrals.accept(referral, kind, cast.cara)
    return case, list(CaseParty.select().where(CaseParty.case == case.id).order_by(CaseParty.id))


def _consent(cast, party, days, method=ConsentMethod.PHONE):
    cases.record_consent(party, ConsentState.GIVEN, occurred_on=_day(days), method=method, by=cast.cara)


def _book(case, kind, starts_at, coaches, parties, *, mode=SessionMode.FACE_TO_FACE, location="",
          online_link="", minutes=60):
    plan = sessions.Plan(kind=kind, starts_at=starts_at, duration_minutes=minutes, mode=mode,
                         location=location, online_link=online_link, coaches=coaches,
                         seats=[sessions.Seat(party) for party in parties])
    return sessions.schedule(case, plan, by=coaches[0])


def _held(session, parties, by):
    sessions.record_outcome(session, SessionStatus.HELD, {p.id: True for p in parties}, None, by=by)


def _note(case, author, audience, body, *, parties=(), source=None, session=None, summary=False,
          upload=None):
    data = notes.NoteInput(body=body, audience=audience, party_ids=tuple(p.id for p in parties),
                           source_party_id=source.id if source else None,
                           session_id=session.id if session else None, is_summary=summary)
    return notes.write(case, author, data, upload)


def _term_points(case, party):
    """The action points a final agreement's terms became for this party, in term order."""
    return list(ActionPoint.select().join(AgreementTerm)
                .where(ActionPoint.case == case.id, ActionPoint.party == party.id)
                .order_by(AgreementTerm.position))


# --- the cases, oldest story first --------------------------------------------------------

def _closed_mediation_with_a_final_agreement(cast):
    """Carys and Dan's hedge: mediated, a final agreement whose terms run on after the case
    closed (one done, one overdue, one to do) with its review ahead, and post-mediation
    coaching offered to Dan, waiting for his answer (his coaching case waits for his consent)."""
    with _on(-75, 9, 30):
        referral = _referral(
            dispute=DisputeType.NEIGHBOUR, agency_name="Elm Housing Trust",
            agency_type=AgencyType.HOUSING, referrer_name="Jo Hart", referrer_contact="jo.hart@example.org",
            description="Neighbours arguing over a tall hedge and a broken fence between their gardens.",
            people=[dict(name="Carys Evans", email="carys@example.org", phone="07700 900303",
                         address="5 Birch Close, Ashford AF1 2BC"),
                    dict(name="Dan Okafor", email="dan@example.org", phone="07700 900404",
                         address="7 Birch Close, Ashford AF1 2BC")])
    with _on(-72, 10):
        case, (carys, dan) = _open(cast, CaseKind.MEDIATION, referral)
    with _on(-70, 11):
        _consent(cast, carys, -70)
        _consent(cast, dan, -70, ConsentMethod.IN_PERSON)
    with _on(-69, 9):
        cases.allocate(case, [cast.priya, cast.tom], by=cast.cara)
        cases.set_funding(case, Funding.FUNDED, cast.scheme, by=cast.cara)
        carys_meeting = _book(case, SessionKind.PRE_MEDIATION, _moment(-62, 10), [cast.priya], [carys],
                              location=cast.office)
        dan_meeting = _book(case, SessionKind.PRE_MEDIATION, _moment(-61, 14), [cast.priya], [dan],
                            location=cast.office)
    with _on(-61, 16):
        _held(carys_meeting, [carys], cast.priya)
        _held(dan_meeting, [dan], cast.priya)
        _note(case, cast.priya, Audience.CASE_TEAM, "Carys minds the cost of the fence more than the hedge.",
              session=carys_meeting)
        _note(case, cast.priya, Audience.STAFF, "Dan wants a week's notice before anyone works on the boundary.",
              session=dan_meeting)
        joint = _book(case, SessionKind.JOINT_MEDIATION, _moment(-48, 18), [cast.priya, cast.tom],
                      [carys, dan], mode=SessionMode.COMMUNITY_VENUE, location="Birch Close Community Room",
                      minutes=120)
    with _on(-48, 21):
        _held(joint, [carys, dan], cast.priya)
        _note(case, cast.priya, Audience.PARTIES,
              "Summary of the joint meeting: you agreed the hedge height, notice before fence work "
              "and sharing the fence repair. The written agreement follows.",
              parties=[carys, dan], session=joint, summary=True)
        _note(case, cast.tom, Audience.STAFF, "Good meeting; both were calm once the fence costs were split.",
              session=joint)
        agreement = agreements.start(case, title="Agreement about the hedge and fence at Birch Close",
                                     template=wording.find("shared-boundaries"), by=cast.priya)
        agreements.change_details(agreement, title=agreement.title, review_on=_day(10),
                                  other_terms=agreement.other_terms)
        hedge, notice, fence = agreement.terms.order_by(AgreementTerm.position)
        agreements.change_term(hedge, what="Trim the hedge on your own side to 2 metres",
                               party=None, due_on=_day(30))
        agreements.change_term(notice, what=notice.what, party=dan, due_on=None)
        agreements.change_term(fence, what="Pay your half of the fence repair", party=None,
                               due_on=_day(-3))
    with _on(-46, 10):
        agreements.propose(agreement, by=cast.priya)
    with _on(-45, 19):
        agreements.accept(agreement, carys, typed_name="Carys Evans", by=cast.user("carys"))
    with _on(-44, 8, 15):
        agreements.accept(agreement, dan, typed_name="Dan Okafor", by=cast.user("dan"))
    with _on(-40, 12):
        cases.close(case, CaseOutcome.RESOLVED, "Both kept to the first weeks of the agreement; "
                    "review booked for the date in it.", by=cast.cara)
    with _on(-39, 10):
        cases.offer_follow_on_coaching(case, dan, by=cast.cara)
    with _on(-38, 20, 30):
        # Closing asked both for feedback: Carys answered; Dan's invitation still waits.
        feedback.give_feedback(FeedbackRequest.get(FeedbackRequest.party == carys.id),
                               satisfaction=Satisfaction.VERY_SATISFIED, helped=FeedbackHelped.YES,
                               situation=FeedbackSituation.BETTER,
                               comment="Priya was patient with both of us. The room was cold.")
        # Equality monitoring: Carys answered herself; Dan agreed, on the phone, to our recording his.
        feedback.save_equality_answers(carys, dict(age_band=AgeBand.AGE_45_54, gender=Gender.WOMAN,
                                                   ethnicity=Ethnicity.WHITE, disability=Disability.NO,
                                                   first_language=FirstLanguage.WELSH),
                                       source=EqualitySource.PARTY, by=cast.user("carys"))
        feedback.save_equality_answers(dan, dict(age_band=AgeBand.AGE_35_44, gender=Gender.MAN,
                                                 ethnicity=Ethnicity.BLACK, disability=Disability.PREFER_NOT_TO_SAY,
                                                 first_language=None),
                                       source=EqualitySource.STAFF_WITH_PERMISSION, by=cast.cara)
    with _on(-5, 20):
        paid = _term_points(case, carys)[-1]
        actions.mark_done(paid, True, by=cast.user("carys"))
        actions.save_comment(paid, "Paid my half to the fencer on Saturday.", by=cast.user("carys"))


def _proposed_agreement(cast):
    """Erin and Femi, who share an office: an agreement proposed over two weeks ago (the work
    queue's proposals waiting), accepted by Erin; Femi, who must not be emailed since the joint
    meeting, has not opened its notification (the work queue's parties to phone);
    Femi asked for a change. Femi's words for Erin wait for Femi's consent; Erin's were shared
    with Femi once she said yes."""
    with _on(-40, 13):
        referral = _referral(
            dispute=DisputeType.WORKPLACE, agency_name="Ashford Logistics", agency_type=AgencyType.EMPLOYER,
            referrer_name="Helen Ward (HR)", referrer_contact="hr@ashford-logistics.example.org",
            description="Two team leads who no longer speak; their teams are taking sides.",
            people=[dict(name="Erin Walsh", email="erin@example.org", phone="07700 900505"),
                    dict(name="Femi Adeyemi", email="femi@example.org", phone="07700 900606")])
    with _on(-38, 10):
        case, (erin, femi) = _open(cast, CaseKind.MEDIATION, referral)
        cases.set_funding(case, Funding.FUNDED, scheme("Employer-funded"), by=cast.cara)
    with _on(-37, 15):
        _consent(cast, erin, -37)
        _consent(cast, femi, -37)
        cases.allocate(case, [cast.tom], by=cast.cara)
        erin_meeting = _book(case, SessionKind.PRE_MEDIATION, _moment(-30, 10), [cast.tom], [erin],
                             mode=SessionMode.ONLINE, online_link="https://meet.example.org/accord-erin")
        femi_meeting = _book(case, SessionKind.PRE_MEDIATION, _moment(-29, 10), [cast.tom], [femi],
                             mode=SessionMode.ONLINE, online_link="https://meet.example.org/accord-femi")
    with _on(-29, 12):
        _held(erin_meeting, [erin], cast.tom)
        _held(femi_meeting, [femi], cast.tom)
        _note(case, cast.tom, Audience.PARTIES,
              "Femi would like the weekly rota agreed together rather than handed down.",
              parties=[erin], source=femi, session=femi_meeting)
        shared = _note(case, cast.tom, Audience.PARTIES,
                       "Erin says she did not know Femi was covering two teams in October.",
                       parties=[femi], source=erin, session=erin_meeting)
        joint = _book(case, SessionKind.JOINT_MEDIATION, _moment(-19, 14), [cast.tom], [erin, femi],
                      location=cast.office, minutes=90)
    with _on(-28, 9):
        notes.answer(NoteShare.get(NoteShare.note == shared.id), ShareState.GIVEN, by=cast.user("erin"),
                     method=ShareConsentMethod.PORTAL)
    with _on(-19, 16):
        _held(joint, [erin, femi], cast.tom)
        _note(case, cast.tom, Audience.STAFF, "We drafted the terms together in the room; I am writing them up.",
              session=joint)
        agreement = agreements.start(case, title="How Erin and Femi will work together",
                                     template=wording.find("blank"), by=cast.tom)
        agreements.add_issue(agreement, "How the weekly rota is decided")
        agreements.add_issue(agreement, "Passing on messages between the two teams")
        agreements.add_term(agreement, what="Agree the rota together at a 15-minute meeting each Monday",
                            party=None, due_on=None)
        agreements.add_term(agreement, what="Copy the other into messages for their team", party=None,
                            due_on=None)
        agreements.change_details(agreement, title=agreement.title, review_on=_day(50), other_terms="")
        # Femi says the team's shared inbox is read by others: phone him, do not email him. The
        # portal then emails him nothing, and the coordinators' work queue lists him to phone.
        CaseParty.update(unsafe_routes=UnsafeRoute.EMAIL).where(CaseParty.id == femi.id).execute()
    with _on(-17, 10):
        agreements.propose(agreement, by=cast.tom)
    with _on(-16, 18):
        agreements.accept(agreement, erin, typed_name="Erin Walsh", by=cast.user("erin"))
    with _on(-15, 9, 40):
        agreements.request_change(agreement, femi, comment="I am on site on Mondays: could the rota "
                                  "meeting be on Tuesdays?", by=cast.user("femi"))


def _open_concern(cast):
    """Gwen and Huw, neighbours: Gwen's meeting held, Huw's by phone today, a joint meeting
    next week that Gwen asked to move and brings her sister to; and a safeguarding concern
    raised yesterday about what Gwen said, not yet acknowledged."""
    with _on(-16, 11):
        referral = _referral(
            dispute=DisputeType.NEIGHBOUR,
            description="Noise through the wall of a terrace and notes pushed through the door.",
            people=[dict(name="Gwen Hughes", email="gwen@example.org", phone="07700 900707",
                         address="14 Mill Row, Ashford AF2 4DE"),
                    dict(name="Huw Price", phone="07700 900808", address="16 Mill Row, Ashford AF2 4DE",
                         unsafe_routes=UnsafeRoute.POST, contact_notes="Calls after 6pm only.")])
    with _on(-14, 10):
        case, (gwen, huw) = _open(cast, CaseKind.MEDIATION, referral)
        cases.set_funding(case, Funding.FUNDED, scheme("Council community safety fund"), by=cast.cara)
    with _on(-12, 14):
        _consent(cast, gwen, -12, ConsentMethod.ONLINE)
        _consent(cast, huw, -12)
        cases.allocate(case, [cast.priya], by=cast.cara)
        gwen_meeting = _book(case, SessionKind.PRE_MEDIATION, _moment(-6, 13), [cast.priya], [gwen],
                             location=cast.office)
        _book(case, SessionKind.PRE_MEDIATION, _moment(0, 15), [cast.priya], [huw],
              mode=SessionMode.TELEPHONE)
        joint = _book(case, SessionKind.JOINT_MEDIATION, _moment(8, 18), [cast.priya], [gwen, huw],
                      mode=SessionMode.COMMUNITY_VENUE, location="Mill Row Community Hall", minutes=90)
    with _on(-6, 15):
        _held(gwen_meeting, [gwen], cast.priya)
        _note(case, cast.priya, Audience.PARTIES,
              "Summary of your meeting: you would like the noise after 11pm to stop, and to feel "
              "safe using your back garden.", parties=[gwen], session=gwen_meeting, summary=True)
        _note(case, cast.priya, Audience.PRIVATE, "Ask Huw about the notes before the joint meeting.")
        _note(case, cast.priya, Audience.CASE_TEAM, "Gwen asked that she and Huw arrive at different times.")
    with _on(-4, 19):
        seat = SessionAttendee.get(SessionAttendee.session == joint.id, SessionAttendee.party == gwen.id)
        sessions.set_supporter(seat, "Megan Hughes", "my sister")
    with _on(-2, 8, 20):
        sessions.ask_about_session(joint, gwen, SessionRequestKind.REARRANGE,
                                   "I work late that week. Could we meet in the morning?")
    with _on(-1, 16, 30):
        concern = safeguarding.raise_concern(
            case, by=cast.priya, category=ConcernCategory.RISK_TO_OTHERS, level=ConcernLevel.MEDIUM,
            description="Gwen said a note through her door told her she would regret complaining. "
                        "She is frightened to use her back garden.",
            about_party=huw, occurred_at="Told to me on the phone by Gwen yesterday afternoon")
        safeguarding.email_leads(concern, case, by=cast.priya)


def _ready_to_book(cast):
    """Ivy, one-to-one coaching about her manager: consent and a coach a month ago, nothing
    booked yet (a quiet case, on the work queue)."""
    with _on(-33, 10):
        referral = _referral(
            dispute=DisputeType.WORKPLACE,
            description="I keep clashing with my new manager and want to handle it better.",
            people=[dict(name="Ivy Chen", phone="07700 900909", unsafe_routes=UnsafeRoute.EMAIL)])
    with _on(-31, 11):
        case, (ivy,) = _open(cast, CaseKind.COACHING, referral)
        _consent(cast, ivy, -31)
        cases.allocate(case, [cast.tom], by=cast.cara)
        cases.set_funding(case, Funding.FUNDED, scheme("Lottery community grant"), by=cast.cara)
        actions.record_goal(case, ivy, kind=GoalKind.DESIRED_OUTCOME,
                            text="Say no to extra work without an argument", by=cast.tom)


def _waiting_for_a_coach(cast):
    """Jon and Kay, a parking dispute referred by the police: both said yes, no coach yet."""
    with _on(-6, 9):
        referral = _referral(
            dispute=DisputeType.NEIGHBOUR, agency_name="Ashford Neighbourhood Policing",
            agency_type=AgencyType.POLICE, referrer_name="PC Sam Reid", referrer_contact="01632 960 555",
            description="Repeated rows over parking spaces in a shared drive.",
            people=[dict(name="Jon Ellis", phone="07700 901010", address="2 Quarry Lane, Ashford AF3 1QL"),
                    dict(name="Kay Ford", phone="07700 901111", address="4 Quarry Lane, Ashford AF3 1QL")])
    with _on(-5, 10):
        case, (jon, kay) = _open(cast, CaseKind.MEDIATION, referral)
    with _on(-4, 17):
        _consent(cast, jon, -4)
        _consent(cast, kay, -4)


def _waiting_for_consent(cast):
    """Lena and Mo, a dispute over a shared bin store: Lena said yes; Mo has not answered in
    two and a half weeks (a consent awaited, on the work queue)."""
    with _on(-20, 9):
        referral = _referral(
            dispute=DisputeType.NEIGHBOUR,
            description="Rubbish left in the shared bin store; we have stopped talking.",
            people=[dict(name="Lena Novak", phone="07700 901212"),
                    dict(name="Mo Rahman", phone="07700 901313", contact_notes="Prefers text messages.")])
    with _on(-18, 10):
        case, (lena, mo) = _open(cast, CaseKind.MEDIATION, referral)
    with _on(-16, 12):
        _consent(cast, lena, -16)


def _coaching_in_progress(cast):
    """Nia's coaching: a first session with a summary file shared with her, a second held
    yesterday with no note yet, the third tomorrow; an action point now overdue."""
    with _on(-24, 14):
        referral = _referral(
            dispute=DisputeType.WORKPLACE,
            description="I feel talked over in team meetings and it is getting me down.",
            people=[dict(name="Nia Clarke", email="nia@example.org", phone="07700 901414")])
    with _on(-22, 10):
        case, (nia,) = _open(cast, CaseKind.COACHING, referral)
        _consent(cast, nia, -22, ConsentMethod.ONLINE)
        cases.allocate(case, [cast.priya], by=cast.cara)
        cases.set_funding(case, Funding.SELF_FUNDED, None, by=cast.cara)
        cases.set_fee(nia, 4500, True, by=cast.cara)
        first = _book(case, SessionKind.COACHING, _moment(-14, 17, 30), [cast.priya], [nia],
                      mode=SessionMode.ONLINE, online_link="https://meet.example.org/accord-nia")
        second = _book(case, SessionKind.COACHING, _moment(-1, 11), [cast.priya], [nia], location=cast.office)
    with _on(-14, 19):
        _held(first, [nia], cast.priya)
        summary = notes.Upload(SUMMARY_FILE.encode(), "coaching-session-1-summary.txt", TEXT)
        _note(case, cast.priya, Audience.PARTIES, "Here is the summary of our first session, as a file.",
              parties=[nia], session=first, summary=True, upload=summary)
        _note(case, cast.priya, Audience.STAFF, "Nia is keen; the manager knows she is coming to us.",
              session=first)
        actions.set_action_point(case, nia, text="Write down three things you would like your manager "
                                 "to understand", due_on=_day(-2), detail="A few lines is plenty.",
                                 by=cast.priya)
        actions.record_goal(case, nia, kind=GoalKind.GOAL, text="Raise a problem at work early and calmly",
                            by=cast.priya)
    with _on(-1, 12, 15):
        _held(second, [nia], cast.priya)  # no note yet: the coach's to-do
        _book(case, SessionKind.COACHING, _moment(1, 17, 30), [cast.priya], [nia],
              mode=SessionMode.ONLINE, online_link="https://meet.example.org/accord-nia")


def _closed_coaching(cast):
    """Tariq's coaching: two sessions, then closed as partly resolved."""
    with _on(-50, 10):
        referral = _referral(
            dispute=DisputeType.WORKPLACE,
            description="A falling-out with a colleague after a restructure.",
            people=[dict(name="Tariq Aziz", phone="07700 901515")])
    with _on(-49, 11):
        case, (tariq,) = _open(cast, CaseKind.COACHING, referral)
        _consent(cast, tariq, -49)
        cases.allocate(case, [cast.tom], by=cast.cara)
        cases.set_funding(case, Funding.SELF_FUNDED, None, by=cast.cara)
        cases.set_fee(tariq, 3000, True, by=cast.cara)
        sittings = [_book(case, SessionKind.COACHING, _moment(days, 18), [cast.tom], [tariq],
                          mode=SessionMode.TELEPHONE) for days in (-42, -35)]
    with _on(-35, 19, 30):
        for sitting in sittings:
            _held(sitting, [tariq], cast.tom)
        _note(case, cast.tom, Audience.CASE_TEAM, "First session: mostly about the restructure itself.",
              session=sittings[0])
        _note(case, cast.tom, Audience.STAFF, "Tariq feels heard; the colleague has since moved team.",
              session=sittings[1])
    with _on(-33, 10):
        feedback.record_coaching_outcome(case, GoalsMet.PARTLY, by=cast.tom)
        cases.close(case, CaseOutcome.PARTLY_RESOLVED, "Tariq has what he wanted for now; he may come back.",
                    by=cast.cara)


def _final_agreement(cast):
    """Ravi and Sue, noise: a joint meeting last week where both accepted the agreement in
    person; it is final, the case still open until its first weeks have gone well."""
    with _on(-26, 12):
        referral = _referral(
            dispute=DisputeType.NEIGHBOUR,
            description="Music through the floor of a converted house, most nights.",
            people=[dict(name="Ravi Singh", phone="07700 901616", address="Flat 1, 9 Station Road, Ashford"),
                    dict(name="Sue Turner", phone="07700 901717", address="Flat 2, 9 Station Road, Ashford")])
    with _on(-25, 10):
        case, (ravi, sue) = _open(cast, CaseKind.MEDIATION, referral)
        _consent(cast, ravi, -25)
        _consent(cast, sue, -25)
        cases.allocate(case, [cast.tom], by=cast.cara)
        cases.set_funding(case, Funding.FUNDED, cast.scheme, by=cast.cara)
        joint = _book(case, SessionKind.JOINT_MEDIATION, _moment(-6, 18), [cast.tom], [ravi, sue],
                      location=cast.office, minutes=120)
    with _on(-6, 20, 30):
        _held(joint, [ravi, sue], cast.tom)
        agreement = agreements.start(case, title="Agreement about noise at 9 Station Road",
                                     template=wording.find("neighbour-noise"), by=cast.tom)
        agreements.change_details(agreement, title=agreement.title, review_on=_day(54),
                                  other_terms=agreement.other_terms)
        agreements.propose(agreement, by=cast.tom)
        for party in (ravi, sue):
            agreements.accept(agreement, party, typed_name=party.name, by=cast.tom,
                              method=AcceptanceMethod.IN_PERSON)
        _note(case, cast.tom, Audience.STAFF, "Both signed at the meeting; I will ring them in a month.",
              session=joint)


def _overdue_urgent_referral():
    """An urgent self-referral from over a week ago, still not triaged: past the service's
    promise (two working days for urgent), so it heads the coordinator's work queue."""
    with _on(-8, 9, 5):
        _referral(dispute=DisputeType.FAMILY, urgency=Urgency.URGENT,
                  description="My brother and I cannot agree about our mother's care and it is "
                              "making her ill.",
                  people=[dict(name="Uma Bell", email="uma@example.org", phone="07700 901818",
                               unsafe_routes=UnsafeRoute.POST),
                          dict(name="Vic Bell", phone="07700 901919")])
