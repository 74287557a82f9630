"""Administration: people (invite, re-invite, deactivate, reactivate) and the audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.admin import routes, trail  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
