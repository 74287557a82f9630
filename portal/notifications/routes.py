"""The Notifications page, opening one (marked read), marking all read, and the preferences."""

from flask import flash, render_template, request, url_for
from flask_login import current_user, login_required

from portal import notify, queries
from portal.db import database
from portal.forms import ConfirmForm
from portal.htmx import redirect_to
from portal.models import CaseParty, Notification, User, utcnow
from portal.notifications import bp
from portal.notifications.forms import PreferencesForm
from portal.pagination import paginate
from portal.vocab import Role

PER_PAGE = 20


@bp.get("/notifications")
@login_required
def index():
    """Your notifications, newest first, a page at a time."""
    page = paginate(queries.notifications_visible_to(current_user), request.args.get("page"), PER_PAGE)
    return render_template("notifications/index.html", page=page, form=ConfirmForm())


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id):
    """Open one of your notifications: marked read, then to what it is about."""
    notification = queries.get_or_404(queries.notifications_visible_to(current_user)
                                      .where(Notification.id == notification_id))
    if ConfirmForm().validate_on_submit():
        (Notification.update(read_at=utcnow())
         .where(Notification.id == notification.id, Notification.read_at.is_null()).execute())
    return redirect_to(notification.link)


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    """Mark every one of your notifications read."""
    if ConfirmForm().validate_on_submit():
        (Notification.update(read_at=utcnow())
         .where(Notification.recipient == current_user.id, Notification.read_at.is_null()).execute())
        flash("All your notifications are marked read.", "success")
    return redirect_to(url_for("notifications.index"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Which kinds of message reach you by email (and, for staff, a daily digest instead; for a
    party, whether their session emails may carry the details)."""
    kinds = notify.kinds_for(current_user)
    staff = current_user.role != Role.PARTY
    # A party's "no details by email" is kept on each of their party records (a coordinator may
    # set it on one from a phone call): ticked when any says so, and saved to them all, since
    # the emails go to the one address.
    records = [] if staff else list(queries.own_party_records(current_user))
    form = PreferencesForm.for_user(current_user, kinds, no_details=any(r.no_details_by_email for r in records))
    if form.validate_on_submit():
        wanted = set(form.email_kinds.data or ())
        with database.atomic():
            (User.update(email_off=",".join(kind for kind in kinds if kind not in wanted),
                         email_digest=bool(form.email_digest.data) and staff)
             .where(User.id == current_user.id).execute())
            if records:
                (CaseParty.update(no_details_by_email=bool(form.no_details.data))
                 .where(CaseParty.id.in_([r.id for r in records])).execute())
        flash("Your choices are saved.", "success")
        return redirect_to(url_for("notifications.preferences"))
    status = 422 if form.is_submitted() else 200
    return render_template("notifications/preferences.html", form=form, staff=staff,
                           has_records=bool(records)), status
