"""Closing a case with an outcome, reopening it with a reason, and post-mediation coaching."""

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import current_actor, require
from portal.case_access import load_case, load_managed_case, load_party
from portal.cases import bp, service
from portal.cases.forms import CloseForm, ReopenForm
from portal.cases.view import case_updated, failed_status, form_page
from portal.forms import ConfirmForm
from portal.htmx import is_htmx_request, redirect_to
from portal.models import CaseParty
from portal.vocab import CoachingOfferAnswer


@bp.route("/<reference>/close", methods=["GET", "POST"])
@login_required
def close(reference):
    """Close with an outcome and a note; the case becomes read-only."""
    case, facts = load_managed_case(reference, policy.can_close_case)
    coaching = policy.can_record_coaching_outcome(current_actor(), facts)
    form = CloseForm(future_sessions=service.future_sessions(case).count(), coaching=coaching)
    if form.validate_on_submit():
        future = form.future_sessions.data if "future_sessions" in form else None
        goals_met = form.goals_met.data if "goals_met" in form else None
        try:
            service.close(case, form.outcome.data, form.closing_note.data.strip(), future=future,
                          goals_met=goals_met or None, by=current_user._get_current_object(),
                          remote_addr=request.remote_addr)
        except service.CaseRuleError:
            # A session was booked while the form was open: ask about it.
            form = CloseForm(future_sessions=service.future_sessions(case).count(), coaching=coaching)
            form.validate()
        else:
            flash(f"Case {case.reference} closed.", "success")
            return case_updated(case, anchor="closing")
    return form_page(case, form, "cases/_close_form.html", "Close the case", form_id="close-form",
                     status=failed_status(form))


@bp.route("/<reference>/reopen", methods=["GET", "POST"])
@login_required
def reopen(reference):
    """Reopen a closed case; the reason goes on the timeline."""
    case, facts = load_managed_case(reference, policy.can_reopen_case)
    form = ReopenForm()
    if form.validate_on_submit():
        service.reopen(case, form.reason.data.strip(), by=current_user._get_current_object(),
                       remote_addr=request.remote_addr)
        flash(f"Case {case.reference} reopened.", "success")
        return case_updated(case, anchor="closing")
    return form_page(case, form, "cases/_reopen_form.html", "Reopen the case", form_id="reopen-form",
                     status=failed_status(form))


@bp.post("/<reference>/parties/<int:party_id>/follow-on")
@login_required
def follow_on(reference, party_id):
    """After a mediation closes, open a linked post-mediation coaching case for one party."""
    case, facts = load_managed_case(reference, policy.can_offer_follow_on)
    party = load_party(case, party_id)
    offered = queries.coaching_offers_from(current_user, case).where(CaseParty.offered_from == party.id).exists()
    require(policy.can_offer_follow_on(current_actor(), facts, offered=offered))
    if not ConfirmForm().validate_on_submit():
        return redirect_to(url_for("cases.show", reference=case.reference))
    new_case = service.offer_follow_on_coaching(case, party, by=current_user._get_current_object(),
                                                remote_addr=request.remote_addr)
    flash(f"Post-mediation coaching case {new_case.reference} opened for {party.name}.", "success")
    return redirect_to(url_for("cases.show", reference=new_case.reference))



OFFER_ANSWERS = {CoachingOfferAnswer.ACCEPTED: "Thank you. Your coordinator will be in touch to book "
                                               "a session.",
                 CoachingOfferAnswer.DECLINED: "Thank you. We have recorded that you do not want "
                                               "coaching now."}


@bp.post("/<reference>/parties/<int:party_id>/coaching-offer/<answer>")
@login_required
def coaching_offer(reference, party_id, answer):
    """A party says yes or no to post-mediation coaching offered to them, from their home page."""
    if answer not in OFFER_ANSWERS:
        abort(404)
    case, facts = load_case(reference)
    party = load_party(case, party_id)
    require(policy.can_answer_coaching_offer(current_actor(), facts, party.id,
                                             waiting=party.coaching_offer == CoachingOfferAnswer.WAITING))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.answer_coaching_offer(party, answer, by=current_user._get_current_object(),
                                  remote_addr=request.remote_addr)
    if is_htmx_request():
        return render_template("home/_coaching_offer.html", record=party, offer_answerable=False,
                               message=OFFER_ANSWERS[answer])
    flash(OFFER_ANSWERS[answer], "success")
    return redirect_to(url_for("home.party", _anchor=f"coaching-offer-{party.id}"))
