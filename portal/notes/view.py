"""Loading a note for the current user, and the note form as a fragment or a page."""

from flask import abort, url_for
from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor
from portal.cases.view import form_page
from portal.models import Note, NoteFile
from portal.notes.forms import NoteForm, scope_ids
from portal.notes.readers import readers_in_words


def load_note(case, facts, note_id):
    """A note on the case the user may read (else 404: it is not confirmed to exist), and its facts."""
    note = queries.get_or_404(queries.notes_visible_to(current_user, case).where(Note.id == note_id))
    note_facts = note.facts()
    if not policy.can_read_note(current_actor(), facts, note_facts):
        abort(404)
    return note, note_facts


def case_people(case):
    """The case's parties and current coaches, for the forms and the words under them."""
    return (list(queries.parties_with_contact_visible_to(current_user, case)),
            list(queries.current_coaches(case)))


def note_form(case, note=None, *, data=None):
    """The note form for `case`; for an existing note, locked once a party may have read it."""
    parties, _ = case_people(case)
    sessions = list(queries.sessions_visible_to(current_user, case))
    locked = note is not None and policy.edit_makes_revision(note.facts())
    existing = (list(queries.note_files_visible_to(current_user, case)
                     .where(NoteFile.note == note.id)) if note else [])
    form = NoteForm(parties=parties, sessions=sessions, note=note, locked=locked,
                    existing_files=existing, data=data,
                    session_parties=_session_parties(sessions))
    return scope_ids(form, form_scope(note))


def _session_parties(sessions):
    """{session id: the ids of its parties}, for the note form's "whose words" default."""
    seats = {}
    for seat in queries.session_seats(s.id for s in sessions):
        seats.setdefault(seat.session_id, []).append(seat.party_id)
    return seats


def form_scope(note):
    return f"edit-note-{note.id}" if note else "new-note"


def note_data(note):
    """A note's current values, as the edit form shows them."""
    return {"body": note.body, "is_summary": note.is_summary,
            "session": str(note.session_id or ""), "audience": note.audience,
            "parties": [str(pid) for pid in note.facts().shares],
            "source_party": str(note.source_party_id or "")}


def readers_for(case, form, note=None):
    """The words under the audience choice, for the form as it stands."""
    parties, coaches = case_people(case)
    existing = note.facts().shares if note else None
    author = note.author if note else current_user
    return readers_in_words(
        form.audience.data, source_party_id=form.chosen_source_id(),
        party_ids=form.chosen_party_ids(), parties=parties, coaches=coaches, author=author,
        existing_shares=existing)


def note_form_page(case, form, *, note=None, status=200):
    """The note form, in place (htmx) or as a page of its own."""
    scope = form_scope(note)
    if note is None:
        url, title = url_for("notes.write", reference=case.reference), "Write a note"
    else:
        url, title = url_for("notes.edit", reference=case.reference, note_id=note.id), "Change a note"
    readers_url = url_for("notes.readers", reference=case.reference,
                          **({"note": note.id} if note else {}))
    return form_page(case, form, "notes/_note_form.html", title, form_id=f"{scope}-form",
                     status=status, note=note, scope=scope, action_url=url,
                     readers_url=readers_url, readers=readers_for(case, form, note))
