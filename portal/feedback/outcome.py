"""A coaching case's outcome (goals met fully, partly or not): a coach on the case or a
coordinator, when closing the case or on its page afterwards."""

from flask import flash, request
from flask_login import current_user, login_required

from portal import policy
from portal.case_access import load_managed_case
from portal.cases.view import case_updated, failed_status, form_page
from portal.feedback import bp, service
from portal.feedback.forms import CoachingOutcomeForm


@bp.route("/cases/<reference>/coaching-outcome", methods=["GET", "POST"])
@login_required
def coaching_outcome(reference):
    """Record (or change) the coaching case's outcome; on the case's timeline."""
    case, facts = load_managed_case(reference, policy.can_record_coaching_outcome)
    form = CoachingOutcomeForm()
    if form.validate_on_submit():
        service.record_coaching_outcome(case, form.goals_met.data, by=current_user._get_current_object(),
                                        remote_addr=request.remote_addr)
        flash("Coaching outcome recorded.", "success")
        return case_updated(case, anchor="coaching-outcome")
    return form_page(case, form, "feedback/_outcome_form.html", "Record the coaching outcome",
                     form_id="coaching-outcome-form", status=failed_status(form))
