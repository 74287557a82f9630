"""The work done on a concern: the lead acknowledges, records actions, closes and reopens it;
anyone who can see it adds a correction. Nothing is edited in place or deleted."""

from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from portal import policy
from portal.access import current_actor, require
from portal.cases.view import failed_status
from portal.forms import ConfirmForm
from portal.safeguarding import bp, service
from portal.safeguarding.forms import ActionForm, AddendumForm, CloseConcernForm, ReopenConcernForm
from portal.safeguarding.view import concern_form_page, concern_updated, load_concern, load_lead_concern


def _lead_concern(concern_id, move):
    """The concern for its lead, and whether `move` fits its state now."""
    concern, _facts = load_lead_concern(concern_id)
    return concern, move in policy.concern_moves(concern.facts())


def _refused(concern, move):
    flash(service.REFUSALS[move], "error")
    return concern_updated(concern)


def _done(concern, change, message, **values):
    """Run a service change; a refusal (the state moved on meanwhile) is said, not raised."""
    try:
        change(concern, by=current_user._get_current_object(), remote_addr=request.remote_addr,
               **values)
    except service.ConcernRuleError as refusal:
        flash(str(refusal), "error")
    else:
        flash(message, "success")
    return concern_updated(concern)


def _url(endpoint, concern):
    return url_for(endpoint, concern_id=concern.id)


@bp.post("/safeguarding/concerns/<int:concern_id>/acknowledge")
@login_required
def acknowledge(concern_id):
    """The lead has seen it: it is no longer waiting, and can no longer become overdue."""
    concern, fits = _lead_concern(concern_id, "acknowledge")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not fits:
        return _refused(concern, "acknowledge")
    return _done(concern, service.acknowledge, "Concern acknowledged.")


@bp.route("/safeguarding/concerns/<int:concern_id>/actions", methods=["GET", "POST"])
@login_required
def record_action(concern_id):
    """What was done, with which agency and their reference, on which date."""
    concern, fits = _lead_concern(concern_id, "action")
    if not fits:
        return _refused(concern, "action")
    form = ActionForm()
    if form.validate_on_submit():
        return _done(concern, service.record_action, "Action recorded.",
                     text=form.text.data.strip(), agency=(form.agency.data or "").strip(),
                     agency_reference=(form.agency_reference.data or "").strip(),
                     action_on=form.action_on.data)
    return concern_form_page(concern, form, "Record an action", form_id="action-form",
                             action=_url("safeguarding.record_action", concern),
                             status=failed_status(form))


@bp.route("/safeguarding/concerns/<int:concern_id>/close", methods=["GET", "POST"])
@login_required
def close(concern_id):
    """Close with an outcome and the lead's sign-off."""
    concern, fits = _lead_concern(concern_id, "close")
    if not fits:
        return _refused(concern, "close")
    form = CloseConcernForm(signer_name=current_user.name)
    if form.validate_on_submit():
        return _done(concern, service.close, "Concern closed and signed off.",
                     outcome=form.outcome.data, sign_off_note=form.sign_off_note.data.strip())
    return concern_form_page(concern, form, "Close and sign off", form_id="close-concern-form",
                             action=_url("safeguarding.close", concern), status=failed_status(form))


@bp.route("/safeguarding/concerns/<int:concern_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen(concern_id):
    """Reopen a closed concern, with a reason."""
    concern, fits = _lead_concern(concern_id, "reopen")
    if not fits:
        return _refused(concern, "reopen")
    form = ReopenConcernForm()
    if form.validate_on_submit():
        return _done(concern, service.reopen, "Concern reopened.", reason=form.reason.data.strip())
    return concern_form_page(concern, form, "Reopen the concern", form_id="reopen-concern-form",
                             action=_url("safeguarding.reopen", concern), status=failed_status(form))


@bp.route("/safeguarding/concerns/<int:concern_id>/addenda", methods=["GET", "POST"])
@login_required
def add_addendum(concern_id):
    """A correction or addition by any staff member who can see the concern."""
    concern, facts = load_concern(concern_id)
    require(policy.can_add_addendum(current_actor(), facts, concern.facts()))
    form = AddendumForm()
    if form.validate_on_submit():
        return _done(concern, service.add_addendum, "Addendum added.", text=form.text.data.strip())
    return concern_form_page(concern, form, "Add a correction or addition", form_id="addendum-form",
                             action=_url("safeguarding.add_addendum", concern),
                             status=failed_status(form))
