"""The case: its staff page ("mission control") and everything coordinators and coaches do on it."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from portal.cases import closing, invitations, listing, people, routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
