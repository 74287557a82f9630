"""Feedback when a case closes (a form that needs no sign-in, from a single-use link), a coaching
case's outcome, and voluntary equality monitoring of each party."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)

from portal.feedback import equality, outcome, routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
