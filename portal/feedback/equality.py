"""Equality monitoring: a party answers for themselves in the portal, or a coordinator records
their answers with their permission. Only coordinators read them person by person."""

from flask import flash, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import current_actor, require
from portal.case_access import load_managed_case, load_party
from portal.cases.view import case_updated, failed_status, form_page
from portal.feedback import bp, service
from portal.feedback.forms import EqualityForm, StaffEqualityForm
from portal.htmx import no_store, redirect_to
from portal.models import CaseParty, EqualityAnswers
from portal.vocab import EqualitySource


def _prefilled(form_class, answers):
    """The form with the answers given before, on a first visit."""
    return form_class(obj=answers) if answers is not None and request.method == "GET" else form_class()


@bp.route("/equality/<int:party_id>", methods=["GET", "POST"])
@login_required
def own_equality(party_id):
    """A party's own equality monitoring answers: voluntary, changeable."""
    record = queries.get_or_404(queries.own_party_records(current_user).where(CaseParty.id == party_id))
    facts = queries.case_facts(record.case)
    require(policy.can_answer_own_equality(current_actor(), facts, record.id))
    answers = queries.own_equality_answers(current_user).where(EqualityAnswers.party == record.id).first()
    form = _prefilled(EqualityForm, answers)
    if form.validate_on_submit():
        service.save_equality_answers(record, form.answers(), source=EqualitySource.PARTY,
                                      by=current_user._get_current_object(), remote_addr=request.remote_addr)
        flash("Thank you. Your answers are saved.", "success")
        return redirect_to(url_for("home.party"))
    return no_store(make_response(render_template("feedback/equality.html", form=form, record=record,
                                                  answered=answers is not None), failed_status(form)))


@bp.route("/cases/<reference>/parties/<int:party_id>/equality", methods=["GET", "POST"])
@login_required
def record_equality(reference, party_id):
    """A coordinator records a party's answers, only with the party's permission."""
    case, facts = load_managed_case(reference, policy.can_record_equality_answers)
    party = load_party(case, party_id)
    answers = (queries.equality_answers_visible_to(current_user, case)
               .where(EqualityAnswers.party == party.id).first())
    form = _prefilled(StaffEqualityForm, answers)
    if form.validate_on_submit():
        service.save_equality_answers(party, form.answers(), source=EqualitySource.STAFF_WITH_PERMISSION,
                                      by=current_user._get_current_object(), remote_addr=request.remote_addr)
        flash(f"Equality monitoring answers recorded for {party.name}.", "success")
        return case_updated(case, anchor=f"equality-{party.id}")
    return form_page(case, form, "feedback/_equality_form.html", f"Equality monitoring: {party.name}",
                     form_id="equality-form", status=failed_status(form), party=party)


