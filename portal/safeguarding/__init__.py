"""Safeguarding concerns: raising one on a case, the coordinators' dashboard, the concern page
with its chronology, and the safeguarding lead's work (acknowledge, act, close, reopen)."""

from datetime import timedelta

from flask import Blueprint, current_app
from flask_login import current_user

from portal import policy, queries
from portal.models import utcnow
from portal.vocab import Role

bp = Blueprint("safeguarding", __name__)


@bp.app_context_processor
def _open_concern_count():
    """The navigation's count, for coordinators only; a function, so that only pages that show
    the navigation run the query."""
    if not (current_user.is_authenticated
            and policy.can_use_role_area(current_user.actor(), Role.COORDINATOR)):
        return {"open_concern_count": None}
    return {"open_concern_count": lambda: queries.open_concern_count_for(current_user)}


@bp.app_context_processor
def _undelivered_concerns():
    """The immediate and high concerns whose email to the leads is not delivered after
    SAFEGUARDING_EMAIL_ALERT_MINUTES, for a safeguarding lead's home page (its
    `home/_undelivered_concerns.html`); a function, so that only a page that shows it runs it."""
    if not (current_user.is_authenticated and policy.can_act_on_concern(current_user.actor())):
        return {"undelivered_concerns": None}
    return {"undelivered_concerns": lambda: list(
        queries.concerns_with_undelivered_email(current_user, email_alert_cutoff()))}


def email_alert_cutoff():
    """Concerns raised before this whose email is still not delivered are flagged."""
    minutes = current_app.config["SAFEGUARDING_EMAIL_ALERT_MINUTES"]
    return utcnow() - timedelta(minutes=minutes)


from portal.safeguarding import lead, routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
