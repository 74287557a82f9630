"""Consent to share one party's words with another, as a coach records it: an answer given in
person or by phone, or asking again after a refusal or a withdrawal."""

from flask import flash, request
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import current_actor, require
from portal.case_access import load_managed_case
from portal.cases.view import case_updated, form_page
from portal.forms import ConfirmForm
from portal.models import CaseParty, NoteShare
from portal.notes import bp, service
from portal.notes.forms import ShareConsentForm
from portal.notes.view import load_note


def load_share(case, facts, note_id, party_id):
    """A share of a note the user may read, with its note and party (else 404)."""
    note, note_facts = load_note(case, facts, note_id)
    share = queries.get_or_404(queries.note_shares_visible_to(current_user, case)
                               .where(NoteShare.note == note.id, NoteShare.party == party_id))
    share.note = note
    return share, note_facts


@bp.route("/cases/<reference>/notes/<int:note_id>/shares/<int:party_id>/consent",
          methods=["GET", "POST"])
@login_required
def record_consent(reference, note_id, party_id):
    """Record the source party's answer, given in person or by phone: who, when and how."""
    case, facts = load_managed_case(reference)
    share, note_facts = load_share(case, facts, note_id, party_id)
    require(policy.can_record_share_consent(current_actor(), facts, note_facts, party_id))
    form = ShareConsentForm(answers=policy.share_consent_answers(share.state))
    if form.validate_on_submit():
        try:
            service.answer(share, form.answer.data, by=current_user._get_current_object(),
                           method=form.method.data, day=form.day.data,
                           remote_addr=request.remote_addr)
        except service.NoteRuleError as refusal:
            form.form_errors.append(str(refusal))
        else:
            flash("Their answer is recorded.", "success")
            return case_updated(case, anchor=f"note-{share.note_id}")
    source = queries.get_or_404(queries.parties_with_contact_visible_to(current_user, case)
                                .where(CaseParty.id == share.note.source_party_id))
    return form_page(case, form, "notes/_consent_form.html", "Record consent to share",
                     form_id=f"consent-{share.id}", share=share, source=source,
                     status=422 if form.is_submitted() else 200)


@bp.post("/cases/<reference>/notes/<int:note_id>/shares/<int:party_id>/ask-again")
@login_required
def ask_again(reference, note_id, party_id):
    """Ask the source party again, after they refused or withdrew their agreement."""
    case, facts = load_managed_case(reference)
    share, note_facts = load_share(case, facts, note_id, party_id)
    require(policy.can_ask_share_again(current_actor(), facts, note_facts, party_id))
    if ConfirmForm().validate_on_submit():
        service.ask_again(share, by=current_user._get_current_object(),
                          remote_addr=request.remote_addr)
        flash("Asked again. The note stays hidden from them until the answer is yes.", "success")
    return case_updated(case, anchor=f"note-{note_id}")
