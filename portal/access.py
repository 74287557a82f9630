"""Guards shared by the blueprints: a role's own pages, and the current user as an actor."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from portal import policy


def role_required(role):
    """Sign-in required, then 403 for anyone whose role's pages these are not."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not policy.can_use_role_area(current_actor(), role):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def current_actor():
    return current_user.actor()


def require(allowed):
    """403 unless the policy said yes (for things the user may see but not do)."""
    if not allowed:
        abort(403)
