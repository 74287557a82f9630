"""What people are told, in the portal: each person's Notifications page (newest first, marked
read when opened, or all at once) and their choice of what reaches them by email."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from portal.notifications import routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
