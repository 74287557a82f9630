"""Action points and goals: set by staff on the case page; a party's own, marked done and commented on."""

from flask import Blueprint

bp = Blueprint("actions", __name__)

from portal.actions import routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
