"""Demonstration data: a small service with staff, parties, twelve cases at every stage and
notes of every audience.

Used by `make run` on a new database, and by the browser tests. The first two cases and the two
referrals are written here, row by row, as they always were (tests find their way by them);
`portal/demo_cases.py` tells the other ten through the service's own functions. Everything here
is invented.
"""

import base64
import hashlib
from datetime import datetime, timedelta

from flask import current_app, has_request_context

from portal import demo_cases, passwords, policy, service_lists, times
from portal.db import KEEPS_CONNECTION, database
from portal.models import (
    ActionPoint,
    Case,
    CaseParty,
    CaseSession,
    CoachAllocation,
    ConsentEvent,
    Goal,
    Note,
    NoteShare,
    Referral,
    ReferralPerson,
    SessionAttendee,
    SessionCoach,
    User,
    utcnow,
)
from portal.vocab import (
    AgencyType,
    Audience,
    CaseKind,
    ConsentMethod,
    ConsentState,
    DisputeType,
    Funding,
    ReferralSource,
    ReferralStatus,
    Role,
    ServiceList,
    SessionKind,
    SessionMode,
    SessionStatus,
    UnsafeRoute,
    Urgency,
)

DEMO_PASSWORD = "demo-accord-2026"

# (email, name, role, safeguarding lead, administrator)
PEOPLE = [
    ("coordinator@example.org", "Cara Osei", Role.COORDINATOR, True, True),
    ("coordinator2@example.org", "Dev Patel", Role.COORDINATOR, False, False),
    ("coach@example.org", "Priya Shah", Role.COACH, False, False),
    ("coach2@example.org", "Tom Reed", Role.COACH, False, False),
    ("coach3@example.org", "Una Byrne", Role.COACH, False, False),
    ("alex@example.org", "Alex Morgan", Role.PARTY, False, False),
    ("bea@example.org", "Bea Lewis", Role.PARTY, False, False),
    ("carys@example.org", "Carys Evans", Role.PARTY, False, False),
    ("dan@example.org", "Dan Okafor", Role.PARTY, False, False),
    ("erin@example.org", "Erin Walsh", Role.PARTY, False, False),
    ("femi@example.org", "Femi Adeyemi", Role.PARTY, False, False),
    ("gwen@example.org", "Gwen Hughes", Role.PARTY, False, False),
    ("nia@example.org", "Nia Clarke", Role.PARTY, False, False),
]



def two_factor_secret(email):
    """A demo staff account's fixed TOTP secret (base32), the same on every machine, so a
    newcomer adds it to an authenticator app once; `demo sign-ins` prints it. Demo data only:
    real accounts get a random secret when they set up two-factor sign-in."""
    digest = hashlib.sha256(f"accord demo two-factor {email}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def staff_emails():
    return {email for email, _name, role, _lead, _admin in PEOPLE if role != Role.PARTY}


SIGN_INS = [
    ("coordinator@example.org", "coordinator, safeguarding lead and administrator"),
    ("coordinator2@example.org", "coordinator"),
    ("coach@example.org", "coach on the first two cases and three more (a session today)"),
    ("coach2@example.org", "coach on the first mediation case and five more"),
    ("coach3@example.org", "coach with no cases"),
    ("alex@example.org", "party on the first two cases (a mediation and coaching)"),
    ("bea@example.org", "party on the first mediation case"),
    ("carys@example.org", "party on a closed mediation whose agreement runs on"),
    ("dan@example.org", "party on that mediation, offered post-mediation coaching"),
    ("erin@example.org", "party who accepted a proposed agreement"),
    ("femi@example.org", "party who asked for a change to that agreement"),
    ("gwen@example.org", "party on a mediation with a safeguarding concern"),
    ("nia@example.org", "party on coaching, with a summary file and an overdue action point"),
]


def has_users():
    return User.select().exists()


def load():
    """Create the demo service in one transaction. The service functions build links for their
    emails, which needs a request: if there is none, a made-up one at the portal's address
    (which leaves the caller's database connection open)."""
    if not has_request_context():
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"],
                                              environ_base={KEEPS_CONNECTION: True}):
            return load()
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    with database.atomic():
        users = {
            email: User.create(name=name, email=email, role=role, is_safeguarding_lead=lead,
                               is_admin=admin, password_hash=password_hash,
                               totp_secret=None if role == Role.PARTY else two_factor_secret(email))
            for email, name, role, lead, admin in PEOPLE
        }
        _mediation_case(users)
        _coaching_case(users)
        _referrals()
        demo_cases.load(users)


def _at(days, hour):
    """A UTC time `days` from today at `hour`:00."""
    day = times.local_today() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour)


def _party(case, user, phone, address, coordinator):
    party = CaseParty.create(case=case, user=user, name=user.name, email=user.email, phone=phone,
                             address=address, consent_state=ConsentState.GIVEN)
    ConsentEvent.create(party=party, state=ConsentState.GIVEN, method=ConsentMethod.PHONE,
                        occurred_on=times.local_today() - timedelta(days=20), recorded_by=coordinator)
    return party


def _session(case, kind, starts_at, coaches, parties, mode=SessionMode.FACE_TO_FACE, location=None, **fields):
    if location is None and mode == SessionMode.FACE_TO_FACE:
        location = current_app.config["OFFICES"][0]
    session = CaseSession.create(case=case, kind=kind, starts_at=starts_at, mode=mode,
                                 location=location or "", created_by=coaches[0], **fields)
    for coach in coaches:
        SessionCoach.create(session=session, coach=coach)
    for party in parties:
        SessionAttendee.create(session=session, party=party,
                               attended=True if fields.get("status") == SessionStatus.HELD else None)
    return session


def _note(case, author, audience, body, shared_with=(), source=None):
    note = Note.create(case=case, author=author, audience=audience, body=body, source_party=source)
    for party in shared_with:
        NoteShare.create(note=note, party=party,
                         state=policy.share_state_for(source.id if source else None, party.id))
    return note


def _mediation_case(users):
    coordinator, priya, tom = (users["coordinator@example.org"], users["coach@example.org"],
                               users["coach2@example.org"])
    case = Case.create(reference=Case.next_reference(utcnow().year), kind=CaseKind.MEDIATION,
                       dispute_type=DisputeType.NEIGHBOUR, funding=Funding.FUNDED,
                       funding_scheme=service_lists.entries(ServiceList.FUNDING_SCHEME)[0].code)
    for coach in (priya, tom):
        CoachAllocation.create(case=case, coach=coach, allocated_by=coordinator)
    alex = _party(case, users["alex@example.org"], "07700 900101", "1 Elm Road", coordinator)
    bea = _party(case, users["bea@example.org"], "07700 900202", "3 Elm Road", coordinator)
    _session(case, SessionKind.PRE_MEDIATION, _at(-10, 10), [priya], [alex], status=SessionStatus.HELD)
    _session(case, SessionKind.PRE_MEDIATION, _at(-9, 14), [priya], [bea], status=SessionStatus.HELD)
    joint = _session(case, SessionKind.JOINT_MEDIATION, _at(7, 11), [priya, tom], [alex, bea],
                     mode=SessionMode.COMMUNITY_VENUE, location="Elm Road Community Centre")
    _note(case, priya, Audience.PRIVATE, "My own reminder: check the hedge photos before the joint session.")
    _note(case, priya, Audience.CASE_TEAM, "For Tom: Alex gets anxious in large rooms; sit near the door.")
    _note(case, priya, Audience.STAFF, "Both parties confirmed they can attend the joint session.")
    _note(case, priya, Audience.PARTIES,
          "Summary of your meeting: you would like quiet hours after 10pm agreed in writing.",
          shared_with=[alex], source=alex)
    _note(case, priya, Audience.PARTIES,
          "Alex is willing to trim the hedge in spring if the noise stops after 10pm.",
          shared_with=[bea], source=alex)
    Note.update(session=joint).where(Note.case == case, Note.audience == Audience.STAFF).execute()
    ActionPoint.create(case=case, party=alex, text="Note the dates and times of any late noise",
                       due_on=times.local_today() + timedelta(days=5), created_by=priya)
    ActionPoint.create(case=case, party=bea, text="Think about which evenings you have visitors",
                       due_on=times.local_today() + timedelta(days=5), created_by=priya)
    Goal.create(case=case, party=alex, text="Sleep through the night on weekdays", created_by=priya)
    _draft_agreement(case, priya)


def _draft_agreement(case, coach):
    """A draft from the neighbour-noise template: staff see it; the parties once proposed."""
    from portal.agreements import service, wording
    service.start(case, title="Agreement about noise on Elm Road",
                  template=wording.find("neighbour-noise"), by=coach)


def _coaching_case(users):
    coordinator, priya = users["coordinator@example.org"], users["coach@example.org"]
    case = Case.create(reference=Case.next_reference(utcnow().year), kind=CaseKind.COACHING,
                       dispute_type=DisputeType.WORKPLACE, funding=Funding.SELF_FUNDED)
    CoachAllocation.create(case=case, coach=priya, allocated_by=coordinator)
    alex = _party(case, users["alex@example.org"], "07700 900101", "1 Elm Road", coordinator)
    CaseParty.update(fee_pence=4500).where(CaseParty.id == alex.id).execute()
    _session(case, SessionKind.COACHING, _at(3, 16), [priya], [alex], mode=SessionMode.ONLINE,
             online_link="https://meet.example.org/accord-coaching")
    _note(case, priya, Audience.STAFF, "First coaching session booked; workplace conflict with a manager.")
    ActionPoint.create(case=case, party=alex, text="Write down what a good outcome would look like",
                       due_on=times.local_today() - timedelta(days=1), created_by=priya)


def _referrals():
    year = utcnow().year
    urgent = Referral.create(
        reference=Referral.next_reference(year), source=ReferralSource.AGENCY,
        agency_name="Elm Housing Trust", agency_type=AgencyType.HOUSING, referrer_name="Jo Hart",
        referrer_contact="jo.hart@example.org",
        dispute_type=DisputeType.NEIGHBOUR, urgency=Urgency.URGENT,
        description="Shouting across the shared landing most evenings; both tenants want it to stop.",
        safety_worry="One tenant mentioned threats written on the door.")
    ReferralPerson.create(referral=urgent, name="Kim Lowe", phone="07700 900404", unsafe_routes=UnsafeRoute.POST)
    ReferralPerson.create(referral=urgent, name="Lee Marsh", email="lee@example.org")
    routine = Referral.create(
        reference=Referral.next_reference(year), source=ReferralSource.SELF, dispute_type=DisputeType.WORKPLACE,
        urgency=Urgency.ROUTINE, description="A long disagreement with a colleague about shared work.")
    ReferralPerson.create(referral=routine, name="Max Quinn", email="max@example.org",
                          unsafe_routes=UnsafeRoute.PHONE)
    # Declined a fortnight short of the retention period ago: the Retention page lists it among
    # what will be anonymised in the next 30 days.
    declined_at = utcnow() - timedelta(days=max(current_app.config["RETENTION_DAYS"] - 14, 0))
    declined = Referral.create(
        reference=Referral.next_reference(declined_at.year), source=ReferralSource.SELF,
        dispute_type=DisputeType.NEIGHBOUR, urgency=Urgency.ROUTINE,
        description="A shared driveway blocked most mornings, before the service covered this area.",
        status=ReferralStatus.DECLINED, decline_reason="Outside the area the service covered then.",
        created_at=declined_at - timedelta(days=3), triaged_at=declined_at)
    ReferralPerson.create(referral=declined, name="Pat Rowe", email="pat.rowe@example.org")
