"""Retention: cases past their period are anonymised (every planted marker gone from every row
and file), report counts and the audit trail kept, held cases skipped, a second run a no-op."""

from datetime import timedelta

import pytest

from portal import audit, retention
from portal.models import (
    MODELS,
    Agreement,
    AgreementAcceptance,
    AgreementChangeRequest,
    AgreementIssue,
    AuditEvent,
    Case,
    CaseEvent,
    CaseParty,
    CaseSession,
    CoachingOutcome,
    ConcernEvent,
    ConsentEvent,
    EqualityAnswers,
    FeedbackRequest,
    Note,
    NoteFile,
    NoteOverrideRead,
    NoteRevision,
    OutboxMessage,
    RecoveryCode,
    Referral,
    ReferralPerson,
    SafeguardingConcern,
    SearchTerm,
    SessionAttendee,
    SessionRequest,
    SignInSession,
    StoredFile,
    User,
    utcnow,
)
from portal.vocab import (
    AgeBand,
    AgreementState,
    Audience,
    CaseStatus,
    ConcernState,
    EqualitySource,
    FeedbackHelped,
    GoalsMet,
    MessageKind,
    MessageState,
    Role,
    Satisfaction,
)
from tests.conftest import Browser
from tests.factories import (
    add_party,
    allocate,
    make_action_point,
    make_agreement,
    make_agreement_term,
    make_case,
    make_concern,
    make_goal,
    make_note,
    make_note_file,
    make_session,
    make_user,
)


def plant(app, case, tag, coach, *, account=None):
    """Markers `<tag>1`, `<tag>2`... in every table retention wipes, on `case`; returns them."""
    markers = [f"{tag}{n:02d}Q" for n in range(1, 60)]
    it = iter(markers)
    referral = Referral.create(reference=f"RF-{tag}", source="self", dispute_type="neighbour", urgency="routine",
                               description=f"said {next(it)}", safety_worry=next(it), referrer_name=next(it),
                               referrer_contact=next(it), agency_name=next(it))
    ReferralPerson.create(referral=referral, name=next(it), email=f"{next(it)}@example.test", phone=next(it),
                          address=next(it), unsafe_routes=next(it), contact_notes=next(it))
    Case.update(referral=referral, closing_note=next(it)).where(Case.id == case.id).execute()
    one = CaseParty.create(case=case, user=account, name=f"Ann {next(it)}", email=f"{next(it)}@example.test",
                           phone="07700 900123", address=f"1 {next(it)} Road")
    two = add_party(case, None, name=f"Bob {next(it)}")
    ConsentEvent.create(party=one, state="declined", occurred_on=utcnow().date(), reason=next(it))
    CaseEvent.create(case=case, kind="consent", summary=f"Consent from {next(it)}")
    session = make_session(case, [one, two], [coach], location=next(it), online_link=f"https://x/{next(it)}",
                           over_allowance_reason=next(it))
    SessionAttendee.update(supporter_name=next(it), supporter_relationship=next(it)).where(
        SessionAttendee.party == one.id).execute()
    SessionRequest.create(session=session, party=one, kind="cannot_come", reason=next(it))
    note = make_note(case, coach, Audience.PARTIES, body=f"<p>{next(it)}</p>", shares=[one])
    NoteRevision.create(note=note, body=next(it), author=coach)
    NoteOverrideRead.create(note=note, reader=coach, reason=next(it))
    make_note_file(app, note, data=f"text {next(it)}".encode(), name="a.txt", content_type="text/plain")
    concern = make_concern(case, coach, state=ConcernState.CLOSED, description=next(it),
                           about_other_person=next(it), occurred_at=next(it))
    ConcernEvent.create(concern=concern, kind="action", text=next(it), agency=next(it),
                        agency_reference=next(it), by=coach)
    agreement = make_agreement(case, coach, AgreementState.FINAL, title=next(it), other_terms=next(it))
    AgreementIssue.create(agreement=agreement, position=1, text=next(it))
    term = make_agreement_term(agreement, one, what=next(it))
    AgreementAcceptance.create(agreement=agreement, party=one, version=1, typed_name=next(it))
    AgreementChangeRequest.create(agreement=agreement, party=two, version=1, comment=next(it))
    with app.app_context():
        from portal import storage
        pdf = storage.store(f"%PDF-1.4 {next(it)}".encode())
    Agreement.update(pdf_content=pdf, pdf_sha256=pdf.sha256).where(Agreement.id == agreement.id).execute()
    make_action_point(case, one, text=next(it), detail=next(it), party_comment=next(it), agreement_term=term)
    make_goal(case, two, text=next(it))
    OutboxMessage.create(kind=MessageKind.OTHER, recipient=one.email, subject="Hello", body="Waiting for you",
                         state=MessageState.SENT)
    FeedbackRequest.create(case=case, party=one, token_hash=next(it), expires_at=utcnow(), answered_at=utcnow(),
                           satisfaction=Satisfaction.SATISFIED, helped=FeedbackHelped.PARTLY, comment=next(it))
    EqualityAnswers.create(party=one, age_band=AgeBand.AGE_35_44, source=EqualitySource.PARTY)
    CoachingOutcome.create(case=case, goals_met=GoalsMet.PARTLY, recorded_by=coach)
    # Emails that went: to the party record's address, and to their account's own (where their
    # notifications go), which is not on the record.
    OutboxMessage.create(kind=MessageKind.NOTIFICATION, recipient=one.email, subject="Tell us",
                         body=f"Link {next(it)}", state=MessageState.SENT)
    if account is not None:
        OutboxMessage.create(kind=MessageKind.NOTIFICATION, recipient=account.email.upper(), subject="Tell us",
                             body=f"Link {next(it)}", state=MessageState.FAILED)
    used = markers[:markers.index(next(it))]
    return used


def close(case, days_ago=0):
    Case.update(status=CaseStatus.CLOSED, outcome="resolved", closed_at=utcnow() - timedelta(days=days_ago)).where(
        Case.id == case.id).execute()


def everything():
    """Every row of every table (and so every file's bytes), as text."""
    rows = []
    for model in MODELS:
        for row in model.select().dicts():
            rows.append(" ".join(bytes(v).decode("utf-8", "replace") if isinstance(v, (bytes, memoryview))
                                 else str(v) for v in row.values()))
    return "\n".join(rows)


def counts():
    return {model.__name__: model.select().count() for model in MODELS
            if model not in (AuditEvent, SearchTerm, StoredFile, NoteFile)}


@pytest.fixture
def world(app):
    coordinator = make_user(Role.COORDINATOR)
    coach = make_user(Role.COACH)
    alex = make_user(Role.PARTY, name="Alex Party")
    old, kept = make_case(), make_case()
    allocate(old, coach)
    allocate(kept, coach)
    with app.app_context():
        audit.record("auth.signed_in", actor=coordinator)
    old_markers = plant(app, old, "OLDCASE", coach, account=alex)
    kept_markers = plant(app, kept, "KEPTCASE", coach)
    close(old, days_ago=10)
    close(kept, days_ago=1)
    app.config.update(RETENTION_DAYS=5, SAFEGUARDING_RETENTION_DAYS=5)
    return {"old": old, "kept": kept, "old_markers": old_markers, "kept_markers": kept_markers,
            "alex": alex, "coordinator": coordinator}


def run(app):
    """How many cases one run anonymised (the world has no declined referral)."""
    with app.app_context():
        done = retention.run(utcnow())
    assert done.referrals == 0
    return done.cases


def test_every_planted_marker_goes_and_counts_stay(app, world):
    text = everything()
    assert len(world["old_markers"]) == 49 and all(m in text for m in world["old_markers"])
    before = counts()
    assert run(app) == 1
    text = everything()
    assert [m for m in world["old_markers"] if m in text] == []
    # The other case, closed a day ago, keeps every word.
    assert [m for m in world["kept_markers"] if m not in text] == []
    after = counts()
    assert after == before
    old = Case.get_by_id(world["old"].id)
    assert old.anonymised_at is not None and old.status == CaseStatus.CLOSED and old.outcome == "resolved"
    assert [p.name for p in CaseParty.select().where(CaseParty.case == old.id).order_by(CaseParty.id)] == \
        ["Party A", "Party B"]
    assert SearchTerm.select().where(SearchTerm.case == old.id).count() == 0
    assert NoteFile.select().join(Note).where(Note.case == old.id).count() == 0
    assert Agreement.get(Agreement.case == old.id).pdf_content is None
    # Codes and dates that reports read stay.
    assert SafeguardingConcern.get(SafeguardingConcern.case == old.id).level == "high"
    assert CaseSession.get(CaseSession.case == old.id).starts_at is not None
    feedback = FeedbackRequest.get(FeedbackRequest.case == old.id)
    assert (feedback.satisfaction, feedback.helped, feedback.comment) == ("satisfied", "partly", "")
    assert feedback.answered_at is not None and feedback.token_hash == f"anonymised-{feedback.id}"
    party_a = CaseParty.get(CaseParty.case == old.id, CaseParty.name == "Party A")
    assert EqualityAnswers.get(EqualityAnswers.party == party_a.id).age_band == "35_44"
    assert CoachingOutcome.get(CoachingOutcome.case == old.id).goals_met == "partly"
    # The party account, used only for this case, is closed and anonymised.
    alex = User.get_by_id(world["alex"].id)
    assert (alex.active, alex.name, alex.password_hash) == (False, "Former party", None)
    assert alex.email == f"anonymised-{alex.id}@invalid"


def test_the_audit_trail_is_untouched_and_gains_one_row_per_case(app, world):
    before = [(e.id, e.row_hash) for e in AuditEvent.select().order_by(AuditEvent.id)]
    run(app)
    after = list(AuditEvent.select().order_by(AuditEvent.id))
    assert [(e.id, e.row_hash) for e in after[:len(before)]] == before
    assert [(e.event, e.case_id) for e in after[len(before):]] == [("retention.case_anonymised", world["old"].id)]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.output.startswith("intact"), result.output


def test_a_second_run_changes_nothing(app, world):
    assert run(app) == 1
    text, audit_rows = everything(), AuditEvent.select().count()
    assert run(app) == 0
    assert everything() == text
    assert AuditEvent.select().count() == audit_rows


def test_the_command_runs_it(app, world):
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.output == "1 cases and 0 declined referrals anonymised.\n"
    assert Case.get_by_id(world["old"].id).anonymised_at is not None


def test_held_cases_are_skipped(app, world):
    Case.update(legal_hold_reason="A claim is expected").where(Case.id == world["old"].id).execute()
    assert run(app) == 0
    Case.update(legal_hold_reason=None).where(Case.id == world["old"].id).execute()
    # An unresolved concern holds the case too, however long ago it closed.
    concern = make_concern(world["old"], make_user(Role.COACH), state=ConcernState.ACKNOWLEDGED)
    assert run(app) == 0
    assert all(m in everything() for m in world["old_markers"])
    SafeguardingConcern.update(state=ConcernState.CLOSED).where(SafeguardingConcern.id == concern.id).execute()
    assert run(app) == 1


def test_zero_days_means_the_next_run_and_concerns_keep_cases_longer(app, world):
    app.config.update(RETENTION_DAYS=0, SAFEGUARDING_RETENTION_DAYS=3)
    # Both cases had a (closed) concern: the one closed 10 days ago goes, yesterday's stays.
    assert run(app) == 1
    app.config.update(SAFEGUARDING_RETENTION_DAYS=0)
    assert run(app) == 1
    text = everything()
    assert [m for m in world["kept_markers"] + world["old_markers"] if m in text] == []


def test_an_open_case_and_a_recently_closed_one_are_kept(app, world):
    app.config.update(RETENTION_DAYS=2192, SAFEGUARDING_RETENTION_DAYS=9131)
    assert run(app) == 0
    open_case = make_case()
    app.config.update(RETENTION_DAYS=0, SAFEGUARDING_RETENTION_DAYS=0)
    assert run(app) == 2
    assert Case.get_by_id(open_case.id).anonymised_at is None


def test_an_account_still_on_a_kept_case_stays(app, world):
    alex = world["alex"]
    add_party(world["kept"], alex)
    run(app)
    assert User.get_by_id(alex.id).active is True
    assert User.get_by_id(alex.id).email == alex.email


def test_a_retired_account_keeps_no_sign_in_sessions_recovery_codes_or_second_factor(app, world):
    alex = world["alex"]
    SignInSession.create(user=alex, token_hash="a" * 64, browser="Firefox on Linux", remote_addr="192.0.2.7")
    RecoveryCode.create(user=alex, code_hash="b" * 64)
    User.update(totp_secret="JBSWY3DPEHPK3PXP", totp_last_step=7).where(User.id == alex.id).execute()
    run(app)
    assert SignInSession.select().where(SignInSession.user == alex.id).count() == 0
    assert RecoveryCode.select().where(RecoveryCode.user == alex.id).count() == 0
    retired = User.get_by_id(alex.id)
    assert (retired.totp_secret, retired.totp_last_step) == (None, None)


def test_feedback_invitations_sent_are_forgotten_and_their_links_die(app, world):
    """The real invitations (portal/feedback/service.py): one to a party record's address, one
    to an account's own address (the record has none). Once sent, anonymising takes their
    addresses and words, and the link no longer finds the request."""
    from portal.feedback import service as feedback

    old = world["old"]
    bea = make_user(Role.PARTY, name="Bea Account", email="bea-own@example.test")
    bea_record = add_party(old, bea, name="Bea Account")
    CaseParty.update(email=None).where(CaseParty.id == bea_record.id).execute()
    cal = add_party(old, None, name="Cal Record")
    CaseParty.update(email="cal-record@example.test").where(CaseParty.id == cal.id).execute()
    FeedbackRequest.delete().execute()
    with app.test_request_context():
        assert feedback.invite_parties(old) == 3  # and the planted Ann (by her account); Bob has no address
    invites = list(OutboxMessage.select().where(OutboxMessage.body.contains("/feedback/")))
    assert sorted(m.recipient for m in invites) == sorted(
        ["bea-own@example.test", "cal-record@example.test", world["alex"].email])
    links = [m.body.split("/feedback/")[1].split()[0] for m in invites]
    OutboxMessage.update(state=MessageState.SENT).execute()
    assert run(app) == 1
    text = everything()
    assert [x for x in ["bea-own@example.test", "cal-record@example.test", *links] if x in text] == []
    assert OutboxMessage.select().where(OutboxMessage.recipient == "anonymised@invalid").count() >= 3
    with app.test_request_context():
        assert [feedback.find_by_token(link) for link in links] == [None, None, None]
    assert FeedbackRequest.select().where(FeedbackRequest.case == old.id).count() == 3


def test_an_email_still_waiting_is_never_sent_and_cannot_be_sent_again(app, world):
    """A notification to the planted Ann's address, still in the outbox when her case is
    anonymised: it fails with the reason, loses its address and words, and the administrators'
    "Send again" neither shows nor works for it."""
    from portal import outbox

    ann = CaseParty.get(CaseParty.case == world["old"].id, CaseParty.name.startswith("Ann"))
    waiting = OutboxMessage.create(kind=MessageKind.NOTIFICATION, recipient=ann.email, subject="Something waits",
                                   body="Sign in to see it", state=MessageState.WAITING)
    assert run(app) == 1
    message = OutboxMessage.get_by_id(waiting.id)
    assert (message.state, message.last_error, message.recipient, message.subject, message.body) == \
        (MessageState.FAILED, retention.NOT_SENT, "anonymised@invalid", "", "")
    with app.app_context():
        assert outbox.claim(waiting.id, utcnow(), timedelta(minutes=1)) is False
        assert outbox.send_again(message, by=world["coordinator"]) is False
    assert OutboxMessage.get_by_id(waiting.id).state == MessageState.FAILED
    admin = make_user(Role.COORDINATOR, is_admin=True)
    page = Browser(app.test_client()).enter_as(admin).get("/admin/messages?state=failed")
    assert page.status_code == 200
    row = page.get_data(as_text=True).split(f'id="message-{waiting.id}"')[1].split("</tr>")[0]
    assert "not sent: anonymised" in row and "Send again" not in row
