"""The Messages page for administrators: every email in the outbox with its state (waiting,
delivered, failed and why), filtered by state, and "Send again" for a failed one."""

from flask import abort, flash, request, url_for
from flask_login import current_user

from portal import outbox, policy, queries
from portal.access import current_actor, require
from portal.admin import bp
from portal.admin.forms import MessageFilterForm
from portal.forms import ConfirmForm
from portal.htmx import redirect_to, render
from portal.models import OutboxMessage
from portal.pagination import paginate

PER_PAGE = 50


@bp.get("/messages")
def messages():
    """The outbox, newest first, a page at a time."""
    require(policy.can_manage_messages(current_actor()))
    filters = MessageFilterForm(request.args)
    state = filters.state.data if filters.validate() and filters.state.data else None
    page = paginate(queries.messages_visible_to(current_user, state=state), request.args.get("page"),
                    per_page=PER_PAGE)
    return render("admin/messages.html", "admin/_messages_list.html", filters=filters, page=page,
                  choice={"state": state} if state else {}, confirm=ConfirmForm(), outbox_nowhere=outbox.NOWHERE)


@bp.post("/messages/<int:message_id>/send-again")
def send_message_again(message_id):
    """A failed message gets a new delivery window, from now."""
    require(policy.can_manage_messages(current_actor()))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    message = queries.get_or_404(queries.messages_visible_to(current_user)
                                 .where(OutboxMessage.id == message_id))
    if outbox.send_again(message, by=current_user._get_current_object(), remote_addr=request.remote_addr):
        flash(f"The email to {message.recipient} is queued again.", "success")
    else:
        flash(f"The email to {message.recipient} has not failed: it is not sent again.", "error")
    return redirect_to(url_for("admin.messages", _anchor=f"message-{message.id}"))
