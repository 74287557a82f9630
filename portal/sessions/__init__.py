"""Sessions: scheduling, rescheduling and outcomes on the case page, and calendar files."""

from flask import Blueprint

bp = Blueprint("sessions", __name__)

from portal.sessions import party, routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
