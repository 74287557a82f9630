"""Retention and anonymisation: what is kept about a case once its retention period has ended.

A closed case is kept for `RETENTION_DAYS` (ACCORD_RETENTION_DAYS, six years) after it closes,
or `SAFEGUARDING_RETENTION_DAYS` (25 years) if it ever had a safeguarding concern; then `run`
(the daily job in portal/jobs.py, and `flask --app wsgi retention run`) anonymises it, unless
it is held: a legal hold set by a coordinator, or a concern not yet resolved. A declined
referral (never a case) is kept as long after it was declined, or the longer period if its
referrer told of a worry about someone's safety, then anonymised the same way. A coordinator may
also carry out a person's erasure request early (`anonymise_case`, from the retention page).

Anonymising keeps every row, code, date and count that reports read (how many cases, sessions,
notes, concerns of which level, agreements, action points done), and removes what identifies
or was said: the tables below, one entry per model. A model added later that holds names,
contact details or free text gets one entry in `WIPES` (or `FILES` for stored bytes), and
tests/test_retention.py plants a marker in it. Audit rows are never changed (the trail is
append-only); each anonymised case gets an audit row of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from peewee import Expression, Field, Model, ModelSelect, Value, fn

from portal import audit, outbox, queries
from portal.db import database
from portal.models import (
    AccountToken,
    ActionPoint,
    Agreement,
    AgreementAcceptance,
    AgreementChangeRequest,
    AgreementIssue,
    AgreementTerm,
    Case,
    CaseEvent,
    CaseParty,
    CaseSession,
    ConcernEvent,
    ConsentEvent,
    FeedbackRequest,
    Goal,
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
from portal.vocab import MessageState

# What a wiped text column holds afterwards ("" for NOT NULL text, None where NULL is allowed).
GONE = ""
# Why an email still waiting when its address was anonymised was never sent (the Messages page).
NOT_SENT = "not sent: anonymised"


def _ids(model: type[Model], column: Field, case_id: int) -> ModelSelect:
    return model.select(model.id).where(column == case_id)


def _of_case(column: Field) -> Callable[[int], Expression]:
    return lambda case_id: column == case_id


def _in(column: Field, model: type[Model], case_column: Field) -> Callable[[int], Expression]:
    return lambda case_id: column.in_(_ids(model, case_column, case_id))


def _referral_of(column: Field) -> Callable[[int], Expression]:
    # A referral is anonymised with the last of its cases still holding it.
    return lambda case_id: column.in_(
        Case.select(Case.referral).where(Case.id == case_id, Case.referral.is_null(False),
                                         ~Case.referral.in_(Case.select(Case.referral).where(
                                             Case.id != case_id, Case.anonymised_at.is_null(),
                                             Case.referral.is_null(False)))))


@dataclass(frozen=True)
class Wipe:
    """One model's part: which of its rows belong to the case, and what each column becomes."""
    model: type[Model]
    rows: Callable[[int], Expression]
    values: Mapping[Field, Any]


# A referral's words and its people's details: with its case, or on their own for a declined
# referral (`anonymise_referral`).
REFERRAL_WORDS: Mapping[Field, Any] = {
    Referral.description: GONE, Referral.safety_worry: GONE, Referral.referrer_name: None,
    Referral.referrer_contact: None, Referral.agency_name: None, Referral.decline_reason: None}
REFERRAL_PEOPLE: Mapping[Field, Any] = {
    ReferralPerson.name: "Person", ReferralPerson.email: None, ReferralPerson.phone: None,
    ReferralPerson.address: None, ReferralPerson.unsafe_routes: GONE, ReferralPerson.contact_notes: GONE}

WIPES: tuple[Wipe, ...] = (
    Wipe(Case, _of_case(Case.id), {Case.closing_note: None, Case.legal_hold_reason: None}),
    Wipe(Referral, _referral_of(Referral.id), REFERRAL_WORDS),
    Wipe(ReferralPerson, _referral_of(ReferralPerson.referral), REFERRAL_PEOPLE),
    # Party names are "Party A", "Party B"... (`_rename_parties`); the rest of their details go.
    Wipe(CaseParty, _of_case(CaseParty.case),
         {CaseParty.email: None, CaseParty.phone: None, CaseParty.address: None, CaseParty.unsafe_routes: GONE}),
    Wipe(ConsentEvent, _in(ConsentEvent.party, CaseParty, CaseParty.case), {ConsentEvent.reason: None}),
    Wipe(CaseEvent, _of_case(CaseEvent.case), {CaseEvent.summary: GONE}),
    Wipe(CaseSession, _of_case(CaseSession.case),
         {CaseSession.location: GONE, CaseSession.online_link: GONE, CaseSession.over_allowance_reason: None}),
    Wipe(SessionAttendee, _in(SessionAttendee.session, CaseSession, CaseSession.case),
         {SessionAttendee.supporter_name: None, SessionAttendee.supporter_relationship: None}),
    Wipe(SessionRequest, _in(SessionRequest.session, CaseSession, CaseSession.case), {SessionRequest.reason: None}),
    Wipe(Note, _of_case(Note.case), {Note.body: GONE}),
    Wipe(NoteRevision, _in(NoteRevision.note, Note, Note.case), {NoteRevision.body: GONE}),
    Wipe(NoteOverrideRead, _in(NoteOverrideRead.note, Note, Note.case), {NoteOverrideRead.reason: GONE}),
    Wipe(SafeguardingConcern, _of_case(SafeguardingConcern.case),
         {SafeguardingConcern.description: GONE, SafeguardingConcern.about_other_person: GONE,
          SafeguardingConcern.occurred_at: GONE}),
    Wipe(ConcernEvent, _in(ConcernEvent.concern, SafeguardingConcern, SafeguardingConcern.case),
         {ConcernEvent.text: GONE, ConcernEvent.agency: None, ConcernEvent.agency_reference: None}),
    Wipe(Agreement, _of_case(Agreement.case), {Agreement.title: "Agreement", Agreement.other_terms: GONE}),
    Wipe(AgreementIssue, _in(AgreementIssue.agreement, Agreement, Agreement.case), {AgreementIssue.text: GONE}),
    Wipe(AgreementTerm, _in(AgreementTerm.agreement, Agreement, Agreement.case), {AgreementTerm.what: GONE}),
    Wipe(AgreementAcceptance, _in(AgreementAcceptance.agreement, Agreement, Agreement.case),
         {AgreementAcceptance.typed_name: GONE}),
    Wipe(AgreementChangeRequest, _in(AgreementChangeRequest.agreement, Agreement, Agreement.case),
         {AgreementChangeRequest.comment: GONE}),
    Wipe(ActionPoint, _of_case(ActionPoint.case),
         {ActionPoint.text: GONE, ActionPoint.detail: GONE, ActionPoint.party_comment: GONE}),
    Wipe(Goal, _of_case(Goal.case), {Goal.text: GONE}),
    # Feedback keeps its coded answers and dates (reports count them); the party's words go, and
    # the link's hash becomes a value no link hashes to (unique, as the column must be).
    Wipe(FeedbackRequest, _of_case(FeedbackRequest.case),
         {FeedbackRequest.comment: GONE, FeedbackRequest.token_hash: Value("anonymised-").concat(FeedbackRequest.id)}),
    # Not here, as they hold codes only: EqualityAnswers (on a party record anonymised above) and
    # CoachingOutcome; Notification rows (a kind and a path in the portal, never content).
)

# Rows deleted outright: what the case list's search finds a case by.
DELETES: tuple[tuple[type[Model], Callable[[int], Expression]], ...] = (
    (SearchTerm, _of_case(SearchTerm.case)),
)


def _delete_note_files(case_id: int) -> int:
    files = list(NoteFile.select(NoteFile.id, NoteFile.content)
                 .where(NoteFile.note.in_(_ids(Note, Note.case, case_id))))
    NoteFile.delete().where(NoteFile.id.in_([f.id for f in files])).execute()
    return len(files)


def _drop_agreement_pdfs(case_id: int) -> int:
    pdfs = [a.pdf_content_id for a in Agreement.select(Agreement.pdf_content)
            .where(Agreement.case == case_id, Agreement.pdf_content.is_null(False))]
    Agreement.update(pdf_content=None, pdf_sha256=None).where(Agreement.case == case_id).execute()
    return len(pdfs)


# Stored bytes: each entry finds the case's StoredFile ids, then lets them go (deleting the row
# that names a file, or setting it to NULL); the files are then deleted.
FILES: tuple[tuple[Callable[[int], list[int]], Callable[[int], int]], ...] = (
    (lambda case_id: [f.content_id for f in NoteFile.select(NoteFile.content)
                      .where(NoteFile.note.in_(_ids(Note, Note.case, case_id)))], _delete_note_files),
    (lambda case_id: [a.pdf_content_id for a in Agreement.select(Agreement.pdf_content)
                      .where(Agreement.case == case_id, Agreement.pdf_content.is_null(False))],
     _drop_agreement_pdfs),
)


def _letter(n: int) -> str:
    """A, B, ... Z, AA, AB, ...: the n-th party's letter (n from 0)."""
    return _letter(n // 26 - 1) + chr(65 + n % 26) if n >= 26 else chr(65 + n)


def _rename_parties(case_id: int) -> list[CaseParty]:
    """Party A, Party B, ... in the order they joined the case (an update, not `save`, which
    would write their search terms again)."""
    parties = list(CaseParty.select(CaseParty.id, CaseParty.user, CaseParty.email)
                   .where(CaseParty.case == case_id).order_by(CaseParty.id))
    for n, party in enumerate(parties):
        CaseParty.update(name=f"Party {_letter(n)}").where(CaseParty.id == party.id).execute()
    return parties


def _forget_emails(emails: set[str]) -> None:
    """Emails to these addresses (a party record's, or a retired account's, which their
    notifications and feedback invitation went to), if no case or referral still held names the
    address, lose the address and their words; one still waiting is never sent (failed, with
    the reason `NOT_SENT`, and never offered to send again: its address is gone), since a person
    whose record is anonymised, perhaps at their own request, is not written to again."""
    if not emails:
        return
    # Only these addresses are looked for, not every address the service holds.
    asked = sorted(emails)
    still_held = {e.lower() for (e,) in CaseParty.select(CaseParty.email).join(Case)
                  .where(Case.anonymised_at.is_null(), fn.LOWER(CaseParty.email).in_(asked)).tuples()}
    # ...or a referral not yet anonymised (an anonymised one's people have no address left).
    still_held |= {e.lower() for (e,) in ReferralPerson.select(ReferralPerson.email)
                   .where(fn.LOWER(ReferralPerson.email).in_(asked)).tuples()}
    gone = sorted(e for e in emails if e not in still_held)
    if gone:
        addressed = fn.LOWER(OutboxMessage.recipient).in_(gone)
        # The worker claims only a waiting message, so one turned failed here is never sent.
        (OutboxMessage.update(state=MessageState.FAILED, last_error=NOT_SENT, claimed_until=None)
         .where(addressed, OutboxMessage.state == MessageState.WAITING)
         .execute())
        (OutboxMessage.update(recipient=outbox.NOWHERE, subject=GONE, body=GONE, attachments=None)
         .where(addressed)
         .execute())


def _retire_accounts(user_ids: set[int]) -> list[str]:
    """Party accounts whose every case is anonymised: deactivated, signed out, and anonymised.
    Returns the addresses they had (lower case), for `_forget_emails`."""
    in_use = {uid for (uid,) in CaseParty.select(CaseParty.user).join(Case)
              .where(CaseParty.user.in_(sorted(user_ids)), Case.anonymised_at.is_null()).tuples()}
    retired = sorted(user_ids - in_use)
    emails = [e.lower() for (e,) in User.select(User.email).where(User.id.in_(retired)).tuples()]
    for uid in retired:
        AccountToken.delete().where(AccountToken.user == uid).execute()
        # Signed out everywhere, and nothing kept of where from or with what they signed in.
        SignInSession.delete().where(SignInSession.user == uid).execute()
        RecoveryCode.delete().where(RecoveryCode.user == uid).execute()
        User.update(name="Former party", email=f"anonymised-{uid}@invalid", active=False, password_hash=None,
                    totp_secret=None, totp_last_step=None, email_off=GONE).where(User.id == uid).execute()
    return emails


def anonymise_case(case_id: int, *, actor: User | None = None, why: str = "retention",
                   remote_addr: str = "") -> bool:
    """Anonymise one case in one transaction, with its audit row. False (and nothing changed) if
    it is anonymised already: safe to call again."""
    with database.atomic():
        case = Case.select(Case.id, Case.anonymised_at).where(Case.id == case_id).first()
        if case is None or case.anonymised_at is not None:
            return False
        parties = _rename_parties(case_id)
        stored = [file_id for find, _ in FILES for file_id in find(case_id)]
        files = sum(let_go(case_id) for _, let_go in FILES)
        if stored:
            StoredFile.delete().where(StoredFile.id.in_(stored)).execute()
        for wipe in WIPES:
            wipe.model.update(dict(wipe.values)).where(wipe.rows(case_id)).execute()
        for model, rows in DELETES:
            model.delete().where(rows(case_id)).execute()
        now = utcnow()
        Referral.update(anonymised_at=now).where(_referral_of(Referral.id)(case_id)).execute()
        Case.update(anonymised_at=now, legal_hold_by=None, legal_hold_at=None).where(Case.id == case_id).execute()
        retired = _retire_accounts({p.user_id for p in parties if p.user_id is not None})
        _forget_emails({p.email.lower() for p in parties if p.email} | set(retired))
        audit.record("retention.case_anonymised", actor=actor, record=case, case_id=case_id,
                     detail=f"why={why} parties={len(parties)} files={files} accounts_closed={len(retired)}",
                     remote_addr=remote_addr)
    return True


def anonymise_referral(referral_id: int, *, actor: User | None = None, why: str = "retention") -> bool:
    """Anonymise one declined referral (its words, its people's names and contact details, and
    the emails sent to them) in one transaction, with its audit row; its codes and dates stay
    for the reports. False (and nothing changed) if it is anonymised already."""
    with database.atomic():
        referral = Referral.select(Referral.id, Referral.anonymised_at).where(Referral.id == referral_id).first()
        if referral is None or referral.anonymised_at is not None:
            return False
        people = list(ReferralPerson.select(ReferralPerson.id, ReferralPerson.email)
                      .where(ReferralPerson.referral == referral_id))
        words_gone = {**REFERRAL_WORDS, Referral.anonymised_at: utcnow()}
        Referral.update(words_gone).where(Referral.id == referral_id).execute()
        ReferralPerson.update(dict(REFERRAL_PEOPLE)).where(ReferralPerson.referral == referral_id).execute()
        _forget_emails({p.email.lower() for p in people if p.email})
        audit.record("retention.referral_anonymised", actor=actor, record=referral,
                     detail=f"why={why} people={len(people)}")
    return True


def periods() -> tuple[int, int]:
    """The retention periods in days, from the configuration: (any case, a case with a concern)."""
    config = current_app.config
    return int(config["RETENTION_DAYS"]), int(config["SAFEGUARDING_RETENTION_DAYS"])


class Anonymised(NamedTuple):
    """What one run anonymised."""
    cases: int
    referrals: int


def run(now: datetime) -> Anonymised:
    """Anonymise every case past its retention by `now` and not held, and every declined
    referral past its own; how many of each. Safe to run any number of times: what is
    anonymised is not picked again."""
    days, safeguarding_days = periods()
    cases = [c.id for c in queries.cases_past_retention(now, days, safeguarding_days)]
    referrals = [r.id for r in queries.referrals_past_retention(now, days, safeguarding_days)]
    return Anonymised(sum(anonymise_case(case_id) for case_id in cases),
                      sum(anonymise_referral(referral_id) for referral_id in referrals))
