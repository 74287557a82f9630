"""`flask demo bulk`: many believable cases, every stage and state among them, that keep the
rules the service keeps, with an audit trail that still verifies."""

from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
from peewee import fn

from portal import audit, bulk, create_app, demo, policy
from portal.db import database
from portal.models import (
    ActionPoint,
    Agreement,
    AgreementAcceptance,
    AgreementTerm,
    AuditEvent,
    Case,
    CaseEvent,
    CaseParty,
    CaseSession,
    CoachAllocation,
    ConcernEvent,
    Goal,
    Note,
    NoteShare,
    Referral,
    SafeguardingConcern,
    SessionAttendee,
    SessionCoach,
    User,
    utcnow,
)
from portal.sessions.service import MEDIATION_ONLY_KINDS, ONE_PARTY_KINDS
from portal.vocab import (
    AgreementState,
    Audience,
    CaseEventKind,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    ConcernEventKind,
    ConcernState,
    ConsentState,
    ReferralStatus,
    Role,
    SessionKind,
    SessionStatus,
    ShareState,
)
from tests import dbutil
from tests.conftest import enter_as, make_config

CASES = 30
# What the demo brings before the bulk cases: its cases, their parties, coach@'s cases and its
# open safeguarding concern.
DEMO_CASES, DEMO_PARTIES, DEMO_COACH_CASES, DEMO_CONCERNS = 12, 19, 5, 1


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture(scope="module")
def bulk_database(tmp_path_factory):
    """The demo and 30 bulk cases, made once for the module through the command, in a
    database of the module's own (a schema of its own on PostgreSQL)."""
    folder = tmp_path_factory.mktemp("bulk")
    schema = dbutil.new_schema_name() if dbutil.POSTGRES_URL else None
    if schema:
        dbutil.create_schema(schema)
    url = dbutil.postgres_schema_url(schema) if schema else f"sqlite:///{folder / 'accord.sqlite3'}"
    app = create_app(make_config(folder, url))
    db = database.obj
    with database.connection_context():
        dbutil.upgrade()
        with app.app_context():
            demo.load()
        # The demo books sessions earlier today still to be recorded; the rule below is the bulk's.
        demo_sessions = CaseSession.select().count()
    # The bulk command decides past and future by its own clock, read during the command: the
    # tests compare with these moments, not with the time they run (the module's tests may run
    # long after the load, and an hour may have turned since).
    began = utcnow().replace(microsecond=0)
    result = run(app, "demo", "bulk", "--cases", str(CASES), "--seed", "7")
    ended = utcnow()
    assert result.exit_code == 0, result.output
    assert f"Added {CASES} cases" in result.output
    app.config["TEST_BULK_LOADED"] = (began, ended, demo_sessions)
    yield app, db
    db.close()
    if schema:
        dbutil.drop_schema(schema)


@pytest.fixture
def loaded(bulk_database):
    """The module's bulk database, connected for this test (other tests point the shared
    database proxy elsewhere)."""
    app, db = bulk_database
    database.initialize(db)
    database.connect(reuse_if_open=True)
    yield app
    database.close()


@pytest.fixture
def client(loaded):
    return loaded.test_client()


def values(field):
    return {row[0] for row in field.model.select(field).tuples()}


def test_counts_are_those_of_a_busy_service(loaded):
    assert Case.select().count() == DEMO_CASES + CASES
    per_case = Note.select().count() / Case.select().count()
    assert 7 <= per_case <= 13
    assert CASES * 1.2 <= CaseParty.select().count() - DEMO_PARTIES <= CASES * 2
    assert CaseSession.select().count() >= CASES
    assert CaseEvent.select().count() >= CASES * 10
    assert AuditEvent.select().count() >= CASES * 10
    assert Referral.select().where(Referral.status == ReferralStatus.ACCEPTED).count() >= CASES * 0.8
    assert ActionPoint.select().count() >= CASES and Goal.select().count() >= CASES
    # A few percent of cases, but every state at least once (the bulk writer's mix), and never
    # two concerns planned onto one case.
    concerns = SafeguardingConcern.select().count()
    assert len(ConcernState) <= concerns - DEMO_CONCERNS <= len(ConcernState) + CASES // 10
    assert SafeguardingConcern.select(SafeguardingConcern.case).distinct().count() == concerns


def test_every_stage_and_state_is_there(loaded):
    assert values(Case.kind) == set(CaseKind)
    assert values(Case.status) == set(CaseStatus)
    assert values(Case.outcome) - {None} == set(CaseOutcome)
    assert values(CaseParty.consent_state) == set(ConsentState)
    assert values(CaseSession.status) == set(SessionStatus)
    assert values(CaseSession.kind) == set(SessionKind)
    assert values(Note.audience) == set(Audience)
    assert values(NoteShare.state) == set(ShareState)
    assert values(Agreement.state) == set(AgreementState)
    assert values(SafeguardingConcern.state) == set(ConcernState)
    assert values(Referral.status) == set(ReferralStatus)
    assert values(CaseEvent.kind) == set(CaseEventKind)
    # A concern's raising is the concern itself: the service writes no event for it.
    assert values(ConcernEvent.kind) == set(ConcernEventKind) - {ConcernEventKind.RAISED}
    assert Note.select().where(Note.withdrawn_at.is_null(False)).exists()
    assert CoachAllocation.select().where(CoachAllocation.ended_at.is_null(False)).exists()


def test_the_demo_people_get_their_share(loaded):
    coach = User.get(User.email == "coach@example.org")
    assert CoachAllocation.select().where(CoachAllocation.coach == coach).count() == DEMO_COACH_CASES + CASES // 4
    for email in ("alex@example.org", "bea@example.org"):
        records = CaseParty.select().join(User).where(User.email == email).count()
        assert 3 <= records <= 6  # their demo cases and two or three more
    # The demo's coach with no cases keeps none.
    idle = User.get(User.email == "coach3@example.org")
    assert not CoachAllocation.select().where(CoachAllocation.coach == idle).exists()


def test_the_audit_trail_still_verifies(loaded):
    result = run(loaded, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("intact")
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().event == "demo.bulk_loaded"


def test_cases_carry_their_last_activity_and_parties_their_search_terms(loaded):
    """What the case list reads is written with the rows, as the models keep it."""
    from portal import search_terms
    from portal.models import Case, CaseEvent, CaseParty, SearchTerm
    latest = dict(CaseEvent.select(CaseEvent.case, fn.MAX(CaseEvent.created_at)).group_by(CaseEvent.case).tuples())
    for case in Case.select():
        assert case.last_activity_at == max(latest.get(case.id, case.created_at), case.created_at), case.reference
    terms = defaultdict(set)
    for party_id, term in SearchTerm.select(SearchTerm.party, SearchTerm.term).tuples():
        terms[party_id].add(term)
    for party in CaseParty.select():
        assert terms[party.id] == search_terms.party_terms(party.name, party.email, party.phone, party.address)


def test_cases_carry_the_stage_their_facts_give(loaded):
    """The stored stage (migration 16), written chunk by chunk, is the rule's on every case."""
    from portal import queries
    from portal.models import Case
    worked_out = dict(Case.select(Case.id, queries.case_stage_sql()).tuples())
    assert dict(Case.select(Case.id, Case.stage).tuples()) == worked_out
    assert len(set(worked_out.values())) >= 5


def test_shares_follow_the_consent_rules(loaded):
    notes = {n.id: n for n in Note.select()}
    states = Counter()
    for share in NoteShare.select():
        note = notes[share.note_id]
        assert note.audience == Audience.PARTIES
        first = policy.share_state_for(note.source_party_id, share.party_id)
        if first == ShareState.NOT_NEEDED:
            assert share.state == ShareState.NOT_NEEDED
        else:
            # Another party's words: asked, and only sometimes agreed.
            assert share.state != ShareState.NOT_NEEDED
            states[share.state] += 1
        if share.state in (ShareState.GIVEN, ShareState.REFUSED, ShareState.WITHDRAWN):
            assert share.consent_method and share.consent_at and share.consent_recorded_by_id
    assert states[ShareState.WAITING] and states[ShareState.GIVEN]


def test_sessions_keep_the_booking_rules(loaded):
    cases = {c.id: c for c in Case.select()}
    parties = {p.id: p for p in CaseParty.select()}
    allocated = defaultdict(set)
    for allocation in CoachAllocation.select():
        allocated[allocation.case_id].add(allocation.coach_id)
    seats = defaultdict(list)
    for seat in SessionAttendee.select():
        seats[seat.session_id].append(seat)
    busy = defaultdict(list)
    began, ended, demo_sessions = loaded.config["TEST_BULK_LOADED"]
    for session in CaseSession.select():
        case = cases[session.case_id]
        attendees = seats[session.id]
        assert all(parties[a.party_id].case_id == case.id for a in attendees)
        assert all(parties[a.party_id].consent_state in (ConsentState.GIVEN, ConsentState.WITHDRAWN)
                   for a in attendees)
        if session.kind in ONE_PARTY_KINDS:
            assert len(attendees) == 1
        else:
            assert len(attendees) >= 2
        assert case.kind == CaseKind.MEDIATION or session.kind not in MEDIATION_ONLY_KINDS
        from_bulk = session.id > demo_sessions
        if from_bulk and session.starts_at > ended:
            assert session.status == SessionStatus.SCHEDULED
        elif from_bulk and session.starts_at < began:
            assert session.status != SessionStatus.SCHEDULED
        coaches = [s.coach_id for s in SessionCoach.select().where(SessionCoach.session == session.id)]
        assert coaches and set(coaches) <= allocated[case.id]
        if session.status != SessionStatus.CANCELLED:
            end = session.starts_at + timedelta(minutes=session.duration_minutes)
            for person in [("coach", c) for c in coaches] + [("party", a.party_id) for a in attendees]:
                busy[person].append((session.starts_at, end))
    for person, times in busy.items():
        times.sort()
        assert all(a[1] <= b[0] for a, b in zip(times, times[1:], strict=False)), f"{person} double-booked"


def test_people_have_the_roles_their_rows_need(loaded):
    users = {u.id: u for u in User.select()}
    allocated = defaultdict(set)
    for allocation in CoachAllocation.select():
        assert users[allocation.coach_id].role == Role.COACH
        if allocation.ended_at is None:
            assert users[allocation.coach_id].active
        allocated[allocation.case_id].add(allocation.coach_id)
    for note in Note.select():
        assert note.author_id in allocated[note.case_id]  # only coaches on the case write notes
    for party in CaseParty.select().where(CaseParty.user.is_null(False)):
        assert users[party.user_id].role == Role.PARTY
    for concern in SafeguardingConcern.select().where(SafeguardingConcern.state != ConcernState.OPEN):
        assert users[concern.acknowledged_by_id].is_safeguarding_lead


def test_agreements_move_as_the_service_moves_them(loaded):
    for agreement in Agreement.select().where(Agreement.state != AgreementState.DRAFT):
        parties = list(CaseParty.select().where(CaseParty.case == agreement.case_id))
        assert all(p.consent_state == ConsentState.GIVEN for p in parties)  # proposed only with consent
        assert agreement.proposed_at is not None
        accepted = {a.party_id for a in AgreementAcceptance.select().where(AgreementAcceptance.agreement == agreement)}
        if agreement.state == AgreementState.FINAL:
            assert accepted == {p.id for p in parties} and agreement.finalised_at
            terms = AgreementTerm.select().where(AgreementTerm.agreement == agreement)
            assert ActionPoint.select().where(ActionPoint.agreement_term.in_(terms)).count() >= terms.count()
    for agreement in Agreement.select().where(Agreement.state == AgreementState.SUPERSEDED):
        assert Agreement.select().where(Agreement.previous == agreement).exists()


def test_a_final_agreement_without_a_stored_pdf_still_reads_and_downloads(loaded, client):
    """Bulk finals have no stored PDF: the page shows them and the PDF is made when asked."""
    # The latest final is a bulk one (the demo's, made through the service, have their PDFs).
    agreement = (Agreement.select().where(Agreement.state == AgreementState.FINAL)
                 .order_by(Agreement.id.desc()).first())
    assert agreement.case_id > DEMO_CASES and agreement.pdf_content_id is None
    enter_as(client, User.get(User.email == "coordinator@example.org"))
    base = f"/cases/{agreement.case.reference}/agreements/{agreement.id}"
    page = client.get(base)
    assert page.status_code == 200
    assert "Download the agreement (PDF)" in page.get_data(as_text=True)
    download = client.get(f"{base}/agreement.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_pages_of_the_demo_people_show_their_bulk_cases(loaded, client):
    for email in ("coach@example.org", "alex@example.org"):
        user = User.get(User.email == email)
        mine = (Case.select().join(CaseParty).where(CaseParty.user == user) if user.role == Role.PARTY else
                Case.select().join(CoachAllocation).where(CoachAllocation.coach == user))
        references = [case.reference for case in mine.where(Case.id > 2)]  # the demo's own are 1 and 2
        enter_as(client, user)
        home = client.get("/", follow_redirects=True)
        assert home.status_code == 200
        assert any(reference in home.get_data(as_text=True) for reference in references)
        if user.role == Role.COACH:  # the case page is the staff's; parties have their home
            for reference in references[:3]:
                assert client.get(f"/cases/{reference}").status_code == 200


def test_on_its_own_the_same_seed_makes_the_same_cases(app):
    """Without the demo it makes its own staff; run twice with one seed (and one moment), it
    makes the same cases, parties and notes."""
    now = datetime(2026, 6, 1, 12, 0)

    def snapshot():
        return (list(Case.select(Case.reference, Case.kind, Case.status, Case.outcome).order_by(Case.id).tuples()),
                list(CaseParty.select(CaseParty.name, CaseParty.consent_state).order_by(CaseParty.id).tuples()),
                list(Note.select(Note.audience, Note.body).order_by(Note.id).tuples()))

    with app.app_context():
        bulk.add_cases(8, seed=3, now=now)
        first = snapshot()
        assert User.select().where(User.role == Role.COORDINATOR, User.is_admin == True).exists()  # noqa: E712
    result = run(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert first[0] and first[2]
    # The second run continues the numbering, and otherwise makes the same.
    with app.app_context():
        bulk.add_cases(8, seed=3, now=now)
        second = snapshot()
    assert [row[1:] for row in second[0][len(first[0]):]] == [row[1:] for row in first[0]]
    assert second[1][len(first[1]):] == first[1]


def test_the_service_carries_on_after_a_bulk_load(app):
    """New rows take ids after the bulk rows (PostgreSQL's sequences were moved on), new cases
    the next reference, and the audit trail still chains."""
    with app.app_context():
        bulk.add_cases(1, seed=4)  # the smallest run, too
        case = Case.create(reference=Case.next_reference(utcnow().year), kind=CaseKind.MEDIATION)
        assert case.id == Case.select(fn.MAX(Case.id)).scalar()
        event = CaseEvent.create(case=case, kind=CaseEventKind.CASE_OPENED, summary="Opened.")
        assert event.id == CaseEvent.select(fn.MAX(CaseEvent.id)).scalar()
        audit.record("case.closed", record=case, case_id=case.id)
    result = run(app, "audit", "verify")
    assert result.exit_code == 0, result.output
