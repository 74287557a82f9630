"""People: the administrator invites, re-invites, deactivates and reactivates accounts."""

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from portal import accounts, policy, queries
from portal.access import current_actor, require
from portal.admin import bp
from portal.admin.forms import InviteForm
from portal.auth import service as auth_service
from portal.forms import ConfirmForm
from portal.htmx import redirect_to
from portal.models import User
from portal.pagination import paginate
from portal.vocab import Role

# The email is queued, not sent, when the page answers: say so, and where to see it go.
QUEUED = "The invitation to {email} is on its way: Messages shows when it has been delivered."


@bp.before_request
@login_required
def _administrators_only():
    require(policy.can_administer_users(current_actor()))


def load_user(user_id):
    return queries.get_or_404(queries.users_visible_to(current_user).where(User.id == user_id))


PEOPLE_PER_PAGE = 50


@bp.get("/people")
def people():
    """Everyone with an account, with invitation and active state, a page at a time."""
    page = paginate(queries.users_visible_to(current_user), request.args.get("page"),
                    per_page=PEOPLE_PER_PAGE)
    actor = current_actor()
    may = {person.id: {"deactivate": policy.can_deactivate_user(actor, person.actor()),
                       "reactivate": policy.can_reactivate_user(actor, person.actor()),
                       "reset_second_factor": policy.can_reset_second_factor(actor, person.actor(),
                                                                             person.has_second_factor)}
           for person in page.rows}
    return render_template("admin/people.html", page=page, people=page.rows, may=may,
                           confirm=ConfirmForm())


@bp.route("/people/invite", methods=["GET", "POST"])
def invite():
    """Invite a person by email, with a role."""
    form = InviteForm()
    if form.validate_on_submit():
        is_coordinator = form.role.data == Role.COORDINATOR
        accounts.invite(
            name=form.name.data, email=form.email.data, role=form.role.data,
            invited_by=current_user._get_current_object(),
            safeguarding_lead=is_coordinator and form.safeguarding_lead.data,
            admin=is_coordinator and form.admin.data,
            remote_addr=request.remote_addr,
        )
        flash(QUEUED.format(email=form.email.data.strip().lower()), "success")
        return redirect_to(url_for("admin.people"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/invite.html", form=form), status


def _confirmed_action(user_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return load_user(user_id)


@bp.post("/people/<int:user_id>/deactivate")
def deactivate(user_id):
    """Deactivate an account: it can no longer sign in, and its sessions end now."""
    user = _confirmed_action(user_id)
    if user.id == current_user.id:
        flash("You cannot deactivate your own account.", "error")
    elif not policy.can_deactivate_user(current_actor(), user.actor()):
        flash(f"{user.name} is already deactivated.", "error")
    else:
        accounts.deactivate(user, by=current_user._get_current_object(), remote_addr=request.remote_addr)
        flash(f"{user.name} has been deactivated.", "success")
    return redirect_to(url_for("admin.people"))


@bp.post("/people/<int:user_id>/reactivate")
def reactivate(user_id):
    """Let a deactivated account sign in again."""
    user = _confirmed_action(user_id)
    if not policy.can_reactivate_user(current_actor(), user.actor()):
        flash(f"{user.name} is not deactivated.", "error")
    else:
        accounts.reactivate(user, by=current_user._get_current_object(),
                            remote_addr=request.remote_addr)
        flash(f"{user.name} can sign in again.", "success")
    return redirect_to(url_for("admin.people"))


@bp.post("/people/<int:user_id>/reset-two-factor")
def reset_second_factor(user_id):
    """Clear a person's two-factor sign-in (a lost phone): their sessions end, they are told
    by email, and they set it up again at their next sign-in."""
    user = _confirmed_action(user_id)
    if not policy.can_reset_second_factor(current_actor(), user.actor(), user.has_second_factor):
        abort(403)
    auth_service.reset_second_factor(user, by=current_user._get_current_object(), remote_addr=request.remote_addr)
    flash(f"{user.name}'s two-factor sign-in has been reset. They set it up again when they next sign in.",
          "success")
    return redirect_to(url_for("admin.people"))


@bp.post("/people/<int:user_id>/reinvite")
def reinvite(user_id):
    """Send a new invitation link to someone who has not set a password yet."""
    user = _confirmed_action(user_id)
    if user.password_hash is not None:
        flash(f"{user.name} has already set a password.", "error")
    elif not user.active:
        # The link would not work anyway (tokens need an active account): do not send it.
        flash(f"{user.name} is deactivated. Reactivate the account first.", "error")
    else:
        accounts.reinvite(user, invited_by=current_user._get_current_object(),
                          remote_addr=request.remote_addr)
        flash(QUEUED.format(email=user.email), "success")
    return redirect_to(url_for("admin.people"))
