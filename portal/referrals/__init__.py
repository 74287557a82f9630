"""Referrals: the public referral form, and the coordinators' referral queue and triage."""

from flask import Blueprint

bp = Blueprint("referrals", __name__)

from portal.referrals import routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
