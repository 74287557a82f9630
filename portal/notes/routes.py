"""The coach's side of notes on the case page: write, check who can read it, change, delete or
withdraw, see earlier versions; and the checked download of a note's files, for every reader.

The forms follow `portal.cases.view`. The note form itself submits as a plain form (it may carry
a file, and a file that is too big must get the 413 page, which htmx would not show).
"""

import io

from flask import abort, current_app, flash, request, send_file
from flask_login import current_user, login_required

from portal import policy, queries, storage
from portal.access import current_actor, require
from portal.case_access import load_case, load_managed_case
from portal.cases.view import case_updated, failed_status, form_page
from portal.forms import ConfirmForm
from portal.htmx import no_store, render
from portal.models import NoteFile, NoteOverrideRead, NoteRevision
from portal.notes import bp, files, service
from portal.notes.forms import ReadersQuery
from portal.notes.view import case_people, load_note, note_data, note_form, note_form_page, readers_for
from portal.vocab import Audience


def _me():
    return current_user._get_current_object()


@bp.route("/cases/<reference>/notes/new", methods=["GET", "POST"])
@login_required
def write(reference):
    """Write a note: text or a file, the session, and who can read it (in words, before saving)."""
    case, facts = load_managed_case(reference, policy.can_write_note)
    form = note_form(case, data={"audience": Audience.PRIVATE} if request.method == "GET" else None)
    if form.is_submitted() and form.checking:
        return note_form_page(case, form)
    if form.validate_on_submit():
        service.write(case, _me(), form.note_input(), form.upload, remote_addr=request.remote_addr)
        flash("Note saved.", "success")
        return case_updated(case, anchor="notes")
    return note_form_page(case, form, status=failed_status(form))


@bp.get("/cases/<reference>/notes/readers")
@login_required
def readers(reference):
    """The words under the audience choice, for the choice as it stands (htmx, on change)."""
    case, facts = load_managed_case(reference, policy.can_write_note)
    note = None
    if request.args.get("note", "").isdigit():
        note, note_facts = load_note(case, facts, int(request.args["note"]))
        require(policy.can_edit_note(current_actor(), facts, note_facts))
    parties, _ = case_people(case)
    form = ReadersQuery(request.args, parties=parties)
    return render("notes/_readers_list.html", readers=readers_for(case, form, note))


@bp.route("/cases/<reference>/notes/<int:note_id>/edit", methods=["GET", "POST"])
@login_required
def edit(reference, note_id):
    """Change a note: in place until a party may have read it, as a new version after that."""
    case, facts = load_managed_case(reference)
    note, note_facts = load_note(case, facts, note_id)
    require(policy.can_edit_note(current_actor(), facts, note_facts))
    form = note_form(case, note, data=note_data(note) if request.method == "GET" else None)
    if form.is_submitted() and form.checking:
        return note_form_page(case, form, note=note)
    if form.validate_on_submit():
        try:
            service.edit(note, _me(), form.note_input(), form.upload, remote_addr=request.remote_addr)
        except service.NoteRuleError as refusal:
            flash(str(refusal), "error")
            return case_updated(case, anchor=f"note-{note.id}")
        flash("Note changed." if not form.locked else
              "Note changed. The earlier version is kept in its history.", "success")
        return case_updated(case, anchor=f"note-{note.id}")
    return note_form_page(case, form, note=note, status=failed_status(form))


def _overridden(case, note):
    return (queries.override_reads_visible_to(current_user, case)
            .where(NoteOverrideRead.note == note.id).exists())


@bp.route("/cases/<reference>/notes/<int:note_id>/delete", methods=["GET", "POST"])
@login_required
def delete(reference, note_id):
    """Delete a note no party has read (with its files)."""
    case, facts = load_managed_case(reference)
    note, note_facts = load_note(case, facts, note_id)
    require(policy.can_delete_note(current_actor(), facts, note_facts,
                                   override_read=_overridden(case, note)))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.delete(note, _me(), remote_addr=request.remote_addr)
        except service.NoteRuleError as refusal:
            flash(str(refusal), "error")
            return case_updated(case, anchor=f"note-{note.id}")
        flash("Note deleted.", "success")
        return case_updated(case, anchor="notes")
    return form_page(case, form, "notes/_delete_form.html", "Delete a note",
                     form_id=f"delete-note-{note.id}", note=note, status=failed_status(form))


@bp.route("/cases/<reference>/notes/<int:note_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(reference, note_id):
    """Withdraw a note a party may have read: it goes from the parties' pages, staff keep it."""
    case, facts = load_managed_case(reference)
    note, note_facts = load_note(case, facts, note_id)
    require(policy.can_withdraw_note(current_actor(), facts, note_facts))
    form = ConfirmForm()
    if form.validate_on_submit():
        service.withdraw(note, _me(), remote_addr=request.remote_addr)
        flash("Note withdrawn. Parties no longer see it.", "success")
        return case_updated(case, anchor=f"note-{note.id}")
    return form_page(case, form, "notes/_withdraw_form.html", "Withdraw a note",
                     form_id=f"withdraw-note-{note.id}", note=note, status=failed_status(form))


@bp.get("/cases/<reference>/notes/<int:note_id>/history")
@login_required
def history(reference, note_id):
    """Every version of a note, oldest first: staff who can read it."""
    case, facts = load_managed_case(reference)
    note, note_facts = load_note(case, facts, note_id)
    require(policy.can_view_note_history(current_actor(), facts, note_facts))
    revisions = list(queries.note_revisions_visible_to(current_user, case)
                     .where(NoteRevision.note == note.id))
    return render("notes/history.html", "notes/_history.html", case=case, note=note,
                  revisions=revisions)


@bp.get("/cases/<reference>/notes/<int:note_id>/files/<int:file_id>")
@login_required
def download(reference, note_id, file_id):
    """A note's file, for whoever may read the note (anyone else: 404). Always an attachment."""
    case, facts = load_case(reference)
    note, note_facts = load_note(case, facts, note_id)
    note_file = queries.get_or_404(queries.note_files_visible_to(current_user, case)
                                   .where(NoteFile.id == file_id, NoteFile.note == note.id))
    return send_note_file(note_file, note.is_summary)


def send_note_file(note_file, is_summary):
    """The stored bytes as an attachment with a neutral name; never sniffed, never cached."""
    data = storage.read(note_file.content_id, note_file.sha256)
    if data is None:
        current_app.logger.error("Stored file of note file %s is missing or changed", note_file.id)
        abort(500)
    response = send_file(io.BytesIO(data), mimetype=note_file.content_type, as_attachment=True,
                         download_name=files.download_name(note_file, is_summary))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return no_store(response)
