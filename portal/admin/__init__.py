"""Administration: people (invite, re-invite, deactivate, reactivate), the audit trail and the
outbox's Messages page."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.admin import lists, messages, routes, trail  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
