"""Answers to a proposed agreement, and its PDF.

A party accepts for themselves (typing their full name and ticking that they have read it) or
asks for a change; a coach records the acceptance of a party without a portal account, given in
person. The PDF is the stored final file, byte for byte, once final; before that it is rendered
from the version as it stands, with blank lines for signatures.
"""

import io

from flask import abort, send_file
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import current_actor, require
from portal.agreements import bp, pdf, service
from portal.agreements.forms import AcceptForm, ChangeRequestForm, RecordAcceptanceForm
from portal.agreements.view import attempt, form_page, load_agreement, my_party
from portal.cases.view import failed_status
from portal.htmx import no_store
from portal.vocab import AcceptanceMethod, AgreementState


def _answering_party(reference, agreement_id):
    """The agreement and the current user's party record on its case, if they may answer it."""
    case, facts, agreement = load_agreement(reference, agreement_id)
    party = my_party(case, facts)
    require(party is not None
            and policy.can_answer_agreement(current_actor(), facts, agreement.facts(), party.id))
    return case, agreement, party


@bp.route("/cases/<reference>/agreements/<int:agreement_id>/accept", methods=["GET", "POST"])
@login_required
def accept(reference, agreement_id):
    """Accept this version of the agreement by typing your full name."""
    case, agreement, party = _answering_party(reference, agreement_id)
    form = AcceptForm(party.name)
    if form.validate_on_submit():
        return attempt(case, agreement, lambda: service.accept(
            agreement, party, typed_name=form.typed_name.data, by=current_user._get_current_object()),
            lambda final: "Thank you. Everyone has accepted it, so the agreement is now final."
            if final else "Thank you. Your acceptance is recorded.")
    return form_page(case, agreement, form, f"Accept version {agreement.version} of the agreement",
                     form_id="accept-form", status=failed_status(form),
                     intro=f"Accepting records the name you type, the time, and that it is "
                           f"version {agreement.version} you accepted. If anything changes "
                           "later, you will be asked again.")


@bp.route("/cases/<reference>/agreements/<int:agreement_id>/ask-for-a-change",
          methods=["GET", "POST"])
@login_required
def ask_for_change(reference, agreement_id):
    """Ask your coach for a change; only the coaches and coordinators read what you write."""
    case, agreement, party = _answering_party(reference, agreement_id)
    form = ChangeRequestForm()
    if form.validate_on_submit():
        return attempt(case, agreement, lambda: service.request_change(
            agreement, party, comment=form.comment.data, by=current_user._get_current_object()),
            "Thank you. Your coach has been told you asked for a change.")
    return form_page(case, agreement, form, "Ask for a change to the agreement",
                     form_id="change-form", status=failed_status(form))


@bp.route("/cases/<reference>/agreements/<int:agreement_id>/record-acceptance",
          methods=["GET", "POST"])
@login_required
def record_acceptance(reference, agreement_id):
    """A coach records an acceptance given in person by a party without a portal account."""
    case, facts, agreement = load_agreement(reference, agreement_id)
    accepted = {a.party_id for a in queries.agreement_acceptances(agreement)}
    parties = [p for p in service.parties_of(case) if p.id not in accepted
               and policy.can_record_agreement_acceptance(current_actor(), facts,
                                                          agreement.facts(), p.id)]
    require(bool(parties))
    form = RecordAcceptanceForm(parties)
    if form.validate_on_submit():
        party = next(p for p in parties if str(p.id) == form.party.data)
        return attempt(case, agreement, lambda: service.accept(
            agreement, party, typed_name=form.typed_name.data,
            by=current_user._get_current_object(), method=AcceptanceMethod.IN_PERSON),
            lambda final: f"{party.name}'s acceptance is recorded."
            + (" Everyone has accepted it, so the agreement is now final." if final else ""))
    return form_page(case, agreement, form, "Record an acceptance given in person",
                     form_id="record-acceptance-form", status=failed_status(form),
                     intro=f"For a party without a portal account who read version "
                           f"{agreement.version} and accepted it with you, for example by "
                           "writing their name on a printed copy.")


@bp.get("/cases/<reference>/agreements/<int:agreement_id>/agreement.pdf")
@login_required
def download(reference, agreement_id):
    """The PDF: for the case team, coordinators, and the parties once proposed (else 404)."""
    case, facts, agreement = load_agreement(reference, agreement_id)
    if agreement.state in (AgreementState.FINAL, AgreementState.SUPERSEDED) \
            and agreement.pdf_content_id:
        data = service.stored_pdf(agreement)
        if data is None:
            abort(500)  # the stored file is missing or altered: never serve something else
    else:
        data = pdf.render_pdf(service.document_for(agreement))
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=f"agreement-{case.reference}-version-{agreement.version}.pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return no_store(response)
