"""Notes: who reads which note, its shares, files, earlier versions, a party's shared notes and
requests to share their words, and the safeguarding override."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from peewee import Field, ModelSelect, fn

from portal import policy
from portal.models import (
    Case,
    CaseParty,
    Note,
    NoteFile,
    NoteOverrideRead,
    NoteRevision,
    NoteShare,
    SafeguardingConcern,
    User,
)
from portal.queries._scopes import (
    CASE_COLUMNS_WITHOUT_FUNDING,
    PARTY_NAME_COLUMNS,
    allocated_case_ids,
    has_role,
    is_staff,
    nothing,
    party_ids_of,
)
from portal.vocab import Audience, Role, ShareState


def _notes_shared_visibly_with(user: User, case: Case | None = None) -> ModelSelect[NoteShare]:
    """Ids of notes with a share this party may see (policy.share_is_visible, in SQL). The share
    must be with the party's record on the note's own case."""
    return _notes_shared_visibly_with_parties(party_ids_of(user, case))


def _notes_shared_visibly_with_parties(parties: ModelSelect[CaseParty]) -> ModelSelect[NoteShare]:
    """`_notes_shared_visibly_with` for the party records `parties` (a select of their ids)."""
    shared = Note.alias()
    needs_no_consent = ((NoteShare.state == ShareState.NOT_NEEDED)
                        & (shared.source_party.is_null() | (shared.source_party == NoteShare.party)))
    return (NoteShare
            .select(NoteShare.note)
            .join(shared, on=(NoteShare.note == shared.id))
            .join(CaseParty, on=(NoteShare.party == CaseParty.id))
            .where(NoteShare.party.in_(parties),
                   CaseParty.case == shared.case,
                   (NoteShare.state == ShareState.GIVEN) | needs_no_consent))


def notes_visible_to(user: User, case: Case) -> ModelSelect[Note]:
    """The notes on `case` this user may read, newest first (the audience table of PRODUCT.md)."""
    query = Note.select().where(Note.case == case.id)
    if has_role(user, Role.COORDINATOR):
        readable = Note.audience.in_(policy.note_audiences_for(policy.CASE_COORDINATOR))
        query = query.where(readable | (Note.author == user.id))
    elif has_role(user, Role.COACH):
        readable = Note.audience.in_(policy.note_audiences_for(policy.CASE_COACH))
        query = query.where(Note.case.in_(allocated_case_ids(user)),
                            readable | (Note.author == user.id))
    elif has_role(user, Role.PARTY):
        shared_with_me = _notes_shared_visibly_with(user, case)
        query = query.where(Note.audience.in_(policy.note_audiences_for(policy.NAMED_PARTY)),
                            Note.withdrawn_at.is_null(),
                            Note.id.in_(shared_with_me))
    else:
        return nothing(Note)
    return query.order_by(Note.created_at.desc(), Note.id.desc())


def _ids_of(query: ModelSelect[Note]) -> ModelSelect[Note]:
    """An id subquery of an already-scoped query of notes."""
    return query.select(Note.id).order_by()


def notes_shared_with(user: User) -> ModelSelect[Note]:
    """Every note shared visibly with this party, on any of their cases, newest first."""
    if not has_role(user, Role.PARTY):
        return nothing(Note)
    return notes_shared_with_parties(party_ids_of(user))


def notes_shared_with_parties(parties: ModelSelect[CaseParty]) -> ModelSelect[Note]:
    """`notes_shared_with` for the party records `parties` (a select of their ids): what a
    data export reads, for a party with or without an account."""
    return (Note
            .select(Note, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(Note.audience.in_(policy.note_audiences_for(policy.NAMED_PARTY)),
                   Note.withdrawn_at.is_null(),
                   Note.id.in_(_notes_shared_visibly_with_parties(parties)))
            .order_by(Note.updated_at.desc(), Note.id.desc()))


def note_shares_visible_to(user: User, case: Case) -> ModelSelect[NoteShare]:
    """The shares of the notes on `case` a staff member may read (who a note went to, and the
    state of each consent); parties get none, not even of their own notes."""
    if not is_staff(user):
        return nothing(NoteShare)
    return (NoteShare
            .select(NoteShare, CaseParty)
            .join(CaseParty)
            .where(NoteShare.note.in_(_ids_of(notes_visible_to(user, case))))
            .order_by(NoteShare.note, CaseParty.name, NoteShare.id))


def share_requests_for(user: User, states: Iterable[str] = (ShareState.WAITING,)) -> ModelSelect[NoteShare]:
    """Shares of this party's own words with another party, in `states`, with the note, the
    other party and the case: what the source party is asked about (or agreed to), newest first."""
    if not has_role(user, Role.PARTY):
        return nothing(NoteShare)
    source = CaseParty.alias()
    # The source party must be the user's record on the note's own case, and the other party a
    # record on that case too.
    return (NoteShare
            .select(NoteShare, Note, *PARTY_NAME_COLUMNS, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Note)
            .join(Case)
            .switch(NoteShare)
            .join(CaseParty)
            .switch(Note)
            .join(source, on=(Note.source_party == source.id))
            .where(source.user == user.id,
                   source.case == Note.case,
                   CaseParty.case == Note.case,
                   Note.audience == Audience.PARTIES,
                   Note.withdrawn_at.is_null(),
                   NoteShare.party != Note.source_party,
                   NoteShare.state.in_(list(states)))
            .order_by(NoteShare.created_at.desc(), NoteShare.id.desc()))


# A file as it is given to someone who may download it but not see the name it was uploaded
# with (policy.can_see_file_original_name): every column but that name.
FILE_COLUMNS_WITHOUT_NAME: tuple[Field[Any], ...] = tuple(
    f for f in NoteFile._meta.sorted_fields if f is not NoteFile.original_name)


def _file_columns_for(user: User) -> tuple[Field[Any], ...]:
    """Staff get a file's original name with the file (they may read the note, or its file is
    not listed at all); nobody else's query selects it."""
    return () if is_staff(user) else FILE_COLUMNS_WITHOUT_NAME


def note_files_visible_to(user: User, case: Case) -> ModelSelect[NoteFile]:
    """Files of the notes on `case` the user may read: a file has exactly its note's audience.
    Its original name only for staff."""
    return (NoteFile
            .select(*_file_columns_for(user))
            .where(NoteFile.note.in_(_ids_of(notes_visible_to(user, case))))
            .order_by(NoteFile.note, NoteFile.id))


def files_shared_with(user: User) -> ModelSelect[NoteFile]:
    """Files of every note shared visibly with this party, without their original names."""
    return _files_of(notes_shared_with(user))


def files_shared_with_parties(parties: ModelSelect[CaseParty]) -> ModelSelect[NoteFile]:
    """`files_shared_with` for the party records `parties` (a select of their ids)."""
    return _files_of(notes_shared_with_parties(parties))


def _files_of(notes: ModelSelect[Note]) -> ModelSelect[NoteFile]:
    return (NoteFile
            .select(*FILE_COLUMNS_WITHOUT_NAME)
            .where(NoteFile.note.in_(_ids_of(notes)))
            .order_by(NoteFile.note, NoteFile.id))


def files_of_share_requests_for(user: User) -> ModelSelect[NoteFile]:
    """Files of the notes the source party is asked about (or agreed to share): part of what
    they are shown, without their original names."""
    asked = (share_requests_for(user, (ShareState.WAITING, ShareState.GIVEN))
             .select(NoteShare.note).order_by())
    return (NoteFile
            .select(*FILE_COLUMNS_WITHOUT_NAME)
            .where(NoteFile.note.in_(asked))
            .order_by(NoteFile.note, NoteFile.id))


def files_of_overridden_note(note: Note) -> ModelSelect[NoteFile]:
    """How many files a note opened under the safeguarding override has: the lead is told they
    exist, never their names (policy.can_see_file_original_name)."""
    return NoteFile.select(*FILE_COLUMNS_WITHOUT_NAME).where(NoteFile.note == note.id)


def note_revisions_visible_to(user: User, case: Case) -> ModelSelect[NoteRevision]:
    """Earlier versions of the notes on `case`: staff who may read the note; never parties."""
    if not is_staff(user):
        return nothing(NoteRevision)
    return (NoteRevision
            .select()
            .where(NoteRevision.note.in_(_ids_of(notes_visible_to(user, case))))
            .order_by(NoteRevision.note, NoteRevision.created_at, NoteRevision.id))


def override_reads_visible_to(user: User, case: Case) -> ModelSelect[NoteOverrideRead]:
    """Safeguarding-override reads of the notes on `case` (who and when), for staff who may
    read the note."""
    if not is_staff(user):
        return nothing(NoteOverrideRead)
    return (NoteOverrideRead
            .select(NoteOverrideRead, User)
            .join(User, on=(NoteOverrideRead.reader == User.id))
            .where(NoteOverrideRead.note.in_(_ids_of(notes_visible_to(user, case))))
            .order_by(NoteOverrideRead.created_at, NoteOverrideRead.id))


def notes_open_to_override(user: User, case: Case) -> ModelSelect[Note]:
    """Notes on `case` closed to this safeguarding lead that the override may open: only while
    a safeguarding concern on the case is unresolved (policy.can_override_note, in SQL)."""
    if not (has_role(user, Role.COORDINATOR) and user.is_safeguarding_lead):
        return nothing(Note)
    unresolved = SafeguardingConcern.unresolved().where(SafeguardingConcern.case == case.id)
    return (Note
            .select()
            .where(Note.case == case.id,
                   fn.EXISTS(unresolved.select(SafeguardingConcern.id)),
                   Note.id.not_in(_ids_of(notes_visible_to(user, case))))
            .order_by(Note.created_at.desc(), Note.id.desc()))


def override_list(user: User, case: Case) -> ModelSelect[Note]:
    """What a safeguarding lead is told about the notes the override may open: who wrote each
    and when, never its text."""
    return (notes_open_to_override(user, case)
            .select(Note.id, Note.case, Note.author, Note.audience, Note.source_party, Note.withdrawn_at,
                    Note.created_at, User.name.alias("author_name"))
            .join(User, on=(Note.author == User.id))
            .objects())


def override_note_shares(user: User, case: Case) -> ModelSelect[NoteShare]:
    """The shares of the notes the override may open, for those notes' facts (the policy's
    "could not otherwise read" depends on them): which party and in what state, nothing else,
    and never shown. All at once, so that the override list is not a query per note."""
    return (NoteShare
            .select(NoteShare.id, NoteShare.note, NoteShare.party, NoteShare.state)
            .where(NoteShare.note.in_(_ids_of(notes_open_to_override(user, case))))
            .order_by(NoteShare.note, NoteShare.id))


def note_authors_visible_to(user: User, case: Case) -> ModelSelect[User]:
    """Who wrote the notes on `case` the user may read or that the override may open for them
    (a safeguarding lead is told who wrote those): ids and names only."""
    readable = _ids_of(notes_visible_to(user, case)).select(Note.author)
    overridable = _ids_of(notes_open_to_override(user, case)).select(Note.author)
    # One IN over the union of both lists: PostgreSQL reads `IN (a) OR IN (b)` by scanning every
    # user (100 ms at 100k cases), while a single IN looks each author up by key.
    return (User
            .select(User.id, User.name)
            .where(User.id.in_(readable | overridable)))
