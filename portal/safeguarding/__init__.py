"""Safeguarding concerns: raising one on a case, the coordinators' dashboard, the concern page
with its chronology, and the safeguarding lead's work (acknowledge, act, close, reopen)."""

from flask import Blueprint
from flask_login import current_user

from portal import policy, queries
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


from portal.safeguarding import lead, routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
