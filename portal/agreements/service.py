"""What happens to an agreement: drafting, proposing, the parties' answers, becoming final, and
new versions.

Each version is a row of its own (`Agreement.previous` points at the version it was made from),
so what a party accepted never changes under them: a draft changes in place; a proposed or final
version is frozen, and a change starts the next version as a draft. Acceptances name the exact
version. Timeline entries and emails say that something happened, never what the agreement says.
"""

from contextlib import contextmanager
from dataclasses import replace

from flask import current_app, url_for

from portal import audit, labels, mail, storage, timeline
from portal.agreements import pdf
from portal.agreements.document import Acceptance, AgreementDocument, PartyLine, TermLine
from portal.db import database, is_sqlite
from portal.models import (
    ActionPoint,
    Agreement,
    AgreementAcceptance,
    AgreementChangeRequest,
    AgreementIssue,
    AgreementTerm,
    CaseParty,
    User,
    utcnow,
)
from portal.queries import PARTY_NAME_COLUMNS, agreement_acceptances, current_coaches
from portal.times import long_date, to_local
from portal.vocab import AcceptanceMethod, AgreementState, CaseEventKind, ConsentState, MessageKind


class AgreementRuleError(Exception):
    """A change the agreement's state does not allow; the message is for the person."""


NOT_A_DRAFT = ("This version has been proposed to the parties, so it no longer changes. "
               "Start a new version to make changes.")


@contextmanager
def _locked(agreement):
    """A transaction in which this writer alone changes the agreement: two parties accepting at
    the same moment must both count, and exactly one of them makes it final."""
    if is_sqlite():
        if database.in_transaction():
            with database.atomic():
                yield
        else:
            with database.atomic(lock_type="IMMEDIATE"):
                yield
    else:
        with database.atomic():
            Agreement.select(Agreement.id).where(Agreement.id == agreement.id).for_update().execute()
            yield


def _fresh(agreement):
    return Agreement.get_by_id(agreement.id)


def _draft(agreement):
    """The agreement as it is now, if it is still a draft (inside the caller's transaction)."""
    fresh = _fresh(agreement)
    if fresh.state != AgreementState.DRAFT:
        raise AgreementRuleError(NOT_A_DRAFT)
    return fresh


def parties_of(case):
    """The parties on the case as an agreement names them: who they are and whether they take
    part. Never their contact details or fees: a party reading the agreement sees the others."""
    return list(CaseParty
                .select(*PARTY_NAME_COLUMNS, CaseParty.consent_state)
                .where(CaseParty.case == case.id)
                .order_by(CaseParty.id))


def versions_of(agreement):
    """Every version of this agreement, oldest first (following `previous`)."""
    chain = [agreement]
    while chain[0].previous_id is not None:
        chain.insert(0, Agreement.get_by_id(chain[0].previous_id))
    return chain


# --- drafting -------------------------------------------------------------------------------

def start(case, *, title, template, by):
    """A new draft (version 1), from one of the service's templates."""
    with database.atomic():
        agreement = Agreement.create(case=case, title=title, version=1, created_by=by,
                                     other_terms=template.other_terms if template else "")
        for text in template.issues if template else ():
            _append(AgreementIssue, agreement, text=text)
        for what in template.terms if template else ():
            _append(AgreementTerm, agreement, what=what, party=None, due_on=None)
        timeline.record(case, CaseEventKind.AGREEMENT, "Agreement drafted (version 1).", by)
    return agreement


def _append(model, agreement, **fields):
    last = (model.select(model.position).where(model.agreement == agreement.id)
            .order_by(model.position.desc()).first())
    return model.create(agreement=agreement, position=(last.position if last else 0) + 1, **fields)


def change_details(agreement, *, title, review_on, other_terms):
    with _locked(agreement):
        _draft(agreement)
        (Agreement.update(title=title, review_on=review_on, other_terms=other_terms or "")
         .where(Agreement.id == agreement.id).execute())


def add_issue(agreement, text):
    with _locked(agreement):
        return _append(AgreementIssue, _draft(agreement), text=text)


def change_issue(issue, text):
    with _locked(issue.agreement):
        _draft(issue.agreement)
        AgreementIssue.update(text=text).where(AgreementIssue.id == issue.id).execute()


def add_term(agreement, *, what, party, due_on):
    with _locked(agreement):
        return _append(AgreementTerm, _draft(agreement), what=what, party=party, due_on=due_on)


def change_term(term, *, what, party, due_on):
    with _locked(term.agreement):
        _draft(term.agreement)
        (AgreementTerm.update(what=what, party=party, due_on=due_on)
         .where(AgreementTerm.id == term.id).execute())


def move(item, direction):
    """Swap an issue or term with its neighbour ("up" or "down"); at either end, nothing."""
    model = type(item)
    with _locked(item.agreement):
        _draft(item.agreement)
        here = model.get_by_id(item.id)
        siblings = model.select().where(model.agreement == here.agreement_id)
        neighbour = (siblings.where(model.position < here.position).order_by(model.position.desc())
                     if direction == "up" else
                     siblings.where(model.position > here.position).order_by(model.position)).first()
        if neighbour is None:
            return False
        model.update(position=neighbour.position).where(model.id == here.id).execute()
        model.update(position=here.position).where(model.id == neighbour.id).execute()
    return True


def remove(item):
    model = type(item)
    with _locked(item.agreement):
        _draft(item.agreement)
        model.delete().where(model.id == item.id).execute()


# --- proposing and new versions -------------------------------------------------------------

def propose(agreement, *, by):
    """Send the draft to every party on the case to read and accept. An earlier version still
    waiting for acceptance is replaced by this one (its acceptances no longer count)."""
    case = agreement.case
    with _locked(agreement):
        fresh = _draft(agreement)
        parties = parties_of(case)
        if not fresh.terms.count():
            raise AgreementRuleError("Add at least one term before proposing the agreement.")
        if not parties:
            raise AgreementRuleError("The case has no parties to accept the agreement.")
        waiting = [p.name for p in parties if p.consent_state != ConsentState.GIVEN]
        if waiting:
            raise AgreementRuleError(
                f"{' and '.join(waiting)} {'has' if len(waiting) == 1 else 'have'} not given "
                "consent to mediation, so cannot be asked to accept. Record their consent first.")
        earlier = [v.id for v in versions_of(fresh)[:-1]]
        (Agreement.update(state=AgreementState.SUPERSEDED)
         .where(Agreement.id.in_(earlier), Agreement.state == AgreementState.PROPOSED).execute())
        (Agreement.update(state=AgreementState.PROPOSED, proposed_at=utcnow())
         .where(Agreement.id == fresh.id).execute())
        timeline.record(case, CaseEventKind.AGREEMENT,
                        f"Agreement version {fresh.version} proposed to the parties.", by)
        _tell_parties(_fresh(agreement), parties)


def revise(agreement, *, by):
    """The next version, as a draft with the same content, made from the latest version."""
    with _locked(agreement):
        fresh = _fresh(agreement)
        if fresh.state not in (AgreementState.PROPOSED, AgreementState.FINAL):
            raise AgreementRuleError("Only a proposed or final agreement gets a new version.")
        if Agreement.select().where(Agreement.previous == fresh.id).exists():
            raise AgreementRuleError("A newer version of this agreement already exists.")
        draft = Agreement.create(case=fresh.case_id, title=fresh.title, version=fresh.version + 1,
                                 review_on=fresh.review_on, other_terms=fresh.other_terms,
                                 previous=fresh, created_by=by)
        for issue in fresh.issues.order_by(AgreementIssue.position):
            AgreementIssue.create(agreement=draft, position=issue.position, text=issue.text)
        for term in fresh.terms.order_by(AgreementTerm.position):
            AgreementTerm.create(agreement=draft, position=term.position, what=term.what,
                                 party=term.party_id, due_on=term.due_on)
        timeline.record(fresh.case, CaseEventKind.AGREEMENT, f"Agreement version {draft.version} drafted.", by)
    return draft


# --- the parties' answers -------------------------------------------------------------------

def accept(agreement, party, *, typed_name, by, method=AcceptanceMethod.PORTAL):
    """Record this party's acceptance of this exact version; when every party has accepted it,
    it becomes final. Returns True when it became final."""
    with _locked(agreement):
        fresh = _fresh(agreement)
        if fresh.state != AgreementState.PROPOSED:
            raise AgreementRuleError("This version is no longer waiting for acceptance.")
        if agreement_acceptances(fresh).where(AgreementAcceptance.party == party.id).exists():
            raise AgreementRuleError(f"{party.name} has already accepted this version.")
        AgreementAcceptance.create(
            agreement=fresh, party=party, version=fresh.version, typed_name=typed_name,
            method=method, recorded_by=by if method == AcceptanceMethod.IN_PERSON else None)
        how = " in person" if method == AcceptanceMethod.IN_PERSON else ""
        timeline.record(fresh.case, CaseEventKind.AGREEMENT,
                        f"{party.name} accepted agreement version {fresh.version}{how}.", by)
        accepted = {a.party_id for a in agreement_acceptances(fresh)}
        if not all(p.id in accepted for p in parties_of(fresh.case)):
            return False
        _finalise(fresh, by)
    return True


def request_change(agreement, party, *, comment, by):
    """A party asks for a change; the coaches are told that they asked, not what they said."""
    with _locked(agreement):
        fresh = _fresh(agreement)
        if fresh.state != AgreementState.PROPOSED:
            raise AgreementRuleError("This version is no longer waiting for answers.")
        AgreementChangeRequest.create(agreement=fresh, party=party, version=fresh.version,
                                      comment=comment)
        timeline.record(fresh.case, CaseEventKind.AGREEMENT,
                        f"{party.name} asked for a change to agreement version {fresh.version}.", by)
        _tell_coaches(fresh)


# --- final ----------------------------------------------------------------------------------

def _finalise(agreement, by):
    """Frozen, with its PDF stored and hashed; an earlier final version gives way to it; each
    term becomes an action point for its party, or for every party when it is for both."""
    # Rendered before the row changes, so say what it is about to become.
    data = pdf.render_pdf(replace(document_for(agreement), state=AgreementState.FINAL))
    content = storage.store(data)  # in the caller's transaction, with the row naming it
    earlier = [v.id for v in versions_of(agreement)[:-1]]
    (Agreement.update(state=AgreementState.SUPERSEDED)
     .where(Agreement.id.in_(earlier), Agreement.state == AgreementState.FINAL).execute())
    (Agreement.update(state=AgreementState.FINAL, finalised_at=utcnow(), pdf_sha256=content.sha256,
                      pdf_content=content)
     .where(Agreement.id == agreement.id).execute())
    parties = parties_of(agreement.case)
    for term in agreement.terms.order_by(AgreementTerm.position):
        for party in [p for p in parties if term.party_id in (None, p.id)]:
            ActionPoint.create(case=agreement.case_id, party=party, text=term.what,
                               due_on=term.due_on, created_by=agreement.created_by_id,
                               agreement_term=term)
    review = (f" Review on {long_date(agreement.review_on)}." if agreement.review_on else "")
    timeline.record(agreement.case, CaseEventKind.AGREEMENT,
                    f"Agreement version {agreement.version} is final: every party accepted."
                    f"{review}", by)


# --- after: the review ----------------------------------------------------------------------

def record_review(agreement, *, reviewed_on, outcome, note, by, remote_addr=""):
    """Record how a final agreement's terms were kept, once, also on a closed case. `note`, a
    `notes.service.NoteInput` or None: what was said, written as any note is (its audience and
    shares decide who reads it). The review date then leaves the home pages' review lists."""
    from portal.notes import service as notes  # notes imports nothing of agreements

    with database.atomic():
        changed = (Agreement.update(reviewed_on=reviewed_on, review_outcome=outcome, reviewed_by=by)
                   .where(Agreement.id == agreement.id, Agreement.state == AgreementState.FINAL,
                          Agreement.reviewed_on.is_null())
                   .execute())
        if not changed:
            raise AgreementRuleError("This agreement's review is already recorded.")
        if note is not None:
            written = notes.write(agreement.case, by, note, remote_addr=remote_addr)
            Agreement.update(review_note=written).where(Agreement.id == agreement.id).execute()
        timeline.record(agreement.case, CaseEventKind.AGREEMENT,
                        f"Agreement version {agreement.version} reviewed on {long_date(reviewed_on)}: "
                        f"{labels.label(outcome, 'review_outcome').lower()}.", by)
        audit.record("agreement.reviewed", actor=by, record=agreement, case_id=agreement.case_id,
                     detail=f"outcome={outcome} note={'yes' if note is not None else 'no'}",
                     remote_addr=remote_addr)


def stored_pdf(agreement):
    """The final PDF exactly as stored, or None if the file is missing or altered."""
    if agreement.state == AgreementState.DRAFT or not agreement.pdf_content_id:
        return None
    return storage.read(agreement.pdf_content_id, agreement.pdf_sha256)


def document_for(agreement):
    """What the PDF shows: this version, its case's parties and their acceptances of it."""
    parties = parties_of(agreement.case)
    accepted = {a.party_id: a for a in agreement_acceptances(agreement)}
    both = "Both parties" if len(parties) == 2 else "All parties"
    names = {p.id: p.name for p in parties}
    return AgreementDocument(
        service_name=current_app.config["SERVICE_NAME"],
        case_reference=agreement.case.reference,
        title=agreement.title,
        version=agreement.version,
        state=agreement.state,
        parties=tuple(
            PartyLine(name=p.name, acceptance=None if p.id not in accepted else Acceptance(
                typed_name=accepted[p.id].typed_name,
                accepted_at=to_local(accepted[p.id].accepted_at),
                in_person=accepted[p.id].method == AcceptanceMethod.IN_PERSON))
            for p in parties),
        issues=tuple(i.text for i in agreement.issues.order_by(AgreementIssue.position)),
        terms=tuple(TermLine(what=t.what, who=names.get(t.party_id, both), by_when=t.due_on)
                    for t in agreement.terms.order_by(AgreementTerm.position)),
        review_on=agreement.review_on,
        other_terms=agreement.other_terms,
    )


# --- telling people, without content --------------------------------------------------------

def _link(agreement):
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
        "agreements.show", reference=agreement.case.reference, agreement_id=agreement.id)


def _send(users, subject, body):
    # Queued in the caller's transaction, delivered once it commits (portal/outbox.py).
    for user in users:
        mail.send(user.email, subject, body, kind=MessageKind.AGREEMENT)


def _tell_parties(agreement, parties):
    users = User.select().where(User.id.in_([p.user_id for p in parties if p.user_id]),
                                User.active == True)  # noqa: E712
    _send(users, "An agreement is ready for you to read",
          "Hello,\n\nAn agreement from your mediation is ready for you to read. You can accept "
          f"it, or ask for a change, in the portal (sign in first):\n\n{_link(agreement)}\n")


def _tell_coaches(agreement):
    _send(current_coaches(agreement.case).where(User.active == True),  # noqa: E712
          "A party asked for a change to an agreement",
          "Hello,\n\nA party asked for a change to an agreement on one of your cases. Read what "
          f"they asked in the portal (sign in first):\n\n{_link(agreement)}\n")
