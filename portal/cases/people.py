"""Consent, coaches, details (dispute type, office), funding and fees: the coordinator's records on a
case; a party's own consent."""

from decimal import Decimal

from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from portal import policy
from portal.access import current_actor, require
from portal.case_access import load_case, load_managed_case, load_party
from portal.cases import bp, service
from portal.cases.forms import (
    AllocationForm,
    ConsentForm,
    DetailsForm,
    EmailDetailsForm,
    FeeForm,
    FundingForm,
    OwnConsentForm,
)
from portal.cases.view import case_updated, failed_status, form_page
from portal.forms import scope_ids
from portal.htmx import redirect_to
from portal.models import User
from portal.times import local_today
from portal.vocab import ConsentMethod, ConsentState


@bp.route("/<reference>/parties/<int:party_id>/consent", methods=["GET", "POST"])
@login_required
def record_consent(reference, party_id):
    """The coordinator records consent given, declined or withdrawn (history is kept)."""
    case, facts = load_managed_case(reference, policy.can_run_case)
    party = load_party(case, party_id)
    form = ConsentForm(allowed_states=service.consent_choices(party))
    if form.validate_on_submit():
        invited = service.record_consent(
            party, form.state.data, occurred_on=form.occurred_on.data,
            method=form.method.data if form.state.data == ConsentState.GIVEN else None,
            reason=form.reason.data, by=current_user._get_current_object(),
            remote_addr=request.remote_addr)
        flash(f"Consent recorded for {party.name}.", "success")
        if invited:
            user, _ = invited
            # Queued with the consent: the outbox retries while the mail server is down.
            flash(f"{party.name} is invited to the portal ({user.email}).", "success")
        return case_updated(case, anchor=f"party-{party.id}")
    return form_page(case, form, "cases/_consent_form.html", f"Consent: {party.name}",
                     form_id=f"consent-form-{party.id}", party=party, status=failed_status(form))


@bp.post("/<reference>/parties/<int:party_id>/my-consent/<answer>")
@login_required
def own_consent(reference, party_id, answer):
    """A party confirms that they take part, or withdraws, in the portal."""
    case, facts = load_case(reference)
    require(policy.can_answer_own_consent(current_actor(), facts, party_id))
    party = load_party(case, party_id)
    states = {policy.CONFIRM_CONSENT: ConsentState.GIVEN, policy.WITHDRAW_CONSENT: ConsentState.WITHDRAWN}
    if answer not in states:
        abort(404)
    # The same answers the party's home page offers: agreeing again, or withdrawing before
    # agreeing, is not a change this party can make.
    require(answer in policy.own_consent_answers(current_actor(), facts, party_id, party.consent_state))
    form = OwnConsentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.record_consent(party, states[answer], occurred_on=local_today(), method=ConsentMethod.ONLINE,
                               reason=form.reason.data, by=current_user._get_current_object(),
                               remote_addr=request.remote_addr)
    except service.CaseRuleError as error:
        flash(str(error), "error")
    else:
        flash("Thank you. We have recorded that you take part." if answer == "confirm"
              else "We have recorded that you no longer want to take part. Your coordinator will "
                   "be in touch.", "success")
    return redirect_to(url_for("home.party"))


@bp.route("/<reference>/coaches", methods=["GET", "POST"])
@login_required
def allocate(reference):
    """Allocate one or two active coaches; reallocating ends the earlier allocation."""
    case, facts = load_managed_case(reference, policy.can_run_case)
    coaches = list(User.coaches().order_by(User.name))
    form = scope_ids(AllocationForm(coaches=coaches), "allocation")
    if request.method == "GET":
        current = sorted(facts.coach_ids)
        form.coach.data = str(current[0]) if current else ""
        form.second_coach.data = str(current[1]) if len(current) > 1 else ""
    if form.validate_on_submit():
        service.allocate(case, form.chosen(), by=current_user._get_current_object(),
                         remote_addr=request.remote_addr)
        flash("Coaches allocated.", "success")
        return case_updated(case, anchor="coaches")
    return form_page(case, form, "cases/_allocation_form.html", "Allocate coaches",
                     form_id="allocation-form", status=failed_status(form))


@bp.route("/<reference>/funding", methods=["GET", "POST"])
@login_required
def funding(reference):
    """Funded by a scheme from the service's list, or self-funded."""
    case, facts = load_managed_case(reference, policy.can_run_case)
    form = FundingForm(current=case.funding_scheme,
                       data={"funding": case.funding, "scheme": case.funding_scheme or ""}
                       if request.method == "GET" else None)
    if form.validate_on_submit():
        service.set_funding(case, form.funding.data, form.scheme.data,
                            by=current_user._get_current_object())
        flash("Funding saved.", "success")
        return case_updated(case, anchor="funding")
    return form_page(case, form, "cases/_funding_form.html", "Funding", form_id="funding-form",
                     status=failed_status(form))


@bp.route("/<reference>/details", methods=["GET", "POST"])
@login_required
def details(reference):
    """The case's dispute type and office, from the service's lists."""
    case, facts = load_managed_case(reference, policy.can_run_case)
    form = DetailsForm(case=case, data={"dispute_type": case.dispute_type, "office": case.office or ""}
                       if request.method == "GET" else None)
    if form.validate_on_submit():
        service.set_details(case, form.dispute_type.data, form.office.data,
                            by=current_user._get_current_object())
        flash("Details saved.", "success")
        return case_updated(case, anchor="details")
    return form_page(case, form, "cases/_details_form.html", "Details", form_id="details-form",
                     status=failed_status(form))


@bp.route("/<reference>/parties/<int:party_id>/fee", methods=["GET", "POST"])
@login_required
def fee(reference, party_id):
    """The fee quoted to a self-funded party, and whether it is paid."""
    case, facts = load_managed_case(reference, policy.can_run_case)
    party = load_party(case, party_id)
    initial = {"fee": Decimal(party.fee_pence) / 100 if party.fee_pence is not None else None,
               "paid": party.fee_paid}
    form = FeeForm(data=initial if request.method == "GET" else None)
    if form.validate_on_submit():
        service.set_fee(party, int(form.fee.data * 100), form.paid.data,
                        by=current_user._get_current_object())
        flash(f"Fee saved for {party.name}.", "success")
        return case_updated(case, anchor=f"fee-{party.id}")
    return form_page(case, form, "cases/_fee_form.html", f"Fee: {party.name}",
                     form_id=f"fee-form-{party.id}", party=party, status=failed_status(form))


@bp.route("/<reference>/parties/<int:party_id>/email-details", methods=["GET", "POST"])
@login_required
def email_details(reference, party_id):
    """A party's "no details by email", as they asked on the phone or in their referral."""
    case, facts = load_managed_case(reference, policy.can_run_case)
    party = load_party(case, party_id)
    form = EmailDetailsForm(data={"no_details": party.no_details_by_email} if request.method == "GET" else None)
    if form.validate_on_submit():
        service.set_no_details_by_email(party, bool(form.no_details.data), by=current_user._get_current_object())
        flash(f"Session emails for {party.name} saved.", "success")
        return case_updated(case, anchor=f"party-{party.id}")
    return form_page(case, form, "cases/_email_details_form.html", f"Session emails: {party.name}",
                     form_id=f"email-details-form-{party.id}", party=party, status=failed_status(form))
