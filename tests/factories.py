"""One factory per model: make_user(...), make_case(...) and friends, with sensible defaults."""

import itertools
from datetime import datetime, timedelta

import pyotp

from portal import passwords, policy
from portal.config import TestConfig
from portal.models import (
    ActionPoint,
    Agreement,
    AuditEvent,
    Case,
    CaseParty,
    CaseSession,
    CoachAllocation,
    Goal,
    Note,
    NoteOverrideRead,
    NoteRevision,
    NoteShare,
    Referral,
    SafeguardingConcern,
    SessionAttendee,
    SessionCoach,
    User,
    utcnow,
)
from portal.timeline import record as timeline_record
from portal.vocab import (
    AgreementState,
    Audience,
    CaseEventKind,
    CaseKind,
    ConcernState,
    DisputeType,
    ReferralSource,
    Role,
    ShareState,
    Urgency,
)

DEFAULT_PASSWORD = "a-long-test-passphrase"
_counter = itertools.count(1)
_hash_cache = {}


def _hash(password):
    # Made outside any app, so with the test configuration's cheap parameters (the ones the test
    # apps use, so signing in does not remake it); still one hash per password.
    if password not in _hash_cache:
        _hash_cache[password] = passwords.hasher_for(TestConfig.PASSWORD_HASH_PARAMS).hash(password)
    return _hash_cache[password]


def make_user(role=Role.COACH, *, name=None, email=None, password=DEFAULT_PASSWORD, **fields):
    """A user; staff have a second factor set up (a secret of their own) unless told
    `totp_secret=None`, as every staff account must."""
    n = next(_counter)
    if role != Role.PARTY:
        fields.setdefault("totp_secret", pyotp.random_base32())
    return User.create(
        name=name or f"{role.title()} Person{n}",
        email=email or f"{role}{n}@example.test",
        role=role,
        password_hash=_hash(password) if password else None,
        **fields,
    )


def make_case(kind=CaseKind.MEDIATION, **fields):
    n = next(_counter)
    case = Case.create(reference=fields.pop("reference", f"AC-2026-{n:04d}"), kind=kind, **fields)
    return _staged(case, case)


def _staged(case, made):
    """`made`, after working the case's stored stage out again, as the services' timeline
    entries do (`CaseEvent.save`): the factories write rows directly, without entries."""
    case_id = case if isinstance(case, int) else case.id
    Case.refresh_stages(Case.id == case_id)
    if isinstance(case, Case):
        case.stage = Case.select(Case.stage).where(Case.id == case_id).scalar()
    return made


def add_party(case, user=None, *, name=None, **fields):
    return _staged(case, CaseParty.create(case=case, user=user, name=name or (user.name if user else "Someone"),
                                          email=user.email if user else None, **fields))


def allocate(case, coach, ended=False):
    return _staged(case, CoachAllocation.create(case=case, coach=coach, ended_at=utcnow() if ended else None))


def make_note(case, author, audience=Audience.STAFF, *, body=None, shares=None, source=None,
              withdrawn=False):
    """`shares` maps a CaseParty to a share state (or is a list of parties: states by the rules)."""
    note = Note.create(case=case, author=author, audience=audience, body=body or "A note.",
                       source_party=source, withdrawn_at=utcnow() if withdrawn else None)
    if shares is not None and not isinstance(shares, dict):
        shares = {p: policy.share_state_for(source.id if source else None, p.id) for p in shares}
    for party, state in (shares or {}).items():
        NoteShare.create(note=note, party=party, state=state)
    return note


def make_concern(case, raised_by, state=ConcernState.OPEN, level="high", **fields):
    return SafeguardingConcern.create(case=case, raised_by=raised_by, state=state, level=level,
                                      category=fields.pop("category", "risk_to_self"),
                                      description=fields.pop("description", "What was said."),
                                      **fields)


def make_session(case, parties=(), coaches=(), starts_at=None, kind="joint_mediation", **fields):
    session = CaseSession.create(case=case, kind=kind, mode=fields.pop("mode", "face_to_face"),
                                 starts_at=starts_at or datetime(2026, 12, 1, 10), **fields)
    for party in parties:
        SessionAttendee.create(session=session, party=party)
    for coach in coaches:
        SessionCoach.create(session=session, coach=coach)
    return _staged(case, session)


def make_action_point(case, party, text="Do the thing", due_in_days=7, **fields):
    return ActionPoint.create(case=case, party=party, text=text,
                              due_on=(utcnow() + timedelta(days=due_in_days)).date(), **fields)


def make_goal(case, party, text="A goal", **fields):
    return Goal.create(case=case, party=party, text=text, **fields)


def make_agreement(case, created_by, state=AgreementState.DRAFT, **fields):
    return _staged(case, Agreement.create(case=case, created_by=created_by, state=state,
                                          title=fields.pop("title", "Agreement"), **fields))


def make_action_point_due(case, party, due_on, text="Do the thing", **fields):
    """An action point due on an exact date (or none), for tests about dates and order."""
    return ActionPoint.create(case=case, party=party, text=text, due_on=due_on, **fields)


def make_agreement_term(agreement, party=None, what="Keep to the quiet hours", **fields):
    from portal.models import AgreementTerm
    position = fields.pop("position", agreement.terms.count() + 1)
    return AgreementTerm.create(agreement=agreement, party=party, what=what, position=position,
                                **fields)


def make_note_file(app, note, data=b"%PDF-1.4\n% a small summary\n", *, name="summary.pdf",
                   content_type="application/pdf"):
    """A file stored in the database and attached to `note`, as an upload would be."""
    from portal import storage
    from portal.db import database
    from portal.models import NoteFile
    with app.app_context(), database.atomic():
        content = storage.store(data)
        return NoteFile.create(note=note, original_name=name, content_type=content_type,
                               size_bytes=len(data), sha256=content.sha256, content=content)


def make_busy_service(app, size):
    """A service with `size` times as much of everything, for tests of what grows with it:
    people, cases, referrals, concerns, audit rows; a coach on 3 x `size` cases, a party on
    `size` + 1 of them (with sessions, notes, requests to share their words, action points,
    goals and agreements on each); and one large case whose notes (48 x `size`, of every
    audience, with a file, an earlier version and an override read each), sessions, action
    points, goals, concerns and timeline (36 x `size`) grow with `size`, so that its notes and
    timeline have a second page at every size, for every member of staff. Returns the
    administrator (a safeguarding lead), the coach and the party by role name, and the large
    case."""
    people = {
        "admin": make_user(Role.COORDINATOR, is_admin=True, is_safeguarding_lead=True),
        "coach": make_user(Role.COACH),
        "party": make_user(Role.PARTY),
    }
    other_coach = make_user(Role.COACH)
    admin, coach, party = people["admin"], people["coach"], people["party"]
    for _ in range(3 * size):
        make_user(Role.PARTY)
    for i in range(3 * size):
        Referral.create(reference=f"RF-2026-{size}{i:04d}", source=ReferralSource.SELF,
                        dispute_type=DisputeType.NEIGHBOUR, description="Noise.",
                        urgency=Urgency.ROUTINE)
    for i in range(5 * size):
        AuditEvent.create(event="sign_in.succeeded", actor_id=admin.id, prev_hash="0" * 64,
                          row_hash=f"{i:064d}")
    cases = []
    for i in range(3 * size):
        case = make_case()
        cases.append(case)
        allocate(case, coach)
        own = add_party(case, party if i <= size else make_user(Role.PARTY))
        other = add_party(case, make_user(Role.PARTY))
        make_session(case, parties=[own, other], coaches=[coach],
                     starts_at=utcnow() + timedelta(days=i - size))
        make_note(case, coach, Audience.PARTIES, shares=[own, other])
        make_note(case, coach, Audience.PARTIES, source=other, shares={own: ShareState.GIVEN})
        make_note(case, coach, Audience.PARTIES, source=own, shares={other: ShareState.WAITING})
        make_action_point(case, own)
        make_goal(case, own)
        make_agreement(case, coach, state=AgreementState.PROPOSED, proposed_at=utcnow())
        make_agreement(case, coach, state=AgreementState.FINAL,
                       review_on=(utcnow() + timedelta(days=i)).date())
        timeline_record(case, CaseEventKind.CASE_OPENED, "Opened.", actor=admin)
        if i % 3 == 0:
            make_concern(case, coach)
    for _ in range(size):
        allocate(make_case(), coach, ended=True)
    big = cases[0]
    allocate(big, other_coach)
    own, other = list(big.parties)
    for i in range(12 * size):
        for audience in Audience:
            note = make_note(big, coach if i % 2 else other_coach, audience,
                             shares=[own, other] if audience == Audience.PARTIES else None)
            make_note_file(app, note)
            NoteRevision.create(note=note, body="Before.", author=note.author)
            NoteOverrideRead.create(note=note, reader=admin, reason="Worried.")
        make_session(big, parties=[own, other], coaches=[coach, other_coach],
                     starts_at=datetime(2026, 12, 1, 10) + timedelta(days=i))
        make_action_point(big, other)
        make_goal(big, other)
        for _ in range(3):
            timeline_record(big, CaseEventKind.ALLOCATION, "Coach allocated.",
                            actor=coach if i % 2 else other_coach)
        make_concern(big, other_coach, state=ConcernState.ACKNOWLEDGED)
    return people, big
