"""A party's feedback: from the emailed single-use link (no sign-in), or signed in, from their
home page or notifications. Either way it is given once, before the link expires."""

from flask import abort, flash, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from portal import labels, policy, queries
from portal.access import current_actor, require
from portal.feedback import bp, service
from portal.feedback.forms import FeedbackForm
from portal.feedback.view import LINK_EXPIRED, LINK_SPENT, feedback_page, link_closed
from portal.htmx import no_store, redirect_to
from portal.models import FeedbackRequest


def _closed_reason(feedback):
    if service.is_spent(feedback):
        return LINK_SPENT
    if service.is_expired(feedback):
        return LINK_EXPIRED
    return None


def _answer(feedback, form, *, what, done):
    """Record a valid form once (a link spent meanwhile shows its page); else the form, 422."""
    if form.validate_on_submit():
        try:
            service.give_feedback(feedback, satisfaction=form.satisfaction.data, helped=form.helped.data,
                                  situation=form.situation.data, comment=form.comment.data,
                                  remote_addr=request.remote_addr)
        except service.FeedbackError:
            return link_closed(_closed_reason(service.reloaded(feedback)) or LINK_SPENT)
        return done()
    return feedback_page(form, 422 if form.is_submitted() else 200, what=what)


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def give(token):
    """The feedback form from an emailed link: no sign-in, once, until it expires."""
    feedback = service.find_by_token(token)
    if feedback is None:
        abort(404)
    reason = _closed_reason(feedback)
    if reason:
        return link_closed(reason)
    what = labels.label(feedback.case.kind).lower()
    return _answer(feedback, FeedbackForm(), what=what, done=lambda: redirect_to(url_for("feedback.thanks")))


@bp.route("/feedback/mine/<int:request_id>", methods=["GET", "POST"])
@login_required
def own(request_id):
    """A party's own feedback form, signed in."""
    feedback = queries.get_or_404(queries.own_feedback_requests(current_user)
                                  .where(FeedbackRequest.id == request_id))
    reason = _closed_reason(feedback)
    if reason:
        return link_closed(reason)
    facts = queries.case_facts(feedback.case)
    require(policy.can_give_own_feedback(current_actor(), facts, feedback.party_id,
                                         answered=False, expired=False))

    def done():
        flash("Thank you for your feedback.", "success")
        return redirect_to(url_for("home.party"))

    return _answer(feedback, FeedbackForm(), what=labels.label(feedback.case.kind).lower(), done=done)


@bp.get("/feedback/thanks")
def thanks():
    """After feedback from a link: thanks, and nothing about the case."""
    return no_store(make_response(render_template("feedback/thanks.html")))
