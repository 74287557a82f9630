"""Sending a party's portal invitation again from the case page (when the first link has run
out, or its email could not be delivered)."""

from flask import abort, flash, request
from flask_login import current_user, login_required

from portal import accounts, policy
from portal.case_access import load_managed_case, load_party
from portal.cases import bp
from portal.cases.panels import waiting_accounts
from portal.cases.view import case_updated
from portal.forms import ConfirmForm


def _waiting_account(party):
    """The party's account if it is a party account still waiting for its password, else None."""
    if party.user_id is None:
        return None
    return waiting_accounts([party.user_id]).first()


@bp.post("/<reference>/parties/<int:party_id>/invitation")
@login_required
def resend_invitation(reference, party_id):
    """A new invitation link for a party who has not set a password yet; the old one stops working."""
    case, facts = load_managed_case(reference, policy.can_run_case)
    party = load_party(case, party_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = _waiting_account(party)
    if user is None:
        flash(f"{party.name} has no invitation waiting to be accepted.", "error")
        return case_updated(case)
    accounts.reinvite(user, invited_by=current_user._get_current_object(),
                      remote_addr=request.remote_addr)
    # Queued, not yet delivered: an administrator's Messages page shows when it goes.
    flash(f"A new invitation to {party.name} ({user.email}) is on its way.", "success")
    return case_updated(case)
