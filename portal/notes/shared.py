"""The party's side: "Shared with you" (notes and summaries shared with them, and questions
about sharing their own words with someone else), their answers, and the files of both.

Everything comes from `queries`, filtered to what this party may see; nothing on these pages
hints at another party's notes, sessions or details.
"""

from flask import abort, flash, request, url_for
from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor, role_required
from portal.forms import ConfirmForm
from portal.htmx import redirect_to, render
from portal.models import Note, NoteFile, NoteShare
from portal.notes import bp, service
from portal.notes.routes import send_note_file
from portal.pagination import BatchedPage, page_number
from portal.vocab import Role, ShareConsentMethod, ShareState

ANSWERS = {"agree": ShareState.GIVEN, "refuse": ShareState.REFUSED,
           "withdraw": ShareState.WITHDRAWN}
THANKS = {
    ShareState.GIVEN: "Thank you. It is now shared as your coach asked.",
    ShareState.REFUSED: "Thank you. It will not be shared.",
    ShareState.WITHDRAWN: "Thank you. It is no longer shared.",
}


def _by_note(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row.note_id, []).append(row)
    return grouped


SHARED_PER_PAGE = 20


def _reserve(batch, user, case, number):
    """The page's lists, reserved in `batch` (page `number` of the notes). Its SQL text is made
    once per page number (`queries.PreparedBatch`): the user is read only from the argument."""
    notes = BatchedPage(batch, queries.notes_shared_with(user), number, SHARED_PER_PAGE)
    return (batch.rows(queries.share_requests_for(user)),
            batch.rows(queries.share_requests_for(user, (ShareState.GIVEN,))),
            notes,
            batch.rows(queries.files_shared_with(user).where(NoteFile.note.in_(notes.query.select(Note.id)))),
            batch.rows(queries.files_of_share_requests_for(user)),
            batch.rows(queries.own_party_records(user)))


_SHARED = queries.PreparedBatch("shared with you", _reserve)


@bp.get("/shared")
@role_required(Role.PARTY)
def shared():
    """Notes and summaries shared with you, newest first and a page at a time; questions
    waiting for your answer. Every list comes in one statement."""
    return _shared_page(page_number(request.args.get("page")))


def _shared_page(number, *, clamp=True):
    requests_, agreed, notes, files, request_files, records = _SHARED.run(
        current_user._get_current_object(), None, number)
    page = notes.page()
    if clamp and page.number > page.pages:
        return _shared_page(page.pages, clamp=False)
    return render(
        "notes/shared.html",
        notes=page.rows,
        page=page,
        changed={n.id for n in page.rows if (n.updated_at - n.created_at).total_seconds() > 60},
        files=_by_note(files.rows),
        requests=requests_.rows, agreed=agreed.rows,
        request_files=_by_note(request_files.rows),
        my_party_ids={record.id for record in records.rows},
        form=ConfirmForm())


def _load_request(share_id, states):
    """A share of this party's own words, in one of `states` (else 404), with its facts."""
    share = queries.get_or_404(queries.share_requests_for(current_user, states)
                               .where(NoteShare.id == share_id))
    case_facts = queries.case_facts(share.note.case)
    return share, case_facts, share.note.facts()


@bp.post("/shared/requests/<int:share_id>/<answer>")
@role_required(Role.PARTY)
def answer(share_id, answer):
    """Agree or refuse to share your words with another party, or withdraw your agreement."""
    if answer not in ANSWERS:
        abort(404)
    share, case_facts, note_facts = _load_request(share_id, (ShareState.WAITING, ShareState.GIVEN))
    if not (policy.can_answer_share_consent(current_actor(), case_facts, note_facts)
            and policy.can_view_share_request(current_actor(), case_facts, note_facts, share.party_id)):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.answer(share, ANSWERS[answer], by=current_user._get_current_object(),
                       method=ShareConsentMethod.PORTAL, remote_addr=request.remote_addr)
    except service.NoteRuleError as refusal:
        flash(str(refusal), "error")
    else:
        flash(THANKS[ANSWERS[answer]], "success")
    return redirect_to(url_for("notes.shared"))


@bp.get("/shared/requests/<int:share_id>/files/<int:file_id>")
@role_required(Role.PARTY)
def request_file(share_id, file_id):
    """A file of a note you are asked about (your own words): part of what would be shared."""
    share, case_facts, note_facts = _load_request(share_id, (ShareState.WAITING, ShareState.GIVEN))
    if not policy.can_view_share_request(current_actor(), case_facts, note_facts, share.party_id):
        abort(404)
    note_file = queries.get_or_404(queries.files_of_share_requests_for(current_user)
                                   .where(NoteFile.id == file_id, NoteFile.note == share.note_id))
    return send_note_file(note_file, share.note.is_summary)
