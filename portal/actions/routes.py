"""Action points and goals.

Staff forms on the case page follow `portal.cases.view`: in place for htmx or as a page of their
own, the refreshed case (or a 303 to it) after a change, the form again (422) when refused.
A party's own action point swaps itself: htmx gets the item back (one root id per item), a plain
form gets a 303 to the page it came from. Another party's action point is not found (404).
"""

from flask import abort, flash, render_template, url_for
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import current_actor, require, role_required
from portal.actions import bp, service
from portal.actions.forms import BACK_TO, ActionPointForm, CommentForm, GoalForm, OwnActionPointForm
from portal.case_access import load_managed_case, load_party
from portal.cases.panels import may_change_action_point
from portal.cases.view import case_updated, failed_status, form_page
from portal.forms import ConfirmForm
from portal.htmx import is_htmx_request, redirect_to, replace
from portal.labels import label
from portal.models import ActionPoint
from portal.sessions.forms import scope_ids
from portal.times import local_today
from portal.vocab import ActionPointStatus, Role


@bp.app_template_global()
def action_point_status(point):
    """done, overdue, due_today, due or undated: in the service's time zone."""
    if point.done_at is not None:
        return ActionPointStatus.DONE
    if point.due_on is None:
        return ActionPointStatus.UNDATED
    today = local_today()
    if point.due_on < today:
        return ActionPointStatus.OVERDUE
    return ActionPointStatus.DUE_TODAY if point.due_on == today else ActionPointStatus.DUE


# --- staff, on the case page ----------------------------------------------------------------

def _staff_point(case, facts, point_id):
    """An action point on the case the user may see (else 404) and may change (else 403)."""
    point = queries.get_or_404(queries.action_points_visible_to(current_user, case)
                               .where(ActionPoint.id == point_id))
    require(may_change_action_point(current_actor(), facts, point))
    return point


@bp.route("/cases/<reference>/parties/<int:party_id>/action-points/new", methods=["GET", "POST"])
@login_required
def new_action_point(reference, party_id):
    """Set an action point for one party: what, by when, and a note they will read too."""
    case, facts = load_managed_case(reference, policy.can_manage_party_items)
    party = load_party(case, party_id)
    form = scope_ids(ActionPointForm(), f"new-action-{party.id}")
    if form.validate_on_submit():
        service.set_action_point(case, party, text=form.text.data, due_on=form.due_on.data,
                                 detail=form.detail.data, by=current_user._get_current_object())
        flash(f"Action point set for {party.name}.", "success")
        return case_updated(case, anchor=f"party-items-{party.id}")
    return form_page(case, form, "actions/_action_point_form.html",
                     f"Set an action point for {party.name}", form_id=f"action-point-form-{party.id}",
                     status=failed_status(form), party=party, point=None)


@bp.route("/cases/<reference>/action-points/<int:point_id>/edit", methods=["GET", "POST"])
@login_required
def edit_action_point(reference, point_id):
    """Change an open action point's text, date or note."""
    case, facts = load_managed_case(reference, policy.can_manage_party_items)
    point = _staff_point(case, facts, point_id)
    form = scope_ids(ActionPointForm(obj=point, keep_due_on=point.due_on), f"edit-action-{point.id}")
    form.submit.label.text = "Save the changes"
    if form.validate_on_submit():
        service.change_action_point(point, text=form.text.data, due_on=form.due_on.data,
                                    detail=form.detail.data, by=current_user._get_current_object())
        flash(f"Action point changed for {point.party.name}.", "success")
        return case_updated(case, anchor=f"action-point-{point.id}")
    return form_page(case, form, "actions/_action_point_form.html", "Change an action point",
                     form_id=f"edit-action-point-{point.id}", status=failed_status(form),
                     party=point.party, point=point)


@bp.post("/cases/<reference>/action-points/<int:point_id>/remove")
@login_required
def remove_action_point(reference, point_id):
    """Remove an open action point; the timeline keeps that it was removed, not what it said."""
    case, facts = load_managed_case(reference, policy.can_manage_party_items)
    point = _staff_point(case, facts, point_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if service.remove_action_point(point, by=current_user._get_current_object()):
        flash(f"Action point removed for {point.party.name}.", "success")
    else:
        flash(f"{point.party.name} marked it done in the meantime, so it was kept.", "error")
    return case_updated(case, anchor=f"party-items-{point.party_id}")


@bp.route("/cases/<reference>/parties/<int:party_id>/goals/new", methods=["GET", "POST"])
@login_required
def new_goal(reference, party_id):
    """Record a goal or a desired outcome for one party."""
    case, facts = load_managed_case(reference, policy.can_manage_party_items)
    party = load_party(case, party_id)
    form = scope_ids(GoalForm(), f"new-goal-{party.id}")
    if form.validate_on_submit():
        goal = service.record_goal(case, party, kind=form.kind.data, text=form.text.data,
                                   by=current_user._get_current_object())
        flash(f"{label(goal.kind)} recorded for {party.name}.", "success")
        return case_updated(case, anchor=f"party-items-{party.id}")
    return form_page(case, form, "actions/_goal_form.html",
                     f"Record a goal or desired outcome for {party.name}",
                     form_id=f"goal-form-{party.id}", status=failed_status(form), party=party)


# --- a party's own --------------------------------------------------------------------------

def own_action_points(user, facts=None, points=None):
    """A party's action points, open first, and the ids of those they may still change.
    `facts`: the facts of the party's cases when the caller has them already (by case id);
    `points`: `queries.party_action_points(user)`'s rows, when the caller has loaded them."""
    points = list(queries.party_action_points(user)) if points is None else points
    actor, facts = user.actor(), dict(facts or {})
    facts.update(queries.case_facts_for(p.case for p in points if p.case_id not in facts))
    return {"action_points": points,
            "changeable": {p.id for p in points
                           if policy.can_update_own_action_point(
                               actor, facts[p.case_id], p.facts(),
                               from_final_agreement=bool(p.from_final_agreement))}}


def _own_point(point_id):
    """One of the party's own action points; anyone else's is not found."""
    point = queries.get_or_404(queries.party_action_points(current_user).where(ActionPoint.id == point_id))
    facts = queries.case_facts(point.case)
    if not policy.can_view_party_item(current_actor(), facts, point.facts()):
        abort(404)
    return point, policy.can_update_own_action_point(current_actor(), facts, point.facts(),
                                                     from_final_agreement=bool(point.from_final_agreement))


def _back(form):
    return form.back.data if form.back.data in BACK_TO else "list"


def _own_point_page(point, may_change, back, comment_form=None, status=200):
    context = {"point": point, "may_change": may_change, "back": back, "back_url": url_for(BACK_TO[back]),
               "comment_form": comment_form}
    return render_template("actions/show.html", **context), status


@bp.get("/action-points")
@role_required(Role.PARTY)
def mine():
    """Your action points, open ones first, and the goals recorded with you."""
    # Both lists travel together, in a statement whose text is made once (queries.PreparedBatch).
    points, goals = _MINE.run(current_user._get_current_object(), None)
    return render_template("actions/mine.html", **own_action_points(current_user, points=points.rows),
                           goals=goals.rows, back="list")


def _reserve_mine(batch, user, case, shape):
    """A party's action points and goals, reserved in `batch`; the user read only from the argument."""
    return batch.rows(queries.party_action_points(user)), batch.rows(queries.party_goals(user))


_MINE = queries.PreparedBatch("your action points", _reserve_mine)


@bp.get("/action-points/<int:point_id>")
@role_required(Role.PARTY)
def show(point_id):
    """One of your action points on a page of its own."""
    point, may_change = _own_point(point_id)
    return _own_point_page(point, may_change, "list")


def _changed(point, form, message):
    """After a party's change: the item again for htmx (with the message), a 303 back otherwise."""
    if not is_htmx_request():
        flash(message, "success")
        return redirect_to(url_for(BACK_TO[_back(form)]))
    point, may_change = _own_point(point.id)
    return render_template("actions/_party_action_point.html", point=point, may_change=may_change,
                           back=_back(form), message=message)


def _mark(point_id, done):
    point, may_change = _own_point(point_id)
    require(may_change)
    form = OwnActionPointForm()
    if not form.validate_on_submit():
        abort(400)
    service.mark_done(point, done, by=current_user._get_current_object())
    return _changed(point, form, "Marked as done." if done else "Marked as not done yet.")


@bp.post("/action-points/<int:point_id>/done")
@role_required(Role.PARTY)
def done(point_id):
    """Mark your action point done."""
    return _mark(point_id, True)


@bp.post("/action-points/<int:point_id>/not-done")
@role_required(Role.PARTY)
def not_done(point_id):
    """Mark your action point as not done after all."""
    return _mark(point_id, False)


@bp.post("/action-points/<int:point_id>/comment")
@role_required(Role.PARTY)
def comment(point_id):
    """Add, change or remove your short comment on your action point."""
    point, may_change = _own_point(point_id)
    require(may_change)
    form = scope_ids(CommentForm(), f"my-action-point-{point.id}")
    if form.validate_on_submit():
        words = form.comment.data or ""
        service.save_comment(point, words, by=current_user._get_current_object())
        return _changed(point, form, "Your comment is saved." if words else "Your comment is removed.")
    if is_htmx_request():
        return replace(f"#my-action-point-{point.id}", "actions/_party_action_point.html",
                       status=422, point=point, may_change=True, back=_back(form),
                       comment_form=form)
    return _own_point_page(point, True, _back(form), comment_form=form, status=422)
