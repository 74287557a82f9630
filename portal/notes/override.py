"""The safeguarding override: a safeguarding lead opens a note outside its audience, only while
a safeguarding concern on the case is unresolved, and only after writing a reason. Each read is
kept (NoteOverrideRead and the audit trail) and the author is told. Without such a concern the
option does not exist: the note is not found (404)."""

from flask import abort, request
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import current_actor
from portal.case_access import load_managed_case
from portal.cases.view import failed_status
from portal.htmx import render
from portal.models import Note, User
from portal.notes import bp, service
from portal.notes.forms import OverrideForm


@bp.route("/cases/<reference>/notes/<int:note_id>/override", methods=["GET", "POST"])
@login_required
def override(reference, note_id):
    """Ask for the reason; with it, record the read, tell the author and show the note."""
    case, facts = load_managed_case(reference)
    about = queries.get_or_404(queries.override_list(current_user, case).where(Note.id == note_id))
    if not policy.can_override_note(current_actor(), facts, about.facts()):
        abort(404)
    form = OverrideForm()
    if not form.validate_on_submit():
        return render("notes/override.html", case=case, about=about, form=form,
                      status=failed_status(form))
    note = queries.get_or_404(queries.notes_open_to_override(current_user, case)
                              .where(Note.id == note_id))
    if not policy.can_override_note(current_actor(), facts, note.facts()):
        abort(404)
    service.override_read(note, current_user._get_current_object(), form.reason.data.strip(),
                          remote_addr=request.remote_addr)
    return render("notes/override_read.html", case=case, note=note,
                  author=queries.get_or_404(queries.note_authors_visible_to(current_user, case)
                                            .where(User.id == note.author_id)),
                  files=list(queries.files_of_overridden_note(note)))
