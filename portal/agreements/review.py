"""The review of a final agreement: its terms run on after the case closes, and a coach on the
case or a coordinator records how they were kept (the one change a closed case allows staff)."""

from flask import request
from flask_login import current_user, login_required

from portal import policy
from portal.access import current_actor, require
from portal.agreements import bp, service
from portal.agreements.forms import ReviewForm
from portal.agreements.view import agreement_url, attempt, load_agreement
from portal.cases.view import failed_status
from portal.htmx import form_response


def may_record_review(facts, agreement):
    return policy.can_record_agreement_review(current_actor(), facts, agreement.facts(),
                                              reviewed=agreement.reviewed_on is not None)


@bp.route("/cases/<reference>/agreements/<int:agreement_id>/review", methods=["GET", "POST"])
@login_required
def review(reference, agreement_id):
    """Record the review: its date, how the terms were kept, and a note with an audience."""
    case, facts, agreement = load_agreement(reference, agreement_id)
    require(may_record_review(facts, agreement))
    form = ReviewForm(service.parties_of(case))
    if form.validate_on_submit():
        return attempt(case, agreement, lambda: service.record_review(
            agreement, reviewed_on=form.reviewed_on.data, outcome=form.outcome.data, note=form.note(),
            by=current_user._get_current_object(), remote_addr=request.remote_addr),
            "Review recorded.", anchor="review")
    return form_response("agreements/_review_form.html", "form_page.html", form_id="review-form",
                         status=failed_status(form), back_to=(agreement_url(agreement), "Back to the agreement"),
                         title_trail=[case.reference], case=case, agreement=agreement, form=form,
                         title=f"Record the review of version {agreement.version}",
                         intro="Once recorded, the review date leaves the coaches' and coordinators' lists.",
                         action=request.path)
