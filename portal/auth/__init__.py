"""Signing in and out (password, the second factor, emailed links for parties), invitations,
passwords and a person's account page: the blueprint, and the sign-in sessions kept with
Flask-Login (portal/auth/login.py)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import account, routes, two_factor  # noqa: E402,F401  (routes register on bp)
from portal.auth.login import init_app  # noqa: E402  (the app factory sets up sign-in sessions)

__all__ = ["bp", "init_app"]
