"""Signing in and out, invitations and passwords: the blueprint, and the sign-in sessions kept
with Flask-Login (portal/auth/login.py)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import routes  # noqa: E402,F401  (routes register on bp)
from portal.auth.login import init_app  # noqa: E402  (the app factory sets up sign-in sessions)

__all__ = ["bp", "init_app"]
