"""The demo tells the whole story: every promise README makes about it, checked by querying the
database after `demo.load()` (the same load `make run` and the browser tests use).

`flask demo load` on a database with data refusing without a traceback is in
tests/test_migrations.py, and `audit verify` after `demo load` in tests/test_audit_anchors.py.
"""

import io
import re
from collections import Counter
from datetime import UTC, time, timedelta
from pathlib import Path

import pytest
from peewee import DateTimeField

from portal import demo, queries, retention, storage, times
from portal.agreements import pdf
from portal.agreements import service as agreements
from portal.models import (
    MODELS,
    ActionPoint,
    Agreement,
    AuditEvent,
    Case,
    CaseEvent,
    CaseParty,
    CaseSession,
    FeedbackRequest,
    Note,
    NoteFile,
    NoteShare,
    Referral,
    SafeguardingConcern,
    SessionAttendee,
    SessionRequest,
    User,
    utcnow,
)
from portal.vocab import (
    AgreementState,
    Audience,
    CaseEventKind,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    CoachingOfferAnswer,
    ConcernState,
    ReferralStatus,
    Role,
    SessionRequestKind,
    SessionStatus,
    ShareState,
    Stage,
    Urgency,
)
from tests.conftest import sign_in

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def loaded(app):
    """The app with the demo loaded (no app context left open: requests make their own)."""
    with app.app_context():
        demo.load()
    return app


@pytest.fixture
def demo_app(loaded):
    """... and an app context, for the service's today and time zone."""
    with loaded.app_context():
        yield loaded


def local_day(moment):
    return times.to_local(moment).date()


@pytest.mark.usefixtures("demo_app")
class TestTheStory:
    def test_twelve_cases_stand_at_every_stage_in_both_kinds(self):
        stages = Counter((c.kind, c.stage) for c in Case.select(Case.kind, queries.case_stage_sql().alias("stage")))
        assert stages == {
            (CaseKind.MEDIATION, Stage.IN_PROGRESS): 2,  # the first case, and Gwen and Huw's
            (CaseKind.COACHING, Stage.IN_PROGRESS): 2,  # the second case, and Nia's
            (CaseKind.MEDIATION, Stage.CLOSED): 1,
            (CaseKind.COACHING, Stage.CLOSED): 1,
            (CaseKind.MEDIATION, Stage.AGREEMENT_PROPOSED): 1,
            (CaseKind.MEDIATION, Stage.AGREEMENT_FINAL): 1,
            (CaseKind.MEDIATION, Stage.WAITING_FOR_CONSENT): 1,
            (CaseKind.COACHING, Stage.WAITING_FOR_CONSENT): 1,  # Dan's coaching offer
            (CaseKind.MEDIATION, Stage.WAITING_FOR_COACH): 1,
            (CaseKind.COACHING, Stage.READY_TO_BOOK): 1,
        }
        assert {stage for _, stage in stages} == set(Stage)

    def test_the_first_two_cases_are_as_they_always_were(self):
        first, second = Case.select().order_by(Case.id).limit(2)
        assert (first.kind, second.kind) == (CaseKind.MEDIATION, CaseKind.COACHING)
        names = [[p.name for p in c.parties.order_by(CaseParty.id)] for c in (first, second)]
        assert names == [["Alex Morgan", "Bea Lewis"], ["Alex Morgan"]]
        assert [r.reference[-4:] for r in Referral.select().order_by(Referral.id).limit(2)] == ["0001", "0002"]

    def test_sessions_yesterday_today_tomorrow_and_next_week(self):
        today = times.local_today()
        days = Counter((local_day(s.starts_at) - today).days for s in CaseSession.select())
        assert days[-1] == 1 and days[0] == 1 and days[1] == 1
        assert days[7] + days[8] == 2
        yesterday = CaseSession.get(CaseSession.starts_at < utcnow(),
                                    CaseSession.starts_at > utcnow() - timedelta(days=2),
                                    CaseSession.status == SessionStatus.HELD)
        assert not Note.select().where(Note.session == yesterday.id).exists()  # the note to write

    def test_a_closed_mediation_whose_final_agreement_runs_on(self):
        agreement = (Agreement.select().join(Case)
                     .where(Agreement.state == AgreementState.FINAL, Case.status == CaseStatus.CLOSED).get())
        case = agreement.case
        assert (case.kind, case.outcome) == (CaseKind.MEDIATION, CaseOutcome.RESOLVED)
        assert agreement.review_on == times.local_today() + timedelta(days=10)
        assert agreement.reviewed_on is None
        assert agreements.stored_pdf(agreement).startswith(b"%PDF-")
        # Its terms became action points: Carys has paid her half, Dan has not (overdue), and
        # both still have the hedge to trim.
        points = {(p.party.name, p.text, p.done_at is not None)
                  for p in ActionPoint.select().where(ActionPoint.agreement_term.is_null(False),
                                                      ActionPoint.case == case.id)}
        assert points == {
            ("Carys Evans", "Trim the hedge on your own side to 2 metres", False),
            ("Dan Okafor", "Trim the hedge on your own side to 2 metres", False),
            ("Dan Okafor", "Give a week's notice before work on the fence, and agree a time", False),
            ("Carys Evans", "Pay your half of the fence repair", True),
            ("Dan Okafor", "Pay your half of the fence repair", False),
        }
        coordinator = User.get(User.email == "coordinator@example.org")
        # Due for review soonest of the two final agreements (the other's case is still open).
        reviews = list(queries.agreement_reviews(coordinator))
        assert [(a.id, a.case.status) for a in reviews] == [(agreement.id, CaseStatus.CLOSED),
                                                            (reviews[1].id, CaseStatus.OPEN)]
        assert agreement.finalised_at < utcnow() - timedelta(days=30)

    def test_one_agreement_proposed_and_one_final_on_open_cases(self):
        states = Counter(a.state for a in Agreement.select().join(Case).where(Case.status == CaseStatus.OPEN))
        assert states == {AgreementState.DRAFT: 1, AgreementState.PROPOSED: 1, AgreementState.FINAL: 1}

    def test_an_open_concern_raised_through_the_service(self):
        concern = SafeguardingConcern.get()
        assert concern.state == ConcernState.OPEN and concern.acknowledged_at is None
        assert CaseEvent.select().where(CaseEvent.case == concern.case_id,
                                        CaseEvent.kind == CaseEventKind.SAFEGUARDING).count() == 1
        assert AuditEvent.select().where(AuditEvent.event == "safeguarding.concern_raised",
                                         AuditEvent.record_id == concern.id).count() == 1

    def test_post_mediation_coaching_offered_and_waiting_for_the_answer(self):
        offered = CaseParty.get(CaseParty.coaching_offer.is_null(False))
        assert (offered.name, offered.coaching_offer) == ("Dan Okafor", CoachingOfferAnswer.WAITING)
        assert offered.user.email == "dan@example.org"
        assert offered.case.parent_case.status == CaseStatus.CLOSED

    def test_referrals_waiting_one_urgent_past_the_promise(self):
        waiting = list(Referral.select().where(Referral.status == ReferralStatus.NEW))
        assert len(waiting) == 3
        # A week holds five working days: past the promise for urgent (2) and routine (5) alike.
        late = [r for r in waiting if r.urgency == Urgency.URGENT and r.created_at < utcnow() - timedelta(days=7)]
        assert [r.people.count() for r in late] == [2]

    def test_a_declined_referral_is_due_to_be_anonymised_within_30_days(self):
        days, safeguarding_days = retention.periods()
        coordinator = User.get(User.email == "coordinator@example.org")
        due = list(queries.referrals_due_for_anonymising(coordinator, utcnow() + timedelta(days=30), days,
                                                         safeguarding_days))
        assert [(Referral.get_by_id(d.id).status, bool(d.told_of_safety_worry)) for d in due] == [
            (ReferralStatus.DECLINED, False)]
        # Due in a fortnight, not today: a retention run now leaves it.
        assert not queries.referrals_past_retention(utcnow(), days, safeguarding_days).exists()

    def test_notes_of_every_audience_a_consent_request_and_a_summary_file(self):
        assert {n.audience for n in Note.select(Note.audience)} == set(Audience)
        waiting = (NoteShare.select().join(Note)
                   .where(NoteShare.state == ShareState.WAITING, Note.source_party != NoteShare.party))
        assert waiting.count() == 2  # Alex's words for Bea, Femi's for Erin
        file = NoteFile.get()
        assert file.note.is_summary and file.note.audience == Audience.PARTIES
        assert file.note.shares.get().party.user.email == "nia@example.org"
        data = storage.read(file.content_id, file.sha256)
        assert data.startswith(b"Coaching session 1: summary for Nia Clarke")
        assert storage.kind_of(data) == storage.TEXT

    def test_an_overdue_action_point_a_request_to_rearrange_and_a_supporter(self):
        overdue = ActionPoint.select().where(ActionPoint.due_on < times.local_today(), ActionPoint.done_at.is_null())
        assert {p.party.name for p in overdue} == {"Alex Morgan", "Nia Clarke", "Dan Okafor"}
        request = SessionRequest.get()
        assert (request.kind, request.party.name, request.dealt_with_at) == (SessionRequestKind.REARRANGE,
                                                                             "Gwen Hughes", None)
        assert request.session.starts_at > utcnow()
        seat = SessionAttendee.get(SessionAttendee.supporter_name.is_null(False))
        assert (seat.supporter_name, seat.supporter_coach_told, seat.session_id) == ("Megan Hughes", True,
                                                                                     request.session_id)

    def test_the_timeline_reads_like_weeks_of_work(self):
        kinds = {e.kind for e in CaseEvent.select(CaseEvent.kind)}
        assert {CaseEventKind.CASE_OPENED, CaseEventKind.CONSENT, CaseEventKind.ALLOCATION,
                CaseEventKind.FUNDING, CaseEventKind.SESSION_SCHEDULED, CaseEventKind.SESSION_OUTCOME,
                CaseEventKind.AGREEMENT, CaseEventKind.ACTION_POINT, CaseEventKind.GOAL,
                CaseEventKind.SAFEGUARDING, CaseEventKind.CLOSED, CaseEventKind.FOLLOW_ON} <= kinds
        now = utcnow()
        assert not CaseEvent.select().where(CaseEvent.created_at > now).exists()
        # Every stamp on the story's cases is the story's (all before today), none the load's.
        midnight = times.local_to_utc(times.local_today(), time(0, 0))
        story = Case.select(Case.id).order_by(Case.id).offset(2)
        for model in MODELS:
            if model is not Case and "case" not in model._meta.fields:
                continue
            for field in model._meta.sorted_fields:
                # A session's time and a feedback link's expiry are ahead by design, not stamps.
                if isinstance(field, DateTimeField) and all(
                        field is not ahead for ahead in (CaseSession.starts_at, FeedbackRequest.expires_at)):
                    rows = model.select().where(field >= midnight,
                                                (Case.id if model is Case else model.case).in_(story))
                    assert not rows.exists(), (model.__name__, field.name)
        opened = [local_day(c.created_at) for c in Case.select().order_by(Case.id)]
        assert min(opened) == times.local_today() - timedelta(days=72)
        for case in Case.select():
            latest = max([e.created_at for e in case.events] or [case.created_at])
            assert case.last_activity_at == latest, case.reference


def test_every_party_account_signs_in_with_the_demo_password_and_is_listed(loaded):
    parties = [email for email, _name, role, _lead, _admin in demo.PEOPLE if role == Role.PARTY]
    assert len(parties) == 8
    listed = {email for email, _ in demo.SIGN_INS}
    readme = README.read_text(encoding="utf-8")
    for email in parties:
        assert email in listed and f"| {email} |" in readme
        user = User.get(User.email == email)
        assert CaseParty.select().where(CaseParty.user == user.id).exists(), email
        answer = sign_in(loaded.test_client(), email, demo.DEMO_PASSWORD)
        assert (answer.status_code, answer.headers["Location"]) == (303, "/"), email
    printed = loaded.test_cli_runner().invoke(args=["demo", "sign-ins"]).output
    assert all(email in printed for email in listed)


def test_each_demo_staff_line_gives_its_two_factor_secret_and_parties_have_none(loaded):
    printed = loaded.test_cli_runner().invoke(args=["demo", "sign-ins"]).output
    lines = {line.split()[0]: line for line in printed.splitlines() if "@example.org" in line}
    for email, _name, role, _lead, _admin in demo.PEOPLE:
        secret = User.by_email(email).get().totp_secret
        if role == Role.PARTY:
            assert secret is None and "two-factor secret" not in lines[email]
        else:
            # Fixed: the same on every machine, so a newcomer's app keeps working after a reload.
            assert secret == demo.two_factor_secret(email) == "".join(secret.split())
            assert lines[email].endswith(f"two-factor secret: {secret}")
    assert demo.two_factor_secret("coach@example.org") == demo.two_factor_secret("coach@example.org")
    assert demo.two_factor_secret("coach@example.org") != demo.two_factor_secret("coach2@example.org")

def test_a_closed_case_s_pdf_shows_its_acceptances_at_the_story_s_times(demo_app):
    """(Rendered again once the story's times were set: the stored file matches them.)"""
    from pypdf import PdfReader
    agreement = Agreement.select().join(Case).where(Case.status == CaseStatus.CLOSED).get()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(agreements.stored_pdf(agreement))).pages)
    for party in ("Carys Evans", "Dan Okafor"):
        acceptance = agreement.acceptances.join(CaseParty).where(CaseParty.name == party).get()
        assert acceptance.accepted_at < utcnow() - timedelta(days=30)
        assert pdf.accepted_at_words(acceptance.accepted_at.replace(tzinfo=UTC)) in text, (party, text)
    assert not re.search(rf"(?<!\d){times.local_today():%-d %B %Y} at", text)


def test_loading_leaves_the_callers_connection_open(app):
    """The demo makes up a request for its emails' links; its end must not close the
    connection a command or a test opened (peewee's connection_context would then fail)."""
    from portal.db import database
    database.close()
    with database.connection_context(), app.app_context():
        demo.load()
        assert not database.is_closed()
        assert Case.select().count() == 12
    assert database.is_closed()


def test_every_list_of_the_coordinators_work_queue_has_something(demo_app):
    """With the service's default waits (README: Configuration), each list of the queue shows
    the demo's own case of it."""
    from portal import work_queue
    coordinator = User.get(User.email == "coordinator@example.org")
    rules = work_queue.rules()
    counts = {kind.name: kind.query(coordinator, rules).count() for kind in work_queue.KINDS}
    assert counts == {"concerns": 1, "referrals": 1, "phone": 1, "consent": 2, "no_coach": 3, "quiet": 1,
                      "sessions": 2, "action_points": 3, "proposals": 1, "reviews": 1}


def test_every_demo_case_carries_the_stage_its_facts_give(demo_app):
    """The stored stage (migration 16) of every demo case, at every stage, is the rule's."""
    worked_out = dict(Case.select(Case.id, queries.case_stage_sql()).tuples())
    assert dict(Case.select(Case.id, Case.stage).tuples()) == worked_out
    assert set(worked_out.values()) == set(Stage)
