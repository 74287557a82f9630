"""What happens to notes: writing, editing (in place, or as a revision once a party may have
read it), deleting or withdrawing, shares and consent to them, and the safeguarding override.

Each change happens in one transaction and writes the audit trail (never the note's text).
Emails go after the transaction, to active accounts only, and carry no content: they say that
something is waiting and link to it.
"""

from dataclasses import dataclass
from datetime import time

from flask import url_for

from portal import audit, notify, policy, queries, storage
from portal.db import database
from portal.models import CaseParty, Note, NoteFile, NoteOverrideRead, NoteRevision, NoteShare, User, utcnow
from portal.times import local_to_utc
from portal.vocab import NotificationKind, Role, ShareState


class NoteRuleError(ValueError):
    """A change the rules do not allow; the message is for the person who tried."""


@dataclass(frozen=True)
class NoteInput:
    body: str
    audience: str
    party_ids: tuple = ()
    source_party_id: int | None = None
    session_id: int | None = None
    is_summary: bool = False
    remove_file_ids: tuple = ()


@dataclass(frozen=True)
class Upload:
    data: bytes
    original_name: str
    kind: storage.Kind


# --- writing and changing -------------------------------------------------------------------

def _attach(note, upload, by, remote_addr):
    """The upload's bytes and the row naming them, in the caller's transaction."""
    content = storage.store(upload.data)
    note_file = NoteFile.create(note=note, original_name=upload.original_name,
                                content_type=upload.kind.content_type, size_bytes=len(upload.data),
                                sha256=content.sha256, content=content)
    audit.record("note.file_added", actor=by, record=note_file, case_id=note.case_id,
                 detail=f"note={note.id} type={upload.kind.extension} bytes={len(upload.data)}",
                 remote_addr=remote_addr)
    return note_file


def _share(note, party_ids, by, remote_addr):
    """New shares with these parties, each in the state the rules give it. Returns them."""
    created = []
    for party_id in party_ids:
        state = policy.share_state_for(note.source_party_id, party_id)
        share = NoteShare.create(note=note, party=party_id, state=state)
        audit.record("note.shared", actor=by, record=share, case_id=note.case_id,
                     detail=f"note={note.id} party={party_id} state={state}", remote_addr=remote_addr)
        created.append(share)
    return created


def write(case, author, data, upload=None, *, remote_addr=""):
    """A new note with its shares and file. Parties are told (without content) afterwards."""
    with database.atomic():
        note = Note.create(case=case, author=author, audience=data.audience,
                           source_party=data.source_party_id, session=data.session_id,
                           is_summary=data.is_summary, body=data.body)
        audit.record("note.written", actor=author, record=note, case_id=case.id,
                     detail=f"audience={data.audience}", remote_addr=remote_addr)
        shares = _share(note, data.party_ids, author, remote_addr)
        if upload is not None:
            _attach(note, upload, author, remote_addr)
        _tell_about_shares(note, shares)
    return note


def edit(note, editor, data, upload=None, *, remote_addr=""):
    """Change a note. Until a party may have read it, everything changes in place; after that
    the text's history is kept (NoteRevision), its audience and source party stay, parties can
    only be added, and a change of content asks the source party again before another party
    sees it."""
    facts = note.facts()
    locked = policy.edit_makes_revision(facts)

    with database.atomic():
        # The form was checked against the note as it was; a party may have answered since.
        if Note.get_by_id(note.id).facts() != facts:
            raise NoteRuleError("Someone answered about this note meanwhile. Look at it again.")
        body_changed = data.body != note.body
        if locked:
            new_parties = [p for p in data.party_ids if p not in facts.shares]
            if body_changed:
                _keep_revision(note, editor, data.body)
        else:
            _remove_files(note, data.remove_file_ids, editor, remote_addr)
            new_parties = _reshape_shares(note, facts, data, editor, remote_addr)
            note.audience, note.source_party = data.audience, data.source_party_id
        note.body, note.session, note.is_summary = data.body, data.session_id, data.is_summary
        if body_changed or upload is not None:
            note.updated_at = utcnow()
        note.save()
        audit.record("note.edited", actor=editor, record=note, case_id=note.case_id,
                     detail=f"audience={note.audience} source_party={note.source_party_id} "
                            f"was={facts.source_party_id} "
                            f"{'revision' if locked and body_changed else 'in_place'}",
                     remote_addr=remote_addr)
        if upload is not None:
            _attach(note, upload, editor, remote_addr)
        asked_again = (_ask_again_after_change(note, editor, remote_addr)
                       if locked and (body_changed or upload is not None) else [])
        shares = _share(note, new_parties, editor, remote_addr)
        _tell_about_shares(note, shares + asked_again)
    return note


def _keep_revision(note, editor, new_body):
    """The first change after sharing also keeps the text as it was when shared."""
    if not NoteRevision.select().where(NoteRevision.note == note.id).exists():
        NoteRevision.create(note=note, body=note.body, author=note.author_id,
                            created_at=note.updated_at)
    NoteRevision.create(note=note, body=new_body, author=editor)


def _reshape_shares(note, facts, data, by, remote_addr):
    """Before any party may have read the note: shares follow the form. A changed source party or
    audience starts the shares afresh; otherwise a kept party keeps its share (a refusal stays a
    refusal). Returns the parties to share with now."""
    if data.source_party_id != note.source_party_id and policy.source_party_is_fixed(facts):
        raise NoteRuleError("Whose words these are cannot change once they have been asked.")
    fresh = (data.source_party_id != note.source_party_id or data.audience != note.audience)
    keep = set() if fresh else set(data.party_ids) & set(facts.shares)
    dropped = [pid for pid in facts.shares if pid not in keep]
    if dropped:
        NoteShare.delete().where(NoteShare.note == note.id, NoteShare.party.in_(dropped)).execute()
        audit.record("note.unshared", actor=by, record=note, case_id=note.case_id,
                     detail="parties=" + ",".join(str(p) for p in sorted(dropped)),
                     remote_addr=remote_addr)
    # The new shares take their state from the new source party.
    note.source_party = data.source_party_id
    return [pid for pid in data.party_ids if pid not in keep]


def _remove_files(note, file_ids, by, remote_addr):
    """Delete files of a note no party has read, with their bytes."""
    if not file_ids:
        return
    doomed = list(NoteFile.select().where(NoteFile.note == note.id, NoteFile.id.in_(list(file_ids))))
    for note_file in doomed:
        audit.record("note.file_removed", actor=by, record=note_file, case_id=note.case_id,
                     detail=f"note={note.id}", remote_addr=remote_addr)
        note_file.delete_instance()
        storage.remove(note_file.content_id)


def _ask_again_after_change(note, by, remote_addr):
    """Consent was given to what the note said: after a change it is asked for again."""
    given = list(NoteShare.select().where(NoteShare.note == note.id,
                                          NoteShare.state == ShareState.GIVEN))
    for share in given:
        _move_share(share, ShareState.GIVEN, ShareState.WAITING, by=by, method=None, at=None,
                    event="note.share_asked_again", remote_addr=remote_addr)
        share.state = ShareState.WAITING
    return given


def delete(note, by, *, remote_addr=""):
    """Delete a note no party has read (the policy decides), with its files."""
    with database.atomic():
        # A party may have been let in since the page was loaded: then the note is kept.
        if policy.note_was_shared(Note.get_by_id(note.id).facts()):
            raise NoteRuleError("A party may have read this note meanwhile, so it cannot be "
                                "deleted. Withdraw it instead.")
        audit.record("note.deleted", actor=by, record=note, case_id=note.case_id,
                     detail=f"audience={note.audience}", remote_addr=remote_addr)
        contents = [f.content_id for f in NoteFile.select(NoteFile.content).where(NoteFile.note == note.id)]
        note.delete_instance(recursive=True)
        storage.remove(*contents)


def withdraw(note, by, *, remote_addr=""):
    """What deleting becomes once a party may have read it: gone for parties, kept for staff."""
    with database.atomic():
        changed = (Note.update(withdrawn_at=utcnow())
                   .where(Note.id == note.id, Note.withdrawn_at.is_null()).execute())
        if not changed:
            raise NoteRuleError("This note has already been withdrawn.")
        audit.record("note.withdrawn", actor=by, record=note, case_id=note.case_id,
                     remote_addr=remote_addr)


# --- consent to shares ----------------------------------------------------------------------

def _move_share(share, from_state, to_state, *, by, method, at, event, remote_addr):
    """Change a share's state only if nobody changed it meanwhile."""
    moved = (NoteShare
             .update(state=to_state, consent_method=method, consent_at=at,
                     consent_recorded_by=by.id if method else None)
             .where(NoteShare.id == share.id, NoteShare.state == from_state)
             .execute())
    if not moved:
        raise NoteRuleError("This was answered meanwhile. Look at it again.")
    audit.record(event, actor=by, record=share, case_id=share.note.case_id,
                 detail=f"note={share.note_id} party={share.party_id} state={to_state}"
                        + (f" method={method}" if method else ""),
                 remote_addr=remote_addr)


def answer(share, to_state, *, by, method, day=None, remote_addr=""):
    """The source party's answer to a share: in the portal (now), or in person or by phone as a
    coach records it (on the day they say). Refused or withdrawn consent hides the share."""
    if to_state not in policy.share_consent_answers(share.state):
        raise NoteRuleError("That answer does not fit this request any more.")
    at = utcnow() if day is None else local_to_utc(day, time(0, 0))
    with database.atomic():
        _move_share(share, share.state, to_state, by=by, method=method, at=at,
                    event="note.share_consent", remote_addr=remote_addr)
        if by.role == Role.PARTY:
            notify.tell_coaches(share.note.case, NotificationKind.PARTY_ANSWERED_SHARE, share)
        share.state = to_state
        if to_state == ShareState.GIVEN:
            _tell_about_shares(share.note, [share])


def ask_again(share, *, by, remote_addr=""):
    """After a refusal or a withdrawal, ask the source party once more."""
    if share.state not in policy.SHARE_ASK_AGAIN_STATES:
        raise NoteRuleError("This share is not refused or withdrawn.")
    with database.atomic():
        _move_share(share, share.state, ShareState.WAITING, by=by, method=None, at=None,
                    event="note.share_asked_again", remote_addr=remote_addr)
        share.state = ShareState.WAITING
        _tell_about_shares(share.note, [share])


# --- the safeguarding override --------------------------------------------------------------

def override_read(note, reader, reason, *, remote_addr=""):
    """Record a safeguarding lead's read of a note outside its audience, then tell the author."""
    with database.atomic():
        NoteOverrideRead.create(note=note, reader=reader, reason=reason)
        audit.record("note.override_read", actor=reader, record=note, case_id=note.case_id,
                     detail=f"reason={reason}", remote_addr=remote_addr)
    author = User.get_or_none(User.id == note.author_id, User.active == True)  # noqa: E712
    if author is None:
        return
    # No longer on the case, they may not know of the concern, nor see the case: their message
    # names neither and leads to their notifications, not to the note. (The words never say
    # which case or that a concern is open, so they are the same either way.)
    on_case = policy.is_case_staff(author.actor(), queries.case_facts(note.case))
    link = (url_for("cases.show", reference=note.case.reference, _anchor=f"note-{note.id}") if on_case
            else url_for("notifications.index"))
    notify.notify(NotificationKind.NOTE_OVERRIDE_READ, author, note, due=utcnow().isoformat(), link=link,
                  case=note.case_id if on_case else None)


# --- telling people, without content --------------------------------------------------------

def _tell_about_shares(note, shares):
    """A visible share: that party is told something new is waiting. A share waiting for
    consent: the source party is told a question is waiting. Neither message says what, or who.
    Through `notify`: on their Notifications page too, and emailed only if email is safe for them."""
    shares = [s for s in shares]
    facts = note.facts()
    ready = [s.party_id for s in shares if policy.share_is_visible(facts, s.party_id)]
    asking = note.source_party_id if any(s.state == ShareState.WAITING for s in shares) else None
    link = url_for("notes.shared")
    now = utcnow().isoformat()  # asked again, or shared again after a withdrawal: told again
    for kind, party_ids in ((NotificationKind.NOTE_SHARED, ready),
                            (NotificationKind.SHARE_QUESTION_ASKED, [asking] if asking else [])):
        if not party_ids:
            continue
        for party in CaseParty.select().where(CaseParty.id.in_(party_ids)).order_by(CaseParty.id):
            notify.notify(kind, party, note, due=now, link=link)
